/**
 * `Idempotency-Key` on POSTs that create something: the first request with a key creates (201);
 * a repeat with the same body gets the same resource back (200); the same key with another body
 * (or on another route) is refused (422). Keys live 24 hours.
 */
import { createHash } from 'node:crypto';
import { ConflictError, ReachError } from '../errors';
import type { IdempotencyRecord } from '../ports/posts';
import type { UseCaseDeps } from './context';

export const IDEMPOTENCY_TTL_MS = 24 * 3600_000;

/** The key was used before for a different request. */
export class IdempotencyKeyReusedError extends ReachError {
  readonly statusCode = 422;
  readonly code = 'idempotency_key_reused';
  constructor() {
    super('This Idempotency-Key was already used with a different request; use a new key for a new request');
    this.name = 'IdempotencyKeyReusedError';
  }
}

const canonical = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
};

/** A stable fingerprint of a request: key order and absent fields do not change it. */
export const requestHash = (route: string, body: unknown): string =>
  createHash('sha256').update(JSON.stringify(canonical({ route, body }))).digest('hex');

export interface IdempotentRun<T> {
  readonly value: T;
  /** False when an earlier request with the same key created the resource. */
  readonly created: boolean;
}

/**
 * Runs `create` once per key. `prepare` runs before anything is stored (validation: a refused
 * request stores nothing, not even its key); `replay` returns (and, if the first request was cut
 * short, finishes) what the first request created.
 */
export const idempotent = async <T, P>(
  deps: UseCaseDeps,
  input: {
    readonly userId: string;
    readonly key?: string;
    readonly route: string;
    readonly body: unknown;
    readonly resource: IdempotencyRecord['resource'];
  },
  steps: {
    readonly prepare: () => Promise<P>;
    readonly create: (id: string, prepared: P) => Promise<T>;
    readonly replay: (id: string) => Promise<T>;
  },
): Promise<IdempotentRun<T>> => {
  if (input.key === undefined) return { value: await steps.create(deps.newId(), await steps.prepare()), created: true };
  const hash = requestHash(input.route, input.body);
  const replayOf = async (record: IdempotencyRecord): Promise<IdempotentRun<T>> => {
    if (record.requestHash !== hash || record.resource !== input.resource) throw new IdempotencyKeyReusedError();
    return { value: await steps.replay(record.resourceId), created: false };
  };
  const existing = await deps.posts.getIdempotency(input.userId, input.key);
  if (existing) return replayOf(existing);
  const prepared = await steps.prepare();
  const now = deps.now();
  const record: IdempotencyRecord = { userId: input.userId, key: input.key, requestHash: hash, resource: input.resource, resourceId: deps.newId(), createdAt: now.toISOString() };
  if (!(await deps.posts.putIdempotency(record, new Date(now.getTime() + IDEMPOTENCY_TTL_MS)))) {
    // A concurrent request with the same key won the race: answer as its repeat.
    const winner = await deps.posts.getIdempotency(input.userId, input.key);
    if (!winner) throw new ConflictError('A request with this Idempotency-Key is in progress; try again');
    return replayOf(winner);
  }
  return { value: await steps.create(record.resourceId, prepared), created: true };
};
