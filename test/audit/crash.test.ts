/**
 * Crash safety in sync mode: the real gateway process (dist/) is SIGKILLed while tool calls are in
 * flight, then restarted on the same trail. Every call that received a response must be in the trail,
 * and `portcullis audit verify` must pass. SQLite always; PostgreSQL when PORTCULLIS_TEST_POSTGRES_URL
 * is set. Load is bounded: 8 calls in flight, for at most 2 seconds.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { CLI, MODERN, NODE, ROOT, spawnProc, startGateway, stdioUpstream, stopAll, stopProc, waitFor, withTimeout, type Proc } from '../e2e/helpers.js';
import { openTrailReader } from '../../src/audit/trail.js';
import { PostgresTrail } from '../../src/audit/postgres.js';
import { eachRecord, isMalformed, type TrailReader } from '../../src/audit/store.js';
import { keys, PG_URL, uniqueSchema } from './helpers.js';

const K = keys();
const schemas: string[] = [];

afterAll(async () => {
  await stopAll();
  if (PG_URL && schemas.length > 0) {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await c.end();
  }
});

const MODERN_VERSION = '2026-07-28';
const IN_FLIGHT = 8;
const RUN_MS = 2000;
const MAX_CALLS = 4000;

/** One stateless 2026-07-28 tools/call; resolves with whether a successful result came back. */
async function call(url: string, id: string): Promise<boolean> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': 'tools/call', 'mcp-name': 'm__echo' },
    body: JSON.stringify({
      jsonrpc: '2.0', id, method: 'tools/call',
      params: { name: 'm__echo', arguments: { message: id }, _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN_VERSION, 'io.modelcontextprotocol/clientCapabilities': {} } },
    }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  // The reply is JSON or one SSE event; either way a successful echo carries the id's text back.
  return res.status === 200 && text.includes(`echo: ${id}`) && !text.includes('"error"');
}

interface Drive {
  acknowledged: Set<string>;
  sent: number;
  inFlightAtKill: number;
  /** Calls that got no answer because the gateway died under them. */
  unanswered: number;
}

/** 8 workers calling in a loop; once `killAfter` calls are acknowledged the gateway is SIGKILLed mid-stream. */
async function driveAndKill(url: string, gateway: Proc, killAfter: number): Promise<Drive> {
  const acknowledged = new Set<string>();
  let sent = 0;
  let inFlight = 0;
  let inFlightAtKill = -1;
  let armed = false;
  let unanswered = 0;
  const deadline = Date.now() + RUN_MS;
  const worker = async (w: number) => {
    for (let n = 0; Date.now() < deadline && sent < MAX_CALLS; n++) {
      const id = `crash-${w}-${n}`;
      sent++;
      inFlight++;
      const ok = await call(url, id).catch(() => false);
      inFlight--;
      if (ok) acknowledged.add(id);
      else if (inFlightAtKill !== -1) unanswered++;
      // A few ms after the threshold, not right on a response: answers arrive in bursts (group commit), so
      // killing between bursts is what catches calls that are inside the gateway, mid-commit.
      if (acknowledged.size >= killAfter && !armed) {
        armed = true;
        setTimeout(() => {
          inFlightAtKill = inFlight;
          process.kill(gateway.pid, 'SIGKILL');
        }, 1 + Math.floor(Math.random() * 15));
      }
      // After the kill every call fails at once (connection refused): stop rather than spin.
      if (inFlightAtKill !== -1) return;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, (_, w) => worker(w)));
  await waitFor(() => inFlightAtKill !== -1 || !armed, 1000, 'the armed kill');
  if (inFlightAtKill === -1) {
    inFlightAtKill = inFlight;
    process.kill(gateway.pid, 'SIGKILL');
  }
  await withTimeout(gateway.exited, 5000, 'gateway exit after SIGKILL');
  return { acknowledged, sent, inFlightAtKill, unanswered };
}

