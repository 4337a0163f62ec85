/**
 * Small coordination records: single-use OAuth states, leases, data-deletion requests. Every
 * record expires; reads ignore expired records even when the store has not deleted them yet.
 */
export interface ControlStore {
  /** Stores a record unless one exists under the key; returns false when one did. */
  putIfAbsent(key: string, value: Readonly<Record<string, unknown>>, expiresAt: Date): Promise<boolean>;
  /** Reads a live record. */
  get(key: string): Promise<Readonly<Record<string, unknown>> | undefined>;
  /** Overwrites a record. */
  put(key: string, value: Readonly<Record<string, unknown>>, expiresAt: Date): Promise<void>;
  /** Deletes a record and returns it, atomically: of two concurrent takers only one gets it. */
  take(key: string): Promise<Readonly<Record<string, unknown>> | undefined>;
  /** Takes a lease for `owner` until `expiresAt` unless another live owner holds it. */
  acquireLease(key: string, owner: string, expiresAt: Date): Promise<boolean>;
  /** Releases a lease held by `owner` (no effect if someone else holds it now). */
  releaseLease(key: string, owner: string): Promise<void>;
}
