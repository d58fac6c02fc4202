/**
 * A remote Streamable HTTP upstream, either era.
 * - legacy (2025-11-25 and earlier): `initialize`, `Mcp-Session-Id`, a GET stream for unrelated
 *   notifications, and a transparent re-initialize when the server answers 404 for a lost session;
 * - modern (2026-07-28): stateless POSTs with per-request `_meta` and the routing headers, and a
 *   `subscriptions/listen` stream for list changes.
 * Each request's response (JSON or SSE) is read on its own stream, so progress and server→client
 * requests arrive already attributed to the call that caused them.
 */
import http from 'node:http';
import https from 'node:https';
import { UpstreamFailure } from '../errors.js';
import { classify, errorResponse, isPlainObject, RpcCode, type JsonRpcMessage, type JsonRpcNotification, type JsonRpcRequest, type JsonRpcResponse, type Params } from '../protocol/jsonrpc.js';
import { SseParser } from '../protocol/sse.js';
import { encodeHeaderValue } from '../protocol/param-headers.js';
import type { UpstreamConfig } from '../config/schema.js';
import { META, MODERN_VERSION, type CallOptions, type LinkEvent, type ServerDescription, type UpstreamLink, type UpstreamReply } from './link.js';
import { negotiate, modernMeta } from './handshake.js';
import { Backoff } from './backoff.js';
import { ClientCredentials, TokenExchange } from './credentials.js';
import { RemoteAdmission } from './admission/remote.js';

const MAX_BODY = 64 * 1024 * 1024;

/** A redirect being followed: where to, through which agent, and how many hops so far. */
interface RedirectHop {
  url: URL;
  sameOrigin: boolean;
  agent: http.Agent;
  count: number;
}

/**
 * One request in flight, ended early by destroying it: when its deadline passes or its caller gives up.
 * A plain handle rather than an AbortSignal handed to `http.request`: Node wires a signal into the
 * request with listeners and an end-of-stream watcher on every call, which showed up as a measurable
 * share of the gateway's CPU per call.
 */
class InFlight {
  req: http.ClientRequest | undefined;
  reason: UpstreamFailure | undefined;

  end(reason: UpstreamFailure): void {
    if (this.reason) return;
    this.reason = reason;
    this.req?.destroy(reason);
  }
}

interface Exchange {
  status: number;
  headers: http.IncomingHttpHeaders;
  message: http.IncomingMessage;
}

export class HttpLink implements UpstreamLink {
  server: ServerDescription | undefined;
  private sessionId: string | undefined;
  private nextId = 1;
  private active = 0;
  private closed = false;
  private ready: Promise<ServerDescription> | undefined;
  private readonly url: URL;
  /** Request options computed once (Node would re-parse a URL object on every call). */
  private readonly target: { protocol: string; hostname: string; port: string; path: string };
  private readonly agent: http.Agent;
  /** Scheme, address (SSRF), TLS-pin and redirect rules for every connection this link makes. */
  private readonly admission: RemoteAdmission;
  private listenAbort: AbortController | undefined;
  private readonly listenBackoff = new Backoff(500, 30_000, 1_000_000);
  private readonly resourceSubscriptions = new Set<string>();
  private readonly credentials: ClientCredentials | undefined;
  private readonly exchangeCreds: TokenExchange | undefined;
  private subjectToken: string | undefined;
  /** The latest upstream credential, reused by notifications and the notification stream. */
  private authorization: string | undefined;

