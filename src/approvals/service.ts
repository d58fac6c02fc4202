/**
 * The approvals port the gateway uses: open a request, find a standing session-wide approval, wait for
 * a decision, decide. The store is opened on first use (most configs never hold a call). A call is held
 * by one replica; decisions can land on any replica or come from the CLI, so the holder polls the store
 * (`approvals.pollMs`) and is woken at once when the decision is made in its own process.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ApprovalsConfig, StorageConfig } from '../config/schema.js';
import type { ApprovalRequirement, AuditEvent, AuditOutcome, AuditSink, Principal, Target } from '../pipeline/types.js';
import { redacted } from '../pipeline/runner.js';
import { canonical } from '../audit/chain.js';
import { GatewayError } from '../errors.js';
import { openSql } from '../storage/sql.js';
import type { Logger } from '../telemetry/log.js';
import { ApprovalStore, type ApprovalRecord } from './store.js';
import { decide, type DecisionInput, type DecisionResult } from './decide.js';
import { deliverWebhook } from './webhook.js';
import type { CancelSignal } from '../cancel.js';

const ARGS_MAX = 2048;

export interface ApprovalDeps {
  audit: AuditSink;
  log: Logger;
  environment: string;
}

export interface OpenRequest {
  principal: Principal;
  /** The session a session-wide approval would cover; undefined when the call has none. */
  session: string | undefined;
  target: Target;
  args: unknown;
  requirement: ApprovalRequirement;
  timeoutMs: number;
  traceId: string;
}

/** SHA-256 of the canonical JSON of what a session-wide approval covers: the target and its arguments. */
export function callHash(target: Target, args: unknown): string {
  return createHash('sha256').update(canonical({ upstream: target.upstream, kind: target.kind, name: target.name, args: args ?? {} })).digest('hex');
}

export class ApprovalService {
  private opening: Promise<ApprovalStore> | undefined;
  private readonly wakers = new Map<string, Set<() => void>>();

  constructor(
    readonly cfg: ApprovalsConfig,
    private readonly storage: StorageConfig,
    private readonly deps: ApprovalDeps,
  ) {}

  /** The store, opened once; a failed open is retried by the next caller rather than cached. */
  store(): Promise<ApprovalStore> {
    this.opening ??= openSql(this.storage)
      .then((db) => ApprovalStore.open(db))
      .catch((err: unknown) => {
        this.opening = undefined;
        throw new GatewayError('storage', `approvals store unavailable: ${(err as Error).message}`, { cause: err });
      });
    return this.opening;
  }

  async standing(principal: Principal, session: string | undefined, target: Target, args: unknown): Promise<ApprovalRecord | undefined> {
    if (session === undefined) return undefined;
    const store = await this.store();
    return store.standing({ session, subject: principal.subject, upstream: target.upstream, kind: target.kind, target: target.name, argsHash: callHash(target, args) });
  }

