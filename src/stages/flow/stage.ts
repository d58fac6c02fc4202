/**
 * Flow rules over a session's history. On the way in, a tool call is checked against what the session
 * has read (labels) and done (counts, distinct targets, required predecessors): a denying rule refuses
 * it naming the earlier call that made it so; an approving rule marks it for the approval stage; a
 * call that goes ahead takes its per-rule counters atomically. On the way back, the labels of what the
 * call read (its own and those the content checks found in the result) join the session's history.
 * The store failing refuses the call (fail closed): a history that cannot be read or written cannot
 * vouch for the next call.
 *
 * Each direction is one step of the store (state/steps.ts): the check, the counters and the state the
 * verdict is worded from come from one atomic step, so no concurrent call of the session can slip in
 * between. With Redis, that step also takes the rate-limit stage's buckets (`share`, the stage right
 * after this one) and the way back also counts its bytes: one round trip each way.
 */
import { reject } from '../../errors.js';
import { PASS, type Ctx, type Stage, type Verdict } from '../../pipeline/types.js';
import type { JsonRpcRequest, JsonRpcResponse } from '../../protocol/jsonrpc.js';
import { sessionKeyOf } from '../../state/session-key.js';
import type { Outcome } from '../../state/session-state.js';
import type { SessionStore } from '../../state/sessions.js';
import type { CallSteps } from '../../state/steps.js';
import type { RateLimitShare } from '../ratelimit/stage.js';
import type { LabelsOf } from './labels.js';
import { evaluate, planCall, targetValues, type CompiledRule, type Firing } from './rules.js';

export const STAGE_NAME = 'flow';

export interface FlowOptions {
  readonly rules: readonly CompiledRule[];
  readonly labelsOf: LabelsOf;
  /** For its kind, in messages. */
  readonly store: SessionStore;
  readonly steps: CallSteps;
  /** The rate-limit stage's store work, done in this stage's round trips where the steps are joint. */
  readonly share?: RateLimitShare | undefined;
  /** How long a session's history outlives its last call. */
  readonly ttlMs: number;
  /** How agents see names (`upstream__tool`), for denials and history. */
  readonly display: (upstream: string, name: string) => string;
}

export function flowStage(o: FlowOptions): Stage {
  const watched = o.rules.filter((r) => r.distinct);
  // The arguments of calls in flight, for the history line the response writes (targets).
  const argsOf = new WeakMap<Ctx, unknown>();
  const share = o.steps.joint ? o.share : undefined;
  return {
    name: STAGE_NAME,
    async request(ctx: Ctx, msg: JsonRpcRequest): Promise<Verdict> {
      const t = ctx.target;
      if (!t || t.kind !== 'tool') return PASS;
      if (watched.length > 0 && msg.params?.arguments !== undefined) argsOf.set(ctx, msg.params.arguments);
      const labels = o.labelsOf(t);
      // Most calls meet no rule: they cost no round trip here (the rate-limit stage takes for itself).
      const rules = o.rules.filter((r) => r.applies(t, labels));
      if (rules.length === 0) return PASS;
      const key = sessionKeyOf(ctx);
      const display = o.display(t.upstream, t.name);
      const plan = planCall(rules, t, labels, msg.params?.arguments);
      const reservation = { call: { tool: display, at: Date.now(), id: ctx.id }, guards: plan.guards, counts: plan.counts, distinct: plan.distinct };
      try {
        const step = await o.steps.admit(key, reservation, o.ttlMs, (before) => evaluate(rules, before, t, labels, plan.values, display), share?.takeFor(ctx));
        const ev = step.judged;
        // The store's guards and `evaluate` are one test written twice (Lua and TypeScript): should
        // they ever disagree, the call is refused (what the store took stays spent).
        if (ev.deny) return deny(ev.deny);
        if (!step.flow.ok) return deny({ rule: step.flow.rule, reason: `flow rule "${step.flow.rule}" refuses "${display}": its bound is reached`, trigger: undefined });
        if (step.take) share!.taken(ctx, step.take);
        if (ev.approve && !ctx.approvalRequired) ctx.approvalRequired = { by: ev.approve.rule, reason: ev.approve.reason };
        return PASS;
      } catch (err) {
        return { kind: 'deny', rejection: reject('state_unavailable', `session history unavailable (${o.store.kind}); calls that flow rules govern are refused until it is back`, STAGE_NAME, { cause: (err as Error).message.slice(0, 200) }) };
      }
    },
    async response(ctx: Ctx, msg: JsonRpcResponse): Promise<Verdict> {
      const t = ctx.target;
      if (!t) return PASS;
      const ok = !('error' in msg) && msg.result.isError !== true;
      const labels = new Set(o.labelsOf(t));
      for (const l of ctx.resultLabels ?? []) labels.add(l);
      const seen = ok ? o.rules.filter((r) => r.requiresBefore?.(t, o.labelsOf(t))).map((r) => r.name) : [];
      const entry: Outcome['entry'] = { tool: o.display(t.upstream, t.name), at: Date.now(), id: ctx.id };
      if (labels.size > 0) entry.labels = [...labels];
      const targets = targetsOf(watched, argsOf.get(ctx));
      if (targets) entry.targets = targets;
      const bytes = share?.claimBytes(ctx, msg);
      const recording = o.steps.conclude(sessionKeyOf(ctx), { entry, seen }, o.ttlMs, bytes);
      const readByRules = labels.size > 0 || seen.length > 0;
      if (!readByRules && !bytes) {
        // Nothing a rule reads: the result need not wait. Losing this write (only when the store
        // fails) loses a history line, which no rule reads, and one push-back of the session's
        // expiry: at worst its state expires as if the session had been idle since its previous
        // call. Bytes are never left behind like this: a lost count would loosen maxBytes.
        recording.catch(() => undefined);
        return PASS;
      }
      try {
        await recording;
        return PASS;
      } catch (err) {
        // Bytes alone are best effort (as the rate-limit stage counts them): the next call's take
        // refuses anyway while the store is away.
        if (!readByRules) return PASS;
        // Withhold what the session read if the history cannot say it read it: a later egress would pass.
        return { kind: 'deny', rejection: reject('state_unavailable', `session history unavailable (${o.store.kind}); the result is withheld because its labels could not be recorded`, STAGE_NAME, { cause: (err as Error).message.slice(0, 200) }) };
      }
    },
  };
}

function deny(f: Firing): Verdict {
  const extra: Record<string, unknown> = {};
  if (f.trigger) extra.trigger = { tool: f.trigger.tool, at: new Date(f.trigger.at).toISOString(), auditId: f.trigger.id, ...(f.trigger.label ? { label: f.trigger.label } : {}) };
  return { kind: 'deny', rejection: reject('flow_denied', f.reason, f.rule, extra) };
}

function targetsOf(watched: readonly CompiledRule[], args: unknown): Record<string, string> | undefined {
  if (watched.length === 0 || args === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const r of watched) {
    const v = targetValues(args, r.distinct!.path);
    if (v.length > 0) out[r.distinct!.arg] = v.join(',');
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
