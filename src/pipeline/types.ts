/**
 * The shapes every stage and adapter shares: who is calling (Principal), the context of one message
 * (Ctx), what a stage decides (Verdict) and what the runner records (AuditEvent).
 */
import type { Rejection } from '../errors.js';
import type { JsonRpcRequest, JsonRpcResponse } from '../protocol/jsonrpc.js';
import type { RemoteParent, RequestTrace } from '../telemetry/tracing.js';
import type { AgentRequestChannel } from '../downstream/agent.js';

export interface Principal {
  readonly subject: string;
  readonly clientId?: string;
  readonly tenant?: string;
  readonly roles: readonly string[];
  readonly scopes: readonly string[];
  /** How the principal was established: 'anonymous' until an authenticator says otherwise. */
  readonly authenticatedBy: 'anonymous' | 'oauth' | 'api-key' | 'builtin' | 'stdio';
  /** RFC 9396 `authorization_details` from the token, enforced by the policy when present. */
  readonly authorizationDetails?: unknown;
  /** A session claim (`sid`) from the token: the 2026-07-28 era's notion of a session. */
  readonly sessionClaim?: string;
}

export const ANONYMOUS: Principal = Object.freeze({
  subject: 'anonymous',
  roles: Object.freeze([]) as readonly string[],
  scopes: Object.freeze([]) as readonly string[],
  authenticatedBy: 'anonymous',
});

export type Era = 'legacy' | 'modern';
export type TargetKind = 'tool' | 'prompt' | 'resource';

/** What a namespaced name resolved to: which upstream, and the name that upstream knows. */
export interface Target {
  readonly upstream: string;
  readonly kind: TargetKind;
  /** The upstream's own tool or prompt name, or resource URI. */
  readonly name: string;
}

export interface StageRecord {
  stage: string;
  verdict: 'pass' | 'replace' | 'deny';
  reason?: string;
  ms: number;
}

export interface Ctx {
  /** Gateway-wide id of this message, for the audit record and logs. */
  readonly id: string;
  readonly traceId: string;
  /** The agent's W3C trace context (validated; its trace id is traceId), when it sent one. */
  readonly remoteParent?: RemoteParent | undefined;
  /** This request's span, set by the runner when tracing is on; never set (and never paid for) when off. */
  trace?: RequestTrace | undefined;
  readonly startedAt: number;
  readonly transport: 'http' | 'stdio';
  readonly era: Era;
  readonly principal: Principal;
  readonly session: string | undefined;
  readonly method: string;
  target: Target | undefined;
  readonly stages: StageRecord[];
  /** The rule that allowed the message, set by the authorizing stage. */
  allowedBy: string | undefined;
  /** The tool definition the upstream last listed for the target (annotations feed conditions). */
  definition?: Readonly<Record<string, unknown>> | undefined;
  /** Limits of the grant that allowed the call, applied to its result. */
  limits?: { maxItems?: number | undefined } | undefined;
  /**
   * Labels this message's result earned from the content checks ('secret', 'pii', 'untrusted-content'),
   * added by response stages; the flow stage (whose response hook runs after theirs) adds them to the
   * session's history.
   */
  resultLabels?: string[];
  /** What the content checks found and did, copied into the audit record. */
  findings?: Finding[];
  /**
   * Set by a stage that allows the call only with a person's approval (a grant or a flow rule): the
   * approval stage, last in the request order, holds the call until it is decided.
   */
  approvalRequired?: ApprovalRequirement | undefined;
  /**
   * The agent behind a request (its stream, cancellation signal and server→client requests), for a
   * stage that must talk to it while it decides: the approval stage sends progress and may ask the user.
   */
  agent?: AgentRequestChannel | undefined;
}

/** Why a call needs a person's approval, and how the rule that asked wants it handled. */
export interface ApprovalRequirement {
  /** The rule that asked (a grant's config path or a flow rule's name). */
  readonly by: string;
  readonly reason: string;
  /** How long to hold the call (default: approvals.defaultTimeoutMs). */
  readonly timeoutMs?: number;
  /** The user may consent through elicitation instead of an approver. */
  readonly userConsent?: boolean;
  /** Roles allowed to decide; empty or absent: any approver. */
  readonly approvers?: readonly string[];
}

/** One content-check finding as the audit record keeps it: never the matched text itself. */
export interface Finding {
  readonly check: string;
  readonly kind: string;
  readonly action: string;
  readonly count: number;
}

export type Verdict =
  | { readonly kind: 'pass' }
  | { readonly kind: 'replace'; readonly note: string; readonly message: JsonRpcRequest | JsonRpcResponse }
  | { readonly kind: 'deny'; readonly rejection: Rejection };

export const PASS: Verdict = Object.freeze({ kind: 'pass' });

/** An item an upstream offers, as list filtering sees it. */
export interface CatalogEntry {
  readonly upstream: string;
  readonly kind: TargetKind;
  /** Tool/prompt name or resource URI (or URI template) in the upstream's own terms. */
  readonly name: string;
  readonly definition: Readonly<Record<string, unknown>>;
}

/**
 * A stage decides; it never throws for expected outcomes and never writes audit records.
 * `visible` filters list results so a caller only sees what it may use.
 */
export interface Stage {
  readonly name: string;
  request?(ctx: Ctx, msg: JsonRpcRequest): Verdict | Promise<Verdict>;
  response?(ctx: Ctx, msg: JsonRpcResponse): Verdict | Promise<Verdict>;
  /**
   * A request the upstream sends to the agent during a call (sampling, elicitation): upstream text on
   * its way to the agent's model or user. `replace` swaps the params; `deny` answers the upstream with
   * an error and the agent is never asked.
   */
  serverRequest?(ctx: Ctx, req: JsonRpcRequest): Verdict | Promise<Verdict>;
  visible?(principal: Principal, entry: CatalogEntry): boolean;
}

export type AuditOutcome = 'allowed' | 'denied' | 'failed' | 'invalid' | 'delivered';

export interface AuditEvent {
  time: string;
  id: string;
  traceId: string;
  direction: 'inbound' | 'outbound';
  kind: 'request' | 'notification' | 'response' | 'invalid' | 'admin';
  transport: 'http' | 'stdio' | 'admin';
  environment?: string;
  era?: Era;
  principal: { subject: string; clientId?: string; tenant?: string; roles: readonly string[] };
  session?: string;
  upstream?: string;
  method?: string;
  target?: string;
  requestId?: string | number | null;
  outcome: AuditOutcome;
  reason?: string;
  detail?: string;
  rule?: string;
  stages: StageRecord[];
  latencyMs: number;
  /** The call's arguments as JSON, secrets redacted, at most 2 KB. */
  args?: string;
  /** Content-check findings on the arguments or the result. */
  findings?: Finding[];
  /** Size, error flag, a redacted excerpt and the SHA-256 of the full result as sent to the agent. */
  result?: { isError: boolean; bytes?: number; sha256?: string; excerpt?: string };
}

export interface AuditSink {
  /**
   * Plain sinks return nothing; a durable sink returns a promise that, in sync mode, settles when the
   * record is durable and rejects when it cannot be (the runner then withholds the result).
   */
  append(event: AuditEvent): void | Promise<void>;
  close(): Promise<void>;
}
