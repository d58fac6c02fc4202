/**
 * A stdio upstream: one child process speaking newline-delimited JSON-RPC.
 * - explicit environment: the configured variables plus a minimal safe set, nothing else inherited;
 * - its own process group, so shutdown ends the whole tree (npx wrappers leave grandchildren otherwise);
 * - a crash fails the calls in flight with a clear error and restarts the child with backoff.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { UpstreamFailure } from '../errors.js';
import { classify, type JsonRpcNotification, type JsonRpcRequest, type JsonRpcResponse, type Params, errorResponse, isPlainObject, RpcCode } from '../protocol/jsonrpc.js';
import type { UpstreamConfig } from '../config/schema.js';
import type { CallOptions, LinkEvent, ServerDescription, UpstreamLink, UpstreamReply } from './link.js';
import { PendingCalls } from './pending.js';
import { modernMeta, negotiate } from './handshake.js';
import { Backoff } from './backoff.js';
import { verifyStdio } from './admission/integrity.js';

/** Inherited from the gateway's environment only by name; values of anything else never reach a child. */
const SAFE_ENV = ['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'TERM', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'TMPDIR'];
const MAX_LINE_BYTES = 64 * 1024 * 1024;
const STDERR_TAIL = 4096;

export function childEnvironment(configured: Readonly<Record<string, string>>, parent: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of SAFE_ENV) {
    const v = parent[k];
    if (v !== undefined) env[k] = v;
  }
  return Object.assign(env, configured);
}

type State = 'idle' | 'starting' | 'up' | 'restarting' | 'closed';

export class StdioLink implements UpstreamLink {
  server: ServerDescription | undefined;
  private child: ChildProcess | undefined;
  private state: State = 'idle';
  private readonly pending: PendingCalls;
  private readonly backoff: Backoff;
  private restartTimer: NodeJS.Timeout | undefined;
  private stderrTail = '';
  private ready: Promise<ServerDescription> | undefined;

  constructor(
    readonly upstream: string,
    private readonly cfg: UpstreamConfig,
    private readonly emit: (e: LinkEvent) => void,
    private readonly clientCapabilities: Params,
  ) {
    this.pending = new PendingCalls((m) => this.write(m), upstream);
    this.backoff = new Backoff(cfg.restart.initialDelayMs, cfg.restart.maxDelayMs, cfg.restart.maxAttempts);
  }

  get inFlight(): number {
    return this.pending.size;
  }

  start(): Promise<ServerDescription> {
    if (this.state === 'closed') return Promise.reject(new UpstreamFailure('upstream_unavailable', 'closed'));
    this.ready ??= this.launch();
    return this.ready;
  }

  async request(method: string, params: Params | undefined, opts: CallOptions): Promise<UpstreamReply> {
    if (this.state !== 'up') {
      // A call during a restart waits for the child (bounded by its own time-out) rather than failing at once.
      await withTimeout(this.start(), opts.timeoutMs, `${this.upstream} is not connected`);
    }
    const server = this.server;
    if (server?.era === 'modern') {
      const meta = isPlainObject(params?._meta) ? params._meta : {};
      params = { ...params, _meta: { ...meta, ...modernMeta(opts.clientCapabilities ?? this.clientCapabilities) } };
    }
    return this.pending.call(method, params, opts);
  }

