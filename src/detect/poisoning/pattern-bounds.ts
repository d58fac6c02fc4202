/**
 * Static facts about a rule pattern, read from its source, that let the engine search only near the
 * rule's hints instead of the whole field:
 *   - `patternBounds`: the longest text a match can span, and how far before its start and after its
 *     end the pattern can look (lookarounds, `\b`). Every quantifier of a rule pattern is bounded
 *     (safe-regex.ts), so these are finite; a construct this parser does not know makes it answer
 *     `undefined`, and the engine then searches the whole field as before.
 *   - `hintsCover`: whether every string the pattern can match contains one of the rule's hints. The
 *     engine's hint pass relies on this; a unit test proves it for every rule with this function.
 * With both, a match that contains a hint occurrence ending at `e` starts in [e − maxLen, e − |hint|],
 * and whether the pattern matches at a start depends only on the text from `behind` characters before
 * it to `maxLen + ahead` characters after it. Only patterns with the flags `rx` gives (`g`) qualify:
 * without `u`, `i`, `m` or `s` every atom reads exactly one UTF-16 unit.
 *
 * rx (safe-regex.ts) reads the same bounds while it checks a pattern at load, so the engine takes them
 * from there; this independent reading is for other patterns and for the test that compares the two.
 */
import type { PatternBounds } from './safe-regex.js';

export type { PatternBounds };

type Node =
  | { readonly t: 'char'; readonly set: readonly string[] | undefined } // one code unit; its possible values when few
  | { readonly t: 'assert' } // \b, \B, ^, $: zero width, look at most one unit either side
  | { readonly t: 'look'; readonly behind: boolean; readonly body: Node } // lookahead / lookbehind
  | { readonly t: 'seq'; readonly items: readonly Node[] }
  | { readonly t: 'alt'; readonly branches: readonly Node[] }
  | { readonly t: 'rep'; readonly body: Node; readonly min: number; readonly max: number };

/** Classes with more members than this are kept as "any one unit" (enough for `[sz]`, `[,:]`, `[\n.!?:>(]`). */
const MAX_CLASS_MEMBERS = 16;

class Unsupported extends Error {}

