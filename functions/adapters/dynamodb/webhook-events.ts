import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ClaimResult, StoredWebhookEvent, WebhookEventRecord, WebhookEventState, WebhookEventStore } from '../../core/ports/webhook-events';
import { epochSeconds, isConditionFailed, isLive, writeIf } from './client';

const key = (platform: string, eventId: string) => ({ pk: `${platform}#${eventId}` });

/**
 * Events table: one item per `platform#eventId` with the parsed event, its state, the claiming
 * worker (`owner`, `leaseUntil` while applying) and `expiresAt` for TTL. Every state change is a
 * single conditional write; an expired item that TTL has not removed yet counts as absent.
 */
export class DynamoWebhookEventStore implements WebhookEventStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => Date,
  ) {}

  async record(event: StoredWebhookEvent, expiresAt: Date): Promise<boolean> {
    return writeIf(
      this.db,
      new PutCommand({
        TableName: this.table,
        Item: { ...key(event.platform, event.eventId), ...event, state: 'received' satisfies WebhookEventState, expiresAt: epochSeconds(expiresAt) },
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
        ExpressionAttributeValues: { ':now': epochSeconds(this.now()) },
      }),
    );
  }

  async forget(platform: string, eventId: string): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.table,
          Key: key(platform, eventId),
          ConditionExpression: '#state = :received',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':received': 'received' },
        }),
      );
    } catch (err) {
      // Already claimed by a worker (or gone): it is no longer ours to forget.
      if (!isConditionFailed(err)) throw err;
    }
  }

  async get(platform: string, eventId: string): Promise<WebhookEventRecord | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: key(platform, eventId), ConsistentRead: true }));
    if (!out.Item || !isLive(out.Item, this.now())) return undefined;
    return this.fromItem(out.Item);
  }

  async claim(platform: string, eventId: string, owner: string, leaseUntil: Date): Promise<ClaimResult> {
    const now = this.now();
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key(platform, eventId),
          UpdateExpression: 'SET #state = :applying, #owner = :owner, leaseUntil = :lease',
          ConditionExpression:
            'attribute_exists(pk) AND expiresAt > :nowS AND (#state = :received OR (#state = :applying AND (leaseUntil <= :now OR #owner = :owner)))',
          ExpressionAttributeNames: { '#state': 'state', '#owner': 'owner' },
          ExpressionAttributeValues: {
            ':applying': 'applying',
            ':received': 'received',
            ':owner': owner,
            ':lease': leaseUntil.toISOString(),
            ':now': now.toISOString(),
            ':nowS': epochSeconds(now),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { status: 'claimed', event: this.fromItem(out.Attributes ?? {}) };
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
    }
    const current = await this.db.send(new GetCommand({ TableName: this.table, Key: key(platform, eventId), ConsistentRead: true }));
    const item = current.Item;
    if (!item || !isLive(item, now)) return { status: 'missing' };
    if (item['state'] === 'applied') return { status: 'applied' };
    return { status: 'busy', ...(typeof item['leaseUntil'] === 'string' && { leaseUntil: item['leaseUntil'] }) };
  }

  async complete(platform: string, eventId: string, owner: string, outcome: string): Promise<boolean> {
    return writeIf(
      this.db,
      new UpdateCommand({
        TableName: this.table,
        Key: key(platform, eventId),
        UpdateExpression: 'SET #state = :applied, #outcome = :outcome, appliedAt = :at REMOVE #owner, leaseUntil',
        ConditionExpression: '#state = :applying AND #owner = :owner',
        ExpressionAttributeNames: { '#state': 'state', '#owner': 'owner', '#outcome': 'outcome' },
        ExpressionAttributeValues: { ':applied': 'applied', ':applying': 'applying', ':owner': owner, ':outcome': outcome, ':at': this.now().toISOString() },
      }),
    );
  }

  async release(platform: string, eventId: string, owner: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key(platform, eventId),
          UpdateExpression: 'SET #state = :received REMOVE #owner, leaseUntil',
          ConditionExpression: '#state = :applying AND #owner = :owner',
          ExpressionAttributeNames: { '#state': 'state', '#owner': 'owner' },
          ExpressionAttributeValues: { ':received': 'received', ':applying': 'applying', ':owner': owner },
        }),
      );
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
    }
  }

  private fromItem(item: Record<string, unknown>): WebhookEventRecord {
    const { pk: _pk, expiresAt: _e, owner: _o, leaseUntil: _l, ...rest } = item;
    return rest as unknown as WebhookEventRecord;
  }
}
