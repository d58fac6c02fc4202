/**
 * The audit store going down under a running gateway (dist/, a real process). sync: calls are refused
 * with a clear error, the gateway stays up and reports not-ready, and recovers by itself when the store
 * is back; async: calls go on, every record that could not be written is counted in
 * portcullis_audit_lost_records and logged. Either way the chain verifies afterwards. SQLite (a writer lock
 * held by another process) always; PostgreSQL (a TCP hop that drops every connection) with
 * PORTCULLIS_TEST_POSTGRES_URL.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { CLI, MODERN, NODE, ROOT, spawnProc, startGateway, stdioUpstream, stopAll, stopProc, tempDir, waitFor, withTimeout, type Gateway } from '../e2e/helpers.js';
import { cuttableProxy, keys, PG_URL, uniqueSchema } from './helpers.js';

const K = keys();
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await stopAll();
  for (const c of cleanups.splice(0)) await c().catch(() => undefined);
});

const V = '2026-07-28';
let nextId = 1;

/** A stateless tools/call; the JSON-RPC reply (result or error). */
async function call(url: string): Promise<{ result?: { content?: Array<{ text?: string }> }; error?: { code: number; message: string; data?: { reason?: string } } }> {
  const id = `down-${nextId++}`;
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': V, 'mcp-method': 'tools/call', 'mcp-name': 'm__echo' },
    body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'm__echo', arguments: { message: id }, _meta: { 'io.modelcontextprotocol/protocolVersion': V, 'io.modelcontextprotocol/clientCapabilities': {} } } }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  const data = text.trimStart().startsWith('{') ? text : (/^data: (.*)$/m.exec(text)?.[1] ?? '{}');
  return JSON.parse(data) as Awaited<ReturnType<typeof call>>;
}

interface Store {
  name: string;
  /** The audit section (without mode) pointing at a fresh store. */
  audit(dir: string): Promise<Record<string, unknown>>;
  down(): Promise<void>;
  up(): Promise<void>;
}

function sqliteStore(): Store {
  let path = '';
  let holder: Database.Database | undefined;
  return {
    name: 'sqlite',
    async audit(dir) {
      path = join(dir, 'audit.db');
      return { sink: 'sqlite', path };
    },
    // Another process holds the write lock: the gateway's commits give up after SQLite's busy timeout.
    async down() {
      holder = new Database(path);
      holder.exec('BEGIN EXCLUSIVE');
    },
    async up() {
      holder?.exec('ROLLBACK');
      holder?.close();
      holder = undefined;
    },
  };
}

function postgresStore(url: string): Store {
  let proxy: Awaited<ReturnType<typeof cuttableProxy>> | undefined;
  return {
    name: 'postgres',
    async audit() {
      const schema = uniqueSchema('down');
      proxy = await cuttableProxy(new URL(url));
      const p = proxy;
      cleanups.push(async () => {
        await p.close();
        const c = new pg.Client({ connectionString: url });
        await c.connect();
        await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await c.end();
      });
      return { sink: 'postgres', postgres: { url: proxy.url, schema, chain: 'gw-down' } };
    },
    async down() {
      proxy!.cut();
    },
    async up() {
      proxy!.restore();
    },
  };
}

const stores = (): Store[] => [sqliteStore(), ...(PG_URL ? [postgresStore(PG_URL)] : [])];

async function gateway(store: Store, mode: 'sync' | 'async'): Promise<{ gw: Gateway; admin: string }> {
  const dir = tempDir();
  const keyFile = join(dir, 'audit.key');
  writeFileSync(keyFile, K.privatePem, { mode: 0o600 });
  const gw = await startGateway({
    log: { level: 'info' },
    admin: { enabled: true, host: '127.0.0.1', port: 0 },
    upstreams: { m: stdioUpstream(MODERN, ['--stdio']) },
    policy: { allow: [{ upstream: 'm', tools: ['echo'] }] },
    audit: { ...(await store.audit(dir)), mode, queue: { flushMs: 20 }, checkpoint: { key: keyFile, every: 100 } },
  });
  await waitFor(() => /admin listener ready/.test(gw.proc.stderr()), 15_000, 'admin listener');
  return { gw, admin: /"url":"(http:\/\/127\.0\.0\.1:\d+)\/metrics"/.exec(gw.proc.stderr())![1]! };
}

/** Asynchronous on purpose: the PostgreSQL hop lives in this process and must keep forwarding meanwhile. */
async function verifyCli(configPath: string): Promise<{ status: number | null; out: string }> {
  const p = spawnProc(NODE, [CLI, 'audit', 'verify', '--config', configPath], { cwd: ROOT });
  const status = await withTimeout(p.exited, 60_000, 'audit verify');
  return { status, out: `${p.stdout()}${p.stderr()}` };
}

describe.each(stores())('audit store down under a running gateway: $name', (store) => {
  it('sync: calls are refused with a clear error, the gateway stays up (not ready), and recovers when the store is back', async () => {
    const { gw, admin } = await gateway(store, 'sync');
    expect((await call(gw.url)).result?.content?.[0]?.text).toMatch(/^echo: /);
    await store.down();
    const refused = await call(gw.url);
    expect(refused.result).toBeUndefined();
    expect(refused.error?.data?.reason).toBe('audit_unavailable');
    expect(refused.error?.message).toMatch(/audit/i);
    expect(gw.proc.alive()).toBe(true);
    expect((await fetch(`${admin}/readyz`)).status).toBe(503);
    await store.up();
    // The gate lets calls through again once a record is written (its own refusals are records it tries).
    let back = false;
    for (let i = 0; i < 40 && !back; i++) {
      back = (await call(gw.url)).result !== undefined;
      if (!back) await new Promise((r) => setTimeout(r, 250));
    }
    expect(back).toBe(true);
    expect((await fetch(`${admin}/readyz`)).status).toBe(200);
    await stopProc(gw.proc);
    const v = await verifyCli(gw.configPath);
    expect(v.out).toMatch(/intact: records 1\.\./);
    expect(v.status).toBe(0);
  }, 120_000);

  it('async: calls go on while the store is down; every record not written is counted and logged, and the chain stays intact', async () => {
    const { gw, admin } = await gateway(store, 'async');
    await store.down();
    for (let i = 0; i < 3; i++) expect((await call(gw.url)).result?.content?.[0]?.text).toMatch(/^echo: /);
    const lost = async () => Number(/^portcullis_audit_lost_records (\d+)/m.exec(await (await fetch(`${admin}/metrics`)).text())?.[1] ?? 0);
    await waitFor(async () => (await lost()) >= 3, 30_000, 'lost records in the metric');
    expect(gw.proc.stderr()).toMatch(/audit record lost/);
    await store.up();
    await stopProc(gw.proc);
    const v = await verifyCli(gw.configPath);
    expect(v.out).toMatch(/intact: records 1\.\./);
    expect(v.status).toBe(0);
  }, 120_000);
});
