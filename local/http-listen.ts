/**
 * Listening on loopback for the local servers. `localhost` resolves to 127.0.0.1 or ::1
 * depending on the machine, so the API also listens on ::1 (same port) when IPv6 is there;
 * nothing is ever bound beyond loopback.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listening {
  readonly port: number;
  readonly servers: readonly Server[];
  close(): Promise<void>;
}

const listenOne = (server: Server, port: number, host: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });

const closeOne = (server: Server): Promise<void> =>
  new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });

/** Listens on 127.0.0.1 (port 0 picks a free one) and, with `dualStack`, on ::1 at the same port. */
export const listenLoopback = async (handler: RequestListener, port: number, dualStack = false): Promise<Listening> => {
  const primary = createServer(handler);
  // Keep-alive sockets from SDK clients would otherwise hold `close()` for their idle timeout.
  primary.keepAliveTimeout = 1000;
  const bound = await listenOne(primary, port, '127.0.0.1');
  const servers: Server[] = [primary];
  if (dualStack) {
    const v6 = createServer(handler);
    v6.keepAliveTimeout = 1000;
    try {
      await listenOne(v6, bound, '::1');
      servers.push(v6);
    } catch {
      // No IPv6 loopback on this machine: 127.0.0.1 alone serves `localhost`.
    }
  }
  return { port: bound, servers, close: async () => void (await Promise.all(servers.map(closeOne))) };
};

/** Reads a request body, refusing more than `limit` bytes. */
export const readBody = (req: IncomingMessage, limit: number): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      // Keep reading (and dropping) so that the caller can still answer 413 on the same socket.
      if (size <= limit) chunks.push(c);
    });
    req.on('end', () => (size > limit ? reject(new BodyTooLargeError(limit)) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });

/** A request body above the server's limit. */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body exceeds ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}
