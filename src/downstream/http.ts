/**
 * Streamable HTTP on one path, for both protocol eras.
 *  - legacy: `initialize` creates a session (crypto-random `Mcp-Session-Id`); later requests must carry
 *    it (400 without, 404 when unknown or ended); GET opens the session's stream; DELETE ends it.
 *  - 2026-07-28: stateless POSTs whose `_meta` carries the version and client capabilities; the
 *    `MCP-Protocol-Version` header must agree with it; `subscriptions/listen` holds a notification stream.
 * Transport safety lives here too: Host/Origin checks against DNS rebinding, a body limit, one message
 * per POST. A response is plain JSON unless something must be sent before it (progress, a server→client
 * request), in which case the same response turns into an SSE stream.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { classify, errorResponse, isPlainObject, RpcCode, type JsonRpcNotification, type JsonRpcRequest, type JsonRpcResponse, type Params, type RequestId } from '../protocol/jsonrpc.js';
import { sseFrame } from '../protocol/sse.js';
import { decodeHeaderValue } from '../protocol/param-headers.js';
import { ANONYMOUS, type Principal } from '../pipeline/types.js';
import type { Config } from '../config/schema.js';
import { META, MODERN_VERSION, SUPPORTED_LEGACY_VERSIONS } from '../upstream/link.js';
import type { AgentRequestChannel } from './agent.js';
import type { ListenFilter, MessageHandler } from './handler.js';
import { LegacySession } from './session.js';
import type { Authenticator } from '../identity/authenticator.js';
import { AuthFailure } from '../identity/errors.js';
import { Cancel, NEVER_CANCELLED, type CancelSignal } from '../cancel.js';

type ListenConfig = Config['listen'];

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '::1', '[::1]'];
const PRM_PATH = '/.well-known/oauth-protected-resource';
const KEEPALIVE_MS = 15_000;

export interface HttpServerOptions {
  listen: ListenConfig;
  handler: MessageHandler;
  /** Upstream per-call time-out, reused as the limit for an agent to answer a server→client request. */
  askTimeoutMs: number;
  /** Without one, every caller is the anonymous principal (local use only). */
  authenticator?: Authenticator;
}

export class HttpDownstream {
  private readonly server: http.Server;
  private readonly sessions = new Map<string, LegacySession>();
  private readonly allowedHosts: Set<string>;
  private readonly allowedOrigins: Set<string>;
  private readonly loopbackOrigins: boolean;
  private sweeper: NodeJS.Timeout | undefined;
  private draining = false;
  private readonly openStreams = new Set<http.ServerResponse>();

