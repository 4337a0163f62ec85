import type { Connection } from '../model/connection';

/** Where connections live. Every user-facing read keys on the caller's user id. */
export interface ConnectionRepository {
  get(userId: string, connectionId: string): Promise<Connection | undefined>;
  listByUser(userId: string): Promise<Connection[]>;
  /** The connections of one platform account, across users (webhook routing, re-linking). */
  findByPlatformAccount(platform: string, platformAccountId: string): Promise<Connection[]>;
  /** Creates a connection; fails with `StaleWriteError` when one with the same id exists. */
  create(connection: Connection): Promise<void>;
  /**
   * Replaces a connection if its stored version is still `connection.version - 1`
   * (callers pass the next version); fails with `StaleWriteError` otherwise.
   */
  update(connection: Connection): Promise<void>;
  delete(userId: string, connectionId: string): Promise<void>;
  /** Every connection of every user: for admin tools only (a full table read), never a hot path. */
  listAll(): Promise<Connection[]>;
  /** Connections whose `nextSyncAt` is at or before `dueBy`, in one shard of the due index. */
  dueForSync(shard: number, dueBy: string, limit: number): Promise<Connection[]>;
  /** Connections whose `refreshAt` is at or before `dueBy`, in one shard of the token index. */
  dueForRefresh(shard: number, dueBy: string, limit: number): Promise<Connection[]>;
}
