#!/usr/bin/env node
// Gateway overhead benchmark. One run measures the same MCP tools/call echo (16-byte message), direct
// to an upstream and through the Portcullis gateway, against the same upstream process:
//   everything  @modelcontextprotocol/server-everything, streamableHttp (SDK + Express: a heavy upstream)
//   lean        bench/lean-upstream.mjs (raw node:http JSON-RPC: a fast upstream that exposes gateway cost)
// Paths per upstream: direct; the Node floor (bench/node-floor-proxy.mjs, a raw byte-pipe proxy: what
// one Node HTTP hop costs before any gateway logic); the gateway (allow-list on) with audit sink `none`
// and `log` (at log level warn). Then the gateway's RSS cost of idle legacy sessions.
//
//   npm run build && node bench/overhead.mjs [--quick] [--json]
//   options: --runs N (3; quick 1)          fresh processes per run; medians over runs
//            --duration S (5; quick 1.5)    measured seconds per path and concurrency, per run
//            --slices K (5; quick 3)        the measured time is cut into K slices, interleaved across paths
//            --max-calls N (20000; quick 3000)  cap on measured calls per path and concurrency, per run
//            --warmup N (1000)              warm-up calls per path and concurrency, per run
//            --sessions N (1000; quick 200) idle sessions for the memory measurement
//            --upstreams everything,lean  --audit none,log  --conc 1,16  --no-floor
//                                           (--audit also takes auth: with a token per call, nopins: pinning off)
//            --max-foreign CORES (0.25; quick 0 = off)  other jobs' CPU above which a slice is re-run
//                                           (after waiting for quiet; at most 2 re-runs, 120 s of waiting per run)
//            --cpu-prof DIR                 run the gateways under `node --cpu-prof` (see profile-summary.mjs)
//            --gateway FILE                 gateway entry point to run instead of dist/cli/main.js (A/B another
//                                           build); by default dist/ is copied at start, so a concurrent
//                                           `npm run build` cannot change the gateway in the middle of a run
//            --compare FILE                 also measure this gateway entry point (audit none) as path
//                                           "gateway B", interleaved with the others: an A/B within one run
//
// Benchmarks print; they do not assert. Bars are reported PASS/MISS and the exit code is 0 either way
// (non-zero only when the benchmark itself could not run). Everything binds 127.0.0.1; every child is
// killed by PID at the end, on error and on SIGINT/SIGTERM; every phase has a time limit.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_GATEWAY_MAIN = path.join(ROOT, 'dist/cli/main.js');
const EVERYTHING_MAIN = path.join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
const LOOPBACK_PRELOAD = path.join(ROOT, 'test/fixtures/loopback.cjs');
const LEAN_MAIN = path.join(ROOT, 'bench/lean-upstream.mjs');
const FLOOR_MAIN = path.join(ROOT, 'bench/node-floor-proxy.mjs');
const LOADGEN_MAIN = path.join(ROOT, 'bench/loadgen.mjs');

const BARS = { addedP50Ms: 0.3, throughputRatio: 0.8, kbPerSession: 100 };
const MESSAGE = '0123456789abcdef'; // the 16-byte echo message
const LEGACY_VERSION = '2025-11-25';
const UPSTREAM_LABEL = { everything: 'server-everything', lean: 'lean-upstream' };

// ---- options ---------------------------------------------------------------------------------------

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    runs: { type: 'string' },
    duration: { type: 'string' },
    slices: { type: 'string' },
    'max-calls': { type: 'string' },
    warmup: { type: 'string' },
    sessions: { type: 'string' },
    upstreams: { type: 'string', default: 'everything,lean' },
    audit: { type: 'string', default: 'none,log' },
    conc: { type: 'string', default: '1,16' },
    'no-floor': { type: 'boolean', default: false },
    'max-foreign': { type: 'string' },
    'cpu-prof': { type: 'string' },
    gateway: { type: 'string' },
    compare: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (flags.help) {
  const lines = readFileSync(fileURLToPath(import.meta.url), 'utf8').split('\n');
  process.stdout.write(lines.slice(1, lines.findIndex((l) => l.startsWith('import'))).map((l) => l.slice(3)).join('\n') + '\n');
  process.exit(0);
}
const num = (v, d) => (v === undefined ? d : Number(v));
const opts = {
  runs: num(flags.runs, flags.quick ? 1 : 3),
  durationSec: num(flags.duration, flags.quick ? 1.5 : 5),
  slices: num(flags.slices, flags.quick ? 3 : 5),
  maxCalls: num(flags['max-calls'], flags.quick ? 3000 : 20000),
  warmupCalls: num(flags.warmup, 1000),
  sessions: num(flags.sessions, flags.quick ? 200 : 1000),
  upstreams: flags.upstreams.split(',').filter(Boolean),
  audits: flags.audit.split(',').filter(Boolean),
  conc: flags.conc.split(',').map(Number),
  floor: !flags['no-floor'],
  maxForeign: num(flags['max-foreign'], flags.quick ? 0 : 0.25),
  cpuProf: flags['cpu-prof'] ? path.resolve(flags['cpu-prof']) : undefined,
  gatewayMain: flags.gateway ? path.resolve(flags.gateway) : DEFAULT_GATEWAY_MAIN,
  compareMain: flags.compare ? path.resolve(flags.compare) : undefined,
};
for (const u of opts.upstreams) if (!UPSTREAM_LABEL[u]) die(`unknown upstream "${u}" (everything, lean)`);
// `auth` is the gateway with audit none plus authentication: a built-in issuer token on every call.
// `nopins` is the gateway with audit none and tool pinning off: against `none`, what pin checking costs.
// `sqlite-sync`, `sqlite-async` (and `postgres-sync`, `postgres-async` with PORTCULLIS_TEST_POSTGRES_URL): the
// tamper-evident trail with signed checkpoints every 1000 records, in each durability mode; a `-nofsync`
// suffix on a sync sink turns fsync off (durable against a process crash, not a power cut).
const TRAILS = ['sqlite-sync', 'sqlite-sync-nofsync', 'sqlite-async', 'postgres-sync', 'postgres-sync-nofsync', 'postgres-async'];
for (const a of opts.audits) if (!['none', 'log', 'file', 'memory', 'auth', 'nopins', ...TRAILS].includes(a)) die(`unknown audit sink "${a}" (none, log, file, memory, auth, nopins, ${TRAILS.join(', ')})`);
if (opts.audits.some((a) => a.startsWith('postgres-')) && !process.env.PORTCULLIS_TEST_POSTGRES_URL) die('the postgres-* audit sinks need PORTCULLIS_TEST_POSTGRES_URL');
const positive = [opts.runs, opts.durationSec, opts.slices, opts.maxCalls, opts.warmupCalls, opts.sessions, ...opts.conc];
if (!positive.every((n) => Number.isFinite(n) && n > 0) || !(opts.maxForeign >= 0) || opts.upstreams.length === 0) die('numeric options must be positive numbers');
if (opts.compareMain && !existsSync(opts.compareMain)) die(`${opts.compareMain} is missing`);
if (!existsSync(opts.gatewayMain)) die(`${path.relative(ROOT, opts.gatewayMain)} is missing: run \`npm run build\` first`);

