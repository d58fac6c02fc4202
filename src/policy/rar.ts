/**
 * OAuth 2.1 Rich Authorization Requests (RFC 9396). A token may carry `authorization_details` entries of
 * type `urn:portcullis:mcp`; when it does, a call must fit one of them — the token narrows the policy,
 * it never widens it:
 *
 *   { "type": "urn:portcullis:mcp", "upstream": "fs", "tools": ["read_*"],
 *     "constraints": { "path": { "prefix": "/data/" }, "limit": { "max": 50 }, "mode": { "enum": ["a","b"] } } }
 */
import type { Target } from '../pipeline/types.js';
import { globToRegExpSource } from './glob.js';

export const RAR_TYPE = 'urn:portcullis:mcp';

const patternCache = new Map<string, RegExp>();

function matches(pattern: string, name: string): boolean {
  let re = patternCache.get(pattern);
  if (!re) {
    if (patternCache.size > 1000) patternCache.clear();
    re = new RegExp(`^${globToRegExpSource(pattern.slice(0, 256))}$`, 's');
    patternCache.set(pattern, re);
  }
  return re.test(name);
}

interface Constraint {
  prefix?: unknown;
  enum?: unknown;
  max?: unknown;
  min?: unknown;
  equals?: unknown;
}

function satisfies(value: unknown, c: Constraint): boolean {
  if (c.equals !== undefined && value !== c.equals) return false;
  if (typeof c.prefix === 'string' && (typeof value !== 'string' || !value.startsWith(c.prefix) || value.includes('..'))) return false;
  if (Array.isArray(c.enum) && !c.enum.includes(value)) return false;
  if (typeof c.max === 'number' && (typeof value !== 'number' || value > c.max)) return false;
  if (typeof c.min === 'number' && (typeof value !== 'number' || value < c.min)) return false;
  return true;
}

export function detailsAllow(details: unknown, target: Target, args: unknown): boolean {
  if (!Array.isArray(details)) return false;
  const ours = details.filter((d): d is Record<string, unknown> => typeof d === 'object' && d !== null && (d as { type?: unknown }).type === RAR_TYPE);
  if (ours.length === 0) return true; // details of other types are not ours to enforce
  const a = typeof args === 'object' && args !== null ? (args as Record<string, unknown>) : {};
  return ours.some((d) => {
    if (typeof d.upstream === 'string' && d.upstream !== target.upstream) return false;
    if (Array.isArray(d.tools) && !d.tools.some((t) => typeof t === 'string' && matches(t, target.name))) return false;
    if (typeof d.constraints === 'object' && d.constraints !== null) {
      for (const [arg, c] of Object.entries(d.constraints as Record<string, unknown>)) {
        if (typeof c !== 'object' || c === null || !satisfies(a[arg], c as Constraint)) return false;
      }
    }
    return true;
  });
}

/** For list filtering: does some entry cover this name at all (argument constraints are checked per call)? */
export function detailsCoverName(details: unknown, target: Target): boolean {
  return detailsAllow(details, target, undefined) || detailsAllowIgnoringConstraints(details, target);
}

function detailsAllowIgnoringConstraints(details: unknown, target: Target): boolean {
  if (!Array.isArray(details)) return false;
  return details.some(
    (d) =>
      typeof d === 'object' && d !== null && (d as { type?: unknown }).type === RAR_TYPE &&
      (typeof (d as { upstream?: unknown }).upstream !== 'string' || (d as { upstream: string }).upstream === target.upstream) &&
      (!Array.isArray((d as { tools?: unknown }).tools) || ((d as { tools: unknown[] }).tools).some((t) => typeof t === 'string' && matches(t, target.name))),
  );
}
