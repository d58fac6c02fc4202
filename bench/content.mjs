#!/usr/bin/env node
// Cost of the content chain (issue 6): what the content stage adds to a tool call, measured against the
// same pipeline without it, in the same run.
//
//   npm run build && node bench/content.mjs [--quick] [--no-e2e] [--json] [--baseline DIR]
//
// --baseline DIR: also measure the content stage of another build (DIR is its dist/, e.g. a copy made
// before a change, with node_modules reachable from it), interleaved with this one: an A/B in one run.
//
// 1. In process (precise): the runner with the content stage vs the runner without it, on realistic
//    text (BIPIA contexts and node_modules docs/code: ../shared/data or $PORTCULLIS_DATA, falling back to
//    node_modules only), for a 1 KB result (400 different slices) and per KB on 100 KB results. Two
//    configs: "defaults" (the content section's defaults: sanitize, secrets, injection spotlight,
//    output schema) and "full" (the same plus every PII kind redacted). Also a 16-character result (an
//    echo): the stage runs on every tool result, so a short one must cost only a few µs.
// 2. End to end: the built gateway (dist/cli/main.js serve) in front of bench/lean-upstream.mjs, echo of a
//    1 KB message, content "full" vs content off, calls interleaved in slices; median latency of each and
//    the difference.
// Bars: ≤ 30 µs for a 1 KB result, ≤ 0.1 ms per KB. Benchmarks print; they do not assert (exit 0 unless
// the benchmark itself could not run). Every child is killed by PID at the end, on error and on signals.
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import { Runner } from '../dist/pipeline/runner.js';
import { contentStage } from '../dist/stages/content/stage.js';
import { ContentSchema } from '../dist/stages/content/schema.js';
import { ANONYMOUS } from '../dist/pipeline/types.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: flags } = parseArgs({ options: { quick: { type: 'boolean', default: false }, 'no-e2e': { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, baseline: { type: 'string' } } });
const BARS = { perResult1kUs: 30, perKbUs: 100 };
const KB = 1024;

// ---- text ------------------------------------------------------------------------------------------

async function corpus() {
  let pieces = [];
  try {
    const { bipiaContexts, dataDir, nodeModulesTexts, mulberry32 } = await import('../eval/content/lib/common.mjs');
    const rng = mulberry32(9);
    // without the data set (it exits when absent), node_modules text only
    const bipia = existsSync(path.join(dataDir(), 'bipia')) ? bipiaContexts().map((c) => c.text) : [];
    pieces = [...bipia, ...nodeModulesTexts({ maxFiles: 300, maxChunksPerFile: 1 }).map((d) => d.text)];
    pieces.sort(() => rng() - 0.5);
  } catch {
    pieces = ['The quarterly report shows revenue grew 4% while costs stayed flat. '.repeat(2000)];
  }
  return pieces.join('\n\n');
}

const text = await corpus();
const slices1k = Array.from({ length: 400 }, (_, i) => {
  const at = Math.floor((((i * 7919) % 997) / 997) * (text.length - KB));
  return text.slice(at, at + KB);
});
// what a short tool result looks like (an echo): the chain runs on every result, so this must stay cheap
const slices16 = slices1k.map((s) => `Echo: ${s.slice(0, 10)}`);
const slices100k = Array.from({ length: 6 }, (_, i) => text.slice(i * 100 * KB, (i + 1) * 100 * KB)).filter((s) => s.length === 100 * KB);

// ---- in process ------------------------------------------------------------------------------------

const sink = { append() {}, async close() {} };
const CONFIGS = {
  defaults: {},
  full: { pii: { email: 'redact', phone: 'redact', card: 'redact', iban: 'redact', ssn: 'redact', ipv4: 'redact', ipv6: 'redact', dob: 'redact' } },
};

function ctx() {
  return { id: 'b', traceId: 't', startedAt: performance.now(), transport: 'http', era: 'legacy', principal: ANONYMOUS, session: undefined, method: 'tools/call', target: { upstream: 'lean', kind: 'tool', name: 'echo' }, stages: [], allowedBy: undefined };
}

const req = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'lean__echo', arguments: {} } };