function die(msg) {
  process.stderr.write(`overhead: ${msg}\n`);
  process.exit(2);
}
const progress = (msg) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const pct = (sorted, p) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]);
const rotate = (xs, k) => xs.map((_, i) => xs[(i + k) % xs.length]);

// ---- child processes (all tracked, all killed by PID) ---------------------------------------------

const children = new Set();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'portcullis-bench-'));
if (!flags.gateway) {
  // Snapshot the build: dist/ + package.json ("type": "module") + a link to node_modules.
  const snap = path.join(tmp, 'gateway');
  mkdirSync(snap);
  cpSync(path.join(ROOT, 'dist'), path.join(snap, 'dist'), { recursive: true });
  cpSync(path.join(ROOT, 'package.json'), path.join(snap, 'package.json'));
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(snap, 'node_modules'), 'dir');
  opts.gatewayMain = path.join(snap, 'dist/cli/main.js');
}

function track(name, proc) {
  const child = { name, proc, pid: proc.pid, tail: '', exited: false };
  children.add(child);
  proc.on('exit', () => {
    child.exited = true;
    children.delete(child);
  });
  return child;
}

/** Spawn a server and wait for its ready line; its output is drained into a small tail buffer. */
function startServer(name, args, { env, readyOn = 'stdout', readyRe = /listening on (http:\/\/127\.0\.0\.1:\d+\/mcp)/, timeoutMs = 30_000 } = {}) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', readyOn === 'stdout' ? 'pipe' : 'ignore', 'pipe'] });
    const child = track(name, proc);
    let buf = '';
    let settled = false;
    const finish = (err, url) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve({ name, pid: proc.pid, url, child });
    };
    const timer = setTimeout(() => finish(new Error(`${name} not ready within ${timeoutMs} ms; output: ${child.tail.slice(-500)}`)), timeoutMs);
    const onData = (isReady) => (d) => {
      const s = d.toString('utf8');
      child.tail = (child.tail + s).slice(-4000);
      if (isReady && !settled) {
        buf += s;
        const m = readyRe.exec(buf);
        if (m) finish(undefined, m[1]);
      }
    };
    proc.stdout?.on('data', onData(readyOn === 'stdout'));
    proc.stderr.on('data', onData(readyOn === 'stderr'));
    proc.on('exit', (code, signal) => finish(new Error(`${name} exited (${code ?? signal}) before it was ready: ${child.tail.slice(-500)}`)));
    proc.on('error', (err) => finish(err));
  });
}

