/**
 * Linear-time discipline for the rule patterns.
 *
 * re2js guarantees linear time but measured ~90× slower than V8's engine on our patterns (0.5 µs per
 * character per pattern), which cannot meet 1,000 tools in 100 ms. So the rules use native RegExp with
 * a checked subset that cannot backtrack catastrophically:
 *   - no unbounded quantifiers (`*`, `+`, `{n,}`): every repetition has a small explicit upper bound,
 *     so the work from one start position is bounded by a constant of the pattern;
 *   - no quantified group (bound > 1) containing another quantifier with bound > 1 (no nesting);
 *   - the product of the large bounds in one pattern stays under BACKTRACK_BUDGET.
 * With the per-field window (options.limits.maxFieldChars) the cost per field is then O(window ×
 * budget) in the worst case and O(window) in practice. `rx` checks this when the module loads, so a
 * pattern that breaks the discipline fails at start-up and in the unit tests, not on hostile input.
 */

const BACKTRACK_BUDGET = 100_000;

/**
 * Throws if `source` uses an unbounded or nested quantifier, or if its backtracking bound is over
 * budget. The bound is estimated recursively: a sequence multiplies the large bounds (> 8) of its
 * quantified atoms, an alternation costs as much as its costliest branch (literal branches fail in
 * a step or two).
 */
export function assertBoundedPattern(source: string): void {
  readPattern(source);
}

/** How far a match of a pattern reaches (see pattern-bounds.ts, which reads the same from the source). */
export interface PatternBounds {
  /** Longest text a match can span. */
  readonly maxLen: number;
  /** Units before a match's start the pattern may read (lookbehinds, and one for `\b`/`^`). */
  readonly behind: number;
  /** Units after the longest match's end the pattern may read (lookaheads, and one for `\b`/`$`). */
  readonly ahead: number;
}

/**
 * The checks of assertBoundedPattern, and on the way the longest match and the lookaround reach
 * (undefined for back-references, nested lookarounds and other constructs whose reach it does not
 * read). Both come from one parse, so a pattern built through rx has its bounds without a second one.
 */
function readPattern(source: string): PatternBounds | undefined {
  let i = 0;
  let unknown = false; // a construct whose length is not read here
  let ahead = 0;
  let behind = 0;
  let inLook = false;
  const fail = (why: string): never => { throw new Error(`unsafe pattern (${why}) at ${i}: /${source}/`); };

  // Returns [cost, containsRepetition, longest match] of an alternation, stopping at ')' or end.
  const parseAlt = (): [number, boolean, number] => {
    let total = 0;
    let rep = false;
    let len = 0;
    for (;;) {
      const [c, r, l] = parseSeq();
      total = Math.max(total, c);
      rep ||= r;
      len = Math.max(len, l);
      if (source[i] === '|') { i++; continue; }
      return [total, rep, len];
    }
  };
  const parseSeq = (): [number, boolean, number] => {
    let cost = 1;
    let rep = false;
    let len = 0;
    while (i < source.length && source[i] !== '|' && source[i] !== ')') {
      let atomCost = 1;
      let atomRep = false;
      let atomLen = 1;
      const c = source[i];
      if (c === '\\') {
        const e = source[i + 1] ?? '';
        i += 2;
        if (e === 'b' || e === 'B') atomLen = 0;
        else if (e === 'x') i += 2;
        else if (e === 'u') i += 4;
        else if (e === 'c') i += 1;
        else if (/[1-9kpP]/.test(e)) unknown = true;
      } else if (c === '[') {
        i++;
        if (source[i] === '^') i++;
        if (source[i] === ']') i++;
        while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
        i++;
      } else if (c === '(') {
        i++;
        // 1: lookahead, 2: lookbehind; their text is read but not matched.
        const look = source[i] !== '?' ? 0 : source[i + 1] === '=' || source[i + 1] === '!' ? 1 : source[i + 1] === '<' && (source[i + 2] === '=' || source[i + 2] === '!') ? 2 : 0;
        if (source[i] === '?') { i++; while (i < source.length && !':=!>'.includes(source[i]!)) i++; i++; }
        if (look !== 0) { if (inLook) unknown = true; inLook = true; }
        [atomCost, atomRep, atomLen] = parseAlt();
        if (look !== 0) {
          inLook = false;
          if (look === 1) ahead = Math.max(ahead, atomLen); else behind = Math.max(behind, atomLen);
          atomLen = 0;
        }
        if (source[i] !== ')') fail('unbalanced group');
        i++;
      } else {
        if (c === '^' || c === '$') atomLen = 0;
        i++;
      }
      // Quantifier?
      let max = 1;
      let quantified = false;
      if (source[i] === '*' || source[i] === '+') fail(`unbounded ${source[i]}`);
      if (source[i] === '?') { quantified = true; i++; }
      else if (source[i] === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i, i + 16));
        if (m) {
          if (m[2] !== undefined && (m[3] === undefined || m[3] === '')) fail('unbounded {n,}');
          max = Number(m[3] ?? m[1]);
          quantified = true;
          i += m[0].length;
        }
      }
      if (quantified && source[i] === '?') i++;
      if (max > 1) {
        if (atomRep) fail('nested quantifier');
        atomRep = true;
        if (max > 8) atomCost *= max;
      }
      cost *= atomCost;
      rep ||= atomRep;
      len += atomLen * max;
      if (cost > BACKTRACK_BUDGET) fail('backtracking bound over budget');
    }
    return [cost, rep, len];
  };
  const [cost, , len] = parseAlt();
  if (i < source.length) fail('unbalanced )');
  if (cost > BACKTRACK_BUDGET) fail('backtracking bound over budget');
  return unknown ? undefined : { maxLen: len, behind: behind + 1, ahead: ahead + 1 };
}

/** Every pattern built through rx, for the unit test that re-checks them. */
export const ALL_PATTERNS: RegExp[] = [];

const RX_BOUNDS = new WeakMap<RegExp, PatternBounds>();

/** Build a checked RegExp (always global, so rules can iterate matches). */
export function rx(source: string, flags = ''): RegExp {
  const bounds = readPattern(source);
  const re = new RegExp(source, flags.includes('g') ? flags : `${flags}g`);
  ALL_PATTERNS.push(re);
  // Bounds count UTF-16 units, which holds only without flags that change what an atom matches.
  if (bounds && re.flags === 'g') RX_BOUNDS.set(re, bounds);
  return re;
}

/** The bounds read when `re` was built through rx (undefined otherwise, or when they could not be read). */
export const rxBounds = (re: RegExp): PatternBounds | undefined => RX_BOUNDS.get(re);

/** A bounded gap of any characters except a line break. */
export const gap = (n: number): string => `[^\\n]{0,${n}}`;

/** `(?:a|b|c)` from a list. */
export const alt = (words: readonly string[]): string => `(?:${words.join('|')})`;
