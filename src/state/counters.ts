/**
 * The counters port (`counters.take`): token buckets and per-session budgets, evaluated together for
 * one call. A call takes one token from every bucket that applies and one unit of each budget, or —
 * when any of them is empty — takes nothing at all, so a refused call never spends quota elsewhere.
 * This file holds the in-process adapter; redis-counters.ts shares them across replicas.
 */
import { performance } from 'node:perf_hooks';

export interface Bucket {
  /** Storage key: rule name plus what the bucket is per (a principal, a tool, an upstream, or all). */
  readonly key: string;
  /** The rule, for the refusal. */
  readonly rule: string;
  readonly capacity: number;
  /** Refill rate in tokens per millisecond. */
  readonly perMs: number;
}

export interface BudgetCheck {
  readonly key: string;
  readonly ttlMs: number;
  readonly write: boolean;
  readonly maxCalls?: number | undefined;
  readonly maxWrites?: number | undefined;
  readonly maxBytes?: number | undefined;
}

export type BudgetKind = 'calls' | 'writes' | 'bytes';

export type TakeResult =
  | { ok: true }
  | { ok: false; kind: 'rate'; rule: string; retryAfterMs: number }
  | { ok: false; kind: 'budget'; which: BudgetKind; used: number; max: number };

export interface Counters {
  readonly kind: 'memory' | 'redis';
  take(buckets: readonly Bucket[], budget?: BudgetCheck): Promise<TakeResult>;
  /** Count the bytes a call returned against its session's budget. */
  addBytes(key: string, bytes: number, ttlMs: number): Promise<void>;
  close(): Promise<void>;
}

/** The time until a bucket holding `tokens` has one whole token again. */
export function waitMs(tokens: number, perMs: number): number {
  return Math.max(1, Math.ceil((1 - tokens) / perMs));
}

interface BucketState {
  tokens: number;
  at: number;
}

interface BudgetState {
  calls: number;
  writes: number;
  bytes: number;
  expires: number;
}

const MAX_KEYS = 100_000;

/** One process's counters; sound for a single replica (the default without Redis). */
export class MemoryCounters implements Counters {
  readonly kind = 'memory';
  private readonly buckets = new Map<string, BucketState>();
  private readonly budgets = new Map<string, BudgetState>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  async take(buckets: readonly Bucket[], budget?: BudgetCheck): Promise<TakeResult> {
    return this.takeSync(buckets, budget);
  }

  takeSync(buckets: readonly Bucket[], budget?: BudgetCheck): TakeResult {
    const now = this.now();
    const b = budget && this.budget(budget.key, Date.now());
    if (budget && b) {
      if (budget.maxCalls !== undefined && b.calls >= budget.maxCalls) return { ok: false, kind: 'budget', which: 'calls', used: b.calls, max: budget.maxCalls };
      if (budget.write && budget.maxWrites !== undefined && b.writes >= budget.maxWrites) return { ok: false, kind: 'budget', which: 'writes', used: b.writes, max: budget.maxWrites };
      if (budget.maxBytes !== undefined && b.bytes >= budget.maxBytes) return { ok: false, kind: 'budget', which: 'bytes', used: b.bytes, max: budget.maxBytes };
    }
    const levels: number[] = [];
    let worst: { rule: string; retryAfterMs: number } | undefined;
    for (const bucket of buckets) {
      const s = this.buckets.get(bucket.key);
      const tokens = s ? Math.min(bucket.capacity, s.tokens + Math.max(0, now - s.at) * bucket.perMs) : bucket.capacity;
      levels.push(tokens);
      if (tokens < 1) {
        const wait = waitMs(tokens, bucket.perMs);
        if (!worst || wait > worst.retryAfterMs) worst = { rule: bucket.rule, retryAfterMs: wait };
      }
    }
    if (worst) return { ok: false, kind: 'rate', ...worst };
    buckets.forEach((bucket, i) => this.buckets.set(bucket.key, { tokens: levels[i]! - 1, at: now }));
    if (this.buckets.size > MAX_KEYS) this.pruneFull(now, buckets);
    if (budget && b) {
      b.calls++;
      if (budget.write) b.writes++;
      b.expires = Date.now() + budget.ttlMs;
    }
    return { ok: true };
  }

  private budget(key: string, now: number): BudgetState {
    let b = this.budgets.get(key);
    if (!b || b.expires <= now) {
      b = { calls: 0, writes: 0, bytes: 0, expires: now };
      this.budgets.set(key, b);
      if (this.budgets.size > MAX_KEYS) for (const [k, v] of this.budgets) if (v.expires <= now) this.budgets.delete(k);
    }
    return b;
  }

  /** Forget buckets that have refilled: a full bucket and a missing one mean the same. */
  private pruneFull(now: number, current: readonly Bucket[]): void {
    const rates = new Map(current.map((b) => [b.key, b]));
    for (const [k, s] of this.buckets) {
      const b = rates.get(k);
      // Without the rule at hand, a bucket untouched for an hour is taken as full (the longest sane refill).
      if (b ? s.tokens + (now - s.at) * b.perMs >= b.capacity : now - s.at > 3_600_000) this.buckets.delete(k);
    }
  }

  async addBytes(key: string, bytes: number, ttlMs: number): Promise<void> {
    const b = this.budget(key, Date.now());
    b.bytes += bytes;
    b.expires = Date.now() + ttlMs;
  }

  async close(): Promise<void> {
    this.buckets.clear();
    this.budgets.clear();
  }
}
