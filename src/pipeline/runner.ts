/**
 * The runner: fold the request stages, forward, fold the response stages, and write exactly one audit
 * record per message, whatever happened (denied, failed, malformed). Stages return verdicts as data;
 * only the runner turns them into responses and records.
 */
import { performance } from 'node:perf_hooks';
import { createHash } from 'node:crypto';
import { GatewayError, reject, toRpcError, type Rejection } from '../errors.js';
import type { JsonRpcNotification, JsonRpcRequest, JsonRpcResponse, Params } from '../protocol/jsonrpc.js';
import type { AuditEvent, AuditOutcome, AuditSink, Ctx, Stage, StageRecord, Verdict } from './types.js';
import type { StageTrace, Tracing } from '../telemetry/tracing.js';

/** Forwarding either answers (the upstream's response, error or not) or rejects with an expected reason. */
export type Forwarded = { response: JsonRpcResponse } | { rejection: Rejection };
export type Forward = (req: JsonRpcRequest) => Promise<Forwarded>;

export class Runner {
  private readonly requestStages: Stage[];
  private readonly responseStages: Stage[];

  constructor(
    readonly stages: readonly Stage[],
    private readonly audit: AuditSink,
    private readonly environment = 'default',
    /**
     * Record the arguments and a summary of the result (size, SHA-256, excerpt). It costs a second
     * serialization and a hash of every result, so it is skipped when nothing keeps the records.
     */
    private readonly recordContent = true,
    /** OpenTelemetry spans (src/telemetry/tracing.ts); undefined when tracing is off, which then costs nothing. */
    private readonly tracing?: Tracing,
  ) {
    this.requestStages = stages.filter((s) => s.request);
    this.responseStages = stages.filter((s) => s.response);
  }

  /** One request from an agent, end to end. Never throws. */
  async run(ctx: Ctx, req: JsonRpcRequest, forward: Forward): Promise<JsonRpcResponse> {
    let msg = req;
    let response: JsonRpcResponse | undefined;
    let rejection: Rejection | undefined;
    let failure: unknown;
    if (this.tracing) ctx.trace = this.tracing.request(ctx, req);
    try {
      for (const stage of this.requestStages) {
        const d = this.decide(ctx, stage, 'request', msg);
        const v = d instanceof Promise ? await d : d;
        if (v.kind === 'deny') {
          rejection = v.rejection;
          break;
        }
        if (v.kind === 'replace' && 'method' in v.message) msg = v.message as JsonRpcRequest;
        else if (v.kind === 'replace') {
          // A stage answered the call itself (a released quarantined result): nothing is forwarded,
          // the response stages still run.
          response = v.message as JsonRpcResponse;
          break;
        }
      }
      if (!rejection) {
        const fwd = response ? { response } : await forward(msg);
        if ('rejection' in fwd) rejection = fwd.rejection;
        else response = fwd.response;
        for (const stage of rejection ? [] : this.responseStages) {
          const current: JsonRpcResponse = response!;
          const d = this.decide(ctx, stage, 'response', current);
          const v = d instanceof Promise ? await d : d;
          if (v.kind === 'deny') {
            rejection = v.rejection;
            response = undefined;
            break;
          }
          if (v.kind === 'replace' && !('method' in v.message)) response = v.message;
        }
      }
    } catch (err) {
      failure = err;
      response = undefined;
    }
    const out = response ?? toRpcError(req.id, rejection ?? failure);
    return this.record(ctx, 'request', req.id, out, rejection, failure, req.params);
  }

  /** A notification (either direction) or a message that never became a request: one record each. */
  note(ctx: Ctx, kind: 'notification' | 'invalid' | 'response', direction: 'inbound' | 'outbound', outcome: AuditOutcome, extra?: { reason?: string; detail?: string; requestId?: string | number | null }): void {
    const e = this.base(ctx, kind, direction, outcome);
    if (extra?.reason !== undefined) e.reason = extra.reason;
    if (extra?.detail !== undefined) e.detail = extra.detail;
    if (extra?.requestId !== undefined) e.requestId = extra.requestId;
    if (this.tracing) this.tracing.message(ctx, e);
    // Notifications are not held back: a durable sink counts and logs a record it cannot write.
    void this.audit.append(e);
  }

  noteNotification(ctx: Ctx, n: JsonRpcNotification, direction: 'inbound' | 'outbound'): void {
    this.note(ctx, 'notification', direction, 'delivered', { detail: n.method });
  }

  /**
   * One stage's verdict, recorded with how long it took. A promise only when the stage returned one:
   * most stages decide synchronously, and awaiting only real promises saves a microtask turn per stage.
   */
  private decide(ctx: Ctx, stage: Stage, way: 'request' | 'response', message: JsonRpcRequest | JsonRpcResponse): Verdict | Promise<Verdict> {
    const t0 = performance.now();
    const span = ctx.trace?.stage(stage.name);
    const r = way === 'request' ? stage.request!(ctx, message as JsonRpcRequest) : stage.response!(ctx, message as JsonRpcResponse);
    return r instanceof Promise ? r.then((v) => this.recordStage(ctx, stage, v, t0, span)) : this.recordStage(ctx, stage, r, t0, span);
  }

