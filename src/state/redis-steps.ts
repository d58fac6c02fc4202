/**
 * A tool call's two steps (steps.ts) in Redis, one Lua script each, so one round trip each: on the way
 * in, the flow rules' guards and bounds are checked and their counters reserved, then the rate-limit
 * buckets and the session budget taken, atomically, and the state as it was before comes back for
 * the flow stage to word its verdict; on the way back, what the call read is recorded and the bytes it
 * returned are counted.
 */
import type { Redis } from 'ioredis';
import { DISTINCT_MAX, HISTORY_MAX, parseState, type Outcome, type Reservation, type SessionState } from './session-state.js';
import { RECORD, RESERVE, STATE, TAKE, redisKeys, takeArgs, takeResult, type RedisKeys } from './redis-lua.js';
import type { Admitted, BytesReturned, CallSteps, TakeRequest } from './steps.js';

/**
 * KEYS: the session state, then the take's keys (when ARGV[4] == '1'). ARGV: reservation JSON, ttl
 * ms, distinct cap, take (1/0), then the take's arguments. Returns {1, state before, rule} when the
 * flow part refuses (nothing is taken), else {0, state before, ''} followed by take's answer.
 */
const ADMIT = `${STATE}${RESERVE}${TAKE}
local before = raw or ''
local refused = reserve(cjson.decode(ARGV[1]), ARGV[2], tonumber(ARGV[3]))
if refused then return {1, before, refused} end
local out = {0, before, ''}
if ARGV[4] == '1' then
  for _, x in ipairs(take(2, 5)) do table.insert(out, x) end
end
return out
`;

/**
 * KEYS: the session state, its history list, then the budget key when bytes are counted. ARGV: outcome
 * JSON, ttl ms, history cap, history entry JSON, then bytes and the budget's ttl ms.
 */
const CONCLUDE = `${STATE}${RECORD}
record(cjson.decode(ARGV[1]), KEYS[2], ARGV[2], tonumber(ARGV[3]), ARGV[4])
if KEYS[3] then
  -- Best effort, as on its own: a budget key in a bad state must not fail the record.
  redis.pcall('HINCRBY', KEYS[3], 'bytes', ARGV[5])
  redis.pcall('PEXPIRE', KEYS[3], ARGV[6])
end
return nil
`;

interface StepCommands {
  flowAdmit(numKeys: number, ...args: Array<string | number>): Promise<Array<string | number>>;
  flowConclude(numKeys: number, ...args: Array<string | number>): Promise<null>;
}

export class RedisCallSteps implements CallSteps {
  readonly joint = true;
  private readonly cmd: StepCommands;
  private readonly keys: RedisKeys;

  constructor(redis: Redis, prefix: string) {
    // Key counts vary per call (one key per bucket, a budget or none), so they go with each call.
    redis.defineCommand('flowAdmit', { lua: ADMIT });
    redis.defineCommand('flowConclude', { lua: CONCLUDE });
    this.cmd = redis as unknown as StepCommands;
    this.keys = redisKeys(prefix);
  }

  async admit<T>(key: string, r: Reservation, ttlMs: number, judge: (before: SessionState) => T, take?: TakeRequest): Promise<Admitted<T>> {
    const keys = [this.keys.flow(key)];
    const args: Array<string | number> = [JSON.stringify(r), Math.ceil(ttlMs), DISTINCT_MAX];
    if (take) {
      const t = takeArgs(this.keys, take.buckets, take.budget);
      keys.push(...t.keys);
      args.push('1', ...t.args);
    } else args.push('0');
    const out = await this.cmd.flowAdmit(keys.length, ...keys, ...args);
    const judged = judge(parseState(out[1] as string));
    if (out[0] === 1) return { flow: { ok: false, rule: String(out[2]) }, judged, take: undefined };
    return { flow: { ok: true }, judged, take: take ? takeResult(take.buckets, out.slice(3) as number[]) : undefined };
  }

  async conclude(key: string, o: Outcome, ttlMs: number, bytes?: BytesReturned): Promise<void> {
    const keys = [this.keys.flow(key), this.keys.history(key)];
    const ttl = Math.ceil(ttlMs);
    const args: Array<string | number> = [JSON.stringify(o), ttl, HISTORY_MAX, JSON.stringify(o.entry)];
    if (bytes) {
      keys.push(this.keys.budget(bytes.key));
      args.push(bytes.bytes, Math.ceil(bytes.ttlMs));
    }
    await this.cmd.flowConclude(keys.length, ...keys, ...args);
  }
}
