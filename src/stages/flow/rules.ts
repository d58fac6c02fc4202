/**
 * Flow rules, compiled once per config and evaluated as data against a session's state: which rules
 * a call meets, whether one of them refuses it or asks for approval (and which earlier call made it
 * so), and which per-rule counters the call takes if it goes ahead.
 */
import { createHash } from 'node:crypto';
import type { CallSelector, Config, FlowRule } from '../../config/schema.js';
import type { Target } from '../../pipeline/types.js';
import { globToRegExpSource } from '../../policy/glob.js';
import type { CallRef, Guard, Reservation, SessionState } from '../../state/session-state.js';

export type SelectorFn = (t: Target, labels: readonly string[]) => boolean;

export interface CompiledRule {
  readonly name: string;
  readonly action: 'deny' | 'approve';
  readonly applies: SelectorFn;
  readonly after: readonly string[] | undefined;
  readonly afterAll: readonly string[] | undefined;
  readonly maxCalls: number | undefined;
  readonly distinct: { path: readonly string[]; arg: string; max: number } | undefined;
  readonly requiresBefore: SelectorFn | undefined;
  readonly requiresDescription: string | undefined;
}

/** A rule that fired, and the earlier call that made it fire (none for a missing predecessor). */
export interface Firing {
  readonly rule: string;
  readonly reason: string;
  readonly trigger: (CallRef & { label?: string }) | undefined;
}

export interface Evaluation {
  deny: Firing | undefined;
  approve: Firing | undefined;
}

/**
 * What a call asks of the session store, known before its state is read: the guards of the deny rules
 * it meets (the store checks them in the step that takes the counters) and the counters it takes.
 */
export interface CallPlan extends Pick<Reservation, 'counts' | 'distinct'> {
  readonly guards: Guard[];
  /** The call's hashed values per maxDistinctTargets rule, for `evaluate`. */
  readonly values: ReadonlyMap<string, readonly string[]>;
}

export function compileSelector(s: CallSelector): SelectorFn {
  const tools = s.tools && new RegExp(`^(?:${s.tools.map(globToRegExpSource).join('|')})$`, 's');
  const wanted = s.labels;
  return (t, labels) =>
    t.kind === 'tool' &&
    (s.upstream === undefined || s.upstream === t.upstream) &&
    (tools === undefined || tools.test(t.name)) &&
    (wanted === undefined || wanted.some((l) => labels.includes(l)));
}

function describe(s: CallSelector): string {
  const parts: string[] = [];
  if (s.upstream !== undefined) parts.push(`upstream ${s.upstream}`);
  if (s.tools) parts.push(`tool ${s.tools.join(' or ')}`);
  if (s.labels) parts.push(`a tool labelled ${s.labels.join(' or ')}`);
  return parts.length > 0 ? parts.join(', ') : 'any tool';
}

export function compileRule(r: FlowRule): CompiledRule {
  const selector = (r.deny ?? r.approve)!;
  return {
    name: r.name,
    action: r.deny ? 'deny' : 'approve',
    applies: compileSelector(selector),
    after: r.after,
    afterAll: r.afterAll,
    maxCalls: r.maxCalls,
    distinct: r.maxDistinctTargets && { path: r.maxDistinctTargets.arg.split('.'), arg: r.maxDistinctTargets.arg, max: r.maxDistinctTargets.max },
    requiresBefore: r.requiresBefore && compileSelector(r.requiresBefore),
    requiresDescription: r.requiresBefore && describe(r.requiresBefore),
  };
}

export function compileFlow(policy: Config['policy']): CompiledRule[] {
  return policy.flow.map(compileRule);
}

/** Values of a dotted argument path (each element of an array), hashed: the store never holds them. */
export function targetValues(args: unknown, path: readonly string[]): string[] {
  let v: unknown = args;
  for (const p of path) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return [];
    v = (v as Record<string, unknown>)[p];
  }
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.map((x) => createHash('sha256').update(typeof x === 'string' ? x.trim().toLowerCase() : JSON.stringify(x)).digest('hex').slice(0, 24));
}

export function planCall(rules: readonly CompiledRule[], target: Target, labels: readonly string[], args: unknown): CallPlan {
  const plan = { guards: [] as Guard[], counts: [] as Array<{ rule: string }>, distinct: [] as Array<{ rule: string; values: string[] }>, values: new Map<string, string[]>() };
  for (const r of rules) {
    if (!r.applies(target, labels)) continue;
    const values = r.distinct ? targetValues(args, r.distinct.path) : [];
    if (r.distinct) plan.values.set(r.name, values);
    // Every call a rule selects counts, whatever its other conditions (a bound counts the calls it selects).
    if (r.maxCalls !== undefined) plan.counts.push({ rule: r.name });
    if (values.length > 0) plan.distinct.push({ rule: r.name, values });
    if (r.action === 'deny') plan.guards.push(...guardsOf(r, values));
  }
  return plan;
}

