import { completeConnect, startConnect } from '../../functions/core/use-cases/connect';
import { connectionInsights, listClaims, userStats, verifyClaim } from '../../functions/core/use-cases/insights';
import { syncConnections } from '../../functions/core/use-cases/sync';
import { NotFoundError } from '../../functions/core/errors';
import { directoryOf, memoryDeps } from '../support/memory';
import { createTestProvider } from '../support/test-provider';

const DAY = 86_400_000;

const setup = async () => {
  const acme = createTestProvider();
  const deps = memoryDeps(directoryOf(acme.provider), {}, new Date('2026-11-23T12:00:00Z'));
  const { state } = await startConnect(deps, { userId: 'u1', platform: 'acme' });
  const id = (await completeConnect(deps, { platform: 'acme', params: { state, code: 'c' } })).connectionIds[0]!;
  return { acme, deps, id };
};

/** 40 days of steady growth (+10/day), then a bought spike of +2,000 on the last day. */
const seed = async (deps: Awaited<ReturnType<typeof setup>>['deps'], id: string) => {
  const start = deps.now().getTime() - 40 * DAY;
  for (let d = 0; d < 40; d++) {
    const followers = 5_000 + d * 10 + (d === 39 ? 2_000 : 0);
    const at = new Date(start + (d + 1) * DAY).toISOString();
    await deps.history.append(id, { at, snapshot: { followers, following: 100, recent: { sampleSize: 10, likes: 200, comments: 20, shares: 5, views: 4_000 } } }, { daily: true });
  }
};

describe('connectionInsights', () => {
  it('names the engagement formula, shows growth windows and flags the spike with its day', async () => {
    const { deps, id } = await setup();
    await seed(deps, id);
    const out = await connectionInsights(deps, 'u1', id);
    expect(out.growth.windows.map((w) => w.days)).toEqual([1, 7, 30, 90]);
    expect(out.growth.windows.find((w) => w.days === 1)?.absolute).toBe(2_010);
    expect(out.growth.windows.find((w) => w.days === 90)?.absolute).toBeUndefined();
    expect(out.authenticity.reasons.map((r) => r.code)).toContain('follower_spike');
    expect(out.authenticity.score).toBeLessThan(100);
    expect(out.authenticity.confidence).toBe('high');
  });

  it('computes engagement from the latest synced figures', async () => {
    const { deps, id, acme } = await setup();
    acme.followers = 10_000;
    await syncConnections(deps, [{ userId: 'u1', connectionId: id }]);
    const out = await connectionInsights(deps, 'u1', id);
    expect(out.latest?.followers).toBe(10_000);
    expect(out.engagement?.primary.basis).toBe('followers');
    expect(out.engagement?.byFollowers.formula).toMatch(/followers/);
  });

  it('is 404 for someone else\'s connection', async () => {
    const { deps, id } = await setup();
    await expect(connectionInsights(deps, 'intruder', id)).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('claims', () => {
  it('verifies a claim within tolerance, flags an overstated one, and keeps both in the audit trail', async () => {
    const { deps, id } = await setup();
    await seed(deps, id);
    const at = new Date(deps.now().getTime() - 20 * DAY).toISOString();
    const ok = await verifyClaim(deps, 'u1', id, { followers: 5_200, at });
    expect(ok.verdict).toBe('verified');
    const high = await verifyClaim(deps, 'u1', id, { followers: 9_000, at });
    expect(high.verdict).toBe('overstated');
    expect(high.observed?.followers).toBeGreaterThan(5_000);
    const trail = await listClaims(deps, 'u1', id);
    expect(trail.map((c) => c.verdict)).toEqual(['verified', 'overstated']);
    expect((await verifyClaim(deps, 'u1', id, { followers: 1, at: '2020-01-01T00:00:00Z' })).verdict).toBe('no_data');
  });
});

describe('userStats', () => {
  it('adds followers and growth across the user\'s active connections', async () => {
    const { deps, id, acme } = await setup();
    await seed(deps, id);
    acme.followers = 7_000;
    await syncConnections(deps, [{ userId: 'u1', connectionId: id }]);
    const stats = await userStats(deps, 'u1');
    expect(stats.followers).toBe(7_000);
    expect(stats.byPlatform['acme']).toEqual({ connections: 1, followers: 7_000 });
    expect(stats.growth.followers7d).toBeDefined();
    expect((await userStats(deps, 'nobody')).followers).toBe(0);
  });
});