function parse(source: string): Node {
  let i = 0;
  const fail = (): never => { throw new Unsupported(source); };

  /** The escape whose letter is at `i` (just after the backslash); leaves `i` after it. */
  const escapeUnit = (): string | undefined => {
    const u = escapeAt(source[i]!);
    i++;
    return u;
  };
  // The escapes that stand for one known unit; `undefined` for character-class escapes (\d, \s, …).
  const escapeAt = (c: string): string | undefined => {
    if (c === 'n') return '\n';
    if (c === 't') return '\t';
    if (c === 'r') return '\r';
    if (c === 'f') return '\f';
    if (c === 'v') return '\v';
    if (c === 'x') { const h = /^[0-9a-fA-F]{2}/.exec(source.slice(i + 1, i + 3)); if (!h) fail(); i += 2; return String.fromCharCode(parseInt(h![0], 16)); }
    if (c === 'u') { const h = /^[0-9a-fA-F]{4}/.exec(source.slice(i + 1, i + 5)); if (!h) fail(); i += 4; return String.fromCharCode(parseInt(h![0], 16)); }
    if (/[dDwWsS]/.test(c)) return undefined;
    // Back-references, \k, \p, \c and \0 are not used by rule patterns: refuse rather than guess.
    if (/[0-9kpPc]/.test(c)) fail();
    return c; // identity escape: \. \( \\ \/ …
  };

  const parseClass = (): Node => {
    i++; // [
    const negated = source[i] === '^';
    if (negated) i++;
    const members: string[] = [];
    let open = negated; // "any unit" once a member is not a short explicit list
    // In JavaScript (unlike POSIX) a `]` right after `[` or `[^` closes the class: `[]` matches nothing.
    while (i < source.length && source[i] !== ']') {
      let lo: string | undefined;
      if (source[i] === '\\') { i++; lo = escapeUnit(); } else { lo = source[i]; i++; }
      if (lo === undefined) { open = true; continue; }
      if (source[i] === '-' && source[i + 1] !== ']' && i + 1 < source.length) {
        i++;
        let hi: string | undefined;
        if (source[i] === '\\') { i++; hi = escapeUnit(); } else { hi = source[i]; i++; }
        if (hi === undefined) fail();
        const a = lo.charCodeAt(0);
        const b = hi!.charCodeAt(0);
        if (b - a + 1 + members.length > MAX_CLASS_MEMBERS) open = true;
        else for (let c = a; c <= b; c++) members.push(String.fromCharCode(c));
        continue;
      }
      members.push(lo);
    }
    if (source[i] !== ']') fail();
    i++;
    return { t: 'char', set: open || members.length > MAX_CLASS_MEMBERS ? undefined : [...new Set(members)] };
  };

  const parseAlt = (): Node => {
    const branches: Node[] = [parseSeq()];
    while (source[i] === '|') { i++; branches.push(parseSeq()); }
    return branches.length === 1 ? branches[0]! : { t: 'alt', branches };
  };

  const parseSeq = (): Node => {
    const items: Node[] = [];
    while (i < source.length && source[i] !== '|' && source[i] !== ')') {
      let atom: Node;
      const c = source[i]!;
      if (c === '\\') {
        const e = source[i + 1]!;
        if (e === 'b' || e === 'B') { atom = { t: 'assert' }; i += 2; }
        else { i++; const u = escapeUnit(); atom = { t: 'char', set: u === undefined ? undefined : [u] }; }
      } else if (c === '[') atom = parseClass();
      else if (c === '(') {
        i++;
        let look: 'ahead' | 'behind' | undefined;
        if (source[i] === '?') {
          const k = source.slice(i, i + 3);
          if (k.startsWith('?:')) i += 2;
          else if (k.startsWith('?=') || k.startsWith('?!')) { look = 'ahead'; i += 2; }
          else if (k === '?<=' || k === '?<!') { look = 'behind'; i += 3; }
          else if (k.startsWith('?<')) { const close = source.indexOf('>', i); if (close < 0) fail(); i = close + 1; }
          else fail();
        }
        const body = parseAlt();
        if (source[i] !== ')') fail();
        i++;
        atom = look ? { t: 'look', behind: look === 'behind', body } : body;
      } else if (c === '^' || c === '$') { atom = { t: 'assert' }; i++; }
      else if (c === '.') { atom = { t: 'char', set: undefined }; i++; }
      else if (c === '*' || c === '+' || c === '?') return fail();
      else { atom = { t: 'char', set: [c] }; i++; }
      // Quantifier.
      let min = 1;
      let max = 1;
      if (source[i] === '*' || source[i] === '+') fail();
      else if (source[i] === '?') { min = 0; i++; }
      else if (source[i] === '{') {
        const q = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i, i + 24));
        if (q) {
          if (q[2] !== undefined && (q[3] === undefined || q[3] === '')) fail();
          min = Number(q[1]);
          max = q[2] === undefined ? min : Number(q[3]);
          i += q[0].length;
        }
      }
      if ((min !== 1 || max !== 1) && source[i] === '?') i++; // lazy: same strings, other order
      items.push(min === 1 && max === 1 ? atom : { t: 'rep', body: atom, min, max });
    }
    return items.length === 1 ? items[0]! : { t: 'seq', items };
  };

  const root = parseAlt();
  if (i !== source.length) fail();
  return root;
}

/** Longest match of a node, not counting what lookarounds read. */
function maxLen(n: Node): number {
  switch (n.t) {
    case 'char': return 1;
    case 'assert': case 'look': return 0;
    case 'seq': return n.items.reduce((a, x) => a + maxLen(x), 0);
    case 'alt': return Math.max(...n.branches.map(maxLen));
    case 'rep': return n.max * maxLen(n.body);
  }
}

