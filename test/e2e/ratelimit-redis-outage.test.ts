// A Redis that goes away mid-run: calls under rate limits and flow rules are refused with a clear
// error (fail closed, never let through, never hung), and pass again once Redis is back. Redis sits
// behind a TCP relay this test can cut and restore.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { LEGACY, freePort, rawSession, startGateway, stdioUpstream, stopAll, waitFor, type Gateway } from './helpers.js';
import { callTool, isOk } from './flow-helpers.js';

const REDIS_URL = process.env.PORTCULLIS_TEST_REDIS_URL;
const prefix = `pce2e-outage-${randomBytes(6).toString('hex')}:`;

/** A relay from 127.0.0.1:port to Redis that can be cut (every connection dropped) and restored. */
class Relay {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  constructor(
    readonly port: number,
    private readonly target: URL,
  ) {}
  open(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = createConnection(Number(this.target.port || 6379), this.target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    return new Promise((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
  }
  async cut(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = undefined;
  }
}

describe.skipIf(!REDIS_URL)('Redis going away mid-run', () => {
  let gw: Gateway;
  let relay: Relay;

  beforeAll(async () => {
    relay = new Relay(await freePort(), new URL(REDIS_URL!));
    await relay.open();
    gw = await startGateway({
      storage: { path: ':memory:', redis: { url: `redis://127.0.0.1:${relay.port}`, prefix } },
      upstreams: { vault: stdioUpstream(LEGACY, ['--stdio', '--name', 'vault', '--tools', '2']) },
      policy: {
        allow: [{ upstream: 'vault', tools: ['*'] }],
        labels: [{ upstream: 'vault', tools: ['tool_0'], labels: ['secret'] }],
        flow: [{ name: 'no-egress-after-secret', after: ['secret'], deny: { labels: ['external-egress'] } }],
        rateLimits: [{ name: 'everyone', per: 'global', rate: 1000, burst: 1000 }],
      },
    });
  }, 60_000);

  afterAll(async () => {
    await stopAll();
    await relay?.cut();
    if (!REDIS_URL) return;
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('refuses with state_unavailable while Redis is away, and serves again when it returns', async () => {
    const sid = await rawSession(gw.url);
    expect(isOk(await callTool(gw.url, sid, 'vault__tool_1'))).toBe(true);
    await relay.cut();
    const refused = await callTool(gw.url, sid, 'vault__tool_1');
    expect(refused.json?.error).toMatchObject({ code: -32012, data: { reason: 'state_unavailable' } });
    expect(refused.json?.error?.message).toContain('refused until');
    // The audit file is written asynchronously: the record may land just after the answer.
    await waitFor(() => gw.audit().some((e) => e.reason === 'state_unavailable' && e.outcome === 'failed'), 5_000, 'the refusal to be audited');
    // Nor does a secret read slip through unrecorded.
    expect((await callTool(gw.url, sid, 'vault__tool_0')).json?.error?.data?.reason).toBe('state_unavailable');
    await relay.open();
    await waitFor(async () => isOk(await callTool(gw.url, sid, 'vault__tool_1')), 15_000, 'calls to pass again after Redis returns');
    expect(isOk(await callTool(gw.url, sid, 'vault__tool_0'))).toBe(true);
  }, 40_000);
});
