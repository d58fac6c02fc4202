/**
 * `portcullis stdio`: the same gateway for a desktop client that launches its servers. One agent, one
 * session, newline-delimited JSON-RPC on stdin/stdout (logs go to stderr). Both eras: `initialize`
 * starts a legacy session; requests carrying 2026-07-28 `_meta` are served statelessly.
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { classify, errorResponse, isPlainObject, RpcCode, type JsonRpcMessage, type JsonRpcRequest, type Params } from '../protocol/jsonrpc.js';
import type { Principal } from '../pipeline/types.js';
import { META, MODERN_VERSION } from '../upstream/link.js';
import type { AgentRequestChannel } from './agent.js';
import type { MessageHandler } from './handler.js';
import { LegacySession } from './session.js';
import { Cancel, type CancelSignal } from '../cancel.js';

const MAX_LINE = 16 * 1024 * 1024;

export class StdioDownstream {
  private session: LegacySession | undefined;
  private closedResolve: (() => void) | undefined;
  readonly closed = new Promise<void>((resolve) => {
    this.closedResolve = resolve;
  });

  constructor(
    private readonly handler: MessageHandler,
    private readonly principal: Principal,
    private readonly askTimeoutMs: number,
    private readonly input: Readable = process.stdin,
    private readonly output: Writable = process.stdout,
  ) {}

  start(): void {
    const rl = createInterface({ input: this.input, crlfDelay: Infinity });
    rl.on('line', (line) => this.onLine(line));
    rl.on('close', () => {
      this.session?.end();
      if (this.session) this.handler.closeSession(this.session);
      this.closedResolve?.();
    });
  }

  private write(msg: JsonRpcMessage): void {
    this.output.write(JSON.stringify(msg) + '\n');
  }

  private onLine(line: string): void {
    if (line.trim() === '') return;
    if (line.length > MAX_LINE) {
      this.handler.invalid({ transport: 'stdio', principal: this.principal, reason: 'payload_too_large', detail: `line over ${MAX_LINE} bytes` });
      this.write(errorResponse(null, RpcCode.InvalidRequest, 'Message too large'));
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      this.handler.invalid({ transport: 'stdio', principal: this.principal, reason: 'parse_error', detail: 'line is not valid JSON' });
      this.write(errorResponse(null, RpcCode.ParseError, 'Parse error: line is not valid JSON'));
      return;
    }
    const c = classify(value);
    switch (c.kind) {
      case 'invalid':
        this.handler.invalid({ transport: 'stdio', principal: this.principal, reason: 'invalid_request', detail: c.reason, requestId: c.id });
        this.write(errorResponse(c.id, c.code, `Invalid request: ${c.reason}`));
        return;
      case 'response': {
        const resolve = this.session?.awaiting.get(c.msg.id as string);
        if (resolve) {
          this.session!.awaiting.delete(c.msg.id as string);
          resolve(c.msg);
        }
        return;
      }
      case 'notification': {
        const n = c.msg;
        this.handler.notification(n, 'stdio', this.session ? 'legacy' : 'modern', this.principal, this.session?.id);
        if (n.method === 'notifications/cancelled') {
          const id = n.params?.requestId;
          if (typeof id === 'string' || typeof id === 'number') this.session?.inFlight.get(id)?.abort();
        }
        return;
      }
      case 'request':
        void this.onRequest(c.msg);
        return;
    }
  }

  private async onRequest(req: JsonRpcRequest): Promise<void> {
    const meta = isPlainObject(req.params?._meta) ? req.params._meta : undefined;
    const modern = meta?.[META.protocolVersion] !== undefined || (req.method === 'server/discover' && !this.session);
    if (modern && meta?.[META.protocolVersion] !== undefined && meta[META.protocolVersion] !== MODERN_VERSION) {
      this.write(errorResponse(req.id, RpcCode.UnsupportedProtocolVersion, 'Unsupported protocol version', { supported: [MODERN_VERSION] }));
      return;
    }
    if (req.method === 'initialize') {
      const p = req.params ?? {};
      const result = this.handler.initializeResult(p.protocolVersion);
      if (this.session) this.handler.closeSession(this.session);
      this.session = new LegacySession(this.principal, String(result.protocolVersion), isPlainObject(p.capabilities) ? p.capabilities : {}, isPlainObject(p.clientInfo) ? p.clientInfo : {});
      this.session.attachStream((n) => (this.write(n), true));
      this.handler.openSession(this.session);
    }
    const session = modern ? undefined : this.session;
    if (!modern && !session) {
      this.handler.invalid({ transport: 'stdio', principal: this.principal, method: req.method, requestId: req.id, reason: 'not_initialized', detail: 'request before initialize' });
      this.write(errorResponse(req.id, RpcCode.InvalidRequest, 'Send initialize first (or use protocol version 2026-07-28)'));
      return;
    }
    const ac = new Cancel();
    session?.inFlight.set(req.id, ac);
    const caps: Params = modern ? (isPlainObject(meta?.[META.clientCapabilities]) ? (meta[META.clientCapabilities] as Params) : {}) : session!.clientCapabilities;
    const channel: AgentRequestChannel = {
      era: modern ? 'modern' : 'legacy',
      principal: this.principal,
      session,
      clientCapabilities: caps,
      signal: ac.signal,
      notify: (n) => this.write(n),
      ask: session ? (method, params) => this.ask(session, method, params, ac.signal) : undefined,
    };
    try {
      this.write(await this.handler.request(channel, req, 'stdio'));
    } finally {
      session?.inFlight.delete(req.id);
    }
  }

  private ask(session: LegacySession, method: string, params: Params | undefined, signal: CancelSignal): Promise<import('../protocol/jsonrpc.js').JsonRpcResponse> {
    const id = session.askId();
    if (signal.aborted) return Promise.resolve(errorResponse(id, RpcCode.InternalError, 'cancelled'));
    return new Promise((resolve) => {
      const done = (r: import('../protocol/jsonrpc.js').JsonRpcResponse) => {
        clearTimeout(timer);
        offAbort();
        session.awaiting.delete(id);
        resolve(r);
      };
      const timer = setTimeout(() => done(errorResponse(id, RpcCode.InternalError, 'the agent did not answer in time')), this.askTimeoutMs);
      session.awaiting.set(id, done);
      const offAbort = signal.onAbort(() => done(errorResponse(id, RpcCode.InternalError, 'cancelled')));
      this.write(params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params });
    });
  }
}
