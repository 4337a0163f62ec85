/**
 * In-memory implementations of core's ports, for use-case tests. They keep the same contracts as
 * the DynamoDB/Secrets Manager adapters (conditional writes, single-use take, leases).
 */
import type { Connection } from '../../functions/core/model/connection';
import type { AppCredentials, TokenSet } from '../../functions/core/model/tokens';
import type { ConnectionRepository } from '../../functions/core/ports/connections';
import type { ControlStore } from '../../functions/core/ports/control';
import type { EventPublisher, ReachEvent } from '../../functions/core/ports/events';
import type { HistoryPoint, HistoryRepository } from '../../functions/core/ports/history';
import type { PlatformDirectory } from '../../functions/core/ports/platforms';
import type { Provider } from '../../functions/core/ports/provider';
import type { WorkMessage, WorkQueue, WorkQueueName } from '../../functions/core/ports/queue';
import type { AppCredentialsSource, TokenVault } from '../../functions/core/ports/token-vault';
import type { UseCaseDeps, UseCaseSettings } from '../../functions/core/use-cases/context';
import { StaleWriteError } from '../../functions/core/errors';
import { shardOf } from '../../functions/adapters/dynamodb/shard';

export class MemoryConnections implements ConnectionRepository {
  readonly items = new Map<string, Connection>();
  private key = (u: string, c: string) => `${u}/${c}`;
  async get(userId: string, connectionId: string) {
    return this.items.get(this.key(userId, connectionId));
  }
  async listByUser(userId: string) {
    return [...this.items.values()].filter((c) => c.userId === userId);
  }
  async findByPlatformAccount(platform: string, id: string) {
    return [...this.items.values()].filter((c) => c.platform === platform && c.platformAccountId === id);
  }
  async create(c: Connection) {
    if (this.items.has(this.key(c.userId, c.connectionId))) throw new StaleWriteError('connection');
    this.items.set(this.key(c.userId, c.connectionId), c);
  }
  async update(c: Connection) {
    const cur = this.items.get(this.key(c.userId, c.connectionId));
    if (!cur || cur.version !== c.version - 1) throw new StaleWriteError('connection');
    this.items.set(this.key(c.userId, c.connectionId), c);
  }
  async delete(userId: string, connectionId: string) {
    this.items.delete(this.key(userId, connectionId));
  }
  async dueForSync(shard: number, dueBy: string, limit: number) {
    return [...this.items.values()]
      .filter((c) => c.status === 'active' && c.nextSyncAt !== undefined && c.nextSyncAt <= dueBy && shardOf(c.connectionId) === shard)
      .slice(0, limit);
  }
  async dueForRefresh(shard: number, dueBy: string, limit: number) {
    return [...this.items.values()]
      .filter((c) => c.status !== 'revoked' && c.refreshAt !== undefined && c.refreshAt <= dueBy && shardOf(c.connectionId) === shard)
      .slice(0, limit);
  }
}

export class MemoryControl implements ControlStore {
  readonly items = new Map<string, { value: Record<string, unknown>; expiresAt: number; owner?: string }>();
  constructor(private readonly now: () => Date) {}
  private live(key: string) {
    const e = this.items.get(key);
    return e && e.expiresAt > this.now().getTime() ? e : undefined;
  }
  async putIfAbsent(key: string, value: Readonly<Record<string, unknown>>, expiresAt: Date) {
    if (this.live(key)) return false;
    this.items.set(key, { value: { ...value }, expiresAt: expiresAt.getTime() });
    return true;
  }
  async get(key: string) {
    return this.live(key)?.value;
  }
  async put(key: string, value: Readonly<Record<string, unknown>>, expiresAt: Date) {
    this.items.set(key, { value: { ...value }, expiresAt: expiresAt.getTime() });
  }
  async take(key: string) {
    const e = this.live(key);
    this.items.delete(key);
    return e?.value;
  }
  async acquireLease(key: string, owner: string, expiresAt: Date) {
    const e = this.live(key);
    if (e && e.owner !== owner) return false;
    this.items.set(key, { value: { owner }, owner, expiresAt: expiresAt.getTime() });
    return true;
  }
  async releaseLease(key: string, owner: string) {
    if (this.items.get(key)?.owner === owner) this.items.delete(key);
  }
}