async function stopChild(child, graceMs = 10_000) {
  if (child.exited) return;
  const exited = new Promise((r) => child.proc.once('exit', r));
  try {
    process.kill(child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const t = setTimeout(() => {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }, graceMs);
  await exited;
  clearTimeout(t);
}

let cleaning = false;
async function cleanupAndExit(code) {
  if (cleaning) return;
  cleaning = true;
  await Promise.all([...children].map((c) => stopChild(c))).catch(() => undefined);
  rmSync(tmp, { recursive: true, force: true });
  if (opts.audits.some((a) => a.startsWith('postgres-'))) {
    // The postgres-* trails' schema, dropped so the database does not fill up with runs.
    const { default: pg } = await import('pg');
    const c = new pg.Client({ connectionString: process.env.PORTCULLIS_TEST_POSTGRES_URL });
    await c.connect().then(() => c.query(`DROP SCHEMA IF EXISTS bench_${process.pid} CASCADE`)).catch(() => undefined);
    await c.end().catch(() => undefined);
  }
  process.exit(code);
}
process.on('SIGINT', () => void cleanupAndExit(130));
process.on('SIGTERM', () => void cleanupAndExit(143));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startUpstream(kind) {
  if (kind === 'lean') return startServer('lean-upstream', [LEAN_MAIN, '--port', '0']);
  const port = await freePort();
  const s = await startServer('server-everything', ['-r', LOOPBACK_PRELOAD, EVERYTHING_MAIN, 'streamableHttp'], {
    env: { PORT: String(port) },
    readyOn: 'stderr', // it logs every request on stdout (sent to /dev/null) and "listening" on stderr
    readyRe: /listening on port (\d+)/,
  });
  return { ...s, url: `http://127.0.0.1:${s.url}/mcp` };
}

/** The audit section for a tamper-evident trail: `sqlite-sync` etc.; each gateway its own file or schema. */
function trailAudit(sink, tag) {
  const [kind, mode, nofsync] = sink.split('-');
  const keyFile = path.join(tmp, `audit-${tag}.key`);
  if (!existsSync(keyFile)) writeFileSync(keyFile, spawnSync(process.execPath, [opts.gatewayMain, 'audit', 'keygen'], { encoding: 'utf8' }).stdout.split('-----END PRIVATE KEY-----')[0] + '-----END PRIVATE KEY-----\n', { mode: 0o600 });
  const where = kind === 'sqlite'
    ? { sink: 'sqlite', path: path.join(tmp, `audit-${tag}.db`) }
    : { sink: 'postgres', postgres: { url: process.env.PORTCULLIS_TEST_POSTGRES_URL, schema: `bench_${process.pid}`, chain: tag.replace(/[^A-Za-z0-9_.:-]/g, '-').slice(0, 64) } };
  return { ...where, mode, ...(nofsync ? { fsync: false } : {}), checkpoint: { key: keyFile, every: 1000 } };
}

async function startGateway(upstreamUrl, sink, tag, main = opts.gatewayMain) {
  const auth = sink === 'auth';
  const config = {
    listen: { host: '127.0.0.1', port: 0 },
    upstreams: { up: { http: { url: upstreamUrl, allowLoopbackHttp: true } } },
    policy: auth
      ? { roles: { bench: [{ upstream: 'up', tools: ['echo'], when: 'size(args.message) < 1000' }] }, tiers: { read: 'mcp:read' }, defaultTier: 'read' }
      : { allow: [{ upstream: 'up', tools: ['echo'] }] },
    audit: sink === 'file' ? { sink, path: path.join(tmp, `audit-${tag}.jsonl`) } : /^(sqlite|postgres)-/.test(sink) ? trailAudit(sink, tag) : { sink: auth || sink === 'nopins' ? 'none' : sink },
    pins: { mode: sink === 'nopins' ? 'off' : 'tofu' },
    storage: { path: path.join(tmp, `state-${tag}.db`) },
    admin: { enabled: false },
    log: { level: 'warn' },
    ...(auth ? { identity: { resource: 'http://127.0.0.1/mcp', builtin: { enabled: true, keyFile: path.join(tmp, `issuer-${tag}.key`) } } } : {}),
  };
  const file = path.join(tmp, `gateway-${tag}.yaml`);
  writeFileSync(file, JSON.stringify(config, null, 2)); // JSON is YAML
  const prof = opts.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', opts.cpuProf, '--cpu-prof-name', `gateway-${tag}-${Date.now()}.cpuprofile`] : [];
  const server = await startServer(`gateway(${tag})`, [...prof, main, 'serve', '--config', file, '--port', '0']);
  if (auth) {
    const minted = spawnSync(process.execPath, [main, 'token', 'mint', '--config', file, '--sub', 'bench', '--roles', 'bench', '--scope', 'mcp:read', '--ttl', '1h'], { encoding: 'utf8' });
    if (minted.status !== 0) throw new Error(`token mint failed: ${minted.stderr}`);
    server.authorization = `Bearer ${minted.stdout.trim()}`;
  }
  return server;
}

// ---- /proc: RSS and CPU ----------------------------------------------------------------------------

function rssKb(pid) {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

function procTicks(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

function machineBusyTicks() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
  return f.slice(0, 8).reduce((a, b) => a + b, 0) - f[3] - f[4];
}

/** CPU (in cores) used over `windowMs` by processes other than this one and its children. */
async function foreignCores(windowMs = 300) {
  const pids = [process.pid, ...[...children].map((c) => c.pid)];
  const ours0 = pids.reduce((a, p) => a + procTicks(p), 0);
  const busy0 = machineBusyTicks();
  const t0 = performance.now();
  await sleep(windowMs);
  const ours1 = pids.reduce((a, p) => a + procTicks(p), 0);
  const busy1 = machineBusyTicks();
  return Math.max(0, ((busy1 - busy0 - (ours1 - ours0)) * 10) / (performance.now() - t0));
}

const quiet = { waits: 0, waitedMs: 0, timeouts: 0, reruns: 0, budgetMs: 0, busyRuns: 0 };
/**
 * Wait (at most 20 s, and 120 s per run) until other jobs on the machine use less than --max-foreign
 * cores. Returns false when it gave up: the machine stays busy, and for the rest of this run slices are
 * measured as they come (the paired medians then carry the weight) instead of waiting in vain.
 */
async function waitQuiet(maxWaitMs = 20_000) {
  if (opts.maxForeign === 0 || quiet.budgetMs <= 0) return false;
  const t0 = performance.now();
  let f = await foreignCores();
  if (f > opts.maxForeign) {
    quiet.waits++;
    while (f > opts.maxForeign && performance.now() - t0 < Math.min(maxWaitMs, quiet.budgetMs)) f = await foreignCores(500);
  }
  const waited = performance.now() - t0;
  quiet.waitedMs += waited;
  quiet.budgetMs -= waited;
  if (f <= opts.maxForeign) return true;
  quiet.timeouts++;
  quiet.busyRuns++;
  quiet.budgetMs = 0;
  progress(`  the machine stays busy (other jobs ${f.toFixed(2)} cores): measuring without waiting for quiet for the rest of this run`);
  return false;
}

// ---- a minimal MCP client (setup and checks only; the load comes from autocannon) -------------------

const setupAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });

function post(url, message, headers = {}, agent = setupAgent) {
  const body = JSON.stringify(message);
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      agent,
      timeout: 15_000,
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'content-length': Buffer.byteLength(body), ...headers },
    });
    req.on('timeout', () => req.destroy(new Error(`POST ${url} timed out`)));
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode, headers: res.headers, text, json: parseMaybeSse(text) });
      });
      res.on('error', reject);
    });
    req.end(body);
  });
}