  constructor(private readonly opts: HttpServerOptions) {
    const l = opts.listen;
    const loopback = LOOPBACK_HOSTS.includes(l.host);
    this.allowedHosts = new Set((l.allowedHosts ?? (loopback ? LOOPBACK_HOSTS : [l.host])).map((h) => h.toLowerCase()));
    this.allowedOrigins = new Set(l.allowedOrigins.map((o) => o.toLowerCase()));
    // Bound to loopback, pages served from loopback (any port) are local clients such as inspectors;
    // DNS rebinding is about foreign names resolving to us, and those stay refused.
    this.loopbackOrigins = loopback;
    this.server = http.createServer({ keepAliveTimeout: 65_000, requestTimeout: 0, headersTimeout: 30_000 }, (req, res) => {
      this.route(req, res).catch((err: unknown) => {
        if (!res.headersSent) this.json(res, 500, errorResponse(null, RpcCode.InternalError, 'Internal gateway error'));
        else res.destroy(err instanceof Error ? err : undefined);
      });
    });
  }

  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.listen.port, this.opts.listen.host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
      this.sweeper = setInterval(() => this.sweep(), 30_000);
      this.sweeper.unref();
    });
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Stop accepting, let calls in flight finish (up to `graceMs`), then end every session. */
  async close(graceMs: number): Promise<void> {
    this.draining = true;
    clearInterval(this.sweeper);
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const r of this.openStreams) r.end();
    this.server.closeIdleConnections();
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && [...this.sessions.values()].some((s) => s.inFlight.size > 0)) {
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const s of this.sessions.values()) this.endSession(s);
    this.server.closeAllConnections();
    await closed;
  }

  private sweep(): void {
    const { sessionIdleTimeoutMs: idle, sessionMaxAgeMs: maxAge } = this.opts.listen;
    const now = Date.now();
    for (const s of this.sessions.values()) {
      const tooOld = now - s.createdAt > maxAge;
      if (tooOld || (now - s.lastSeen > idle && s.inFlight.size === 0 && !s.hasStream)) this.endSession(s);
    }
  }

  /**
   * The session with this id, if the caller is the principal that created it (same subject and
   * tenant). Every method uses this: another principal's id is answered exactly like an unknown one.
   */
  private ownSession(id: string, principal: Principal): LegacySession | undefined {
    const s = this.sessions.get(id);
    return s && s.principal.subject === principal.subject && s.principal.tenant === principal.tenant ? s : undefined;
  }

  private endSession(s: LegacySession): void {
    if (!this.sessions.delete(s.id)) return;
    s.end();
    this.opts.handler.closeSession(s);
  }

  // ---- routing -------------------------------------------------------------------------------------

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = req.url === undefined ? '' : req.url.split('?')[0];
    if (path !== this.opts.listen.path) {
      if (req.method === 'GET' && this.opts.authenticator && (path === PRM_PATH || path === `${PRM_PATH}${this.opts.listen.path}`)) {
        // RFC 9728 protected-resource metadata: public, so agents can discover how to authenticate.
        this.json(res, 200, this.opts.authenticator.metadata());
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const refusal = this.checkOrigin(req);
    if (refusal) {
      this.opts.handler.invalid({ transport: 'http', principal: ANONYMOUS, reason: 'forbidden', detail: refusal });
      this.json(res, 403, errorResponse(null, RpcCode.InvalidRequest, `Forbidden: ${refusal}`));
      return;
    }
    let principal: Principal = ANONYMOUS;
    const auth = this.opts.authenticator;
    if (auth) {
      const outcome = await auth.authenticate(header(req, 'authorization'), req.socket.remoteAddress);
      if (!outcome.ok) {
        this.refuseAuth(req, res, outcome.failure);
        return;
      }
      principal = outcome.principal;
    }
    if (this.draining) {
      this.json(res, 503, errorResponse(null, -32008, 'Gateway is shutting down'));
      return;
    }
    switch (req.method) {
      case 'POST':
        return this.post(req, res, principal);
      case 'GET':
        return this.get(req, res, principal);
      case 'DELETE':
        return this.delete(req, res, principal);
      case undefined:
      default:
        res.writeHead(405, { allow: 'GET, POST, DELETE' }).end();
    }
  }

  private metadataUrl(): string {
    const u = new URL(this.opts.authenticator!.cfg.resource);
    return `${u.origin}${PRM_PATH}${u.pathname === '/' ? '' : u.pathname}`;
  }

  /** 401/503 with the RFC 6750 challenge pointing at our RFC 9728 metadata; audited, body drained. */
  private refuseAuth(req: http.IncomingMessage, res: http.ServerResponse, failure: AuthFailure, scope?: string): void {
    this.opts.handler.invalid({ transport: 'http', principal: ANONYMOUS, reason: failure.code === 'insufficient_scope' ? 'insufficient_scope' : 'unauthenticated', detail: failure.description });
    req.resume();
    const body = JSON.stringify(errorResponse(null, -32001, `Unauthorized: ${failure.description}`, { reason: failure.code }));
    res.writeHead(failure.status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      'www-authenticate': this.opts.authenticator!.challenge(failure, this.metadataUrl(), scope),
    });
    res.end(body);
  }

  /** DNS-rebinding protection: the Host must be one we answer to; a browser Origin must be allowed. */
  private checkOrigin(req: http.IncomingMessage): string | undefined {
    const host = (req.headers.host ?? '').toLowerCase();
    const hostname = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
    if (!this.allowedHosts.has(hostname)) return `Host "${host.slice(0, 100)}" is not allowed`;
    const origin = req.headers.origin;
    if (origin !== undefined && !this.allowedOrigins.has(origin.toLowerCase()) && !(this.loopbackOrigins && isLoopbackOrigin(origin))) {
      return `Origin "${origin.slice(0, 100)}" is not allowed`;
    }
    return undefined;
  }

  private readBody(req: http.IncomingMessage): Promise<string | 'too-large'> {
    const limit = this.opts.listen.maxBodyBytes;
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) return drain(req).then(() => 'too-large' as const);
    return new Promise((resolve, reject) => {
      let chunks: Buffer[] = [];
      let size = 0;
      let over = false;
      req.on('data', (c: Buffer) => {
        if (over) return;
        size += c.length;
        if (size > limit) {
          over = true;
          chunks = [];
          void drain(req).then(() => resolve('too-large'));
          return;
        }
        chunks.push(c);
      });
      req.on('end', () => {
        if (!over) resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'));
      });
      req.on('error', reject);
    });
  }

  private async post(req: http.IncomingMessage, res: http.ServerResponse, principal: Principal): Promise<void> {
    const handler = this.opts.handler;
    const body = await this.readBody(req);
    if (body === 'too-large') {
      handler.invalid({ transport: 'http', principal, reason: 'payload_too_large', detail: `body over ${this.opts.listen.maxBodyBytes} bytes` });
      this.json(res, 413, errorResponse(null, RpcCode.InvalidRequest, `Request body exceeds ${this.opts.listen.maxBodyBytes} bytes`), true);
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      handler.invalid({ transport: 'http', principal, reason: 'parse_error', detail: 'body is not valid JSON' });
      this.json(res, 400, errorResponse(null, RpcCode.ParseError, 'Parse error: body is not valid JSON'));
      return;
    }
    const c = classify(value);
    if (c.kind === 'invalid') {
      handler.invalid({ transport: 'http', principal, reason: 'invalid_request', detail: c.reason, requestId: c.id });
      this.json(res, 400, errorResponse(c.id, c.code, `Invalid request: ${c.reason}`));
      return;
    }

    const sessionHeader = header(req, 'mcp-session-id');
    const versionHeader = header(req, 'mcp-protocol-version');
    const meta = c.kind !== 'response' && isPlainObject(c.msg.params?._meta) ? c.msg.params._meta : undefined;
    const modernVersion = meta?.[META.protocolVersion];
    // A request is 2026-07-28 when its envelope or its version header says so (a legacy version header
    // after initialize always comes with a session id).
    const modernHeader = versionHeader !== undefined && !(SUPPORTED_LEGACY_VERSIONS as readonly string[]).includes(versionHeader.trim());

    // ---- 2026-07-28: stateless, version in the body and the header (a session header is ignored) ----
    if (modernVersion !== undefined || (sessionHeader === undefined && c.kind !== 'response' && (modernHeader || c.msg.method === 'server/discover'))) {
      if (c.kind !== 'request') {
        res.writeHead(202).end();
        return;
      }
      const refusal = checkModernHeaders(req, c.msg, meta);
      if (refusal) {
        handler.invalid({ transport: 'http', era: 'modern', principal, method: c.msg.method, requestId: c.msg.id, reason: refusal.reason, detail: refusal.error.message });
        this.json(res, refusal.status, { jsonrpc: '2.0', id: c.msg.id, error: refusal.error });
        return;
      }
      if (c.msg.method === 'subscriptions/listen') return this.listen2026(req, res, c.msg, principal);
      const caps = isPlainObject(meta?.[META.clientCapabilities]) ? (meta[META.clientCapabilities] as Params) : {};
      return this.serveRequest(req, res, c.msg, { era: 'modern', principal, session: undefined, clientCapabilities: caps });
    }

    // ---- legacy: initialize creates a session ----
    if (c.kind === 'request' && c.msg.method === 'initialize') {
      if (sessionHeader !== undefined) {
        this.json(res, 400, errorResponse(c.msg.id, RpcCode.InvalidRequest, 'initialize must not carry a session id'));
        return;
      }
      if (this.sessions.size >= this.opts.listen.maxSessions) {
        handler.invalid({ transport: 'http', era: 'legacy', principal, method: 'initialize', requestId: c.msg.id, reason: 'too_many_sessions', detail: `limit ${this.opts.listen.maxSessions}` });
        this.json(res, 503, errorResponse(c.msg.id, -32009, 'Too many sessions'));
        return;
      }
      const p = c.msg.params ?? {};
      const result = handler.initializeResult(p.protocolVersion);
      const session = new LegacySession(principal, String(result.protocolVersion), isPlainObject(p.capabilities) ? p.capabilities : {}, isPlainObject(p.clientInfo) ? p.clientInfo : {});
      this.sessions.set(session.id, session);
      handler.openSession(session);
      const resp = await handler.request(
        { era: 'legacy', principal, session, clientCapabilities: session.clientCapabilities, signal: NEVER_CANCELLED, notify: () => undefined, ask: undefined },
        c.msg,
        'http',
        header(req, 'traceparent'),
      );
      if ('error' in resp) this.endSession(session);
      this.json(res, 200, resp, false, 'error' in resp ? undefined : session.id);
      return;
    }

    // ---- legacy: everything else needs a live session of the same principal ----
    if (sessionHeader === undefined) {
      const method = c.kind === 'response' ? undefined : c.msg.method;
      handler.invalid({ transport: 'http', era: 'legacy', principal, method, requestId: c.kind === 'request' ? c.msg.id : null, reason: 'missing_session', detail: 'no Mcp-Session-Id and no 2026-07-28 _meta' });
      this.json(res, 400, errorResponse(c.kind === 'request' ? c.msg.id : null, RpcCode.InvalidRequest, 'Bad Request: Mcp-Session-Id header is required (or use protocol version 2026-07-28)'));
      return;
    }
    const session = this.ownSession(sessionHeader, principal);
    if (!session) {
      // Another principal's session id is answered exactly like an unknown one.
      handler.invalid({ transport: 'http', era: 'legacy', principal, reason: 'unknown_session', detail: 'unknown or ended session', requestId: c.kind === 'request' ? c.msg.id : null });
      this.json(res, 404, errorResponse(c.kind === 'request' ? c.msg.id : null, RpcCode.InvalidRequest, 'Session not found'));
      return;
    }
    if (principal.scopes.some((sc) => !session.principal.scopes.includes(sc))) {
      // A session keeps the scope it started with: a token carrying more is an escalation attempt.
      handler.invalid({ transport: 'http', era: 'legacy', principal, session: session.id, reason: 'scope_escalation', detail: 'the token carries scope the session did not start with', requestId: c.kind === 'request' ? c.msg.id : null });
      this.json(res, 403, errorResponse(c.kind === 'request' ? c.msg.id : null, -32001, 'Forbidden: this session cannot gain scope; start a new session', { reason: 'scope_escalation' }));
      return;
    }
    if (versionHeader !== undefined && !(SUPPORTED_LEGACY_VERSIONS as readonly string[]).includes(versionHeader)) {
      handler.invalid({ transport: 'http', era: 'legacy', principal, session: session.id, reason: 'unsupported_version', detail: versionHeader.slice(0, 40) });
      this.json(res, 400, errorResponse(c.kind === 'request' ? c.msg.id : null, RpcCode.InvalidRequest, `Bad Request: unsupported MCP-Protocol-Version "${versionHeader.slice(0, 40)}"`));
      return;
    }
    if (Date.now() - session.createdAt > this.opts.listen.sessionMaxAgeMs) {
      this.endSession(session);
      this.json(res, 404, errorResponse(c.kind === 'request' ? c.msg.id : null, RpcCode.InvalidRequest, 'Session expired'));
      return;
    }
    session.lastSeen = Date.now();

    if (c.kind === 'response') {
      const resolve = session.awaiting.get(c.msg.id as RequestId);
      if (resolve) {
        session.awaiting.delete(c.msg.id as RequestId);
        resolve(c.msg);
      } else {
        handler.invalid({ transport: 'http', era: 'legacy', principal, session: session.id, reason: 'unexpected_response', detail: 'a response to no pending request', requestId: c.msg.id });
      }
      res.writeHead(202).end();
      return;
    }
    if (c.kind === 'notification') {
      this.onNotification(session, c.msg);
      res.writeHead(202).end();
      return;
    }
    return this.serveRequest(req, res, c.msg, { era: 'legacy', principal, session, clientCapabilities: session.clientCapabilities });
  }

  private onNotification(session: LegacySession, n: JsonRpcNotification): void {
    this.opts.handler.notification(n, 'http', 'legacy', session.principal, session.id);
    if (n.method === 'notifications/initialized') session.initialized = true;
    else if (n.method === 'notifications/cancelled') {
      const id = n.params?.requestId;
      if (typeof id === 'string' || typeof id === 'number') session.inFlight.get(id)?.abort();
    }
  }

  /** One request: run it, answering with JSON, or with SSE once something must precede the answer. */
  private async serveRequest(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    msg: JsonRpcRequest,
    who: { era: 'legacy' | 'modern'; principal: Principal; session: LegacySession | undefined; clientCapabilities: Params },
  ): Promise<void> {
    const accept = header(req, 'accept') ?? '';
    const canStream = accept.includes('text/event-stream') || accept.includes('*/*');
    const ac = new Cancel();
    const session = who.session;
    if (session) {
      if (session.inFlight.has(msg.id)) {
        this.json(res, 400, errorResponse(msg.id, RpcCode.InvalidRequest, 'Request id already in use in this session'));
        return;
      }
      session.inFlight.set(msg.id, ac);
    }
    // For 2026-07-28, closing the response stream is the cancellation. For legacy it is not (the
    // agent may reconnect), but an agent that is gone cannot receive the answer either way.
    const onClose = () => {
      if (!res.writableFinished) ac.abort();
    };
    res.on('close', onClose);
    const stream = new LazyStream(res, canStream, this.openStreams);
    const channel: AgentRequestChannel = {
      era: who.era,
      principal: who.principal,
      session,
      clientCapabilities: who.clientCapabilities,
      signal: ac.signal,
      notify: (n) => stream.send(n),
      ask: session && canStream ? (method, params) => this.ask(session, stream, method, params, ac.signal) : undefined,
      paramHeaders: who.era === 'modern' ? paramHeaders(req) : undefined,
    };
    try {
      const response = await this.opts.handler.request(channel, msg, 'http', header(req, 'traceparent'));
      const scope = insufficientScope(response);
      if (scope !== undefined && this.opts.authenticator) {
        // Step-up: 403 with the scope needed, so the agent can ask for a token that carries it.
        stream.finish(response, 403, { 'www-authenticate': this.opts.authenticator.challenge(new AuthFailure('insufficient_scope', 'the call needs more scope', 403), this.metadataUrl(), scope) });
      } else {
        stream.finish(response, who.era === 'modern' ? modernStatus(response) : 200, retryAfter(response));
      }
    } finally {
      res.off('close', onClose);
      session?.inFlight.delete(msg.id);
    }
  }

  /** A server→client request on the stream of the agent request that caused it. */
  private ask(session: LegacySession, stream: LazyStream, method: string, params: Params | undefined, signal: CancelSignal): Promise<JsonRpcResponse> {
    const id = session.askId();
    const cancelled = () => errorResponse(id, RpcCode.InternalError, 'the agent request was cancelled');
    if (signal.aborted) return Promise.resolve(cancelled());
    return new Promise<JsonRpcResponse>((resolve) => {
      const done = (r: JsonRpcResponse) => {
        clearTimeout(timer);
        offAbort();
        session.awaiting.delete(id);
        resolve(r);
      };
      const timer = setTimeout(() => done(errorResponse(id, RpcCode.InternalError, 'the agent did not answer in time')), this.opts.askTimeoutMs);
      session.awaiting.set(id, done);
      const offAbort = signal.onAbort(() => done(cancelled()));
      stream.send(params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params });
    });
  }

  private get(req: http.IncomingMessage, res: http.ServerResponse, principal: Principal): void {
    const sessionId = header(req, 'mcp-session-id');
    if (sessionId === undefined) {
      // No legacy session: a 2026-07-28 agent uses subscriptions/listen instead.
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const session = this.ownSession(sessionId, principal);
    if (!session) {
      this.json(res, 404, errorResponse(null, RpcCode.InvalidRequest, 'Session not found'));
      return;
    }
    if (!(header(req, 'accept') ?? '').includes('text/event-stream')) {
      this.json(res, 406, errorResponse(null, RpcCode.InvalidRequest, 'Not Acceptable: the GET stream needs Accept: text/event-stream'));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.flushHeaders();
    const write = (n: JsonRpcNotification): boolean => !res.writableEnded && (res.write(sseFrame(JSON.stringify(n))), true);
    if (!session.attachStream(write)) {
      res.end();
      return;
    }
    this.openStreams.add(res);
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), KEEPALIVE_MS);
    res.on('close', () => {
      clearInterval(keepAlive);
      this.openStreams.delete(res);
      session.detachStream(write);
    });
  }

  private delete(req: http.IncomingMessage, res: http.ServerResponse, principal: Principal): void {
    const sessionId = header(req, 'mcp-session-id');
    if (sessionId === undefined) {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    const session = this.ownSession(sessionId, principal);
    if (!session) {
      this.json(res, 404, errorResponse(null, RpcCode.InvalidRequest, 'Session not found'));
      return;
    }
    this.opts.handler.notification({ jsonrpc: '2.0', method: 'session/delete' }, 'http', 'legacy', principal, session.id);
    this.endSession(session);
    res.writeHead(200).end();
  }

  /** 2026-07-28 `subscriptions/listen`: acknowledge, then relay matching notifications until the agent hangs up. */
  private listen2026(req: http.IncomingMessage, res: http.ServerResponse, msg: JsonRpcRequest, principal: Principal): void {
    const wanted = isPlainObject(msg.params?.notifications) ? msg.params.notifications : {};
    const filter: ListenFilter = {
      toolsListChanged: wanted.toolsListChanged === true,
      promptsListChanged: wanted.promptsListChanged === true,
      resourcesListChanged: wanted.resourcesListChanged === true,
      resourceSubscriptions: new Set(Array.isArray(wanted.resourceSubscriptions) ? wanted.resourceSubscriptions.filter((u): u is string => typeof u === 'string') : []),
    };
    const subscriptionId = msg.id;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    const tag = (n: JsonRpcNotification): JsonRpcNotification => ({ ...n, params: { ...n.params, _meta: { ...(isPlainObject(n.params?._meta) ? n.params._meta : {}), [META.subscriptionId]: subscriptionId } } });
    res.write(
      sseFrame(
        JSON.stringify(tag({
          jsonrpc: '2.0',
          method: 'notifications/subscriptions/acknowledged',
          params: { notifications: { toolsListChanged: filter.toolsListChanged, promptsListChanged: filter.promptsListChanged, resourcesListChanged: filter.resourcesListChanged, resourceSubscriptions: [...filter.resourceSubscriptions] } },
        })),
      ),
    );
    this.opts.handler.notification({ jsonrpc: '2.0', method: 'subscriptions/listen' }, 'http', 'modern', principal);
    this.openStreams.add(res);
    const remove = this.opts.handler.addListener({ principal, filter, push: (n) => void res.write(sseFrame(JSON.stringify(tag(n)))) });
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), KEEPALIVE_MS);
    req.on('close', () => {
      clearInterval(keepAlive);
      this.openStreams.delete(res);
      remove();
    });
  }

  private json(res: http.ServerResponse, status: number, body: unknown, close = false, sessionId?: string): void {
    const text = JSON.stringify(body);
    const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) };
    if (sessionId !== undefined) headers['mcp-session-id'] = sessionId;
    if (close) headers.connection = 'close';
    res.writeHead(status, headers).end(text);
  }
}

