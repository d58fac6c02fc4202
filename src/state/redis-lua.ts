/**
 * The Lua the Redis adapters are built from, in parts, so that one script can hold several of them
 * (the flow rules' check-and-reserve and the rate limits' take run as one script, one round trip).
 * Each part mirrors a pure function the in-process and SQL stores use (session-state.ts,
 * counters.ts); the contract suites run every adapter against the same expectations.
 */
import type { Bucket, BudgetCheck, TakeResult } from './counters.js';

/** Where each kind of state lives under the configured prefix. */
export function redisKeys(prefix: string) {
  return {
    flow: (session: string) => `${prefix}flow:${session}`,
    history: (session: string) => `${prefix}flow:${session}:h`,
    bucket: (bucket: string) => `${prefix}rl:${bucket}`,
    budget: (session: string) => `${prefix}budget:${session}`,
  };
}
export type RedisKeys = ReturnType<typeof redisKeys>;

/** Reads the session state at KEYS[1] into `s` (its JSON text stays in `raw`), with empty fields filled in. */
export const STATE = `
local raw = redis.call('GET', KEYS[1])
local s = {}
if raw then s = cjson.decode(raw) end
for _, f in ipairs({'labels', 'counts', 'distinct', 'seen'}) do
  if type(s[f]) ~= 'table' then s[f] = {} end
end
local function has(list, v)
  for _, x in ipairs(list) do if x == v then return true end end
  return false
end
local function known(rule)
  local cur = s.distinct[rule]
  if type(cur) == 'table' and type(cur.values) == 'table' then return cur.values end
  return {}
end
local function fresh(vals, values)
  local n, seen = 0, {}
  for _, v in ipairs(values) do
    if not has(vals, v) and not seen[v] then n = n + 1; seen[v] = true end
  end
  return n
end
local function count(rule)
  local cur = s.counts[rule]
  if type(cur) == 'table' then return cur.n end
  return 0
end
`;

/**
 * reserve(r, ttl, cap): applyReserve and guardFires (session-state.ts). Returns the rule that refuses,
 * or nil once the reservation is taken and the state written back (when it took any counter).
 */
export const RESERVE = `
local function fires(g)
  if type(g.after) == 'table' then
    local any = false
    for _, l in ipairs(g.after) do if s.labels[l] ~= nil then any = true end end
    if not any then return false end
  end
  if type(g.afterAll) == 'table' then
    for _, l in ipairs(g.afterAll) do if s.labels[l] == nil then return false end end
  end
  if g.requiresBefore == true and s.seen[g.rule] ~= nil then return false end
  if g.maxCalls ~= nil and count(g.rule) < g.maxCalls then return false end
  if type(g.distinct) == 'table' then
    local vals = known(g.rule)
    local f = fresh(vals, g.distinct.values)
    if f == 0 or #vals + f <= g.distinct.max then return false end
  end
  return true
end
local function reserve(r, ttl, cap)
  if type(r.guards) == 'table' then
    for _, g in ipairs(r.guards) do if fires(g) then return g.rule end end
  end
  for _, c in ipairs(r.counts) do
    if c.max ~= nil and count(c.rule) >= c.max then return c.rule end
  end
  for _, d in ipairs(r.distinct) do
    local vals = known(d.rule)
    local f = fresh(vals, d.values)
    if d.max ~= nil and f > 0 and #vals + f > d.max then return d.rule end
  end
  -- A reservation that takes no counter writes nothing (as takesCounters).
  if #r.counts == 0 and #r.distinct == 0 then return nil end
  for _, c in ipairs(r.counts) do
    s.counts[c.rule] = { n = count(c.rule) + 1, last = r.call }
  end
  for _, d in ipairs(r.distinct) do
    local vals = known(d.rule)
    for _, v in ipairs(d.values) do
      if not has(vals, v) and #vals < cap then table.insert(vals, v) end
    end
    s.distinct[d.rule] = { values = vals, last = r.call }
  end
  redis.call('SET', KEYS[1], cjson.encode(s), 'PX', ttl)
  return nil
end
`;

/**
 * record(o, historyKey, ttl, cap, entryJson): applyRecord (session-state.ts). Labels and requiresBefore
 * marks join the state (first call wins); the history line goes to its own capped list, which no rule
 * reads, so it never travels on the way in.
 */