function del(url, sessionId, agent) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'DELETE', agent, timeout: 15_000, headers: { 'mcp-session-id': sessionId } });
    req.on('timeout', () => req.destroy(new Error('DELETE timed out')));
    req.on('error', reject);
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.end();
  });
}

function parseMaybeSse(text) {
  try {
    return JSON.parse(text);
  } catch {
    const data = text.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).filter(Boolean);
    for (const d of data.reverse()) {
      try {
        const v = JSON.parse(d);
        if (v && 'id' in v) return v;
      } catch {
        /* next */
      }
    }
    return undefined;
  }
}

let rpcId = 1;
async function openSession(url, agent = setupAgent, authorization = undefined) {
  const auth = authorization ? { authorization } : {};
  const init = await post(url, { jsonrpc: '2.0', id: rpcId++, method: 'initialize', params: { protocolVersion: LEGACY_VERSION, capabilities: {}, clientInfo: { name: 'portcullis-bench', version: '1' } } }, auth, agent);
  const sessionId = init.headers['mcp-session-id'];
  if (init.status !== 200 || typeof sessionId !== 'string' || !init.json?.result) throw new Error(`initialize at ${url} failed: HTTP ${init.status} ${init.text.slice(0, 300)}`);
  const protocolVersion = init.json.result.protocolVersion;
  const ack = await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { 'mcp-session-id': sessionId, 'mcp-protocol-version': protocolVersion, ...auth }, agent);
  if (ack.status !== 202 && ack.status !== 200) throw new Error(`notifications/initialized at ${url} failed: HTTP ${ack.status} ${ack.text.slice(0, 300)}`);
  return { sessionId, protocolVersion, ...(authorization ? { authorization } : {}) };
}

async function checkEcho(url, session, toolName) {
  const r = await post(url, { jsonrpc: '2.0', id: rpcId++, method: 'tools/call', params: { name: toolName, arguments: { message: MESSAGE } } }, { 'mcp-session-id': session.sessionId, 'mcp-protocol-version': session.protocolVersion, ...(session.authorization ? { authorization: session.authorization } : {}) });
  const text = r.json?.result?.content?.[0]?.text;
  if (r.status !== 200 || text !== `Echo: ${MESSAGE}`) throw new Error(`echo check at ${url} failed: HTTP ${r.status} ${r.text.slice(0, 300)}`);
}

// ---- the load generator (one long-lived child with an IPC channel) ---------------------------------

class Loadgen {
  constructor() {
    this.proc = spawn(process.execPath, [LOADGEN_MAIN], { cwd: ROOT, stdio: ['ignore', 'inherit', 'pipe', 'ipc'], serialization: 'advanced' });
    this.child = track('loadgen', this.proc);
    this.proc.stderr.on('data', (d) => (this.child.tail = (this.child.tail + d).slice(-4000)));
    this.pending = new Map();
    this.nextId = 1;
    this.proc.on('message', (m) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m);
      else p.reject(new Error(`loadgen: ${m.error}`));
    });
    this.proc.on('exit', (code, signal) => {
      for (const p of this.pending.values()) p.reject(new Error(`loadgen exited (${code ?? signal}): ${this.child.tail.slice(-800)}`));
      this.pending.clear();
    });
  }

  phase(msg, timeoutMs) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`loadgen phase exceeded ${timeoutMs} ms`));
        void stopChild(this.child, 1000);
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.proc.send({ id, cmd: 'phase', ...msg });
    });
  }

  warm(target, connections) {
    return this.phase({ target, connections, amount: Math.max(opts.warmupCalls, connections), record: false }, 60_000 + opts.warmupCalls * 50);
  }

  slice(target, connections) {
    const durationSec = opts.durationSec / opts.slices;
    return this.phase({ target, connections, durationSec, maxCalls: Math.ceil(opts.maxCalls / opts.slices), record: true }, 60_000 + durationSec * 2000);
  }

  async stop() {
    if (this.child.exited) return;
    this.proc.send({ cmd: 'exit' });
    const t = setTimeout(() => void stopChild(this.child, 1000), 3000);
    await new Promise((r) => (this.child.exited ? r() : this.proc.once('exit', r)));
    clearTimeout(t);
  }
}

// ---- memory ----------------------------------------------------------------------------------------

async function settledRss(pid, settleMs = 1500, samples = 7, gapMs = 200) {
  await sleep(settleMs);
  const xs = [];
  for (let i = 0; i < samples; i++) {
    xs.push(rssKb(pid));
    await sleep(gapMs);
  }
  return median(xs);
}

async function openSessions(url, n, parallel = 16) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: parallel });
  const ids = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < n) {
        next++;
        ids.push((await openSession(url, agent)).sessionId);
      }
    }),
  );
  const ms = performance.now() - t0;
  agent.destroy();
  return { ids, ms };
}

/**
 * KB of gateway RSS per idle legacy session: VmRSS (median of 7 samples after 1.5 s of quiet) before and
 * after opening N sessions (initialize + notifications/initialized, kept open). A GC cannot be forced
 * from outside, so handshake garbage and heap growth count too: the figure is an upper bound. A second
 * batch of N shows the marginal cost once the heap has grown.
 */
