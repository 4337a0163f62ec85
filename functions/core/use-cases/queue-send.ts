/** Sending many queue messages quickly: the planners' fan-out. */
import type { WorkMessage, WorkQueueName } from '../ports/queue';
import type { UseCaseDeps } from './context';

/** Sends messages in batches of ten, `parallel` batches at a time (one SQS call each). */
export const sendInParallel = async (deps: UseCaseDeps, queue: WorkQueueName, messages: readonly WorkMessage[], parallel = 8): Promise<void> => {
  const batches: WorkMessage[][] = [];
  for (let i = 0; i < messages.length; i += 10) batches.push(messages.slice(i, i + 10));
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < batches.length) await deps.queue.send(queue, batches[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(parallel, batches.length) }, lane));
};

