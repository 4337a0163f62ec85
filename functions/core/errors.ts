/**
 * Errors the use cases raise. Each carries the HTTP status it maps to at the edge and whether its
 * message may be shown to the caller (4xx: yes; 5xx: never, the caller gets a generic text).
 */

export interface FieldIssue {
  /** Dotted path of the failing field, e.g. `targets.0.connectionId`. */
  readonly field: string;
  readonly message: string;
}

export abstract class ReachError extends Error {
  abstract readonly statusCode: number;
  /** A stable, machine-readable code for the problem's `type`. */
  abstract readonly code: string;
  readonly expose: boolean = true;
}

export class ValidationError extends ReachError {
  readonly statusCode = 400;
  readonly code = 'validation_failed';
  constructor(readonly issues: readonly FieldIssue[], message = describeIssues(issues)) {
    super(message);
    this.name = 'ValidationError';
  }
}

export class UnauthorizedError extends ReachError {
  readonly statusCode = 401;
  readonly code = 'unauthorized';
  constructor(message = 'A valid bearer token is required') {
    super(message);
    this.name = 'UnauthorizedError';
  }
}

export class ForbiddenError extends ReachError {
  readonly statusCode = 403;
  readonly code = 'forbidden';
  constructor(message = 'This route needs the admin group') {
    super(message);
    this.name = 'ForbiddenError';
  }
}

export class NotFoundError extends ReachError {
  readonly statusCode = 404;
  readonly code = 'not_found';
  constructor(what: string) {
    super(`${what} was not found`);
    this.name = 'NotFoundError';
  }
}

export class ConflictError extends ReachError {
  readonly statusCode = 409;
  readonly code = 'conflict';
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

/** The platform cannot do what was asked (a capability it lacks): a client error, not a crash. */
export class UnsupportedCapabilityError extends ReachError {
  readonly statusCode = 422;
  readonly code = 'capability_unsupported';
  constructor(platform: string, capability: string) {
    super(`${platform} does not support ${capability}`);
    this.name = 'UnsupportedCapabilityError';
  }
}

/** A platform failed in a way the caller should see (e.g. it refused the grant). */
export class UpstreamError extends ReachError {
  readonly statusCode = 502;
  readonly code = 'platform_error';
  override readonly expose = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UpstreamError';
  }
}

export class TooManyRequestsError extends ReachError {
  readonly statusCode = 429;
  readonly code = 'rate_limited';
  constructor(message: string, readonly retryAfterSeconds: number) {
    super(message);
    this.name = 'TooManyRequestsError';
  }
}

/** A write lost a race (a condition failed): callers re-read and decide. */
export class StaleWriteError extends Error {
  constructor(what: string, options?: { cause?: unknown }) {
    super(`${what} changed concurrently`, options);
    this.name = 'StaleWriteError';
  }
}

const describeIssues = (issues: readonly FieldIssue[]): string =>
  issues.length === 0
    ? 'The request is invalid'
    : `Invalid request: ${issues.map((i) => `${i.field || '(body)'}: ${i.message}`).join('; ')}`;
