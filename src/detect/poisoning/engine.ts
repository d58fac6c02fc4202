/**
 * The small rule engine: pattern rules run over the folded view of one field and report at most one
 * finding per rule per field (the first match their check accepts). Pure functions; no state.
 */
import type { Family, Finding, ItemKind, Severity } from './types.js';
import type { Field, FieldKind } from './walk.js';
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
   * costs nothing. A unit test re-checks each hint list against every match on the eval data.
   */
  readonly hints?: readonly string[];
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
  /** Rules without hints: always candidates. */
  readonly always: readonly number[];
}
const indexes = new WeakMap<readonly PatternRule[], HintIndex>();

function hintIndex(rules: readonly PatternRule[]): HintIndex {
  const hit = indexes.get(rules);
  if (hit) return hit;
  // Trie.
  const next: Map<number, number>[] = [new Map()];
  const outSets: Set<number>[] = [new Set()];
  rules.forEach((r, ri) => {
    for (const h of r.hints ?? []) {
      let st = 0;
      for (let k = 0; k < h.length; k++) {
        const c = h.charCodeAt(k);
        let to = next[st]!.get(c);
        if (to === undefined) { to = next.length; next.push(new Map()); outSets.push(new Set()); next[st]!.set(c, to); }
        st = to;
      }
      outSets[st]!.add(ri);
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
      for (const x of outSets[fail[to]!]!) outSets[to]!.add(x);
    }
    if (st !== 0) for (const c of asciiUsed) delta[st * columns + column[c]!] = next[st]!.get(c) ?? delta[fail[st]! * columns + column[c]!]!;
  }
  const wide = next.map((m) => { const w = new Map([...m].filter(([c]) => c >= 128)); return w.size > 0 ? w : undefined; });
  const out = outSets.map((x) => [...x]);
  const emits = Uint8Array.from(out, (o) => (o.length > 0 ? 1 : 0));
  const always = rules.flatMap((r, i) => (r.hints ? [] : [i]));
  const idx = { column, columns, delta, wide, fail, emits, out, always };
  indexes.set(rules, idx);
  return idx;
}

/** Indexes of the rules whose hints occur in `text`, in rule order. */
export function candidateRules(rules: readonly PatternRule[], text: string): number[] {
  const idx = hintIndex(rules);
  const on = new Uint8Array(rules.length);
  for (const i of idx.always) on[i] = 1;
  const { column, columns, delta, wide, fail, emits, out } = idx;
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
      for (let k = 0; k < o.length; k++) on[o[k]!] = 1;
    }
  }
  const res: number[] = [];
  for (let i = 0; i < on.length; i++) if (on[i] === 1) res.push(i);
  return res;
}

export function runPatterns(rules: readonly PatternRule[], fc: FieldCtx, sink: Sink): void {
  const text = fc.view.text;
  // Eight characters cannot carry an instruction; names and property names get only the rules that ask for them.
  if (text.length < 8) return;
  const kind = fc.field.kind;
  for (const ri of candidateRules(rules, text)) {
    const rule = rules[ri]!;
    if (rule.kinds ? !rule.kinds.includes(kind) : kind === 'name' || kind === 'key') continue;
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
