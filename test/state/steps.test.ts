// The flow and rate-limit stages wired as the gateway wires them, over every store: the same verdicts
// whether the flow stage does the rate-limit stage's store work in its own round trip (Redis) or each
// stage does its own (in process, SQLite, PostgreSQL). With Redis, the round trips are counted: one
// on the way in, one on the way back, whatever the call meets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Redis } from 'ioredis';
import { parseConfigText } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { ANONYMOUS, type Ctx, type Stage, type Verdict } from '../../src/pipeline/types.js';
import type { JsonRpcResponse } from '../../src/protocol/jsonrpc.js';
import { flowStageFor } from '../../src/stages/flow/build.js';
import { rateLimitStageFor } from '../../src/stages/ratelimit/build.js';
import { openState, type StateBackends } from '../../src/state/open.js';
import { RedisCounters } from '../../src/state/redis-counters.js';
import { RedisSessionStore } from '../../src/state/redis-sessions.js';
import { POSTGRES_URL, REDIS_URL, dropPostgresSchema, tempSqlite, testRedis, uniqueName } from './helpers.js';

const HOUR = 3_600_000;

function config(policy: Record<string, unknown>): Config {
  const r = parseConfigText(stringify({ upstreams: { vault: { stdio: { command: 'node' } }, mail: { stdio: { command: 'node' }, labels: ['external-egress'] } }, policy }));
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.config;
}

/** Flow then rate limits, wired as buildStages wires them. */
function stagesFor(policy: Record<string, unknown>, state: StateBackends): Stage[] {
  const c = config(policy);
  const limits = rateLimitStageFor(c, state);
  return [flowStageFor(c, state, limits), limits].filter((s): s is Stage => s !== undefined);
}

let n = 0;
function ctx(upstream: string, name: string, session: string): Ctx {
  return { id: `st-${++n}`, traceId: 't', startedAt: 0, transport: 'http', era: 'legacy', principal: ANONYMOUS, session, method: 'tools/call', target: { upstream, kind: 'tool', name }, stages: [], allowedBy: undefined };
}
const result = (text: string): JsonRpcResponse => ({ jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text }] } });

/** One call through the stages, as the runner runs it; the verdict of the way in (or of the way back). */
async function call(stages: Stage[], c: Ctx, args: Record<string, unknown> = {}, answer = result('ok')): Promise<Verdict> {
  for (const s of stages) {
    const v = await s.request!(c, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: c.target!.name, arguments: args } });
    if (v.kind === 'deny') return v;
  }
  for (const s of stages) {
    const v = await s.response!(c, answer);
    if (v.kind === 'deny') return v;
  }
  return { kind: 'pass' };
}
const reason = (v: Verdict) => (v.kind === 'deny' ? v.rejection.reason : v.kind);

