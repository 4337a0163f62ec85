import { DeleteCommand, GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { GrantRef, GrantRegistry } from '../../core/ports/grants';
import { epochSeconds, isLive } from './client';

/**
 * Grants live as long as the connections they point to; the record's expiry is pushed forward on
 * every link, so only a grant nobody re-linked for ten years ever lapses.
 */
const GRANT_RECORD_MS = 10 * 365 * 86_400_000;

const member = z.tuple([z.string(), z.string()]);

/**
 * Grant records in the Control table: `grant#<platform>#<grantedBy>` with `members`, a DynamoDB
 * string set of `[userId, connectionId]` JSON pairs. `ADD` on a set is atomic and idempotent, so
 * concurrent links of the same platform user never lose one another's entry.
 */
export class DynamoGrantRegistry implements GrantRegistry {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => Date,
  ) {}

  private key(platform: string, grantedBy: string) {
    return { pk: `grant#${platform}#${grantedBy}` };
  }

  async add(platform: string, grantedBy: string, ref: GrantRef): Promise<void> {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: this.key(platform, grantedBy),
        UpdateExpression: 'ADD #members :m SET expiresAt = :e',
        ExpressionAttributeNames: { '#members': 'members' },
        ExpressionAttributeValues: {
          ':m': new Set([JSON.stringify([ref.userId, ref.connectionId])]),
          ':e': epochSeconds(new Date(this.now().getTime() + GRANT_RECORD_MS)),
        },
      }),
    );
  }

  async list(platform: string, grantedBy: string): Promise<GrantRef[]> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: this.key(platform, grantedBy), ConsistentRead: true }));
    if (!out.Item || !isLive(out.Item, this.now())) return [];
    const members = out.Item['members'];
    if (!(members instanceof Set)) return [];
    const refs: GrantRef[] = [];
    for (const raw of members) {
      let decoded: unknown;
      try {
        decoded = JSON.parse(String(raw));
      } catch {
        continue;
      }
      const pair = member.safeParse(decoded);
      if (pair.success) refs.push({ userId: pair.data[0], connectionId: pair.data[1] });
    }
    return refs;
  }

  async remove(platform: string, grantedBy: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: this.key(platform, grantedBy) }));
  }
}
