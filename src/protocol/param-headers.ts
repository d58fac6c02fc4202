/**
 * 2026-07-28 `x-mcp-header`: a tool may mark primitive parameters to be mirrored in `Mcp-Param-{Name}`
 * headers so intermediaries can route on them without parsing bodies. The gateway checks the agent's
 * headers against the arguments (a header that disagrees with the body could fool a router) and
 * writes fresh ones for 2026-07-28 upstreams.
 */
import { isPlainObject, type Params } from './jsonrpc.js';

interface HeaderParam {
  name: string;
  path: string[];
}

const cache = new WeakMap<object, HeaderParam[]>();
const MAX_DEPTH = 8;

/** Parameters annotated with `x-mcp-header`, reachable through `properties` chains only. */
export function headerParams(tool: Params): HeaderParam[] {
  const cached = cache.get(tool);
  if (cached) return cached;
  const out: HeaderParam[] = [];
  const walk = (schema: unknown, path: string[]) => {
    if (!isPlainObject(schema) || path.length > MAX_DEPTH || !isPlainObject(schema.properties)) return;
    for (const [key, prop] of Object.entries(schema.properties)) {
      if (!isPlainObject(prop)) continue;
      const h = prop['x-mcp-header'];
      if (typeof h === 'string' && /^[A-Za-z0-9-]{1,64}$/.test(h) && ['string', 'integer', 'boolean'].includes(String(prop.type))) {
        out.push({ name: h, path: [...path, key] });
      }
      walk(prop, [...path, key]);
    }
  };
  walk(tool.inputSchema, []);
  cache.set(tool, out);
  return out;
}

function valueAt(args: unknown, path: string[]): unknown {
  let v: unknown = args;
  for (const k of path) {
    if (!isPlainObject(v)) return undefined;
    v = v[k];
  }
  return v;
}

export function encodeHeaderValue(v: string | number | boolean): string {
  if (typeof v !== 'string') return String(v);
  const plain = /^[\x20-\x7e]*$/.test(v) && v.trim() === v && !/^=\?base64\?.*\?=$/.test(v);
  return plain ? v : `=?base64?${Buffer.from(v, 'utf8').toString('base64')}?=`;
}

/** `=?base64?…?=` carries values that are not plain visible ASCII; anything else is literal. */
export function decodeHeaderValue(v: string): string | undefined {
  const m = /^=\?base64\?(.*)\?=$/s.exec(v);
  if (!m) return v; // without the full wrapper the value is literal
  const b64 = m[1]!;
  if (b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) return undefined;
  return Buffer.from(b64, 'base64').toString('utf8');
}

/** Why the agent's `Mcp-Param-*` headers disagree with its arguments, or undefined when they agree. */
export function paramHeaderMismatch(tool: Params, args: unknown, headers: ReadonlyMap<string, string>): string | undefined {
  for (const p of headerParams(tool)) {
    const value = valueAt(args, p.path);
    if (value === undefined || value === null) continue;
    const raw = headers.get(p.name.toLowerCase());
    if (raw === undefined) return `Mcp-Param-${p.name} header is required`;
    const decoded = decodeHeaderValue(raw);
    if (decoded === undefined) return `Mcp-Param-${p.name} is not valid Base64`;
    const expected = typeof value === 'number' ? Number(decoded) === value : typeof value === 'boolean' ? decoded === String(value) : decoded === value;
    if (!expected) return `Mcp-Param-${p.name} header does not match the arguments`;
  }
  return undefined;
}

/** Fresh `Mcp-Param-*` headers for an upstream, from the arguments actually sent. */
export function paramHeadersFor(tool: Params, args: unknown): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  for (const p of headerParams(tool)) {
    const value = valueAt(args, p.path);
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      (out ??= {})[`mcp-param-${p.name.toLowerCase()}`] = encodeHeaderValue(value);
    }
  }
  return out;
}
