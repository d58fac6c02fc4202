/**
 * Token buckets and session budgets in Redis: one Lua script evaluates every bucket and budget of a
 * call and takes from all of them or from none, in one round trip. Time comes from the Redis server
 * (TIME), never from the replica, so clock skew between replicas cannot mint tokens.
 */
import type { Redis } from 'ioredis';
import type { Bucket, BudgetCheck, Counters, TakeResult } from './counters.js';

/**
 * KEYS: the bucket keys, then the budget key when ARGV[2] == '1'.
 * ARGV: bucket count, has-budget, then capacity and tokens-per-ms for each bucket, then for the budget
 * maxCalls, maxWrites, maxBytes (-1: no bound), write (1/0) and ttl ms.
 * Returns {0} when taken; {1, bucket index, retry ms} when a bucket is empty; {2, which, used, max}
 * when a budget is spent (which: 1 calls, 2 writes, 3 bytes).
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local n = tonumber(ARGV[1])
local hasBudget = ARGV[2] == '1'
if hasBudget then
  local base = 2 + 2 * n
  local maxCalls, maxWrites, maxBytes = tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3])
  local write = ARGV[base + 4] == '1'
  local v = redis.call('HMGET', KEYS[n + 1], 'calls', 'writes', 'bytes')
  local calls, writes, bytes = tonumber(v[1]) or 0, tonumber(v[2]) or 0, tonumber(v[3]) or 0
  if maxCalls >= 0 and calls >= maxCalls then return {2, 1, calls, maxCalls} end
  if write and maxWrites >= 0 and writes >= maxWrites then return {2, 2, writes, maxWrites} end
  if maxBytes >= 0 and bytes >= maxBytes then return {2, 3, bytes, maxBytes} end
end
local levels = {}
local worst, worstWait = 0, 0
for i = 1, n do
  local cap, rate = tonumber(ARGV[1 + 2 * i]), tonumber(ARGV[2 + 2 * i])
  local v = redis.call('HMGET', KEYS[i], 'tokens', 'at')
  local tokens, at = tonumber(v[1]), tonumber(v[2])
  if tokens == nil or at == nil then
    tokens = cap
  elseif now > at then
    tokens = math.min(cap, tokens + (now - at) * rate)
  end
  levels[i] = tokens
  if tokens < 1 then
    local wait = math.max(1, math.ceil((1 - tokens) / rate))
    if wait > worstWait then worst, worstWait = i, wait end
  end
end
if worst > 0 then return {1, worst, worstWait} end
for i = 1, n do
  local cap, rate = tonumber(ARGV[1 + 2 * i]), tonumber(ARGV[2 + 2 * i])
  redis.call('HSET', KEYS[i], 'tokens', tostring(levels[i] - 1), 'at', tostring(now))
  -- Once full again the bucket carries no information: let it expire.
  redis.call('PEXPIRE', KEYS[i], math.ceil(cap / rate) + 1000)
end
if hasBudget then
  local base = 2 + 2 * n
  redis.call('HINCRBY', KEYS[n + 1], 'calls', 1)
  if ARGV[base + 4] == '1' then redis.call('HINCRBY', KEYS[n + 1], 'writes', 1) end
  redis.call('PEXPIRE', KEYS[n + 1], ARGV[base + 5])
end
return {0}
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

const WHICH = { 1: 'calls', 2: 'writes', 3: 'bytes' } as const;

export class RedisCounters implements Counters {
  readonly kind = 'redis';
  private readonly cmd: CounterCommands;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    // The key count varies per call (one key per bucket), so it is passed with each call.
    redis.defineCommand('takeAll', { lua: TAKE });
    redis.defineCommand('addBudgetBytes', { numberOfKeys: 1, lua: ADD_BYTES });
    this.cmd = redis as unknown as CounterCommands;
  }

  async take(buckets: readonly Bucket[], budget?: BudgetCheck): Promise<TakeResult> {
    const keys = buckets.map((b) => `${this.prefix}rl:${b.key}`);
    const args: Array<string | number> = [buckets.length, budget ? '1' : '0'];
    for (const b of buckets) args.push(b.capacity, b.perMs.toPrecision(17));
    if (budget) {
      keys.push(`${this.prefix}budget:${budget.key}`);
      args.push(budget.maxCalls ?? -1, budget.maxWrites ?? -1, budget.maxBytes ?? -1, budget.write ? '1' : '0', Math.ceil(budget.ttlMs));
    }
    const r = await this.cmd.takeAll(keys.length, ...keys, ...args);
    if (r[0] === 0) return { ok: true };
    if (r[0] === 1) return { ok: false, kind: 'rate', rule: buckets[r[1]! - 1]!.rule, retryAfterMs: r[2]! };
    return { ok: false, kind: 'budget', which: WHICH[r[1] as 1 | 2 | 3], used: r[2]!, max: r[3]! };
  }

  async addBytes(key: string, bytes: number, ttlMs: number): Promise<void> {
    await this.cmd.addBudgetBytes(`${this.prefix}budget:${key}`, bytes, Math.ceil(ttlMs));
  }

  async close(): Promise<void> {
    // The client is shared with the session store; its owner closes it.
  }
}
