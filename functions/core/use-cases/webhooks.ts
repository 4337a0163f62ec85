/**
 * Receiving platform webhooks: the subscription check (GET) and deliveries (POST). A delivery is
 * verified over its raw bytes, parsed into events, and each new event is stored once (a
 * conditional put on `platform#eventId`) and queued; everything slow happens in the worker, so
 * the platform gets its answer within its deadline.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { NotFoundError } from '../errors';
import type { WebhookAdapter, WebhookEventKind, WebhookRequest, WebhookResponse, WebhookVerification } from '../ports/provider';
import type { StoredEventKind, StoredWebhookEvent } from '../ports/webhook-events';
import type { UseCaseDeps } from './context';

/** Deliveries larger than this are refused (413): no platform sends more in one request. */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;
/** Event data larger than this (as JSON) is not stored: a marker says so instead. */
export const MAX_EVENT_DATA_BYTES = 64 * 1024;
const MAX_DATA_DEPTH = 16;
/** Longer ids are stored by their hash: a DynamoDB key holds at most 2 KiB. */
const MAX_EVENT_ID_LENGTH = 256;
/** Concurrent conditional puts for one delivery (some platforms batch up to 1,000 changes). */
const STORE_CONCURRENCY = 25;
const DAY_MS = 86_400_000;

/** What a worker message on the `webhookEvents` queue names. */
export type WebhookQueueMessage =
  | { readonly type: 'event'; readonly platform: string; readonly eventId: string }
  | { readonly type: 'data_deletion'; readonly code: string };

export type RejectReason = Extract<WebhookVerification, { ok: false }>['reason'];
const REJECT_REASONS: ReadonlySet<RejectReason> = new Set<RejectReason>(['missing_signature', 'bad_signature', 'stale', 'malformed']);

export type ReceiveResult =
  | {
      readonly status: 'accepted';
      /** New events stored and queued. */
      readonly received: number;
      /** Events already stored (a platform retry or a duplicate delivery): dropped. */
      readonly duplicates: number;
      /** Events of kinds Reach does not use: acknowledged and dropped. */
      readonly ignored: number;
      /** Events the adapter produced in a shape Reach cannot store: dropped. */
      readonly invalid: number;
    }
  | { readonly status: 'rejected'; readonly reason: RejectReason }
  /** Verified, but the body could not be turned into events: acknowledged so the platform does not retry it. */
  | { readonly status: 'unparseable'; readonly problem: string };

const KINDS = ['metrics_changed', 'post_status', 'deauthorized', 'comment', 'mention', 'ignored'] as const satisfies readonly WebhookEventKind[];

// What an adapter's `parse` gives back is checked like any other input before it is stored.
const parsedEvent = z.object({
  eventId: z.string().min(1).max(4096),
  kind: z.enum(KINDS),
  platformAccountId: z.string().min(1).max(512).optional(),
  occurredAt: z.string().max(64),
  data: z.record(z.string(), z.unknown()),
});
type ParsedEvent = z.infer<typeof parsedEvent>;

/** The platform's webhook adapter, or 404 when it has none (or the platform is not enabled). */
export const requireWebhookAdapter = (deps: UseCaseDeps, platform: string): WebhookAdapter => {
  const adapter = deps.platforms.get(platform)?.webhooks;
  if (!adapter) throw new NotFoundError(`Webhooks for ${platform}`);
  return adapter;
};

const FORBIDDEN: WebhookResponse = { status: 403, contentType: 'text/plain; charset=utf-8', body: 'forbidden' };

const challengeAnswer = z.object({
  status: z.number().int().min(100).max(599),
  contentType: z.string().min(1).max(200),
  body: z.string().max(MAX_WEBHOOK_BODY_BYTES),
});

/**
 * Answers a platform's subscription check (GET) exactly as its adapter says; 404 when the
 * platform has no such check. An adapter that fails on the request refuses it (403).
 */
export const answerChallenge = async (deps: UseCaseDeps, platform: string, req: WebhookRequest): Promise<WebhookResponse> => {
  const adapter = requireWebhookAdapter(deps, platform);
  if (!adapter.challenge) throw new NotFoundError(`A subscription check for ${platform}`);
  const credentials = await deps.credentials.get(platform);
  let answer: unknown;
  try {
    answer = adapter.challenge(req, credentials);
  } catch {
    return FORBIDDEN;
  }
  const checked = challengeAnswer.safeParse(answer);
  return checked.success ? checked.data : FORBIDDEN;
};

