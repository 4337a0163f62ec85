/**
 * X's answer shapes for the fake: problem details, the legacy 429 body, OAuth errors and the
 * rate-limit headers every API answer carries.
 * https://docs.x.com/x-api/fundamentals/response-codes-and-errors · https://docs.x.com/x-api/fundamentals/rate-limits
 */
import type { FakeResponse } from '../framework';

export const PROBLEM_BASE = 'https://api.x.com/2/problems/';

const problemHeaders = (extra?: Readonly<Record<string, string>>): Record<string, string> => ({
  'content-type': 'application/problem+json',
  ...(extra ?? {}),
});

/** A plain HTTP error in problem form (`type: about:blank`), as v2 answers 401/403/5xx. */
export const plainProblem = (status: number, title: string, extraHeaders?: Readonly<Record<string, string>>): FakeResponse => ({
  status,
  headers: problemHeaders(extraHeaders),
  body: { title, detail: title, type: 'about:blank', status },
});

export const unauthorized = (): FakeResponse => plainProblem(401, 'Unauthorized');
export const forbidden = (): FakeResponse => plainProblem(403, 'Forbidden');
export const serviceUnavailable = (): FakeResponse => plainProblem(503, 'Service Unavailable');

/** 400 for bad query parameters: the problem plus X's per-parameter `errors[]`. */
export const invalidParameter = (parameter: string, value: string, message: string): FakeResponse => ({
  status: 400,
  headers: problemHeaders(),
  body: {
    errors: [{ parameters: { [parameter]: [value] }, message }],
    title: 'Invalid Request',
    detail: 'One or more parameters to your request was invalid.',
    type: `${PROBLEM_BASE}invalid-request`,
  },
});

/** HTTP 200 carrying only `errors[]`: how X answers a lookup of a user that does not exist. */
export const userNotFound = (id: string): FakeResponse => ({
  status: 200,
  body: {
    errors: [
      {
        value: id,
        detail: `Could not find user with id: [${id}].`,
        title: 'Not Found Error',
        resource_type: 'user',
        parameter: 'id',
        resource_id: id,
        type: `${PROBLEM_BASE}resource-not-found`,
      },
    ],
  },
});

/** Token and revoke endpoint errors: `{"error","error_description"}`. */
export const oauthError = (status: number, error: string, description: string): FakeResponse => ({
  status,
  body: { error, error_description: description },
});

export const missingAuthHeader = (): FakeResponse => oauthError(401, 'unauthorized_client', 'Missing valid authorization header');
export const tokenInvalid = (): FakeResponse => oauthError(400, 'invalid_request', 'Value passed for the token was invalid.');
export const missingParameter = (name: string): FakeResponse => oauthError(400, 'invalid_request', `Missing required parameter [${name}].`);

export interface RateWindow {
  readonly limit: number;
  readonly remaining: number;
  /** Epoch seconds. */
  readonly reset: number;
}

export const rateHeaders = (w: RateWindow): Record<string, string> => ({
  'x-rate-limit-limit': String(w.limit),
  'x-rate-limit-remaining': String(Math.max(0, w.remaining)),
  'x-rate-limit-reset': String(w.reset),
});

/** A 429 as the docs show it (legacy `errors[]` with code 88). */
export const rateLimitedLegacy = (w: RateWindow): FakeResponse => ({
  status: 429,
  headers: { 'content-type': 'application/json', ...rateHeaders(w) },
  body: { errors: [{ code: 88, message: 'Rate limit exceeded' }] },
});

/** A 429 as v2 endpoints answer in practice (problem details). */
export const rateLimitedProblem = (w: RateWindow): FakeResponse => ({
  status: 429,
  headers: problemHeaders(rateHeaders(w)),
  body: { title: 'Too Many Requests', detail: 'Too Many Requests', type: 'about:blank', status: 429 },
});
