/**
 * The small rule engine: pattern rules run over the folded view of one field and report at most one
 * finding per rule per field (the first match their check accepts). Pure functions; no state.
 */
import type { Family, Finding, ItemKind, Severity } from './types.js';
import type { Field, FieldKind } from './walk.js';
import { patternBounds, type PatternBounds } from './pattern-bounds.js';
import { rxBounds } from './safe-regex.js';
import { showExcerpt, toSpan, type View } from './unicode.js';

export interface ItemCtx {
  readonly kind: ItemKind;
  readonly name: string;
  readonly server: string | undefined;
  /** Lower-cased names of the other tools of the same server. */
  readonly siblings: ReadonlySet<string>;
  /** Lower-cased names of other servers' tools → a server that has it. */
  readonly foreign: ReadonlyMap<string, string>;
  /** Lower-cased names of this item's own parameters (they are not references to other tools). */
  readonly params: ReadonlySet<string>;
}

export interface FieldCtx {
  readonly field: Field;
  readonly view: View;
  readonly item: ItemCtx;
}

export interface PatternRule {
  readonly id: string;
  readonly family: Family;
  readonly severity: Severity;
  readonly explain: string;
  readonly re: RegExp;
  /** Severity to report for this match, or null to discard it (e.g. negated, or a benign object). */
  readonly check?: (m: RegExpExecArray, fc: FieldCtx) => Severity | null;
  /** Only run on these field kinds (default: all except names and property names). */
  readonly kinds?: readonly FieldKind[];
  /**
   * Literal substrings of the folded text of which at least one occurs in every match (a necessary
   * condition). All hints of a rule list are found in one pass, so a rule whose hints are absent
   * costs nothing. A unit test proves from the pattern that every match contains one of them (see
   * pattern-bounds.ts); the engine then searches only the text near the hints it found.
   */
  readonly hints?: readonly string[];
  /**
   * Set on a rule whose pattern can match text that holds none of its hints (the unit test checks
   * this flag both ways). Such a rule still runs only when a hint occurs, as before, but then it is
   * searched over the whole field rather than near the hints.
   */
  readonly hintsIncomplete?: true;
}

export type Sink = (f: Finding) => void;

const MAX_MATCHES_PER_RULE = 6;

export function makeFinding(rule: { id: string; family: Family; explain: string }, severity: Severity, field: Field, span: [number, number]): Finding {
  return {
    ruleId: rule.id,
    family: rule.family,
    severity,
    path: field.path,
    span,
    evidence: showExcerpt(field.text, span[0], span[1]),
    explanation: rule.explain,
  };
}

/**
 * All hints of a rule list in one Aho–Corasick automaton: one pass over the text, a table lookup per
 * ASCII character (a sparse map for others), whatever the number of hints. Built once per rule list.
 * The ASCII table is indexed by character class, not by character: only the ~40 characters that occur
 * in some hint get a column (all others send every state back to the root), which keeps the table
 * small enough (states × classes × 2 bytes, ~130 KB) to stay in cache; a 128-column Int32 table did not.
 */
interface HintIndex {
  /** Column of each ASCII character in `delta` (0: occurs in no hint). */
  readonly column: Uint8Array;
  readonly columns: number;
  /** delta[state * columns + column]: the next state (failure links already folded in). */
  readonly delta: Uint16Array | Int32Array;
  /** Non-ASCII transitions of the trie, followed with failure links at run time. */
  readonly wide: readonly (Map<number, number> | undefined)[];
  readonly fail: Int32Array;
  /** 1 for states that unlock a rule (most do not; the scan checks this flag before `out`). */
  readonly emits: Uint8Array;
  /** Rule indexes unlocked when a state is reached (its own hints and those of its failure chain). */
  readonly out: readonly (readonly number[])[];
  /** Parallel to `out`: the length of the shortest hint of that rule that ends at this state. */
  readonly outLen: readonly (readonly number[])[];
  /** Rules without hints: always candidates. */
  readonly always: readonly number[];
  /** Per rule: how far its matches reach, when it is searched near its hints only (else undefined). */
  readonly bounds: readonly (PatternBounds | undefined)[];
  /** The result of the last pass (see HintHits), reused so that a pass allocates nothing. */
  readonly hits: HintHits;
}

/**
 * What one pass found: which rules are candidates and, for the rules searched near their hints, the
 * hint occurrences in text order as one linked list per rule (end offset and hint length).
 */
