#!/usr/bin/env node
// Audit trail figures, against dist/ (run `npm run build` first). Prints, never asserts.
//
//   node bench/audit.mjs [--sink sqlite|jsonl|postgres] [--records 50000] [--samples 2000]
//
// 1. throughput: records/s into the sink with the chain and checkpoints (async mode; bar for SQLite
//    >= 20,000/s), and in sync mode with 64 appends in flight (group commit);
// 2. latency per append: async (the call itself: what a request pays) and sync (until durable), p50/p99,
//    sync both with fsync (power-loss durable) and without (process-crash durable).
// --sink postgres writes to PORTCULLIS_TEST_POSTGRES_URL (or --pg-url), one chain per measurement in a
// schema made for the run and dropped at the end; fsync there is synchronous_commit on/off.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openAuditTrail } from '../dist/audit/trail.js';

const { values } = parseArgs({
  options: { records: { type: 'string', default: '50000' }, samples: { type: 'string', default: '2000' }, sink: { type: 'string', default: 'sqlite' }, 'pg-url': { type: 'string' } },
});
const RECORDS = Number(values.records);
const SAMPLES = Number(values.samples);
const SINK = values.sink;
const PG_URL = values['pg-url'] ?? process.env.PORTCULLIS_TEST_POSTGRES_URL;
if (!['sqlite', 'jsonl', 'postgres'].includes(SINK)) throw new Error(`--sink: sqlite, jsonl or postgres, not ${SINK}`);
if (SINK === 'postgres' && !PG_URL) throw new Error('--sink postgres needs --pg-url or PORTCULLIS_TEST_POSTGRES_URL');
const SCHEMA = `audit_bench_${process.pid}`;
const key = generateKeyPairSync('ed25519').privateKey;
const dir = mkdtempSync(join(tmpdir(), 'portcullis-audit-bench-'));
const quiet = { warn() {}, error() {} };

// A request record the size the runner writes today (~600 bytes of JSON).
const event = (i) => ({
  time: new Date().toISOString(), id: `gw-${i}`, traceId: '4bf92f3577b34da6a3ce929d0e0e4736', direction: 'inbound', kind: 'request',
  transport: 'http', era: 'modern', principal: { subject: 'alice@example.com', clientId: 'agent-7', roles: ['analyst'] }, session: 's-1',
  upstream: 'fs', method: 'tools/call', target: 'read_file', requestId: i, outcome: 'allowed', rule: 'allow.0',
  stages: [{ stage: 'allowlist', verdict: 'pass', ms: 0.012 }, { stage: 'secrets', verdict: 'pass', ms: 0.031 }], latencyMs: 1.234,
  result: { bytes: 1200, isError: false },
});

const where = (name) =>
  SINK === 'postgres' ? { kind: 'postgres', postgres: { url: PG_URL, schema: SCHEMA, chain: name } } : { kind: SINK, path: join(dir, `${name}.${SINK === 'jsonl' ? 'jsonl' : 'db'}`) };
const open = (name, mode, extra = {}) => openAuditTrail({ ...where(name), mode, checkpoint: { key, every: 1000 }, log: quiet, ...extra });
const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const us = (ms) => `${(ms * 1000).toFixed(1)} µs`;
const tick = () => new Promise((r) => setImmediate(r));

async function throughputAsync() {
  const sink = await open('async-throughput', 'async', { maxQueue: 20_000 });
  const t0 = performance.now();
  for (let i = 0; i < RECORDS; i++) {
    void sink.append(event(i));
    if (i % 2000 === 1999) await tick(); // let the writer run, as request handling would
  }
  await sink.flush();
  const ms = performance.now() - t0;
  const s = sink.stats();
  await sink.close();
  console.log(`async throughput:  ${Math.round((s.written - 1) / (ms / 1000)).toLocaleString('en')} records/s  (${s.written - 1} records in ${ms.toFixed(0)} ms, ${s.commits} commits, lost ${s.lost.overflow + s.lost.write})`);
}

async function throughputSync(fsync) {
  const sink = await open(`sync-throughput-${fsync}`, 'sync', { fsync });
  const n = Math.min(RECORDS, 20_000);
  const t0 = performance.now();
  for (let i = 0; i < n; i += 64) await Promise.all(Array.from({ length: 64 }, (_, j) => sink.append(event(i + j))));
  const ms = performance.now() - t0;
  const s = sink.stats();
  await sink.close();
  console.log(`sync throughput (64 in flight, fsync ${fsync ? 'on ' : 'off'}): ${Math.round(n / (ms / 1000)).toLocaleString('en')} records/s  (${(s.written / s.commits).toFixed(1)} records per commit)`);
}

async function latencyAsync() {
  const sink = await open('async-latency', 'async');
  const xs = [];
  for (let i = 0; i < SAMPLES; i++) {
    const e = event(i);
    const t0 = performance.now();
    void sink.append(e);
    xs.push(performance.now() - t0);
    if (i % 20 === 19) await tick();
  }
  await sink.close();
  xs.sort((a, b) => a - b);
  console.log(`async append():    p50 ${us(pct(xs, 50))}  p99 ${us(pct(xs, 99))}  (the call a request waits for; commits run between requests)`);
}

async function latencySync(fsync, inFlight) {
  const sink = await open(`sync-latency-${fsync}-${inFlight}`, 'sync', { fsync });
  const xs = [];
  for (let i = 0; i < SAMPLES; i += inFlight) {
    await Promise.all(Array.from({ length: inFlight }, async (_, j) => {
      const t0 = performance.now();
      await sink.append(event(i + j));
      xs.push(performance.now() - t0);
    }));
  }
  await sink.close();
  xs.sort((a, b) => a - b);
  console.log(`sync append (fsync ${fsync ? 'on ' : 'off'}, ${String(inFlight).padStart(2)} in flight): p50 ${us(pct(xs, 50))}  p99 ${us(pct(xs, 99))}`);
}

console.log(`node ${process.version}; sink ${SINK}; ${RECORDS} records for throughput, ${SAMPLES} samples for latency; checkpoint every 1000, Ed25519`);
try {
  await throughputAsync();
  await throughputSync(true);
  await throughputSync(false);
  await latencyAsync();
  for (const fsync of [true, false]) for (const inFlight of [1, 16]) await latencySync(fsync, inFlight);
} finally {
  rmSync(dir, { recursive: true, force: true });
  if (SINK === 'postgres') {
    const { default: pg } = await import('pg');
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await c.end();
  }
}