export class MemoryVault implements TokenVault {
  readonly items = new Map<string, TokenSet>();
  async put(ref: string, tokens: TokenSet) {
    this.items.set(ref, tokens);
  }
  async get(ref: string) {
    return this.items.get(ref);
  }
  async delete(ref: string) {
    this.items.delete(ref);
  }
}

export class MemoryHistory implements HistoryRepository {
  readonly series = new Map<string, Array<HistoryPoint & { daily: boolean }>>();
  async append(seriesId: string, point: HistoryPoint, options: { daily: boolean }) {
    const list = this.series.get(seriesId) ?? [];
    list.push({ ...point, daily: false });
    if (options.daily) list.push({ ...point, daily: true });
    this.series.set(seriesId, list);
  }
  async points(seriesId: string, from: string, to: string) {
    return (this.series.get(seriesId) ?? []).filter((p) => !p.daily && p.at >= from && p.at <= to);
  }
  async daily(seriesId: string, fromDay: string, toDay: string) {
    return (this.series.get(seriesId) ?? []).filter((p) => p.daily && p.at.slice(0, 10) >= fromDay && p.at.slice(0, 10) <= toDay);
  }
  async erase(seriesId: string) {
    this.series.delete(seriesId);
  }
}

export class MemoryQueue implements WorkQueue {
  readonly sent: Array<{ queue: WorkQueueName } & WorkMessage> = [];
  async send(queue: WorkQueueName, messages: readonly WorkMessage[]) {
    for (const m of messages) this.sent.push({ queue, ...m });
  }
}

export class MemoryEvents implements EventPublisher {
  readonly published: ReachEvent[] = [];
  async publish(events: readonly ReachEvent[]) {
    this.published.push(...events);
  }
}

export const staticCredentials = (creds: AppCredentials = { clientId: 'cid', clientSecret: 'csecret' }): AppCredentialsSource => ({
  get: async () => creds,
});

export const directoryOf = (...providers: Provider[]): PlatformDirectory => ({
  get: (id) => providers.find((p) => p.manifest.id === id),
  list: () => providers,
});

export interface MemoryDeps extends UseCaseDeps {
  readonly connections: MemoryConnections;
  readonly control: MemoryControl;
  readonly vault: MemoryVault;
  readonly history: MemoryHistory;
  readonly queue: MemoryQueue;
  readonly events: MemoryEvents;
  /** Moves the clock used by every port. */
  advance(ms: number): void;
}

export const memoryDeps = (platforms: PlatformDirectory, settings: Partial<UseCaseSettings> = {}, start = new Date('2026-11-23T12:00:00Z')): MemoryDeps => {
  let t = start.getTime();
  const now = () => new Date(t);
  let n = 0;
  return {
    connections: new MemoryConnections(),
    control: new MemoryControl(now),
    vault: new MemoryVault(),
    history: new MemoryHistory(),
    queue: new MemoryQueue(),
    events: new MemoryEvents(),
    credentials: staticCredentials(),
    platforms,
    now,
    newId: () => `01TEST${String(++n).padStart(20, '0')}`,
    advance: (ms) => (t += ms),
    settings: {
      redirectUri: (p) => `https://api.example.com/v1/oauth/${p}/callback`,
      browserUrl: (u) => u,
      returnUrlAllowlist: ['https://app.example.com'],
      defaultReturnUrl: 'https://api.example.com/v1/oauth/result',
      oauthStateTtlSeconds: 600,
      historyRetentionDays: 400,
      snapshotRetentionDays: 1825,
      syncFreshnessMinutes: 10,
      ...settings,
    },
  };
};
