/**
 * The AWS JSON protocol as the SDK speaks it: `POST /` with `X-Amz-Target: <Service>.<Operation>`
 * and a JSON body; answers are JSON, errors `{"__type", "message"}` with a 4xx/5xx status.
 * https://smithy.io/2.0/aws/protocols/aws-json-1_0-protocol.html
 */
import type { z } from 'zod';
import type { AwsError } from './errors';

/** One service's operations by name; each validates its own input. */
export type OperationTable = Readonly<Record<string, (body: unknown) => Promise<unknown>>>;

/**
 * Validates an operation's input with `schema`; the first problem becomes the service's own
 * validation error (built by `toError` from the field path and zod's message).
 */
export const parseInput = <S extends z.ZodType>(schema: S, body: unknown, toError: (field: string, message: string) => AwsError): z.infer<S> => {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue ? issue.path.map(String).join('.') || 'body' : 'body';
  throw toError(field, issue?.message ?? 'invalid input');
};

/** Epoch seconds with milliseconds, the JSON protocols' timestamp form. */
export const epochSeconds = (ms: number): number => ms / 1000;
