/**
 * The dashboard end to end, as a person uses it: headless Chromium (Debian's `chromium`, driven
 * by playwright-core) against `npm start`, run as a user runs it. Sign in with a dev token,
 * connect two platforms through their consent pages, see the sync badges turn green, read a
 * follower chart and the authenticity reasons, preview a post (one platform over its limit),
 * schedule it and find it on the calendar; then the same pages on a phone-sized screen.
 * Screenshots of every step are kept in `test/artifacts/dashboard/` for people to look at.
 *
 * Everything beyond the browser goes through what `npm start` hands a user: its banner (URLs,
 * table names, dev token), the `/local/` tools routes and the DynamoDB endpoint it prints.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { DynamoHistoryRepository } from '../../functions/adapters/dynamodb/history';
import { sleep, startNpmStart, type NpmStart } from '../support/npm-start';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', 'artifacts', 'dashboard');
const STARTUP_MS = 45_000;
const DAY_MS = 86_400_000;
const ZONE = 'Europe/Paris';

/** What the `npm start` banner tells a user, as this test needs it. */
interface Banner {
  readonly apiUrl: string;
  readonly dashboardUrl: string;
  readonly fakesUrl: string;
  readonly dynamoUrl: string;
  readonly tables: readonly string[];
  readonly devToken: string;
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The first token after a banner label (`  Label      value  (details)`), checked to be a URL. */
const bannerUrl = (text: string, label: string): string => {
  const m = new RegExp(`^[ \\t]*${escapeRegExp(label)}[ \\t]+(\\S+)`, 'm').exec(text);
  const raw = m?.[1];
  if (!raw || !URL.canParse(raw)) throw new Error(`no ${label} URL in the npm start banner:\n${text}`);
  // Trailing slashes differ between lines (the dashboard has one); callers append paths.
  return raw;
};

/** The whole banner line that starts with `label` (its parenthesised details included). */
const bannerLine = (text: string, label: string): string => {
  const m = new RegExp(`^[ \\t]*${escapeRegExp(label)}[ \\t]+(.*)$`, 'm').exec(text);
  if (!m?.[1]) throw new Error(`no ${label} line in the npm start banner:\n${text}`);
  return m[1];
};

/** Reads the banner `npm start` prints once it is up; fails naming the missing part. */
const parseBanner = (text: string): Banner => {
  const dynamoLine = bannerLine(text, 'DynamoDB');
  const tableList = /\btables ([^)]+)\)/.exec(dynamoLine)?.[1];
  const tables = (tableList ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);
  if (tables.length === 0) throw new Error(`no table names on the banner's DynamoDB line: ${dynamoLine}`);
  const devToken = /^dev token \(user dev-user[^)]*\):[ \t]*(\S+)/m.exec(text)?.[1];
  if (!devToken) throw new Error(`no dev token in the npm start banner:\n${text}`);
  return {
    apiUrl: bannerUrl(text, 'API').replace(/\/+$/, ''),
    dashboardUrl: bannerUrl(text, 'Dashboard'),
    fakesUrl: bannerUrl(text, 'Fake platforms').replace(/\/+$/, ''),
    dynamoUrl: bannerUrl(text, 'DynamoDB'),
    tables,
    devToken,
  };
};

/** The printed table whose name ends with `-<suffix>` (names carry a prefix that may change). */
const tableNamed = (banner: Banner, suffix: string): string => {
  const hit = banner.tables.find((t) => t === suffix || t.endsWith(`-${suffix}`));
  if (!hit) throw new Error(`no ${suffix} table among the printed tables: ${banner.tables.join(', ')}`);
  return hit;
};

interface ConnectionView {
  id: string;
  platform: string;
  status?: string;
  statusReason?: string;
  lastSyncAt?: string;
  latest?: { followers?: number };
}

interface QueueView {
  visible: number;
  inFlight: number;
  delayed: number;
  activeInvocations: number;
  consumer?: string;
}

