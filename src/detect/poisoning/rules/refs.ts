/**
 * Which tools a piece of text refers to: tools of other servers (foreign — the material of shadowing)
 * or tool-like identifiers nobody here defines (unknown). The server's own tools (benign workflow
 * hints such as "call resolve_id first") are recognised and skipped, not collected: no rule reads them. Names that are ordinary words ("search",
 * "fetch") only count when the text marks them as a tool (quoted, or followed by "tool").
 */
import type { ItemCtx } from '../engine.js';
import { rx } from '../safe-regex.js';
import { has } from '../vocab.js';

export interface Ref { readonly name: string; readonly at: number; readonly end: number }
export interface Refs {
  readonly foreign: Ref[];
  readonly unknown: Ref[];
}

const SNAKE = rx('^[a-z][a-z0-9_]{1,63}$');
const isSnake = (t: string): boolean => t.includes('_') && !t.endsWith('_') && has(SNAKE, t);
const NEAR_TOOL_WORD = rx('\\b(?:tool|tools|function|call|calls|calling|called|use|uses|using|used|invoke|invokes|invoking|invoked)\\b');
const MARK_AFTER = rx('^(?:\\(\\)| tool\\b| function\\b| command\\b|-tool\\b)');
const MARK_BEFORE = rx("\\b(?:tool|function|herramienta|outil|werkzeug) ['\"`]?$|工具 ?$");

/** A tool name distinctive enough to count as a reference wherever it appears. */
export const distinctive = (name: string): boolean => /[_\-.\d]/.test(name) || name.length >= 10;

/**
 * Candidate tokens only: identifiers with a separator (`send_email`, `resolve-library-id`, `a.b`),
 * long plain words when some known name is one (`sequentialthinking`), and words the text marks as a
 * tool (quoted, "x tool", "x()", "the tool x"). Plain words are skipped by a direct scan (separator
 * tokens) or inside the regex engine, which is what keeps this cheap on long descriptions.
 */
/** The definition of a separator token; `sepTokens` finds the same matches without the engine (a test compares them). */
export const SEP_TOKEN = rx('(?<![a-z0-9_.-])[a-z0-9]{1,40}[_.-][a-z0-9_.-]{1,60}');
/** Long plain words, where some known name is one; `longWords` and `longWordAt` read its matches without the engine. */
export const LONG_TOKEN = rx('\\b[a-z]{10,64}\\b');
export const QUOTED = rx("[\\x60'\"]([a-z0-9][a-z0-9_.-]{0,63})[\\x60'\"]");
export const NAMED_AFTER = rx('\\b([a-z0-9][a-z0-9_.-]{0,63})(?: tool\\b| function\\b| command\\b|-tool\\b|\\(\\))');
/** Literal starts of NAMED_AFTER's suffixes: a match ends its name (1–64 characters) right before one. */
export const NAMED_AFTER_SUFFIXES = [' tool', ' function', ' command', '-tool', '()'];
export const NAMED_BEFORE = rx("\\b(?:tool|function|herramienta|outil|werkzeug) ['\"\\x60]?([a-z0-9][a-z0-9_.-]{0,63})");

const isAlnum = (c: number): boolean => (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39);
const isIdentChar = (c: number): boolean => isAlnum(c) || c === 0x5f || c === 0x2e || c === 0x2d;

/**
 * The matches of SEP_TOKEN, in order, as a global exec loop from 0 finds them (at most `max`), by a
 * direct scan: the lookbehind made the engine test every position of every word. A start is an
 * alphanumeric not preceded by an identifier character; the alphanumeric run from there (1–40, and
 * only the whole run, since a shorter prefix is followed by a letter, not a separator) must be followed
 * by a separator and one more identifier character; the tail takes up to 60 identifier characters.
 */