/** 2026-07-28 puts some JSON-RPC errors on the HTTP status line too. */
function modernStatus(r: JsonRpcResponse): number {
  if (!('error' in r)) return 200;
  switch (r.error.code) {
    case RpcCode.MethodNotFound:
      return 404;
    case RpcCode.HeaderMismatch:
    case RpcCode.MissingClientCapability:
    case RpcCode.UnsupportedProtocolVersion:
      return 400;
    default:
      return 200;
  }
}

/** Methods the 2026-07-28 era removed; a modern request naming one gets 404 / -32601. */
const NOT_IN_2026 = new Set(['initialize', 'ping', 'logging/setLevel', 'resources/subscribe', 'resources/unsubscribe', 'notifications/initialized']);
const NAMED = new Set(['tools/call', 'prompts/get', 'resources/read']);

type ModernRefusal = { status: number; reason: string; error: { code: number; message: string; data?: unknown } };

/**
 * The 2026-07-28 header rules, checked in the order the spec's probes need: headers present and equal
 * to the body (-32020) before version support (-32022), then the envelope (-32602).
 */
function checkModernHeaders(req: http.IncomingMessage, msg: JsonRpcRequest, meta: Params | undefined): ModernRefusal | undefined {
  const bodyVersion = meta?.[META.protocolVersion];
  const headerVersion = header(req, 'mcp-protocol-version')?.trim();
  const mismatch = (message: string): ModernRefusal => ({ status: 400, reason: 'header_mismatch', error: { code: RpcCode.HeaderMismatch, message: `Bad Request: ${message}` } });
  // A dual-era client may probe with a bare server/discover: no header, no envelope.
  if (headerVersion === undefined && bodyVersion === undefined && msg.method === 'server/discover') return undefined;
  if (headerVersion === undefined) return mismatch('MCP-Protocol-Version header is required');
  if (bodyVersion === undefined || !isPlainObject(meta?.[META.clientCapabilities])) {
    return { status: 400, reason: 'invalid_params', error: { code: RpcCode.InvalidParams, message: 'Invalid params: _meta must carry protocolVersion and clientCapabilities' } };
  }
  if (headerVersion !== bodyVersion) return mismatch('MCP-Protocol-Version header does not match _meta');
  const method = header(req, 'mcp-method')?.trim();
  if (method === undefined) return mismatch('Mcp-Method header is required');
  if (method !== msg.method) return mismatch('Mcp-Method header does not match the body');
  if (NAMED.has(msg.method)) {
    const raw = header(req, 'mcp-name')?.trim();
    const name = raw === undefined ? undefined : decodeHeaderValue(raw);
    const body = msg.method === 'resources/read' ? msg.params?.uri : msg.params?.name;
    if (name === undefined) return mismatch('Mcp-Name header is required (or not valid Base64)');
    if (name !== body) return mismatch('Mcp-Name header does not match the body');
  }
  if (bodyVersion !== MODERN_VERSION) {
    return { status: 400, reason: 'unsupported_version', error: { code: RpcCode.UnsupportedProtocolVersion, message: `Unsupported protocol version: ${String(bodyVersion).slice(0, 40)}`, data: { supported: [MODERN_VERSION, ...SUPPORTED_LEGACY_VERSIONS], requested: bodyVersion } } };
  }
  if (NOT_IN_2026.has(msg.method)) {
    return { status: 404, reason: 'unknown_method', error: { code: RpcCode.MethodNotFound, message: `Method not found: ${msg.method} is not part of 2026-07-28` } };
  }
  return undefined;
}

