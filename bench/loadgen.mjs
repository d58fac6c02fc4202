#!/usr/bin/env node
// Load-generator child of bench/overhead.mjs (started with an IPC channel, `serialization: 'advanced'`).
// It stays up for a whole run, so its own JIT is warm, and runs one phase per message: MCP `tools/call`
// POSTs against one endpoint and one session, with autocannon's programmatic API.
//
//   → { id, cmd: 'phase', target: { url, sessionId, protocolVersion, toolName, message, pids },
//       connections, amount? | durationSec + maxCalls, record }
//   ← { id, ok, calls, elapsedMs, rps, times?: Float64Array, cpu, non2xx, errors, timeouts, mismatches }
//   → { cmd: 'exit' }
//
// autocannon's own latency histogram has 1 ms resolution (integer HdrHistogram), too coarse for
// sub-millisecond overhead, so every response time (float ms from process.hrtime) is kept and the
// percentiles are computed by the parent. Each request gets a unique JSON-RPC id (`idReplacement`): a
// session must not have two requests in flight with the same id. Every response body is checked for the
// echoed text, so an error answer can never pass as a fast call. Each phase opens fresh connections, so
// the first few responses per connection (connect, first parse) are not recorded.
//
// CPU accounting over a recorded phase (Linux /proc, clock ticks): CPU time of each named pid and of
// this process, and of the whole machine. What the machine spent beyond those is "foreign" load (other
// jobs on the box); the parent uses it to recognise a disturbed slice and run it again.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

const TICK_MS = 10; // USER_HZ is 100 on Linux

function procTicks(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime + stime (fields 14 and 15)
  } catch {
    return NaN;
  }
}

function machineTicks() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0); // user nice system idle iowait irq softirq steal
  return { total, busy: total - f[3] - f[4] };
}

function cpuSnapshot(pids) {
  const per = {};
  for (const [name, pid] of Object.entries({ loadgen: process.pid, ...pids })) per[name] = procTicks(pid);
  return { per, machine: machineTicks(), at: process.hrtime.bigint() };
}

function cpuDelta(a, b) {
  const elapsedMs = Number(b.at - a.at) / 1e6;
  const ms = {};
  let ours = 0;
  for (const name of Object.keys(a.per)) {
    ms[name] = (b.per[name] - a.per[name]) * TICK_MS;
    if (Number.isFinite(ms[name])) ours += ms[name];
  }
  const busyMs = (b.machine.busy - a.machine.busy) * TICK_MS;
  // Ticks are 10 ms: over a short window the foreign estimate is coarse (the parent sums windows).
  return { ms, elapsedMs, busyMs, oursMs: ours, foreignCores: Math.max(0, (busyMs - ours) / elapsedMs) };
}

function phase(m) {
  const t = m.target;
  const expected = `Echo: ${t.message}`;
  const body = JSON.stringify({ jsonrpc: '2.0', id: '[<id>]', method: 'tools/call', params: { name: t.toolName, arguments: { message: t.message } } });
  const skip = m.record ? Math.max(20, m.connections * 4) : 0;
  const cap = m.record ? m.maxCalls + skip + m.connections * 2 : 0;
  const times = m.record ? new Float64Array(cap) : undefined;
  return new Promise((resolve, reject) => {
    let seen = 0;
    let n = 0;
    let mismatches = 0;
    let firstMismatch;
    let tFirst = 0n;
    let tLast = 0n;
    let c0;
    const opts = {
      url: t.url,
      method: 'POST',
      connections: m.connections,
      pipelining: 1,
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': t.sessionId, 'mcp-protocol-version': t.protocolVersion, ...(t.authorization ? { authorization: t.authorization } : {}) },
      body,
      idReplacement: true,
      timeout: 10,
      verifyBody: (b) => {
        if (b.includes(expected) && !b.includes('"error"')) return true;
        mismatches++;
        firstMismatch ??= b.slice(0, 300);
        return false;
      },
    };
    if (m.amount !== undefined) opts.amount = m.amount;
    else {
      opts.duration = m.durationSec;
      opts.maxOverallRequests = m.maxCalls + skip;
    }
    const inst = autocannon(opts, (err, result) => {
      if (err) {
        reject(err);
        return;
      }
      const c1 = c0 ? cpuSnapshot(t.pids) : undefined;
      const elapsedMs = Number(tLast - tFirst) / 1e6;
      resolve({
        ok: true,
        calls: m.record ? n : result.requests.total,
        elapsedMs,
        rps: m.record ? n / (elapsedMs / 1000) : NaN,
        times: times?.slice(0, n),
        cpu: c0 && c1 ? cpuDelta(c0, c1) : undefined,
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        mismatches,
        firstMismatch,
      });
    });
    inst.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (!m.record) return;
      seen++;
      if (seen <= skip) {
        if (seen === skip) {
          tFirst = process.hrtime.bigint();
          c0 = cpuSnapshot(t.pids);
        }
        return;
      }
      tLast = process.hrtime.bigint();
      if (statusCode >= 200 && statusCode < 300 && n < cap) times[n++] = responseTime;
    });
  });
}

process.on('message', (m) => {
  if (m.cmd === 'exit') process.exit(0);
  if (m.cmd !== 'phase') return;
  phase(m).then(
    (r) => process.send({ id: m.id, ...r }),
    (err) => process.send({ id: m.id, ok: false, error: String(err?.stack ?? err) }),
  );
});
process.on('disconnect', () => process.exit(0));
