/**
 * Connecting an account: the authorize step (state + PKCE, consent URL) and the callback
 * (single-use state, code exchange, accounts, tokens to the vault, connections to the table).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Connection } from '../model/connection';
import type { AppCredentials, TokenSet } from '../model/tokens';
import { NotFoundError, ValidationError } from '../errors';
import { ProviderError, type Provider, type ProviderAccount, type ProviderFailure } from '../ports/provider';
import type { ReachEvent } from '../ports/events';
import type { UseCaseDeps } from './context';
import { nextRefreshAt } from './tokens';
import { refreshAtWithSubscription, subscribeAccount, withSubscription } from './subscriptions';

export interface StartConnectInput {
  readonly userId: string;
  readonly platform: string;
  readonly returnUrl?: string;
  /** Scopes beyond the platform's defaults. */
  readonly scopes?: readonly string[];
  /** Platform account ids to connect when one login reaches several (e.g. Pages); default all. */
  readonly accounts?: readonly string[];
  readonly variant?: string;
}

export interface StartConnectResult {
  readonly authorizeUrl: string;
  readonly expiresAt: string;
  readonly state: string;
}

interface PendingState {
  readonly userId: string;
  readonly platform: string;
  readonly verifier: string;
  readonly returnUrl: string;
  readonly accounts?: readonly string[];
  readonly variant?: string;
}

const stateKey = (state: string) => `oauth#${state}`;

export const requireProvider = (deps: UseCaseDeps, platform: string): Provider => {
  const provider = deps.platforms.get(platform);
  if (!provider) throw new NotFoundError(`Platform ${platform}`);
  return provider;
};

/** True when `url` is one of the allowlisted URLs or lies under an allowlisted origin/prefix. */
export const isAllowedReturnUrl = (url: string, allowlist: readonly string[]): boolean => {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return false;
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:') return false;
  return allowlist.some((entry) => {
    let allowed: URL;
    try {
      allowed = new URL(entry);
    } catch {
      return false;
    }
    if (allowed.origin !== target.origin) return false;
    const prefix = allowed.pathname.endsWith('/') ? allowed.pathname : `${allowed.pathname}/`;
    return allowed.pathname === '/' || target.pathname === allowed.pathname || target.pathname.startsWith(prefix);
  });
};

export const startConnect = async (deps: UseCaseDeps, input: StartConnectInput): Promise<StartConnectResult> => {
  const provider = requireProvider(deps, input.platform);
  const returnUrl = input.returnUrl ?? deps.settings.defaultReturnUrl;
  if (input.returnUrl !== undefined && !isAllowedReturnUrl(input.returnUrl, deps.settings.returnUrlAllowlist)) {
    throw new ValidationError([{ field: 'returnUrl', message: 'is not in the configured allowlist of return URLs' }]);
  }
  const variants = provider.manifest.oauth.variants;
  if (input.variant !== undefined && !(variants ?? []).includes(input.variant)) {
    throw new ValidationError([
      { field: 'variant', message: variants ? `must be one of ${variants.join(', ')}` : `${input.platform} has no login variants` },
    ]);
  }
  const scopes = [...new Set([...provider.manifest.oauth.defaultScopes, ...(input.scopes ?? [])])];
  const state = randomBytes(24).toString('base64url');
  const verifier = randomBytes(48).toString('base64url');
  const codeChallenge = createHash('sha256').update(verifier).digest('base64url');
  const expiresAt = new Date(deps.now().getTime() + deps.settings.oauthStateTtlSeconds * 1000);
  const credentials = await deps.credentials.get(input.platform);
  const pending: PendingState = {
    userId: input.userId,
    platform: input.platform,
    verifier,
    returnUrl,
    ...(input.accounts !== undefined && { accounts: input.accounts }),
    ...(input.variant !== undefined && { variant: input.variant }),
  };
  await deps.control.put(stateKey(state), { ...pending }, expiresAt);
  const url = provider.oauth.authorizeUrl({
    state,
    redirectUri: deps.settings.redirectUri(input.platform),
    scopes,
    codeChallenge,
    credentials,
    ...(input.variant !== undefined && { variant: input.variant }),
  });
  return { authorizeUrl: deps.settings.browserUrl(url), expiresAt: expiresAt.toISOString(), state };
};

