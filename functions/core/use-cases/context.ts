import type { ConnectionRepository } from '../ports/connections';
import type { ControlStore } from '../ports/control';
import type { EventPublisher } from '../ports/events';
import type { HistoryRepository } from '../ports/history';
import type { PlatformDirectory } from '../ports/platforms';
import type { WorkQueue } from '../ports/queue';
import type { AppCredentialsSource, TokenVault } from '../ports/token-vault';

/** Everything the use cases talk to: ports only, so tests pass in-memory fakes. */
export interface UseCaseDeps {
  readonly connections: ConnectionRepository;
  readonly history: HistoryRepository;
  readonly control: ControlStore;
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
  /** Maps a platform URL to the one a browser opens (identity in AWS; the fakes locally). */
  readonly browserUrl: (url: string) => string;
  readonly returnUrlAllowlist: readonly string[];
  readonly defaultReturnUrl: string;
  readonly oauthStateTtlSeconds: number;
  readonly historyRetentionDays: number;
  readonly snapshotRetentionDays: number;
  readonly syncFreshnessMinutes: number;
}
