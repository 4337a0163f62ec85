/**
 * The management CLI: `npx reach <command>`. It drives the admin routes of a Reach API — the local
 * runtime (default `http://localhost:3000`, where it mints its own admin token) or a deployed
 * stack (`REACH_API_URL` and an admin JWT in `REACH_TOKEN`).
 *
 *   reach sync --all | --user U | --platform P | --connection C [--dry-run]
 *   reach tokens refresh [--all | --user U | --platform P | --connection C] [--dry-run]
 *   reach cleanup --days N [--dry-run]
 *   reach stats
 */
import { parseArgs } from 'node:util';

const USAGE = `usage:
  reach sync (--all | --user U | --platform P | --connection C) [--dry-run]
  reach tokens refresh [--all | --user U | --platform P | --connection C] [--dry-run]
  reach cleanup --days N [--dry-run]
  reach stats
environment: REACH_API_URL (default http://localhost:3000), REACH_TOKEN (an admin JWT; minted locally when absent)`;

class UsageError extends Error {}

const api = (process.env['REACH_API_URL'] ?? 'http://localhost:3000').replace(/\/$/, '');

const token = async (): Promise<string> => {
  const given = process.env['REACH_TOKEN'];
  if (given) return given;
  const res = await fetch(`${api}/local/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sub: 'reach-cli', groups: ['admin'] }) });
  if (!res.ok) throw new Error(`no REACH_TOKEN, and ${api} minted none (${res.status}): set REACH_TOKEN to an admin JWT`);
  return ((await res.json()) as { token: string }).token;
};

const call = async (method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> => {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: { authorization: `Bearer ${await token()}`, 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  const parsed: unknown = text ? JSON.parse(text) : undefined;
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text}`);
  return parsed;
};

const selection = (v: Record<string, string | boolean | undefined>, required: boolean) => {
  const sel = {
    ...(v['all'] === true && { all: true }),
    ...(typeof v['user'] === 'string' && { userId: v['user'] }),
    ...(typeof v['platform'] === 'string' && { platform: v['platform'] }),
    ...(typeof v['connection'] === 'string' && { connectionId: v['connection'] }),
  };
  if (Object.keys(sel).length === 0) {
    if (required) throw new UsageError('choose --all, --user, --platform or --connection');
    return { all: true };
  }
  return sel;
};

export const main = async (argv: readonly string[]): Promise<unknown> => {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      all: { type: 'boolean' },
      user: { type: 'string' },
      platform: { type: 'string' },
      connection: { type: 'string' },
      days: { type: 'string' },
      'dry-run': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const dryRun = values['dry-run'] === true;
  const [command, sub] = positionals;
  if (values.help || !command) throw new UsageError('');
  switch (command) {
    case 'sync':
      return call('POST', '/v1/admin/sync', { ...selection(values, true), dryRun });
    case 'tokens':
      if (sub !== 'refresh') throw new UsageError('tokens takes the subcommand refresh');
      return call('POST', '/v1/admin/tokens/refresh', { ...selection(values, false), dryRun });
    case 'cleanup': {
      const days = Number(values.days);
      if (!Number.isInteger(days) || days <= 0) throw new UsageError('cleanup needs --days N (a positive whole number)');
      return call('POST', '/v1/admin/cleanup', { days, dryRun });
    }
    case 'stats':
      return call('GET', '/v1/admin/stats');
    default:
      throw new UsageError(`unknown command ${command}`);
  }
};

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (out) => console.log(JSON.stringify(out, null, 2)),
    (err: unknown) => {
      if (err instanceof UsageError) {
        if (err.message) console.error(err.message);
        console.error(USAGE);
        process.exit(2);
      }
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    },
  );
}
