/**
 * Contracts of the OAuth routes (`../oauth.ts`): starting a connect, the platform's redirect back
 * (OAuth 2.0 authorization response, RFC 6749 §4.1.2) and the default result page.
 */
import { z } from 'zod';
import { contractsOf, instant } from './contract';

const platformParams = z.object({ platform: z.string().describe('A platform id, as `GET /v1/platforms` lists them') });

export const authorizeBody = z
  .object({
    returnUrl: z.url().optional().describe('Where the browser lands afterwards (must be allow-listed); default the result page'),
    scopes: z.array(z.string().min(1).max(200)).max(50).optional().describe("Default: the platform's default scopes"),
    accounts: z.array(z.string().min(1).max(300)).min(1).max(100).optional().describe('Platform account ids to connect when one login reaches several; default all'),
    variant: z.string().min(1).max(50).optional().describe("One of the platform's login variants"),
  })
  .strict();

/**
 * The authorization response. Platforms add parameters of their own (all are handed to the
 * platform's code exchange), so other names are accepted too.
 */
export const callbackQuery = z
  .object({
    state: z.string().optional().describe('The single-use state Reach issued'),
    code: z.string().optional(),
    error: z.string().optional().describe('Set by the platform when consent was refused'),
    error_description: z.string().optional(),
  })
  .catchall(z.string());

export const resultQuery = z.object({
  status: z.string().optional().describe('`connected` or `error`'),
  platform: z.string().optional(),
  connection: z.string().optional().describe('The (first) connection id'),
  connections: z.string().optional().describe('Every connection id, comma-separated, when the login reached several accounts'),
  reason: z.string().optional().describe('Why the connect failed, e.g. `access_denied`, `invalid_state`'),
});

const htmlPage = { 'text/html; charset=utf-8': { schema: z.string() } };

export const oauthContracts = contractsOf({
  'POST /v1/oauth/{platform}/authorize': {
    operationId: 'startConnect',
    tag: 'oauth',
    description: 'Send the user\'s browser to `authorizeUrl`; the platform redirects back to the callback, which ends on `returnUrl` with the outcome in its query.',
    params: platformParams,
    body: authorizeBody,
    responses: {
      200: { description: 'The consent URL (single use, valid until `expiresAt`)', schema: z.object({ authorizeUrl: z.string(), expiresAt: instant }) },
    },
  },

  'GET /v1/oauth/{platform}/callback': {
    operationId: 'connectCallback',
    tag: 'oauth',
    params: platformParams,
    query: callbackQuery,
    responses: {
      302: {
        description: 'To the return URL, with `status=connected&platform&connection[&connections]` or `status=error&reason&platform` in its query',
        headers: { Location: { description: 'The return URL with the outcome', schema: z.string() } },
      },
    },
  },

  'GET /v1/oauth/result': {
    operationId: 'connectResult',
    tag: 'oauth',
    query: resultQuery,
    responses: {
      200: { description: 'A page saying the account is connected', content: htmlPage },
      400: { description: 'A page saying why the connect failed', content: htmlPage },
    },
  },
});
