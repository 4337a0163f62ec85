/**
 * EventBridge's PutEvents (`AWSEvents.PutEvents`, `application/x-amz-json-1.1`): each accepted
 * entry is recorded as the event a rule target would receive, in a capped ring buffer.
 * https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AwsError } from './errors';
import { parseInput, type OperationTable } from './protocol';

/** An event as EventBridge delivers it to targets. */
export interface RecordedEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: unknown;
  /** The bus it was put on (not part of the delivered envelope; kept for inspection). */
  readonly eventBusName: string;
}

const putEvents = z.object({
  Entries: z
    .array(
      z.object({
        Source: z.string().optional(),
        DetailType: z.string().optional(),
        Detail: z.string().optional(),
        EventBusName: z.string().optional(),
        Resources: z.array(z.string()).optional(),
        Time: z.number().optional(),
        TraceHeader: z.string().optional(),
      }),
    )
    .min(1)
    .max(10),
  EndpointId: z.string().optional(),
});

/** Keeps the newest `capacity` events. */
export class EventRecorder {
  private readonly buffer: RecordedEvent[] = [];
  private dropped = 0;

  constructor(private readonly capacity = 1000) {}

  /** Records one event, pushing out the oldest beyond the cap. */
  add(event: RecordedEvent): void {
    this.buffer.push(event);
    if (this.buffer.length > this.capacity) {
      this.buffer.shift();
      this.dropped += 1;
    }
  }

  /** Events oldest first. */
  list(): RecordedEvent[] {
    return [...this.buffer];
  }

  /** How many old events the cap pushed out. */
  droppedCount(): number {
    return this.dropped;
  }

  /** Forgets every recorded event. */
  clear(): void {
    this.buffer.length = 0;
  }
}

const busNameOf = (nameOrArn: string): string => (nameOrArn.startsWith('arn:') ? (nameOrArn.split('/').pop() ?? '') : nameOrArn);

/** Builds the EventBridge operation table; only `buses` (and `default`) exist. */
export const eventBridgeOperations = (recorder: EventRecorder, buses: readonly string[], region: string, accountId: string): OperationTable => ({
  PutEvents: async (body) => {
    const input = parseInput(putEvents, body, (field, message) => new AwsError('ValidationException', `${field}: ${message}`));
    const known = new Set(['default', ...buses]);
    for (const e of input.Entries) {
      const bus = busNameOf(e.EventBusName ?? 'default');
      if (!known.has(bus)) throw new AwsError('ResourceNotFoundException', `Event bus ${bus} does not exist.`);
    }
    let failed = 0;
    const Entries = input.Entries.map((e) => {
      const reject = (ErrorCode: string, ErrorMessage: string) => {
        failed += 1;
        return { ErrorCode, ErrorMessage };
      };
      if (!e.Source) return reject('InvalidArgument', 'Parameter Source is not valid. Reason: Source is a required argument.');
      if (!e.DetailType) return reject('InvalidArgument', 'Parameter DetailType is not valid. Reason: DetailType is a required argument.');
      if (!e.Detail) return reject('InvalidArgument', 'Parameter Detail is not valid. Reason: Detail is a required argument.');
      let detail: unknown;
      try {
        detail = JSON.parse(e.Detail);
      } catch {
        return reject('MalformedDetail', 'Detail is malformed.');
      }
      if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) return reject('MalformedDetail', 'Detail is malformed.');
      const id = randomUUID();
      const time = new Date(e.Time !== undefined ? e.Time * 1000 : Date.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
      recorder.add({
        version: '0',
        id,
        'detail-type': e.DetailType,
        source: e.Source,
        account: accountId,
        time,
        region,
        resources: e.Resources ?? [],
        detail,
        eventBusName: busNameOf(e.EventBusName ?? 'default'),
      });
      return { EventId: id };
    });
    return { FailedEntryCount: failed, Entries };
  },
});