/** Mean µs per run of `runner` over `texts`, `passes` times each, after a warm-up. */
async function timeRunner(runner, texts, passes) {
  const responses = texts.map((t) => ({ response: { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: t }] } } }));
  for (let w = 0; w < 2; w++) for (const r of responses) await runner.run(ctx(), req, async () => r);
  const per = [];
  for (let p = 0; p < passes; p++) {
    for (const r of responses) {
      const t0 = process.hrtime.bigint();
      await runner.run(ctx(), req, async () => r);
      per.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
  }
  per.sort((a, b) => a - b);
  return { mean: per.reduce((a, b) => a + b, 0) / per.length, median: per[Math.floor(per.length / 2)], p95: per[Math.floor(per.length * 0.95)] };
}

/** The stage under test, and with --baseline DIR the same stage from another build (A/B in one run). */
const builds = [{ label: '', Runner, contentStage, ContentSchema }];
if (flags.baseline) {
  const dir = path.resolve(flags.baseline);
  const load = async (rel) => import(pathToFileURL(path.join(dir, rel)).href);
  const [r, st, sc] = await Promise.all([load('pipeline/runner.js'), load('stages/content/stage.js'), load('stages/content/schema.js')]);
  builds.push({ label: ' (baseline)', Runner: r.Runner, contentStage: st.contentStage, ContentSchema: sc.ContentSchema });
}

async function inProcess() {
  const off = new Runner([], sink, 'bench', false);
  const out = {};
  for (const [name, cfg] of Object.entries(CONFIGS)) {
    const ons = builds.map((b) => ({ label: `${name}${b.label}`, on: new b.Runner([b.contentStage(b.ContentSchema.parse(cfg))], sink, 'bench', false) }));
    const passes = flags.quick ? 2 : 5;
    // interleave on/off (and the baseline) in rounds so drift in machine load hits all alike
    const rounds = [];
    const nRounds = flags.quick ? 3 : 7;
    for (let r = 0; r < nRounds; r++) {
      const round = { off: await timeRunner(off, slices1k, passes), offTiny: await timeRunner(off, slices16, passes) };
      for (const { label, on } of ons) {
        round[label] = await timeRunner(on, slices1k, passes);
        round[`${label} tiny`] = await timeRunner(on, slices16, passes);
      }
      rounds.push(round);
    }
    // median over rounds; the best round too, the figure least disturbed by other jobs on the machine
    const pick = (k, f) => rounds.map((x) => x[k][f]).sort((a, b) => a - b)[Math.floor(nRounds / 2)];
    const big = new Map(ons.map(({ label }) => [label, []]));
    for (let r = 0; r < (flags.quick ? 1 : 5); r++) {
      const offBig = await timeRunner(off, slices100k, 2);
      for (const { label, on } of ons) big.get(label).push(((await timeRunner(on, slices100k, 2)).mean - offBig.mean) / 100);
    }
    for (const { label } of ons) {
      const kb = big.get(label).sort((a, b) => a - b);
      out[label] = {
        onMedianUs: pick(label, 'median'),
        offMedianUs: pick('off', 'median'),
        costMedianUs: pick(label, 'median') - pick('off', 'median'),
        costBestRoundUs: Math.min(...rounds.map((x) => x[label].median - x.off.median)),
        costMeanUs: pick(label, 'mean') - pick('off', 'mean'),
        onP95Us: pick(label, 'p95'),
        ratio: pick(label, 'median') / pick('off', 'median'),
        tinyCostMedianUs: pick(`${label} tiny`, 'median') - pick('offTiny', 'median'),
        perKbUs: kb[Math.floor(kb.length / 2)],
        perKbBestUs: kb[0],
      };
    }
  }
  return out;
}

// ---- end to end ------------------------------------------------------------------------------------

