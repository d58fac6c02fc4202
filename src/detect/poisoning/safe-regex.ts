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
  let i = 0;
  const fail = (why: string): never => { throw new Error(`unsafe pattern (${why}) at ${i}: /${source}/`); };

  // Returns [cost, containsRepetition] of an alternation, stopping at ')' or end.
  const parseAlt = (): [number, boolean] => {
    let total = 0;
    let rep = false;
    for (;;) {
      const [c, r] = parseSeq();
      total = Math.max(total, c);
      rep ||= r;
      if (source[i] === '|') { i++; continue; }
      return [total, rep];
    }
  };
  const parseSeq = (): [number, boolean] => {
    let cost = 1;
    let rep = false;
    while (i < source.length && source[i] !== '|' && source[i] !== ')') {
      let atomCost = 1;
      let atomRep = false;
      const c = source[i];
      if (c === '\\') i += 2;
      else if (c === '[') {
        i++;
        if (source[i] === '^') i++;
        if (source[i] === ']') i++;
        while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
        i++;
      } else if (c === '(') {
        i++;
        if (source[i] === '?') { i++; while (i < source.length && !':=!>'.includes(source[i]!)) i++; i++; }
        [atomCost, atomRep] = parseAlt();
        if (source[i] !== ')') fail('unbalanced group');
        i++;
      } else i++;
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
      if (cost > BACKTRACK_BUDGET) fail('backtracking bound over budget');
    }
    return [cost, rep];
  };
  const [cost] = parseAlt();
  if (i < source.length) fail('unbalanced )');
  if (cost > BACKTRACK_BUDGET) fail('backtracking bound over budget');
}

/** Every pattern built through rx, for the unit test that re-checks them. */
export const ALL_PATTERNS: RegExp[] = [];

/** Build a checked RegExp (always global, so rules can iterate matches). */
export function rx(source: string, flags = ''): RegExp {
  assertBoundedPattern(source);
  const re = new RegExp(source, flags.includes('g') ? flags : `${flags}g`);
  ALL_PATTERNS.push(re);
  return re;
}

/** A bounded gap of any characters except a line break. */
export const gap = (n: number): string => `[^\\n]{0,${n}}`;

/** `(?:a|b|c)` from a list. */
export const alt = (words: readonly string[]): string => `(?:${words.join('|')})`;
