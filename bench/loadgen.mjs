#!/usr/bin/env node
// Load-generator child for bench/overhead.mjs: one warm-up phase and one measured phase of MCP
// `tools/call` POSTs against one endpoint and one session, with autocannon's programmatic API.
//
//   node bench/loadgen.mjs '<json spec>'   → one JSON line on stdout
//
// spec: { url, sessionId, protocolVersion, toolName, message, connections,
//         warmupCalls, durationSec, maxCalls, timeoutSec }
//
// autocannon's own latency histogram has 1 ms resolution (integer HdrHistogram), too coarse for
// sub-millisecond overhead, so every response time (float ms from process.hrtime) is recorded here
// and the percentiles are computed exactly. Each request gets a unique JSON-RPC id (autocannon's
// `idReplacement`): a session must not have two requests in flight with the same id.
// Every response body is checked for the echoed text, so an error answer can never pass as a fast call.
import autocannon from 'autocannon';

const spec = JSON.parse(process.argv[2] ?? '{}');
const expected = `Echo: ${spec.message}`;
const body = JSON.stringify({ jsonrpc: '2.0', id: '[<id>]', method: 'tools/call', params: { name: spec.toolName, arguments: { message: spec.message } } });
const headers = {
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-session-id': spec.sessionId,
  'mcp-protocol-version': spec.protocolVersion,
};

function phase({ amount, durationSec, maxCalls, record }) {
  return new Promise((resolve, reject) => {
    const times = record ? new Float64Array(Math.max(1, maxCalls + spec.connections * 2)) : undefined;
    let n = 0;
    let mismatches = 0;
    let firstMismatch;
    let t0 = 0n;
    let tLast = 0n;
    const opts = {
      url: spec.url,
      method: 'POST',
      connections: spec.connections,
      pipelining: 1,
      headers,
      body,
      idReplacement: true,
      timeout: spec.timeoutSec ?? 10,
      verifyBody: (b) => {
        if (b.includes(expected) && !b.includes('"error"')) return true;
        mismatches++;
        firstMismatch ??= b.slice(0, 300);
        return false;
      },
    };
    if (amount !== undefined) opts.amount = amount;
    else {
      opts.duration = durationSec;
      opts.maxOverallRequests = maxCalls;
    }
    const inst = autocannon(opts, (err, result) => {
      if (err) {
        reject(err);
        return;
      }
      const elapsedMs = Number(tLast - t0) / 1e6;
      resolve({ result, times: times?.subarray(0, n), n, elapsedMs, mismatches, firstMismatch });
    });
    t0 = process.hrtime.bigint();
    inst.on('response', (_client, statusCode, _bytes, responseTime) => {
      tLast = process.hrtime.bigint();
      if (times && statusCode >= 200 && statusCode < 300 && n < times.length) times[n++] = responseTime;
    });
  });
}

function pct(sorted, p) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

const problems = (r) => ({
  non2xx: r.result.non2xx,
  errors: r.result.errors,
  timeouts: r.result.timeouts,
  mismatches: r.mismatches,
  ...(r.firstMismatch ? { firstMismatch: r.firstMismatch } : {}),
});

try {
  const warm = await phase({ amount: Math.max(spec.warmupCalls, spec.connections), record: false });
  const meas = await phase({ durationSec: spec.durationSec, maxCalls: spec.maxCalls, record: true });
  const sorted = Float64Array.from(meas.times).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  process.stdout.write(
    JSON.stringify({
      ok: true,
      connections: spec.connections,
      warmup: { calls: warm.result.requests.total, ...problems(warm) },
      calls: sorted.length,
      elapsedMs: Math.round(meas.elapsedMs),
      rps: sorted.length / (meas.elapsedMs / 1000),
      p50: pct(sorted, 50),
      p90: pct(sorted, 90),
      p99: pct(sorted, 99),
      max: sorted[sorted.length - 1],
      mean: sum / sorted.length,
      ...problems(meas),
    }) + '\n',
  );
  process.exit(0);
} catch (err) {
  process.stdout.write(JSON.stringify({ ok: false, error: String(err?.stack ?? err) }) + '\n');
  process.exit(1);
}
