import { ENGAGEMENT_FORMULAS, engagementRates } from '../../functions/core/insights/engagement';

const recent = { sampleSize: 10, likes: 300, comments: 40, shares: 10, views: 5_000 };

describe('engagementRates', () => {
  it('computes every variant from the per-post averages, with its formula', () => {
    const r = engagementRates({ followers: 10_000, recent });
    expect(r.byFollowers.value).toBeCloseTo(3.5, 10); // (300 + 40 + 10) / 10,000
    expect(r.byViews.value).toBeCloseTo(7, 10); // 350 / 5,000
    expect(r.byFollowersLikesComments.value).toBeCloseTo(3.4, 10); // (300 + 40) / 10,000
    expect(r.byFollowers.formula).toBe(ENGAGEMENT_FORMULAS.byFollowers);
    expect(r.byViews.formula).toMatch(/avg views/);
    expect(r.byFollowersLikesComments.formula).not.toMatch(/shares/);
    expect(r.sampleSize).toBe(10);
  });

  it('defaults the headline rate to the followers basis', () => {
    const r = engagementRates({ followers: 10_000, recent });
    expect(r.primary).toMatchObject({ basis: 'followers', variant: 'byFollowers', formula: ENGAGEMENT_FORMULAS.byFollowers });
    expect(r.primary.value).toBeCloseTo(3.5, 10);
  });

  it('uses the views variant as headline when the basis says views', () => {
    const r = engagementRates({ followers: 10_000, recent }, 'views');
    expect(r.primary).toMatchObject({ basis: 'views', variant: 'byViews' });
    expect(r.primary.value).toBeCloseTo(7, 10);
  });

  it('leaves the follower variants undefined when followers are 0 or missing, keeping the views one', () => {
    for (const followers of [0, undefined]) {
      const r = engagementRates({ followers, recent });
      expect(r.byFollowers.value).toBeUndefined();
      expect(r.byFollowersLikesComments.value).toBeUndefined();
      expect(r.primary.value).toBeUndefined();
      expect(r.byViews.value).toBeCloseTo(7, 10);
    }
  });

  it('leaves the views variant undefined when the posts had no views, without falling back', () => {
    const r = engagementRates({ followers: 10_000, recent: { ...recent, views: 0 } }, 'views');
    expect(r.byViews.value).toBeUndefined();
    expect(r.primary).toMatchObject({ variant: 'byViews', value: undefined });
    expect(r.byFollowers.value).toBeCloseTo(3.5, 10);
  });

  it('gives no rate at all without a recent-post sample', () => {
    for (const snapshot of [{ followers: 10_000 }, { followers: 10_000, recent: { ...recent, sampleSize: 0 } }]) {
      const r = engagementRates(snapshot);
      expect([r.byFollowers.value, r.byViews.value, r.byFollowersLikesComments.value, r.primary.value]).toEqual([undefined, undefined, undefined, undefined]);
      expect(r.sampleSize).toBe(0);
    }
  });

  it('returns a real 0 % when posts had no interactions but the denominators exist', () => {
    const r = engagementRates({ followers: 500, recent: { sampleSize: 3, likes: 0, comments: 0, shares: 0, views: 40 } });
    expect(r.byFollowers.value).toBe(0);
    expect(r.byViews.value).toBe(0);
  });

  it('ignores negative or non-finite figures rather than producing a nonsense rate', () => {
    expect(engagementRates({ followers: -5, recent }).byFollowers.value).toBeUndefined();
    expect(engagementRates({ followers: 10_000, recent: { ...recent, likes: Number.NaN } }).byFollowers.value).toBeUndefined();
  });
});
