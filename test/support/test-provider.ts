/**
 * A provider of a made-up platform (`acme`) for use-case tests: it behaves like an OAuth platform
 * with rotating refresh tokens and counts every call, so tests can assert what reached it.
 */
import type { Connection } from '../../functions/core/model/connection';
import type { TokenSet } from '../../functions/core/model/tokens';
import { verifySignedRequest } from '../../functions/providers/meta-graph/signed-request';
import { acmeWebhooks } from './acme-webhooks';
import {
  ProviderError,
  type AnalyticsClient,
  type MetricsOutcome,
  type PostMetrics,
  type Provider,
  type ProviderAccount,
  type ProviderFailure,
  type Publisher,
  type Violation,
} from '../../functions/core/ports/provider';

/** A post the made-up platform accepted. */
export interface AcmePost {
  readonly id: string;
  readonly targetKey: string;
  readonly text: string;
}

/** What the made-up platform's publishing side did, and how to make it misbehave. */
export interface PublishControls {
  /** Every post the platform accepted: a post published twice shows up twice here. */
  readonly accepted: AcmePost[];
  /** Steps the platform performed, in order (`upload`, `poll`, `publish`). */
  readonly steps: string[];
  calls: { publish: number; reconcile: number; analytics: number };
  /** Each publish call takes the first failure and throws it before doing anything. */
  failures: ProviderFailure[];
  /** This many publish calls accept the post and then time out (the caller never hears back). */
  timeoutsAfterAccept: number;
  /** Media posts: how many times the platform answers "still processing" after the upload. */
  processingPolls: number;
  /** Metrics the platform reports per post id; absent ids are not found. */
  metrics: Record<string, PostMetrics>;
  /** Makes the next analytics call fail this way. */
  analyticsFailure?: ProviderFailure;
  /** Runs (once) between the upload and saving its checkpoint: lets a test stall a worker there. */
  beforeSave?: () => Promise<void>;
}

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
  readonly publishing: PublishControls;
}

const TEXT_LIMIT = 280;

/** A publisher with a two-step media flow (upload, then processing polls, then publish) and reconcile by target key. */
const acmePublisher = (id: string, pub: PublishControls): Publisher => {
  const accept = (targetKey: string, text: string) => {
    const post = { id: `${id}-post-${pub.accepted.length + 1}`, targetKey, text };
    pub.accepted.push(post);
    pub.steps.push('publish');
    if (pub.timeoutsAfterAccept > 0) {
      pub.timeoutsAfterAccept -= 1;
      throw new ProviderError(id, { kind: 'transient', code: 'timeout', message: 'timeout calling https://acme.example/posts' });
    }
    return { status: 'published' as const, platformPostId: post.id, url: `https://acme.example/p/${post.id}` };
  };
  return {
    rules: {
      postTypes: ['post'],
      text: { max: TEXT_LIMIT, counting: 'characters', required: true },
      media: { min: 0, max: 4, types: ['image/jpeg', 'image/png', 'video/mp4'], mixing: 'any' },
      options: { audience: 'who sees the post: public or followers' },
      supportsThreads: false,
      supportsLinks: true,
    },
    validate: (content) => {
      const violations: Violation[] = [];
      const warnings: Violation[] = [];
      const length = [...content.text].length;
      if (length === 0) violations.push({ field: 'text', code: 'text_required', message: 'text is required' });
      if (length > TEXT_LIMIT) violations.push({ field: 'text', code: 'text_too_long', message: `at most ${TEXT_LIMIT} characters (${length})` });
      if (length > 200 && length <= TEXT_LIMIT) warnings.push({ field: 'text', code: 'text_truncated_in_feed', message: 'the feed shows the first 200 characters' });
      content.media.forEach((m, i) => {
        if (!['image/jpeg', 'image/png', 'video/mp4'].includes(m.contentType)) violations.push({ field: `media.${i}`, code: 'media_type', message: `${m.contentType} is not accepted` });
      });
      for (const key of Object.keys(content.options)) {
        if (key !== 'audience') violations.push({ field: `options.${key}`, code: 'unknown_option', message: 'unknown option' });
      }
      return { violations, warnings, preview: { text: content.text.slice(0, TEXT_LIMIT), length, limit: TEXT_LIMIT } };
    },
    publish: async (ctx) => {
      pub.calls.publish += 1;
      const failure = pub.failures.shift();
      if (failure) throw new ProviderError(id, failure);
      if (ctx.content.media.length === 0) return accept(ctx.targetKey, ctx.content.text);
      let checkpoint = ctx.checkpoint ?? {};
      if (!checkpoint['uploadId']) {
        pub.steps.push('upload');
        checkpoint = { uploadId: `up-${pub.steps.length}` };
        const stall = pub.beforeSave;
        pub.beforeSave = undefined;
        await stall?.();
        await ctx.save(checkpoint);
      }
      const polls = Number(checkpoint['polls'] ?? '0');
      if (polls < pub.processingPolls) {
        pub.steps.push('poll');
        return { status: 'processing', checkpoint: { ...checkpoint, polls: String(polls + 1) }, retryAfterSeconds: 30 };
      }
      return accept(ctx.targetKey, ctx.content.text);
    },
    reconcile: async (ctx) => {
      pub.calls.reconcile += 1;
      const found = pub.accepted.find((p) => p.targetKey === ctx.targetKey);
      return found && { platformPostId: found.id, url: `https://acme.example/p/${found.id}` };
    },
  };
};

