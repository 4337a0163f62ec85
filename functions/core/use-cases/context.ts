import type { ConnectionRepository } from '../ports/connections';
import type { ControlStore } from '../ports/control';
import type { EventPublisher } from '../ports/events';
import type { GrantRegistry } from '../ports/grants';
import type { HistoryRepository } from '../ports/history';
import type { JobRepository } from '../ports/jobs';
import type { MediaStore } from '../ports/media';
import type { PlatformDirectory } from '../ports/platforms';
import type { PostRepository } from '../ports/posts';
import type { WorkQueue } from '../ports/queue';
import type { AppCredentialsSource, TokenVault } from '../ports/token-vault';
import type { WebhookEventStore } from '../ports/webhook-events';

/** Everything the use cases talk to: ports only, so tests pass in-memory fakes. */
export interface UseCaseDeps {
  readonly connections: ConnectionRepository;
  readonly history: HistoryRepository;
  readonly jobs: JobRepository;
  readonly posts: PostRepository;
  /** Absent where the deployment has no media bucket: posts without media still work. */
  readonly media?: MediaStore;
  readonly control: ControlStore;
  /** Received webhook events (dedupe and the worker's state). */
  readonly webhookEvents: WebhookEventStore;
  /** Which connections a platform user granted (for callbacks about a user, not an account). */
  readonly grants: GrantRegistry;
  readonly vault: TokenVault;
  readonly credentials: AppCredentialsSource;
  readonly platforms: PlatformDirectory;
  readonly queue: WorkQueue;
  readonly events: EventPublisher;
  readonly now: () => Date;
  /** A new sortable unique id (ULID). */
  readonly newId: () => string;
  readonly settings: UseCaseSettings;
}

export interface UseCaseSettings {
  /** The fixed OAuth redirect URI for a platform: never taken from a request. */
  readonly redirectUri: (platform: string) => string;
  /** Reach's public webhook URL for a platform, given to the platform when subscribing by API. */
  readonly webhookUrl: (platform: string) => string;
  /** Maps a platform URL to the one a browser opens (identity in AWS; the fakes locally). */
  readonly browserUrl: (url: string) => string;
  readonly returnUrlAllowlist: readonly string[];
  readonly defaultReturnUrl: string;
  readonly oauthStateTtlSeconds: number;
  readonly historyRetentionDays: number;
  readonly snapshotRetentionDays: number;
  readonly syncFreshnessMinutes: number;
  /** How long received webhook events are kept (dedupe window and audit). */
  readonly webhookEventTtlDays: number;
  /** The public URL where a data-deletion request's status is shown, for its confirmation code. */
  readonly dataDeletionStatusUrl: (code: string) => string;
  /** A post target overdue by more than this becomes `missed` instead of going out late. */
  readonly publishMissedAfterMinutes: number;
  /** How long a publish worker owns a target it claimed: longer than the worker's timeout. */
  readonly publishLeaseSeconds: number;
}
