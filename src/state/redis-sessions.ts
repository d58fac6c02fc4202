/**
 * Session history in Redis, shared by every replica: per session, one small JSON value (labels,
 * counters, requiresBefore marks) changed only by Lua scripts, so that checking a bound and taking it
 * is one atomic step and one round trip, and a capped list of recent calls beside it (rules never read
 * it, so it never travels on the way in). The scripts (redis-lua.ts, redis-steps.ts) mirror
 * applyReserve / applyRecord in session-state.ts (the contract suite runs both).
 */
import type { Redis } from 'ioredis';
import { parseState, type Outcome, type Reservation, type ReserveResult, type SessionState } from './session-state.js';
import { redisKeys, type RedisKeys } from './redis-lua.js';
import { RedisCallSteps } from './redis-steps.js';
import type { Judged, SessionStore } from './sessions.js';

export class RedisSessionStore implements SessionStore {
  readonly kind = 'redis';
  private readonly keys: RedisKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    /** The scripts; the gateway shares them with the flow and rate-limit stages (open.ts). */
    readonly steps = new RedisCallSteps(redis, prefix),
  ) {
    this.keys = redisKeys(prefix);
  }

  async load(key: string, withHistory = false): Promise<SessionState> {
    if (!withHistory) return parseState(await this.redis.get(this.keys.flow(key)));
    const [state, history] = await Promise.all([this.redis.get(this.keys.flow(key)), this.redis.lrange(this.keys.history(key), 0, -1)]);
    const s = parseState(state);
    s.history = history.map((h) => JSON.parse(h) as SessionState['history'][number]);
    return s;
  }

  admit<T>(key: string, r: Reservation, ttlMs: number, judge: (before: SessionState) => T): Promise<Judged<T>> {
    return this.steps.admit(key, r, ttlMs, judge);
  }

  async reserve(key: string, r: Reservation, ttlMs: number): Promise<ReserveResult> {
    return (await this.steps.admit(key, r, ttlMs, () => undefined)).flow;
  }

  record(key: string, o: Outcome, ttlMs: number): Promise<void> {
    return this.steps.conclude(key, o, ttlMs);
  }

  async close(): Promise<void> {
    // The client is shared with the counters; its owner closes it.
  }
}
