/**
 * Candidate tool references in a folded text: identifiers with a separator (`send_email`,
 * `resolve-library-id`, `a.b`), long plain words when some known name is one (`sequentialthinking`),
 * and words the text marks as a tool (quoted, "x tool", "x()", "the tool x"). refs.ts decides which
 * candidates are references.
 *
 * Each kind is defined by a pattern below (the definition, and what the tests compare with); the
 * scanners find the same matches as a global exec loop of that pattern, without running it. They jump
 * between the characters a match must contain (separators, quotes, "tool", "function" …), found with
 * indexOf, instead of reading every character: most of a description holds none of them.
 */
import type { ItemCtx } from '../engine.js';
import { rx } from '../safe-regex.js';

/** Identifiers with a separator. */
export const SEP_TOKEN = rx('(?<![a-z0-9_.-])[a-z0-9]{1,40}[_.-][a-z0-9_.-]{1,60}');
/** Long plain words, where some known name is one. */
export const LONG_TOKEN = rx('\\b[a-z]{10,64}\\b');
/** Quoted names. */
export const QUOTED = rx("[\\x60'\"]([a-z0-9][a-z0-9_.-]{0,63})[\\x60'\"]");
/** "x tool", "x function", "x command", "x-tool", "x()". */
export const NAMED_AFTER = rx('\\b([a-z0-9][a-z0-9_.-]{0,63})(?: tool\\b| function\\b| command\\b|-tool\\b|\\(\\))');
/** "tool x", "function 'x'" (and the words for "tool" in a few languages). */
export const NAMED_BEFORE = rx("\\b(?:tool|function|herramienta|outil|werkzeug) ['\"\\x60]?([a-z0-9][a-z0-9_.-]{0,63})");

const isAlnum = (c: number): boolean => (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39);
const isIdentChar = (c: number): boolean => isAlnum(c) || c === 0x5f || c === 0x2e || c === 0x2d;
/** `\b`'s word characters. */
const isWordChar = (c: number): boolean => isAlnum(c) || c === 0x5f || (c >= 0x41 && c <= 0x5a);
const isLower = (c: number): boolean => c >= 0x61 && c <= 0x7a;
const isQuote = (c: number): boolean => c === 0x60 || c === 0x27 || c === 0x22;
/** `\b` after a word character at `at - 1`: the end of the text or a non-word character. */
const endsWord = (text: string, at: number): boolean => at >= text.length || !isWordChar(text.charCodeAt(at));

/**
 * Occurrences of a few strings in text order, one indexOf per occurrence: `next(from)` is the first
 * occurrence at or after `from` of any of them (-1: none), `which` says which one it was.
 */
class Occurrences {
  private readonly at: number[];
  which = -1;
  constructor(private readonly text: string, private readonly needles: readonly string[]) {
    this.at = needles.map((s) => text.indexOf(s));
  }
  next(from: number): number {
    let best = -1;
    for (let j = 0; j < this.needles.length; j++) {
      let a = this.at[j]!;
      if (a >= 0 && a < from) this.at[j] = a = this.text.indexOf(this.needles[j]!, from);
      if (a >= 0 && (best < 0 || a < best)) { best = a; this.which = j; }
    }
    return best;
  }
}

/**
 * The matches of SEP_TOKEN, in order (at most `max`). A match is an alphanumeric run of 1–40 (the
 * whole run: a shorter prefix is followed by a letter, not a separator) that starts the text or
 * follows a non-identifier character, then a separator, one more identifier character and up to 59
 * further ones. So each match is found from its separator: for each separator after the previous
 * match, the run before it is read backwards.
 */
export function sepTokens(text: string, max: number, visit: (at: number, token: string) => void): void {
  const n = text.length;
  const seps = new Occurrences(text, ['_', '.', '-']);
  let found = 0;
  let cursor = 0; // where the previous match ended: a match never starts before it
  for (let j = seps.next(1); j >= 0 && found < max; j = seps.next(j + 1)) {
    if (j + 1 >= n || !isIdentChar(text.charCodeAt(j + 1))) continue;
    let i = j;
    while (i > cursor && j - i <= 40 && isAlnum(text.charCodeAt(i - 1))) i--;
    // The run must be whole (1–40, starting at the cursor or after a non-identifier character).
    if (i === j || j - i > 40 || (i > 0 && isIdentChar(text.charCodeAt(i - 1)))) continue;
    const stop = Math.min(n, j + 61);
    let e = j + 2;
    while (e < stop && isIdentChar(text.charCodeAt(e))) e++;
    visit(i, text.slice(i, e));
    found++;
    cursor = e;
    if (e > j + 1) j = e - 1;
  }
}

/**
 * Length of the LONG_TOKEN match starting at `at`, or 0 when there is none. Matches are whole runs of
 * a–z letters, 10 to 64 long, with no word character (A–Z, a–z, 0–9, _) on either side; a longer run
 * has none at all. Runs cannot overlap, so a global exec loop finds every one.
 */
