/**
 * The README's first steps, through HTTP against `npm start` as a user runs it: the API comes up,
 * lists the seven platforms, guards the caller's connections with the printed dev token, takes a
 * media upload with the README's curl lines, and stops cleanly on SIGTERM.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startNpmStart, type NpmStart } from '../support/npm-start';

const STARTUP_MS = 45_000;

describe('README flows against npm start', () => {
  let app: NpmStart;
  let api = '';
  const stdout = (): string => app.stdout();

  beforeAll(async () => {
    app = await startNpmStart({ startupMs: STARTUP_MS });
    api = app.apiUrl;
  }, STARTUP_MS + 5000);

  afterAll(async () => {
    await app?.kill();
  });

  const devToken = (): string => {
    const m = /dev token \(user dev-user[^)]*\): (\S+)/.exec(stdout());
    if (!m?.[1]) throw new Error(`no dev token in the banner:\n${stdout()}`);
    return m[1];
  };

  it('prints where everything runs, and a ready-to-paste curl with the dev token', () => {
    expect(stdout()).toMatch(new RegExp(`API\\s+${api}`));
    for (const what of ['Fake platforms', 'AWS endpoint', 'DynamoDB', 'Queues', 'Schedules']) expect(stdout()).toContain(what);
    expect(stdout()).toContain(`curl -H "authorization: Bearer ${devToken()}" ${api}/v1/connections`);
  });

  it('answers GET /v1/health', async () => {
    const res = await fetch(`${api}/v1/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
  });

  it('lists the seven platforms', async () => {
    const res = await fetch(`${api}/v1/platforms`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { platforms: { id: string }[] };
    expect(body.platforms.map((p) => p.id).sort()).toEqual(['facebook', 'google_business', 'instagram', 'linkedin', 'tiktok', 'x', 'youtube']);
  });

  it('guards /v1/connections: 401 without a token, 200 with the printed dev token', async () => {
    const anonymous = await fetch(`${api}/v1/connections`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toEqual({ message: 'Unauthorized' });

    const res = await fetch(`${api}/v1/connections`, { headers: { authorization: `Bearer ${devToken()}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { connections: unknown[] };
    expect(Array.isArray(body.connections)).toBe(true);
  });

  it('takes a media upload as the README shows: declare it, curl -T the bytes to the upload URL, see it uploaded', async () => {
    const curl = async (...args: string[]): Promise<string> => (await promisify(execFile)('curl', ['-sS', ...args])).stdout;
    const dir = mkdtempSync(join(tmpdir(), 'reach-readme-'));
    try {
      const photo = join(dir, 'photo.jpg');
      const bytes = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2048, 0x42)]);
      writeFileSync(photo, bytes);
      const auth = `authorization: Bearer ${devToken()}`;
      const declared = JSON.parse(await curl('-XPOST', `${api}/v1/media`, '-H', auth, '-d', JSON.stringify({ contentType: 'image/jpeg', size: bytes.length }))) as Record<string, string>;
      expect(declared['uploadUrl']).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/reach-media\/media\/dev-user\//);
      const mediaId = declared['mediaId'] ?? '';

      const status = await curl('-o', '/dev/null', '-w', '%{http_code}', '-T', photo, '-H', 'content-type: image/jpeg', declared['uploadUrl'] ?? '');
      expect(status).toBe('200');

      const shown = JSON.parse(await curl(`${api}/v1/media/${mediaId}`, '-H', auth)) as Record<string, unknown>;
      expect(shown).toMatchObject({ mediaId, status: 'uploaded', contentType: 'image/jpeg', size: bytes.length });
      const read = await fetch(String(shown['url']));
      expect(read.status).toBe(200);
      expect(Buffer.from(await read.arrayBuffer())).toEqual(bytes);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops cleanly on SIGTERM and exits 0', async () => {
    app.child.kill('SIGTERM');
    const { code, signal } = await app.exited();
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(stdout()).toContain('stopped.');
    const refused = await fetch(`${api}/v1/health`).then(
      () => false,
      () => true,
    );
    expect(refused).toBe(true);
  }, 20_000);
});