/** How much of an oversized body is read and thrown away, at most, before the 413 goes out. */
const DRAIN_MAX_BYTES = 64 * 1024 * 1024;
const DRAIN_MAX_MS = 5_000;

/**
 * Read and discard the rest of a request body, within bounds. A client still uploading when the
 * connection closes sees a reset (EPIPE) instead of the 413, so the answer waits for the upload.
 */
function drain(req: http.IncomingMessage): Promise<void> {
  if (req.readableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    let seen = 0;
    const done = (): void => {
      clearTimeout(timer);
      req.off('data', onData);
      resolve();
    };
    const onData = (c: Buffer): void => {
      seen += c.length;
      if (seen > DRAIN_MAX_BYTES) done();
    };
    const timer = setTimeout(done, DRAIN_MAX_MS);
    req.on('data', onData);
    req.once('end', done);
    req.once('error', done);
    req.once('close', done);
  });
}

/** JSON by default; becomes SSE the first time a message must be sent before the final response. */
class LazyStream {
  private sse = false;
  private eventId = 0;
  private ended = false;

  constructor(
    private readonly res: http.ServerResponse,
    private readonly canStream: boolean,
    private readonly open: Set<http.ServerResponse>,
  ) {}

  send(msg: JsonRpcNotification | JsonRpcRequest): void {
    if (this.ended || !this.canStream || this.res.writableEnded) return;
    if (!this.sse) {
      this.sse = true;
      this.res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
      this.open.add(this.res);
    }
    this.res.write(sseFrame(JSON.stringify(msg), String(++this.eventId)));
  }