export const RECORD = `
local function record(o, historyKey, ttl, cap, entryJson)
  local e = o.entry
  local ref = { tool = e.tool, at = e.at, id = e.id }
  local changed = not raw
  if type(e.labels) == 'table' then
    for _, l in ipairs(e.labels) do if s.labels[l] == nil then s.labels[l] = ref; changed = true end end
  end
  for _, rule in ipairs(o.seen) do if s.seen[rule] == nil then s.seen[rule] = ref; changed = true end end
  if changed then redis.call('SET', KEYS[1], cjson.encode(s), 'PX', ttl) else redis.call('PEXPIRE', KEYS[1], ttl) end
  redis.call('RPUSH', historyKey, entryJson)
  redis.call('LTRIM', historyKey, -cap, -1)
  redis.call('PEXPIRE', historyKey, ttl)
end
`;

/**
 * take(kb, ab): MemoryCounters.takeSync (counters.ts), by the Redis server's clock (TIME), never the
 * replica's, so clock skew between replicas cannot mint tokens. Bucket keys start at KEYS[kb], the
 * budget key follows them; ARGV[ab] holds the bucket count, then has-budget (1/0), capacity and
 * tokens-per-ms for each bucket, then for the budget maxCalls, maxWrites, maxBytes (-1: no bound),
 * write (1/0) and ttl ms. Returns {0} when taken; {1, bucket index, retry ms} when a bucket is empty;
 * {2, which, used, max} when a budget is spent (which: 1 calls, 2 writes, 3 bytes).
 */
export const TAKE = `
local function take(kb, ab)
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
  local n = tonumber(ARGV[ab])
  local hasBudget = ARGV[ab + 1] == '1'
  local base = ab + 1 + 2 * n
  local budget = KEYS[kb + n]
  if hasBudget then
    local maxCalls, maxWrites, maxBytes = tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3])
    local write = ARGV[base + 4] == '1'
    local v = redis.call('HMGET', budget, 'calls', 'writes', 'bytes')
    local calls, writes, bytes = tonumber(v[1]) or 0, tonumber(v[2]) or 0, tonumber(v[3]) or 0
    if maxCalls >= 0 and calls >= maxCalls then return {2, 1, calls, maxCalls} end
    if write and maxWrites >= 0 and writes >= maxWrites then return {2, 2, writes, maxWrites} end
    if maxBytes >= 0 and bytes >= maxBytes then return {2, 3, bytes, maxBytes} end
  end
  local levels = {}
  local worst, worstWait = 0, 0
  for i = 1, n do
    local cap, rate = tonumber(ARGV[ab + 2 * i]), tonumber(ARGV[ab + 1 + 2 * i])
    local v = redis.call('HMGET', KEYS[kb + i - 1], 'tokens', 'at')
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
    local cap, rate = tonumber(ARGV[ab + 2 * i]), tonumber(ARGV[ab + 1 + 2 * i])
    redis.call('HSET', KEYS[kb + i - 1], 'tokens', tostring(levels[i] - 1), 'at', tostring(now))
    -- Once full again the bucket carries no information: let it expire.
    redis.call('PEXPIRE', KEYS[kb + i - 1], math.ceil(cap / rate) + 1000)
  end
  if hasBudget then
    redis.call('HINCRBY', budget, 'calls', 1)
    if ARGV[base + 4] == '1' then redis.call('HINCRBY', budget, 'writes', 1) end
    redis.call('PEXPIRE', budget, ARGV[base + 5])
  end
  return {0}
end
`;

/** The keys and arguments `take` reads, in its order. */
export function takeArgs(keys: RedisKeys, buckets: readonly Bucket[], budget: BudgetCheck | undefined): { keys: string[]; args: Array<string | number> } {
  const out = { keys: buckets.map((b) => keys.bucket(b.key)), args: [buckets.length, budget ? '1' : '0'] as Array<string | number> };
  for (const b of buckets) out.args.push(b.capacity, b.perMs.toPrecision(17));
  if (budget) {
    out.keys.push(keys.budget(budget.key));
    out.args.push(budget.maxCalls ?? -1, budget.maxWrites ?? -1, budget.maxBytes ?? -1, budget.write ? '1' : '0', Math.ceil(budget.ttlMs));
  }
  return out;
}

const WHICH = { 1: 'calls', 2: 'writes', 3: 'bytes' } as const;

/** `take`'s answer as a TakeResult. */
export function takeResult(buckets: readonly Bucket[], r: readonly number[]): TakeResult {
  if (r[0] === 0) return { ok: true };
  if (r[0] === 1) return { ok: false, kind: 'rate', rule: buckets[r[1]! - 1]!.rule, retryAfterMs: r[2]! };
  return { ok: false, kind: 'budget', which: WHICH[r[1] as 1 | 2 | 3], used: r[2]!, max: r[3]! };
}
