/**
 * Meta's failures, classified once for Instagram and Facebook. Two shapes exist:
 * - the Graph envelope `{error:{message,type,code,error_subcode,is_transient,fbtrace_id}}` on
 *   graph.facebook.com and graph.instagram.com
 *   (https://developers.facebook.com/docs/graph-api/guides/error-handling);
 * - Instagram Login's code exchange on api.instagram.com, `{error_type, code, error_message}`
 *   (https://developers.facebook.com/docs/instagram-platform/instagram-api-with-instagram-login/business-login).
 */
import { z } from 'zod';
import { kindFromStatus, retryAfterHeader } from '../http';
import type { FailureKind, HttpFailure, ProviderFailure } from '../types';
import { regainAccessSeconds } from './usage';

/** The Graph error envelope; only `code` is always present. */
export const graphErrorSchema = z.object({
  error: z.looseObject({
    message: z.string().optional(),
    type: z.string().optional(),
    code: z.number(),
    error_subcode: z.number().optional(),
    is_transient: z.boolean().optional(),
    error_user_title: z.string().optional(),
    error_user_msg: z.string().optional(),
    fbtrace_id: z.string().optional(),
  }),
});
export type GraphError = z.infer<typeof graphErrorSchema>['error'];

/** Instagram Login's exchange error (documented sample: `{error_type, code: 400, error_message}`). */
export const instagramOAuthErrorSchema = z.object({
  error_type: z.string(),
  code: z.number(),
  error_message: z.string().optional(),
});

/** Meta does not say when an app-level throttle lifts; its docs suggest waiting an hour. */
export const DEFAULT_RATE_WAIT_SECONDS = 3600;

/** 4 app, 17 user, 32 Page, 613 custom, 341 application limit; 80001–80009 Business Use Case limits. */
const RATE_LIMIT_CODES = new Set([4, 17, 32, 341, 613]);
const isRateLimitCode = (code: number): boolean => RATE_LIMIT_CODES.has(code) || (code >= 80_001 && code <= 80_009);

/**
 * Removes what could be a credential before text is logged: Graph echoes a malformed token in
 * its message ("Malformed access token EAAB…"), and Meta tokens start with EAA or IG.
 */
export const redact = (text: string): string =>
  text
    .replace(/\b(?:EAA|IG)[A-Za-z0-9_\-.|]{12,}/g, '[redacted]')
    .replace(/[A-Za-z0-9_\-.|]{40,}/g, '[redacted]')
    .slice(0, 300);

/** `190/463` when a subcode is present, `190` otherwise. */
export const graphCode = (e: Pick<GraphError, 'code' | 'error_subcode'>): string =>
  e.error_subcode !== undefined ? `${e.code}/${e.error_subcode}` : String(e.code);

/**
 * Instagram's content-publishing codes (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes):
 * 9 / 2207042 is the rolling 24-hour publishing limit; 9007 / 2207027 a container not yet ready
 * to publish; -1 and -2 Instagram's own server and download timeouts, which it says to retry.
 */
const IG_PUBLISH_LIMIT = 9;
const IG_NOT_READY = 9007;

const kindOfGraphCode = (e: GraphError, status: number): FailureKind => {
  if (e.code === 190) return 'auth_expired';
  if (isRateLimitCode(e.code) || e.code === IG_PUBLISH_LIMIT) return 'rate_limited';
  if (e.code === 1 || e.code === 2 || e.code === -1 || e.code === -2 || e.code === IG_NOT_READY || e.is_transient === true) return 'transient';
  // Blocked for policy violations, or a duplicate post: repeating the request cannot succeed.
  if (e.code === 368 || e.code === 506) return 'permanent';
  // Permission missing or denied (10, 200–299) and bad parameters (100): ours to fix.
  if (e.code === 10 || (e.code >= 200 && e.code <= 299) || e.code === 100) return 'invalid_request';
  if (status >= 500) return 'transient';
  return status >= 400 ? kindFromStatus(status) : 'permanent';
};

/** Classifies a Graph error envelope (also usable on an error embedded in a batch answer). */
export const classifyGraphError = (e: GraphError, status: number, headers: Readonly<Record<string, string>>, now: Date): ProviderFailure => {
  const kind = kindOfGraphCode(e, status);
  const code = graphCode(e);
  const message = redact(`${e.type ?? 'GraphError'} ${code}: ${e.message ?? 'no message'}`);
  if (kind !== 'rate_limited') return { kind, code, message };
  return { kind, code, message, retryAfterSeconds: regainAccessSeconds(headers) ?? retryAfterHeader(headers, now) ?? DEFAULT_RATE_WAIT_SECONDS };
};

/** Maps any non-2xx answer from a Meta host to a failure kind with Meta's own code. */
export const classifyMetaFailure = (failure: HttpFailure, now: Date): ProviderFailure => {
  const { status, headers, json } = failure;
  const graph = graphErrorSchema.safeParse(json);
  if (graph.success) return classifyGraphError(graph.data.error, status, headers, now);

  const ig = instagramOAuthErrorSchema.safeParse(json);
  if (ig.success) {
    // api.instagram.com answers every rejected exchange (unknown, used or expired code, wrong
    // redirect URI or client) with code 400: the request cannot succeed as sent.
    const kind = status >= 400 ? kindFromStatus(status) : 'invalid_request';
    const code = `${ig.data.error_type}/${ig.data.code}`;
    const message = redact(`${code}: ${ig.data.error_message ?? 'no message'}`);
    if (kind !== 'rate_limited') return { kind, code, message };
    return { kind, code, message, retryAfterSeconds: retryAfterHeader(headers, now) ?? DEFAULT_RATE_WAIT_SECONDS };
  }

  const kind = kindFromStatus(status);
  const base = { kind, code: `http_${status}`, message: `HTTP ${status} from Meta` };
  return kind === 'rate_limited'
    ? { ...base, retryAfterSeconds: regainAccessSeconds(headers) ?? retryAfterHeader(headers, now) ?? DEFAULT_RATE_WAIT_SECONDS }
    : base;
};