  constructor(
    readonly upstream: string,
    private readonly cfg: UpstreamConfig,
    private readonly emit: (e: LinkEvent) => void,
    private readonly clientCapabilities: Params,
  ) {
    this.url = new URL(cfg.http!.url);
    this.target = { protocol: this.url.protocol, hostname: this.url.hostname.replace(/^\[|\]$/g, ''), port: this.url.port, path: `${this.url.pathname}${this.url.search}` };
    const cc = cfg.http!.auth?.clientCredentials;
    this.credentials = cc ? new ClientCredentials(cc, `${this.url.origin}${this.url.pathname}`) : undefined;
    const te = cfg.http!.auth?.tokenExchange;
    this.exchangeCreds = te ? new TokenExchange(te, `${this.url.origin}${this.url.pathname}`) : undefined;
    this.admission = new RemoteAdmission(cfg.http!);
    this.agent = this.admission.agent(this.url.protocol, { keepAlive: true, maxSockets: 256, keepAliveMsecs: 10_000 });
  }

  get inFlight(): number {
    return this.active;
  }

  start(): Promise<ServerDescription> {
    if (this.closed) return Promise.reject(new UpstreamFailure('upstream_unavailable', 'closed'));
    this.ready ??= this.connect().catch((err: unknown) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  private async connect(): Promise<ServerDescription> {
    this.sessionId = undefined;
    const server = await negotiate(
      (method, params, timeoutMs) => this.exchange(method, params, { timeoutMs }, true),
      (method, params) => this.notify(method, params),
      this.cfg.era,
      this.clientCapabilities,
      this.cfg.connectTimeoutMs,
    );
    this.server = server;
    this.emit({ type: 'up', server });
    this.openNotificationStream();
    return server;
  }

  async request(method: string, params: Params | undefined, opts: CallOptions): Promise<UpstreamReply> {
    const server = this.server ?? (await this.start());
    this.active++;
    try {
      try {
        return await this.exchange(method, this.decorate(server, params, opts), opts, false);
      } catch (err) {
        // A legacy server that lost our session answers 404: re-initialize once and retry. The request
        // was never processed under the dead session, so retrying cannot run it twice.
        if (err instanceof SessionLost && !this.closed) {
          this.ready = undefined;
          this.server = undefined;
          const fresh = await this.start();
          return await this.exchange(method, this.decorate(fresh, params, opts), opts, false);
        }
        throw err;
      }
    } finally {
      this.active--;
    }
  }

  notify(method: string, params?: Params): void {
    const body: JsonRpcNotification = params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params };
    this.post(body, {}, undefined, 10_000)
      .then((x) => x.message.resume())
      .catch((err: unknown) => this.emit({ type: 'log', level: 'warn', message: 'notification to upstream failed', detail: { upstream: this.upstream, method, error: String(err) } }));
  }

  setSubjectToken(token: string | undefined): void {
    if (token !== undefined) this.subjectToken = token;
  }

  /** Add or drop a resource subscription; the listen stream is reopened with the new set. */
  subscribe(uri: string, on: boolean): boolean {
    if (this.server?.era !== 'modern') return false;
    const had = this.resourceSubscriptions.has(uri);
    if (on) this.resourceSubscriptions.add(uri);
    else this.resourceSubscriptions.delete(uri);
    if (had !== on) {
      this.listenAbort?.abort();
      this.openNotificationStream();
    }
    return true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listenAbort?.abort();
    if (this.sessionId && this.server?.era === 'legacy') {
      // Best effort: tell the server the session is over.
      await new Promise<void>((resolve) => {
        const req = this.transport().request(this.url, { method: 'DELETE', agent: this.agent, headers: this.headers({}), timeout: 2000 }, (res) => {
          res.resume();
          resolve();
        });
        req.on('error', () => resolve());
        req.on('timeout', () => {
          req.destroy();
          resolve();
        });
        req.end();
      });
    }
    this.agent.destroy();
  }

  /** Per-request envelope for the 2026-07-28 era; nothing to add for legacy servers. */
  private decorate(server: ServerDescription, params: Params | undefined, opts: CallOptions): Params | undefined {
    if (server.era !== 'modern') return params;
    const meta = isPlainObject(params?._meta) ? params._meta : {};
    return { ...params, _meta: { ...meta, ...modernMeta(opts.clientCapabilities ?? this.clientCapabilities) } };
  }

  /**
   * Written out field by field: an object spread here (`{ ...this.target, … }`) made V8 keep every
   * request's headers alive through young-generation GCs and promote them (`--trace-gc-nvp`).
   */
  private requestOptions(headers: Record<string, string>): http.RequestOptions {
    const t = this.target;
    return { protocol: t.protocol, hostname: t.hostname, port: t.port, path: t.path, method: 'POST', agent: this.agent, headers };
  }

  private transport(): typeof http | typeof https {
    return this.url.protocol === 'https:' ? https : http;
  }

  private headers(extra: Record<string, string>): Record<string, string> {
    const h: Record<string, string> = {
      ...this.cfg.http!.headers,
      accept: 'application/json, text/event-stream',
      ...extra,
    };
    if (this.server) h['mcp-protocol-version'] = this.server.protocolVersion;
    if (this.sessionId) h['mcp-session-id'] = this.sessionId;
    if (this.authorization) h.authorization = this.authorization;
    return h;
  }

  /**
   * POST one message. `flight` (an exchange) ends the request early itself; without one (notifications,
   * answers to server→client requests) `headersTimeoutMs` bounds the wait for the response headers.
   */
  private post(body: JsonRpcMessage, extra: Record<string, string>, flight: InFlight | undefined, headersTimeoutMs: number | undefined, retried = false, hop?: RedirectHop): Promise<Exchange> {
    // Every request starts here, so a refused URL (literal address, scheme, unreadable pin or CA) never connects.
    if (this.admission.refusal) return Promise.reject(new UpstreamFailure('upstream_unavailable', this.admission.refusal));
    if (flight?.reason) return Promise.reject(flight.reason);
    const payload = JSON.stringify(body);
    return new Promise<Exchange>((resolve, reject) => {
      const headers = this.headers({ 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)), ...extra });
      const req = hop
        ? (hop.url.protocol === 'https:' ? https : http).request(hop.url, { method: 'POST', agent: hop.agent, headers: this.admission.hopHeaders(headers, hop.sameOrigin) })
        : this.transport().request(this.requestOptions(headers));
      if (flight) flight.req = req;
      const timer =
        headersTimeoutMs === undefined
          ? undefined
          : setTimeout(() => req.destroy(new UpstreamFailure('upstream_timeout', `no response headers within ${headersTimeoutMs} ms`)), headersTimeoutMs);
      let answered = false;
      req.once('response', (message) => {
        answered = true;
        clearTimeout(timer);
        const status = message.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          // Never followed blindly: each hop is re-admitted (scheme, address, pin) or the call fails.
          message.resume();
          const next = this.admission.nextHop(hop?.url ?? this.url, status, message.headers.location, hop?.count ?? 0);
          if (!next.ok) return reject(new UpstreamFailure('upstream_protocol', next.message));
          const agent = next.sameOrigin ? this.agent : this.admission.agent(next.url.protocol, { keepAlive: false });
          this.post(body, extra, flight, headersTimeoutMs, false, { url: next.url, sameOrigin: next.sameOrigin, agent, count: (hop?.count ?? 0) + 1 }).then(resolve, reject);
          return;
        }
        resolve({ status, headers: message.headers, message });
      });
      req.once('error', (err) => {
        clearTimeout(timer);
        const code = (err as NodeJS.ErrnoException).code;
        // A kept-alive connection the server closed just as we reused it: the request never reached
        // it, so sending it once more on a fresh connection cannot run it twice.
        if (!answered && !retried && !flight?.reason && req.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE')) {
          this.post(body, extra, flight, headersTimeoutMs, true, hop).then(resolve, reject);
          return;
        }
        if (err instanceof UpstreamFailure) reject(err);
        else reject(new UpstreamFailure('upstream_unavailable', `${this.url.host}: ${(err as NodeJS.ErrnoException).code ?? err.message}`, { cause: err }));
      });
      req.end(payload);
    });
  }

  /**
   * One request/response exchange. `handshake` marks initialize/discover, whose response may carry the
   * session id. Upstream JSON-RPC errors are returned (they are the upstream's answer); transport
   * failures throw UpstreamFailure.
   */
  private async exchange(method: string, params: Params | undefined, opts: CallOptions, handshake: boolean): Promise<UpstreamReply> {
    const id = this.nextId++;
    let outParams = params;
    let callerToken: string | number | undefined;
    const upstreamToken = `p${id}`;
    if (isPlainObject(params?._meta) && (typeof params._meta.progressToken === 'string' || typeof params._meta.progressToken === 'number')) {
      callerToken = params._meta.progressToken;
      outParams = { ...params, _meta: { ...params._meta, progressToken: upstreamToken } };
    }
    const body: JsonRpcRequest = outParams === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params: outParams };
    const extra: Record<string, string> = {};
    if (opts.traceparent) extra.traceparent = opts.traceparent;
    if (this.credentials) this.authorization = await this.credentials.authorization();
    // Per call: the connection is per principal or per session, so this is always the same caller's identity.
    else if (this.exchangeCreds) this.authorization = await this.exchangeCreds.authorization(this.subjectToken);
    if (opts.headers) Object.assign(extra, opts.headers);
    if (this.server?.era === 'modern' || (handshake && method === 'server/discover')) {
      extra['mcp-protocol-version'] = MODERN_VERSION;
      extra['mcp-method'] = method;
      const name = method === 'tools/call' || method === 'prompts/get' ? outParams?.name : method === 'resources/read' ? outParams?.uri : undefined;
      if (typeof name === 'string') extra['mcp-name'] = encodeHeaderValue(name);
    }

    // One deadline for the whole exchange (headers and body), and the caller's cancel: both end the request.
    const flight = new InFlight();
    const onCallerAbort = () => flight.end(new UpstreamFailure('cancelled', 'cancelled by the agent'));
    const offCallerAbort = opts.signal?.onAbort(onCallerAbort);
    const timer = setTimeout(() => flight.end(new UpstreamFailure('upstream_timeout', `no answer to ${method} within ${opts.timeoutMs} ms`)), opts.timeoutMs);
    try {
      const ex = await this.post(body, extra, flight, undefined);
      if (handshake && typeof ex.headers['mcp-session-id'] === 'string') this.sessionId = ex.headers['mcp-session-id'];
      if (ex.status === 401 && this.credentials) {
        // Our upstream token was refused: drop it so the next call fetches a fresh one.
        this.credentials.invalidate();
      }
      if (ex.status === 404 && this.sessionId && !handshake) {
        ex.message.resume();
        throw new SessionLost();
      }
      const contentType = String(ex.headers['content-type'] ?? '');
      if (contentType.includes('text/event-stream')) {
        return await this.readStream(ex.message, id, callerToken, upstreamToken, opts);
      }
      const text = await readBody(ex.message, MAX_BODY);
      const parsed = parseReply(text, id);
      if (parsed) return parsed;
      if (ex.status >= 400) {
        throw new UpstreamFailure(ex.status >= 500 ? 'upstream_unavailable' : 'upstream_protocol', `HTTP ${ex.status} from ${this.url.host}`);
      }
      throw new UpstreamFailure('upstream_protocol', `${this.upstream} answered ${method} with something that is not a JSON-RPC response`);
    } catch (err) {
      // Whatever the request reported as it was torn down, the reason it was ended is the answer. Legacy
      // servers learn of it by notification; for 2026-07-28, closing the stream is the cancel.
      if (flight.reason) {
        if (this.server?.era === 'legacy' && !handshake) {
          this.notify('notifications/cancelled', { requestId: id, reason: flight.reason.reason === 'upstream_timeout' ? 'timeout' : 'cancelled by the agent' });
        }
        throw flight.reason;
      }
      throw err;
    } finally {
      clearTimeout(timer);
      offCallerAbort?.();
    }
  }

  private readStream(
    message: http.IncomingMessage,
    id: number,
    callerToken: string | number | undefined,
    upstreamToken: string,
    opts: CallOptions,
  ): Promise<UpstreamReply> {
    return new Promise<UpstreamReply>((resolve, reject) => {
      let done = false;
      // After the answer, let the stream end on its own so the keep-alive connection goes back to the
      // pool (destroying it costs a new TCP connection per call); failures destroy it.
      const finish = (fn: () => void, ok = false) => {
        if (done) return;
        done = true;
        fn();
        if (!ok) {
          message.destroy();
          return;
        }
        message.resume();
        if (!message.complete) {
          const linger = setTimeout(() => message.destroy(), 5000);
          linger.unref();
          message.once('end', () => clearTimeout(linger));
        }
      };
      const parser = new SseParser((ev) => {
        // Priming events carry an empty data field: skip them without paying for a thrown SyntaxError.
        if (ev.data === '') return;
        let value: unknown;
        try {
          value = JSON.parse(ev.data);
        } catch {
          return; // priming events carry an empty data field
        }
        const c = classify(value);
        if (c.kind === 'response') {
          if (c.msg.id !== id) return;
          const r = c.msg;
          finish(() => resolve('error' in r ? { ok: false, error: r.error } : { ok: true, result: r.result }), true);
        } else if (c.kind === 'notification') {
          const n = c.msg;
          if (n.method === 'notifications/progress') {
            if (callerToken !== undefined && n.params?.progressToken === upstreamToken) {
              opts.onNotification?.({ ...n, params: { ...n.params, progressToken: callerToken } });
            }
            return;
          }
          if (opts.onNotification) opts.onNotification(n);
          else this.emit({ type: 'notification', notification: n });
        } else if (c.kind === 'request') {
          void this.answerServerRequest(c.msg, opts);
        }
      });
      message.setEncoding('utf8');
      message.on('data', (chunk: string) => {
        if (done) return;
        try {
          parser.push(chunk);
        } catch (err) {
          finish(() => reject(new UpstreamFailure('upstream_protocol', (err as Error).message)));
        }
      });
      message.on('end', () => finish(() => reject(new UpstreamFailure('upstream_failed', 'the upstream closed the stream before answering'))));
      // A deadline or a cancel of ours also ends here (the request is destroyed): the exchange answers
      // with its own reason then, so these say only what the upstream did.
      message.on('error', (err) => finish(() => reject(new UpstreamFailure('upstream_failed', `stream error: ${err.message}`))));
      message.on('aborted', () => finish(() => reject(new UpstreamFailure('upstream_failed', 'the upstream aborted the stream'))));
    });
  }

  /** Sampling, elicitation or roots asked during a call: the caller answers, we POST the answer back. */
  private async answerServerRequest(req: JsonRpcRequest, opts: CallOptions): Promise<void> {
    let res: JsonRpcResponse;
    if (req.method === 'ping') res = { jsonrpc: '2.0', id: req.id, result: {} };
    else if (!opts.onServerRequest) res = errorResponse(req.id, RpcCode.MethodNotFound, `${req.method} is not available through this gateway`);
    else {
      try {
        res = { ...(await opts.onServerRequest(req)), id: req.id } as JsonRpcResponse;
      } catch {
        res = errorResponse(req.id, RpcCode.InternalError, 'the agent did not answer');
      }
    }
    try {
      const ex = await this.post(res, {}, undefined, 10_000);
      ex.message.resume();
    } catch (err) {
      this.emit({ type: 'log', level: 'warn', message: 'could not deliver an answer upstream', detail: { upstream: this.upstream, error: String(err) } });
    }
  }

  /**
   * Unrelated notifications (list changes, resource updates): the legacy GET stream, or the 2026-07-28
   * `subscriptions/listen` stream. Reconnects with backoff; a server without one (405) is left alone.
   */
  private openNotificationStream(): void {
    if (this.closed || !this.server) return;
    const server = this.server;
    const caps = server.capabilities;
    const listChanged = (k: string) => isPlainObject(caps[k]) && (caps[k] as Params).listChanged === true;
    const wanted = listChanged('tools') || listChanged('prompts') || listChanged('resources') || isPlainObject(caps.resources);
    if (!wanted) return;
    const ac = new AbortController();
    this.listenAbort = ac;
    let req: http.ClientRequest;
    if (server.era === 'legacy') {
      req = this.transport().request(this.url, { method: 'GET', agent: this.agent, signal: ac.signal, headers: this.headers({ accept: 'text/event-stream' }) });
      req.end();
    } else {
      const body = JSON.stringify({
        jsonrpc: '2.0',
        id: `listen-${this.nextId++}`,
        method: 'subscriptions/listen',
        params: {
          _meta: modernMeta(this.clientCapabilities),
          notifications: {
            toolsListChanged: listChanged('tools'),
            promptsListChanged: listChanged('prompts'),
            resourcesListChanged: listChanged('resources'),
            ...(this.resourceSubscriptions.size > 0 ? { resourceSubscriptions: [...this.resourceSubscriptions] } : {}),
          },
        },
      });
      req = this.transport().request(this.url, {
        method: 'POST',
        agent: this.agent,
        signal: ac.signal,
        headers: this.headers({ 'content-type': 'application/json', 'mcp-method': 'subscriptions/listen', 'mcp-protocol-version': MODERN_VERSION }),
      });
      req.end(body);
    }
    const retry = (why: string) => {
      if (this.closed || ac.signal.aborted || this.server !== server) return;
      const delay = this.listenBackoff.next();
      if (delay === undefined) return;
      this.emit({ type: 'log', level: 'info', message: 'upstream notification stream closed; reconnecting', detail: { upstream: this.upstream, why, delayMs: delay } });
      setTimeout(() => this.openNotificationStream(), delay).unref();
    };
    req.on('error', (err) => retry(err.message));
    req.on('response', (res) => {
      if (res.statusCode === 405 || res.statusCode === 404 || !String(res.headers['content-type']).includes('text/event-stream')) {
        res.resume();
        if (res.statusCode === 404 && server.era === 'legacy' && this.sessionId) {
          // The session is gone; the next call re-initializes, which reopens this stream.
          this.server = undefined;
          this.ready = undefined;
        }
        return;
      }
      this.listenBackoff.reset();
      const parser = new SseParser((ev) => {
        // Priming events carry an empty data field: skip them without paying for a thrown SyntaxError.
        if (ev.data === '') return;
        let value: unknown;
        try {
          value = JSON.parse(ev.data);
        } catch {
          return;
        }
        const c = classify(value);
        if (c.kind === 'notification' && c.msg.method !== 'notifications/subscriptions/acknowledged') {
          const n = c.msg;
          if (isPlainObject(n.params?._meta)) delete n.params._meta[META.subscriptionId];
          this.emit({ type: 'notification', notification: n });
        } else if (c.kind === 'request') {
          void this.answerServerRequest(c.msg, { timeoutMs: 0 });
        }
      });
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        try {
          parser.push(chunk);
        } catch {
          res.destroy();
        }
      });
      res.on('end', () => retry('ended'));
      res.on('error', (err) => retry(err.message));
    });
  }
}

class SessionLost extends Error {
  constructor() {
    super('upstream session lost');
  }
}

function parseReply(text: string, id: number): UpstreamReply | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const c = classify(value);
  if (c.kind !== 'response') return undefined;
  if ('error' in c.msg) return { ok: false, error: c.msg.error };
  if (c.msg.id !== id) return undefined;
  return { ok: true, result: c.msg.result };
}

function readBody(message: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    message.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        message.destroy();
        reject(new UpstreamFailure('upstream_protocol', 'upstream response over the size limit'));
        return;
      }
      chunks.push(c);
    });
    message.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    message.on('error', (err) => reject(new UpstreamFailure('upstream_failed', err.message)));
  });
}

