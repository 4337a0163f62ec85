/**
 * A stand-in Lambda handler for the local runtime's tests: it records every event it receives
 * and answers according to the request (echo, plain value, binary, failure, slowness), so that
 * the gateway's event shape and response mapping are observable without the real functions.
 */
import type { Context } from 'aws-lambda';

export interface EchoCall {
  readonly event: Record<string, unknown>;
  readonly context: Context;
}

export interface EchoHandler {
  (event: unknown, context: Context): Promise<unknown>;
  readonly calls: EchoCall[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Query switches on the request: `mode=plain` returns a bare object, `mode=text` a bare string,
 * `mode=binary` a base64 body, `mode=throw` throws, `mode=slow` outlives any short timeout,
 * `mode=malformed` returns a statusCode API Gateway rejects. Otherwise it echoes the event.
 */
export const createEchoHandler = (): EchoHandler => {
  const calls: EchoCall[] = [];
  const handler = async (raw: unknown, context: Context): Promise<unknown> => {
    const event = raw as Record<string, unknown>;
    calls.push({ event, context });
    const query = (event['queryStringParameters'] ?? {}) as Record<string, string>;
    switch (query['mode']) {
      case 'plain':
        return { hello: 'world' };
      case 'text':
        return 'just text';
      case 'binary':
        return { statusCode: 200, headers: { 'content-type': 'image/png' }, body: Buffer.from([0x89, 0x50, 0x4e, 0x47]).toString('base64'), isBase64Encoded: true };
      case 'throw':
        throw new Error('handler exploded');
      case 'slow':
        await sleep(600);
        return { statusCode: 200, body: 'late' };
      case 'malformed':
        return { statusCode: 'two hundred' };
      default:
        return {
          statusCode: 201,
          headers: { 'content-type': 'application/json', 'x-echo': 'yes' },
          cookies: ['a=1; Path=/', 'b=2; Path=/'],
          body: JSON.stringify({ event }),
        };
    }
  };
  return Object.assign(handler, { calls });
};
