import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { EventPublisher, ReachEvent } from '../../core/ports/events';

/** Puts Reach's events on its bus (source `reach`, detail-type = the event type), ten at a time. */
export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async publish(events: readonly ReachEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += 10) {
      const chunk = events.slice(i, i + 10);
      const out = await this.client.send(
        new PutEventsCommand({
          Entries: chunk.map((e) => ({
            EventBusName: this.busName,
            Source: 'reach',
            DetailType: e.type,
            Detail: JSON.stringify({ userId: e.userId, ...e.detail }),
          })),
        }),
      );
      if (out.FailedEntryCount) throw new Error(`EventBridge refused ${out.FailedEntryCount} of ${chunk.length} events`);
    }
  }
}
