/**
 * Flow rules, compiled once per config and evaluated as data against a session's state: which rules
 * a call meets, whether one of them refuses it or asks for approval (and which earlier call made it
 * so), and which per-rule counters the call takes if it goes ahead.
 */
import { createHash } from 'node:crypto';
import type { CallSelector, Config, FlowRule } from '../../config/schema.js';
import type { Target } from '../../pipeline/types.js';
import { globToRegExpSource } from '../../policy/glob.js';
import type { CallRef, Reservation, SessionState } from '../../state/session-state.js';

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
  reservation: Pick<Reservation, 'counts' | 'distinct'>;
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

const when = (ref: CallRef) => `${ref.tool} at ${new Date(ref.at).toISOString()} (audit id ${ref.id})`;

/**
 * Every rule that applies is checked; a denying rule wins over an approving one, and the first in
 * config order is reported. A rule fires when all of its conditions hold.
 */
export function evaluate(rules: readonly CompiledRule[], state: SessionState, target: Target, labels: readonly string[], args: unknown, display: string): Evaluation {
  const out: Evaluation = { deny: undefined, approve: undefined, reservation: { counts: [], distinct: [] } };
  const counts: Array<{ rule: string; max?: number }> = [];
  const distinct: Array<{ rule: string; values: string[]; max?: number }> = [];
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
    // Bounds apply to the calls the other conditions select; only then may they refuse.
    const bounded = holds;
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
      counts.push(bounded && r.action === 'deny' && !r.requiresBefore ? { rule: r.name, max: r.maxCalls } : { rule: r.name });
    }
    if (r.distinct) {
      const values = targetValues(args, r.distinct.path);
      const d = state.distinct[r.name];
      const known = d?.values ?? [];
      const fresh = new Set(values.filter((v) => !known.includes(v))).size;
      if (holds && fresh > 0 && known.length + fresh > r.distinct.max) {
        trigger ??= d?.last;
        reasons.push(`it would reach more than ${r.distinct.max} distinct values of "${r.distinct.arg}" in this session${d ? `, the last added by ${when(d.last)}` : ''}`);
      } else holds = false;
      if (values.length > 0) distinct.push(bounded && r.action === 'deny' && !r.requiresBefore ? { rule: r.name, values, max: r.distinct.max } : { rule: r.name, values });
    }
    if (!holds) continue;
    const firing: Firing = { rule: r.name, reason: `flow rule "${r.name}" ${r.action === 'deny' ? 'refuses' : 'needs approval for'} "${display}": ${reasons.join('; ')}`, trigger };
    if (r.action === 'deny') {
      out.deny ??= firing;
    } else out.approve ??= firing;
  }
  out.reservation = { counts, distinct };
  return out;
}
