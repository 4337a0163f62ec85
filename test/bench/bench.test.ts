/**
 * The bench's own code, run with tiny sizes so that `npm test` exercises it: the helpers, the
 * platform-calls section and the throughput section against one local runtime.
 */
import { startLocalRuntime, type LocalRuntime } from '../../local/runtime';
import { silentLog } from '../../local/log';
import { PROVIDER_IDS } from '../../functions/providers/types';
import { CALL_GOALS, PLATFORM_FAKE, diffStats, formatCallsTable, isOAuthRoute, meetsGoal, measureCalls, type CallsRow } from '../../bench/calls';
import { formatSyncReport, measureSyncThroughput, spread } from '../../bench/sync';
import { fixed, formatTable, mapLimit, mean, median } from '../../bench/table';
import { lastSyncForDue } from '../../bench/accounts';

describe('bench helpers', () => {
  it('puts a due connection\'s last sync earlier the same UTC day, so the measured sync is not the day\'s first', () => {
    expect(lastSyncForDue(new Date('2026-11-24T12:00:00Z')).toISOString()).toBe('2026-11-24T10:59:00.000Z');
    expect(lastSyncForDue(new Date('2026-11-24T00:28:00Z')).toISOString()).toBe('2026-11-24T00:00:00.000Z');
    // Inside the freshness window after midnight no same-day time is old enough: yesterday it is.
    expect(lastSyncForDue(new Date('2026-11-24T00:05:00Z')).toISOString()).toBe('2026-11-23T23:04:00.000Z');
  });

  it('formats a table with a rule, the first column left-aligned and the rest right-aligned', () => {
    expect(formatTable(['name', 'n'], [['a', '10'], ['long name', '2']])).toBe(['name        n', '---------  --', 'a          10', 'long name   2'].join('\n'));
  });

  it('takes medians and means, and prints a dash for what is not a number', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBe(0);
    expect(mean([1, 2, 3, 6])).toBe(3);
    expect(fixed(Number.NaN)).toBe('—');
    expect(fixed(2.345, 2)).toBe('2.35');
  });

  it('runs at most `limit` tasks at once and keeps the order of the results', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapLimit([30, 10, 20, 5, 1], 2, async (ms, i) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, ms));
      running -= 1;
      return i * 10;
    });
    expect(out).toEqual([0, 10, 20, 30, 40]);
    expect(peak).toBe(2);
  });

  it('spreads a total evenly over shares', () => {
    expect(spread(1000, 7)).toEqual([143, 143, 143, 143, 143, 143, 142]);
    expect(spread(10, 5).reduce((a, b) => a + b, 0)).toBe(10);
  });

  it('tells OAuth and token routes from metrics routes', () => {
    expect(isOAuthRoute('meta GET graph.facebook.com/:version/oauth/access_token')).toBe(true);
    expect(isOAuthRoute('POST oauth2.googleapis.com/token')).toBe(true);
    expect(isOAuthRoute('POST www.linkedin.com/oauth/v2/accessToken')).toBe(true);
    expect(isOAuthRoute('GET www.facebook.com/:version/dialog/oauth')).toBe(true);
    expect(isOAuthRoute('GET www.googleapis.com/youtube/v3/channels')).toBe(false);
    expect(isOAuthRoute('GET api.x.com/2/users/:id/tweets')).toBe(false);
  });

  it('counts the calls made between two stats readings', () => {
    const before = { x: { 'GET api.x.com/2/users/me': 2 } };
    const after = { x: { 'GET api.x.com/2/users/me': 5, 'POST api.x.com/2/oauth2/token': 1 }, google: { 'GET a/b': 1 } };
    expect(diffStats(before, after)).toEqual({ 'x GET api.x.com/2/users/me': 3, 'x POST api.x.com/2/oauth2/token': 1, 'google GET a/b': 1 });
  });

  it('judges YouTube per started batch of 50 and the others per account', () => {
    const youtube = CALL_GOALS.youtube!;
    expect(meetsGoal(youtube, 2, 100)).toBe(true);
    expect(meetsGoal(youtube, 3, 100)).toBe(false);
    expect(meetsGoal(youtube, 1, 3)).toBe(true);
    expect(meetsGoal(CALL_GOALS.tiktok!, 10, 5)).toBe(true);
    expect(meetsGoal(CALL_GOALS.x!, 6, 5)).toBe(false);
  });
});

