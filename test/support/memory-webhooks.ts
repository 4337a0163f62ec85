/**
 * In-memory webhook event store and grant registry, with the DynamoDB adapters' contracts:
 * conditional record (dedupe), claim with a lease, owner-checked complete/release, expiry on read.
 */
import type { GrantRef, GrantRegistry } from '../../functions/core/ports/grants';
import type { ClaimResult, StoredWebhookEvent, WebhookEventRecord, WebhookEventStore } from '../../functions/core/ports/webhook-events';

interface Entry {
  record: WebhookEventRecord;
  expiresAt: number;
  owner?: string;
  leaseUntil?: string;
}

export class MemoryWebhookEvents implements WebhookEventStore {
  readonly items = new Map<string, Entry>();
  /** How many `record` calls were made (stored or not). */
  puts = 0;
  constructor(private readonly now: () => Date) {}
  private key = (p: string, e: string) => `${p}#${e}`;
  private live(k: string): Entry | undefined {
    const e = this.items.get(k);
    return e && e.expiresAt > this.now().getTime() ? e : undefined;
  }
  async record(event: StoredWebhookEvent, expiresAt: Date) {
    this.puts += 1;
    const k = this.key(event.platform, event.eventId);
    if (this.live(k)) return false;
    this.items.set(k, { record: structuredClone({ ...event, state: 'received' as const }), expiresAt: expiresAt.getTime() });
    return true;
  }
  async forget(platform: string, eventId: string) {
    const k = this.key(platform, eventId);
    if (this.items.get(k)?.record.state === 'received') this.items.delete(k);
  }
  async get(platform: string, eventId: string) {
    const e = this.live(this.key(platform, eventId));
    return e && structuredClone(e.record);
  }
  async claim(platform: string, eventId: string, owner: string, leaseUntil: Date): Promise<ClaimResult> {
    const e = this.live(this.key(platform, eventId));
    if (!e) return { status: 'missing' };
    if (e.record.state === 'applied') return { status: 'applied' };
    const leaseOver = e.leaseUntil !== undefined && e.leaseUntil <= this.now().toISOString();
    if (e.record.state === 'applying' && !leaseOver && e.owner !== owner) return { status: 'busy', ...(e.leaseUntil && { leaseUntil: e.leaseUntil }) };
    e.record = { ...e.record, state: 'applying' };
    e.owner = owner;
    e.leaseUntil = leaseUntil.toISOString();
    return { status: 'claimed', event: structuredClone(e.record) };
  }
  async complete(platform: string, eventId: string, owner: string, outcome: string) {
    const e = this.items.get(this.key(platform, eventId));
    if (!e || e.record.state !== 'applying' || e.owner !== owner) return false;
    e.record = { ...e.record, state: 'applied', outcome, appliedAt: this.now().toISOString() };
    delete e.owner;
    delete e.leaseUntil;
    return true;
  }
  async release(platform: string, eventId: string, owner: string) {
    const e = this.items.get(this.key(platform, eventId));
    if (!e || e.record.state !== 'applying' || e.owner !== owner) return;
    e.record = { ...e.record, state: 'received' };
    delete e.owner;
    delete e.leaseUntil;
  }
}

export class MemoryGrants implements GrantRegistry {
  readonly items = new Map<string, Set<string>>();
  private key = (p: string, g: string) => `${p}#${g}`;
  async add(platform: string, grantedBy: string, ref: GrantRef) {
    const set = this.items.get(this.key(platform, grantedBy)) ?? new Set<string>();
    set.add(JSON.stringify([ref.userId, ref.connectionId]));
    this.items.set(this.key(platform, grantedBy), set);
  }
  async list(platform: string, grantedBy: string) {
    return [...(this.items.get(this.key(platform, grantedBy)) ?? [])].map((s) => {
      const [userId, connectionId] = JSON.parse(s) as [string, string];
      return { userId, connectionId };
    });
  }
  async remove(platform: string, grantedBy: string) {
    this.items.delete(this.key(platform, grantedBy));
  }
}
