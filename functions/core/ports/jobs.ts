/** Manual sync jobs and the claims audit trail, kept per user. */
export type JobConnectionOutcome = 'queued' | 'fresh' | 'synced' | 'failed' | 'not_active' | 'unsupported' | 'gone' | 'would_sync';

export interface SyncJob {
  readonly userId: string;
  readonly jobId: string;
  readonly createdAt: string;
  readonly dryRun: boolean;
  /** Per connection: what happened (and why, for a failure). */
  readonly connections: Readonly<Record<string, { readonly outcome: JobConnectionOutcome; readonly detail?: string; readonly at: string }>>;
}

export interface ClaimRecord {
  readonly userId: string;
  readonly connectionId: string;
  readonly claimId: string;
  readonly recordedAt: string;
  readonly claimed: { readonly followers: number; readonly at: string };
  readonly verdict: string;
  readonly observed?: { readonly followers: number; readonly at: string };
  readonly differencePercent?: number;
  readonly tolerancePercent: number;
}

export interface JobRepository {
  createSyncJob(job: SyncJob, ttlDays: number): Promise<void>;
  getSyncJob(userId: string, jobId: string): Promise<SyncJob | undefined>;
  /** Records the outcome of connections of a job (each its own attribute: concurrent workers don't clash). */
  recordOutcomes(userId: string, jobId: string, outcomes: SyncJob['connections']): Promise<void>;
  addClaim(claim: ClaimRecord): Promise<void>;
  listClaims(userId: string, connectionId: string): Promise<ClaimRecord[]>;
  /** Deletes every job and claim record of a user. */
  eraseUser(userId: string): Promise<void>;
}
