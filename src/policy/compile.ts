/**
 * The policy, compiled once at load: every grant's name patterns become matchers indexed by upstream
 * and kind (exact names in a map, wildcards in a short list), and every `when` condition is parsed by
 * CEL up front — an invalid expression fails the load with its config path, never a call.
 */
import { parse } from '@marcbachmann/cel-js';
import type { Config, AllowRule } from '../config/schema.js';
import type { TargetKind } from '../pipeline/types.js';
import { globToRegExpSource } from './glob.js';

export type Condition = (vars: Record<string, unknown>) => unknown;

export interface Grant {
  /** Config path of the rule, e.g. `policy.roles.analyst[0]`: what the audit record and explain name. */
  id: string;
  role: string | undefined;
  when: Condition | undefined;
  whenSource: string | undefined;
  limits: AllowRule['limits'];
  /** Set when calls this grant allows are held for a person's approval. */
  approval: AllowRule['approval'];
}

interface Matchers {
  exact: Map<string, Grant[]>;
  wildcard: Array<{ re: RegExp; grant: Grant }>;
}

export interface CompiledPolicy {
  /** upstream → kind → matchers, for grants that apply to everyone (role undefined) or to a role. */
  readonly index: Map<string, Partial<Record<TargetKind, Matchers>>>;
  readonly tiers: Config['policy']['tiers'];
  readonly tierOf: (upstream: string, tool: string) => 'read' | 'write' | 'admin';
  readonly ruleCount: number;
}

export class PolicyError extends Error {
  constructor(readonly problems: Array<{ path: string; message: string }>) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join('\n'));
  }
}

const KINDS: Array<[TargetKind, 'tools' | 'prompts' | 'resources']> = [
  ['tool', 'tools'],
  ['prompt', 'prompts'],
  ['resource', 'resources'],
];

export function compilePolicy(policy: Config['policy']): CompiledPolicy {
  const index: CompiledPolicy['index'] = new Map();
  const problems: Array<{ path: string; message: string }> = [];
  let count = 0;
  const add = (rule: AllowRule, id: string, role: string | undefined) => {
    let when: Condition | undefined;
    if (rule.when !== undefined) {
      try {
        when = parse(rule.when) as Condition;
      } catch (err) {
        problems.push({ path: `${id}.when`, message: `invalid CEL expression: ${(err as Error).message.split('\n')[0]}` });
        return;
      }
    }
    const grant: Grant = { id, role, when, whenSource: rule.when, limits: rule.limits, approval: rule.approval };
    let byKind = index.get(rule.upstream);
    if (!byKind) index.set(rule.upstream, (byKind = {}));
    for (const [kind, field] of KINDS) {
      for (const pattern of rule[field]) {
        const m: Matchers = (byKind[kind] ??= { exact: new Map<string, Grant[]>(), wildcard: [] });
        if (pattern.includes('*')) m.wildcard.push({ re: new RegExp(`^${globToRegExpSource(pattern)}$`, 's'), grant });
        else m.exact.set(pattern, [...(m.exact.get(pattern) ?? []), grant]);
        count++;
      }
    }
  };
  policy.allow.forEach((r, i) => add(r, `policy.allow[${i}]`, undefined));
  for (const [role, rules] of Object.entries(policy.roles)) rules.forEach((r, i) => add(r, `policy.roles.${role}[${i}]`, role));
  if (problems.length > 0) throw new PolicyError(problems);

  const tierRules = policy.toolTiers.map((t) => ({ upstream: t.upstream, re: new RegExp(`^(?:${t.tools.map(globToRegExpSource).join('|')})$`, 's'), tier: t.tier }));
  const tierOf = (upstream: string, tool: string) => tierRules.find((t) => t.upstream === upstream && t.re.test(tool))?.tier ?? policy.defaultTier;
  return { index, tiers: policy.tiers, tierOf, ruleCount: count };
}

/** Grants whose patterns match, in config order of precedence: exact names first, then wildcards. */
export function matchingGrants(p: CompiledPolicy, upstream: string, kind: TargetKind, name: string): Grant[] {
  const m = p.index.get(upstream)?.[kind];
  if (!m) return [];
  const out = m.exact.get(name)?.slice() ?? [];
  for (const w of m.wildcard) if (w.re.test(name)) out.push(w.grant);
  return out;
}
