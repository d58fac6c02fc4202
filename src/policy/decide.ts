/**
 * One authorization decision, as data: allowed or not, the grant that decided, every condition that
 * failed (for `policy check` and the audit record), and the scope a step-up would need. Deny by
 * default; a condition that errors counts as failed; annotations are inputs to conditions, never grants.
 */
import type { Principal, Target } from '../pipeline/types.js';
import type { Params } from '../protocol/jsonrpc.js';
import { matchingGrants, type CompiledPolicy, type Grant } from './compile.js';
import { detailsAllow } from './rar.js';

export interface Decision {
  allowed: boolean;
  /** The grant that allowed, or the rule that denied (`default-deny`, a failed grant, `authorization_details`, a tier). */
  rule: string;
  reason: string;
  failed: Array<{ rule: string; condition: string; error?: string }>;
  limits?: Grant['limits'];
  /** The allowing grant holds the call for a person's approval. */
  approval?: Grant['approval'];
  /** Set when the only thing missing is an OAuth scope: the agent can step up. */
  requiredScope?: string;
}

/** Principals whose scopes come from a credential; the tier check applies to them. */
const SCOPED: ReadonlySet<Principal['authenticatedBy']> = new Set(['oauth', 'builtin', 'api-key']);

export function conditionVars(principal: Principal, target: Target, args: unknown, def: Params | undefined): Record<string, unknown> {
  return {
    args: typeof args === 'object' && args !== null ? args : {},
    principal: { sub: principal.subject, roles: principal.roles, scopes: principal.scopes, tenant: principal.tenant ?? '', client: principal.clientId ?? '' },
    tool: { name: target.name, annotations: typeof def?.annotations === 'object' && def.annotations !== null ? def.annotations : {} },
    upstream: target.upstream,
  };
}

export function applicableGrants(p: CompiledPolicy, principal: Principal, target: Target): Grant[] {
  return matchingGrants(p, target.upstream, target.kind, target.name).filter((g) => g.role === undefined || principal.roles.includes(g.role));
}

export function decide(p: CompiledPolicy, principal: Principal, target: Target, args: unknown, def?: Params): Decision {
  const grants = applicableGrants(p, principal, target);
  if (grants.length === 0) {
    return { allowed: false, rule: 'default-deny', reason: `no rule grants ${target.kind} "${target.name}" of upstream "${target.upstream}"`, failed: [] };
  }
  const failed: Decision['failed'] = [];
  let chosen: Grant | undefined;
  let vars: Record<string, unknown> | undefined;
  for (const g of grants) {
    if (!g.when) {
      chosen = g;
      break;
    }
    vars ??= conditionVars(principal, target, args, def);
    try {
      if (g.when(vars) === true) {
        chosen = g;
        break;
      }
      failed.push({ rule: g.id, condition: g.whenSource! });
    } catch (err) {
      failed.push({ rule: g.id, condition: g.whenSource!, error: (err as Error).message.split('\n')[0]! });
    }
  }
  if (!chosen) {
    return { allowed: false, rule: failed[0]!.rule, reason: 'the arguments or the caller do not meet the grant\'s condition', failed };
  }
  if (principal.authorizationDetails !== undefined && !detailsAllow(principal.authorizationDetails, target, args)) {
    return { allowed: false, rule: 'authorization_details', reason: 'the token\'s authorization_details do not cover this call', failed };
  }
  if (target.kind === 'tool' && SCOPED.has(principal.authenticatedBy)) {
    const tier = p.tierOf(target.upstream, target.name);
    const scope = p.tiers[tier];
    if (scope !== undefined && !principal.scopes.includes(scope)) {
      return { allowed: false, rule: `policy.tiers.${tier}`, reason: `the ${tier} tier needs scope "${scope}"`, failed, requiredScope: scope };
    }
  }
  const d: Decision = { allowed: true, rule: chosen.id, reason: 'granted', failed };
  if (chosen.limits !== undefined) d.limits = chosen.limits;
  if (chosen.approval !== undefined) d.approval = chosen.approval;
  return d;
}