const children = new Set();
function start(cmd, args, what) {
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start in 30 s`)), 30_000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.stderr.on('data', () => {});
    child.on('exit', (code) => reject(new Error(`${what} exited ${code}`)));
  });
}
function stopChildren() {
  for (const c of children) {
    try {
      c.kill('SIGTERM');
    } catch {
      /* gone */
    }
  }
}
process.on('SIGINT', () => (stopChildren(), process.exit(130)));
process.on('SIGTERM', () => (stopChildren(), process.exit(143)));

const H = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
async function session(url) {
  const r = await fetch(url, { method: 'POST', headers: H, body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '0' } } }) });
  await r.text();
  const sid = r.headers.get('mcp-session-id');
  const h = { ...H, 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' };
  await (await fetch(url, { method: 'POST', headers: h, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })).text();
  return h;
}

async function endToEnd() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'portcullis-bench-content-'));
  try {
    const upstream = await start(process.execPath, ['bench/lean-upstream.mjs', '--port', '0'], 'lean upstream');
    const gateways = {};
    for (const [name, content] of Object.entries({ off: { sanitize: 'off', secrets: 'off', injection: 'off', outputSchema: 'off' }, full: CONFIGS.full })) {
      const file = path.join(dir, `${name}.json`);
      writeFileSync(file, JSON.stringify({ listen: { port: 0 }, admin: { enabled: false }, audit: { sink: 'none' }, log: { level: 'warn' }, storage: { path: ':memory:' }, upstreams: { lean: { http: { url: upstream, allowLoopbackHttp: true } } }, policy: { allow: [{ upstream: 'lean', tools: ['*'] }] }, content }));
      const url = await start(process.execPath, ['dist/cli/main.js', 'serve', '--config', file], `gateway ${name}`);
      gateways[name] = { url, headers: await session(url) };
    }
    const calls = flags.quick ? 300 : 1500;
    const times = { off: [], full: [] };
    let id = 1;
    const one = async (g, msg) => {
      const t0 = process.hrtime.bigint();
      const r = await fetch(g.url, { method: 'POST', headers: g.headers, body: JSON.stringify({ jsonrpc: '2.0', id: id++, method: 'tools/call', params: { name: 'lean__echo', arguments: { message: msg } } }) });
      const body = await r.text();
      if (!body.includes('Echo')) throw new Error(`unexpected answer: ${body.slice(0, 200)}`);
      return Number(process.hrtime.bigint() - t0) / 1000;
    };
    // warm-up, then slices of 100 calls alternating between the gateways
    for (let i = 0; i < 200; i++) for (const g of Object.values(gateways)) await one(g, slices1k[i % slices1k.length].slice(0, 1000));
    for (let s = 0; s < calls / 100; s++) {
      for (const name of s % 2 === 0 ? ['off', 'full'] : ['full', 'off']) {
        for (let i = 0; i < 100; i++) times[name].push(await one(gateways[name], slices1k[(s * 100 + i) % slices1k.length].slice(0, 1000)));
      }
    }
    const med = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
    return { calls, offMedianUs: med(times.off), fullMedianUs: med(times.full), addedUs: med(times.full) - med(times.off), ratio: med(times.full) / med(times.off) };
  } finally {
    stopChildren();
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- report ------------------------------------------------------------------------------------------

const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
const inproc = await inProcess();
const e2e = flags['no-e2e'] ? undefined : await endToEnd().catch((err) => ({ error: String(err?.message ?? err) }));
if (flags.json) {
  process.stdout.write(`${JSON.stringify({ node: process.version, cpus: os.cpus().length, load, inProcess: inproc, endToEnd: e2e, bars: BARS })}\n`);
} else {
  const f = (x) => x.toFixed(1);
  console.log(`Content chain cost (node ${process.version}, ${os.cpus().length} CPUs, load average at start ${load})`);
  console.log(`In process: runner with the content stage vs without it, same run (${slices1k.length} different 1 KB slices; 100 KB texts for the per-KB figure)`);
  for (const [name, r] of Object.entries(inproc)) {
    const bar1 = r.costMedianUs <= BARS.perResult1kUs ? 'PASS' : 'MISS';
    const barKb = r.perKbUs <= BARS.perKbUs ? 'PASS' : 'MISS';
    console.log(`  ${name.padEnd(8)} 1 KB result: +${f(r.costMedianUs)} µs median (best round +${f(r.costBestRoundUs)}, mean +${f(r.costMeanUs)}, p95 with stage ${f(r.onP95Us)}), ratio ${r.ratio.toFixed(1)}× of ${f(r.offMedianUs)} µs [bar ≤ ${BARS.perResult1kUs} µs: ${bar1}]`);
    console.log(`  ${''.padEnd(8)} 16-character result: +${f(r.tinyCostMedianUs)} µs median`);
    console.log(`  ${''.padEnd(8)} per KB (100 KB results): ${f(r.perKbUs)} µs (best round ${f(r.perKbBestUs)}) [bar ≤ ${BARS.perKbUs} µs: ${barKb}]`);
  }
  if (e2e && 'error' in e2e) console.log(`End to end: could not run (${e2e.error})`);
  else if (e2e) console.log(`End to end (gateway → lean upstream, echo of 1 KB, ${e2e.calls} calls each, interleaved): content off ${f(e2e.offMedianUs)} µs, full ${f(e2e.fullMedianUs)} µs median: +${f(e2e.addedUs)} µs, ratio ${e2e.ratio.toFixed(2)}×`);
  console.log(`(load average at end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')})`);
}