export interface CompleteConnectInput {
  readonly platform: string;
  /** Every query parameter of the callback. */
  readonly params: Readonly<Record<string, string>>;
}

export interface CompleteConnectResult {
  /** Where to send the browser: the return URL with the outcome in its query. */
  readonly location: string;
  readonly outcome: 'connected' | 'error';
  readonly reason?: string;
  /** The platform's classified failure, for the logs (safe: never holds a token). */
  readonly failure?: ProviderFailure;
  readonly connectionIds: readonly string[];
}

const withQuery = (base: string, params: Record<string, string>): string => {
  const url = new URL(base);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
};

const parsePending = (raw: Readonly<Record<string, unknown>>): PendingState | undefined => {
  const { userId, platform, verifier, returnUrl, accounts, variant } = raw;
  if (typeof userId !== 'string' || typeof platform !== 'string' || typeof verifier !== 'string' || typeof returnUrl !== 'string') return undefined;
  return {
    userId,
    platform,
    verifier,
    returnUrl,
    ...(Array.isArray(accounts) && { accounts: accounts.map(String) }),
    ...(typeof variant === 'string' && { variant }),
  };
};

/** Why a connect failed, as a short code safe to put in a URL. */
const reasonOf = (err: unknown): string => {
  if (err instanceof ProviderError) return err.failure.kind === 'auth_expired' ? 'grant_rejected' : `platform_${err.failure.kind}`;
  return 'internal_error';
};

export const completeConnect = async (deps: UseCaseDeps, input: CompleteConnectInput): Promise<CompleteConnectResult> => {
  const fail = (returnUrl: string, reason: string): CompleteConnectResult => ({
    location: withQuery(returnUrl, { status: 'error', reason, platform: input.platform }),
    outcome: 'error',
    reason,
    connectionIds: [],
  });
  const state = input.params['state'];
  if (!state) return fail(deps.settings.defaultReturnUrl, 'missing_state');
  const raw = await deps.control.take(stateKey(state));
  const pending = raw ? parsePending(raw) : undefined;
  if (!pending) return fail(deps.settings.defaultReturnUrl, 'invalid_state');
  if (pending.platform !== input.platform) return fail(pending.returnUrl, 'platform_mismatch');
  const denied = input.params['error'];
  if (denied) return fail(pending.returnUrl, denied === 'access_denied' || denied === 'user_denied' ? 'access_denied' : 'platform_error');
  const code = input.params['code'];
  if (!code) return fail(pending.returnUrl, 'missing_code');

  const provider = requireProvider(deps, input.platform);
  try {
    const credentials = await deps.credentials.get(input.platform);
    const userTokens = await provider.oauth.exchangeCode({
      code,
      redirectUri: deps.settings.redirectUri(input.platform),
      codeVerifier: pending.verifier,
      credentials,
      params: input.params,
      ...(pending.variant !== undefined && { variant: pending.variant }),
    });
    const reached = await provider.accounts.list({ tokens: userTokens, credentials });
    const chosen = pending.accounts ? reached.filter((a) => pending.accounts!.includes(a.platformAccountId)) : reached;
    if (chosen.length === 0) return fail(pending.returnUrl, reached.length === 0 ? 'no_accounts' : 'no_selected_accounts');
    const ids: string[] = [];
    const events: ReachEvent[] = [];
    for (const account of chosen) {
      const connection = await linkAccount(deps, provider, pending.userId, account, account.tokens ?? userTokens, credentials);
      ids.push(connection.connectionId);
      events.push({
        type: 'connection.connected',
        userId: pending.userId,
        detail: { connectionId: connection.connectionId, platform: input.platform, platformAccountId: account.platformAccountId },
      });
    }
    await deps.events.publish(events);
    await deps.queue.send(
      'sync',
      ids.map((connectionId) => ({ body: { kind: 'connection', userId: pending.userId, connectionId, reason: 'connected' } })),
    );
    const query: Record<string, string> = { status: 'connected', platform: input.platform, connection: ids[0]! };
    if (ids.length > 1) query['connections'] = ids.join(',');
    return { location: withQuery(pending.returnUrl, query), outcome: 'connected', connectionIds: ids };
  } catch (err) {
    if (!(err instanceof ProviderError)) throw err;
    return { ...fail(pending.returnUrl, reasonOf(err)), failure: err.failure };
  }
};

