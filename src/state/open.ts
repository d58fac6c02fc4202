/**
 * Where session history and counters live, chosen once per process from `storage`:
 *   storage.redis     → both in Redis, shared by every replica (atomic scripts: a call's flow rules and
 *                       rate limits are one round trip on the way in and one on the way back);
 *   storage.postgres  → session history in PostgreSQL (shared); counters in process;
 *   storage.path file → session history in the embedded SQLite file; counters in process;
 *   ":memory:"        → both in process (one replica; the fast path).
 * Counters without Redis are per process: with several replicas, configure Redis.
 */
import type { StorageConfig } from '../config/schema.js';
import { openSql } from '../storage/sql.js';
import { MemoryCounters, type Counters } from './counters.js';
import { openRedis, redisReady } from './redis.js';
import { RedisCounters } from './redis-counters.js';
import { RedisSessionStore } from './redis-sessions.js';
import { MemorySessionStore, type SessionStore } from './sessions.js';
import { SqlSessionStore } from './sql-sessions.js';
import { sessionSteps, type CallSteps } from './steps.js';

export interface StateBackends {
  readonly sessions: SessionStore;
  readonly counters: Counters;
  /** A tool call's way in and way back as one step each (steps.ts). */
  readonly steps: CallSteps;
  /** Resolves once the shared store answers (bounded wait); false when it did not in time. */
  ready(ms: number): Promise<boolean>;
  close(): Promise<void>;
}

export function openState(storage: StorageConfig): StateBackends {
  if (storage.redis) {
    const redis = openRedis(storage.redis);
    const sessions = new RedisSessionStore(redis, storage.redis.prefix);
    return {
      sessions,
      counters: new RedisCounters(redis, storage.redis.prefix),
      steps: sessions.steps,
      ready: (ms) => redisReady(redis, ms),
      close: async () => {
        redis.disconnect();
      },
    };
  }
  const counters = new MemoryCounters();
  if (!storage.postgres && storage.path === ':memory:') {
    const sessions = new MemorySessionStore();
    return { sessions, counters, steps: sessionSteps(sessions), ready: async () => true, close: () => sessions.close() };
  }
  const sessions = new SqlSessionStore(() => openSql(storage), storage.postgres ? 'postgres' : 'sqlite');
  return {
    sessions,
    counters,
    steps: sessionSteps(sessions),
    ready: (ms) =>
      Promise.race([
        sessions.load('-').then(() => true, () => false),
        new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref()),
      ]),
    close: () => sessions.close().catch(() => undefined),
  };
}
