/**
 * Human approval, last of the request stages: a call that a grant or a flow rule marked
 * (`ctx.approvalRequired`) is held — the upstream is not called — until an approver decides, the
 * deadline passes (deny), or the agent cancels. A standing session-wide approval of the same tool with
 * the same arguments lets the call through at once. While it waits, an agent that sent a progressToken
 * gets progress notifications; where the rule allows user consent and the agent takes elicitation, the
 * user is asked too, and whichever answer comes first settles the request.
 */
import { reject } from '../../errors.js';
import { PASS, type Ctx, type Stage, type Verdict } from '../../pipeline/types.js';
import { isPlainObject, type JsonRpcRequest } from '../../protocol/jsonrpc.js';
import type { ApprovalService } from '../../approvals/service.js';
import type { ApprovalRecord } from '../../approvals/store.js';

export const STAGE_NAME = 'approval';

export function approvalStage(service: ApprovalService | undefined): Stage {
  return {
    name: STAGE_NAME,
    // Synchronous for the calls that need no approval (nearly all): no promise on the hot path.
    request(ctx: Ctx, msg: JsonRpcRequest): Verdict | Promise<Verdict> {
      return ctx.approvalRequired ? hold(service, ctx, msg) : PASS;
    },
  };
}

async function hold(service: ApprovalService | undefined, ctx: Ctx, msg: JsonRpcRequest): Promise<Verdict> {
  const need = ctx.approvalRequired!;
  const target = ctx.target;
  // Fail closed: a call that needs a person is never let through for want of the means to ask one.
  if (!service || !target) return { kind: 'deny', rejection: reject('denied', 'this call needs approval, and approvals are not available here', need.by) };
  const args = target.kind === 'resource' ? { uri: target.name } : msg.params?.arguments ?? {};
  const session = ctx.session ?? (ctx.principal.sessionClaim !== undefined ? `sid:${ctx.principal.sessionClaim}` : undefined);

  const standing = await service.standing(ctx.principal, session, target, args);
  if (standing) {
    ctx.allowedBy = `approval:${standing.id}`;
    return PASS;
  }
  const timeoutMs = need.timeoutMs ?? service.cfg.defaultTimeoutMs;
  const rec = await service.open({ principal: ctx.principal, session, target, args, requirement: need, timeoutMs, traceId: ctx.traceId });
  const signal = ctx.agent?.signal;
  const stopProgress = progress(ctx, msg, rec, service.cfg.progressMs, timeoutMs);
  if (need.userConsent) askUser(ctx, service, rec);
  let final: ApprovalRecord;
  try {
    final = await service.wait(rec.id, timeoutMs, signal);
  } finally {
    stopProgress();
  }
  return verdict(ctx, final, signal?.aborted === true);
}

function verdict(ctx: Ctx, rec: ApprovalRecord, cancelled: boolean): Verdict {
  const rule = `approval:${rec.id}`;
  const approval = { id: rec.id, status: rec.status, decidedBy: rec.decidedBy, reason: rec.decisionReason };
  if (cancelled || rec.status === 'cancelled') {
    return { kind: 'deny', rejection: reject('cancelled', `the call was cancelled while it waited for approval ${rec.id}`, rule, { approval: { ...approval, status: 'cancelled' } }) };
  }
  switch (rec.status) {
    case 'approved':
      ctx.allowedBy = rule;
      return PASS;
    case 'denied':
      return { kind: 'deny', rejection: reject('denied', `approval ${rec.id} was denied by ${rec.decidedBy ?? 'an approver'}: ${rec.decisionReason ?? ''}`, rule, { approval }) };
    case 'timed_out':
    case 'pending':
      return { kind: 'deny', rejection: reject('denied', `approval ${rec.id} timed out: ${rec.decisionReason ?? 'no decision in time'}`, rule, { approval: { ...approval, status: 'timed_out' } }) };
  }
}

/** Progress notifications on the call's own stream while it waits, when the agent asked for progress. */
function progress(ctx: Ctx, msg: JsonRpcRequest, rec: ApprovalRecord, everyMs: number, timeoutMs: number): () => void {
  const meta = msg.params?._meta;
  const token = isPlainObject(meta) ? meta.progressToken : undefined;
  const agent = ctx.agent;
  if (!agent || (typeof token !== 'string' && typeof token !== 'number')) return () => undefined;
  const total = Math.max(1, Math.ceil(timeoutMs / everyMs));
  let step = 0;
  const send = () => {
    step++;
    agent.notify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token, progress: step, total, message: `waiting for approval ${rec.id}` } });
  };
  send();
  const timer = setInterval(send, everyMs);
  return () => clearInterval(timer);
}

/**
 * Ask the user (elicitation) when the rule allows consent and the agent can be asked. An answer other
 * than an explicit yes denies; an agent that cannot answer leaves the request to the approvers.
 */
function askUser(ctx: Ctx, service: ApprovalService, rec: ApprovalRecord): void {
  const agent = ctx.agent;
  if (!agent?.ask || !isPlainObject(agent.clientCapabilities.elicitation)) return;
  const params = {
    mode: 'form',
    message: `Allow ${rec.kind} "${rec.target}" of ${rec.upstream} with ${rec.args}? (${rec.reason}; approval ${rec.id})`,
    requestedSchema: { type: 'object', properties: { confirm: { type: 'boolean', title: 'Allow this call' } }, required: ['confirm'] },
  };
  void agent.ask('elicitation/create', params).then(
    async (res) => {
      if ('error' in res) return; // cancelled, timed out or refused: the approvers still decide
      const r = res.result;
      const yes = r.action === 'accept' && isPlainObject(r.content) && r.content.confirm === true;
      await service.decide({
        id: rec.id,
        decision: yes ? 'approve' : 'deny',
        reason: yes ? 'the user consented' : `the user answered ${typeof r.action === 'string' ? r.action.slice(0, 20) : 'no'}`,
        scope: 'call',
        approver: { subject: ctx.principal.subject, roles: ctx.principal.roles, operator: false },
        via: 'elicitation',
      });
    },
  ).catch(() => undefined);
}