async function measureSessions(upstreamUrl, tag) {
  const gw = await startGateway(upstreamUrl, 'none', tag);
  try {
    const s = await openSession(gw.url);
    await checkEcho(gw.url, s, 'up__echo');
    const before = await settledRss(gw.pid);
    const first = await openSessions(gw.url, opts.sessions);
    const after = await settledRss(gw.pid);
    const second = await openSessions(gw.url, opts.sessions);
    const after2 = await settledRss(gw.pid);
    const ping = await post(gw.url, { jsonrpc: '2.0', id: rpcId++, method: 'ping' }, { 'mcp-session-id': first.ids[0], 'mcp-protocol-version': LEGACY_VERSION });
    if (ping.status !== 200) throw new Error(`a kept session is not live: HTTP ${ping.status} ${ping.text.slice(0, 200)}`);
    return {
      sessions: opts.sessions,
      beforeRssKb: before,
      afterRssKb: after,
      kbPerSession: (after - before) / opts.sessions,
      after2RssKb: after2,
      kbPerSessionSecondBatch: (after2 - after) / opts.sessions,
      openMs: first.ms,
    };
  } finally {
    await stopChild(gw.child);
  }
}

// ---- the run ---------------------------------------------------------------------------------------

const paths = ['direct', ...(opts.floor ? ['floor'] : []), ...opts.audits.map((a) => `gateway/${a}`), ...(opts.compareMain ? ['compare'] : [])];
const pathLabel = (p) =>
  p === 'direct' ? 'direct' : p === 'floor' ? 'Node floor proxy' : p === 'compare' ? 'gateway B, audit none' : p === 'gateway/auth' ? 'gateway + bearer auth, audit none' : `gateway, audit ${p === 'gateway/log' ? 'log@warn' : p.slice(8)}`;
const hopName = (p) => (p === 'direct' ? undefined : p === 'floor' ? 'proxy' : 'gateway');

/** cells[upstream][path][conc] = [run][slice] → slice result (times sorted, p50, p99, rps, cpu) */
const cells = {};
const memory = [];
const gatewayRss = {};
const problems = [];

function sliceStats(res) {
  const times = Float64Array.from(res.times).sort();
  return { times, calls: times.length, elapsedMs: res.elapsedMs, p50: pct(times, 50), p99: pct(times, 99), rps: res.rps, cpu: res.cpu, bad: res.non2xx + res.errors + res.timeouts + res.mismatches };
}

/** Pool slices: CPU per call, other jobs' CPU, pooled percentiles. */
function pool(slices) {
  const all = new Float64Array(slices.reduce((n, s) => n + s.times.length, 0));
  let off = 0;
  for (const s of slices) {
    all.set(s.times, off);
    off += s.times.length;
  }
  all.sort();
  const calls = all.length;
  const cpuMs = {};
  for (const s of slices) for (const [k, v] of Object.entries(s.cpu?.ms ?? {})) cpuMs[k] = (cpuMs[k] ?? 0) + v;
  const windowMs = slices.reduce((a, s) => a + (s.cpu?.elapsedMs ?? 0), 0);
  return {
    calls,
    p50: pct(all, 50),
    p99: pct(all, 99),
    max: all[all.length - 1],
    rps: calls / (slices.reduce((a, s) => a + s.elapsedMs, 0) / 1000),
    cpuUsPerCall: Object.fromEntries(Object.entries(cpuMs).map(([k, v]) => [k, (v * 1000) / calls])),
    foreignCores: windowMs > 0 ? Math.max(0, slices.reduce((a, s) => a + (s.cpu ? s.cpu.busyMs - s.cpu.oursMs : 0), 0) / windowMs) : NaN,
    bad: slices.reduce((n, s) => n + s.bad, 0),
  };
}

