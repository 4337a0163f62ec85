/**
 * Webhook subscriptions made by code: subscribing an account when it is connected, renewing a
 * subscription whose lease is ending (the token worker does it while it holds the connection's
 * lease), and removing it on disconnect. A failure never fails the connect or the disconnect: it
 * is recorded on the connection (`subscriptionError`) for the user and the operator to see.
 */
import type { Connection } from '../model/connection';
import type { AppCredentials, TokenSet } from '../model/tokens';
import { ProviderError, type Provider, type SubscriptionClient, type SubscriptionContext } from '../ports/provider';
import type { UseCaseDeps } from './context';

const HOUR_MS = 3_600_000;
/** Renew a subscription once its lease ends within this window. */
export const SUBSCRIPTION_RENEW_WINDOW_MS = 24 * HOUR_MS;
/** After a failed renewal, try again no sooner than this. */
const RETRY_AFTER_MS = HOUR_MS;
const MAX_ERROR_LENGTH = 300;

/** The connection fields a subscribe attempt sets (and the ones it clears, as `undefined`). */
export type SubscriptionFields = Pick<Connection, 'subscribedAt' | 'subscriptionRenewAt' | 'subscription' | 'subscriptionError'>;

/** The provider's subscription client when it subscribes accounts of this type. */
export const subscriptionsFor = (provider: Provider, accountType: string): SubscriptionClient | undefined => {
  const client = provider.subscriptions;
  if (!client) return undefined;
  return client.accountTypes === undefined || client.accountTypes.includes(accountType) ? client : undefined;
};

/** A failure as stored on the connection: the kind and the provider's safe message, never a token. */
const describeFailure = (err: unknown): string => {
  const text = err instanceof ProviderError ? `${err.failure.kind}: ${err.failure.message}` : 'internal_error: the subscription could not be made';
  return text.slice(0, MAX_ERROR_LENGTH);
};

const contextOf = (
  deps: UseCaseDeps,
  connection: Pick<Connection, 'platform' | 'platformAccountId' | 'accountType' | 'subscription'>,
  tokens: TokenSet,
  credentials: AppCredentials,
): SubscriptionContext => ({
  tokens,
  credentials,
  platformAccountId: connection.platformAccountId,
  accountType: connection.accountType,
  callbackUrl: deps.settings.webhookUrl(connection.platform),
  ...(connection.subscription !== undefined && { detail: connection.subscription }),
});

/**
 * Subscribes (or renews) one account and returns the fields to store on its connection; undefined
 * when the platform subscribes no such account by API. Never throws: a failure becomes
 * `subscriptionError`, and the previous subscription facts are kept so a renewal is retried.
 */
export const subscribeAccount = async (
  deps: UseCaseDeps,
  provider: Provider,
  connection: Pick<Connection, 'platform' | 'platformAccountId' | 'accountType' | 'subscription' | 'subscribedAt' | 'subscriptionRenewAt'>,
  tokens: TokenSet,
  credentials: AppCredentials,
): Promise<SubscriptionFields | undefined> => {
  const client = subscriptionsFor(provider, connection.accountType);
  if (!client) return undefined;
  try {
    const result = await client.subscribe(contextOf(deps, connection, tokens, credentials));
    return {
      subscribedAt: deps.now().toISOString(),
      subscriptionRenewAt: result.renewAt,
      subscription: result.detail ?? connection.subscription,
      subscriptionError: undefined,
    };
  } catch (err) {
    return {
      subscribedAt: connection.subscribedAt,
      subscriptionRenewAt: connection.subscriptionRenewAt,
      subscription: connection.subscription,
      subscriptionError: describeFailure(err),
    };
  }
};

/** Applies subscribe fields to a connection, dropping the ones a success or failure cleared. */
export const withSubscription = (connection: Connection, fields: SubscriptionFields | undefined): Connection => {
  if (!fields) return connection;
  const { subscribedAt: _a, subscriptionRenewAt: _r, subscription: _s, subscriptionError: _e, ...rest } = connection;
  return {
    ...rest,
    ...(fields.subscribedAt !== undefined && { subscribedAt: fields.subscribedAt }),
    ...(fields.subscriptionRenewAt !== undefined && { subscriptionRenewAt: fields.subscriptionRenewAt }),
    ...(fields.subscription !== undefined && { subscription: fields.subscription }),
    ...(fields.subscriptionError !== undefined && { subscriptionError: fields.subscriptionError }),
  };
};

/** True when the connection's subscription lapses within the renewal window. */
export const subscriptionDue = (connection: Pick<Connection, 'subscriptionRenewAt'>, now: Date): boolean =>
  connection.subscriptionRenewAt !== undefined && Date.parse(connection.subscriptionRenewAt) - SUBSCRIPTION_RENEW_WINDOW_MS <= now.getTime();

/**
 * The token planner's next look at a connection, brought forward to the start of its subscription's
 * renewal window (no sooner than an hour from now, so a failing renewal is retried hourly at most):
 * renewals ride the sparse `byTokenDue` index and the worker that already holds the lease.
 */
export const refreshAtWithSubscription = (refreshAt: string, connection: Pick<Connection, 'subscriptionRenewAt'>, now: Date): string => {
  if (connection.subscriptionRenewAt === undefined) return refreshAt;
  const renewFrom = Math.max(Date.parse(connection.subscriptionRenewAt) - SUBSCRIPTION_RENEW_WINDOW_MS, now.getTime() + RETRY_AFTER_MS);
  return new Date(Math.min(Date.parse(refreshAt), renewFrom)).toISOString();
};

/**
 * Removes the account's subscription at the platform, where the provider can. Returns a note when
 * it could not (the subscription then ends with the grant, or the operator removes it).
 */
export const unsubscribeAccount = async (
  deps: UseCaseDeps,
  provider: Provider,
  connection: Connection,
  tokens: TokenSet,
): Promise<string | undefined> => {
  const client = subscriptionsFor(provider, connection.accountType);
  if (!client?.unsubscribe || connection.subscribedAt === undefined) return undefined;
  try {
    const credentials = await deps.credentials.get(connection.platform);
    await client.unsubscribe(contextOf(deps, connection, tokens, credentials));
    return undefined;
  } catch (err) {
    return `the webhook subscription was not removed (${describeFailure(err)})`;
  }
};
