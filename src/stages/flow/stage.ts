/**
 * Flow rules over a session's history. On the way in, a tool call is checked against what the session
 * has read (labels) and done (counts, distinct targets, required predecessors): a denying rule refuses
 * it naming the earlier call that made it so; an approving rule marks it for the approval stage; a
 * call that goes ahead takes its per-rule counters atomically. On the way back, the labels of what the
 * call read (its own and those the content checks found in the result) join the session's history.
 * The store failing refuses the call (fail closed): a history that cannot be read or written cannot
 * vouch for the next call.
 */
import { reject } from '../../errors.js';
import { PASS, type Ctx, type Stage, type Verdict } from '../../pipeline/types.js';
import type { JsonRpcRequest, JsonRpcResponse } from '../../protocol/jsonrpc.js';
import { sessionKeyOf } from '../../state/session-key.js';
import type { Outcome } from '../../state/session-state.js';
import type { SessionStore } from '../../state/sessions.js';
import type { LabelsOf } from './labels.js';
import { evaluate, targetValues, type CompiledRule, type Firing } from './rules.js';

export const STAGE_NAME = 'flow';

export interface FlowOptions {
  readonly rules: readonly CompiledRule[];
  readonly labelsOf: LabelsOf;
  readonly store: SessionStore;
  /** How long a session's history outlives its last call. */
  readonly ttlMs: number;
  /** How agents see names (`upstream__tool`), for denials and history. */
  readonly display: (upstream: string, name: string) => string;
}

export function flowStage(o: FlowOptions): Stage {
  const watched = o.rules.filter((r) => r.distinct);
  // The arguments of calls in flight, for the history line the response writes (targets).
  const argsOf = new WeakMap<Ctx, unknown>();
  return {
    name: STAGE_NAME,
    async request(ctx: Ctx, msg: JsonRpcRequest): Promise<Verdict> {
      const t = ctx.target;
      if (!t || t.kind !== 'tool') return PASS;
      if (watched.length > 0 && msg.params?.arguments !== undefined) argsOf.set(ctx, msg.params.arguments);
      const labels = o.labelsOf(t);
      // Most calls meet no rule: they cost no round trip to the store.
      const rules = o.rules.filter((r) => r.applies(t, labels));
      if (rules.length === 0) return PASS;
      const key = sessionKeyOf(ctx);
      const display = o.display(t.upstream, t.name);
      const args = msg.params?.arguments;
      try {
        const ev = evaluate(rules, await o.store.load(key), t, labels, args, display);
        if (ev.deny) return deny(ev.deny);
        const r = ev.reservation;
        if (r.counts.length > 0 || r.distinct.length > 0) {
          const taken = await o.store.reserve(key, { call: { tool: display, at: Date.now(), id: ctx.id }, ...r }, o.ttlMs);
          if (!taken.ok) {
            // Another call of this session took the last slot between our read and our write.
            const again = evaluate(rules, await o.store.load(key), t, labels, args, display);
            return deny(again.deny ?? { rule: taken.rule, reason: `flow rule "${taken.rule}" refuses "${display}": its bound was reached by a concurrent call`, trigger: undefined });
          }
        }
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
      const recording = o.store.record(sessionKeyOf(ctx), { entry, seen }, o.ttlMs);
      if (labels.size === 0 && seen.length === 0) {
        // Nothing a rule reads: the history line need not hold the result back.
        recording.catch(() => undefined);
        return PASS;
      }
      try {
        await recording;
        return PASS;
      } catch (err) {
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
