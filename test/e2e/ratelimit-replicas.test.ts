// Two gateway replicas sharing one Redis honour one global rate: under a bounded burst from both, the
// calls let through match burst + rate × elapsed to within one token (4% of this run), never above it
// (the bucket script reads the Redis clock, so no replica's clock can mint extra tokens).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { LEGACY, rawSession, startGateway, stdioUpstream, stopAll, type Gateway } from './helpers.js';
import { callTool, isOk } from './flow-helpers.js';

const REDIS_URL = process.env.PORTCULLIS_TEST_REDIS_URL;
const prefix = `pce2e-rl-${randomBytes(6).toString('hex')}:`;
const RATE = 5; // per second: far below what the load offers, so the limiter is the bottleneck even on a busy machine
const BURST = 5;
const RUN_MS = 4000;
const MAX_CALLS = 3000; // bounded whatever the machine's speed
const WORKERS_PER_REPLICA = 4;

describe.skipIf(!REDIS_URL)('rate limits across replicas sharing Redis', () => {
  let replicas: Gateway[];

  beforeAll(async () => {
    const config = {
      storage: { path: ':memory:', redis: { url: REDIS_URL, prefix } },
      upstreams: { vault: stdioUpstream(LEGACY, ['--stdio', '--name', 'vault', '--tools', '1']) },
      policy: {
        allow: [{ upstream: 'vault', tools: ['tool_0'] }],
        rateLimits: [{ name: 'everyone', per: 'global', rate: RATE, intervalMs: 1000, burst: BURST }],
      },
    };
    replicas = await Promise.all([startGateway(config), startGateway(config)]);
  }, 60_000);

  afterAll(async () => {
    await stopAll();
    if (!REDIS_URL) return;
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('lets through burst + rate × elapsed, within a few percent, and refuses the rest with a retry time', async () => {
    const sessions = await Promise.all(replicas.map((g) => rawSession(g.url)));
    let sent = 0;
    let allowed = 0;
    let limited = 0;
    let firstSent = Infinity;
    let lastSent = 0;
    const deadline = Date.now() + RUN_MS;
    const worker = async (g: Gateway, sid: string) => {
      while (Date.now() < deadline && sent < MAX_CALLS) {
        sent++;
        const t = Date.now();
        firstSent = Math.min(firstSent, t);
        lastSent = Math.max(lastSent, t);
        const r = await callTool(g.url, sid, 'vault__tool_0');
        if (isOk(r)) allowed++;
        else if (r.json?.error?.data?.reason === 'rate_limited') {
          limited++;
          expect(r.json.error.data.retryAfterMs).toBeGreaterThan(0);
          expect(r.json.error.data.retryAfterMs).toBeLessThanOrEqual(1000 / RATE);
        } else throw new Error(`unexpected reply ${r.text}`);
      }
    };
    const started = Date.now();
    await Promise.all(replicas.flatMap((g, i) => Array.from({ length: WORKERS_PER_REPLICA }, () => worker(g, sessions[i]!))));
    const elapsed = (Date.now() - started) / 1000;
    const window = (lastSent - firstSent) / 1000;
    const ceiling = BURST + RATE * elapsed;
    const floor = BURST + RATE * window;
    console.log(`rate limit across 2 replicas: ${allowed} allowed, ${limited} limited of ${sent} in ${elapsed.toFixed(2)} s; expected ${floor.toFixed(1)}–${ceiling.toFixed(1)}`);
    // The load must outrun the limit, or the test proves nothing.
    expect(limited).toBeGreaterThan(allowed);
    // Never more than the bucket can have minted (the Redis clock runs inside the run); at most one
    // token short of what it minted while the load was on (the fraction of a token at the end).
    expect(allowed).toBeLessThanOrEqual(Math.floor(ceiling));
    expect(allowed).toBeGreaterThanOrEqual(Math.floor(floor) - 1);
    // Both replicas drew from the one bucket.
    const perReplica = replicas.map((g) => g.audit().filter((e) => e.target === 'tool_0' && e.outcome === 'allowed').length);
    expect(perReplica.every((n) => n > 0)).toBe(true);
    expect(perReplica[0]! + perReplica[1]!).toBe(allowed);
  }, 30_000);
});
