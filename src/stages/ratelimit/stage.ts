/**
 * Rate limits and session budgets. Placed after every stage that can refuse a call on its merits
 * (authorize, flow), so a refused call spends no quota; every bucket and budget of a call is taken
 * in one atomic step or not at all. An unreachable counter store refuses the call (fail closed).
 */
import type { Config } from '../../config/schema.js';
import { reject } from '../../errors.js';
import { PASS, type Ctx, type Stage, type Verdict } from '../../pipeline/types.js';
import type { JsonRpcResponse } from '../../protocol/jsonrpc.js';
import type { BudgetCheck, Counters, TakeResult } from '../../state/counters.js';
import { sessionKeyOf } from '../../state/session-key.js';
import type { BucketsFor } from './limits.js';

export const STAGE_NAME = 'ratelimit';

export interface RateLimitOptions {
  readonly bucketsFor: BucketsFor;
  readonly budgets: Config['policy']['budgets'];
  readonly tierOf: (upstream: string, tool: string) => 'read' | 'write' | 'admin';
  readonly counters: Counters;
  /** How long a session's budget outlives its last call. */
  readonly ttlMs: number;
}

export function rateLimitStage(o: RateLimitOptions): Stage {
  const budgets = o.budgets;
  const countsBytes = budgets?.maxBytes !== undefined;
  return {
    name: STAGE_NAME,
    async request(ctx: Ctx): Promise<Verdict> {
      const t = ctx.target;
      if (!t || t.kind !== 'tool') return PASS;
      const buckets = o.bucketsFor(ctx.principal, t);
      let budget: BudgetCheck | undefined;
      if (budgets) {
        budget = { key: sessionKeyOf(ctx), ttlMs: o.ttlMs, write: o.tierOf(t.upstream, t.name) !== 'read', maxCalls: budgets.maxCalls, maxWrites: budgets.maxWriteCalls, maxBytes: budgets.maxBytes };
      }
      if (buckets.length === 0 && !budget) return PASS;
      let r: TakeResult;
      try {
        r = await o.counters.take(buckets, budget);
      } catch (err) {
        return { kind: 'deny', rejection: reject('state_unavailable', `rate-limit counters unavailable (${o.counters.kind}); calls are refused until they are back`, STAGE_NAME, { cause: (err as Error).message.slice(0, 200) }) };
      }
      if (r.ok) return PASS;
      if (r.kind === 'rate') {
        const secs = (r.retryAfterMs / 1000).toFixed(r.retryAfterMs < 10_000 ? 1 : 0);
        return { kind: 'deny', rejection: reject('rate_limited', `rate limit "${r.rule}" reached; retry in ${secs} s`, r.rule, { retryAfterMs: r.retryAfterMs }) };
      }
      const what = r.which === 'calls' ? 'tool calls' : r.which === 'writes' ? 'write calls' : 'bytes returned';
      return { kind: 'deny', rejection: reject('budget_exceeded', `this session's budget of ${r.max} ${what} is spent (${r.used} used); start a new session`, `policy.budgets.max${r.which === 'calls' ? 'Calls' : r.which === 'writes' ? 'WriteCalls' : 'Bytes'}`, { budget: r.which, used: r.used, max: r.max }) };
    },
    async response(ctx: Ctx, msg: JsonRpcResponse): Promise<Verdict> {
      if (!countsBytes || ctx.target?.kind !== 'tool') return PASS;
      const bytes = Buffer.byteLength(JSON.stringify('error' in msg ? msg.error : msg.result));
      // Best effort: if the store is away, the next call's take refuses anyway.
      await o.counters.addBytes(sessionKeyOf(ctx), bytes, o.ttlMs).catch(() => undefined);
      return PASS;
    },
  };
}
