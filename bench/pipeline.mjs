#!/usr/bin/env node
// What the gateway's own logic costs per tools/call, without any network: the Gateway built in process
// in front of an in-memory upstream link that answers at once, against calling that link directly in
// the same run. It isolates the pipeline (context, stages, dispatch, renaming, audit record, metrics)
// from the two HTTP hops bench/overhead.mjs measures, so a change to the message path shows up here
// first and precisely.
//
//   npm run build && node bench/pipeline.mjs [--calls N] [--rounds R] [--json]
//
// Variants (each a fresh Gateway; rounds interleave them so drift hits all alike):
//   direct           the link's request() alone: the floor
//   defaults         what `serve` runs by default: allow-list, content checks, pins (tofu, in-memory
//                    storage), metrics, audit sink none
//   audit log        the same with audit sink `log` at level warn (the record is built, content hashed)
//   no content       content checks off (sanitize/secrets/injection/outputSchema off)
//   no pins          pinning off
//   no metrics       the audit record is not fed to Prometheus
// Prints CPU µs per call (process.cpuUsage over the round) and wall p50/p99 per call, medians over rounds,
// and each variant's cost over direct. Prints, never asserts.
import { parseArgs } from 'node:util';
import { parseConfigText } from '../dist/config/load.js';
import { Gateway } from '../dist/gateway.js';
import { NO_AUDIT, LogAuditSink } from '../dist/audit/sinks.js';
import { Metrics, withMetrics } from '../dist/telemetry/metrics.js';
import { createLogger } from '../dist/telemetry/log.js';
import { openPinGuard } from '../dist/pins/open.js';
import { NEVER_CANCELLED } from '../dist/cancel.js';

const { values: flags } = parseArgs({ options: { calls: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '5' }, json: { type: 'boolean', default: false } } });
const CALLS = Number(flags.calls);
const ROUNDS = Number(flags.rounds);
if (!(CALLS > 0 && CALLS <= 1_000_000 && ROUNDS > 0 && ROUNDS <= 50)) throw new Error('--calls 1..1000000, --rounds 1..50');

const ECHO = { name: 'echo', description: 'Echo a message back.', inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] } };
const SERVER = { era: 'legacy', protocolVersion: '2025-11-25', capabilities: { tools: { listChanged: true } }, serverInfo: { name: 'lean', version: '1' } };

/** An upstream that answers in the same tick: what remains is the gateway's own work. */
function leanLink(upstream) {
  return {
    upstream,
    server: SERVER,
    inFlight: 0,
    start: async () => SERVER,
    async request(method, params) {
      if (method === 'tools/list') return { ok: true, result: { tools: [ECHO] } };
      if (method === 'tools/call') return { ok: true, result: { content: [{ type: 'text', text: String(params?.arguments?.message ?? '') }] } };
      if (method.endsWith('/list')) return { ok: true, result: { [method === 'prompts/list' ? 'prompts' : method === 'resources/list' ? 'resources' : 'resourceTemplates']: [] } };
      return { ok: false, error: { code: -32601, message: 'unknown' } };
    },
    notify() {},
    close: async () => {},
  };
}

function config(extra) {
  const r = parseConfigText(
    JSON.stringify({
      upstreams: { up: { http: { url: 'http://127.0.0.1:9/mcp', allowLoopbackHttp: true } } },
      policy: { allow: [{ upstream: 'up', tools: ['echo'] }] },
      storage: { path: ':memory:' },
      audit: { sink: 'none' },
      log: { level: 'warn' },
      ...extra,
    }),
  );
  if (!r.ok) throw new Error(JSON.stringify(r.problems.slice(0, 3)));
  return r.config;
}

const CONTENT_OFF = { content: { outputSchema: 'off', sanitize: 'off', secrets: 'off', injection: 'off' } };

