// Plumbing for the admission tests: upstream configs through the real schema, links with a log
// collector, and a TCP listener that counts the connections made to it (a refused upstream must cost
// the target not even a SYN).
import { createServer, type Server } from 'node:net';
import { HttpLink } from '../../src/upstream/http.js';
import { StdioLink } from '../../src/upstream/stdio.js';
import { UpstreamSchema, type UpstreamConfig } from '../../src/config/schema.js';
import type { LinkEvent } from '../../src/upstream/link.js';

export function upstreamConfig(raw: Record<string, unknown>): UpstreamConfig {
  return UpstreamSchema.parse({ connectTimeoutMs: 5_000, timeoutMs: 5_000, restart: { maxAttempts: 0 }, ...raw });
}

export interface TestLink<L> {
  link: L;
  events: LinkEvent[];
}

export function httpLink(http: Record<string, unknown>, extra: Record<string, unknown> = {}): TestLink<HttpLink> {
  const events: LinkEvent[] = [];
  const link = new HttpLink('up', upstreamConfig({ http, era: 'legacy', ...extra }), (e) => events.push(e), {});
  return { link, events };
}

export function stdioLink(stdio: Record<string, unknown>): TestLink<StdioLink> {
  const events: LinkEvent[] = [];
  const link = new StdioLink('up', upstreamConfig({ stdio }), (e) => events.push(e), {});
  return { link, events };
}

/** The message a promise rejects with (fails the test when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  throw new Error('expected a rejection');
}

export interface CountingListener {
  port: number;
  connections(): number;
  close(): Promise<void>;
}

/** A listener on 127.0.0.1 that accepts and drops connections, counting them. */
export async function countingListener(): Promise<CountingListener> {
  let n = 0;
  const server: Server = createServer((socket) => {
    n++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    connections: () => n,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
