/**
 * The dashboard end to end, as a person uses it: headless Chromium (Debian's `chromium`, driven
 * by playwright-core) against the local runtime. Sign in with a dev token, connect two platforms
 * through their consent pages, see the sync badges turn green, read a follower chart and the
 * authenticity reasons, preview a post (one platform over its limit), schedule it and find it on
 * the calendar; then the same pages on a phone-sized screen. Screenshots of every step are kept
 * in `test/artifacts/dashboard/` for people to look at.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createDocumentClient } from '../../functions/adapters/dynamodb/client';
import { DynamoHistoryRepository } from '../../functions/adapters/dynamodb/history';
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', 'artifacts', 'dashboard');
const DAY_MS = 86_400_000;
const ZONE = 'Europe/Paris';

interface ConnectionView {
  id: string;
  platform: string;
  lastSyncAt?: string;
  latest?: { followers?: number };
}

describe('dashboard in headless Chromium', () => {
  let rt: LocalRuntime;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const problems: string[] = [];
  let shot = 0;

  const screenshot = async (name: string, fullPage = true): Promise<void> => {
    shot += 1;
    await page.screenshot({ path: join(ARTIFACTS, `${String(shot).padStart(2, '0')}-${name}.png`), fullPage });
  };

  const api = async <T>(path: string, init: RequestInit = {}): Promise<T> => {
    const res = await fetch(`${rt.apiUrl}${path}`, { ...init, headers: { authorization: `Bearer ${rt.devToken}`, 'content-type': 'application/json', ...init.headers } });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };

  const connections = async (): Promise<ConnectionView[]> => (await api<{ connections: ConnectionView[] }>('/v1/connections')).connections;

  /** Waits until `check` holds, polling; fails with `what` after `ms`. */
  const until = async (what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> => {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium not found at ${CHROMIUM}. Install Debian's browser with \`apt-get install chromium\` (or point CHROMIUM_PATH at a Chromium binary).`);
    }
    rmSync(ARTIFACTS, { recursive: true, force: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    rt = await startLocalRuntime({ port: 0, quiet: true, scheduleScale: 0 });
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
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await rt?.stop();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('is served with a strict CSP and its own config', async () => {
    const res = await fetch(rt.dashboardUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await (await fetch(`${rt.apiUrl}/config.json`)).json()).toEqual({ apiBase: '', auth: { kind: 'dev', tokenUrl: '/local/token' } });
  });

  it('signs in with a dev token', async () => {
    await page.goto(rt.dashboardUrl);
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
      await page.waitForURL(`${rt.dashboardUrl}#/connections`);
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
    const outcome = await rt.runSchedule('syncPlanner');
    expect(outcome.ok).toBe(true);
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
    // bought-followers spike, which the authenticity score must name.
    const history = new DynamoHistoryRepository(createDocumentClient(rt.env['AWS_REGION'] ?? 'us-east-1'), rt.env['TABLE_HISTORY']!, { pointDays: 400, snapshotDays: 1825 }, () => new Date());
    for (let d = 14; d >= 1; d--) {
      const at = new Date(Date.now() - d * DAY_MS).toISOString();
      await history.append(x.id, { at, snapshot: { followers: Math.round(today * 0.78 * Math.pow(1.002, -d)), following: 400, posts: 270 } }, { daily: true });
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

    const { posts } = await api<{ posts: { text: string; status: string }[] }>('/v1/posts');
    expect(posts).toEqual([expect.objectContaining({ text: 'Launch day: Reach is live on every platform.', status: 'scheduled' })]);

    await page.getByRole('link', { name: 'Open the calendar' }).click();
    const chip = page.locator(`td[data-date="${day}"] .post-chip`);
    await chip.waitFor();
    await expect(chip.textContent()).resolves.toContain('10:30');
    await chip.click();
    await page.locator('#post-detail .target-states li').nth(1).waitFor();
    await screenshot('calendar');
  });

  it('fits a phone screen (390 × 844)', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [route, name] of [
      ['#/connections', 'phone-connections'],
      ['#/compose', 'phone-compose'],
      ['#/calendar', 'phone-calendar'],
    ] as const) {
      await page.goto(`${rt.dashboardUrl}${route}`);
      await page.locator('#view h2').first().waitFor();
      await page.waitForLoadState('networkidle');
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      await screenshot(name);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('shows API errors to the user and signs out', async () => {
    await page.goto(`${rt.dashboardUrl}#/connections/01NOSUCHCONNECTION0000000000`);
    await page.locator('.notice-error').first().waitFor();
    await expect(page.locator('.notice-error').first().textContent()).resolves.toMatch(/not found/i);
    await screenshot('api-error');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Reach' }).waitFor();
    expect(await page.evaluate("sessionStorage.getItem('reach.session')")).toBeNull();
    expect(problems.filter((p) => !/status of 404/.test(p))).toEqual([]);
  });
});