async function round(r, loadgen) {
  quiet.budgetMs = 120_000;
  const upstreams = {};
  for (const u of opts.upstreams) {
    upstreams[u] = await startUpstream(u);
    progress(`run ${r + 1}/${opts.runs}: ${UPSTREAM_LABEL[u]} pid ${upstreams[u].pid} at ${upstreams[u].url}`);
  }
  for (const u of opts.upstreams) {
    const up = upstreams[u];
    const hops = {};
    for (const a of opts.audits) hops[`gateway/${a}`] = await startGateway(up.url, a, `${u}-${a}-r${r}`);
    if (opts.compareMain) hops.compare = await startGateway(up.url, 'none', `${u}-compare-r${r}`, opts.compareMain);
    if (opts.floor) hops.floor = await startServer('node-floor-proxy', [FLOOR_MAIN, '--upstream', up.url, '--port', '0']);
    const targets = [];
    for (const p of paths) {
      const hop = hops[p];
      const url = hop ? hop.url : up.url;
      const toolName = p.startsWith('gateway/') || p === 'compare' ? 'up__echo' : 'echo';
      const session = await openSession(url, setupAgent, hop?.authorization);
      await checkEcho(url, session, toolName);
      targets.push({ path: p, label: `${UPSTREAM_LABEL[u]}, ${pathLabel(p)}`, spec: { url, toolName, message: MESSAGE, ...session, pids: { upstream: up.pid, ...(hop ? { [hopName(p)]: hop.pid } : {}) } } });
    }
    for (const [ci, c] of opts.conc.entries()) {
      progress(`  ${UPSTREAM_LABEL[u]}, c=${c}: warm-up (${opts.warmupCalls} calls per path)`);
      for (const t of rotate(targets, r + ci)) {
        const w = await loadgen.warm(t.spec, c);
        if (w.non2xx + w.errors + w.timeouts + w.mismatches > 0) throw new Error(`warm-up of ${t.label} c=${c} failed: non2xx ${w.non2xx}, errors ${w.errors}, timeouts ${w.timeouts}, mismatches ${w.mismatches} ${w.firstMismatch ?? ''}`);
      }
      const bySlice = Object.fromEntries(targets.map((t) => [t.path, []]));
      await waitQuiet();
      for (let s = 0; s < opts.slices; s++) {
        // Interleave: each slice visits every path, starting with a different one each time.
        for (const t of rotate(targets, r + ci + s)) {
          let res;
          for (let attempt = 0; ; attempt++) {
            res = await loadgen.slice(t.spec, c);
            // A window under 0.2 s is too short to judge with 10 ms CPU ticks.
            const disturbed = res.cpu && res.cpu.elapsedMs >= 200 && res.cpu.foreignCores > opts.maxForeign;
            // Disturbed by other jobs on the machine: wait for quiet, then measure again.
            if (opts.maxForeign === 0 || !disturbed || attempt >= 2 || !(await waitQuiet())) break;
            quiet.reruns++;
          }
          if (res.non2xx + res.errors + res.timeouts + res.mismatches > 0) {
            problems.push(`run ${r + 1}, ${t.label} c=${c}: non2xx ${res.non2xx}, errors ${res.errors}, timeouts ${res.timeouts}, wrong bodies ${res.mismatches} ${(res.firstMismatch ?? '').slice(0, 200)}`);
            progress(`  WARNING ${problems.at(-1)}`);
          }
          bySlice[t.path].push(res);
        }
      }
      for (const t of targets) {
        const slices = bySlice[t.path].map(sliceStats);
        (((cells[u] ??= {})[t.path] ??= {})[c] ??= []).push(slices);
        const a = pool(slices);
        progress(`    ${t.label.padEnd(48)} c=${String(c).padEnd(2)} p50 ${a.p50.toFixed(3)} ms  p99 ${a.p99.toFixed(2)} ms  ${Math.round(a.rps)} req/s  (${a.calls} calls, other jobs ${a.foreignCores.toFixed(2)} cores)`);
      }
    }
    for (const a of opts.audits) ((gatewayRss[u] ??= {})[a] ??= []).push(rssKb(hops[`gateway/${a}`].pid));
    await Promise.all(Object.values(hops).map((h) => stopChild(h.child)));
  }
  const memUpstream = upstreams.lean ?? upstreams[opts.upstreams[0]];
  progress(`  memory: ${opts.sessions} idle sessions on a fresh gateway (audit none) in front of ${memUpstream.name}`);
  const m = await measureSessions(memUpstream.url, `mem-r${r}`);
  progress(`    ${m.kbPerSession.toFixed(1)} KB/session (RSS ${m.beforeRssKb} → ${m.afterRssKb} kB), opened in ${Math.round(m.openMs)} ms`);
  memory.push({ ...m, upstream: memUpstream.name });
  await Promise.all(Object.values(upstreams).map((x) => stopChild(x.child)));
}

/**
 * Per cell: p50 and req/s are medians over all slices (of all runs); p99 is pooled over all slices.
 * Δp50 and the req/s ratio are paired: slice s of run r of a path against slice s of run r of direct
 * (measured seconds apart), then the median over all pairs, so a burst of other work on the machine
 * moves one pair, not the result. Per-run values are the medians of that run's pairs.
 */
function summarize() {
  const rows = [];
  for (const u of opts.upstreams) {
    const direct = cells[u]?.direct;
    for (const p of paths) {
      const byConc = {};
      for (const c of opts.conc) {
        const runs = cells[u]?.[p]?.[c] ?? [];
        const flat = runs.flat();
        const pooled = pool(flat);
        const cell = {
          runs: runs.length,
          slices: flat.length,
          calls: pooled.calls,
          p50: median(flat.map((x) => x.p50)),
          p99: pooled.p99,
          max: pooled.max,
          rps: median(flat.map((x) => x.rps)),
          cpuUsPerCall: pooled.cpuUsPerCall,
          foreignCores: pooled.foreignCores,
          bad: pooled.bad,
        };
        const d = direct?.[c];
        if (p !== 'direct' && d) {
          const pairs = runs.map((slices, r) => slices.map((x, i) => (d[r]?.[i] ? { dp50: x.p50 - d[r][i].p50, ratio: x.rps / d[r][i].rps } : undefined)).filter(Boolean));
          cell.addedP50 = median(pairs.flat().map((x) => x.dp50));
          cell.throughputRatio = median(pairs.flat().map((x) => x.ratio));
          cell.addedP99 = pooled.p99 - pool(d.flat()).p99;
          cell.addedP50PerRun = pairs.map((xs) => median(xs.map((x) => x.dp50)));
          cell.ratioPerRun = pairs.map((xs) => median(xs.map((x) => x.ratio)));
        }
        byConc[c] = cell;
      }
      rows.push({ upstream: UPSTREAM_LABEL[u], path: pathLabel(p), key: p, byConc });
    }
  }
  const bars = [];
  const [lo, hi] = [Math.min(...opts.conc), Math.max(...opts.conc)];
  const gatewayRows = rows.filter((r) => r.key.startsWith('gateway/'));
  for (const row of gatewayRows) {
    const v = row.byConc[lo]?.addedP50;
    if (v !== undefined) bars.push({ bar: `added p50 ≤ ${BARS.addedP50Ms} ms`, where: `${row.upstream}, c=${lo}, ${row.path}`, value: v, shown: `${fmtSigned(v)} ms`, pass: v <= BARS.addedP50Ms, informational: row.upstream !== UPSTREAM_LABEL.everything });
  }
  for (const row of gatewayRows) {
    const v = row.byConc[hi]?.throughputRatio;
    if (v !== undefined) bars.push({ bar: `throughput at c=${hi} ≥ ${BARS.throughputRatio * 100}% of direct`, where: `${row.upstream}, ${row.path}`, value: v, shown: `${(v * 100).toFixed(0)} %`, pass: v >= BARS.throughputRatio, informational: row.upstream !== UPSTREAM_LABEL.everything });
  }
  // Issue bar: the authenticated path (token verified, role grant with a CEL condition, tier scope)
  // adds at most 0.1 ms p50 over the gateway without identity (audit none), measured in the same run.
  for (const u of new Set(rows.map((r) => r.upstream))) {
    const plain = rows.find((r) => r.upstream === u && r.key === 'gateway/none');
    const authed = rows.find((r) => r.upstream === u && r.key === 'gateway/auth');
    const a = authed?.byConc[lo]?.addedP50;
    const b = plain?.byConc[lo]?.addedP50;
    if (a !== undefined && b !== undefined) {
      bars.push({ bar: 'authenticated path adds ≤ 0.1 ms p50', where: `${u}, c=${lo}, over gateway audit none`, value: a - b, shown: `${fmtSigned(a - b)} ms`, pass: a - b <= 0.1, informational: false });
    }
  }
  // The same bars read against the Node floor (a byte pipe: what one Node HTTP hop costs before any
  // gateway logic), so the gateway's own share can be told apart from what any Node proxy pays here.
  const beyondFloor = [];
  for (const u of new Set(rows.map((r) => r.upstream))) {
    const floor = rows.find((r) => r.upstream === u && r.key === 'floor');
    const gw = rows.find((r) => r.upstream === u && r.key === 'gateway/none');
    const [fp, gp] = [floor?.byConc[lo]?.addedP50, gw?.byConc[lo]?.addedP50];
    const [fr, gr] = [floor?.byConc[hi]?.throughputRatio, gw?.byConc[hi]?.throughputRatio];
    if (fp === undefined || gp === undefined) continue;
    const share = fr !== undefined && gr !== undefined ? `; throughput at c=${hi}: floor ${(fr * 100).toFixed(0)} %, gateway ${(gr * 100).toFixed(0)} % of direct` : '';
    beyondFloor.push(`${u}: the floor adds ${fmtSigned(fp)} ms p50 at c=${lo}, the gateway ${fmtSigned(gp - fp)} ms more${share}`);
  }
  if (memory.length > 0) {
    const kb = median(memory.map((m) => m.kbPerSession));
    bars.push({ bar: `memory ≤ ${BARS.kbPerSession} KB per idle session`, where: `${opts.sessions} legacy sessions`, value: kb, shown: `${kb.toFixed(1)} KB`, pass: kb <= BARS.kbPerSession, informational: false });
  }
  return { rows, bars, beyondFloor };
}

