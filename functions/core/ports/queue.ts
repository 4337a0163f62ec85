/** The queues use cases send work to. */
export type WorkQueueName = 'sync' | 'publish' | 'refresh' | 'webhookEvents';

export interface WorkMessage {
  readonly body: Readonly<Record<string, unknown>>;
  /** Seconds (0–900) before the message becomes visible. */
  readonly delaySeconds?: number;
}

export interface WorkQueue {
  send(queue: WorkQueueName, messages: readonly WorkMessage[]): Promise<void>;
}
