/**
 * A grant ended at the platform (the user removed the app, the platform revoked it): the
 * connection becomes `revoked` with the platform's reason, its tokens leave the vault, and the
 * bus hears `connection.disconnected` with `initiatedBy: 'platform'`. History is kept.
 */
import type { Connection } from '../model/connection';
import { StaleWriteError } from '../errors';
import type { UseCaseDeps } from './context';

const MAX_ATTEMPTS = 3;

/** A reason safe to store and publish: a short machine-readable code. */
export const reasonCode = (raw: unknown, fallback: string): string => {
  if (typeof raw !== 'string') return fallback;
  const code = raw
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9_.:-]+/g, '_')
    .slice(0, 64);
  return code === '' || code === '_' ? fallback : code;
};

/**
 * Revokes one connection because the platform says its grant is gone. Idempotent: a connection
 * already revoked is not changed again (its tokens are still deleted, in case an earlier attempt
 * stopped in between). Returns true when this call changed the connection.
 */
export const revokeByPlatform = async (deps: UseCaseDeps, connection: Connection, reason: string): Promise<boolean> => {
  let current: Connection | undefined = connection;
  let changed = false;
  for (let attempt = 1; current && current.status !== 'revoked'; attempt++) {
    const { nextSyncAt: _n, refreshAt: _r, ...rest } = current;
    try {
      await deps.connections.update({
        ...rest,
        status: 'revoked',
        statusReason: reason,
        updatedAt: deps.now().toISOString(),
        version: current.version + 1,
      });
      changed = true;
      break;
    } catch (err) {
      // A sync or a refresh wrote meanwhile: revoke the newest version instead.
      if (!(err instanceof StaleWriteError) || attempt >= MAX_ATTEMPTS) throw err;
      current = await deps.connections.get(connection.userId, connection.connectionId);
    }
  }
  await deps.vault.delete(connection.tokenRef);
  if (changed) {
    await deps.events.publish([
      {
        type: 'connection.disconnected',
        userId: connection.userId,
        detail: { connectionId: connection.connectionId, platform: connection.platform, reason, initiatedBy: 'platform', erased: false },
      },
    ]);
  }
  return changed;
};