interface HintHits {
  readonly on: Uint8Array;
  /** The candidate rules in the order their hints were first seen (nTouched of them): what to visit and clear. */
  readonly touched: Int32Array;
  nTouched: number;
  readonly head: Int32Array;
  readonly tail: Int32Array;
  end: Int32Array;
  len: Int32Array;
  next: Int32Array;
  count: number;
}

const indexes = new WeakMap<object, HintIndex>();

let lastRules: readonly PatternRule[] | undefined;
let lastIndex: HintIndex | undefined;
function hintIndex(rules: readonly PatternRule[]): HintIndex {
  // The scanner passes the same list for every field: skip the WeakMap lookup then.
  if (rules === lastRules && lastIndex) return lastIndex;
  lastRules = rules;
  lastIndex = indexes.get(rules) ?? buildIndex(rules, rules.map((r) => r.hints), rules.map((r) => (r.hints && !r.hintsIncomplete ? rxBounds(r.re) ?? patternBounds(r.re) : undefined)));
  return lastIndex;
}

/** The index of `hintLists` (one per rule: undefined for a rule without hints), stored under `key`. */
function buildIndex(key: object, hintLists: readonly (readonly string[] | undefined)[], bounds: readonly (PatternBounds | undefined)[]): HintIndex {
  // Trie; for each state, the rules whose hint ends there with that hint's length.
  const next: Map<number, number>[] = [new Map()];
  const outLens: Map<number, number>[] = [new Map()];
  const addOut = (st: number, ri: number, len: number): void => {
    const old = outLens[st]!.get(ri);
    if (old === undefined || len < old) outLens[st]!.set(ri, len);
  };
  hintLists.forEach((hints, ri) => {
    for (const h of hints ?? []) {
      let st = 0;
      for (let k = 0; k < h.length; k++) {
        const c = h.charCodeAt(k);
        let to = next[st]!.get(c);
        if (to === undefined) { to = next.length; next.push(new Map()); outLens.push(new Map()); next[st]!.set(c, to); }
        st = to;
      }
      addOut(st, ri, h.length);
    }
  });
  // Columns: one per ASCII character used by a hint, column 0 for every other character.
  const column = new Uint8Array(128);
  const asciiUsed: number[] = [];
  for (const m of next) for (const c of m.keys()) if (c < 128 && column[c] === 0) { asciiUsed.push(c); column[c] = asciiUsed.length; }
  const columns = asciiUsed.length + 1;
  // Failure links (BFS) and the ASCII transition table.
  const n = next.length;
  const fail = new Int32Array(n);
  const delta = n <= 0xffff ? new Uint16Array(n * columns) : new Int32Array(n * columns);
  const order: number[] = [0];
  for (const c of asciiUsed) delta[column[c]!] = next[0]!.get(c) ?? 0;
  for (let qi = 0; qi < order.length; qi++) {
    const st = order[qi]!;
    for (const [c, to] of next[st]!) {
      order.push(to);
      if (st !== 0) {
        let f = fail[st]!;
        while (f !== 0 && !next[f]!.has(c)) f = fail[f]!;
        const g = next[f]!.get(c);
        fail[to] = g !== undefined && g !== to ? g : 0;
      }
      for (const [ri, len] of outLens[fail[to]!]!) addOut(to, ri, len);
    }
    if (st !== 0) for (const c of asciiUsed) delta[st * columns + column[c]!] = next[st]!.get(c) ?? delta[fail[st]! * columns + column[c]!]!;
  }
  const wide = next.map((m) => { const w = new Map([...m].filter(([c]) => c >= 128)); return w.size > 0 ? w : undefined; });
  const out = outLens.map((x) => [...x.keys()]);
  const outLen = outLens.map((x) => [...x.values()]);
  const emits = Uint8Array.from(out, (o) => (o.length > 0 ? 1 : 0));
  const always = hintLists.flatMap((h, i) => (h ? [] : [i]));
  const count = hintLists.length;
  const cap = 64;
  const hits: HintHits = {
    on: new Uint8Array(count), touched: new Int32Array(count), nTouched: 0, head: new Int32Array(count).fill(-1), tail: new Int32Array(count),
    end: new Int32Array(cap), len: new Int32Array(cap), next: new Int32Array(cap), count: 0,
  };
  const idx = { column, columns, delta, wide, fail, emits, out, outLen, always, bounds, hits };
  indexes.set(key, idx);
  return idx;
}