  /** What a stage decided and how long it took: on the context (for the audit record) and its span. */
  private recordStage(ctx: Ctx, stage: Stage, v: Verdict, t0: number, span: StageTrace | undefined): Verdict {
    const rec: StageRecord = { stage: stage.name, verdict: v.kind, ms: round(performance.now() - t0) };
    if (v.kind === 'deny') rec.reason = v.rejection.rule ?? v.rejection.reason;
    if (v.kind === 'replace') rec.reason = v.note;
    ctx.stages.push(rec);
    span?.end(rec);
    return v;
  }

  private base(ctx: Ctx, kind: AuditEvent['kind'], direction: AuditEvent['direction'], outcome: AuditOutcome): AuditEvent {
    const p = ctx.principal;
    const principal: AuditEvent['principal'] = { subject: p.subject, roles: p.roles };
    if (p.clientId !== undefined) principal.clientId = p.clientId;
    if (p.tenant !== undefined) principal.tenant = p.tenant;
    const e: AuditEvent = {
      time: new Date().toISOString(),
      id: ctx.id,
      traceId: ctx.traceId,
      direction,
      kind,
      transport: ctx.transport,
      environment: this.environment,
      era: ctx.era,
      principal,
      method: ctx.method,
      outcome,
      stages: ctx.stages,
      latencyMs: round(performance.now() - ctx.startedAt),
    };
    if (ctx.session !== undefined) e.session = ctx.session;
    if (ctx.target) {
      e.upstream = ctx.target.upstream;
      e.target = ctx.target.name;
    }
    if (ctx.allowedBy !== undefined) e.rule = ctx.allowedBy;
    if (ctx.findings?.length) e.findings = ctx.findings;
    return e;
  }

  private async record(ctx: Ctx, kind: 'request', requestId: string | number, out: JsonRpcResponse, rejection: Rejection | undefined, failure: unknown, params?: Params): Promise<JsonRpcResponse> {
    const isError = 'error' in out;
    const outcome: AuditOutcome = rejection ? outcomeOf(rejection) : failure !== undefined ? 'failed' : 'allowed';
    const e = this.base(ctx, kind, 'inbound', outcome);
    e.requestId = requestId;
    if (rejection) {
      e.reason = rejection.reason;
      e.detail = rejection.detail;
      if (rejection.rule !== undefined) e.rule = rejection.rule;
    } else if (failure !== undefined) {
      e.reason = failure instanceof GatewayError ? failure.code : 'internal';
      e.detail = failure instanceof Error ? failure.message : String(failure);
    }
    e.result = { isError: isError || (!isError && out.result.isError === true) };
    if (this.recordContent) {
      const args = params?.arguments;
      if (args !== undefined) e.args = redacted(JSON.stringify(args), ARGS_MAX);
      // The full result is hashed (proof of what the agent received); only a redacted excerpt is kept.
      const body = JSON.stringify(isError ? out.error : out.result);
      e.result.bytes = Buffer.byteLength(body);
      e.result.sha256 = createHash('sha256').update(body).digest('hex');
      e.result.excerpt = redacted(body, EXCERPT_MAX);
    }
    try {
      // sync mode: resolves once the record is committed (group commit); async and plain sinks: at once.
      const durable = this.audit.append(e);
      if (durable) await durable;
    } catch {
      // Fail closed: a call whose record cannot be made durable gets this refusal, not its result.
      const refused = toRpcError(requestId, reject('audit_unavailable', 'the audit trail could not record this call, so its result is withheld'));
      ctx.trace?.end({ ...e, outcome: 'failed', reason: 'audit_unavailable' }, refused);
      return refused;
    }
    // The span ends after the record is durable, so it covers what the agent waited for.
    ctx.trace?.end(e, out);
    return out;
  }
}

const ARGS_MAX = 2048;
const EXCERPT_MAX = 256;

/**
 * Cut first (bounded work), then mask every token-like run (20+ characters of the alphabets keys and
 * tokens use). This over-redacts on purpose: it is one linear pass on the hot path, and no credential
 * format escapes it, where the full secret detectors cost far more per call.
 */
const TOKEN_LIKE = /[A-Za-z0-9+/_\-.=]{20,}/g;
export function redacted(text: string, max: number): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return cut.replace(TOKEN_LIKE, '[REDACTED]');
}

/** A policy refusal is a denial; an upstream that failed the call is a failure; bad input is invalid. */
function outcomeOf(r: Rejection): AuditOutcome {
  switch (r.reason) {
    case 'upstream_unavailable':
    case 'upstream_timeout':
    case 'upstream_failed':
    case 'upstream_protocol':
    case 'cancelled':
    case 'shutting_down':
    case 'audit_unavailable':
    case 'state_unavailable':
      return 'failed';
    case 'invalid_request':
    case 'invalid_params':
    case 'unknown_method':
    case 'unknown_target':
    case 'parse_error':
    case 'unsupported_version':
    case 'header_mismatch':
    case 'missing_capability':
      return 'invalid';
    case 'denied':
    case 'not_approved':
    case 'insufficient_scope':
    case 'unauthenticated':
    case 'flow_denied':
    case 'rate_limited':
    case 'budget_exceeded':
      return 'denied';
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
