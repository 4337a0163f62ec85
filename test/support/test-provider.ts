/**
 * A provider of a made-up platform (`acme`) for use-case tests: it behaves like an OAuth platform
 * with rotating refresh tokens and counts every call, so tests can assert what reached it.
 */
import type { TokenSet } from '../../functions/core/model/tokens';
import { ProviderError, type MetricsOutcome, type Provider, type ProviderAccount, type ProviderFailure } from '../../functions/core/ports/provider';

export interface TestProviderControls {
  readonly provider: Provider;
  readonly calls: { exchange: number; refresh: number; revoke: number; metrics: number; accounts: number };
  accounts: ProviderAccount[];
  /** Makes the next refresh/metrics/exchange call fail this way. */
  failNext?: ProviderFailure;
  /** Delay of each refresh call (to widen race windows). */
  refreshDelayMs: number;
  /** The refresh token the platform currently accepts (rotation). */
  liveRefreshToken: string;
  followers: number;
}

export const createTestProvider = (options: { id?: string; batchSize?: number; withRefresh?: boolean; now?: () => Date } = {}): TestProviderControls => {
  const now = options.now ?? (() => new Date());
  let n = 0;
  const ctl: TestProviderControls = {
    calls: { exchange: 0, refresh: 0, revoke: 0, metrics: 0, accounts: 0 },
    accounts: [{ platformAccountId: 'acct-1', username: 'demo', displayName: 'Demo', accountType: 'creator' }],
    refreshDelayMs: 0,
    liveRefreshToken: 'rt-0',
    followers: 1000,
    provider: undefined as unknown as Provider,
  };
  const takeFailure = (platform: string) => {
    const f = ctl.failNext;
    if (f) {
      ctl.failNext = undefined;
      throw new ProviderError(platform, f);
    }
  };
  const id = options.id ?? 'acme';
  const tokens = (): TokenSet => {
    n += 1;
    ctl.liveRefreshToken = `rt-${n}`;
    return {
      accessToken: `at-${n}`,
      refreshToken: ctl.liveRefreshToken,
      expiresAt: new Date(now().getTime() + 3600_000).toISOString(),
      scopes: ['read'],
      obtainedAt: now().toISOString(),
    };
  };
  const provider: Provider = {
    manifest: {
      id,
      displayName: 'Acme',
      docsUrl: 'https://acme.example/docs',
      accountTypes: ['creator'],
      oauth: {
        authorizeUrl: 'https://acme.example/oauth/authorize',
        tokenUrl: 'https://acme.example/oauth/token',
        defaultScopes: ['read'],
        scopeSeparator: ' ',
        pkce: 'required',
        clientAuth: 'basic',
        accessTokenLifetimeSeconds: 3600,
        refreshMarginSeconds: 600,
        rotatesRefreshToken: true,
        variants: ['standard', 'business'],
      },
      metrics: { followers: true, following: true, posts: true, views: false, verified: false, demographics: false },
      quotas: [],
      limitations: [],
    },
    oauth: {
      authorizeUrl: (i) =>
        `https://acme.example/oauth/authorize?client_id=${i.credentials.clientId}&state=${i.state}&redirect_uri=${encodeURIComponent(i.redirectUri)}&code_challenge=${i.codeChallenge}&scope=${i.scopes.join('+')}`,
      exchangeCode: async () => {
        ctl.calls.exchange += 1;
        takeFailure(id);
        return tokens();
      },
      ...(options.withRefresh !== false && {
        refresh: async ({ tokens: old }) => {
          ctl.calls.refresh += 1;
          if (ctl.refreshDelayMs) await new Promise((r) => setTimeout(r, ctl.refreshDelayMs));
          takeFailure(id);
          if (old.refreshToken !== ctl.liveRefreshToken) {
            throw new ProviderError(id, { kind: 'auth_expired', code: 'invalid_grant', message: 'refresh token already used' });
          }
          return tokens();
        },
      }),
      revoke: async () => {
        ctl.calls.revoke += 1;
        takeFailure(id);
        return { revoked: true };
      },
    },
    accounts: {
      list: async () => {
        ctl.calls.accounts += 1;
        return ctl.accounts;
      },
    },
    metrics: {
      batchSize: options.batchSize ?? 1,
      fetch: async (targets) => {
        ctl.calls.metrics += 1;
        const f = ctl.failNext;
        ctl.failNext = undefined;
        return targets.map((t): MetricsOutcome =>
          f
            ? { platformAccountId: t.platformAccountId, ok: false, failure: f }
            : { platformAccountId: t.platformAccountId, ok: true, snapshot: { followers: ctl.followers, following: 10, posts: 5 } },
        );
      },
    },
    classify: (f) => ({ kind: f.status === 401 ? 'auth_expired' : 'transient', message: `status ${f.status}` }),
  };
  (ctl as { provider: Provider }).provider = provider;
  return ctl;
};
