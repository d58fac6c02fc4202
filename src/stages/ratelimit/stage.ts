/**
 * Rate limits and session budgets. Placed after every stage that can refuse a call on its merits
 * (authorize, flow), so a refused call spends no quota; every bucket and budget of a call is taken
 * in one atomic step or not at all. An unreachable counter store refuses the call (fail closed).
 *
 * Where one store holds the flow history and the counters (Redis), the flow stage right before this
 * one does this stage's store work in its own round trips (`share`): a call that meets a flow rule
 * takes its buckets in the same script that checks the rule, and its result's bytes are counted in
 * the same script that records it. This stage then reports what was taken instead of taking again.
 */
import type { Config } from '../../config/schema.js';
import { reject } from '../../errors.js';
import { PASS, type Ctx, type Stage, type Verdict } from '../../pipeline/types.js';
import type { JsonRpcResponse } from '../../protocol/jsonrpc.js';
import type { Counters, TakeResult } from '../../state/counters.js';
import { sessionKeyOf } from '../../state/session-key.js';
import type { BytesReturned, TakeRequest } from '../../state/steps.js';
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

/**
 * This stage's store work, for the stage that runs right before it to do in its own round trip. Only
 * a stage with nothing that can refuse between it and this one may use it: what it takes is spent.
 */
export interface RateLimitShare {
  /** What the call takes, or nothing to take. */
  takeFor(ctx: Ctx): TakeRequest | undefined;
  /** What was taken for the call; this stage reports it and takes nothing more. */
  taken(ctx: Ctx, r: TakeResult): void;
  /** The bytes the result adds to the session's budget, now counted by the caller; or none to count. */
  claimBytes(ctx: Ctx, msg: JsonRpcResponse): BytesReturned | undefined;
}

export interface RateLimitStage extends Stage {
  readonly share: RateLimitShare;
}

export function rateLimitStage(o: RateLimitOptions): RateLimitStage {
  const budgets = o.budgets;
  const countsBytes = budgets?.maxBytes !== undefined;
  const takenAhead = new WeakMap<Ctx, TakeResult>();
  const bytesClaimed = new WeakSet<Ctx>();
  const share: RateLimitShare = {
    takeFor(ctx) {
      const t = ctx.target;
      if (!t || t.kind !== 'tool') return undefined;
      const buckets = o.bucketsFor(ctx.principal, t);
      if (!budgets) return buckets.length > 0 ? { buckets } : undefined;
      return { buckets, budget: { key: sessionKeyOf(ctx), ttlMs: o.ttlMs, write: o.tierOf(t.upstream, t.name) !== 'read', maxCalls: budgets.maxCalls, maxWrites: budgets.maxWriteCalls, maxBytes: budgets.maxBytes } };
    },
    taken: (ctx, r) => void takenAhead.set(ctx, r),
    claimBytes(ctx, msg) {
      if (!countsBytes || ctx.target?.kind !== 'tool') return undefined;
      bytesClaimed.add(ctx);
      return { key: sessionKeyOf(ctx), bytes: Buffer.byteLength(JSON.stringify('error' in msg ? msg.error : msg.result)), ttlMs: o.ttlMs };
    },
  };
  return {
    name: STAGE_NAME,
    share,
    async request(ctx: Ctx): Promise<Verdict> {
      let r = takenAhead.get(ctx);
      if (!r) {
        const take = share.takeFor(ctx);
        if (!take) return PASS;
        try {
          r = await o.counters.take(take.buckets, take.budget);
        } catch (err) {
          return { kind: 'deny', rejection: reject('state_unavailable', `rate-limit counters unavailable (${o.counters.kind}); calls are refused until they are back`, STAGE_NAME, { cause: (err as Error).message.slice(0, 200) }) };
        }
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
      if (bytesClaimed.has(ctx)) return PASS;
      const bytes = share.claimBytes(ctx, msg);
      // Best effort: if the store is away, the next call's take refuses anyway.
      if (bytes) await o.counters.addBytes(bytes.key, bytes.bytes, bytes.ttlMs).catch(() => undefined);
      return PASS;
    },
  };
}
