/** Syncs the connection (or the platform batch) named by each sync-queue message. */
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import type { UseCaseDeps } from '../../core/use-cases/context';
import { runSyncMessage, type SyncOutcome } from '../../core/use-cases/sync';
import { ProviderError } from '../../core/ports/provider';
import { deps } from '../../composition/deps';
import { SqsVisibility } from '../../adapters/sqs/visibility';
import { logger, recordOutcome, traced } from '../lib/observability';
import { notingResults } from '../lib/ports';
import { sqsHandler } from '../lib/sqs';

const member = z.object({ userId: z.string().min(1), connectionId: z.string().min(1) });
const message = z.discriminatedUnion('kind', [
  member.extend({ kind: z.literal('connection'), reason: z.string().optional(), jobId: z.string().optional(), force: z.boolean().optional() }),
  z.object({ kind: z.literal('batch'), platform: z.string().min(1), members: z.array(member).min(1).max(100), jobId: z.string().optional(), force: z.boolean().optional() }),
]);

/** The platform of an outcome whose connection was never found. */
const UNKNOWN_PLATFORM = 'unknown';

/** An outcome as the `SyncOutcome` metric names it: a refused grant is told apart from other failures. */
export const syncOutcomeLabel = (o: SyncOutcome): string => (o.outcome === 'failed' ? (o.failure.kind === 'auth_expired' ? 'reauth_required' : 'failed') : o.outcome);

export interface SyncWorkerOptions {
  readonly getDeps: () => UseCaseDeps;
  /** Hides a failed message for `seconds` (ChangeMessageVisibility on the sync queue). */
  readonly delay: (record: SQSRecord, seconds: number) => Promise<void>;
}

/** Builds the worker over a dependency source; every outcome is counted per platform. */
export const createSyncWorker = (options: SyncWorkerOptions) =>
  sqsHandler({
    schema: message,
    handle: async (body) => {
      // The use case loads each connection anyway; noting their platforms spares a second read.
      const platforms = new Map<string, string>();
      const base = options.getDeps();
      const d: UseCaseDeps = {
        ...base,
        connections: notingResults(base.connections, 'get', (c) => {
          if (c) platforms.set(c.connectionId, c.platform);
        }),
      };
      const members = body.kind === 'batch' ? body.members.length : 1;
      let outcomes: SyncOutcome[];
      try {
        outcomes = await runSyncMessage(d, body);
      } catch (err) {
        // The whole message comes back: a platform that asked us to wait (or failed transiently)
        // defers it, anything else is an error of ours.
        const deferred = err instanceof ProviderError && (err.failure.kind === 'rate_limited' || err.failure.kind === 'transient');
        const platform = err instanceof ProviderError ? err.platform : body.kind === 'batch' ? body.platform : UNKNOWN_PLATFORM;
        recordOutcome('SyncOutcome', platform, deferred ? 'deferred' : 'error', members);
        throw err;
      }
      for (const o of outcomes) {
        const platform = platforms.get(o.connectionId) ?? (body.kind === 'batch' ? body.platform : UNKNOWN_PLATFORM);
        recordOutcome('SyncOutcome', platform, syncOutcomeLabel(o));
      }
      logger.debug('sync', { outcomes: outcomes.map((o) => `${o.connectionId}:${o.outcome}`) });
    },
    delay: options.delay,
  });

const visibility = new SqsVisibility(traced(new SQSClient({})));

export const handler = createSyncWorker({
  getDeps: deps,
  delay: (record, seconds) => visibility.delay(deps().env.QUEUE_SYNC_URL, record.receiptHandle, seconds),
});
