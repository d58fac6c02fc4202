/**
 * The narrow surface the downstream adapters (HTTP, stdio) use. Adapters stay policy-free: they frame,
 * validate the transport, and hand each message here.
 */
import type { JsonRpcNotification, JsonRpcRequest, JsonRpcResponse, Params } from '../protocol/jsonrpc.js';
import type { Era, Principal } from '../pipeline/types.js';
import type { AgentRequestChannel, AgentSession } from './agent.js';

export interface InvalidMessage {
  transport: 'http' | 'stdio';
  era?: Era;
  principal: Principal;
  session?: string;
  method?: string;
  requestId?: string | number | null;
  reason: string;
  detail: string;
}

/** A listener for unrelated notifications of the 2026-07-28 era (`subscriptions/listen`). */
export interface ListenFilter {
  toolsListChanged: boolean;
  promptsListChanged: boolean;
  resourcesListChanged: boolean;
  resourceSubscriptions: ReadonlySet<string>;
}

export interface Listener {
  readonly principal: Principal;
  readonly filter: ListenFilter;
  push(n: JsonRpcNotification): void;
}

export interface MessageHandler {
  request(agent: AgentRequestChannel, req: JsonRpcRequest, transport: 'http' | 'stdio', traceparent?: string): Promise<JsonRpcResponse>;
  initializeResult(requestedVersion: unknown): Params;
  /** Audit a message that never became a request (malformed, refused at the transport). */
  invalid(m: InvalidMessage): void;
  /** Audit an inbound notification. */
  notification(n: JsonRpcNotification, transport: 'http' | 'stdio', era: Era, principal: Principal, session?: string): void;
  openSession(s: AgentSession): void;
  closeSession(s: AgentSession): void;
  addListener(l: Listener): () => void;
}
