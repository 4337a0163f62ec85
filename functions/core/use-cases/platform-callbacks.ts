/**
 * App-level callbacks a family of platforms sends about one of its users (not about an account):
 * "the user removed the app" (deauthorize) and "the user asks for their data to be deleted".
 * The providers of the family verify the signed body; the grant registry turns the user into the
 * connections their consent created. Deletion is recorded at once, answered with a confirmation
 * code, and carried out by the webhook worker (erasing history can take longer than the
 * platform's deadline).
 */
import { z } from 'zod';
import { NotFoundError } from '../errors';
import type { Connection } from '../model/connection';
import type { SignedCallback } from '../ports/provider';
import type { UseCaseDeps } from './context';
import { disconnect } from './connections';
import { revokeByPlatform } from './revocation';
import type { WebhookQueueMessage } from './webhooks';

/** How long a data-deletion request's status stays readable. */
export const DELETION_RECORD_DAYS = 90;
const DAY_MS = 86_400_000;
/** The reason a connection carries after its user removed the app at the platform. */
export const DEAUTHORIZED_REASON = 'user_deauthorized';
/** Confirmation codes Reach issues (ULIDs) and accepts on the status route. */
export const DELETION_CODE = /^[0-9A-Za-z]{1,64}$/;

const deletionKey = (code: string) => `deletion#${code}`;

interface VerifiedCaller {
  readonly platform: string;
  readonly platformUserId: string;
}

/**
 * Every provider of the family whose app credentials verify the body, with the user it names. A
 * family may span apps with different secrets; each provider checks with its own.
 */
const verifyFamily = async (deps: UseCaseDeps, family: string, body: Buffer): Promise<VerifiedCaller[]> => {
  const members = deps.platforms.list().flatMap((p) => (p.platformCallbacks?.family === family ? [{ platform: p.manifest.id, callbacks: p.platformCallbacks }] : []));
  if (members.length === 0) throw new NotFoundError(`Callbacks for ${family}`);
  const verified: VerifiedCaller[] = [];
  for (const { platform, callbacks } of members) {
    const credentials = await deps.credentials.get(platform);
    let caller: SignedCallback | undefined;
    try {
      caller = callbacks.verifySignedRequest(body, credentials);
    } catch {
      // A verifier must not throw on garbage; one that does has verified nothing.
      caller = undefined;
    }
    if (typeof caller?.platformUserId === 'string' && caller.platformUserId !== '') verified.push({ platform, platformUserId: caller.platformUserId });
  }
  return verified;
};

/**
 * The connections a verified caller's consent created and still backs. The registry may name a
 * connection since re-linked through another platform user: that one is not theirs to end.
 */
const grantedConnections = async (deps: UseCaseDeps, callers: readonly VerifiedCaller[]): Promise<Connection[]> => {
  const found: Connection[] = [];
  for (const caller of callers) {
    for (const ref of await deps.grants.list(caller.platform, caller.platformUserId)) {
      const c = await deps.connections.get(ref.userId, ref.connectionId);
      if (c && c.platform === caller.platform && c.grantedBy === caller.platformUserId) found.push(c);
    }
  }
  return found;
};

export type DeauthorizeResult = { readonly status: 'rejected' } | { readonly status: 'accepted'; readonly revoked: number };

/**
 * The user removed the app: every connection their consent created in the family becomes
 * `revoked` (reason `user_deauthorized`) and loses its tokens. Idempotent.
 */
export const deauthorizeFromCallback = async (deps: UseCaseDeps, family: string, body: Buffer): Promise<DeauthorizeResult> => {
  const callers = await verifyFamily(deps, family, body);
  if (callers.length === 0) return { status: 'rejected' };
  let revoked = 0;
  for (const c of await grantedConnections(deps, callers)) if (await revokeByPlatform(deps, c, DEAUTHORIZED_REASON)) revoked += 1;
  return { status: 'accepted', revoked };
};

export type DataDeletionResult = { readonly status: 'rejected' } | { readonly status: 'accepted'; readonly url: string; readonly confirmationCode: string };

const deletionRecord = z.object({
  status: z.enum(['pending', 'completed']),
  requestedAt: z.string(),
  completedAt: z.string().optional(),
  targets: z.array(z.object({ userId: z.string(), connectionId: z.string(), platform: z.string(), grantedBy: z.string() })).default([]),
  grants: z.array(z.object({ platform: z.string(), platformUserId: z.string() })).default([]),
  connectionsFound: z.number().int().min(0),
  connectionsErased: z.number().int().min(0).optional(),
});
type DeletionRecord = z.infer<typeof deletionRecord>;

