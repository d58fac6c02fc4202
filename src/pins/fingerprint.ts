/**
 * What a pin covers, and its hash. Only the fields a model reads or that decide what a call may do are
 * pinned (name, title, description, schemas, annotations; a prompt's arguments; a template's URI). The
 * hash is SHA-256 over their RFC 8785 canonical form, so key order and whitespace never count as a change.
 */
import { createHash } from 'node:crypto';
import { canonical } from '../audit/chain.js';
import type { Params } from '../protocol/jsonrpc.js';

export type PinKind = 'tool' | 'prompt' | 'resourceTemplate' | 'instructions';

const FIELDS: Record<Exclude<PinKind, 'instructions'>, readonly string[]> = {
  tool: ['name', 'title', 'description', 'inputSchema', 'outputSchema', 'annotations'],
  prompt: ['name', 'title', 'description', 'arguments'],
  resourceTemplate: ['name', 'title', 'description', 'uriTemplate', 'mimeType', 'annotations'],
};

/** The pinned part of a definition, as stored and diffed. */
export function pinnedPart(kind: PinKind, def: Params | string): Params {
  if (kind === 'instructions') return { instructions: typeof def === 'string' ? def : '' };
  const out: Params = {};
  for (const f of FIELDS[kind]) if ((def as Params)[f] !== undefined) out[f] = (def as Params)[f];
  return out;
}

// Catalogs are immutable once read: a definition object's hash never changes, so it is computed once.
const cache = new WeakMap<object, string>();

export function pinHash(kind: PinKind, def: Params | string): string {
  if (typeof def === 'object') {
    const hit = cache.get(def);
    if (hit !== undefined) return hit;
  }
  let text: string;
  try {
    text = canonical(pinnedPart(kind, def));
  } catch {
    // A definition JSON cannot carry (it came from JSON, so this is defensive): its own pin, never trusted by accident.
    text = `unhashable:${String((def as Params).name)}`;
  }
  const h = createHash('sha256').update(text).digest('hex');
  if (typeof def === 'object') cache.set(def, h);
  return h;
}

/** The name a definition is pinned under (tools and prompts: name; templates: their URI template). */
export function pinName(kind: PinKind, def: Params): string | undefined {
  const v = kind === 'resourceTemplate' ? def.uriTemplate : def.name;
  return typeof v === 'string' ? v : undefined;
}
