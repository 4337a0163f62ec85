/** Reading and removing a user's connections. Every read keys on the caller's user id. */
import type { Connection } from '../model/connection';
import { NotFoundError } from '../errors';
import { ProviderError } from '../ports/provider';
import type { UseCaseDeps } from './context';
import { targetSeriesId } from './post-analytics';
import { unsubscribeAccount } from './subscriptions';

export const listConnections = (deps: UseCaseDeps, userId: string): Promise<Connection[]> => deps.connections.listByUser(userId);

/** The caller's connection, or 404 — a foreign id is simply not found, so ids do not leak. */
export const getConnection = async (deps: UseCaseDeps, userId: string, connectionId: string): Promise<Connection> => {
  const c = await deps.connections.get(userId, connectionId);
  if (!c) throw new NotFoundError(`Connection ${connectionId}`);
  return c;
};

export interface DisconnectResult {
  readonly connectionId: string;
  readonly revokedAtPlatform: boolean;
  /** Why the grant could not be revoked at the platform (the user may have to remove it there). */
  readonly revokeNote?: string;
  /** Why the account's webhook subscription could not be removed, when it could not. */
  readonly subscriptionNote?: string;
  readonly historyErased: boolean;
}

/**
 * Disconnects: removes the account's webhook subscription and revokes the grant at the platform
 * where it can (in that order: the subscription needs the grant), deletes the tokens, and either
 * keeps the connection (status `revoked`, history kept) or erases it with its history.
 */
export const disconnect = async (
  deps: UseCaseDeps,
  userId: string,
  connectionId: string,
  options: { readonly erase: boolean },
): Promise<DisconnectResult> => {
  const connection = await getConnection(deps, userId, connectionId);
  let revokedAtPlatform = false;
  let revokeNote: string | undefined;
  const provider = deps.platforms.get(connection.platform);
  const tokens = connection.status === 'revoked' ? undefined : await deps.vault.get(connection.tokenRef);
  const subscriptionNote = provider && tokens ? await unsubscribeAccount(deps, provider, connection, tokens) : undefined;
  if (provider?.oauth.revoke && tokens) {
    try {
      const credentials = await deps.credentials.get(connection.platform);
      const outcome = await provider.oauth.revoke({ tokens, credentials });
      revokedAtPlatform = outcome.revoked;
      if (!outcome.revoked) revokeNote = outcome.reason;
    } catch (err) {
      if (!(err instanceof ProviderError)) throw err;
      // A grant the platform no longer knows is as revoked as it gets; anything else is reported.
      revokedAtPlatform = err.failure.kind === 'auth_expired';
      if (!revokedAtPlatform) revokeNote = `the platform did not confirm the revocation (${err.failure.kind})`;
    }
  } else if (!provider?.oauth.revoke) {
    revokeNote = `${connection.platform} has no revoke endpoint; remove the app in the platform's settings`;
  }
  await deps.vault.delete(connection.tokenRef);
  if (options.erase) {
    await deps.history.erase(connection.connectionId);
    await deps.connections.delete(userId, connectionId);
  } else {
    const { nextSyncAt: _n, refreshAt: _r, ...rest } = connection;
    await deps.connections.update({
      ...rest,
      status: 'revoked',
      statusReason: 'disconnected',
      updatedAt: deps.now().toISOString(),
      version: connection.version + 1,
    });
  }
  await deps.events.publish([
    { type: 'connection.disconnected', userId, detail: { connectionId, platform: connection.platform, erased: options.erase } },
  ]);
  return {
    connectionId,
    revokedAtPlatform,
    ...(revokeNote !== undefined && { revokeNote }),
    ...(subscriptionNote !== undefined && { subscriptionNote }),
    historyErased: options.erase,
  };
};

/**
 * Erases everything Reach holds for a user: every connection (revoked at the platform, tokens and
 * history deleted), their posts with their targets' metric series, media records, sync jobs and
 * claims. Uploaded media files expire with the bucket's lifecycle rule.
 */
export const eraseUser = async (
  deps: UseCaseDeps,
  userId: string,
): Promise<{ readonly connectionsErased: number; readonly postTargetsErased: number }> => {
  const all = await deps.connections.listByUser(userId);
  for (const c of all) await disconnect(deps, userId, c.connectionId, { erase: true });
  const targets = await deps.posts.eraseUser(userId);
  for (const t of targets) await deps.history.erase(targetSeriesId(t.postId, t.connectionId));
  await deps.jobs.eraseUser(userId);
  return { connectionsErased: all.length, postTargetsErased: targets.length };
};
