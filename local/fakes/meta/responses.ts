/**
 * The answers Meta gives, in its own shapes: the Graph error envelope
 * (https://developers.facebook.com/docs/graph-api/guides/error-handling), Instagram Login's
 * `{error_type, code, error_message}` on api.instagram.com, and the token failures every Graph
 * route answers with.
 */
import { randomBytes } from 'node:crypto';
import type { FakeResponse } from '../framework';

export interface GraphErrorInput {
  readonly message: string;
  readonly code: number;
  readonly subcode?: number;
  readonly type?: string;
  readonly isTransient?: boolean;
  readonly userTitle?: string;
  readonly userMessage?: string;
}

const traceId = (): string => randomBytes(8).toString('base64url');

/** The Graph envelope `{error:{message,type,code,error_subcode?,is_transient?,fbtrace_id}}`. */
export const graphErrorBody = (e: GraphErrorInput) => ({
  error: {
    message: e.message,
    type: e.type ?? 'OAuthException',
    code: e.code,
    ...(e.subcode !== undefined && { error_subcode: e.subcode }),
    ...(e.isTransient !== undefined && { is_transient: e.isTransient }),
    ...(e.userTitle !== undefined && { error_user_title: e.userTitle }),
    ...(e.userMessage !== undefined && { error_user_msg: e.userMessage }),
    fbtrace_id: traceId(),
  },
});

/** A Graph error answer with `status` and extra headers. */
export const graphError = (status: number, e: GraphErrorInput, headers: Record<string, string> = {}): FakeResponse => ({
  status,
  headers,
  body: graphErrorBody(e),
});

/** api.instagram.com's OAuth error (documented sample: code 400, "Matching code was not found or was already used"). */
export const instagramOAuthError = (status: number, message: string): FakeResponse => ({
  status,
  body: { error_type: 'OAuthException', code: status, error_message: message },
});

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const two = (n: number) => String(n).padStart(2, '0');

/** Graph's wording for instants in token errors: `Friday, 26-Apr-24 06:00:00 UTC`. */
export const graphInstant = (d: Date): string =>
  `${DAYS[d.getUTCDay()]}, ${two(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${two(d.getUTCFullYear() % 100)} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC`;

export type TokenProblem = 'missing' | 'unknown' | 'expired' | 'revoked';

/**
 * A token the route cannot accept: 190 (with subcode 463 expired, 458 app removed) or 2500
 * (no token), answered 401 with the `WWW-Authenticate` header Graph sends.
 */
export const tokenError = (problem: TokenProblem, detail: { readonly now: Date; readonly expiredAt?: Date; readonly appId: string }): FakeResponse => {
  const e: GraphErrorInput =
    problem === 'missing'
      ? { message: 'An active access token must be used to query information about the current user.', code: 2500 }
      : problem === 'unknown'
        ? { message: 'Invalid OAuth access token - Cannot parse access token', code: 190 }
        : problem === 'expired'
          ? {
              message: `Error validating access token: Session has expired on ${graphInstant(detail.expiredAt ?? detail.now)}. The current time is ${graphInstant(detail.now)}.`,
              code: 190,
              subcode: 463,
            }
          : { message: `Error validating access token: The user has not authorized application ${detail.appId}.`, code: 190, subcode: 458 };
  return graphError(401, e, { 'www-authenticate': `OAuth "Facebook Platform" "invalid_token" "${e.message}"` });
};

/** `(#100) Tried accessing nonexisting field (x) on node type (Y)`. */
export const nonexistingField = (field: string, nodeType: string): FakeResponse =>
  graphError(400, { message: `(#100) Tried accessing nonexisting field (${field}) on node type (${nodeType})`, code: 100 });

/** Unknown object, or one the token may not see (code 100, subcode 33). */
export const unsupportedGet = (id: string): FakeResponse =>
  graphError(400, {
    message: `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
    code: 100,
    subcode: 33,
    type: 'GraphMethodException',
  });

/** Adds headers to an answer. */
export const withHeaders = (res: FakeResponse, headers: Record<string, string>): FakeResponse => ({
  ...res,
  headers: { ...headers, ...res.headers },
});
