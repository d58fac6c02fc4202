/**
 * A legacy (2025-11-25 era) agent session: created by `initialize`, named by a crypto-random id, bound
 * to the principal that created it, and holding the per-session state the protocol needs (calls in
 * flight for cancellation, server→client requests awaiting answers, the standalone GET stream).
 */
import { randomBytes } from 'node:crypto';
import type { JsonRpcNotification, JsonRpcResponse, Params, RequestId } from '../protocol/jsonrpc.js';
import type { Principal } from '../pipeline/types.js';
import type { AgentSession } from './agent.js';
import type { Cancel } from '../cancel.js';

const MAX_QUEUED = 256;

export class LegacySession implements AgentSession {
  readonly id = randomBytes(24).toString('base64url');
  readonly era = 'legacy' as const;
  readonly subscriptions = new Set<string>();
  readonly createdAt = Date.now();
  lastSeen = Date.now();
  logLevel: string | undefined;
  initialized = false;
  /** Agent request id → controller that cancels it. */
  readonly inFlight = new Map<RequestId, Cancel>();
  /** Our server→client request id → resolver of the agent's answer. */
  readonly awaiting = new Map<RequestId, (r: JsonRpcResponse) => void>();
  private stream: ((n: JsonRpcNotification) => boolean) | undefined;
  private queued: JsonRpcNotification[] = [];
  private nextAsk = 1;

  constructor(
    readonly principal: Principal,
    public protocolVersion: string,
    public clientCapabilities: Params,
    public clientInfo: Params,
  ) {}

  askId(): string {
    return `pcq-${this.nextAsk++}`;
  }

  /** Attach the standalone stream; returns false if one is already open. */
  attachStream(write: (n: JsonRpcNotification) => boolean): boolean {
    if (this.stream) return false;
    this.stream = write;
    const pending = this.queued;
    this.queued = [];
    for (const n of pending) write(n);
    return true;
  }

  detachStream(write: (n: JsonRpcNotification) => boolean): void {
    if (this.stream === write) this.stream = undefined;
  }

  get hasStream(): boolean {
    return this.stream !== undefined;
  }

  /** Unrelated notifications go on the GET stream; a bounded queue holds them until it opens. */
  push(n: JsonRpcNotification): void {
    if (this.stream && this.stream(n)) return;
    if (this.queued.length < MAX_QUEUED) this.queued.push(n);
  }

  end(): void {
    for (const c of this.inFlight.values()) c.abort();
    this.inFlight.clear();
    for (const resolve of this.awaiting.values()) resolve({ jsonrpc: '2.0', id: 0, error: { code: -32603, message: 'session ended' } });
    this.awaiting.clear();
    this.stream = undefined;
    this.queued = [];
  }
}