function contract(name: string, open: () => Promise<StateBackends>, cleanup: () => Promise<void>) {
  describe(`flow + rate limits: ${name}`, () => {
    let state: StateBackends;
    const session = () => uniqueName('s');
    beforeAll(async () => {
      state = await open();
      if (!(await state.ready(5000))) throw new Error(`${name} is not reachable`);
    });
    afterAll(async () => {
      await state?.close();
      await cleanup();
    });

    it('a call a flow rule refuses takes no token; the refusal names the rule and the call before', async () => {
      const rate = `g${++n}`;
      const stages = stagesFor({ flow: [{ name: 'one-export', maxCalls: 1, deny: { upstream: 'vault', tools: ['export'] } }], rateLimits: [{ name: rate, per: 'global', rate: 1, intervalMs: HOUR, burst: 3 }] }, state);
      const s = session();
      const first = ctx('vault', 'export', s);
      expect(await call(stages, first)).toEqual({ kind: 'pass' });
      for (let i = 0; i < 3; i++) {
        expect(await call(stages, ctx('vault', 'export', s))).toMatchObject({ kind: 'deny', rejection: { reason: 'flow_denied', rule: 'one-export', extra: { trigger: { auditId: first.id } } } });
      }
      expect(reason(await call(stages, ctx('vault', 'list', s)))).toBe('pass');
      expect(reason(await call(stages, ctx('vault', 'list', s)))).toBe('pass');
      expect(await call(stages, ctx('vault', 'list', s))).toMatchObject({ kind: 'deny', rejection: { reason: 'rate_limited', rule: rate } });
    });

    it('a call a rate limit refuses keeps its flow count (it passed the flow stage)', async () => {
      const rate = `g${++n}`;
      const stages = stagesFor({ flow: [{ name: 'two-exports', maxCalls: 2, deny: { upstream: 'vault', tools: ['export'] } }], rateLimits: [{ name: rate, per: 'global', rate: 1, intervalMs: HOUR, burst: 1 }] }, state);
      const s = session();
      expect(reason(await call(stages, ctx('vault', 'export', s)))).toBe('pass');
      expect(reason(await call(stages, ctx('vault', 'export', s)))).toBe('rate_limited');
      expect((await state.sessions.load(`s:${s}`)).counts['two-exports']!.n).toBe(2);
      expect(await call(stages, ctx('vault', 'export', s))).toMatchObject({ kind: 'deny', rejection: { reason: 'flow_denied', rule: 'two-exports' } });
    });

    it('a session budget of bytes counts each result once, and the call after the bound is refused', async () => {
      const stages = stagesFor({ flow: [{ name: 'many', maxCalls: 100, deny: { upstream: 'vault', tools: ['export'] } }], budgets: { maxBytes: 100 } }, state);
      const s = session();
      const big = result('x'.repeat(60));
      const bytes = Buffer.byteLength(JSON.stringify({ content: [{ type: 'text', text: 'x'.repeat(60) }] }));
      // One call that meets a flow rule, one that meets none: the same count either way.
      expect(reason(await call(stages, ctx('vault', 'export', s), {}, big))).toBe('pass');
      expect(reason(await call(stages, ctx('vault', 'list', s), {}, big))).toBe('pass');
      expect(await call(stages, ctx('vault', 'export', s))).toMatchObject({ kind: 'deny', rejection: { reason: 'budget_exceeded', extra: { budget: 'bytes', used: 2 * bytes, max: 100 } } });
    });

    it('after a secret is read, egress is refused and an approve rule marks the call for approval', async () => {
      const stages = stagesFor({
        labels: [{ upstream: 'vault', tools: ['read'], labels: ['secret'] }],
        flow: [
          { name: 'ask', after: ['secret'], approve: { upstream: 'vault', tools: ['delete'] } },
          { name: 'no-egress', after: ['secret'], deny: { labels: ['external-egress'] } },
        ],
        rateLimits: [{ name: `g${++n}`, per: 'global', rate: 1000 }],
      }, state);
      const s = session();
      const before = ctx('vault', 'delete', s);
      expect(reason(await call(stages, before))).toBe('pass');
      expect(before.approvalRequired).toBeUndefined();
      const read = ctx('vault', 'read', s);
      expect(reason(await call(stages, read))).toBe('pass');
      expect(await call(stages, ctx('mail', 'send', s))).toMatchObject({ kind: 'deny', rejection: { reason: 'flow_denied', rule: 'no-egress', extra: { trigger: { auditId: read.id, label: 'secret' } } } });
      const del = ctx('vault', 'delete', s);
      expect(reason(await call(stages, del))).toBe('pass');
      expect(del.approvalRequired).toMatchObject({ by: 'ask' });
    });

    it('a deny rule with two bounds: each bound refuses on its own once its labels hold (as the counters always have)', async () => {
      const stages = stagesFor({ flow: [{ name: 'both', maxCalls: 1, maxDistinctTargets: { arg: 'to', max: 5 }, deny: { upstream: 'mail', tools: ['draft'] } }] }, state);
      const s = session();
      expect(reason(await call(stages, ctx('mail', 'draft', s), { to: 'a' }))).toBe('pass');
      expect(await call(stages, ctx('mail', 'draft', s), { to: 'a' })).toMatchObject({ kind: 'deny', rejection: { reason: 'flow_denied', rule: 'both', detail: expect.stringContaining('its bound is reached') } });
    });

    it('concurrent calls of a session never overshoot maxCalls, and every refusal is worded from the state it was checked against', async () => {
      const stages = stagesFor({ flow: [{ name: 'three', maxCalls: 3, deny: { upstream: 'vault', tools: ['export'] } }], rateLimits: [{ name: `g${++n}`, per: 'global', rate: 1000 }] }, state);
      const s = session();
      const verdicts = await Promise.all(Array.from({ length: 10 }, () => call(stages, ctx('vault', 'export', s))));
      expect(verdicts.filter((v) => v.kind === 'pass')).toHaveLength(3);
      for (const v of verdicts.filter((x) => x.kind === 'deny')) {
        expect(v).toMatchObject({ rejection: { reason: 'flow_denied', rule: 'three' } });
        if (v.kind === 'deny') expect(v.rejection.detail).toContain('already made 3 such calls');
      }
    });
  });
}

contract('memory', async () => openState({ path: ':memory:' }), async () => undefined);

const sqlite = tempSqlite();
contract('sqlite', async () => openState({ path: sqlite.path }), async () => sqlite.cleanup());

