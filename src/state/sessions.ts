/**
 * The session-history port (`sessions.load / reserve / record`) and its in-process adapter. Every
 * adapter applies a reservation atomically (check and take in one step), so concurrent calls of one
 * session can never both slip under a `maxCalls` bound; `record` only adds (first writer wins per
 * label), so it needs no check. State expires `ttlMs` after the session's last write.
 */
import { applyRecord, applyReserve, emptyState, takesCounters, type Outcome, type Reservation, type ReserveResult, type SessionState } from './session-state.js';

export interface SessionStore {
  readonly kind: 'memory' | 'sqlite' | 'postgres' | 'redis';
  /**
   * The session's state for evaluating rules: treat it as read-only. The recent-call history is
   * included when asked for (stores that keep it apart skip it on the hot path).
   */
  load(key: string, withHistory?: boolean): Promise<SessionState>;
  /**
   * Reserve atomically, and show `judge` the state as it was just before (the flow stage words its
   * verdict from it): check, take and read in one step, so nothing changes in between.
   */
  admit<T>(key: string, r: Reservation, ttlMs: number, judge: (before: SessionState) => T): Promise<Judged<T>>;
  reserve(key: string, r: Reservation, ttlMs: number): Promise<ReserveResult>;
  record(key: string, o: Outcome, ttlMs: number): Promise<void>;
  close(): Promise<void>;
}

export interface Judged<T> {
  readonly flow: ReserveResult;
  /** What `judge` made of the session's state as it was just before this step. */
  readonly judged: T;
}

/**
 * One process's sessions in a Map: sound only when one gateway process serves them (no Redis and no
 * shared database). Bounded: beyond `maxSessions` the least recently written session is dropped.
 */
export class MemorySessionStore implements SessionStore {
  readonly kind = 'memory';
  private readonly map = new Map<string, { state: SessionState; expires: number }>();

  constructor(private readonly maxSessions = 100_000) {}

  private get(key: string): SessionState | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    if (e.expires <= Date.now()) {
      this.map.delete(key);
      return undefined;
    }
    return e.state;
  }

  private put(key: string, state: SessionState, ttlMs: number): void {
    this.map.delete(key); // re-insert: Map order is then least recently written first
    this.map.set(key, { state, expires: Date.now() + ttlMs });
    if (this.map.size > this.maxSessions) this.map.delete(this.map.keys().next().value!);
  }

  async load(key: string): Promise<SessionState> {
    // The live object, not a copy: callers only read it, and a copy per call costs more than the rules.
    return this.get(key) ?? emptyState();
  }

  async admit<T>(key: string, r: Reservation, ttlMs: number, judge: (before: SessionState) => T): Promise<Judged<T>> {
    const s = this.get(key) ?? emptyState();
    // Judged before the reservation changes the (live) state, with nothing in between.
    const judged = judge(s);
    const flow = applyReserve(s, r);
    if (flow.ok && takesCounters(r)) this.put(key, s, ttlMs);
    return { flow, judged };
  }

  async reserve(key: string, r: Reservation, ttlMs: number): Promise<ReserveResult> {
    return (await this.admit(key, r, ttlMs, () => undefined)).flow;
  }

  async record(key: string, o: Outcome, ttlMs: number): Promise<void> {
    const s = this.get(key) ?? emptyState();
    applyRecord(s, o);
    this.put(key, s, ttlMs);
  }

  async close(): Promise<void> {
    this.map.clear();
  }
}
