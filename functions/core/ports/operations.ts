/** What operators look at: queue backlogs and when each schedule last ran. */
export interface QueueDepth {
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
}

export interface QueueStats {
  depth(queue: string): Promise<QueueDepth>;
}