describe('bench sections on a local runtime', () => {
  let rt: LocalRuntime;

  beforeAll(async () => {
    rt = await startLocalRuntime({ quiet: true, scheduleScale: 0, batchingWindowScale: 0, log: silentLog, env: { ...process.env, LOG_LEVEL: 'ERROR' } });
  }, 60_000);

  afterAll(async () => {
    await rt?.stop();
  });

  let calls: CallsRow[];

  it('counts platform calls per account-sync for every platform through the planner and the queue', async () => {
    calls = await measureCalls(rt, { accountsPerPlatform: 1, youtubeChannels: 3 });
    expect([...new Set(calls.map((r) => r.platform))]).toEqual([...PROVIDER_IDS]);
    // Instagram is measured through each of its logins.
    expect(calls.filter((r) => r.platform === 'instagram').map((r) => r.label)).toEqual(['instagram (instagram_login)', 'instagram (facebook_login)']);
    const ran = calls.filter((r) => r.verdict !== 'not run');
    expect(ran.length).toBeGreaterThan(0);
    for (const r of ran) {
      // Every connection the consents created was synced in its platform's run, with calls counted.
      expect({ platform: r.platform, synced: r.synced }).toEqual({ platform: r.platform, synced: r.connected });
      expect(r.calls).toBeGreaterThan(0);
      expect(r.perAccount).toBeCloseTo(r.calls / r.synced);
      // A sync refreshes no token: the OAuth routes stay silent during the run.
      expect(r.oauthCalls).toBe(0);
      // Platforms run one at a time: every call counted went to the platform's own fake.
      for (const key of Object.keys(r.routes)) expect(key.startsWith(`${PLATFORM_FAKE[r.platform]} `)).toBe(true);
      if (r.goal) expect(r.verdict).toBe(meetsGoal(r.goal, r.calls, r.synced) ? 'pass' : 'fail');
      else expect(r.verdict).toBe('no goal');
    }
    const table = formatCallsTable(calls);
    for (const r of calls) expect(table).toContain(r.label);
    expect(table).toContain('calls/account');
  }, 120_000);

  it('times the planner → queue → worker path against a one-at-a-time baseline and verifies every sync', async () => {
    const result = await measureSyncThroughput(rt, { connections: 14, baselineSample: 7, slowMs: 150, users: 2 });
    const run = result.run;
    expect(run.connections).toBe(14);
    expect(run.drainError).toBeUndefined();
    expect(run.synced).toBe(14);
    expect(run.withNewPoint).toBe(14);
    expect(run.byPlatform.reduce((a, p) => a + p.connections, 0)).toBe(14);
    expect(run.queue.sent).toBeGreaterThan(0);
    expect(run.queue.invocations).toBeGreaterThan(0);
    expect(run.platformCalls).toBeGreaterThanOrEqual(run.queue.sent);
    // Every platform call waited for the injected delay, as the workers saw it.
    expect(run.platformCallMs.median).toBeGreaterThanOrEqual(150);
    expect(result.baseline.synced).toBe(7);
    expect(result.baseline.meanPlatformMsPerConnection).toBeGreaterThanOrEqual(150);
    expect(result.speedup).toBeCloseTo(result.extrapolatedBaselineMs / run.durationMs);
    // The faults are cleared afterwards: a platform call answers at once again.
    const started = Date.now();
    const res = await fetch(`${rt.fakesUrl}/www.googleapis.com/youtube/v3/channels?part=id&id=none`);
    await res.arrayBuffer();
    expect(Date.now() - started).toBeLessThan(150);
    const report = formatSyncReport(result);
    expect(report).toContain('end to end: planner → sync queue → workers');
    expect(report).toMatch(/goal: ≥ 10× the one-at-a-time baseline → [0-9.]+×: (PASS|FAIL)/);
    expect(report).toContain('14/14 have a new lastSyncAt, 14/14 a new history point');
  }, 120_000);
});
