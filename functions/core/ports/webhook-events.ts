/**
 * Where received webhook events live between the receiver and the worker (the Events table):
 * one item per `platform#eventId`, so a platform's retry or a duplicate delivery is caught by a
 * conditional put. Items carry the parsed event only (never a signature, a secret or a token),
 * move `received → applying → applied` by conditional writes, and expire after the retention.
 */
import type { WebhookEventKind } from './provider';

/** The kinds Reach stores: an `ignored` event is acknowledged and dropped at the door. */
export type StoredEventKind = Exclude<WebhookEventKind, 'ignored'>;

/** An event as the receiver stores it. */
export interface StoredWebhookEvent {
  readonly platform: string;
  /** The platform's id for the event (or the adapter's stable hash of it). */
  readonly eventId: string;
  readonly kind: StoredEventKind;
  readonly platformAccountId?: string;
  readonly occurredAt: string;
  /** When Reach verified and stored it: the instant figures from it are recorded at. */
  readonly receivedAt: string;
  readonly data: Readonly<Record<string, unknown>>;
}

export type WebhookEventState = 'received' | 'applying' | 'applied';

export interface WebhookEventRecord extends StoredWebhookEvent {
  readonly state: WebhookEventState;
  /** What applying it did (e.g. `revoked`, `sync_queued`), once applied. */
  readonly outcome?: string;
  readonly appliedAt?: string;
}

/** Why a worker may or may not apply an event now. */
export type ClaimResult =
  | { readonly status: 'claimed'; readonly event: WebhookEventRecord }
  /** Already applied (a redelivered message): nothing to do. */
  | { readonly status: 'applied' }
  /** Another worker holds it (its lease has not run out): try again later. */
  | { readonly status: 'busy'; readonly leaseUntil?: string }
  /** Not stored, or expired. */
  | { readonly status: 'missing' };

export interface WebhookEventStore {
  /**
   * Stores a new event in state `received`, kept until `expiresAt`. Returns false, writing
   * nothing, when a live event is already stored under the same platform and id (a duplicate).
   */
  record(event: StoredWebhookEvent, expiresAt: Date): Promise<boolean>;
  /**
   * Removes an event still in state `received`: used when it could not be queued, so that the
   * platform's retry of the delivery is stored again instead of being dropped as a duplicate.
   */
  forget(platform: string, eventId: string): Promise<void>;
  /** The stored event, if live. */
  get(platform: string, eventId: string): Promise<WebhookEventRecord | undefined>;
  /**
   * Moves an event to `applying` for `owner` until `leaseUntil`: from `received`, or from an
   * `applying` whose lease ran out (a crashed worker) or that `owner` already holds.
   */
  claim(platform: string, eventId: string, owner: string, leaseUntil: Date): Promise<ClaimResult>;
  /** `applying` (held by `owner`) → `applied` with its outcome; false when `owner` lost the claim. */
  complete(platform: string, eventId: string, owner: string, outcome: string): Promise<boolean>;
  /** `applying` (held by `owner`) → `received`, after a failure, so that a retry may claim it at once. */
  release(platform: string, eventId: string, owner: string): Promise<void>;
}
