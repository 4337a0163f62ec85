/**
 * The webhooks function: platform subscription checks and deliveries (`/v1/webhooks/{platform}`),
 * the app-level callbacks a platform family sends about a user (deauthorize, data deletion), and
 * the public status of a data-deletion request. Public routes: every delivery proves itself by
 * its signature over the raw bytes, so the body is handed on exactly as received.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { ReachError } from '../../core/errors';
import type { WebhookRequest } from '../../core/ports/provider';
import type { UseCaseDeps } from '../../core/use-cases/context';
import { deauthorizeFromCallback, getDataDeletionStatus, requestDataDeletion } from '../../core/use-cases/platform-callbacks';
import { answerChallenge, MAX_WEBHOOK_BODY_BYTES, receiveWebhook, requireWebhookAdapter, type RejectReason } from '../../core/use-cases/webhooks';
import { deps } from '../../composition/deps';
import { httpHandler, type HttpEvent, type Request } from '../lib/http';
import { logger, metrics } from '../lib/observability';
import { implement } from './contracts/contract';
import { webhookContracts } from './contracts/webhooks';

/** The family whose callbacks the `/v1/webhooks/meta/*` routes serve (providers declare it). */
const META_FAMILY = 'meta';

class PayloadTooLargeError extends ReachError {
  readonly statusCode = 413;
  readonly code = 'payload_too_large';
  constructor() {
    super(`A delivery may be at most ${MAX_WEBHOOK_BODY_BYTES} bytes`);
    this.name = 'PayloadTooLargeError';
  }
}

const REJECTION_TEXT: Readonly<Record<RejectReason, string>> = {
  missing_signature: 'The delivery carries no signature',
  bad_signature: 'The signature does not match the body',
  stale: 'The delivery is too old',
  malformed: 'The signature is malformed',
};

/** An unverified delivery: 401 without a signature, 403 with one that does not hold. */
class UnverifiedDeliveryError extends ReachError {
  readonly statusCode: number;
  readonly code = 'unverified_delivery';
  constructor(reason: RejectReason) {
    super(REJECTION_TEXT[reason]);
    this.name = 'UnverifiedDeliveryError';
    this.statusCode = reason === 'missing_signature' ? 401 : 403;
  }
}

/** The body's bytes exactly as the platform sent them (API Gateway base64-encodes binary bodies). */
export const rawBodyOf = (event: HttpEvent): Buffer => {
  const body = event.body ?? '';
  // Decide on the encoded length first, so an oversized body is never decoded.
  const approx = event.isBase64Encoded ? Math.floor((body.length * 3) / 4) : Buffer.byteLength(body, 'utf8');
  if (approx > MAX_WEBHOOK_BODY_BYTES + 2) throw new PayloadTooLargeError();
  const raw = event.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
  if (raw.length > MAX_WEBHOOK_BODY_BYTES) throw new PayloadTooLargeError();
  return raw;
};

const webhookRequest = (req: Request, method: 'GET' | 'POST', rawBody: Buffer, query: Readonly<Record<string, string>> = req.query): WebhookRequest => ({
  method,
  headers: req.headers,
  query,
  rawBody,
});

/** One count per refused delivery, by platform and reason (the body is never logged). */
const countRejected = (platform: string, reason: string, bytes: number): void => {
  logger.warn('webhook delivery refused', { platform, reason, bytes });
  const m = metrics.singleMetric();
  m.addDimensions({ platform, reason });
  m.addMetric('WebhookRejected', MetricUnit.Count, 1);
};

/** Builds the function's routes over a dependency source, one per contract in `contracts/webhooks.ts`. */
export const createWebhookRoutes = (getDeps: () => UseCaseDeps) =>
  implement(webhookContracts, {
    'GET /v1/webhooks/{platform}': async (input) => {
      const { platform } = input.params();
      const answer = await answerChallenge(getDeps(), platform, webhookRequest(input.req, 'GET', Buffer.alloc(0), input.query()));
      if (answer.status >= 400) countRejected(platform, 'challenge_refused', 0);
      return { statusCode: answer.status, headers: { 'content-type': answer.contentType, 'cache-control': 'no-store' }, body: answer.body };
    },

    'POST /v1/webhooks/{platform}': async (input, reply) => {
      const d = getDeps();
      const { platform } = input.params();
      requireWebhookAdapter(d, platform);
      const raw = rawBodyOf(input.req.event);
      const result = await receiveWebhook(d, platform, webhookRequest(input.req, 'POST', raw));
      switch (result.status) {
        case 'rejected':
          countRejected(platform, result.reason, raw.length);
          throw new UnverifiedDeliveryError(result.reason);
        case 'unparseable':
          // Verified but unusable: acknowledged, so the platform does not retry it for days.
          logger.error('verified webhook delivery could not be parsed', { platform, problem: result.problem, bytes: raw.length });
          return reply(200, { received: 0, duplicates: 0 });
        case 'accepted':
          if (result.invalid > 0) logger.error('webhook adapter produced events that do not fit the event shape', { platform, invalid: result.invalid });
          logger.info('webhook delivery accepted', { platform, received: result.received, duplicates: result.duplicates, ignored: result.ignored });
          return reply(200, { received: result.received, duplicates: result.duplicates });
      }
    },

    'POST /v1/webhooks/meta/deauthorize': async (input, reply) => {
      const raw = rawBodyOf(input.req.event);
      const result = await deauthorizeFromCallback(getDeps(), META_FAMILY, raw);
      if (result.status === 'rejected') {
        countRejected(META_FAMILY, 'deauthorize_unverified', raw.length);
        throw new UnverifiedDeliveryError('bad_signature');
      }
      logger.info('deauthorize callback applied', { family: META_FAMILY, revoked: result.revoked });
      return reply(200, { revoked: result.revoked });
    },

    'POST /v1/webhooks/meta/data-deletion': async (input, reply) => {
      const raw = rawBodyOf(input.req.event);
      const result = await requestDataDeletion(getDeps(), META_FAMILY, raw);
      if (result.status === 'rejected') {
        countRejected(META_FAMILY, 'data_deletion_unverified', raw.length);
        throw new UnverifiedDeliveryError('bad_signature');
      }
      logger.info('data-deletion request recorded', { family: META_FAMILY, confirmationCode: result.confirmationCode });
      // The family's documented answer: both strings, under these names.
      return reply(200, { url: result.url, confirmation_code: result.confirmationCode });
    },

    'GET /v1/data-deletion/{code}': async (input, reply) =>
      reply(200, await getDataDeletionStatus(getDeps(), input.params().code), { 'cache-control': 'no-store' }),
  });

/** Builds the function's handler over a dependency source (the composition root in Lambda). */
export const createWebhooksHandler = (getDeps: () => UseCaseDeps) => httpHandler(createWebhookRoutes(getDeps));

export const handler = createWebhooksHandler(deps);