/** Room for one more occurrence (the lists only grow; a long field with many hints is rare). */
function grow(h: HintHits): void {
  const size = h.end.length * 2;
  const copy = (a: Int32Array): Int32Array => { const b = new Int32Array(size); b.set(a); return b; };
  h.end = copy(h.end);
  h.len = copy(h.len);
  h.next = copy(h.next);
}

/**
 * One pass of the automaton over `text`: marks the candidate rules in `hits.on` and, for the rules
 * with bounds, lists where their hints end. The caller must hand the result back with `clearHits`.
 */
function findHints(idx: HintIndex, text: string): HintHits {
  const { column, columns, delta, wide, fail, emits, out, outLen, bounds, hits } = idx;
  const { on, touched } = hits;
  for (let k = 0; k < idx.always.length; k++) { const ri = idx.always[k]!; if (on[ri] === 0) { on[ri] = 1; touched[hits.nTouched++] = ri; } }
  let st = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 128) st = delta[st * columns + column[c]!]!;
    else {
      for (;;) {
        const to = wide[st]?.get(c);
        if (to !== undefined) { st = to; break; }
        if (st === 0) break;
        st = fail[st]!;
      }
    }
    if (emits[st] === 1) {
      const o = out[st]!;
      const ol = outLen[st]!;
      for (let k = 0; k < o.length; k++) {
        const ri = o[k]!;
        if (on[ri] === 0) { on[ri] = 1; touched[hits.nTouched++] = ri; }
        if (bounds[ri] === undefined) continue;
        if (hits.count === hits.end.length) grow(hits);
        const j = hits.count++;
        hits.end[j] = i + 1;
        hits.len[j] = ol[k]!;
        hits.next[j] = -1;
        if (hits.head[ri]! < 0) hits.head[ri] = j; else hits.next[hits.tail[ri]!] = j;
        hits.tail[ri] = j;
      }
    }
  }
  return hits;
}

function clearHits(hits: HintHits): void {
  for (let k = 0; k < hits.nTouched; k++) { const ri = hits.touched[k]!; hits.on[ri] = 0; hits.head[ri] = -1; }
  hits.nTouched = 0;
  hits.count = 0;
}

/** The touched rules in rule order (few: an insertion sort in place). */
function sortTouched(hits: HintHits): void {
  const t = hits.touched;
  for (let i = 1; i < hits.nTouched; i++) {
    const v = t[i]!;
    let j = i - 1;
    while (j >= 0 && t[j]! > v) { t[j + 1] = t[j]!; j--; }
    t[j + 1] = v;
  }
}

/**
 * Which of `lists` (at most 31) have a string that occurs in `text`, as bits (bit i: lists[i]): the
 * same one-pass automaton as the rules' hints, built once per `lists` array. For literal gates that
 * would otherwise each take a pass over the text.
 */
export function literalsIn(lists: readonly (readonly string[])[], text: string): number {
  const idx = indexes.get(lists) ?? buildIndex(lists, lists, lists.map(() => undefined));
  const hits = findHints(idx, text);
  let bits = 0;
  for (let k = 0; k < hits.nTouched; k++) bits |= 1 << hits.touched[k]!;
  clearHits(hits);
  return bits;
}

/** Indexes of the rules whose hints occur in `text`, in rule order. */
export function candidateRules(rules: readonly PatternRule[], text: string): number[] {
  const hits = findHints(hintIndex(rules), text);
  sortTouched(hits);
  const res = Array.from(hits.touched.subarray(0, hits.nTouched));
  clearHits(hits);
  return res;
}

/** The rule's matches as a global exec loop from the start of the text finds them, until `check` accepts one. */
function searchAll(rule: PatternRule, fc: FieldCtx, sink: Sink): void {
  const text = fc.view.text;
  const re = rule.re;
  re.lastIndex = 0;
  for (let k = 0; k < MAX_MATCHES_PER_RULE; k++) {
    const m = re.exec(text);
    if (m === null) break;
    if (m[0].length === 0) re.lastIndex++;
    const sev = rule.check ? rule.check(m, fc) : rule.severity;
    if (sev !== null) {
      sink(makeFinding(rule, sev, fc.field, toSpan(fc.view, m.index, m.index + m[0].length)));
      break;
    }
  }
}

