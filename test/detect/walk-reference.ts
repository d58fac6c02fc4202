/**
 * walkDefinition as it was before it stopped building the paths of values it does not read, kept as
 * the reference the current version is compared with (poisoning-walk.test.ts). Not used by the product.
 */
import type { Limits } from '../../src/detect/poisoning/types.js';
import type { Field, FieldKind, Walked } from '../../src/detect/poisoning/walk.js';

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

export function walkDefinitionReference(def: unknown, limits: Limits): Walked {
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

  const visit = (value: unknown, path: string, key: string | undefined, parentKey: string | undefined, depth: number): boolean => {
    if (typeof value === 'string') {
      if (key !== undefined && SKIP_VALUES.has(key) && parentKey !== 'properties') return true;
      // `required` lists property names, which are read (as keys) where they are defined.
      if (key === 'required' && parentKey === 'required') return true;
      return add(path, value, key === undefined ? 'other' : kindFor(key, parentKey, depth));
    }
    if (value === null || typeof value !== 'object') return true;
    // The depth limit also ends cycles (possible only for objects handed over in-process).
    if (depth >= limits.maxDepth) { truncated ??= 'depth'; return true; }
    {
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          // An array inherits its key's meaning for its items (enum, examples, default).
          if (!visit(value[i], `${path}/${i}`, key, key, depth + 1)) return false;
        }
      } else {
        for (const k of Object.keys(value)) {
          const childPath = `${path}/${escapePointer(k)}`;
          // A property name is text the model reads too (CyberArk's "full-schema poisoning").
          if (key === 'properties' && !add(childPath, k, 'key')) return false;
          if (!visit((value as Record<string, unknown>)[k], childPath, k, key, depth + 1)) return false;
        }
      }
    }
    return true;
  };

  visit(def, '', undefined, undefined, 0);
  return { fields, truncated };
}
