/** Reach's own lifecycle events, published to its EventBridge bus. */
export type ReachEventType =
  | 'connection.connected'
  | 'connection.reauth_required'
  | 'connection.disconnected'
  | 'metrics.synced'
  | 'followers.anomaly'
  | 'post.published'
  | 'post.partial'
  | 'post.failed'
  /** A comment on one of a connection's posts, from a platform webhook. */
  | 'engagement.comment'
  /** A connection's account was mentioned, from a platform webhook. */
  | 'engagement.mention';

export interface ReachEvent {
  readonly type: ReachEventType;
  readonly userId: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface EventPublisher {
  publish(events: readonly ReachEvent[]): Promise<void>;
}