/** `portcullis serve` again on the same config (and so the same trail). */
async function restart(configPath: string): Promise<{ proc: Proc; url: string }> {
  const proc = spawnProc(NODE, [CLI, 'serve', '--config', configPath, '--port', '0']);
  const line = /^listening on (http:\/\/127\.0\.0\.1:\d+\/mcp)$/m;
  await waitFor(() => line.test(proc.stdout()) || !proc.alive(), 30_000, 'restarted gateway listening');
  if (!proc.alive()) throw new Error(`the restarted gateway exited:\n${proc.stderr().slice(-2000)}`);
  return { proc, url: line.exec(proc.stdout())![1]! };
}

async function requestIdsIn(reader: TrailReader): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const r of eachRecord(reader)) {
    if (!isMalformed(r) && r.event.method === 'tools/call' && r.event.kind === 'request' && typeof r.event.requestId === 'string') ids.add(r.event.requestId);
  }
  return ids;
}

function verifyCli(configPath: string): { status: number | null; out: string } {
  const r = spawnSync(NODE, [CLI, 'audit', 'verify', '--config', configPath], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const sinks: Array<{ name: string; audit: (dir: string) => Record<string, unknown>; ids: (audit: Record<string, unknown>) => Promise<Set<string>> }> = [
  {
    name: 'sqlite',
    audit: (dir) => ({ sink: 'sqlite', path: join(dir, 'audit.db') }),
    ids: async (a) => {
      const r = openTrailReader(a.path as string, 'sqlite');
      try {
        return await requestIdsIn(r);
      } finally {
        await r.close();
      }
    },
  },
  ...(PG_URL
    ? [{
      name: 'postgres',
      audit: () => {
        const schema = uniqueSchema('crash');
        schemas.push(schema);
        return { sink: 'postgres', postgres: { url: PG_URL, schema, chain: 'crash-gw' } };
      },
      ids: async (a: Record<string, unknown>) => {
        const p = a.postgres as { url: string; schema: string; chain: string };
        const t = await PostgresTrail.open({ url: p.url, schema: p.schema });
        try {
          return await requestIdsIn(t.reader(p.chain));
        } finally {
          await t.close();
        }
      },
    }]
    : []),
];

describe.each(sinks)('crash safety, sync mode: $name', (sink) => {
  it('SIGKILL with calls in flight: after a restart every acknowledged call is in the trail and the chain verifies', async () => {
    const keyDir = (await import('node:fs')).mkdtempSync(join((await import('node:os')).tmpdir(), 'portcullis-crash-'));
    const keyFile = join(keyDir, 'audit.key');
    writeFileSync(keyFile, K.privatePem, { mode: 0o600 });
    const audit = { ...sink.audit(keyDir), mode: 'sync', checkpoint: { key: keyFile, every: 50 } };
    const gw = await startGateway({
      upstreams: { m: stdioUpstream(MODERN, ['--stdio']) },
      policy: { allow: [{ upstream: 'm', tools: ['echo'] }] },
      audit,
    });
    // Kill once a good number of calls have been answered, while the 8 workers keep calls in flight.
    const d = await driveAndKill(gw.url, gw.proc, 40);
    expect(d.acknowledged.size).toBeGreaterThanOrEqual(1);
    expect(d.inFlightAtKill).toBeGreaterThan(0);

    // The restart opens the trail (a torn or altered tail would refuse to start) and serves again.
    const again = await restart(gw.configPath);
    expect(await call(again.url, 'after-restart')).toBe(true);
    await stopProc(again.proc);

    const inTrail = await sink.ids(audit);
    const missing = [...d.acknowledged].filter((id) => !inTrail.has(id));
    expect(missing).toEqual([]);
    expect(inTrail.has('after-restart')).toBe(true);
    const v = verifyCli(gw.configPath);
    expect(v.out).toMatch(/intact: records 1\.\./);
    expect(v.status).toBe(0);
    (await import('node:fs')).rmSync(keyDir, { recursive: true, force: true });
    console.log(`${sink.name}: ${d.sent} calls sent, ${d.acknowledged.size} answered, ${d.inFlightAtKill} in flight at SIGKILL (${d.unanswered} never answered); all answered calls in the trail; ${v.out.trim()}`);
  }, 90_000);
});