describe.skipIf(!POSTGRES_URL)('postgres', () => {
  const schema = uniqueName('pc_steps');
  contract('postgres', async () => openState({ path: ':memory:', postgres: { url: POSTGRES_URL!, schema } }), async () => {
    if (POSTGRES_URL) await dropPostgresSchema(schema);
  });
});

describe.skipIf(!REDIS_URL)('redis', () => {
  const r = REDIS_URL ? testRedis() : undefined;
  contract('redis', async () => openState({ path: ':memory:', redis: { url: REDIS_URL!, prefix: r!.prefix } }), async () => r?.cleanup());

  describe('round trips to Redis per call', () => {
    const t = REDIS_URL ? testRedis() : undefined;
    let sent: string[] = [];
    let stages: Stage[];

    /** Backends over a client whose every command is noted (one command is one round trip: none is pipelined). */
    function counted(redis: Redis, prefix: string): StateBackends {
      const send = redis.sendCommand.bind(redis);
      redis.sendCommand = ((cmd: { name: string }, ...rest: unknown[]) => {
        sent.push(cmd.name);
        return (send as (...a: unknown[]) => unknown)(cmd, ...rest);
      }) as Redis['sendCommand'];
      const sessions = new RedisSessionStore(redis, prefix);
      return { sessions, counters: new RedisCounters(redis, prefix), steps: sessions.steps, ready: async () => true, close: async () => undefined };
    }

    /** The commands of the way in and of the way back of one call, and its verdict. */
    async function trips(c: Ctx): Promise<{ in: string[]; back: string[]; verdict: string }> {
      sent = [];
      for (const s of stages) {
        const v = await s.request!(c, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: c.target!.name, arguments: { to: 'a@example.com' } } });
        if (v.kind === 'deny') return { in: sent, back: [], verdict: v.rejection.reason };
      }
      const inbound = sent;
      sent = [];
      for (const s of stages) await s.response!(c, result('fine'));
      return { in: inbound, back: sent, verdict: 'pass' };
    }

    beforeAll(async () => {
      await t!.ready();
      stages = stagesFor(
        {
          labels: [{ upstream: 'vault', tools: ['read'], labels: ['secret'] }],
          flow: [
            { name: 'no-egress', after: ['secret'], deny: { labels: ['external-egress'] } },
            { name: 'cap', maxCalls: 1000, deny: { upstream: 'vault', tools: ['export'] } },
            { name: 'recipients', maxDistinctTargets: { arg: 'to', max: 10 }, deny: { upstream: 'mail', tools: ['draft'] } },
          ],
          rateLimits: [
            { name: 'per-caller', per: 'principal', rate: 1000 },
            { name: 'per-tool', per: 'tool', rate: 1000 },
            { name: 'everyone', per: 'global', rate: 1000 },
          ],
          budgets: { maxCalls: 1000, maxWriteCalls: 1000, maxBytes: 1_000_000 },
        },
        counted(t!.redis, t!.prefix),
      );
      // Scripts are loaded on first use (a NOSCRIPT answer, then EVAL): not what is counted here.
      for (const [u, tool] of [['vault', 'export'], ['vault', 'list'], ['mail', 'draft']] as const) await trips(ctx(u, tool, 'warm'));
    });
    afterAll(async () => t?.cleanup());

    it('a call that meets counting rules: one script in (rules, counters, buckets, budget), one back (record, bytes)', async () => {
      const s = uniqueName('rt');
      expect(await trips(ctx('vault', 'export', s))).toEqual({ in: ['evalsha'], back: ['evalsha'], verdict: 'pass' });
      expect(await trips(ctx('mail', 'draft', s))).toEqual({ in: ['evalsha'], back: ['evalsha'], verdict: 'pass' });
    });

    it('a call that meets no rule: one script in (buckets, budget), one back', async () => {
      expect(await trips(ctx('vault', 'list', uniqueName('rt')))).toEqual({ in: ['evalsha'], back: ['evalsha'], verdict: 'pass' });
    });

    it('a call a flow rule refuses: one script, and no bucket or budget moved', async () => {
      const s = uniqueName('rt');
      expect((await trips(ctx('vault', 'read', s))).verdict).toBe('pass');
      const budget = `${t!.prefix}budget:s:${s}`;
      const calls = await t!.redis.hget(budget, 'calls');
      expect(await trips(ctx('mail', 'send', s))).toEqual({ in: ['evalsha'], back: [], verdict: 'flow_denied' });
      expect(await t!.redis.hget(budget, 'calls')).toBe(calls);
    });
  });
});
