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

/** Counters a call takes when it passes: all of them or none. A `max` makes the step conditional. */
export interface Reservation {
  readonly call: CallRef;
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

/** Apply a reservation in place when every bounded step fits; otherwise leave the state untouched. */
export function applyReserve(s: SessionState, r: Reservation): ReserveResult {
  for (const c of r.counts) {
    if (c.max !== undefined && (s.counts[c.rule]?.n ?? 0) >= c.max) return { ok: false, rule: c.rule };
  }
  for (const d of r.distinct) {
    const values = s.distinct[d.rule]?.values ?? [];
    const fresh = d.values.filter((v, i) => !values.includes(v) && d.values.indexOf(v) === i).length;
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

/** Labels and `requiresBefore` marks keep the first call that set them; history keeps the newest calls. */
export function applyRecord(s: SessionState, o: Outcome): void {
  const ref: CallRef = { tool: o.entry.tool, at: o.entry.at, id: o.entry.id };
  for (const l of o.entry.labels ?? []) s.labels[l] ??= ref;
  for (const rule of o.seen) s.seen[rule] ??= ref;
  s.history.push(o.entry);
  if (s.history.length > HISTORY_MAX) s.history.splice(0, s.history.length - HISTORY_MAX);
}
