/**
 * One connection to one upstream MCP server, whatever its transport or protocol era. The rest of the
 * gateway sees only this interface: request/notify, the server's description, and events.
 */
import type { JsonRpcErrorObject, JsonRpcNotification, JsonRpcRequest, JsonRpcResponse, Params } from '../protocol/jsonrpc.js';
import type { Era } from '../pipeline/types.js';
import type { CancelSignal } from '../cancel.js';

export interface ServerDescription {
  era: Era;
  protocolVersion: string;
  capabilities: Params;
  serverInfo: Params;
  instructions?: string;
}

export interface CallOptions {
  timeoutMs: number;
  signal?: CancelSignal;
  /** Who caused this call: server→client requests on a shared channel go only to their owner. */
  owner?: string;
  /** Notifications related to this call (progress tokens already mapped back to the caller's). */
  onNotification?: (n: JsonRpcNotification) => void;
  /** A server→client request (sampling, elicitation, roots) made during this call. */
  onServerRequest?: (r: JsonRpcRequest) => Promise<JsonRpcResponse>;
  /** W3C trace context to propagate on HTTP upstreams. */
  traceparent?: string;
  /** Extra HTTP headers for this call (2026-07-28 `Mcp-Param-*`). */
  headers?: Record<string, string>;
  /** Client capabilities the calling agent declared (per request in the 2026-07-28 era). */
  clientCapabilities?: Params;
}

export type UpstreamReply = { ok: true; result: Params } | { ok: false; error: JsonRpcErrorObject };

export type LinkEvent =
  | { type: 'notification'; notification: JsonRpcNotification }
  | { type: 'up'; server: ServerDescription }
  | { type: 'down'; reason: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string; detail?: Record<string, unknown> };

export interface UpstreamLink {
  readonly upstream: string;
  readonly server: ServerDescription | undefined;
  readonly inFlight: number;
  start(): Promise<ServerDescription>;
  request(method: string, params: Params | undefined, opts: CallOptions): Promise<UpstreamReply>;
  notify(method: string, params?: Params): void;
  /**
   * The caller's own token, for an RFC 8693 exchange at the authorization server (it is never sent
   * upstream). Only links that exchange use it; their connection is per principal or per session.
   */
  setSubjectToken?(token: string | undefined): void;
  /** 2026-07-28 upstreams: resource subscriptions ride the `subscriptions/listen` stream. */
  subscribe?(uri: string, on: boolean): boolean;
  close(): Promise<void>;
}

export const LATEST_LEGACY_VERSION = '2025-11-25';
export const MODERN_VERSION = '2026-07-28';
export const SUPPORTED_LEGACY_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'] as const;

export const GATEWAY_INFO = { name: 'portcullis', version: '0.1.0' } as const;

/** Meta keys of the 2026-07-28 era. */
export const META = {
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  serverInfo: 'io.modelcontextprotocol/serverInfo',
  logLevel: 'io.modelcontextprotocol/logLevel',
  subscriptionId: 'io.modelcontextprotocol/subscriptionId',
} as const;
