/**
 * @module Serves a guard on a TCP port: guarded routes take the node:http fast path (the same
 * pipeline, no Web Request/Response per call); the admin API, metrics and 404s go through Hono via
 * @hono/node-server. Node's own request timeout bounds slow clients (slow-loris) on top of the
 * guard's per-route body deadline.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { GuardConfig } from './config.js';
import { type CreateGuardOptions, createGuard, type Guard } from './guard.js';

/** A listening guard. */
export interface RunningGuard {
  guard: Guard;
  server: Server;
  url: string;
  close(): Promise<void>;
}

/**
 * Creates and starts a guard; resolves once it listens.
 *
 * @example
 * const running = await serveGuard(loadGuardConfig('guard.yaml'));
 * console.log(running.url);
 */
export async function serveGuard(
  config: GuardConfig,
  options: CreateGuardOptions & { port?: number; host?: string } = {},
): Promise<RunningGuard> {
  const guard = await createGuard(config, options);
  const host = options.host ?? config.server.host;
  const port = options.port ?? config.server.port;
  const viaHono = getRequestListener(guard.app.fetch);
  const server = createServer((req, res) => {
    if (!guard.handleNode(req, res)) void viaHono(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  server.requestTimeout = config.server.requestTimeoutMs;
  server.headersTimeout = Math.min(config.server.requestTimeoutMs, 10_000);
  server.keepAliveTimeout = 5_000;
  const address = server.address() as AddressInfo;
  return {
    guard,
    server,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await guard.close();
    },
  };
}