async function gatewayFor(name, cfg, { metrics = true } = {}) {
  const log = createLogger('warn');
  const sink = cfg.audit.sink === 'log' ? new LogAuditSink(log) : NO_AUDIT;
  const m = new Metrics({ upstreamHealth: () => [], auditStats: () => undefined, sessions: () => 0 });
  const pins = await openPinGuard(() => cfg, { event() {}, decision() {}, error() {} });
  const gw = new Gateway(cfg, { log, audit: metrics ? withMetrics(sink, m) : sink, pins: pins?.guard, linkFactory: (u) => leanLink(u) });
  await gw.start();
  const agent = { era: 'legacy', principal: { subject: 'bench', roles: [], scopes: [], authenticatedBy: 'anonymous' }, session: undefined, clientCapabilities: {}, signal: NEVER_CANCELLED, notify() {}, ask: undefined };
  // First list and call: pins are recorded (trust on first use) and catalogs read before timing.
  await gw.request(agent, { jsonrpc: '2.0', id: 0, method: 'tools/list' }, 'http');
  let id = 1;
  const call = () => gw.request(agent, { jsonrpc: '2.0', id: id++, method: 'tools/call', params: { name: 'up__echo', arguments: { message: 'hello, gateway!!' } } }, 'http');
  const first = await call();
  if (!('result' in first) || first.result.content?.[0]?.text !== 'hello, gateway!!') throw new Error(`${name}: unexpected answer ${JSON.stringify(first)}`);
  return { name, call, close: async () => { await gw.close(); await pins?.close(); } };
}

function directVariant() {
  const link = leanLink('up');
  return { name: 'direct', call: () => link.request('tools/call', { name: 'echo', arguments: { message: 'hello, gateway!!' } }, { timeoutMs: 1000 }), close: async () => {} };
}

async function measure(v, n) {
  const times = new Float64Array(n);
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await v.call();
    times[i] = performance.now() - t;
  }
  const c = process.cpuUsage(c0);
  times.sort();
  return { cpuUs: (c.user + c.system) / n, p50Us: times[n >> 1] * 1000, p99Us: times[Math.floor(n * 0.99)] * 1000 };
}

const variants = [
  directVariant(),
  await gatewayFor('defaults', config({})),
  await gatewayFor('audit log', config({ audit: { sink: 'log' } })),
  await gatewayFor('no content', config(CONTENT_OFF)),
  await gatewayFor('no pins', config({ pins: { mode: 'off' } })),
  await gatewayFor('no metrics', config({}), { metrics: false }),
];
const results = new Map(variants.map((v) => [v.name, []]));
for (const v of variants) await measure(v, Math.min(CALLS, 5000)); // warm-up: JIT and caches
for (let r = 0; r < ROUNDS; r++) {
  const order = variants.map((_, i) => variants[(i + r) % variants.length]);
  for (const v of order) results.get(v.name).push(await measure(v, CALLS));
}
for (const v of variants) await v.close();

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const rows = variants.map((v) => {
  const rs = results.get(v.name);
  return { variant: v.name, cpuUs: median(rs.map((x) => x.cpuUs)), p50Us: median(rs.map((x) => x.p50Us)), p99Us: median(rs.map((x) => x.p99Us)) };
});
const direct = rows[0];
if (flags.json) {
  console.log(JSON.stringify({ calls: CALLS, rounds: ROUNDS, node: process.version, rows }, null, 2));
} else {
  console.log(`Pipeline cost per tools/call, in process (node ${process.version}); ${ROUNDS} rounds × ${CALLS} calls per variant, medians over rounds`);
  console.log('variant        CPU µs/call   wall p50 µs   wall p99 µs   CPU over direct   × direct');
  for (const r of rows) {
    const over = r === direct ? '—' : `+${(r.cpuUs - direct.cpuUs).toFixed(1)} µs`;
    console.log(`${r.variant.padEnd(14)} ${r.cpuUs.toFixed(1).padStart(11)} ${r.p50Us.toFixed(1).padStart(13)} ${r.p99Us.toFixed(1).padStart(13)} ${over.padStart(17)} ${(r.cpuUs / direct.cpuUs).toFixed(1).padStart(9)}`);
  }
}
