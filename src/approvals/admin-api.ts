/**
 * The approvals routes of the admin listener, never unauthenticated:
 *   GET  /admin/approvals[?all=1]   pending requests (or every request, newest first)
 *   GET  /admin/approvals/{id}      one request
 *   POST /admin/approvals/{id}      {"decision": "approve"|"deny", "reason": "…", "scope": "call"|"session"}
 * A caller presents `Authorization: Bearer …`: the configured admin token (an operator), or a token the
 * gateway's own authenticator accepts whose principal holds `approvals.approverRole`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import type { Authenticator } from '../identity/authenticator.js';
import type { ApprovalService } from './service.js';
import { parseDecision, type Approver, type DecisionRefusal } from './decide.js';

const PREFIX = '/admin/approvals';
const MAX_BODY = 16 * 1024;
const ID = /^apr_[0-9a-f]{24}$/;

const STATUS: Record<DecisionRefusal, number> = {
  unknown_id: 404,
  already_decided: 409,
  expired: 409,
  self_approval: 403,
  not_an_approver: 403,
  no_session: 400,
  invalid: 400,
};

export class ApprovalsApi {
  private readonly adminTokenHash: Buffer | undefined;

  constructor(
    private readonly service: ApprovalService,
    private readonly authenticator: Authenticator | undefined,
  ) {
    const t = service.cfg.adminToken;
    this.adminTokenHash = t === undefined ? undefined : sha256(t);
  }

  /** True when the path is ours (answered, whatever the outcome); false leaves it to the caller. */
  async handle(req: http.IncomingMessage, res: http.ServerResponse, path: string, query: URLSearchParams): Promise<boolean> {
    if (path !== PREFIX && !path.startsWith(`${PREFIX}/`)) return false;
    const who = await this.authenticate(req);
    if (typeof who === 'number') {
      const error = who === 401 ? 'authentication required: Authorization: Bearer <admin token or approver token>' : who === 403 ? `the token lacks the "${this.service.cfg.approverRole}" role` : 'the identity provider is unreachable; try again';
      return send(res, who, { error }, who === 401 ? { 'www-authenticate': 'Bearer realm="portcullis-admin"' } : {});
    }
    const id = path === PREFIX ? undefined : path.slice(PREFIX.length + 1);
    if (id === undefined) {
      if (req.method !== 'GET') return send(res, 405, { error: 'use GET' }, { allow: 'GET' });
      const store = await this.service.store();
      return send(res, 200, { approvals: await store.list({ all: query.get('all') === '1' }) });
    }
    if (!ID.test(id)) return send(res, 404, { error: 'no such approval request' });
    if (req.method === 'GET') {
      const rec = await (await this.service.store()).get(id);
      return rec ? send(res, 200, { approval: rec }) : send(res, 404, { error: 'no such approval request' });
    }
    if (req.method !== 'POST') return send(res, 405, { error: 'use GET or POST' }, { allow: 'GET, POST' });
    const body = await readJson(req);
    if (typeof body === 'string') return send(res, 400, { error: body });
    const parsed = parseDecision(body);
    if (typeof parsed === 'string') return send(res, 400, { error: parsed });
    const result = await this.service.decide({ id, ...parsed, approver: who, via: 'admin-api' });
    if (result.ok) return send(res, 200, { approval: result.record });
    return send(res, STATUS[result.refusal], { error: result.message, refusal: result.refusal, ...(result.record ? { approval: result.record } : {}) });
  }

  private async authenticate(req: http.IncomingMessage): Promise<Approver | 401 | 403 | 503> {
    const header = req.headers.authorization;
    if (header === undefined) return 401;
    const m = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/.exec(header.trim());
    if (!m) return 401;
    // Compare digests so the comparison is constant-time whatever the lengths.
    if (this.adminTokenHash && timingSafeEqual(sha256(m[1]!), this.adminTokenHash)) return { subject: 'admin-token', roles: [], operator: true };
    if (!this.authenticator) return 401;
    const out = await this.authenticator.authenticate(header, req.socket.remoteAddress);
    if (!out.ok) return out.failure.status === 503 ? 503 : 401;
    if (!out.principal.roles.includes(this.service.cfg.approverRole)) return 403;
    return { subject: out.principal.subject, roles: out.principal.roles, operator: false };
  }
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): true {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers }).end(JSON.stringify(body));
  return true;
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) return `the body is larger than ${MAX_BODY} bytes`;
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    return 'the body is not valid JSON';
  }
}
