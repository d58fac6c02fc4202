/**
 * JSON-RPC 2.0 framing shared by every adapter. Parsing never throws: bad input becomes a value the
 * caller can answer with the right JSON-RPC error and audit.
 */
export type RequestId = string | number;
export type Params = Record<string, unknown>;

export interface JsonRpcRequest {
  jsonrpc: '2.0';
  id: RequestId;
  method: string;
  params?: Params;
}
export interface JsonRpcNotification {
  jsonrpc: '2.0';
  method: string;
  params?: Params;
}
export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}
export interface JsonRpcSuccess {
  jsonrpc: '2.0';
  id: RequestId;
  result: Params;
}
export interface JsonRpcFailure {
  jsonrpc: '2.0';
  id: RequestId | null;
  error: JsonRpcErrorObject;
}
export type JsonRpcResponse = JsonRpcSuccess | JsonRpcFailure;
export type JsonRpcMessage = JsonRpcRequest | JsonRpcNotification | JsonRpcResponse;

/** Standard JSON-RPC codes, plus the MCP ones the gateway emits. */
export const RpcCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** MCP 2026-07-28: MCP-Protocol-Version header disagrees with the body. */
  HeaderMismatch: -32020,
  /** MCP 2026-07-28: the request needs a client capability the agent did not declare. */
  MissingClientCapability: -32021,
  /** MCP 2026-07-28: unsupported protocol version. */
  UnsupportedProtocolVersion: -32022,
} as const;

export type Classified =
  | { kind: 'request'; msg: JsonRpcRequest }
  | { kind: 'notification'; msg: JsonRpcNotification }
  | { kind: 'response'; msg: JsonRpcResponse }
  | { kind: 'invalid'; id: RequestId | null; code: number; reason: string };

function isId(v: unknown): v is RequestId {
  return typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Classify an already-parsed JSON value as one JSON-RPC message. Batches are not MCP (since 2025-06-18). */
export function classify(value: unknown): Classified {
  if (Array.isArray(value)) {
    return { kind: 'invalid', id: null, code: RpcCode.InvalidRequest, reason: 'JSON-RPC batches are not supported by MCP' };
  }
  if (!isPlainObject(value)) {
    return { kind: 'invalid', id: null, code: RpcCode.InvalidRequest, reason: 'a JSON-RPC message must be an object' };
  }
  const id = isId(value.id) ? value.id : null;
  if (value.jsonrpc !== '2.0') {
    return { kind: 'invalid', id, code: RpcCode.InvalidRequest, reason: 'jsonrpc must be "2.0"' };
  }
  if (value.params !== undefined && !isPlainObject(value.params)) {
    return { kind: 'invalid', id, code: RpcCode.InvalidParams, reason: 'params must be an object' };
  }
  if (typeof value.method === 'string') {
    if (value.method.length === 0 || value.method.length > 256) {
      return { kind: 'invalid', id, code: RpcCode.InvalidRequest, reason: 'method name is empty or too long' };
    }
    if ('id' in value) {
      if (!isId(value.id)) return { kind: 'invalid', id: null, code: RpcCode.InvalidRequest, reason: 'id must be a string or a number' };
      return { kind: 'request', msg: value as unknown as JsonRpcRequest };
    }
    return { kind: 'notification', msg: value as unknown as JsonRpcNotification };
  }
  if ('result' in value || 'error' in value) {
    if (value.id !== null && !isId(value.id)) {
      return { kind: 'invalid', id: null, code: RpcCode.InvalidRequest, reason: 'response id must be a string or a number' };
    }
    if ('error' in value) {
      const e = value.error;
      if (!isPlainObject(e) || typeof e.code !== 'number' || typeof e.message !== 'string') {
        return { kind: 'invalid', id, code: RpcCode.InvalidRequest, reason: 'malformed error object' };
      }
    } else if (!isPlainObject(value.result)) {
      return { kind: 'invalid', id, code: RpcCode.InvalidRequest, reason: 'result must be an object' };
    }
    return { kind: 'response', msg: value as unknown as JsonRpcResponse };
  }
  return { kind: 'invalid', id, code: RpcCode.InvalidRequest, reason: 'not a request, notification or response' };
}

/** Parse text into one classified message; malformed JSON becomes a ParseError value. */
export function parseMessage(text: string): Classified {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'invalid', id: null, code: RpcCode.ParseError, reason: 'body is not valid JSON' };
  }
  return classify(value);
}

export function errorResponse(id: RequestId | null, code: number, message: string, data?: unknown): JsonRpcFailure {
  const error: JsonRpcErrorObject = data === undefined ? { code, message } : { code, message, data };
  return { jsonrpc: '2.0', id, error };
}

export function successResponse(id: RequestId, result: Params): JsonRpcSuccess {
  return { jsonrpc: '2.0', id, result };
}

export function isFailure(r: JsonRpcResponse): r is JsonRpcFailure {
  return 'error' in r;
}

export { isPlainObject };
