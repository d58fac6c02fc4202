/**
 * What the gateway knows about the agent behind one request, independent of the transport: its era,
 * the capabilities it declared, its session (legacy and stdio), and how to reach it on the stream of
 * this very request.
 */
import type { JsonRpcNotification, JsonRpcResponse, Params } from '../protocol/jsonrpc.js';
import type { Era, Principal } from '../pipeline/types.js';
import type { CancelSignal } from '../cancel.js';

export interface AgentSession {
  readonly id: string;
  readonly principal: Principal;
  readonly era: Era;
  protocolVersion: string;
  clientCapabilities: Params;
  clientInfo: Params;
  logLevel: string | undefined;
  /** Exposed resource URIs this session subscribed to (legacy resources/subscribe). */
  readonly subscriptions: Set<string>;
  /** Send an unrelated notification (list changes, resource updates) on the session's own stream. */
  push(n: JsonRpcNotification): void;
}

export interface AgentRequestChannel {
  readonly era: Era;
  readonly principal: Principal;
  readonly session: AgentSession | undefined;
  readonly clientCapabilities: Params;
  /** Aborts when the agent cancels the request or goes away. */
  readonly signal: CancelSignal;
  /** A notification related to this request (progress, log lines), on this request's stream. */
  notify(n: JsonRpcNotification): void;
  /** A server→client request on this request's stream; undefined when the agent cannot take one. */
  ask: ((method: string, params: Params | undefined) => Promise<JsonRpcResponse>) | undefined;
  /** 2026-07-28 `Mcp-Param-*` headers (lower-case name → raw value), checked against the arguments. */
  paramHeaders?: ReadonlyMap<string, string>;
}