export function sepTokens(text: string, max: number, visit: (at: number, token: string) => void): void {
  const n = text.length;
  let found = 0;
  for (let i = 0; i < n && found < max; ) {
    if (!isAlnum(text.charCodeAt(i)) || (i > 0 && isIdentChar(text.charCodeAt(i - 1)))) { i++; continue; }
    let j = i + 1;
    while (j < n && isAlnum(text.charCodeAt(j))) j++;
    const sep = text.charCodeAt(j);
    if (j - i <= 40 && j + 1 < n && (sep === 0x5f || sep === 0x2e || sep === 0x2d) && isIdentChar(text.charCodeAt(j + 1))) {
      const stop = Math.min(n, j + 61);
      let e = j + 2;
      while (e < stop && isIdentChar(text.charCodeAt(e))) e++;
      visit(i, text.slice(i, e));
      found++;
      i = e;
      continue;
    }
    // Positions inside the run (and the character after it) follow an alphanumeric: none can start a match.
    i = j + 1;
  }
}

const isWordChar = (c: number): boolean => isAlnum(c) || c === 0x5f || (c >= 0x41 && c <= 0x5a);
const isLower = (c: number): boolean => c >= 0x61 && c <= 0x7a;

/**
 * Length of the LONG_TOKEN match starting at `at`, or 0 when there is none. Matches of `\b[a-z]{10,64}\b`
 * are whole runs of a–z letters, 10 to 64 long, with no word character (A–Z, a–z, 0–9, _) on either
 * side; a longer run has none at all. Runs cannot overlap, so a global exec loop finds every one.
 */
export function longWordAt(text: string, at: number): number {
  if (at > 0 && isWordChar(text.charCodeAt(at - 1))) return 0;
  const stop = Math.min(text.length, at + 65);
  let e = at;
  while (e < stop && isLower(text.charCodeAt(e))) e++;
  const r = e - at;
  if (r < 10 || r > 64 || (e < text.length && isWordChar(text.charCodeAt(e)))) return 0;
  return r;
}

/** The matches of LONG_TOKEN, in order, as a global exec loop from 0 finds them (at most `max`); a test compares them. */
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

/** Known names that are long plain words LONG_TOKEN can match: only these can make a long word a reference. */
const longForeign = new WeakMap<ReadonlyMap<string, string>, readonly string[]>();
function longForeignNames(foreign: ReadonlyMap<string, string>): readonly string[] {
  let v = longForeign.get(foreign);
  if (!v) {
    v = [...foreign.keys()].filter((n) => n.length >= 10 && n.length <= 64 && /^[a-z]+$/.test(n));
    longForeign.set(foreign, v);
  }
  return v;
}

/**
 * Candidate references, by position, in text order. Five collectors in priority order; at a position
 * the first collector's token wins. The long-word collector (LONG_TOKEN, when some known name is a
 * long plain word) is read, not run: its token at a position is a reference only when it is a
 * foreign name, and otherwise it only keeps the later collectors out of that position. So the
 * foreign long names are looked up directly, and a later collector's token is dropped where a long
 * word starts. Past `max` long words the old loop stopped collecting them; texts long enough to hold
 * that many take the full pass. A test compares this with the plain five-collector version.
 */
function candidates(text: string, item: ItemCtx, wantLong: boolean, max: number): [number, string][] {
  const out = new Map<number, string>();
  let blockLong = false;
  const collect = (re: RegExp, group: number, suffixes?: readonly string[]): void => {
    re.lastIndex = 0;
    for (let k = 0; k < max; k++) {
      if (suffixes) {
        // No match can start more than 64 characters before the next suffix: skip the text before that.
        const from = re.lastIndex;
        let next = -1;
        for (const s of suffixes) { const at = text.indexOf(s, from); if (at >= 0 && (next < 0 || at < next)) next = at; }
        if (next < 0) break;
        if (next - 64 > from) re.lastIndex = next - 64;
      }
      const m = re.exec(text);
      if (m === null) break;
      const g = m[group];
      if (g === undefined) continue;
      const at = m.index + m[0].indexOf(g);
      if (!out.has(at) && !(blockLong && longWordAt(text, at) > 0)) out.set(at, g);
    }
  };
  sepTokens(text, max, (at, token) => { out.set(at, token); });
  if (wantLong) {
    // `max` long words need at least max × 11 − 1 characters.
    if (text.length >= max * 11 - 1) longWords(text, max, (at, token) => { if (!out.has(at)) out.set(at, token); });
    else {
      for (const name of longForeignNames(item.foreign)) {
        for (let at = text.indexOf(name); at >= 0; at = text.indexOf(name, at + 1)) {
          if (longWordAt(text, at) === name.length && !out.has(at)) out.set(at, name);
        }
      }
      blockLong = true;
    }
  }
  if (text.includes('`') || text.includes("'") || text.includes('"')) collect(QUOTED, 1);
  if (text.includes('tool') || text.includes('function') || text.includes('command') || text.includes('()')) collect(NAMED_AFTER, 1, NAMED_AFTER_SUFFIXES);
  if (text.includes('tool') || text.includes('function') || text.includes('herramienta') || text.includes('outil') || text.includes('werkzeug')) collect(NAMED_BEFORE, 1);
  return [...out].sort((x, y) => x[0] - y[0]);
}

