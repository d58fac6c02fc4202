/**
 * Authorization, deny by default: roles and the everyone-list grant upstreams and tools by name
 * pattern, with CEL conditions, limits, tiers mapped to OAuth scopes, and RFC 9396 details narrowing a
 * token. The same grants filter every list, so a caller only sees what it may use.
 */
import { reject } from '../../errors.js';
import type { CatalogEntry, Ctx, Principal, Stage, Verdict } from '../../pipeline/types.js';
import { PASS } from '../../pipeline/types.js';
import type { JsonRpcRequest, JsonRpcResponse } from '../../protocol/jsonrpc.js';
import type { CompiledPolicy } from '../../policy/compile.js';
import { applicableGrants, decide } from '../../policy/decide.js';
import { detailsCoverName } from '../../policy/rar.js';

export const STAGE_NAME = 'authorize';

export function authorizeStage(policy: CompiledPolicy): Stage {
  return {
    name: STAGE_NAME,
    request(ctx: Ctx, msg: JsonRpcRequest): Verdict {
      const t = ctx.target;
      if (!t) return PASS;
      const args = t.kind === 'resource' ? { uri: t.name } : msg.params?.arguments;
      const d = decide(policy, ctx.principal, t, args, ctx.definition as Record<string, unknown> | undefined);
      if (!d.allowed) {
        const rejection = d.requiredScope !== undefined
          ? reject('insufficient_scope', d.reason, d.rule, { scope: d.requiredScope })
          : reject('denied', d.reason, d.rule, d.failed.length > 0 ? { failed: d.failed } : undefined);
        return { kind: 'deny', rejection };
      }
      ctx.allowedBy = d.rule;
      if (d.limits) ctx.limits = d.limits;
      if (d.approval) {
        const a = d.approval;
        ctx.approvalRequired = { by: d.rule, reason: 'the grant requires approval', timeoutMs: a.timeoutMs, userConsent: a.userConsent, approvers: a.approvers };
      }
      return PASS;
    },
    response(ctx: Ctx, msg: JsonRpcResponse): Verdict {
      const max = ctx.limits?.maxItems;
      if (max === undefined || 'error' in msg || !Array.isArray(msg.result.content) || msg.result.content.length <= max) return PASS;
      const kept = msg.result.content.slice(0, max);
      kept.push({ type: 'text', text: `[portcullis: ${msg.result.content.length - max} more items withheld by policy (limit ${max})]` });
      return { kind: 'replace', note: `limited to ${max} items by ${ctx.allowedBy ?? 'policy'}`, message: { ...msg, result: { ...msg.result, content: kept } } };
    },
    visible(principal: Principal, entry: CatalogEntry): boolean {
      const target = { upstream: entry.upstream, kind: entry.kind, name: entry.name };
      if (applicableGrants(policy, principal, target).length === 0) return false;
      return principal.authorizationDetails === undefined || detailsCoverName(principal.authorizationDetails, target);
    },
  };
}