describe('dashboard in headless Chromium against npm start', () => {
  let app: NpmStart | undefined;
  let banner: Banner;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const problems: string[] = [];
  let shot = 0;

  const screenshot = async (name: string, fullPage = true): Promise<void> => {
    shot += 1;
    await page.screenshot({ path: join(ARTIFACTS, `${String(shot).padStart(2, '0')}-${name}.png`), fullPage });
  };

  const call = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    const res = await fetch(`${banner.apiUrl}${path}`, { ...init, headers: { authorization: `Bearer ${banner.devToken}`, 'content-type': 'application/json', ...init.headers } });
    if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };

  const connections = async (): Promise<ConnectionView[]> => (await call<{ connections: ConnectionView[] }>('/v1/connections')).connections;

  /** Waits until `check` holds, polling; fails with `what` after `ms`. */
  const until = async (what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> => {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(200);
    }
  };

  /** True once every queue with a consumer is empty and idle (`GET /local/queues`). */
  const queuesDrained = async (): Promise<boolean> => {
    const { queues } = await call<{ queues: Record<string, QueueView> }>('/local/queues');
    return Object.values(queues).every((q) => !q.consumer || q.visible + q.inFlight + q.delayed + q.activeInvocations === 0);
  };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium not found at ${CHROMIUM}. Install Debian's browser with \`apt-get install chromium\` (or point CHROMIUM_PATH at a Chromium binary).`);
    }
    rmSync(ARTIFACTS, { recursive: true, force: true });
    mkdirSync(ARTIFACTS, { recursive: true });

    app = await startNpmStart({ startupMs: STARTUP_MS });
    const port = app.port;
    banner = parseBanner(app.stdout());
    if (banner.apiUrl !== `http://localhost:${port}`) throw new Error(`npm start printed API ${banner.apiUrl}, not the port it was given (${port})`);
    const fakes = await fetch(`${banner.fakesUrl}/__fakes/stats`).catch(() => undefined);
    if (fakes?.status !== 200) throw new Error(`the fake platforms the banner names (${banner.fakesUrl}) do not answer /__fakes/stats`);

    profile = mkdtempSync(join(tmpdir(), 'reach-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 800 },
      timezoneId: ZONE,
      locale: 'en-GB',
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error' || /Content Security Policy/i.test(msg.text())) problems.push(`console ${msg.type()}: ${msg.text()}`);
    });
  }, STARTUP_MS + 20_000);

  afterAll(async () => {
    await context?.close();
    await app?.kill();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('is served with a strict CSP and its own config', async () => {
    const res = await fetch(banner.dashboardUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await (await fetch(`${banner.apiUrl}/config.json`)).json()).toEqual({ apiBase: '', auth: { kind: 'dev', tokenUrl: '/local/token' } });
  });

  it('signs in with a dev token', async () => {
    await page.goto(banner.dashboardUrl);
    await page.getByRole('heading', { name: 'Sign in to Reach' }).waitFor();
    await screenshot('sign-in');
    await page.getByLabel('User id').fill('dev-user');
    await page.getByRole('button', { name: 'Sign in with a dev token' }).click();
    await page.getByRole('heading', { name: 'Your connections' }).waitFor();
    await page.getByText('No connections yet').waitFor();
    await expect(page.locator('.user-name').textContent()).resolves.toBe('dev-user');
    // The token is kept for the tab only.
    // (Expressions as strings: the test project has no DOM types.)
    expect(await page.evaluate("[sessionStorage.getItem('reach.session') !== null, localStorage.length]")).toEqual([true, 0]);
    await screenshot('signed-in');
  });

  it('connects two platforms through their consent pages and lists them with badges', async () => {
    for (const [id, name] of [
      ['x', 'X'],
      ['linkedin', 'LinkedIn'],
    ] as const) {
      await page.locator(`button.platform-button[data-platform="${id}"]`).click();
      await page.waitForURL(`${banner.dashboardUrl}#/connections`);
      await page.locator('.notice-success', { hasText: `Connected ${name}` }).waitFor();
      await page.locator(`li.connection[data-platform="${id}"]`).waitFor();
    }
    const items = page.locator('li.connection');
    await expect(items.count()).resolves.toBe(2);
    for (const id of ['x', 'linkedin']) {
      const color = await page.locator(`li.connection[data-platform="${id}"] .badge`).getAttribute('data-color');
      expect(['green', 'yellow']).toContain(color);
    }
    await screenshot('connected');
  });

  it('shows green badges once the sync schedule has run', async () => {
    await until('the first syncs', async () => (await connections()).every((c) => c.lastSyncAt !== undefined));
    const run = await fetch(`${banner.apiUrl}/local/schedules/syncPlanner/run`, { method: 'POST' });
    // The whole answer, so that a failed run shows its error.
    expect(await run.json()).toMatchObject({ ok: true });
    // The planner only enqueues; the badges follow once the sync workers are done.
    await until('the sync queues to drain', queuesDrained);
    await page.getByRole('button', { name: 'Refresh' }).click();
    for (const id of ['x', 'linkedin']) {
      await page.locator(`li.connection[data-platform="${id}"] .badge[data-color="green"]`).waitFor();
    }
    const tooltip = await page.locator('li.connection[data-platform="x"] .badge').getAttribute('title');
    expect(tooltip).toMatch(/^Last synced .*\n\nGreen: synced within two sync periods/);
    await screenshot('synced');
  });

  it('draws the follower history and explains the authenticity score', async () => {
    const x = (await connections()).find((c) => c.platform === 'x')!;
    const today = x.latest?.followers ?? 0;
    expect(today).toBeGreaterThan(0);
    // Two weeks of daily snapshots before today, ~22 % below today's figure: today's jump is a
    // bought-followers spike, which the authenticity score must name. They go straight into the
    // DynamoDB the banner prints, in the history table it names.
    const db = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint: banner.dynamoUrl, region: process.env['AWS_REGION'] ?? 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
      { marshallOptions: { removeUndefinedValues: true } },
    );
    const history = new DynamoHistoryRepository(db, tableNamed(banner, 'history'), { pointDays: 400, snapshotDays: 1825 }, () => new Date());
    try {
      for (let d = 14; d >= 1; d--) {
        const at = new Date(Date.now() - d * DAY_MS).toISOString();
        await history.append(x.id, { at, snapshot: { followers: Math.round(today * 0.78 * Math.pow(1.002, -d)), following: 400, posts: 270 } }, { daily: true });
      }
    } finally {
      db.destroy();
    }

    await page.locator('li.connection[data-platform="x"]').getByRole('link', { name: 'Details' }).click();
    await page.getByRole('heading', { name: 'Follower history' }).waitFor();
    const points = page.locator('svg.chart circle.point');
    await points.first().waitFor();
    expect(await points.count()).toBeGreaterThanOrEqual(15);
    expect(await page.locator('svg.chart').getAttribute('aria-label')).toMatch(/^Followers: \d+ points/);
    const reasons = page.getByRole('list', { name: 'Authenticity reasons' }).locator('li');
    await reasons.first().waitFor();
    await expect(page.locator('.reasons li[data-code="follower_spike"]').textContent()).resolves.toMatch(/follower/i);
    await screenshot('connection-detail');

    // Hourly labels carry the time of day; the seeded points are there too.
    await page.getByText('Hourly').click();
    await page.locator('figcaption', { hasText: /^Followers: \d+ points, from .* \d{2}:\d{2} to / }).waitFor();
    expect(await points.count()).toBeGreaterThanOrEqual(15);
  });

  it('previews a draft per platform, flags the one over its limit, and schedules the post', async () => {
    await page.getByRole('link', { name: 'Compose' }).click();
    await page.getByRole('heading', { name: 'New post' }).waitFor();
    await page.getByLabel('Text').fill(`A long announcement. ${'Reach keeps every account in sync. '.repeat(9)}`);
    const xVerdict = page.locator('.verdict[data-platform="x"]');
    await xVerdict.locator('.violations li').first().waitFor();
    expect(await xVerdict.getAttribute('data-valid')).toBe('false');
    await expect(xVerdict.locator('.violations').textContent()).resolves.toMatch(/of 280/);
    expect(await page.locator('.verdict[data-platform="linkedin"]').getAttribute('data-valid')).toBe('true');
    await screenshot('preview-over-limit');

    await page.getByLabel('Text').fill('Launch day: Reach is live on every platform.');
    await page.locator('.verdict[data-platform="x"][data-valid="true"]').waitFor();
    const due = new Date(Date.now() + 3 * DAY_MS);
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: ZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(due);
    await page.getByLabel('Date and time').fill(`${day}T10:30`);
    await page.getByLabel('Time zone').selectOption(ZONE);
    await page.getByRole('button', { name: 'Schedule post' }).click();
    await page.locator('.notice-success', { hasText: `Post scheduled for ${day} 10:30 (${ZONE}) to 2 connections.` }).waitFor();
    await screenshot('scheduled');

    const { posts } = await call<{ posts: { text: string; status: string }[] }>('/v1/posts');
    expect(posts).toEqual([expect.objectContaining({ text: 'Launch day: Reach is live on every platform.', status: 'scheduled' })]);

    await page.getByRole('link', { name: 'Open the calendar' }).click();
    const chip = page.locator(`td[data-date="${day}"] .post-chip`);
    await chip.waitFor();
    await expect(chip.textContent()).resolves.toContain('10:30');
    await chip.click();
    await page.locator('#post-detail .target-states li').nth(1).waitFor();
    await screenshot('calendar');
  });

  it('turns a badge red when the user revokes the app on the platform, and reconnects from the card', async () => {
    // X tells Reach with a signed account-activity `user_event` once the app is removed in X's settings.
    const sent = await fetch(`${banner.fakesUrl}/__fakes/x/webhooks`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ event: 'user_event', account: 'reach_demo' }) });
    expect(await sent.json()).toMatchObject({ statuses: [200] });
    let revoked: ConnectionView | undefined;
    await until('the X connection to be revoked', async () => {
      revoked = (await connections()).find((c) => c.platform === 'x');
      return revoked?.status === 'revoked';
    });
    expect(revoked?.statusReason).toBe('user_revoked_app');

    await page.goto(`${banner.dashboardUrl}#/connections`);
    await page.getByRole('heading', { name: 'Your connections' }).waitFor();
    await page.getByRole('button', { name: 'Refresh' }).click();
    const badge = page.locator('li.connection[data-platform="x"] .badge');
    await page.locator('li.connection[data-platform="x"] .badge[data-color="red"]').waitFor();
    await expect(badge.textContent()).resolves.toMatch(/^Revoked \(red\): Access was revoked \(user_revoked_app\): connect the account again\.$/);
    expect(await badge.getAttribute('title')).toMatch(/^Access was revoked \(user_revoked_app\): connect the account again\.\n\nGreen: .* Red: the platform wants a reconnect, the connection was revoked/);
    // Only the revoked grant is affected.
    expect(await page.locator('li.connection[data-platform="linkedin"] .badge').getAttribute('data-color')).toBe('green');
    // The revoked card offers the way back in place of "Sync now": consent again.
    const reconnect = page.locator('li.connection[data-platform="x"] button[data-action="reconnect"]');
    await expect(reconnect.textContent()).resolves.toBe('Reconnect');
    expect(await page.locator('li.connection[data-platform="x"]').getByRole('button', { name: 'Sync now' }).count()).toBe(0);
    await screenshot('reconnect-needed');

    // Consenting again re-links the same account: the same connection, active, its badge no longer red.
    await reconnect.click();
    await page.waitForURL(`${banner.dashboardUrl}#/connections`);
    await page.locator('.notice-success', { hasText: 'Connected X' }).waitFor();
    await until('the X connection to be active again', async () => (await connections()).find((c) => c.platform === 'x')?.status === 'active');
    const again = (await connections()).filter((c) => c.platform === 'x');
    expect(again.map((c) => c.id)).toEqual([revoked?.id]);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.locator('li.connection[data-platform="x"] .badge:not([data-color="red"])').waitFor();
  });

  it('fits a phone screen (390 × 844)', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [route, name] of [
      ['#/connections', 'phone-connections'],
      ['#/compose', 'phone-compose'],
      ['#/calendar', 'phone-calendar'],
    ] as const) {
      await page.goto(`${banner.dashboardUrl}${route}`);
      await page.locator('#view h2').first().waitFor();
      await page.waitForLoadState('networkidle');
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      await screenshot(name);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('shows API errors to the user and signs out', async () => {
    await page.goto(`${banner.dashboardUrl}#/connections/01NOSUCHCONNECTION0000000000`);
    await page.locator('.notice-error').first().waitFor();
    await expect(page.locator('.notice-error').first().textContent()).resolves.toMatch(/not found/i);
    await screenshot('api-error');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Reach' }).waitFor();
    expect(await page.evaluate("sessionStorage.getItem('reach.session')")).toBeNull();
    expect(problems.filter((p) => !/status of 404/.test(p))).toEqual([]);
  });
});