  notify(method: string, params?: Params): void {
    if (this.state !== 'up') return;
    this.write(params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params });
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.restartTimer);
    this.pending.failAll(new UpstreamFailure('upstream_unavailable', 'the upstream is shutting down'));
    await this.stopChild();
  }

  private async launch(): Promise<ServerDescription> {
    this.state = 'starting';
    const stdio = this.cfg.stdio!;
    // Pinned package or binary: verified before every start. A mismatch is not retried on a timer (the
    // files will not heal); the next start (a list or call) checks again.
    const tampered = await verifyStdio(stdio, `upstreams.${this.upstream}.stdio`);
    if (this.state !== 'starting') throw new UpstreamFailure('upstream_unavailable', 'closed');
    if (tampered.length > 0) {
      this.state = 'idle';
      this.ready = undefined;
      this.emit({ type: 'log', level: 'error', message: 'upstream refused: integrity check failed', detail: { upstream: this.upstream, problems: tampered.map((p) => `${p.path}: ${p.message}`) } });
      throw new UpstreamFailure('upstream_unavailable', 'refused to start: the pinned package or binary does not match (see the gateway log)');
    }
    let child: ChildProcess;
    try {
      child = spawn(stdio.command, stdio.args, {
        cwd: stdio.cwd,
        env: childEnvironment(stdio.env),
        stdio: ['pipe', 'pipe', 'pipe'],
        // Its own process group: the whole tree can be signalled with kill(-pid).
        detached: true,
        windowsHide: true,
      });
    } catch (err) {
      this.ready = undefined;
      this.scheduleRestart(`spawn failed: ${(err as Error).message}`);
      throw new UpstreamFailure('upstream_unavailable', `cannot start "${stdio.command}"`, { cause: err });
    }
    this.child = child;
    this.stderrTail = '';
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    child.on('error', (err) => this.emit({ type: 'log', level: 'error', message: 'upstream process error', detail: { upstream: this.upstream, error: err.message } }));
    child.stdin!.on('error', () => { /* EPIPE when the child dies; handled by 'exit' */ });
    this.readLines(child);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_TAIL);
    });
    child.once('exit', (code, signal) => this.onExit(child, code, signal));
    try {
      await spawned;
      this.state = 'up'; // the handshake itself must be able to write
      const server = await negotiate(
        (method, params, timeoutMs) => this.pending.call(method, params, { timeoutMs }),
        (method, params) => this.notify(method, params),
        this.cfg.era,
        this.clientCapabilities,
        this.cfg.connectTimeoutMs,
      );
      if (this.child !== child) throw new UpstreamFailure('upstream_unavailable', 'the process exited during the handshake');
      this.server = server;
      this.backoff.reset();
      this.emit({ type: 'up', server });
      return server;
    } catch (err) {
      this.state = 'starting';
      this.ready = undefined;
      const reason = err instanceof Error ? err.message : String(err);
      void this.stopChild(child);
      this.scheduleRestart(reason);
      throw err instanceof UpstreamFailure ? err : new UpstreamFailure('upstream_unavailable', reason, { cause: err });
    }
  }

  private readLines(child: ChildProcess): void {
    const out = child.stdout!;
    let buffered: Buffer[] = [];
    let bufferedBytes = 0;
    out.on('data', (chunk: Buffer) => {
      let start = 0;
      let nl = chunk.indexOf(10);
      while (nl !== -1) {
        const piece = chunk.subarray(start, nl);
        const line = bufferedBytes === 0 ? piece.toString('utf8') : Buffer.concat([...buffered, piece]).toString('utf8');
        buffered = [];
        bufferedBytes = 0;
        if (line.length > 0 && line !== '\r') this.onLine(line);
        start = nl + 1;
        nl = chunk.indexOf(10, start);
      }
      if (start < chunk.length) {
        buffered.push(chunk.subarray(start));
        bufferedBytes += chunk.length - start;
        if (bufferedBytes > MAX_LINE_BYTES) {
          buffered = [];
          bufferedBytes = 0;
          this.emit({ type: 'log', level: 'error', message: 'upstream message over the size limit; restarting it', detail: { upstream: this.upstream } });
          this.killTree(child, 'SIGKILL');
        }
      }
    });
  }

  private onLine(line: string): void {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      this.emit({ type: 'log', level: 'warn', message: 'upstream wrote a non-JSON line on stdout; ignored', detail: { upstream: this.upstream, excerpt: line.slice(0, 120) } });
      return;
    }
    const c = classify(value);
    switch (c.kind) {
      case 'response':
        this.pending.settle(c.msg);
        return;
      case 'notification':
        if (c.msg.method === 'notifications/progress' && this.pending.progress(c.msg)) return;
        this.emit({ type: 'notification', notification: c.msg });
        return;
      case 'request':
        void this.onServerRequest(c.msg);
        return;
      case 'invalid':
        this.emit({ type: 'log', level: 'warn', message: 'upstream sent an invalid JSON-RPC message; ignored', detail: { upstream: this.upstream, reason: c.reason } });
        return;
    }
  }

  private async onServerRequest(req: JsonRpcRequest): Promise<void> {
    let res: JsonRpcResponse;
    if (req.method === 'ping') {
      res = { jsonrpc: '2.0', id: req.id, result: {} };
    } else {
      const owner = this.pending.attribute();
      if (!owner?.onServerRequest) {
        res = errorResponse(req.id, RpcCode.InvalidRequest, `${req.method} can only be made during a call of one agent`);
      } else {
        try {
          res = await owner.onServerRequest(req);
        } catch {
          res = errorResponse(req.id, RpcCode.InternalError, 'the agent did not answer');
        }
      }
    }
    if (this.state === 'up') this.write({ ...res, id: req.id } as JsonRpcResponse);
  }

  private write(msg: JsonRpcRequest | JsonRpcNotification | JsonRpcResponse): void {
    const stdin = this.child?.stdin;
    if (!stdin || stdin.destroyed || this.state === 'closed') throw new UpstreamFailure('upstream_unavailable', 'not connected');
    stdin.write(JSON.stringify(msg) + '\n');
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.child !== child) return;
    this.child = undefined;
    const how = signal ? `signal ${signal}` : `code ${code}`;
    const err = new UpstreamFailure('upstream_failed', `the ${this.upstream} server exited (${how}) during the call`);
    this.pending.failAll(err);
    if (this.state === 'closed') return;
    this.server = undefined;
    this.ready = undefined;
    this.emit({ type: 'down', reason: `exited with ${how}` });
    this.emit({ type: 'log', level: 'warn', message: 'upstream process exited', detail: { upstream: this.upstream, exit: how, stderr: this.stderrTail.slice(-512) } });
    this.scheduleRestart(`exited with ${how}`);
  }

  private scheduleRestart(reason: string): void {
    if (this.state === 'closed' || this.restartTimer) return;
    const delay = this.backoff.next();
    if (delay === undefined) {
      this.state = 'idle';
      this.emit({ type: 'log', level: 'error', message: 'upstream gave up restarting', detail: { upstream: this.upstream, reason } });
      return;
    }
    this.state = 'restarting';
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.state === 'closed' || this.ready) return;
      this.start().catch(() => { /* logged and rescheduled by launch() */ });
    }, delay);
    this.restartTimer.unref();
  }

  /** close stdin, wait, SIGTERM the group, wait, SIGKILL the group (the MCP stdio shutdown sequence). */
  private async stopChild(child = this.child): Promise<void> {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.stdin?.end();
    if (await settlesWithin(exited, 1000)) return;
    this.killTree(child, 'SIGTERM');
    if (await settlesWithin(exited, 2000)) return;
    this.killTree(child, 'SIGKILL');
    await settlesWithin(exited, 1000);
  }

  private killTree(child: ChildProcess, signal: NodeJS.Signals): void {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      try {
        child.kill(signal);
      } catch {
        /* already gone */
      }
    }
  }
}

async function settlesWithin(p: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const r = await Promise.race([p.then(() => true), timeout]);
  clearTimeout(timer);
  return r;
}

export async function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UpstreamFailure('upstream_unavailable', message)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