const fmt = (v, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : '—');
const fmtSigned = (v, d = 3) => (Number.isFinite(v) ? (v >= 0 ? '+' : '') + v.toFixed(d) : '—');
const fmtInt = (v) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '—');

function table(head, lines, leftCols = 2) {
  const widths = head.map((_, i) => Math.max(...[head, ...lines].map((l) => String(l[i]).length)));
  const row = (l) => '| ' + l.map((v, i) => (i < leftCols ? String(v).padEnd(widths[i]) : String(v).padStart(widths[i]))).join(' | ') + ' |';
  return [row(head), '|' + widths.map((w, i) => (i < leftCols ? ':' + '-'.repeat(w + 1) : '-'.repeat(w + 1) + ':')).join('|') + '|', ...lines.map(row)];
}

function printText(s, meta) {
  const [lo, hi] = [Math.min(...opts.conc), Math.max(...opts.conc)];
  const out = [];
  if (opts.compareMain) out.push(`gateway B = ${opts.compareMain}`);
  out.push(`Portcullis gateway overhead — ${meta.date}, commit ${meta.commit ?? '?'}${meta.dirtySrc ? ` + ${meta.dirtySrc} changed files in src/` : ''}, gateway ${meta.gateway}, node ${meta.node}, ${meta.cpus} CPUs (${meta.cpuModel})`);
  out.push(`tools/call echo, ${MESSAGE.length}-byte message, one MCP session per path; per path and concurrency: ${opts.warmupCalls} warm-up calls, then ${opts.durationSec} s or ${opts.maxCalls} calls in ${opts.slices} interleaved slices;`);
  out.push(`${opts.runs} run${opts.runs > 1 ? 's' : ''} with fresh processes. p50 and req/s: medians over the ${opts.runs * opts.slices} slices; p99: pooled over them; Δp50 and req/s vs direct: medians of slice-paired`);
  out.push('differences/ratios (each slice against the direct slice measured seconds before or after it); Δp99: pooled p99 minus pooled direct p99.');
  out.push('');
  const mark = (c) => (c?.bad > 0 ? '!' : '');
  out.push(
    ...table(
      ['upstream', 'path', `c=${lo} p50 ms`, `c=${lo} p99 ms`, `c=${lo} req/s`, `c=${hi} p50 ms`, `c=${hi} p99 ms`, `c=${hi} req/s`, `Δp50 c=${lo} ms`, `Δp99 c=${lo} ms`, `Δp50 c=${hi} ms`, `req/s vs direct c=${hi}`],
      s.rows.map((r) => {
        const a = r.byConc[lo] ?? {};
        const b = r.byConc[hi] ?? {};
        return [
          r.upstream, r.path,
          fmt(a.p50, 3) + mark(a), fmt(a.p99), fmtInt(a.rps),
          fmt(b.p50, 3) + mark(b), fmt(b.p99), fmtInt(b.rps),
          a.addedP50 === undefined ? '—' : fmtSigned(a.addedP50),
          a.addedP99 === undefined ? '—' : fmtSigned(a.addedP99, 2),
          b.addedP50 === undefined ? '—' : fmtSigned(b.addedP50),
          b.throughputRatio === undefined ? '—' : `${(b.throughputRatio * 100).toFixed(0)} %`,
        ];
      }),
    ),
  );
  if (s.rows.some((r) => Object.values(r.byConc).some((x) => x.bad > 0))) out.push('  ! = some responses were non-2xx, errors, timeouts or wrong bodies (listed below)');
  out.push('');
  out.push(`CPU per call (µs, from /proc; the load generator is autocannon in one Node process) and other jobs' CPU during the slices:`);
  out.push(
    ...table(
      ['upstream', 'path', ...[lo, hi].flatMap((c) => [`c=${c} upstream`, `c=${c} hop`, `c=${c} loadgen`]), `foreign cores c=${lo}/${hi}`],
      s.rows.map((r) => {
        const hop = hopName(r.key);
        return [
          r.upstream, r.path,
          ...[lo, hi].flatMap((c) => {
            const u = r.byConc[c]?.cpuUsPerCall ?? {};
            return [fmtInt(u.upstream), hop ? fmtInt(u[hop]) : '—', fmtInt(u.loadgen)];
          }),
          `${fmt(r.byConc[lo]?.foreignCores)} / ${fmt(r.byConc[hi]?.foreignCores)}`,
        ];
      }),
    ),
  );
  if (opts.runs > 1) {
    out.push('');
    out.push(`per-run values (Δp50 ms at c=${lo}; req/s vs direct at c=${hi}):`);
    for (const r of s.rows.filter((x) => x.key !== 'direct')) {
      const a = r.byConc[lo];
      const b = r.byConc[hi];
      out.push(`  ${`${r.upstream}, ${r.path}`.padEnd(45)} Δp50 ${(a?.addedP50PerRun ?? []).map((v) => fmtSigned(v)).join(', ').padEnd(24)}  ratio ${(b?.ratioPerRun ?? []).map((v) => `${(v * 100).toFixed(0)}%`).join(', ')}`);
    }
  }
  out.push('');
  out.push(`memory: ${opts.sessions} idle legacy sessions (initialize + notifications/initialized, kept open) on a fresh gateway; VmRSS median of 7 samples after 1.5 s; no GC forced, so an upper bound:`);
  for (const [i, m] of memory.entries()) {
    out.push(`  run ${i + 1}: RSS ${fmtInt(m.beforeRssKb)} → ${fmtInt(m.afterRssKb)} kB = ${fmt(m.kbPerSession, 1)} KB/session (opened in ${fmt(m.openMs / 1000, 2)} s); a second ${m.sessions}: → ${fmtInt(m.after2RssKb)} kB = ${fmt(m.kbPerSessionSecondBatch, 1)} KB/session`);
  }
  const rssAfter = Object.entries(gatewayRss).flatMap(([u, byA]) => Object.entries(byA).map(([a, xs]) => `${UPSTREAM_LABEL[u]}/${a} ${fmtInt(median(xs) / 1024)} MB`));
  if (rssAfter.length) out.push(`  gateway RSS after its load phases: ${rssAfter.join(', ')}`);
  out.push('');
  out.push(
    opts.maxForeign === 0
      ? "machine: other jobs' CPU not gated (--max-foreign 0); see the foreign column above"
      : `machine: slices during which other jobs used > ${opts.maxForeign} cores were re-run (${quiet.reruns}×) after waiting for quiet (${quiet.waits} waits, ${fmt(quiet.waitedMs / 1000, 1)} s);` +
          (quiet.busyRuns ? ` in ${quiet.busyRuns} of ${opts.runs} runs the machine stayed busy and the rest of the run was measured under load` : ''),
  );
  for (const p of problems) out.push(`  problem: ${p}`);
  out.push('');
  out.push('bars (reported, never enforced):');
  for (const b of s.bars) out.push(`  ${b.pass ? 'PASS' : 'MISS'}  ${b.bar.padEnd(38)} ${b.where}: ${b.shown}${b.informational ? '  (informational)' : ''}`);
  if (s.beyondFloor.length) {
    out.push('');
    out.push('against the Node floor (audit none; same run):');
    for (const line of s.beyondFloor) out.push(`  ${line}`);
  }
  process.stdout.write(out.join('\n') + '\n');
}