// A rule's guards without distinct values are the same for every call: built once (fixed-shape
// objects, which the checks read fastest).
const staticGuards = new WeakMap<CompiledRule, Guard[]>();

function guardsOf(r: CompiledRule, values: readonly string[]): Guard[] {
  if (!r.distinct) {
    let guards = staticGuards.get(r);
    if (!guards) staticGuards.set(r, (guards = [guard(r, r.requiresBefore !== undefined, r.maxCalls, undefined)]));
    return guards;
  }
  const distinct = { values, max: r.distinct.max };
  if (r.requiresBefore || r.maxCalls === undefined) {
    // Without a value of its argument the call adds no distinct target: the rule cannot fire.
    return values.length === 0 ? [] : [guard(r, r.requiresBefore !== undefined, r.maxCalls, distinct)];
  }
  // Both bounds and no requiresBefore: each bound refuses on its own once the labels hold, as the
  // counters' own bounds always have (the rule firing, both at once, is covered by either).
  const byCount = guard(r, false, r.maxCalls, undefined);
  return values.length > 0 ? [byCount, guard(r, false, undefined, distinct)] : [byCount];
}

function guard(r: CompiledRule, requiresBefore: boolean, maxCalls: number | undefined, distinct: Guard['distinct']): Guard {
  return { rule: r.name, after: r.after, afterAll: r.afterAll, requiresBefore: requiresBefore || undefined, maxCalls, distinct };
}

const when = (ref: CallRef) => `${ref.tool} at ${new Date(ref.at).toISOString()} (audit id ${ref.id})`;

/**
 * Every rule that applies is checked; a denying rule wins over an approving one, and the first in
 * config order is reported. A rule fires when all of its conditions hold.
 */
export function evaluate(rules: readonly CompiledRule[], state: SessionState, target: Target, labels: readonly string[], values: CallPlan['values'], display: string): Evaluation {
  const out: Evaluation = { deny: undefined, approve: undefined };
  for (const r of rules) {
    if (!r.applies(target, labels)) continue;
    const reasons: string[] = [];
    let trigger: Firing['trigger'];
    let holds = true;
    if (r.after) {
      const seen = r.after.filter((l) => state.labels[l] !== undefined).map((l) => ({ ...state.labels[l]!, label: l }));
      if (seen.length === 0) holds = false;
      else {
        trigger = seen.reduce((a, b) => (b.at < a.at ? b : a));
        reasons.push(`this session read "${trigger.label}" data from ${when(trigger)}`);
      }
    }
    if (holds && r.afterAll) {
      const seen = r.afterAll.map((l) => (state.labels[l] ? { ...state.labels[l], label: l } : undefined));
      if (seen.some((s) => s === undefined)) holds = false;
      else {
        // The call that completed the set is the one to name.
        const last = (seen as Array<CallRef & { label: string }>).reduce((a, b) => (b.at > a.at ? b : a));
        trigger ??= last;
        reasons.push(`this session read ${r.afterAll.map((l) => `"${l}"`).join(' and ')} data (the last from ${when(last)})`);
      }
    }
    if (holds && r.requiresBefore) {
      if (state.seen[r.name] !== undefined) holds = false;
      else reasons.push(`it needs a call of ${r.requiresDescription} earlier in this session`);
    }
    if (r.maxCalls !== undefined) {
      const c = state.counts[r.name];
      if (holds && (c?.n ?? 0) >= r.maxCalls) {
        trigger ??= c?.last;
        reasons.push(c ? `this session already made ${c.n} such calls, the last ${when(c.last)}` : 'the limit is 0 such calls');
      } else holds = false;
    }
    if (r.distinct) {
      const d = state.distinct[r.name];
      const known = d?.values ?? [];
      const fresh = new Set((values.get(r.name) ?? []).filter((v) => !known.includes(v))).size;
      if (holds && fresh > 0 && known.length + fresh > r.distinct.max) {
        trigger ??= d?.last;
        reasons.push(`it would reach more than ${r.distinct.max} distinct values of "${r.distinct.arg}" in this session${d ? `, the last added by ${when(d.last)}` : ''}`);
      } else holds = false;
    }
    if (!holds) continue;
    const firing: Firing = { rule: r.name, reason: `flow rule "${r.name}" ${r.action === 'deny' ? 'refuses' : 'needs approval for'} "${display}": ${reasons.join('; ')}`, trigger };
    if (r.action === 'deny') {
      out.deny ??= firing;
    } else out.approve ??= firing;
  }
  return out;
}