  finish(response: JsonRpcResponse, status = 200, headers: http.OutgoingHttpHeaders = {}): void {
    if (this.ended || this.res.writableEnded) return;
    this.ended = true;
    const text = JSON.stringify(response);
    if (this.sse) {
      this.res.end(sseFrame(text));
      this.open.delete(this.res);
      return;
    }
    this.res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
  }
}

/** A rate-limited call also says when to retry in the HTTP way (Retry-After, whole seconds). */
function retryAfter(r: JsonRpcResponse): http.OutgoingHttpHeaders | undefined {
  if (!('error' in r) || !isPlainObject(r.error.data) || typeof r.error.data.retryAfterMs !== 'number') return undefined;
  return { 'retry-after': String(Math.max(1, Math.ceil(r.error.data.retryAfterMs / 1000))) };
}

function insufficientScope(r: JsonRpcResponse): string | undefined {
  if (!('error' in r) || !isPlainObject(r.error.data) || r.error.data.reason !== 'insufficient_scope') return undefined;
  return typeof r.error.data.scope === 'string' ? r.error.data.scope : undefined;
}

/** `Mcp-Param-*` headers of a 2026-07-28 request, keyed by lower-case parameter name. */
function paramHeaders(req: http.IncomingMessage): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(req.headers)) {
    if (k.startsWith('mcp-param-') && typeof v === 'string') out.set(k.slice('mcp-param-'.length), v.trim());
  }
  return out;
}

function isLoopbackOrigin(origin: string): boolean {
  try {
    const u = new URL(origin);
    return (u.protocol === 'http:' || u.protocol === 'https:') && LOOPBACK_HOSTS.includes(u.hostname);
  } catch {
    return false;
  }
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

