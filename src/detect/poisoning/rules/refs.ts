/**
 * Which tools a piece of text refers to: tools of other servers (foreign — the material of shadowing)
 * or tool-like identifiers nobody here defines (unknown). The server's own tools (benign workflow
 * hints such as "call resolve_id first") are recognised and skipped, not collected: no rule reads them.
 * Names that are ordinary words ("search", "fetch") only count when the text marks them as a tool
 * (quoted, or followed by "tool"). The candidate tokens come from ref-candidates.ts.
 */
import type { ItemCtx } from '../engine.js';
import { rx } from '../safe-regex.js';
import { has } from '../vocab.js';
import { candidates } from './ref-candidates.js';

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