const git = (...args) => spawnSync('git', args, { cwd: ROOT, encoding: 'utf8' }).stdout?.trim() || undefined;
const meta = { date: new Date().toISOString(), commit: git('rev-parse', '--short', 'HEAD'), dirtySrc: (git('status', '--porcelain', 'src') ?? '').split('\n').filter(Boolean).length, gateway: flags.gateway ?? 'dist/ (snapshot)', node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model?.trim() ?? '?', options: opts, bars: BARS };
let loadgen;
try {
  progress(`pid ${process.pid}; ${opts.runs} run(s) × ${opts.upstreams.length} upstream(s) × ${paths.length} paths × c=${opts.conc.join(',')}; temp dir ${tmp}`);
  if (opts.cpuProf) progress(`gateway CPU profiles → ${opts.cpuProf}`);
  loadgen = new Loadgen();
  for (let r = 0; r < opts.runs; r++) await round(r, loadgen);
  await loadgen.stop();
  const s = summarize();
  const raw = JSON.parse(JSON.stringify(cells, (k, v) => (k === 'times' ? undefined : v)));
  if (flags.json) process.stdout.write(JSON.stringify({ meta, ...s, memory, gatewayRssKb: gatewayRss, machine: quiet, problems, slices: raw }, null, 2) + '\n');
  else printText(s, meta);
  await cleanupAndExit(0);
} catch (err) {
  if (!cleaning) {
    // (once SIGINT/SIGTERM cleanup has started, the failures it causes are expected)
    process.stderr.write(`overhead: ${err?.stack ?? err}\n`);
    await cleanupAndExit(1);
  }
}
