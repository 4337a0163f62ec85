/**
 * Rolling-hour call accounting behind the usage headers and natural throttling
 * (https://developers.facebook.com/docs/graph-api/overview/rate-limiting): one meter for the app
 * (`X-App-Usage`, error code 4) and one per business object, an Instagram account or a Page
 * (`X-Business-Use-Case-Usage`, codes 80002 / 80001). Meta's Instagram window is 24 h; the fake
 * uses one hour for both so that tests can reach the limits quickly.
 */

const HOUR_MS = 3_600_000;

export type BusinessType = 'instagram' | 'pages';

export interface BusinessObject {
  readonly id: string;
  readonly type: BusinessType;
}

export interface UsageLevel {
  /** Percent of the limit used (0–100). */
  readonly percent: number;
  /** Minutes until the oldest counted call leaves the window (0 while under the limit). */
  readonly regainMinutes: number;
  readonly exhausted: boolean;
}

/** Calls per rolling hour, for the app and for each business object. */
export class UsageMeter {
  private readonly calls = new Map<string, number[]>();

  constructor(
    private readonly appLimit: number,
    private readonly businessLimit: number,
  ) {}

  private window(key: string, nowMs: number): number[] {
    const list = (this.calls.get(key) ?? []).filter((t) => t > nowMs - HOUR_MS);
    this.calls.set(key, list);
    return list;
  }

  private level(key: string, limit: number, nowMs: number): UsageLevel {
    const list = this.window(key, nowMs);
    const exhausted = list.length >= limit;
    const oldest = list[0];
    return {
      percent: Math.min(100, Math.round((list.length / limit) * 100)),
      regainMinutes: exhausted && oldest !== undefined ? Math.max(1, Math.ceil((oldest + HOUR_MS - nowMs) / 60_000)) : 0,
      exhausted,
    };
  }

  /** Where the app and the object stand before this call. */
  check(object: BusinessObject | undefined, now: Date): { app: UsageLevel; business?: UsageLevel } {
    const ms = now.getTime();
    return {
      app: this.level('app', this.appLimit, ms),
      ...(object && { business: this.level(`${object.type}:${object.id}`, this.businessLimit, ms) }),
    };
  }

  /** Counts one call against the app and the object. */
  record(object: BusinessObject | undefined, now: Date): void {
    const ms = now.getTime();
    this.window('app', ms).push(ms);
    if (object) this.window(`${object.type}:${object.id}`, ms).push(ms);
  }

  reset(): void {
    this.calls.clear();
  }
}

/** `X-App-Usage` / the per-object entry: the three documented percentages. */
export const usageBody = (percent: number) => ({
  call_count: percent,
  total_cputime: Math.floor(percent / 2),
  total_time: Math.floor(percent / 2),
});

/** The usage headers of one Graph answer. */
export const usageHeaders = (appPercent: number, object?: BusinessObject, business?: UsageLevel): Record<string, string> => ({
  'x-app-usage': JSON.stringify(usageBody(appPercent)),
  ...(object &&
    business && {
      'x-business-use-case-usage': JSON.stringify({
        [object.id]: [{ type: object.type, ...usageBody(business.percent), estimated_time_to_regain_access: business.regainMinutes }],
      }),
    }),
});