/** Some known name is a long plain word (no separator): such names need the LONG_TOKEN pass. */
const longNames = new WeakMap<object, boolean>();
const isLongPlain = (n: string): boolean => n.length >= 10 && !/[_.-]/.test(n);
/** Per name collection, computed once: every field of every item of a server shares the same sets. */
function anyLongName(names: Iterable<string>, key: object): boolean {
  let v = longNames.get(key);
  if (v === undefined) {
    v = false;
    for (const n of names) if (isLongPlain(n)) { v = true; break; }
    longNames.set(key, v);
  }
  return v;
}
export function hasLongName(item: ItemCtx): boolean {
  return anyLongName(item.foreign.keys(), item.foreign) || anyLongName(item.siblings, item.siblings) || isLongPlain(item.name);
}

export function toolRefs(text: string, item: ItemCtx, max = 400): Refs {
  return refsAmong(text, item, candidates(text, item, hasLongName(item), max));
}

/** The references among candidate tokens (position, token) in text order. */
export function refsAmong(text: string, item: ItemCtx, cands: readonly (readonly [number, string])[]): Refs {
  const refs: Refs = { foreign: [], unknown: [] };
  const self = item.name.toLowerCase();
  for (const [at, raw] of cands) {
    let end = at + raw.length;
    // Trailing separators belong to the sentence ("… read_file." / "x-"), not to the name.
    while (end > at + 1) { const c = text.charCodeAt(end - 1); if (c === 0x2e || c === 0x5f || c === 0x2d) end--; else break; }
    const t = end === at + raw.length ? raw : text.slice(at, end);
    // The server's own tools are never references to count (and a name is either its own or foreign).
    if (t === self || item.siblings.has(t)) continue;
    if (item.foreign.has(t)) { if (distinctive(t) || isMarked(text, at, end)) refs.foreign.push({ name: t, at, end }); continue; }
    // Unknown references need an identifier shape; file names, versions and domains are not tools.
    if (!(t.includes('_') || t.includes('-')) || t.includes('.') || item.params.has(t)) continue;
    if (!has(NEAR_TOOL_WORD, text.slice(Math.max(0, at - 30), end + 12))) continue;
    if (isSnake(t) || isMarked(text, at, end)) refs.unknown.push({ name: t, at, end });
  }
  return refs;
}

/** Quoted (`x`, 'x', "x") or named as a tool ("x tool", "the x function", "x()"). */
function isMarked(text: string, at: number, end: number): boolean {
  const before = text[at - 1];
  const next = text[end];
  if ((before === '`' || before === "'" || before === '"') && next === before) return true;
  return has(MARK_AFTER, text.slice(end, end + 10)) || has(MARK_BEFORE, text.slice(Math.max(0, at - 14), at));
}

/** Generic references to other tools or servers ("the other tools", "any tool that", "the official GitHub tools"). */
export const GENERIC_REF = rx('\\b(?:(?:all|any|every|each) (?:other )?(?:tools?|servers?|functions?|mcp servers?)\\b|(?:other|official|original|existing|remaining|built-in|connected|legacy|real) (?:[a-z0-9]{1,12} )?(?:tools|servers?|mcp servers?)\\b|for (?:any|every|all|each) (?:[a-z]{1,12} )?(?:tools?|functions?|servers?) (?:that|which)\\b)');

/** "with the mail server": a reference to another server by its role. */
export const SERVER_REF = rx('\\b(?:with|via|using|through|from|on|in|of) (?:the |your |another )?[a-z0-9-]{2,20} (?:server|mcp server|integration)\\b');
