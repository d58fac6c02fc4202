/**
 * What a session has done, as the flow rules need it: the labels of what it has read (each with the
 * call that first brought it), per-rule counters and distinct targets, the calls that satisfied a
 * `requiresBefore`, and a bounded history. Pure functions over plain JSON, so the memory and SQL
 * stores share them and the Redis scripts mirror them (one contract suite runs all three).
 */

/** One earlier call, as a denial names it. */
export interface CallRef {
  /** The tool, prompt or resource as agents name it (`upstream__tool`). */
  readonly tool: string;
  /** Epoch milliseconds. */
  readonly at: number;
  /** The audit record id of that call. */
  readonly id: string;
}

export interface HistoryEntry extends CallRef {
  labels?: string[];
  /** Hashed values of the argument paths that maxDistinctTargets rules watch. */
  targets?: Record<string, string>;
}

export interface SessionState {
  labels: Record<string, CallRef>;
  counts: Record<string, { n: number; last: CallRef }>;
  distinct: Record<string, { values: string[]; last: CallRef }>;
  seen: Record<string, CallRef>;
  history: HistoryEntry[];
}

/**
 * The conditions of a deny rule a call meets, as data: the store checks them against the session's
 * state in the same atomic step that takes the reservation, so no concurrent call of the session can
 * change the state between the check and the take. It fires when every condition given holds (the
 * same test as `evaluate` in stages/flow/rules.ts, which words the refusal).
 */
export interface Guard {
  readonly rule: string;
  /** The session read something carrying one of these labels. */
  readonly after?: readonly string[] | undefined;
  /** The session read something carrying each of these labels. */
  readonly afterAll?: readonly string[] | undefined;
  /** No call has satisfied the rule's requiresBefore yet. */
  readonly requiresBefore?: true | undefined;
  /** The session already made this many of the rule's calls. */
  readonly maxCalls?: number | undefined;
  /** The call's (hashed) values would take the rule past `max` distinct values. */
  readonly distinct?: { readonly values: readonly string[]; readonly max: number } | undefined;
}

/**
 * Counters a call takes when it passes: all of them or none. The step is refused when a guard fires
 * or a `max` is reached.
 */
export interface Reservation {
  readonly call: CallRef;
  readonly guards?: readonly Guard[];
  readonly counts: ReadonlyArray<{ rule: string; max?: number }>;
  readonly distinct: ReadonlyArray<{ rule: string; values: readonly string[]; max?: number }>;
}

/** What a completed call adds: the labels of what it read, the rules it satisfied, a history line. */
export interface Outcome {
  readonly entry: HistoryEntry;
  readonly seen: readonly string[];
}

export type ReserveResult = { ok: true } | { ok: false; rule: string };

/** Hard caps that keep one session's state small whatever the config says. */
export const HISTORY_MAX = 64;
export const DISTINCT_MAX = 10_000;

export function emptyState(): SessionState {
  return { labels: {}, counts: {}, distinct: {}, seen: {}, history: [] };
}

/** Parse a stored state defensively: a missing or foreign shape reads as empty fields, never a crash. */
export function parseState(text: string | null | undefined): SessionState {
  if (!text) return emptyState();
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return emptyState();
  }
  const o = (v: unknown): Record<string, never> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, never>) : {});
  const r = o(raw);
  // Redis' cjson writes an empty array as {}: accept either.
  const history = (Array.isArray(r.history) ? (r.history as HistoryEntry[]) : []).map((h) => (Array.isArray(h.labels) || h.labels === undefined ? h : { ...h, labels: [] }));
  const distinct: SessionState['distinct'] = {};
  for (const [rule, d] of Object.entries(o(r.distinct) as SessionState['distinct'])) distinct[rule] = { values: Array.isArray(d.values) ? d.values : [], last: d.last };
  return { labels: o(r.labels), counts: o(r.counts), distinct, seen: o(r.seen), history };
}

/** How many of `values` (counted once each) are not among `known`. */
function freshCount(known: readonly string[], values: readonly string[]): number {
  return values.filter((v, i) => !known.includes(v) && values.indexOf(v) === i).length;
}

export function guardFires(s: SessionState, g: Guard): boolean {
  if (g.after && !g.after.some((l) => s.labels[l] !== undefined)) return false;
  if (g.afterAll && !g.afterAll.every((l) => s.labels[l] !== undefined)) return false;
  if (g.requiresBefore && s.seen[g.rule] !== undefined) return false;
  if (g.maxCalls !== undefined && (s.counts[g.rule]?.n ?? 0) < g.maxCalls) return false;
  if (g.distinct) {
    const known = s.distinct[g.rule]?.values ?? [];
    const fresh = freshCount(known, g.distinct.values);
    if (fresh === 0 || known.length + fresh <= g.distinct.max) return false;
  }
  return true;
}

/** Apply a reservation in place when no guard fires and every bounded step fits; otherwise leave the state untouched. */
export function applyReserve(s: SessionState, r: Reservation): ReserveResult {
  for (const g of r.guards ?? []) if (guardFires(s, g)) return { ok: false, rule: g.rule };
  for (const c of r.counts) {
    if (c.max !== undefined && (s.counts[c.rule]?.n ?? 0) >= c.max) return { ok: false, rule: c.rule };
  }
  for (const d of r.distinct) {
    const values = s.distinct[d.rule]?.values ?? [];
    const fresh = freshCount(values, d.values);
    if (d.max !== undefined && fresh > 0 && values.length + fresh > d.max) return { ok: false, rule: d.rule };
  }
  for (const c of r.counts) s.counts[c.rule] = { n: (s.counts[c.rule]?.n ?? 0) + 1, last: r.call };
  for (const d of r.distinct) {
    const cur = s.distinct[d.rule] ?? { values: [], last: r.call };
    for (const v of d.values) if (!cur.values.includes(v) && cur.values.length < DISTINCT_MAX) cur.values.push(v);
    s.distinct[d.rule] = { values: cur.values, last: r.call };
  }
  return { ok: true };
}

/** Whether a reservation takes any counter (one that takes none writes nothing). */
export function takesCounters(r: Reservation): boolean {
  return r.counts.length > 0 || r.distinct.length > 0;
}

/** Labels and `requiresBefore` marks keep the first call that set them; history keeps the newest calls. */
export function applyRecord(s: SessionState, o: Outcome): void {
  const ref: CallRef = { tool: o.entry.tool, at: o.entry.at, id: o.entry.id };
  for (const l of o.entry.labels ?? []) s.labels[l] ??= ref;
  for (const rule of o.seen) s.seen[rule] ??= ref;
  s.history.push(o.entry);
  if (s.history.length > HISTORY_MAX) s.history.splice(0, s.history.length - HISTORY_MAX);
}