export function longWordAt(text: string, at: number): number {
  if (at > 0 && isWordChar(text.charCodeAt(at - 1))) return 0;
  const stop = Math.min(text.length, at + 65);
  let e = at;
  while (e < stop && isLower(text.charCodeAt(e))) e++;
  const r = e - at;
  return r < 10 || r > 64 || !endsWord(text, e) ? 0 : r;
}

/** The matches of LONG_TOKEN, in order (at most `max`). */
export function longWords(text: string, max: number, visit: (at: number, token: string) => void): void {
  const n = text.length;
  let found = 0;
  for (let i = 0; i < n && found < max; ) {
    if (!isLower(text.charCodeAt(i))) { i++; continue; }
    let e = i + 1;
    while (e < n && isLower(text.charCodeAt(e))) e++;
    const r = longWordAt(text, i);
    if (r > 0) { visit(i, text.slice(i, i + r)); found++; }
    i = e;
  }
}

/**
 * The matches of QUOTED (group 1 and its offset), in order (at most `max`). A quote, then an
 * identifier run of 1–64 starting with an alphanumeric and followed by a quote: quotes are not
 * identifier characters, so only the whole run can be followed by one. The closing quote is part of
 * the match, so it cannot open the next one.
 */
export function quotedNames(text: string, max: number, visit: (at: number, token: string) => void): void {
  const n = text.length;
  const quotes = new Occurrences(text, ['`', "'", '"']);
  let found = 0;
  for (let q = quotes.next(0); q >= 0 && found < max; ) {
    let e = q + 1;
    if (e < n && isAlnum(text.charCodeAt(e))) {
      const stop = Math.min(n, q + 66);
      while (e < stop && isIdentChar(text.charCodeAt(e))) e++;
      if (e - q - 1 <= 64 && e < n && isQuote(text.charCodeAt(e))) {
        visit(q + 1, text.slice(q + 1, e));
        found++;
        q = quotes.next(e + 1);
        continue;
      }
    }
    q = quotes.next(q + 1);
  }
}

/**
 * Where the words the named-tool patterns need occur, in order, as [position, length] pairs: NAMED_AFTER's
 * suffixes with their `\b` (" tool", " function", " command", "-tool", "()") and NAMED_BEFORE's keywords
 * (tool, function, herramienta, outil, werkzeug). The text is searched for short anchors (indexOf sets
 * up a skip table per call for needles of 7 or more characters) and each hit is checked in place.
 */
interface ToolWords { readonly suffixes: number[]; readonly keywords: number[] }
const ANCHORS = ['tool', 'functi', 'comman', '()', 'herram', 'outil', 'werkze'];

function toolWords(text: string): ToolWords {
  const suffixes: number[] = [];
  const keywords: number[] = [];
  const occ = new Occurrences(text, ANCHORS);
  for (let t = occ.next(0); t >= 0; t = occ.next(t + 1)) {
    const before = t > 0 ? text.charCodeAt(t - 1) : -1;
    switch (occ.which) {
      case 0: // tool
        if ((before === 0x20 || before === 0x2d) && endsWord(text, t + 4)) suffixes.push(t - 1, 5);
        keywords.push(t, 4);
        break;
      case 1: // function
        if (!text.startsWith('function', t)) break;
        if (before === 0x20 && endsWord(text, t + 8)) suffixes.push(t - 1, 9);
        keywords.push(t, 8);
        break;
      case 2: // command
        if (before === 0x20 && text.startsWith('command', t) && endsWord(text, t + 7)) suffixes.push(t - 1, 8);
        break;
      case 3: // ()
        suffixes.push(t, 2);
        break;
      case 4: if (text.startsWith('herramienta', t)) keywords.push(t, 11); break;
      case 5: keywords.push(t, 5); break;
      case 6: if (text.startsWith('werkzeug', t)) keywords.push(t, 8); break;
    }
  }
  return { suffixes, keywords };
}

/**
 * The matches of NAMED_AFTER (group 1 starts the match), in order (at most `max`). A match is a name
 * of 1–64 identifier characters starting with an alphanumeric at a word boundary, then a suffix. The
 * leftmost start wins: for the first suffix occurrence that some start can reach (inside the same
 * identifier run, at most 64 back), the smallest such start; no later suffix can offer a smaller one.
 * The name is then as long as it can be: it ends at the last suffix occurrence still in the run and
 * within 64 of its start.
 */
