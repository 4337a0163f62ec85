/**
 * Contracts of the webhooks function (`../webhooks.ts`). Deliveries are the platforms' own
 * payloads, signed over their raw bytes: they are documented as such (bytes, the platform's
 * signature header, the platform's docs), never re-described as a Reach schema.
 */
import { z } from 'zod';
import { MAX_WEBHOOK_BODY_BYTES } from '../../../core/use-cases/webhooks';
import { contractsOf, instant, type MediaDoc } from './contract';

const platformParams = z.object({ platform: z.string().describe('A platform id that receives webhooks') });

/** A subscription check's parameters are the platform's (a challenge, a verify token, a CRC token…). */
export const challengeQuery = z.record(z.string(), z.string()).describe("The platform's subscription-check parameters, passed on as received");

/** Platform-defined bytes: the signature covers them exactly as sent. */
const platformBytes: Readonly<Record<string, MediaDoc>> = { 'application/json': {}, 'application/atom+xml': {}, 'text/plain': {} };

/**
 * A signed-request callback (`signed_request=<base64url signature>.<base64url payload>`, HMAC-SHA256
 * with the app secret), as the family documents it (the family's provider links the page).
 */
const signedRequestForm: Readonly<Record<string, MediaDoc>> = {
  'application/x-www-form-urlencoded': { schema: z.object({ signed_request: z.string().describe('`<signature>.<payload>`, both base64url') }) },
};

export const webhookContracts = contractsOf({
  'GET /v1/webhooks/{platform}': {
    operationId: 'webhookChallenge',
    tag: 'webhooks',
    description: "Answers the platform's subscription check in the form the platform asks for (an echoed challenge, or a signed CRC response), with the app's credentials.",
    params: platformParams,
    query: challengeQuery,
    responses: {
      200: { description: "The platform's expected answer", content: { 'text/plain; charset=utf-8': {}, 'application/json': {} } },
      403: { description: 'The check does not match this app (wrong verify token or missing challenge)', content: { 'text/plain; charset=utf-8': { schema: z.string() } } },
    },
  },

  'POST /v1/webhooks/{platform}': {
    operationId: 'webhookDelivery',
    tag: 'webhooks',
    description:
      "A platform's webhook delivery. The body is the platform's own payload and is verified by the platform's signature header over its raw bytes (and timestamp, where the platform sends one) before anything is read; verified events are stored once (redeliveries are counted as duplicates) and applied asynchronously.",
    params: platformParams,
    rawBody: { description: `The platform's payload, byte for byte as sent (at most ${MAX_WEBHOOK_BODY_BYTES} bytes)`, content: platformBytes },
    responses: {
      200: {
        description: 'Verified and stored (a verified delivery that cannot be parsed is acknowledged with zero events, so the platform does not retry it)',
        schema: z.object({ received: z.number().int(), duplicates: z.number().int() }),
      },
    },
    errors: [401, 403, 413],
  },

  'POST /v1/webhooks/meta/deauthorize': {
    operationId: 'metaDeauthorize',
    tag: 'webhooks',
    description: "The platform family's deauthorize callback: the user removed the app; their connections are marked revoked.",
    rawBody: { description: `A form with the signed request (at most ${MAX_WEBHOOK_BODY_BYTES} bytes)`, content: signedRequestForm },
    responses: { 200: { description: 'Applied', schema: z.object({ revoked: z.number().int().describe('Connections marked revoked') }) } },
    errors: [403, 413],
  },

  'POST /v1/webhooks/meta/data-deletion': {
    operationId: 'metaDataDeletion',
    tag: 'webhooks',
    description: "The platform family's data-deletion callback: records the request, erases the user's data, and answers the status URL and confirmation code in the names the family documents.",
    rawBody: { description: `A form with the signed request (at most ${MAX_WEBHOOK_BODY_BYTES} bytes)`, content: signedRequestForm },
    responses: {
      200: {
        description: 'Recorded',
        schema: z.object({ url: z.string().describe('The public status page'), confirmation_code: z.string() }),
      },
    },
    errors: [403, 413],
  },

  'GET /v1/data-deletion/{code}': {
    operationId: 'getDataDeletion',
    tag: 'webhooks',
    params: z.object({ code: z.string().describe('The confirmation code the data-deletion callback answered') }),
    responses: {
      200: {
        description: "The request's status (no ids of anyone)",
        schema: z.object({
          confirmationCode: z.string(),
          status: z.enum(['pending', 'completed']),
          requestedAt: instant,
          completedAt: instant.optional(),
          connectionsFound: z.number().int(),
          connectionsErased: z.number().int().optional(),
        }),
      },
    },
  },
});