/**
 * The same matches, in the same order, as searchAll, reading only the text near the rule's hints.
 * Every match contains a hint occurrence (proven per rule by a unit test) and is at most
 * `bounds.maxLen` long, so a match around an occurrence ending at `e` starts in [e − maxLen, e − len].
 * Those start windows (merged when close) are searched in order in a slice that holds everything
 * the pattern can read from them (`behind` before, `maxLen + ahead` after), so each start gives the
 * result it gives in the whole text; and no match can start outside a window. The global loop's
 * cursor carries over from window to window, so overlapping matches are skipped as in searchAll.
 */
function searchNear(rule: PatternRule, b: PatternBounds, hits: HintHits, first: number, fc: FieldCtx, sink: Sink): void {
  const text = fc.view.text;
  const n = text.length;
  const re = rule.re;
  const L = b.maxLen;
  let cursor = 0;
  let attempts = 0;
  let o = first;
  while (o >= 0) {
    let lo = hits.end[o]! - L;
    let hi = hits.end[o]! - hits.len[o]!;
    o = hits.next[o]!;
    // Occurrences come in text order; join those whose windows start within reach of this one.
    while (o >= 0 && hits.end[o]! - L <= hi + L) {
      const h = hits.end[o]! - hits.len[o]!;
      if (h > hi) hi = h;
      o = hits.next[o]!;
    }
    if (lo < cursor) lo = cursor;
    if (hi < lo) continue;
    const from = Math.max(0, lo - b.behind);
    const to = Math.min(n, hi + L + b.ahead);
    const s = from === 0 && to === n ? text : text.slice(from, to);
    re.lastIndex = lo - from;
    for (;;) {
      const m = re.exec(s);
      if (m === null) break;
      const at = m.index + from;
      if (at > hi) break;
      if (m[0].length === 0) re.lastIndex++;
      m.index = at;
      const sev = rule.check ? rule.check(m, fc) : rule.severity;
      if (sev !== null) {
        sink(makeFinding(rule, sev, fc.field, toSpan(fc.view, at, at + m[0].length)));
        return;
      }
      if (++attempts === MAX_MATCHES_PER_RULE) return;
      cursor = re.lastIndex + from;
      if (cursor > hi) break;
    }
  }
}

export function runPatterns(rules: readonly PatternRule[], fc: FieldCtx, sink: Sink): void {
  const text = fc.view.text;
  // Eight characters cannot carry an instruction; names and property names get only the rules that ask for them.
  if (text.length < 8) return;
  const kind = fc.field.kind;
  const idx = hintIndex(rules);
  const hits = findHints(idx, text);
  if (hits.nTouched === 0) return;
  try {
    sortTouched(hits);
    for (let k = 0; k < hits.nTouched; k++) {
      const ri = hits.touched[k]!;
      const rule = rules[ri]!;
      if (rule.kinds ? !rule.kinds.includes(kind) : kind === 'name' || kind === 'key') continue;
      const b = idx.bounds[ri];
      if (b === undefined) searchAll(rule, fc, sink);
      else searchNear(rule, b, hits, hits.head[ri]!, fc, sink);
    }
  } finally {
    clearHits(hits);
  }
}

const NEGATION = /\b(?:not|never|no|don't|dont|doesn't|won't|isn't|aren't|without|nor|cannot|can't)\b/;

/** True when one of the `window` characters before `at` negates what follows ("does not send …"). */
export function negatedBefore(text: string, at: number, window = 24): boolean {
  return NEGATION.test(text.slice(Math.max(0, at - window), at));
}

/** The text after a match, up to `n` characters, stopping at a paragraph break. */
export function after(text: string, m: RegExpExecArray, n: number): string {
  const end = m.index + m[0].length;
  const s = text.slice(end, end + n);
  const nl = s.indexOf('\n');
  return nl >= 0 ? s.slice(0, nl) : s;
}

/** The sentence-ish neighbourhood of a match: up to `n` characters each side within the line. */
export function around(text: string, m: RegExpExecArray, n: number): string {
  let a = Math.max(0, m.index - n);
  const nlBefore = text.lastIndexOf('\n', m.index);
  if (nlBefore >= a) a = nlBefore + 1;
  const end = m.index + m[0].length;
  let b = Math.min(text.length, end + n);
  const nlAfter = text.indexOf('\n', end);
  if (nlAfter >= 0 && nlAfter < b) b = nlAfter;
  return text.slice(a, b);
}
