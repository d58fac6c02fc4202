/**
 * The upstream/tool allow-list: deny by default. A tool, prompt or resource is listed and callable only
 * when a rule names its upstream and a pattern matches its upstream-side name. Patterns compile once,
 * at construction, into one anchored expression per upstream and kind.
 */
import { reject } from '../../errors.js';
import type { AllowRule } from '../../config/schema.js';
import type { CatalogEntry, Ctx, Principal, Stage, TargetKind, Verdict } from '../../pipeline/types.js';
import { PASS } from '../../pipeline/types.js';
import type { JsonRpcRequest } from '../../protocol/jsonrpc.js';

export const STAGE_NAME = 'allowlist';

/** `*` matches any run of characters; everything else is literal. */
export function globToRegExpSource(glob: string): string {
  return glob.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&')).join('.*');
}

type Compiled = Map<string, Partial<Record<TargetKind, { re: RegExp; rule: string }>>>;

function compile(rules: readonly AllowRule[]): Compiled {
  const out: Compiled = new Map();
  const kinds: Array<[TargetKind, 'tools' | 'prompts' | 'resources']> = [
    ['tool', 'tools'],
    ['prompt', 'prompts'],
    ['resource', 'resources'],
  ];
  const patterns = new Map<string, Map<TargetKind, string[]>>();
  rules.forEach((rule) => {
    let byKind = patterns.get(rule.upstream);
    if (!byKind) patterns.set(rule.upstream, (byKind = new Map()));
    for (const [kind, field] of kinds) {
      const list = byKind.get(kind) ?? [];
      list.push(...rule[field]);
      byKind.set(kind, list);
    }
  });
  for (const [upstream, byKind] of patterns) {
    const entry: Partial<Record<TargetKind, { re: RegExp; rule: string }>> = {};
    for (const [kind, list] of byKind) {
      if (list.length === 0) continue;
      entry[kind] = { re: new RegExp(`^(?:${list.map(globToRegExpSource).join('|')})$`, 's'), rule: `policy.allow[upstream=${upstream}]` };
    }
    out.set(upstream, entry);
  }
  return out;
}

export function allowlistStage(rules: readonly AllowRule[]): Stage {
  const compiled = compile(rules);
  const allows = (upstream: string, kind: TargetKind, name: string): string | undefined => {
    const c = compiled.get(upstream)?.[kind];
    return c && c.re.test(name) ? c.rule : undefined;
  };
  return {
    name: STAGE_NAME,
    request(ctx: Ctx, _msg: JsonRpcRequest): Verdict {
      const t = ctx.target;
      if (!t) return PASS;
      const rule = allows(t.upstream, t.kind, t.name);
      if (rule === undefined) {
        return { kind: 'deny', rejection: reject('denied', `${t.kind} "${t.name}" of upstream "${t.upstream}" is not on the allow-list`, 'default-deny') };
      }
      ctx.allowedBy = rule;
      return PASS;
    },
    visible(_principal: Principal, entry: CatalogEntry): boolean {
      return allows(entry.upstream, entry.kind, entry.name) !== undefined;
    },
  };
}
