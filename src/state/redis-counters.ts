/**
 * Token buckets and session budgets in Redis: one Lua script evaluates every bucket and budget of a
 * call and takes from all of them or from none, in one round trip. Time comes from the Redis server
 * (TIME), never from the replica, so clock skew between replicas cannot mint tokens. A call that meets
 * a flow rule takes its buckets inside the flow rules' script instead (redis-steps.ts).
 */
import type { Redis } from 'ioredis';
import type { Bucket, BudgetCheck, Counters, TakeResult } from './counters.js';
import { TAKE, redisKeys, takeArgs, takeResult, type RedisKeys } from './redis-lua.js';

const TAKE_ALL = `${TAKE}
return take(1, 1)
`;

const ADD_BYTES = `
redis.call('HINCRBY', KEYS[1], 'bytes', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 0
`;

interface CounterCommands {
  takeAll(numKeys: number, ...args: Array<string | number>): Promise<number[]>;
  addBudgetBytes(key: string, bytes: number, ttlMs: number): Promise<number>;
}

export class RedisCounters implements Counters {
  readonly kind = 'redis';
  private readonly cmd: CounterCommands;
  private readonly keys: RedisKeys;

  constructor(redis: Redis, prefix: string) {
    // The key count varies per call (one key per bucket), so it is passed with each call.
    redis.defineCommand('takeAll', { lua: TAKE_ALL });
    redis.defineCommand('addBudgetBytes', { numberOfKeys: 1, lua: ADD_BYTES });
    this.cmd = redis as unknown as CounterCommands;
    this.keys = redisKeys(prefix);
  }

  async take(buckets: readonly Bucket[], budget?: BudgetCheck): Promise<TakeResult> {
    const { keys, args } = takeArgs(this.keys, buckets, budget);
    return takeResult(buckets, await this.cmd.takeAll(keys.length, ...keys, ...args));
  }

  async addBytes(key: string, bytes: number, ttlMs: number): Promise<void> {
    await this.cmd.addBudgetBytes(this.keys.budget(key), bytes, Math.ceil(ttlMs));
  }

  async close(): Promise<void> {
    // The client is shared with the session store; its owner closes it.
  }
}