/** The largest lookahead and lookbehind body in a node (nested lookarounds are refused). */
function lookReach(n: Node, inLook = false): { ahead: number; behind: number } {
  switch (n.t) {
    case 'char': case 'assert': return { ahead: 0, behind: 0 };
    case 'look': {
      if (inLook) throw new Unsupported('nested lookaround');
      lookReach(n.body, true);
      const len = maxLen(n.body);
      return n.behind ? { ahead: 0, behind: len } : { ahead: len, behind: 0 };
    }
    case 'seq': case 'alt': {
      const parts = (n.t === 'seq' ? n.items : n.branches).map((x) => lookReach(x, inLook));
      return { ahead: Math.max(0, ...parts.map((p) => p.ahead)), behind: Math.max(0, ...parts.map((p) => p.behind)) };
    }
    case 'rep': return lookReach(n.body, inLook);
  }
}

/** The bounds of `re`, or undefined when they cannot be read from its source (then search everything). */
export function patternBounds(re: RegExp): PatternBounds | undefined {
  if (re.flags !== 'g') return undefined;
  try {
    const root = parse(re.source);
    const reach = lookReach(root);
    const len = maxLen(root);
    if (!Number.isFinite(len)) return undefined;
    // A lookahead sits at most at the match's end; a lookbehind at least at its start.
    return { maxLen: len, behind: reach.behind + 1, ahead: reach.ahead + 1 };
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
}

/** Cap on the strings expanded per node while proving hints (beyond it a node counts as "any text"). */
const MAX_STRINGS = 20_000;

/** Every string the node can match, when there are few enough of them; undefined otherwise. */
function strings(n: Node): readonly string[] | undefined {
  switch (n.t) {
    case 'char': return n.set;
    case 'assert': case 'look': return [''];
    case 'seq': {
      let acc: string[] = [''];
      for (const item of n.items) {
        const s = strings(item);
        if (!s || acc.length * s.length > MAX_STRINGS) return undefined;
        const next: string[] = [];
        for (const a of acc) for (const b of s) next.push(a + b);
        acc = next;
      }
      return [...new Set(acc)];
    }
    case 'alt': {
      const out = new Set<string>();
      for (const b of n.branches) {
        const s = strings(b);
        if (!s) return undefined;
        for (const x of s) out.add(x);
        if (out.size > MAX_STRINGS) return undefined;
      }
      return [...out];
    }
    case 'rep': {
      const body = strings(n.body);
      if (!body) return undefined;
      const out = new Set<string>(n.min === 0 ? [''] : []);
      let layer: string[] = [''];
      for (let k = 1; k <= n.max; k++) {
        if (layer.length * body.length > MAX_STRINGS) return undefined;
        const next: string[] = [];
        for (const a of layer) for (const b of body) next.push(a + b);
        layer = [...new Set(next)];
        if (k >= n.min) for (const x of layer) out.add(x);
        if (out.size > MAX_STRINGS) return undefined;
      }
      return [...out];
    }
  }
}

/**
 * True when every string `n` can match contains one of `hints`. A sequence is covered when one of its
 * items is, or when a run of adjacent items with few enough strings is covered as a whole (a hint that
 * spans items, such as "n't" in `(?:do|does)n't`); an alternation when all its branches are. What a
 * lookaround reads is not part of the match, so it never covers. `false` means "not proven".
 */
function covers(n: Node, hints: readonly string[]): boolean {
  const all = (ss: readonly string[]): boolean => ss.every((s) => hints.some((h) => s.includes(h)));
  const direct = strings(n);
  if (direct) return all(direct);
  switch (n.t) {
    case 'char': case 'assert': case 'look': return false;
    case 'alt': return n.branches.every((b) => covers(b, hints));
    case 'rep': return n.min >= 1 && covers(n.body, hints);
    case 'seq': {
      if (n.items.some((x) => covers(x, hints))) return true;
      // Runs of adjacent items that each have few strings, taken whole.
      for (let a = 0; a < n.items.length; a++) {
        for (let b = a + 2; b <= n.items.length; b++) {
          const run = strings({ t: 'seq', items: n.items.slice(a, b) });
          if (!run) break;
          if (all(run)) return true;
        }
      }
      return false;
    }
  }
}

/** Whether every match of `re` provably contains one of `hints` (false also when the source cannot be read). */
export function hintsCover(re: RegExp, hints: readonly string[]): boolean {
  try {
    return covers(parse(re.source), hints);
  } catch (e) {
    if (e instanceof Unsupported) return false;
    throw e;
  }
}