const acmeAnalytics = (id: string, pub: PublishControls): AnalyticsClient => ({
  batchSize: 2,
  fetch: async ({ platformPostIds }) => {
    pub.calls.analytics += 1;
    const failure = pub.analyticsFailure;
    pub.analyticsFailure = undefined;
    if (failure) throw new ProviderError(id, failure);
    return Object.fromEntries(platformPostIds.filter((p) => pub.metrics[p] !== undefined).map((p) => [p, pub.metrics[p]!]));
  },
});

export const createTestProvider = (
  options: {
    id?: string;
    batchSize?: number;
    withRefresh?: boolean;
    now?: () => Date;
    publishing?: boolean;
    /** Give the platform webhooks (`acme-webhooks.ts`). */
    withWebhooks?: boolean;
    /** Join a family of app-level callbacks verified as Meta's `signed_request`. */
    callbacksFamily?: string;
  } = {},
): TestProviderControls => {
  const now = options.now ?? (() => new Date());
  let n = 0;
  const ctl: TestProviderControls = {
    calls: { exchange: 0, refresh: 0, revoke: 0, metrics: 0, accounts: 0 },
    accounts: [{ platformAccountId: 'acct-1', username: 'demo', displayName: 'Demo', accountType: 'creator' }],
    refreshDelayMs: 0,
    liveRefreshToken: 'rt-0',
    followers: 1000,
    publishing: { accepted: [], steps: [], calls: { publish: 0, reconcile: 0, analytics: 0 }, failures: [], timeoutsAfterAccept: 0, processingPolls: 0, metrics: {} },
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
    ...(options.publishing !== false && { publisher: acmePublisher(id, ctl.publishing), analytics: acmeAnalytics(id, ctl.publishing) }),
    ...(options.withWebhooks && { webhooks: acmeWebhooks }),
    ...(options.callbacksFamily !== undefined && { platformCallbacks: { family: options.callbacksFamily, verifySignedRequest } }),
    classify: (f) => ({ kind: f.status === 401 ? 'auth_expired' : 'transient', message: `status ${f.status}` }),
  };
  (ctl as { provider: Provider }).provider = provider;
  return ctl;
};

/** Stores an active connection of the test platform with tokens in the vault (for publishing tests). */
export const seedConnection = async (
  deps: { connections: { create(c: Connection): Promise<void> }; vault: { put(ref: string, t: TokenSet, tags: Record<string, string>): Promise<void> }; now: () => Date },
  over: Partial<Connection> & { readonly userId: string; readonly connectionId: string },
): Promise<Connection> => {
  const at = deps.now().toISOString();
  const connection: Connection = {
    platform: 'acme',
    platformAccountId: `acct-${over.connectionId}`,
    displayName: 'Demo',
    accountType: 'creator',
    status: 'active',
    scopes: ['read', 'write'],
    tokenRef: `tok-${over.connectionId}`,
    tier: 'default',
    createdAt: at,
    updatedAt: at,
    version: 1,
    ...over,
  };
  await deps.connections.create(connection);
  await deps.vault.put(connection.tokenRef, { accessToken: `at-${over.connectionId}`, scopes: ['read', 'write'], obtainedAt: at }, {});
  return connection;
};