  async open(req: OpenRequest): Promise<ApprovalRecord> {
    const store = await this.store();
    const now = Date.now();
    const p = req.principal;
    const rec: ApprovalRecord = {
      id: `apr_${randomBytes(12).toString('hex')}`,
      status: 'pending',
      requester: { subject: p.subject, roles: [...p.roles], ...(p.tenant !== undefined ? { tenant: p.tenant } : {}) },
      upstream: req.target.upstream,
      kind: req.target.kind,
      target: req.target.name,
      args: redacted(JSON.stringify(req.args ?? {}), ARGS_MAX),
      argsHash: callHash(req.target, req.args),
      rule: req.requirement.by,
      reason: req.requirement.reason,
      approvers: [...(req.requirement.approvers ?? [])],
      traceId: req.traceId,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + req.timeoutMs).toISOString(),
    };
    if (req.session !== undefined) rec.session = req.session;
    await store.insert(rec);
    this.record(rec, 'approval/requested', { subject: p.subject, roles: p.roles, tenant: p.tenant }, 'delivered', `${rec.kind} ${rec.upstream}/${rec.target} held for approval (${rec.rule}: ${rec.reason}) until ${rec.expiresAt}`);
    this.notify('approval.requested', rec);
    return rec;
  }

  /**
   * Hold until the request is settled: by a decision (this process, another replica, the CLI), by the
   * deadline, or by the agent going away. Returns the settled record; audits and announces the outcome.
   */
  async wait(id: string, timeoutMs: number, signal: CancelSignal | undefined): Promise<ApprovalRecord> {
    const store = await this.store();
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const rec = await store.get(id);
      if (!rec) throw new GatewayError('storage', `approval ${id} is missing from the store`);
      let settled: ApprovalRecord | undefined = rec.status === 'pending' ? undefined : rec;
      if (!settled && signal?.aborted) {
        settled = await store.settle(id, { status: 'cancelled', by: rec.requester.subject, reason: 'the agent cancelled the request or went away', via: 'agent' });
      } else if (!settled && performance.now() >= deadline) {
        settled = await store.settle(id, { status: 'timed_out', by: 'portcullis', reason: `no decision within ${Math.round(timeoutMs / 1000)}s`, via: 'timeout' });
      }
      if (settled) {
        this.resolved(settled);
        return settled;
      }
      // A settle that lost a race leaves the request decided by someone else: the next read sees it.
      if (rec.status === 'pending' && !signal?.aborted && performance.now() < deadline) {
        await this.pause(id, Math.min(this.cfg.pollMs, deadline - performance.now()), signal);
      }
    }
  }

  /** Decide a request (admin API, user consent); wakes the holder at once when it is in this process. */
  async decide(input: DecisionInput): Promise<DecisionResult> {
    const result = await decide(await this.store(), input);
    if (result.ok) this.wake(input.id);
    if (input.via === 'admin-api') {
      const a = input.approver;
      const detail = result.ok ? `${input.decision} (${input.scope}): ${input.reason}` : `${input.decision} refused (${result.refusal}): ${result.message}`;
      this.record(result.ok ? result.record : (result.record ?? { id: input.id }), 'approval/decide', { subject: a.subject, roles: a.roles }, result.ok ? 'allowed' : 'denied', detail, result.ok ? undefined : result.refusal);
    }
    return result;
  }

  async close(): Promise<void> {
    const opening = this.opening;
    this.opening = undefined;
    if (opening) await opening.then((s) => s.db.close()).catch(() => undefined);
  }

  private pause(id: string, ms: number, signal: CancelSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      let set = this.wakers.get(id);
      if (!set) this.wakers.set(id, (set = new Set()));
      const done = () => {
        clearTimeout(timer);
        offAbort?.();
        set.delete(done);
        if (set.size === 0) this.wakers.delete(id);
        resolve();
      };
      const timer = setTimeout(done, Math.max(ms, 0));
      set.add(done);
      const offAbort = signal?.onAbort(done);
    });
  }

  private wake(id: string): void {
    for (const w of [...(this.wakers.get(id) ?? [])]) w();
  }

  private resolved(rec: ApprovalRecord): void {
    const outcome: AuditOutcome = rec.status === 'approved' ? 'allowed' : rec.status === 'cancelled' ? 'failed' : 'denied';
    const who = rec.decidedBy ?? 'portcullis';
    const detail = `${rec.status} by ${who} via ${rec.via ?? '?'}${rec.scope === 'session' ? ' for the session' : ''} at ${rec.decidedAt ?? '?'}: ${rec.decisionReason ?? ''}`;
    this.record(rec, 'approval/resolved', { subject: who, roles: [] }, outcome, detail, rec.status);
    this.notify('approval.resolved', rec);
  }

  private notify(event: string, rec: ApprovalRecord): void {
    const hook = this.cfg.webhook;
    if (!hook) return;
    const payload = { event, environment: this.deps.environment, approval: rec, decide: { method: 'POST', path: `/admin/approvals/${rec.id}`, body: { decision: 'approve | deny', reason: '…', scope: 'call | session' } } };
    void deliverWebhook(hook, event, payload).then((r) => {
      if (r.ok) return;
      this.deps.log.warn({ approval: rec.id, event, error: r.error, attempts: r.attempts }, 'approval webhook delivery failed');
      this.record(rec, 'approval/webhook', { subject: 'portcullis', roles: [] }, 'failed', `${event} not delivered after ${r.attempts} attempts: ${r.error}`, 'webhook_failed');
    });
  }

  /** One admin record in the audit trail, linked to the held call by its trace id and the approval id. */
  private record(rec: Pick<ApprovalRecord, 'id'> & Partial<ApprovalRecord>, method: string, who: { subject: string; roles: readonly string[]; tenant?: string | undefined }, outcome: AuditOutcome, detail: string, reason?: string): void {
    const e: AuditEvent = {
      time: new Date().toISOString(),
      id: randomUUID(),
      traceId: rec.traceId ?? randomBytes(16).toString('hex'),
      direction: 'inbound',
      kind: 'admin',
      transport: 'admin',
      environment: this.deps.environment,
      principal: { subject: who.subject, roles: [...who.roles], ...(who.tenant !== undefined ? { tenant: who.tenant } : {}) },
      method,
      outcome,
      rule: `approval:${rec.id}`,
      detail: detail.slice(0, 1500),
      stages: [],
      latencyMs: 0,
    };
    if (reason !== undefined) e.reason = reason;
    if (rec.upstream !== undefined) e.upstream = rec.upstream;
    if (rec.target !== undefined) e.target = rec.target;
    if (rec.session !== undefined) e.session = rec.session;
    try {
      void Promise.resolve(this.deps.audit.append(e)).catch(() => undefined);
    } catch {
      /* a sink that throws synchronously has already counted the loss */
    }
  }
}