/**
 * Creates the connection, or re-links the caller's existing one for the same platform account, and
 * subscribes the account to the platform's webhooks where the provider does that by API (a failed
 * subscription is recorded on the connection; it does not fail the connect).
 */
const linkAccount = async (
  deps: UseCaseDeps,
  provider: Provider,
  userId: string,
  account: ProviderAccount,
  tokens: TokenSet,
  credentials: AppCredentials,
): Promise<Connection> => {
  const now = deps.now();
  const platform = provider.manifest.id;
  const existing = (await deps.connections.findByPlatformAccount(platform, account.platformAccountId)).find((c) => c.userId === userId);
  const profile = {
    platformAccountId: account.platformAccountId,
    ...(account.username !== undefined && { username: account.username }),
    displayName: account.displayName,
    ...(account.avatarUrl !== undefined && { avatarUrl: account.avatarUrl }),
    accountType: account.accountType,
    ...(account.grantedBy !== undefined && { grantedBy: account.grantedBy }),
  };
  // Subscribed before the write, so the connection is stored once with its subscription facts.
  const subscribed = await subscribeAccount(deps, provider, { ...existing, platform, ...profile }, tokens, credentials);
  const tokenFacts = {
    scopes: tokens.scopes,
    ...(tokens.expiresAt !== undefined && { tokenExpiresAt: tokens.expiresAt }),
    ...(tokens.refreshTokenExpiresAt !== undefined && { refreshTokenExpiresAt: tokens.refreshTokenExpiresAt }),
    refreshAt: refreshAtWithSubscription(nextRefreshAt(tokens, provider.manifest.oauth, now), subscribed ?? existing ?? {}, now),
  };
  if (existing) {
    // Re-read under the version it was read at: a concurrent refresh makes this retry.
    await deps.vault.put(existing.tokenRef, tokens, { userId, platform });
    const { statusReason: _reason, tokenExpiresAt: _t, refreshTokenExpiresAt: _r, ...rest } = existing;
    const relinked: Connection = withSubscription({
      ...rest,
      ...profile,
      ...tokenFacts,
      status: 'active',
      nextSyncAt: now.toISOString(),
      updatedAt: now.toISOString(),
      version: existing.version + 1,
    }, subscribed);
    await deps.connections.update(relinked);
    await recordGrant(deps, relinked);
    return relinked;
  }
  const connectionId = deps.newId();
  const tokenRef = connectionId;
  await deps.vault.put(tokenRef, tokens, { userId, platform, connectionId });
  const connection: Connection = withSubscription({
    userId,
    connectionId,
    platform,
    ...profile,
    ...tokenFacts,
    status: 'active',
    tokenRef,
    tier: 'default',
    nextSyncAt: now.toISOString(),
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    version: 1,
  }, subscribed);
  await deps.connections.create(connection);
  await recordGrant(deps, connection);
  return connection;
};

/**
 * Remembers which platform user's consent created a connection, for platforms that later call
 * back about that user (removing the app, asking for deletion) rather than about the account.
 */
const recordGrant = async (deps: UseCaseDeps, connection: Connection): Promise<void> => {
  if (connection.grantedBy === undefined) return;
  await deps.grants.add(connection.platform, connection.grantedBy, { userId: connection.userId, connectionId: connection.connectionId });
};
