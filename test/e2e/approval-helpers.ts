// Plumbing shared by the approval end-to-end tests: tokens from the built-in issuer, a legacy session
// with a bearer token, a held call, the admin approvals API, and a webhook receiver on 127.0.0.1.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { loadOrCreateKey, mintToken } from '../../src/identity/builtin.js';
import { post, waitFor, type Gateway, type RawReply } from './helpers.js';

export const RESOURCE = 'http://127.0.0.1/mcp';
export const ISSUER = 'urn:portcullis:builtin';
export const ADMIN_TOKEN = 'adm-0123456789abcdef0123456789abcdef-approvals';
export const WEBHOOK_SECRET = 'whsec-approvals-e2e-0123456789';

export function identityFor(dir: string): Record<string, unknown> {
  return { resource: RESOURCE, builtin: { enabled: true, issuer: ISSUER, keyFile: join(dir, 'issuer.key') } };
}

export async function token(dir: string, subject: string, roles: string[]): Promise<string> {
  const keys = loadOrCreateKey({ keyFile: join(dir, 'issuer.key') });
  return mintToken(keys, ISSUER, RESOURCE, { subject, roles, scope: '', ttlSec: 600 });
}

export const bearer = (t: string): Record<string, string> => ({ authorization: `Bearer ${t}` });

/** initialize + initialized (with a bearer token when given); returns the headers of every later request. */
export async function session(url: string, tok?: string): Promise<Record<string, string>> {
  const auth = tok === undefined ? {} : bearer(tok);
  const init = await post(url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'approval-e2e', version: '0' } } }, auth);
  const sid = init.headers.get('mcp-session-id');
  if (init.status !== 200 || !sid) throw new Error(`initialize failed: ${init.status} ${init.text}`);
  const headers = { ...auth, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' };
  await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers);
  return headers;
}

let nextId = 100;
/** A tools/call with a progress token; resolves when the gateway answers (after the approval wait). */
export function call(url: string, headers: Record<string, string>, name: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<RawReply & { id: number }> & { id: number } {
  const id = nextId++;
  const body = { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, _meta: { progressToken: `p${id}` } } };
  const reply = fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body: JSON.stringify(body), signal: signal ?? AbortSignal.timeout(30_000) })
    .then(async (res) => {
      const text = await res.text();
      const data = text.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).filter((d) => d !== '');
      const last = data.length > 0 ? data[data.length - 1]! : text;
      return { status: res.status, headers: res.headers, text, json: JSON.parse(last) as RawReply['json'], id };
    });
  return Object.assign(reply, { id });
}

export interface ApprovalView {
  id: string;
  status: string;
  target: string;
  args: string;
  requester: { subject: string };
  decidedBy?: string;
  decisionReason?: string;
  scope?: string;
  via?: string;
  session?: string;
  traceId: string;
}

export function adminUrl(gw: Gateway): string {
  const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)\/metrics"/.exec(gw.proc.stderr());
  if (!m) throw new Error('no admin listener line');
  return m[1]!;
}

export async function listApprovals(admin: string, all = false): Promise<ApprovalView[]> {
  const r = await fetch(`${admin}/admin/approvals${all ? '?all=1' : ''}`, { headers: bearer(ADMIN_TOKEN) });
  if (r.status !== 200) throw new Error(`list: ${r.status}`);
  return ((await r.json()) as { approvals: ApprovalView[] }).approvals;
}

/** The pending request for a tool call with these arguments, once the gateway has opened it. */
export async function pendingFor(admin: string, target: string, argsIncludes: string): Promise<ApprovalView> {
  let found: ApprovalView | undefined;
  await waitFor(async () => {
    found = (await listApprovals(admin)).find((a) => a.target === target && a.args.includes(argsIncludes));
    return found !== undefined;
  }, 15_000, `pending approval of ${target} ${argsIncludes}`);
  return found!;
}

export async function decide(admin: string, id: string, auth: string, body: Record<string, unknown>): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${admin}/admin/approvals/${id}`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(auth) }, body: JSON.stringify(body) });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

export interface Delivery {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A webhook receiver on 127.0.0.1 that keeps every delivery. */
export async function webhookReceiver(): Promise<{ url: string; deliveries: Delivery[]; close(): Promise<void> }> {
  const deliveries: Delivery[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => {
      deliveries.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, deliveries, close: () => new Promise((r) => server.close(() => r())) };
}
