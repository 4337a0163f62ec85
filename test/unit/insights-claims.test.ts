import { ValidationError } from '../../functions/core/errors';
import { verifyFollowerClaim } from '../../functions/core/insights/claims';
import type { HistoryPoint } from '../../functions/core/ports/history';

const DAY = 86_400_000;
const START = Date.parse('2024-05-01T12:00:00.000Z');
const at = (days: number) => new Date(START + days * DAY).toISOString();
const pt = (days: number, followers: number | undefined): HistoryPoint => ({ at: at(days), snapshot: followers === undefined ? { posts: 1 } : { followers } });
const series = [pt(0, 10_000), pt(1, 10_100), pt(2, 10_200), pt(5, 10_500)];

describe('verifyFollowerClaim', () => {
  it('verifies a claim within 5 % of the nearest point', () => {
    const v = verifyFollowerClaim({ followers: 10_400, at: at(1.2) }, series);
    expect(v).toMatchObject({ verdict: 'verified', observed: { followers: 10_100, at: at(1) }, difference: 300, tolerance: 505 });
    expect(v.observed!.distanceHours).toBeCloseTo(4.8, 10);
    expect(v.percent).toBeCloseTo((300 / 10_100) * 100, 10);
    expect(v.rule).toEqual({ maxDistanceDays: 3, relativeTolerance: 0.05, minAbsoluteTolerance: 10 });
  });

  it('calls a claim above the tolerance overstated and one below understated', () => {
    expect(verifyFollowerClaim({ followers: 11_000, at: at(0) }, series)).toMatchObject({ verdict: 'overstated', difference: 1_000, percent: 10 });
    expect(verifyFollowerClaim({ followers: 9_000, at: at(0) }, series)).toMatchObject({ verdict: 'understated', difference: -1_000, percent: -10 });
  });

  it('accepts exactly 5 % and refuses one follower more', () => {
    expect(verifyFollowerClaim({ followers: 10_500, at: at(0) }, series).verdict).toBe('verified');
    expect(verifyFollowerClaim({ followers: 10_501, at: at(0) }, series).verdict).toBe('overstated');
    expect(verifyFollowerClaim({ followers: 9_500, at: at(0) }, series).verdict).toBe('verified');
  });

  it('allows at least 10 followers of difference for small accounts', () => {
    const small = [pt(0, 100)];
    expect(verifyFollowerClaim({ followers: 110, at: at(0) }, small)).toMatchObject({ verdict: 'verified', tolerance: 10 });
    expect(verifyFollowerClaim({ followers: 111, at: at(0) }, small).verdict).toBe('overstated');
  });

  it('answers no_data when no point lies within 3 days, and counts one exactly 3 days away', () => {
    const v = verifyFollowerClaim({ followers: 10_000, at: at(-3.5) }, series);
    expect(v).toEqual({ verdict: 'no_data', claim: { followers: 10_000, at: at(-3.5) }, rule: expect.any(Object) });
    expect(verifyFollowerClaim({ followers: 10_000, at: at(-3) }, series)).toMatchObject({ verdict: 'verified', observed: { at: at(0), distanceHours: 72 } });
    expect(verifyFollowerClaim({ followers: 10_000, at: at(-3.5) }, series, { maxDistanceDays: 4 }).verdict).toBe('verified');
    expect(verifyFollowerClaim({ followers: 10_000, at: at(0) }, []).verdict).toBe('no_data');
  });

  it('takes the earlier point when two are equally near', () => {
    expect(verifyFollowerClaim({ followers: 10_300, at: at(3.5) }, series).observed).toMatchObject({ at: at(2), followers: 10_200 });
  });

  it('skips points without a follower count', () => {
    const v = verifyFollowerClaim({ followers: 10_000, at: at(0.1) }, [pt(0, 10_000), pt(0.1, undefined)]);
    expect(v.observed).toMatchObject({ at: at(0) });
  });

  it('gives no percent against an observed 0', () => {
    const v = verifyFollowerClaim({ followers: 50, at: at(0) }, [pt(0, 0)]);
    expect(v).toMatchObject({ verdict: 'overstated', difference: 50, tolerance: 10 });
    expect(v.percent).toBeUndefined();
  });

  it('refuses a malformed claim, naming the fields', () => {
    expect(() => verifyFollowerClaim({ followers: -1, at: 'last week' }, series)).toThrow(ValidationError);
    try {
      verifyFollowerClaim({ followers: Number.NaN, at: 'last week' }, series);
    } catch (e) {
      expect((e as ValidationError).issues.map((i) => i.field)).toEqual(['followers', 'at']);
    }
    expect.assertions(2);
  });
});
