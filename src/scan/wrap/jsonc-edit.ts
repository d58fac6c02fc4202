/**
 * Minimal edits to a JSON/JSONC client config: remove one property, insert one. Only the bytes of the
 * property concerned change; neighbours, comments and the file's indentation stay as they were
 * (jsonc-parser's own `modify` re-formats the lines around an edit, which rewrites sibling entries).
 */
import { findNodeAtLocation, parseTree, type Node } from 'jsonc-parser';

type Path = readonly (string | number)[];

export interface Indentation {
  /** One level: a tab or N spaces, as the file uses. */
  readonly unit: string;
  readonly eol: string;
}

export function detectIndentation(text: string): Indentation {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const tabbed = /\n\t+\S/.test(text);
  if (tabbed) return { unit: '\t', eol };
  const sizes = [...text.matchAll(/\n( +)\S/g)].map((m) => m[1]!.length);
  return { unit: ' '.repeat(sizes.length > 0 ? Math.max(1, Math.min(...sizes)) : 2), eol };
}

function tree(text: string): Node {
  const root = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  if (!root) throw new Error('empty document');
  return root;
}

const end = (n: Node): number => n.offset + n.length;

function lineIndent(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(start, offset))![0];
}

/** Start of the line holding `offset` when only whitespace precedes it there, else `offset`. */
function lineStartIfAlone(text: string, offset: number): number {
  const start = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*$/.test(text.slice(start, offset)) ? start : offset;
}

export function removeProperty(text: string, path: Path): string {
  const value = findNodeAtLocation(tree(text), [...path]);
  const prop = value?.parent;
  const obj = prop?.parent;
  if (!prop || prop.type !== 'property' || !obj?.children) return text;
  const i = obj.children.indexOf(prop);
  const next = obj.children[i + 1];
  const prev = obj.children[i - 1];
  if (next) return text.slice(0, lineStartIfAlone(text, prop.offset)) + text.slice(lineStartIfAlone(text, next.offset));
  if (prev) return text.slice(0, end(prev)) + text.slice(end(prop));
  // The only property: leave the braces (and whatever whitespace the file had between them).
  return text.slice(0, obj.offset + 1) + text.slice(end(obj) - 1);
}

export function insertProperty(text: string, objectPath: Path, key: string, value: unknown, ind: Indentation): string {
  const obj = findNodeAtLocation(tree(text), [...objectPath]);
  if (!obj || obj.type !== 'object') throw new Error(`no object at ${objectPath.join('.')}`);
  const props = obj.children ?? [];
  const first = props[0];
  const indent = first ? lineIndent(text, first.offset) : lineIndent(text, obj.offset) + ind.unit;
  const body = JSON.stringify(value, null, ind.unit).split('\n').join(ind.eol + indent);
  const entry = `${JSON.stringify(key)}: ${body}`;
  const last = props[props.length - 1];
  if (last) {
    const after = end(last);
    const trailingComma = /^\s*,/.exec(text.slice(after));
    if (trailingComma) {
      const at = after + trailingComma[0].length;
      return `${text.slice(0, at)}${ind.eol}${indent}${entry},${text.slice(at)}`;
    }
    return `${text.slice(0, after)},${ind.eol}${indent}${entry}${text.slice(after)}`;
  }
  const inner = text.slice(obj.offset + 1, end(obj) - 1);
  const close = `${ind.eol}${lineIndent(text, obj.offset)}`;
  if (/^\s*$/.test(inner)) return `${text.slice(0, obj.offset + 1)}${ind.eol}${indent}${entry}${close}${text.slice(end(obj) - 1)}`;
  return `${text.slice(0, obj.offset + 1)}${ind.eol}${indent}${entry}${text.slice(obj.offset + 1)}`;
}
