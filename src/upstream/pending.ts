/**
 * Bookkeeping for calls in flight on a message channel (stdio): upstream ids, progress tokens re-keyed
 * in both directions, time-outs, cancellation, and the clear failure every caller gets when the channel dies.
 */
import { UpstreamFailure } from '../errors.js';
import type { JsonRpcNotification, JsonRpcRequest, JsonRpcResponse, Params } from '../protocol/jsonrpc.js';
import { isPlainObject } from '../protocol/jsonrpc.js';
import type { CallOptions, UpstreamReply } from './link.js';

interface Pending {
  id: number;
  method: string;
  opts: CallOptions;
  /** The caller's progress token, restored on the way back. */
  callerToken: string | number | undefined;
  upstreamToken: string | undefined;
  resolve(r: UpstreamReply): void;
  reject(e: Error): void;
  timer: NodeJS.Timeout;
  offAbort: (() => void) | undefined;
}

export class PendingCalls {
  private nextId = 1;
  private readonly byId = new Map<number, Pending>();
  private readonly byToken = new Map<string, Pending>();

  constructor(
    private readonly send: (msg: JsonRpcRequest | JsonRpcNotification) => void,
    private readonly label: string,
  ) {}

  get size(): number {
    return this.byId.size;
  }

  /** Send a request and settle when its response arrives, the time-out fires, or the caller aborts. */
  call(method: string, params: Params | undefined, opts: CallOptions): Promise<UpstreamReply> {
    if (opts.signal?.aborted) return Promise.reject(new UpstreamFailure('cancelled', 'cancelled before sending'));
    const id = this.nextId++;
    let outParams = params;
    let callerToken: string | number | undefined;
    let upstreamToken: string | undefined;
    const meta = params?._meta;
    if (isPlainObject(meta) && (typeof meta.progressToken === 'string' || typeof meta.progressToken === 'number')) {
      callerToken = meta.progressToken;
      upstreamToken = `p${id}`;
      outParams = { ...params, _meta: { ...meta, progressToken: upstreamToken } };
    }
    return new Promise<UpstreamReply>((resolve, reject) => {
      const p: Pending = {
        id, method, opts, callerToken, upstreamToken, resolve, reject,
        timer: setTimeout(() => this.fail(p, new UpstreamFailure('upstream_timeout', `no answer to ${method} within ${opts.timeoutMs} ms`), true), opts.timeoutMs),
        offAbort: undefined,
      };
      p.offAbort = opts.signal?.onAbort(() => this.fail(p, new UpstreamFailure('cancelled', 'cancelled by the agent'), true));
      this.byId.set(id, p);
      if (upstreamToken !== undefined) this.byToken.set(upstreamToken, p);
      const msg: JsonRpcRequest = outParams === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params: outParams };
      try {
        this.send(msg);
      } catch (err) {
        this.fail(p, new UpstreamFailure('upstream_unavailable', `${this.label}: cannot write`, { cause: err }), false);
      }
    });
  }

  /** A response arrived: settle its call. Returns false when nobody was waiting (late or unknown id). */
  settle(res: JsonRpcResponse): boolean {
    if (typeof res.id !== 'number') return false;
    const p = this.byId.get(res.id);
    if (!p) return false;
    this.cleanup(p);
    if ('error' in res) p.resolve({ ok: false, error: res.error });
    else p.resolve({ ok: true, result: res.result });
    return true;
  }

  /** Progress for one of our calls: map the token back and hand it to that caller. */
  progress(n: JsonRpcNotification): boolean {
    const token = n.params?.progressToken;
    if (typeof token !== 'string') return false;
    const p = this.byToken.get(token);
    if (!p || p.callerToken === undefined) return false;
    p.opts.onNotification?.({ ...n, params: { ...n.params, progressToken: p.callerToken } });
    return true;
  }

  /**
   * The caller that a server→client request belongs to. A stdio channel carries no request relation,
   * so the request is attributed only when every call in flight has the same owner: otherwise a shared
   * server could make one agent answer (or see) another agent's elicitation.
   */
  attribute(): CallOptions | undefined {
    let found: Pending | undefined;
    for (const p of this.byId.values()) {
      if (found && p.opts.owner !== found.opts.owner) return undefined;
      if (!found || p.id > found.id) found = p;
    }
    return found?.opts.onServerRequest ? found.opts : undefined;
  }

  /** The channel died: every caller gets the same clear failure. */
  failAll(err: UpstreamFailure): void {
    for (const p of [...this.byId.values()]) this.fail(p, err, false);
  }

  private fail(p: Pending, err: Error, notifyUpstream: boolean): void {
    if (!this.byId.has(p.id)) return;
    this.cleanup(p);
    if (notifyUpstream) {
      try {
        this.send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: p.id, reason: err.message } });
      } catch {
        /* the channel is gone; nothing to cancel */
      }
    }
    p.reject(err);
  }

  private cleanup(p: Pending): void {
    clearTimeout(p.timer);
    this.byId.delete(p.id);
    if (p.upstreamToken !== undefined) this.byToken.delete(p.upstreamToken);
    p.offAbort?.();
  }
}
