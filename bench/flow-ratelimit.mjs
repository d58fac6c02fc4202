#!/usr/bin/env node
// What flow rules and rate limits add per call: the flow stage (request + response) and the
// rate-limit stage (request + response) run back to back, one call at a time, for 200 sessions.
//   npm run build && node bench/flow-ratelimit.mjs [redis://127.0.0.1:6379]
// Cases: a call that meets a flow rule with a counter (with Redis: one script checks the rules, takes
// the counter, the 3 token buckets and the session budget; one records) and a call that meets none
// (one script takes the buckets and budget; one records).
// Stores: in process (storage.path ":memory:"), Redis when a URL is given (or
// PORTCULLIS_TEST_REDIS_URL is set), and the embedded SQLite file. Bar (issue 7): ≤ 30 µs p50 with the
// memory store, ≤ 0.5 ms with Redis. Prints, never asserts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfigText } from '../dist/config/load.js';
import { flowStageFor } from '../dist/stages/flow/build.js';
import { rateLimitStageFor } from '../dist/stages/ratelimit/build.js';
import { openState } from '../dist/state/open.js';
import { ANONYMOUS } from '../dist/pipeline/types.js';

const N = 20_000;
const WARM = 2_000;
const SESSIONS = 200;
const redisUrl = process.argv[2] ?? process.env.PORTCULLIS_TEST_REDIS_URL;

function configFor(storage) {
  const r = parseConfigText(
    JSON.stringify({
      storage,
      upstreams: { vault: { stdio: { command: 'node' }, labels: ['internal'] }, mail: { stdio: { command: 'node' } } },
      policy: {
        labels: [
          { upstream: 'vault', tools: ['read_*'], labels: ['secret'] },
          { upstream: 'mail', tools: ['send_*'], labels: ['external-egress'] },
        ],
        flow: [
          { name: 'no-egress-after-secret', after: ['secret', 'pii'], deny: { labels: ['external-egress'] } },
          { name: 'trifecta', afterAll: ['untrusted-content'], after: ['secret'], approve: { labels: ['destructive'] } },
          { name: 'export-cap', maxCalls: 1_000_000, deny: { upstream: 'vault', tools: ['export'] } },
          { name: 'recipients', maxDistinctTargets: { arg: 'to', max: 1000 }, deny: { upstream: 'mail', tools: ['draft'] } },
          { name: 'read-first', requiresBefore: { upstream: 'vault', tools: ['read_*'] }, deny: { upstream: 'vault', tools: ['write'] } },
        ],
        rateLimits: [
          { name: 'per-caller', per: 'principal', rate: 1e6, burst: 1e6 },
          { name: 'per-tool', per: 'tool', rate: 1e6, burst: 1e6 },
          { name: 'everyone', per: 'global', rate: 1e6, burst: 1e6 },
        ],
        budgets: { maxCalls: 1e8, maxWriteCalls: 1e8 },
      },
    }),
  );
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.config;
}

const ok = { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'fine' }] } };
let seq = 0;
function ctx(upstream, name, session) {
  return { id: `b-${++seq}`, traceId: 't', startedAt: 0, transport: 'http', era: 'legacy', principal: ANONYMOUS, session, method: 'tools/call', target: { upstream, kind: 'tool', name }, stages: [], allowedBy: undefined };
}
const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function run(label, storage) {
  const config = configFor(storage);
  const state = openState(config.storage);
  if (!(await state.ready(3000))) {
    console.log(`${label.padEnd(10)} store not reachable, skipped`);
    return;
  }
  // Wired as the gateway wires them (buildStages): the flow stage does the rate-limit stage's store work.
  const limits = rateLimitStageFor(config, state);
  const stages = [flowStageFor(config, state, limits), limits];
  const cases = { 'meets a counting rule': ['vault', 'export'], 'meets no rule': ['vault', 'list'] };
  for (const [name, [upstream, tool]] of Object.entries(cases)) {
    const req = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool, arguments: { to: 'a@example.com' } } };
    const times = new Float64Array(N);
    for (let i = -WARM; i < N; i++) {
      const c = ctx(upstream, tool, `sess-${i % SESSIONS}`);
      const t0 = performance.now();
      for (const s of stages) {
        const v = await s.request(c, req);
        if (v.kind !== 'pass') throw new Error(`${label}: ${JSON.stringify(v)}`);
      }
      for (const s of stages) await s.response(c, ok);
      if (i >= 0) times[i] = performance.now() - t0;
    }
    times.sort();
    console.log(`${label.padEnd(10)} ${name.padEnd(24)} p50 ${(pct(times, 50) * 1000).toFixed(1).padStart(7)} µs   p99 ${(pct(times, 99) * 1000).toFixed(1).padStart(7)} µs`);
  }
  await state.close();
}

console.log(`flow rules (5) + rate limits (3 buckets) + session budget, ${N} calls each, one at a time`);
await run('memory', { path: ':memory:' });
if (redisUrl) await run('redis', { path: ':memory:', redis: { url: redisUrl, prefix: `bench-${process.pid}:` } });
const dir = mkdtempSync(join(tmpdir(), 'portcullis-bench-'));
await run('sqlite', { path: join(dir, 'state.db') });
rmSync(dir, { recursive: true, force: true });
