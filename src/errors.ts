/**
 * The error catalogue. Two families, one mapper:
 *  - Rejection: an expected outcome (policy denial, unknown tool, upstream down). The agent sees a stable
 *    JSON-RPC code and `data.reason`; the audit record names the stage and rule.
 *  - GatewayError: a bug or an outage inside the gateway. The agent sees a generic internal error; the
 *    detail stays in the log (never on the wire).
 */
import { RpcCode, errorResponse, type JsonRpcFailure, type RequestId } from './protocol/jsonrpc.js';

/** Stable reasons an agent (or a test) can match on. Never renumber. */
export const Rejections = {
  denied: { code: -32001, message: 'Denied by policy' },
  insufficient_scope: { code: -32001, message: 'Insufficient scope' },
  unauthenticated: { code: -32001, message: 'Authentication required' },
  unknown_target: { code: RpcCode.InvalidParams, message: 'Unknown tool, prompt or resource' },
  upstream_unavailable: { code: -32003, message: 'Upstream server unavailable' },
  upstream_timeout: { code: -32004, message: 'Upstream server timed out' },
  upstream_failed: { code: -32005, message: 'Upstream server failed during the call' },
  upstream_protocol: { code: -32006, message: 'Upstream server sent an invalid response' },
  cancelled: { code: -32007, message: 'Request cancelled' },
  invalid_request: { code: RpcCode.InvalidRequest, message: 'Invalid request' },
  invalid_params: { code: RpcCode.InvalidParams, message: 'Invalid params' },
  unknown_method: { code: RpcCode.MethodNotFound, message: 'Method not found' },
  parse_error: { code: RpcCode.ParseError, message: 'Parse error' },
  unsupported_version: { code: RpcCode.UnsupportedProtocolVersion, message: 'Unsupported protocol version' },
  header_mismatch: { code: RpcCode.HeaderMismatch, message: 'Header does not match the request body' },
  missing_capability: { code: RpcCode.MissingClientCapability, message: 'Missing required client capability' },
  shutting_down: { code: -32008, message: 'Gateway is shutting down' },
  audit_unavailable: { code: -32009, message: 'Audit trail unavailable' },
  flow_denied: { code: -32001, message: 'Denied by a flow rule' },
  rate_limited: { code: -32010, message: 'Rate limit reached' },
  budget_exceeded: { code: -32011, message: 'Session budget exhausted' },
  state_unavailable: { code: -32012, message: 'Shared state unavailable' },
  not_approved: { code: -32010, message: 'Not approved' },
} as const;

export type RejectionReason = keyof typeof Rejections;

export interface Rejection {
  reason: RejectionReason;
  /** Shown to the agent: must not carry secrets or internal detail. */
  detail: string;
  /** The rule or stage that decided, for the audit record and the agent. */
  rule?: string;
  /** Extra machine-readable fields for the agent (for example a retry time). */
  extra?: Record<string, unknown>;
}

export function reject(reason: RejectionReason, detail: string, rule?: string, extra?: Record<string, unknown>): Rejection {
  const r: Rejection = { reason, detail };
  if (rule !== undefined) r.rule = rule;
  if (extra !== undefined) r.extra = extra;
  return r;
}

export type GatewayErrorCode = 'internal' | 'config' | 'upstream_spawn' | 'storage';

export class GatewayError extends Error {
  readonly code: GatewayErrorCode;
  constructor(code: GatewayErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GatewayError';
    this.code = code;
  }
}

/** The one mapper from either family to a JSON-RPC error response. */
export function toRpcError(id: RequestId | null, failure: Rejection | GatewayError | unknown): JsonRpcFailure {
  if (isRejection(failure)) {
    const entry = Rejections[failure.reason];
    const data: Record<string, unknown> = { reason: failure.reason, detail: failure.detail, ...failure.extra };
    if (failure.rule !== undefined) data.rule = failure.rule;
    return errorResponse(id, entry.code, `${entry.message}: ${failure.detail}`, data);
  }
  return errorResponse(id, RpcCode.InternalError, 'Internal gateway error', { reason: 'internal' });
}

export function isRejection(v: unknown): v is Rejection {
  return typeof v === 'object' && v !== null && 'reason' in v && 'detail' in v &&
    typeof (v as { reason: unknown }).reason === 'string' && (v as { reason: string }).reason in Rejections;
}

/** Thrown by upstream connectors so callers can map it to a Rejection without string matching. */
export class UpstreamFailure extends Error {
  readonly reason: 'upstream_unavailable' | 'upstream_timeout' | 'upstream_failed' | 'upstream_protocol' | 'cancelled';
  constructor(reason: UpstreamFailure['reason'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UpstreamFailure';
    this.reason = reason;
  }
  toRejection(upstream: string): Rejection {
    return reject(this.reason, `${upstream}: ${this.message}`);
  }
}
