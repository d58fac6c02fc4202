#!/usr/bin/env node
// Garbage-collector work per call: what a message costs the V8 heap, not the clock. The gateway, the
// Node floor proxy (bench/node-floor-proxy.mjs) and optionally another gateway build (`--compare`)
// each run under `node --trace-gc-nvp` in front of bench/lean-upstream.mjs, take the same load
// (autocannon, tools/call echo, unique ids), and the scavenges during the measured calls are summed.
//
//   npm run build && node bench/gc.mjs [--calls N] [--conc C] [--compare path/to/other/dist/cli/main.js]
//
// Printed per call: bytes allocated in the young generation, bytes that survived a scavenge, bytes
// promoted to the old generation, and scavenge pause (main thread) in µs; plus the number of full
// (mark-compact) collections. A message's objects should die young: a gateway that promotes per call
// keeps request objects alive past the next scavenge (a closure over a large context, a weak or
// pretenured reference), and pays for it in copying and in full collections later. The floor shows what
// Node's own HTTP stack promotes. Prints, never asserts; deterministic enough to compare builds (byte
// counts do not depend on the machine's load the way times do). Binds 127.0.0.1; children are killed
// by PID on exit.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values: flags } = parseArgs({ options: { calls: { type: 'string', default: '20000' }, conc: { type: 'string', default: '16' }, compare: { type: 'string' } } });
const CALLS = Number(flags.calls);
const CONC = Number(flags.conc);
if (!(CALLS >= 1000 && CALLS <= 500_000 && CONC >= 1 && CONC <= 256)) throw new Error('--calls 1000..500000, --conc 1..256');

const tmp = mkdtempSync(path.join(os.tmpdir(), 'portcullis-gc-'));
const children = new Set();
const stopAll = () => {
  for (const c of children) {
    try {
      process.kill(c.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  rmSync(tmp, { recursive: true, force: true });
};
process.on('exit', stopAll);
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => process.exit(130));

/** Start a server; resolve with its URL once it prints the ready line, keeping its stdout for the GC trace. */
function start(args, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
    children.add(proc);
    proc.on('exit', () => children.delete(proc));
    const s = { proc, out: '', url: undefined };
    const timer = setTimeout(() => reject(new Error(`${args.join(' ')}: not ready within ${timeoutMs} ms`)), timeoutMs);
    proc.stdout.on('data', (d) => {
      s.out += d;
      if (s.out.length > 64 * 1024 * 1024) s.out = s.out.slice(-32 * 1024 * 1024); // bounded
      const m = !s.url && /listening on (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(s.out);
      if (m) {
        s.url = m[1];
        clearTimeout(timer);
        resolve(s);
      }
    });
    proc.on('exit', (code) => reject(new Error(`${args.join(' ')} exited (${code}) before it was ready`)));
  });
}

function gatewayConfig(upstreamUrl, tag) {
  const file = path.join(tmp, `gateway-${tag}.yaml`);
  const config = {
    listen: { host: '127.0.0.1', port: 0 },
    upstreams: { up: { http: { url: upstreamUrl, allowLoopbackHttp: true } } },
    policy: { allow: [{ upstream: 'up', tools: ['echo'] }] },
    audit: { sink: 'none' },
    storage: { path: path.join(tmp, `state-${tag}.db`) },
    admin: { enabled: false },
    log: { level: 'warn' },
  };
  writeFileSync(file, JSON.stringify(config)); // JSON is YAML
  return file;
}

async function session(url) {
  const h = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const init = await fetch(url, { method: 'POST', headers: h, body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench-gc', version: '1' } } }) });
  await init.text();
  const headers = { ...h, 'mcp-session-id': init.headers.get('mcp-session-id') ?? '', 'mcp-protocol-version': '2025-06-18' };
  await (await fetch(url, { method: 'POST', headers, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })).text();
  return headers;
}

let nextId = 1;
function load(url, headers, amount) {
  const body = (id) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'up__echo', arguments: { message: 'hello, gateway!!' } } });
  return new Promise((resolve, reject) => {
    const inst = autocannon({ url, method: 'POST', headers, connections: CONC, amount, timeout: 20, requests: [{ setupRequest: (r) => ({ ...r, body: body(nextId++) }) }] }, (err, res) => {
      if (err) reject(err);
      else if (res.non2xx || res.errors || res.timeouts) reject(new Error(`${url}: ${res.non2xx} non-2xx, ${res.errors} errors, ${res.timeouts} timeouts`));
      else resolve(res);
    });
    setTimeout(() => inst.stop(), 300_000).unref(); // bounded in time as well as in count
  });
}

/** Sum the scavenges (and count the mark-compacts) in a --trace-gc-nvp excerpt. */
function summarize(trace, calls) {
  const sum = { allocated: 0, survived: 0, promoted: 0, pauseMs: 0, scavenges: 0, fullGcs: 0 };
  for (const line of trace.split('\n')) {
    const kind = / gc=(\w+) /.exec(line)?.[1];
    if (kind === 's') {
      const field = (k) => Number(new RegExp(` ${k}=([\\d.]+)`).exec(line)?.[1] ?? 0);
      sum.scavenges++;
      sum.allocated += field('allocated');
      sum.survived += field('new_space_survived');
      sum.promoted += field('promoted');
      sum.pauseMs += field('pause');
    } else if (kind === 'mc' || kind === 'ms') sum.fullGcs++;
  }
  return { ...sum, perCall: { allocated: sum.allocated / calls, survived: sum.survived / calls, promoted: sum.promoted / calls, pauseUs: (sum.pauseMs * 1000) / calls } };
}

async function measure(label, args) {
  const server = await start(['--trace-gc-nvp', ...args]);
  const headers = await session(server.url);
  await load(server.url, headers, Math.min(5000, CALLS)); // warm-up: JIT, heap sizing
  const from = server.out.length;
  await load(server.url, headers, CALLS);
  const s = summarize(server.out.slice(from), CALLS);
  server.proc.kill('SIGKILL');
  return { label, ...s };
}

const upstream = await start([path.join(ROOT, 'bench/lean-upstream.mjs'), '--port', '0']);
const main = path.join(ROOT, 'dist/cli/main.js');
const rows = [
  await measure('Node floor proxy', [path.join(ROOT, 'bench/node-floor-proxy.mjs'), '--upstream', upstream.url]),
  await measure('gateway', [main, 'serve', '--config', gatewayConfig(upstream.url, 'a'), '--port', '0']),
];
if (flags.compare) rows.push(await measure('gateway B (--compare)', [path.resolve(flags.compare), 'serve', '--config', gatewayConfig(upstream.url, 'b'), '--port', '0']));

console.log(`GC work per tools/call (node ${process.version}): ${CALLS} calls at c=${CONC} against lean-upstream, after ${Math.min(5000, CALLS)} warm-up calls`);
console.log('path                     allocated B   survived B   promoted B   scavenge pause µs   scavenges   full GCs');
for (const r of rows) {
  const p = r.perCall;
  console.log(`${r.label.padEnd(24)} ${p.allocated.toFixed(0).padStart(11)} ${p.survived.toFixed(0).padStart(12)} ${p.promoted.toFixed(0).padStart(12)} ${p.pauseUs.toFixed(1).padStart(19)} ${String(r.scavenges).padStart(11)} ${String(r.fullGcs).padStart(10)}`);
}
process.exit(0);
