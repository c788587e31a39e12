// The listening HTTP server: the Hono app on @hono/node-server, as src/server.ts runs it and the HTTP tests use it.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createApp } from './app.js';
import type { ServiceContext } from './services/context.js';

export interface HttpServer {
  /** Resolves with the bound address once listening (port 0 picks a free one); rejects when the port is refused. */
  listening: Promise<AddressInfo>;
  /** Stops accepting connections and resolves once the last one has ended. */
  close(): Promise<void>;
}

/** Starts listening with every route of createApp(ctx) behind one request listener. */
export function startServer(ctx: ServiceContext, options: { port: number; hostname: string }): HttpServer {
  const app = createApp(ctx);
  const server = serve({ fetch: app.fetch, port: options.port, hostname: options.hostname });
  const listening = new Promise<AddressInfo>((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
  return {
    listening,
    close: () =>
      new Promise((resolve) => {
        // close() waits for every connection; one kept alive after its in-flight request would hold it for the whole
        // keep-alive timeout (and a process past its forced exit, losing the access-record flush): close those as
        // they go idle.
        const sweep = setInterval(() => 'closeIdleConnections' in server && server.closeIdleConnections(), 100);
        sweep.unref();
        server.close(() => {
          clearInterval(sweep);
          resolve();
        });
      }),
  };
}
