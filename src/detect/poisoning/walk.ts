/**
 * Collect every string of a definition with its JSON pointer, whatever its shape: tool definitions
 * are untrusted input, so this accepts any JSON value (invalid schemas, wrong types, deep nesting,
 * even cyclic objects handed over in-process, which end at the depth limit) and never throws. Work is bounded by depth, field count
 * and characters.
 */
import type { Limits } from './types.js';

export type FieldKind = 'name' | 'title' | 'description' | 'key' | 'enum' | 'default' | 'example' | 'const' | 'uri' | 'other';

export interface Field {
  readonly path: string;
  readonly text: string;
  readonly kind: FieldKind;
}

export interface Walked {
  readonly fields: readonly Field[];
  /** Why the walk stopped early, if it did. */
  readonly truncated: 'depth' | 'fields' | 'chars' | undefined;
}

/** Structural keywords whose string values are machine vocabulary, not text for the model. */
const SKIP_VALUES = new Set(['type', '$schema', '$id', '$ref', 'format', 'mimeType', 'contentEncoding', 'contentMediaType']);

const escapePointer = (key: string): string => (key.includes('~') || key.includes('/') ? key.replace(/~/g, '~0').replace(/\//g, '~1') : key);

function kindFor(key: string, parentKey: string | undefined, depth: number): FieldKind {
  if (depth === 1 && key === 'name') return 'name';
  if (key === 'description') return 'description';
  if (key === 'title') return 'title';
  if (parentKey === 'enum' || key === 'enum') return 'enum';
  if (key === 'default' || parentKey === 'default') return 'default';
  if (key === 'examples' || parentKey === 'examples' || key === 'example') return 'example';
  if (key === 'const') return 'const';
  if (key === 'uriTemplate' || key === 'uri') return 'uri';
  return 'other';
}

export function walkDefinition(def: unknown, limits: Limits): Walked {
  const fields: Field[] = [];
  let chars = 0;
  let truncated: Walked['truncated'];

  const add = (path: string, text: string, kind: FieldKind): boolean => {
    if (fields.length >= limits.maxFields) { truncated ??= 'fields'; return false; }
    if (chars >= limits.maxItemChars) { truncated ??= 'chars'; return false; }
    chars += Math.min(text.length, limits.maxFieldChars);
    fields.push({ path, text, kind });
    return true;
  };

  /** A string value at `key` (under `parentKey`): skipped, or added with the path built only then. */
  const visitString = (text: string, parentPath: string, step: string, key: string | undefined, parentKey: string | undefined, depth: number): boolean => {
    if (key !== undefined && SKIP_VALUES.has(key) && parentKey !== 'properties') return true;
    // `required` lists property names, which are read (as keys) where they are defined.
    if (key === 'required' && parentKey === 'required') return true;
    return add(`${parentPath}/${step}`, text, key === undefined ? 'other' : kindFor(key, parentKey, depth));
  };

  const visit = (value: unknown, path: string, key: string | undefined, parentKey: string | undefined, depth: number): boolean => {
    if (typeof value === 'string') return add(path, value, key === undefined ? 'other' : kindFor(key, parentKey, depth));
    if (value === null || typeof value !== 'object') return true;
    // The depth limit also ends cycles (possible only for objects handed over in-process).
    if (depth >= limits.maxDepth) { truncated ??= 'depth'; return true; }
    // Children that are neither strings nor objects add nothing: their paths are never built.
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        // An array inherits its key's meaning for its items (enum, examples, default).
        const v: unknown = value[i];
        if (typeof v === 'string') { if (!visitString(v, path, String(i), key, key, depth + 1)) return false; }
        else if (v !== null && typeof v === 'object' && !visit(v, `${path}/${i}`, key, key, depth + 1)) return false;
      }
    } else {
      for (const k of Object.keys(value)) {
        const v = (value as Record<string, unknown>)[k];
        const step = escapePointer(k);
        // A property name is text the model reads too (CyberArk's "full-schema poisoning").
        if (key === 'properties' && !add(`${path}/${step}`, k, 'key')) return false;
        if (typeof v === 'string') { if (!visitString(v, path, step, k, key, depth + 1)) return false; }
        else if (v !== null && typeof v === 'object' && !visit(v, `${path}/${step}`, k, key, depth + 1)) return false;
      }
    }
    return true;
  };

  visit(def, '', undefined, undefined, 0);
  return { fields, truncated };
}

/** Property names and their schemas at the top level of an input schema (for the god-tool rules). */
export interface Param {
  readonly name: string;
  readonly type: string | undefined;
  readonly description: string;
  readonly hasEnum: boolean;
}

export function topParams(def: unknown): Param[] {
  const schema = isObject(def) ? def['inputSchema'] : undefined;
  const props = isObject(schema) ? schema['properties'] : undefined;
  if (!isObject(props)) return [];
  const out: Param[] = [];
  for (const name of Object.keys(props).slice(0, 200)) {
    const p = props[name];
    if (!isObject(p)) { out.push({ name, type: undefined, description: '', hasEnum: false }); continue; }
    const t = p['type'];
    const items = p['items'];
    const type = typeof t === 'string' ? (t === 'array' && isObject(items) && typeof items['type'] === 'string' ? `array:${items['type']}` : t) : Array.isArray(t) ? t.filter((x) => typeof x === 'string').join('|') : undefined;
    const d = p['description'];
    out.push({ name, type, description: typeof d === 'string' ? d.slice(0, 2000) : '', hasEnum: Array.isArray(p['enum']) || p['const'] !== undefined });
  }
  return out;
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
