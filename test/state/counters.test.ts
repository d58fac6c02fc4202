// One contract for the counters: the in-process buckets and the Redis Lua script must agree. A call
// takes from every bucket and budget or from none; the refusal names the rule and when to retry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCounters, type Bucket, type Counters } from '../../src/state/counters.js';
import { RedisCounters } from '../../src/state/redis-counters.js';
import { REDIS_URL, sleep, testRedis, uniqueName } from './helpers.js';

const HOUR = 3_600_000;
const bucket = (key: string, capacity: number, perMs = 1 / HOUR, rule = key): Bucket => ({ key, rule, capacity, perMs });
const budget = (key: string, b: { maxCalls?: number; maxWrites?: number; maxBytes?: number }, write = false) => ({ key, ttlMs: 60_000, write, ...b });

function contract(name: string, make: () => Promise<Counters>, cleanup: () => Promise<void>) {
  describe(`counters: ${name}`, () => {
    let c: Counters;
    const k = () => uniqueName('b');
    beforeAll(async () => {
      c = await make();
    });
    afterAll(async () => {
      await c?.close();
      await cleanup();
    });

    it('a bucket gives its burst, then refuses with the rule and a retry time', async () => {
      const b = bucket(k(), 5);
      for (let i = 0; i < 5; i++) expect(await c.take([b])).toEqual({ ok: true });
      const r = await c.take([b]);
      expect(r).toMatchObject({ ok: false, kind: 'rate', rule: b.rule });
      // One token per hour: the next one is most of an hour away.
      if (!r.ok && r.kind === 'rate') expect(r.retryAfterMs).toBeGreaterThan(HOUR - 60_000);
    });

    it('an empty bucket spends nothing from the other buckets of the call', async () => {
      const tight = bucket(k(), 1);
      const wide = bucket(k(), 3);
      expect(await c.take([tight, wide])).toEqual({ ok: true });
      expect(await c.take([tight, wide])).toMatchObject({ ok: false, rule: tight.rule });
      expect(await c.take([tight, wide])).toMatchObject({ ok: false, rule: tight.rule });
      // wide lost one token only (to the call that passed): two are left.
      expect(await c.take([wide])).toEqual({ ok: true });
      expect(await c.take([wide])).toEqual({ ok: true });
      expect(await c.take([wide])).toMatchObject({ ok: false, rule: wide.rule });
    });

    it('tokens come back at the configured rate', async () => {
      const b = bucket(k(), 1, 1 / 100); // one token per 100 ms
      expect(await c.take([b])).toEqual({ ok: true });
      const r = await c.take([b]);
      expect(r).toMatchObject({ ok: false, kind: 'rate' });
      if (!r.ok && r.kind === 'rate') {
        expect(r.retryAfterMs).toBeLessThanOrEqual(100);
        await sleep(r.retryAfterMs + 50);
      }
      expect(await c.take([b])).toEqual({ ok: true });
    });

    it('concurrent takes never hand out more than the bucket holds', async () => {
      const b = bucket(k(), 10);
      const results = await Promise.all(Array.from({ length: 40 }, () => c.take([b])));
      expect(results.filter((r) => r.ok)).toHaveLength(10);
    });

    it('a session budget of calls is spent, and a refusal by budget takes no token', async () => {
      const b = bucket(k(), 10);
      const s = k();
      expect(await c.take([b], budget(s, { maxCalls: 2 }))).toEqual({ ok: true });
      expect(await c.take([b], budget(s, { maxCalls: 2 }))).toEqual({ ok: true });
      expect(await c.take([b], budget(s, { maxCalls: 2 }))).toEqual({ ok: false, kind: 'budget', which: 'calls', used: 2, max: 2 });
      // 8 tokens left: the refused call took none.
      for (let i = 0; i < 8; i++) expect(await c.take([b])).toEqual({ ok: true });
      expect(await c.take([b])).toMatchObject({ ok: false, kind: 'rate' });
    });

    it('write calls have their own budget; reads are not counted against it', async () => {
      const s = k();
      expect(await c.take([], budget(s, { maxWrites: 1 }, true))).toEqual({ ok: true });
      expect(await c.take([], budget(s, { maxWrites: 1 }, false))).toEqual({ ok: true });
      expect(await c.take([], budget(s, { maxWrites: 1 }, true))).toMatchObject({ ok: false, which: 'writes' });
      expect(await c.take([], budget(s, { maxWrites: 1 }, false))).toEqual({ ok: true });
    });

    it('bytes returned count against the session budget', async () => {
      const s = k();
      expect(await c.take([], budget(s, { maxBytes: 1000 }))).toEqual({ ok: true });
      await c.addBytes(s, 600, 60_000);
      expect(await c.take([], budget(s, { maxBytes: 1000 }))).toEqual({ ok: true });
      await c.addBytes(s, 600, 60_000);
      expect(await c.take([], budget(s, { maxBytes: 1000 }))).toEqual({ ok: false, kind: 'budget', which: 'bytes', used: 1200, max: 1000 });
    });
  });
}

contract('memory', async () => new MemoryCounters(), async () => undefined);

describe.skipIf(!REDIS_URL)('redis', () => {
  const r = REDIS_URL ? testRedis() : undefined;
  contract('redis (one Lua script per call)', async () => (await r!.ready(), new RedisCounters(r!.redis, r!.prefix)), async () => r?.cleanup());

  it('the Lua script keeps time by the Redis clock: a replica whose clock is far off mints no tokens', async () => {
    // Both "replicas" share Redis; the script never reads the caller's clock, so there is nothing to skew.
    const t = testRedis();
    await t.ready();
    const a = new RedisCounters(t.redis, t.prefix);
    const b = bucket('skew', 2);
    const realNow = Date.now;
    try {
      expect(await a.take([b])).toEqual({ ok: true });
      Date.now = () => realNow() + 10 * HOUR;
      expect(await a.take([b])).toEqual({ ok: true });
      expect(await a.take([b])).toMatchObject({ ok: false, kind: 'rate' });
    } finally {
      Date.now = realNow;
      await t.cleanup();
    }
  });
});
