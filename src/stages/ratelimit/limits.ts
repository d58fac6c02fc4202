/**
 * Rate-limit rules compiled once per config: for a tool call, the token buckets that apply (one per
 * rule, keyed by what the rule is per) in the shape the counters take.
 */
import { createHash } from 'node:crypto';
import type { Config, RateLimit } from '../../config/schema.js';
import type { Principal, Target } from '../../pipeline/types.js';
import { globToRegExpSource } from '../../policy/glob.js';
import type { Bucket } from '../../state/counters.js';

interface CompiledLimit {
  readonly rule: RateLimit;
  readonly tools: RegExp | undefined;
  readonly capacity: number;
  readonly perMs: number;
}

export type BucketsFor = (principal: Principal, target: Target) => Bucket[];

export function compileLimits(policy: Config['policy']): { count: number; bucketsFor: BucketsFor } {
  const limits: CompiledLimit[] = policy.rateLimits.map((rule) => ({
    rule,
    tools: rule.tools && new RegExp(`^(?:${rule.tools.map(globToRegExpSource).join('|')})$`, 's'),
    capacity: rule.burst ?? Math.max(1, Math.ceil(rule.rate)),
    perMs: rule.rate / rule.intervalMs,
  }));
  return {
    count: limits.length,
    bucketsFor(principal, target) {
      const out: Bucket[] = [];
      for (const l of limits) {
        if (l.rule.upstream !== undefined && l.rule.upstream !== target.upstream) continue;
        if (l.tools && !l.tools.test(target.name)) continue;
        out.push({ key: `${l.rule.name}:${bucketOf(l.rule.per, principal, target)}`, rule: l.rule.name, capacity: l.capacity, perMs: l.perMs });
      }
      return out;
    },
  };
}

function bucketOf(per: RateLimit['per'], p: Principal, t: Target): string {
  switch (per) {
    case 'global':
      return '*';
    case 'upstream':
      return `u:${t.upstream}`;
    case 'tool':
      return short(`t:${t.upstream}:${t.name}`);
    case 'principal':
      return short(`p:${p.tenant ?? ''}:${p.subject}`);
  }
}

function short(key: string): string {
  return key.length <= 128 && /^[\x21-\x7e]+$/.test(key) ? key : `h:${createHash('sha256').update(key).digest('hex')}`;
}
