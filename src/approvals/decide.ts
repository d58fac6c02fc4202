/**
 * The rules for deciding an approval, shared by the admin API and the CLI: an approver never approves
 * their own call; a rule that names approver roles admits only those (operators — the admin token and
 * the CLI, which hold the store's keys anyway — may decide any request); a session-wide approval needs a
 * session; a decided request stays decided.
 */
import type { ApprovalRecord, ApprovalScope, ApprovalStore, ApprovalVia } from './store.js';

/** Past its deadline by this much, a pending request is treated as abandoned (its replica is gone). */
export const ABANDONED_AFTER_MS = 60_000;
export const MAX_REASON = 1000;

export interface Approver {
  subject: string;
  roles: readonly string[];
  /** The admin token or the CLI: not limited by a rule's approver roles. */
  operator: boolean;
}

export interface DecisionInput {
  id: string;
  decision: 'approve' | 'deny';
  reason: string;
  scope: ApprovalScope;
  approver: Approver;
  via: Extract<ApprovalVia, 'admin-api' | 'cli' | 'elicitation'>;
}

export type DecisionRefusal = 'unknown_id' | 'already_decided' | 'expired' | 'self_approval' | 'not_an_approver' | 'no_session' | 'invalid';

export type DecisionResult =
  | { ok: true; record: ApprovalRecord }
  | { ok: false; refusal: DecisionRefusal; message: string; record?: ApprovalRecord };

/** Parse and check a decision body (`{decision, reason, scope}`) from the API. */
export function parseDecision(body: unknown): { decision: 'approve' | 'deny'; reason: string; scope: ApprovalScope } | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'the body must be a JSON object {decision, reason, scope}';
  const b = body as Record<string, unknown>;
  for (const k of Object.keys(b)) if (!['decision', 'reason', 'scope'].includes(k)) return `unknown field "${k.slice(0, 40)}"`;
  if (b.decision !== 'approve' && b.decision !== 'deny') return 'decision must be "approve" or "deny"';
  if (typeof b.reason !== 'string' || b.reason.trim() === '') return 'reason is required: say why';
  if (b.reason.length > MAX_REASON) return `reason is longer than ${MAX_REASON} characters`;
  const scope = b.scope ?? 'call';
  if (scope !== 'call' && scope !== 'session') return 'scope must be "call" or "session"';
  if (scope === 'session' && b.decision === 'deny') return 'only an approval can cover the session';
  return { decision: b.decision, reason: b.reason.trim(), scope };
}

export async function decide(store: ApprovalStore, d: DecisionInput, now = Date.now()): Promise<DecisionResult> {
  const rec = await store.get(d.id);
  if (!rec) return { ok: false, refusal: 'unknown_id', message: `no approval request "${d.id.slice(0, 80)}"` };
  if (rec.status !== 'pending') return { ok: false, refusal: 'already_decided', message: `the request is already ${rec.status}`, record: rec };
  if (d.decision === 'approve' && d.via !== 'elicitation' && rec.requester.subject === d.approver.subject) {
    return { ok: false, refusal: 'self_approval', message: 'an approver cannot approve their own call', record: rec };
  }
  if (!d.approver.operator && d.via !== 'elicitation' && rec.approvers.length > 0 && !rec.approvers.some((r) => d.approver.roles.includes(r))) {
    return { ok: false, refusal: 'not_an_approver', message: `this request needs an approver with one of the roles: ${rec.approvers.join(', ')}`, record: rec };
  }
  if (d.scope === 'session' && rec.session === undefined) {
    return { ok: false, refusal: 'no_session', message: 'this call has no session; approve it for this call only', record: rec };
  }
  // The replica holding the call settles its own time-out by its own clock; a request far past its
  // deadline has no holder left (it crashed), so it is closed here instead of approved.
  if (now > Date.parse(rec.expiresAt) + ABANDONED_AFTER_MS) {
    const closed = await store.settle(rec.id, { status: 'timed_out', by: 'portcullis', reason: 'no replica holds this call any more', via: 'stale' }, now);
    return { ok: false, refusal: 'expired', message: 'the request expired', record: closed ?? rec };
  }
  const settled = await store.settle(rec.id, {
    status: d.decision === 'approve' ? 'approved' : 'denied',
    by: d.approver.subject,
    reason: d.reason,
    via: d.via,
    scope: d.scope,
  }, now);
  if (!settled) {
    const current = await store.get(rec.id);
    return { ok: false, refusal: 'already_decided', message: `the request is already ${current?.status ?? 'settled'}`, ...(current ? { record: current } : {}) };
  }
  return { ok: true, record: settled };
}