/**
 * The user asks for their data to be deleted: records the request under a new confirmation code
 * (status `pending`, the connections to erase), queues the erasure, and returns the code and its
 * public status URL, as the platform requires.
 */
export const requestDataDeletion = async (deps: UseCaseDeps, family: string, body: Buffer): Promise<DataDeletionResult> => {
  const callers = await verifyFamily(deps, family, body);
  if (callers.length === 0) return { status: 'rejected' };
  const now = deps.now();
  const targets = (await grantedConnections(deps, callers)).map((c) => ({
    userId: c.userId,
    connectionId: c.connectionId,
    platform: c.platform,
    grantedBy: c.grantedBy ?? '',
  }));
  const code = deps.newId();
  const record: DeletionRecord = {
    status: 'pending',
    requestedAt: now.toISOString(),
    targets,
    grants: callers.map((c) => ({ platform: c.platform, platformUserId: c.platformUserId })),
    connectionsFound: targets.length,
  };
  await deps.control.put(deletionKey(code), record, new Date(now.getTime() + DELETION_RECORD_DAYS * DAY_MS));
  await deps.queue.send('webhookEvents', [{ body: { type: 'data_deletion', code } satisfies WebhookQueueMessage }]);
  return { status: 'accepted', url: deps.settings.dataDeletionStatusUrl(code), confirmationCode: code };
};

export type DeletionRunResult = { readonly outcome: 'completed'; readonly erased: number } | { readonly outcome: 'skipped'; readonly reason: 'missing' | 'already_completed' };

/**
 * Carries out a recorded deletion request: erases each connection (tokens revoked and deleted,
 * history and the connection itself removed) and forgets which connections the user granted.
 * The completed record keeps only its status and counts. Safe to run again.
 */
export const runDataDeletion = async (deps: UseCaseDeps, code: string): Promise<DeletionRunResult> => {
  const raw = await deps.control.get(deletionKey(code));
  const parsed = raw ? deletionRecord.safeParse(raw) : undefined;
  if (!parsed?.success) return { outcome: 'skipped', reason: 'missing' };
  const record = parsed.data;
  if (record.status === 'completed') return { outcome: 'skipped', reason: 'already_completed' };
  let erased = 0;
  for (const t of record.targets) {
    const c = await deps.connections.get(t.userId, t.connectionId);
    if (c && c.platform === t.platform && c.grantedBy === t.grantedBy) {
      try {
        await disconnect(deps, t.userId, t.connectionId, { erase: true });
      } catch (err) {
        // Erased meanwhile (a retry, or the user disconnected it): the outcome is the same.
        if (!(err instanceof NotFoundError)) throw err;
      }
    }
    erased += 1;
  }
  for (const g of record.grants) await deps.grants.remove(g.platform, g.platformUserId);
  const now = deps.now();
  const completed: DeletionRecord = {
    status: 'completed',
    requestedAt: record.requestedAt,
    completedAt: now.toISOString(),
    targets: [],
    grants: [],
    connectionsFound: record.connectionsFound,
    connectionsErased: erased,
  };
  await deps.control.put(deletionKey(code), completed, new Date(Date.parse(record.requestedAt) + DELETION_RECORD_DAYS * DAY_MS));
  return { outcome: 'completed', erased };
};

export interface DeletionStatus {
  readonly confirmationCode: string;
  readonly status: 'pending' | 'completed';
  readonly requestedAt: string;
  readonly completedAt?: string;
  readonly connectionsFound: number;
  readonly connectionsErased?: number;
}

/** The public status of a deletion request (no ids of anyone); 404 for an unknown code. */
export const getDataDeletionStatus = async (deps: UseCaseDeps, code: string): Promise<DeletionStatus> => {
  if (!DELETION_CODE.test(code)) throw new NotFoundError('This data-deletion request');
  const raw = await deps.control.get(deletionKey(code));
  const parsed = raw ? deletionRecord.safeParse(raw) : undefined;
  if (!parsed?.success) throw new NotFoundError('This data-deletion request');
  const r = parsed.data;
  return {
    confirmationCode: code,
    status: r.status,
    requestedAt: r.requestedAt,
    ...(r.completedAt !== undefined && { completedAt: r.completedAt }),
    connectionsFound: r.connectionsFound,
    ...(r.connectionsErased !== undefined && { connectionsErased: r.connectionsErased }),
  };
};
