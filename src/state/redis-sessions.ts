/**
 * Session history in Redis, shared by every replica: per session, one small JSON value (labels,
 * counters, requiresBefore marks) changed only by Lua scripts, so that checking a bound and taking it
 * is one atomic step and one round trip, and a capped list of recent calls beside it (rules never read
 * it, so it never travels on the hot path). The scripts mirror applyReserve / applyRecord in
 * session-state.ts (the contract suite runs both).
 */
import type { Redis } from 'ioredis';
import { HISTORY_MAX, DISTINCT_MAX, parseState, type Outcome, type Reservation, type ReserveResult, type SessionState } from './session-state.js';
import type { SessionStore } from './sessions.js';

const PRELUDE = `
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
`;

/** ARGV: reservation JSON, ttl ms, distinct cap. Returns the rule whose bound is reached, or nil. */
const RESERVE = `${PRELUDE}
local r = cjson.decode(ARGV[1])
for _, c in ipairs(r.counts) do
  local cur = s.counts[c.rule]
  local n = 0
  if type(cur) == 'table' then n = cur.n end
  if c.max ~= nil and n >= c.max then return c.rule end
end
for _, d in ipairs(r.distinct) do
  local cur = s.distinct[d.rule]
  local vals = {}
  if type(cur) == 'table' and type(cur.values) == 'table' then vals = cur.values end
  local fresh, seen = 0, {}
  for _, v in ipairs(d.values) do
    if not has(vals, v) and not seen[v] then fresh = fresh + 1; seen[v] = true end
  end
  if d.max ~= nil and fresh > 0 and #vals + fresh > d.max then return d.rule end
end
for _, c in ipairs(r.counts) do
  local cur = s.counts[c.rule]
  local n = 0
  if type(cur) == 'table' then n = cur.n end
  s.counts[c.rule] = { n = n + 1, last = r.call }
end
for _, d in ipairs(r.distinct) do
  local cur = s.distinct[d.rule]
  local vals = {}
  if type(cur) == 'table' and type(cur.values) == 'table' then vals = cur.values end
  for _, v in ipairs(d.values) do
    if not has(vals, v) and #vals < tonumber(ARGV[3]) then table.insert(vals, v) end
  end
  s.distinct[d.rule] = { values = vals, last = r.call }
end
redis.call('SET', KEYS[1], cjson.encode(s), 'PX', ARGV[2])
return nil
`;

/** KEYS: state, history list. ARGV: outcome JSON, ttl ms, history cap, the history entry as JSON. */
const RECORD = `${PRELUDE}
local o = cjson.decode(ARGV[1])
local e = o.entry
local ref = { tool = e.tool, at = e.at, id = e.id }
local changed = not raw
if type(e.labels) == 'table' then
  for _, l in ipairs(e.labels) do if s.labels[l] == nil then s.labels[l] = ref; changed = true end end
end
for _, rule in ipairs(o.seen) do if s.seen[rule] == nil then s.seen[rule] = ref; changed = true end end
if changed then redis.call('SET', KEYS[1], cjson.encode(s), 'PX', ARGV[2]) else redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
redis.call('RPUSH', KEYS[2], ARGV[4])
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[3]), -1)
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return nil
`;

interface FlowCommands {
  flowReserve(key: string, reservation: string, ttlMs: number, cap: number): Promise<string | null>;
  flowRecord(key: string, historyKey: string, outcome: string, ttlMs: number, cap: number, entry: string): Promise<null>;
}

export class RedisSessionStore implements SessionStore {
  readonly kind = 'redis';
  private readonly cmd: FlowCommands;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    redis.defineCommand('flowReserve', { numberOfKeys: 1, lua: RESERVE });
    redis.defineCommand('flowRecord', { numberOfKeys: 2, lua: RECORD });
    this.cmd = redis as unknown as FlowCommands;
  }

  private key(k: string): string {
    return `${this.prefix}flow:${k}`;
  }

  async load(key: string, withHistory = false): Promise<SessionState> {
    if (!withHistory) return parseState(await this.redis.get(this.key(key)));
    const [state, history] = await Promise.all([this.redis.get(this.key(key)), this.redis.lrange(`${this.key(key)}:h`, 0, -1)]);
    const s = parseState(state);
    s.history = history.map((h) => JSON.parse(h) as SessionState['history'][number]);
    return s;
  }

  async reserve(key: string, r: Reservation, ttlMs: number): Promise<ReserveResult> {
    const rule = await this.cmd.flowReserve(this.key(key), JSON.stringify(r), Math.ceil(ttlMs), DISTINCT_MAX);
    return rule === null ? { ok: true } : { ok: false, rule };
  }

  async record(key: string, o: Outcome, ttlMs: number): Promise<void> {
    await this.cmd.flowRecord(this.key(key), `${this.key(key)}:h`, JSON.stringify(o), Math.ceil(ttlMs), HISTORY_MAX, JSON.stringify(o.entry));
  }

  async close(): Promise<void> {
    // The client is shared with the counters; its owner closes it.
  }
}
