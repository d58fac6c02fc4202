// Raw JSON-RPC calls for the flow and rate-limit end-to-end tests: one legacy session per "agent",
// and 2026-07-28 stateless calls for the replica tests (no transport session to share).
import { post, sessionHeaders, type RawReply } from './helpers.js';

let nextId = 100;

export async function callTool(url: string, sid: string, name: string, args: Record<string, unknown> = {}): Promise<RawReply> {
  return post(url, { jsonrpc: '2.0', id: nextId++, method: 'tools/call', params: { name, arguments: args } }, sessionHeaders(sid));
}

export async function listTools(url: string, sid: string): Promise<string[]> {
  const r = await post(url, { jsonrpc: '2.0', id: nextId++, method: 'tools/list' }, sessionHeaders(sid));
  return ((r.json?.result?.tools as Array<{ name: string }> | undefined) ?? []).map((t) => t.name);
}

const MODERN = '2026-07-28';

/** A stateless 2026-07-28 tools/call: no session, the version in _meta and the headers. */
export async function callModern(url: string, name: string, args: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<RawReply> {
  return post(
    url,
    {
      jsonrpc: '2.0',
      id: nextId++,
      method: 'tools/call',
      params: { name, arguments: args, _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {} } },
    },
    { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': name, ...headers },
  );
}

export function isOk(r: RawReply): boolean {
  return r.json?.result !== undefined && r.json.result.isError !== true;
}