export function namedAfterNames(text: string, max: number, visit: (at: number, token: string) => void, words = toolWords(text)): void {
  const sfx = words.suffixes;
  let cursor = 0;
  let k = 0; // first suffix (index into sfx pairs) that may still end a match
  for (let found = 0; found < max; found++) {
    let start = -1;
    let runEnd = -1;
    for (; k < sfx.length; k += 2) {
      const e = sfx[k]!;
      if (e - 1 < cursor || !isIdentChar(text.charCodeAt(e - 1))) continue;
      const lo = Math.max(cursor, e - 64);
      // The identifier run holding e − 1, back to `lo`.
      let r = e - 1;
      while (r > lo && isIdentChar(text.charCodeAt(r - 1))) r--;
      for (let p = r; p < e; p++) {
        if (isAlnum(text.charCodeAt(p)) && (p === 0 || !isWordChar(text.charCodeAt(p - 1)))) { start = p; break; }
      }
      if (start >= 0) {
        runEnd = e;
        while (runEnd < text.length && isIdentChar(text.charCodeAt(runEnd))) runEnd++;
        break;
      }
    }
    if (start < 0) return;
    // The longest name: the last suffix occurrence within the run and 64 of the start.
    const limit = Math.min(runEnd, start + 64);
    let last = k;
    while (last + 2 < sfx.length && sfx[last + 2]! <= limit) last += 2;
    const end = sfx[last]!;
    visit(start, text.slice(start, end));
    cursor = end + sfx[last + 1]!;
    k = last + 2;
  }
}

/**
 * The matches of NAMED_BEFORE (group 1 and the offset the collector gives it), in order (at most
 * `max`): a keyword at a word boundary, a space, an optional quote, then a name of 1–64 identifier
 * characters starting with an alphanumeric, as long as it can be. The offset is where the name first
 * occurs in the match, as `m.index + m[0].indexOf(g)` gives it.
 */
export function namedBeforeNames(text: string, max: number, visit: (at: number, token: string) => void, words = toolWords(text)): void {
  const n = text.length;
  const kws = words.keywords;
  let found = 0;
  let cursor = 0;
  for (let j = 0; j < kws.length && found < max; j += 2) {
    const s = kws[j]!;
    if (s < cursor) continue;
    const k = s + kws[j + 1]!;
    let g = -1;
    if ((s === 0 || !isWordChar(text.charCodeAt(s - 1))) && text.charCodeAt(k) === 0x20) {
      if (isQuote(text.charCodeAt(k + 1)) && isAlnum(text.charCodeAt(k + 2))) g = k + 2;
      else if (isAlnum(text.charCodeAt(k + 1))) g = k + 1;
    }
    if (g < 0) continue;
    const stop = Math.min(n, g + 64);
    let e = g + 1;
    while (e < stop && isIdentChar(text.charCodeAt(e))) e++;
    const name = text.slice(g, e);
    visit(s + text.slice(s, e).indexOf(name), name);
    found++;
    cursor = e;
  }
}

/** Foreign names that are long plain words LONG_TOKEN can match: only these can make a long word a reference. */
const longForeign = new WeakMap<ReadonlyMap<string, string>, readonly string[]>();
function longForeignNames(foreign: ReadonlyMap<string, string>): readonly string[] {
  let v = longForeign.get(foreign);
  if (!v) {
    v = [...foreign.keys()].filter((n) => n.length >= 10 && n.length <= 64 && /^[a-z]+$/.test(n));
    longForeign.set(foreign, v);
  }
  return v;
}

const NONE: readonly (readonly [number, string])[] = [];

/**
 * Candidate references (position, token) in text order. The five kinds in priority order; at a
 * position the first kind's token wins. Long words (only when some known name is one) are read, not
 * collected: a long word is a reference only when it is a foreign name, and otherwise it only keeps the
 * later kinds out of its position. So the foreign long names are looked up directly, and a later
 * kind's token is dropped where a long word starts. Past `max` long words the plain loop stopped
 * collecting them; texts long enough to hold that many take the full pass. A test compares this with
 * the five patterns run one after the other.
 */
export function candidates(text: string, item: ItemCtx, wantLong: boolean, max: number): readonly (readonly [number, string])[] {
  let out: Map<number, string> | undefined;
  const put = (at: number, token: string): void => { (out ??= new Map()).set(at, token); };
  let blockLong = false;
  const putLater = (at: number, token: string): void => {
    if (out?.has(at) !== true && !(blockLong && longWordAt(text, at) > 0)) put(at, token);
  };
  sepTokens(text, max, put);
  if (wantLong) {
    // `max` long words need at least max × 11 − 1 characters.
    if (text.length >= max * 11 - 1) longWords(text, max, (at, token) => { if (out?.has(at) !== true) put(at, token); });
    else {
      for (const name of longForeignNames(item.foreign)) {
        for (let at = text.indexOf(name); at >= 0; at = text.indexOf(name, at + 1)) {
          if (longWordAt(text, at) === name.length && out?.has(at) !== true) put(at, name);
        }
      }
      blockLong = true;
    }
  }
  quotedNames(text, max, putLater);
  const words = toolWords(text);
  namedAfterNames(text, max, putLater, words);
  namedBeforeNames(text, max, putLater, words);
  if (out === undefined) return NONE;
  const list = [...out];
  return list.length > 1 ? list.sort((x, y) => x[0] - y[0]) : list;
}
