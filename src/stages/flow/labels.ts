/**
 * The labels of a tool, prompt or resource: its upstream's labels plus those of every policy.labels
 * entry whose pattern matches it. Compiled once per config; answers are cached per target.
 */
import type { Config } from '../../config/schema.js';
import type { Target, TargetKind } from '../../pipeline/types.js';
import { globToRegExpSource } from '../../policy/glob.js';

type Matcher = { kind: TargetKind; re: RegExp; labels: readonly string[] };

const FIELDS: Array<[TargetKind, 'tools' | 'prompts' | 'resources']> = [
  ['tool', 'tools'],
  ['prompt', 'prompts'],
  ['resource', 'resources'],
];
const CACHE_MAX = 10_000;

export type LabelsOf = (t: Target) => readonly string[];

export function compileLabels(config: Pick<Config, 'upstreams' | 'policy'>): LabelsOf {
  const byUpstream = new Map<string, Matcher[]>();
  for (const rule of config.policy.labels) {
    const list = byUpstream.get(rule.upstream) ?? [];
    for (const [kind, field] of FIELDS) {
      for (const pattern of rule[field]) list.push({ kind, re: new RegExp(`^${globToRegExpSource(pattern)}$`, 's'), labels: rule.labels });
    }
    byUpstream.set(rule.upstream, list);
  }
  const cache = new Map<string, readonly string[]>();
  return (t) => {
    const key = `${t.kind}\u0000${t.upstream}\u0000${t.name}`;
    const hit = cache.get(key);
    if (hit) return hit;
    const out = new Set(config.upstreams[t.upstream]?.labels ?? []);
    for (const m of byUpstream.get(t.upstream) ?? []) if (m.kind === t.kind && m.re.test(t.name)) for (const l of m.labels) out.add(l);
    const labels = Object.freeze([...out].sort());
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(key, labels);
    return labels;
  };
}