/** A stable storage id: the platform's own when it fits a key, else its SHA-256. */
export const storageEventId = (eventId: string): string =>
  eventId.length <= MAX_EVENT_ID_LENGTH ? eventId : `sha256:${createHash('sha256').update(eventId).digest('hex')}`;

const depthOf = (value: unknown, limit: number): number => {
  if (value === null || typeof value !== 'object') return 0;
  if (limit <= 0) return 1;
  let max = 0;
  for (const v of Object.values(value as Record<string, unknown>)) max = Math.max(max, depthOf(v, limit - 1));
  return max + 1;
};

/**
 * Event data as stored: plain JSON only (what DynamoDB and the queue carry), and bounded in size
 * and depth. Data beyond the bounds is replaced by a marker rather than failing the delivery,
 * which the platform would retry for days.
 */
export const boundedData = (data: Readonly<Record<string, unknown>>): Record<string, unknown> => {
  let text: string;
  try {
    text = JSON.stringify(data);
  } catch {
    return { unserializable: true };
  }
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_EVENT_DATA_BYTES) return { oversized: true, bytes };
  const plain = JSON.parse(text) as Record<string, unknown>;
  if (depthOf(plain, MAX_DATA_DEPTH + 1) > MAX_DATA_DEPTH) return { oversized: true, bytes, tooDeep: true };
  return plain;
};

const isoOr = (value: string, fallback: string): string => {
  const t = Date.parse(value);
  return Number.isNaN(t) ? fallback : new Date(t).toISOString();
};

const inChunks = async <T, R>(items: readonly T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> => {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
};

/**
 * Receives one delivery: verifies it with the platform's app credentials (the adapter picks the
 * key it needs), parses it, stores each new event once and queues it. An unverified delivery is
 * neither stored nor processed; a verified one that cannot be parsed is acknowledged empty.
 */
export const receiveWebhook = async (deps: UseCaseDeps, platform: string, req: WebhookRequest): Promise<ReceiveResult> => {
  const adapter = requireWebhookAdapter(deps, platform);
  const credentials = await deps.credentials.get(platform);
  const now = deps.now();
  let verification: WebhookVerification | undefined;
  try {
    verification = await adapter.verify(req, credentials, now);
  } catch {
    // Adapters must not throw on garbage; one that does has not verified anything.
    verification = undefined;
  }
  if (verification?.ok !== true) {
    const reason = verification?.ok === false && REJECT_REASONS.has(verification.reason) ? verification.reason : 'malformed';
    return { status: 'rejected', reason };
  }

  let parsed: unknown;
  try {
    parsed = adapter.parse(req);
  } catch (err) {
    // The error's name only: parser messages quote the body, which stays out of the logs.
    return { status: 'unparseable', problem: err instanceof Error ? err.name : 'parse failed' };
  }
  if (!Array.isArray(parsed)) return { status: 'unparseable', problem: 'the adapter returned no event list' };

  const receivedAt = now.toISOString();
  let ignored = 0;
  let invalid = 0;
  const unique = new Map<string, StoredWebhookEvent>();
  for (const candidate of parsed) {
    const checked = parsedEvent.safeParse(candidate);
    if (!checked.success) {
      invalid += 1;
      continue;
    }
    const e: ParsedEvent = checked.data;
    if (e.kind === 'ignored') {
      ignored += 1;
      continue;
    }
    const eventId = storageEventId(e.eventId);
    if (unique.has(eventId)) continue;
    unique.set(eventId, {
      platform,
      eventId,
      kind: e.kind as StoredEventKind,
      ...(e.platformAccountId !== undefined && { platformAccountId: e.platformAccountId }),
      occurredAt: isoOr(e.occurredAt, receivedAt),
      receivedAt,
      data: boundedData(e.data),
    });
  }

  const expiresAt = new Date(now.getTime() + deps.settings.webhookEventTtlDays * DAY_MS);
  const events = [...unique.values()];
  const stored = await inChunks(events, STORE_CONCURRENCY, (e) => deps.webhookEvents.record(e, expiresAt));
  const fresh = events.filter((_, i) => stored[i]);
  if (fresh.length > 0) {
    const messages = fresh.map((e) => ({ body: { type: 'event', platform, eventId: e.eventId } satisfies WebhookQueueMessage }));
    try {
      await deps.queue.send('webhookEvents', messages);
    } catch (err) {
      // Not queued: forget what was stored so the platform's retry of this delivery is taken
      // as new, not dropped as a duplicate of events no worker will ever see.
      await Promise.allSettled(fresh.map((e) => deps.webhookEvents.forget(platform, e.eventId)));
      throw err;
    }
  }
  return { status: 'accepted', received: fresh.length, duplicates: events.length - fresh.length, ignored, invalid };
};
