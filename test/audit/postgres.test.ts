/**
 * PostgreSQL specifics, beyond the shared contract: several replicas each with their own chain in one
 * schema, one writer per chain, a database that goes away and comes back, and the config wiring.
 * Runs only with PORTCULLIS_TEST_POSTGRES_URL; every schema made here is dropped at the end.
 */
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { openAuditTrail, type AuditTrailOptions } from '../../src/audit/trail.js';
import { auditLocation } from '../../src/audit/sinks.js';
import { runAudit } from '../../src/cli/audit.js';
import { GatewayError } from '../../src/errors.js';
import { ConfigSchema, crossCheck } from '../../src/config/schema.js';
import { cuttableProxy, event, keys, PG_URL, recordingLog, uniqueSchema } from './helpers.js';

const K = keys();
const schemas: string[] = [];
const fresh = (tag: string) => {
  const s = uniqueSchema(tag);
  schemas.push(s);
  return s;
};

afterAll(async () => {
  if (!PG_URL || schemas.length === 0) return;
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  await c.end();
});

function cli(args: string[]): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  return runAudit(args, { out: (s) => void out.push(s), err: (s) => void out.push(s) }).then((code) => ({ code, out: out.join('') }));
}

describe.skipIf(!PG_URL)('audit trail in PostgreSQL', () => {
  const url = PG_URL!;
  const at = (schema: string, chain: string) => ({ kind: 'postgres' as const, postgres: { url, schema, chain } });

  it('several replicas write their own chains into one schema; verify checks every chain and names the altered one', async () => {
    const schema = fresh('replicas');
    const sinks = await Promise.all(['gw-a', 'gw-b', 'gw-c'].map((chain) => openAuditTrail({ ...at(schema, chain), mode: 'sync', checkpoint: { key: K.privatePem, every: 10 }, log: recordingLog() })));
    // Interleaved, concurrent appends from all three, as replicas behind a load balancer would.
    await Promise.all(Array.from({ length: 90 }, (_, i) => sinks[i % 3]!.append(event(i + 1))));
    await Promise.all(sinks.map((s) => s.close()));
    const ok = await cli(['verify', '--db', url, '--schema', schema, `--key=${K.publicPem}`]);
    expect(ok.code).toBe(0);
    expect(ok.out.trim().split('\n')).toEqual([
      expect.stringMatching(/^chain gw-a: intact: records 1\.\.31 \(31\)/),
      expect.stringMatching(/^chain gw-b: intact: records 1\.\.31 \(31\)/),
      expect.stringMatching(/^chain gw-c: intact: records 1\.\.31 \(31\)/),
    ]);
    // An attacker with database access rewrites one record of one replica's chain.
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`UPDATE ${schema}.audit_records SET event = replace(event, '"alice"', '"mallory"') WHERE chain_id = 'gw-b' AND seq = 12`);
    await c.end();
    const bad = await cli(['verify', '--db', url, '--schema', schema, `--key=${K.publicPem}`]);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/^chain gw-a: intact/m);
    expect(bad.out).toMatch(/^chain gw-b: TAMPERED: record 12 \(edited\)/m);
    expect(bad.out).toMatch(/^chain gw-c: intact/m);
    // Search spans the chains and says which chain each record is in; --chain narrows to one.
    const hits = await cli(['search', '--db', url, '--schema', schema, '--decision', 'deny', '--json']);
    const rows = hits.out.trim().split('\n').map((l) => JSON.parse(l) as { chain: string; seq: number });
    expect(new Set(rows.map((r) => r.chain))).toEqual(new Set(['gw-a', 'gw-b', 'gw-c']));
    expect(rows).toHaveLength(18); // events 5, 10, ... 90
    const one = await cli(['search', '--db', url, '--schema', schema, '--chain', 'gw-a', '--decision', 'deny', '--json']);
    expect(one.out.trim().split('\n').every((l) => (JSON.parse(l) as { chain: string }).chain === 'gw-a')).toBe(true);
    // A JSONL export is one chain: asking for all of them is a usage error naming them.
    const exp = await cli(['export', '--db', url, '--schema', schema, '--format', 'jsonl']);
    expect(exp).toMatchObject({ code: 2, out: expect.stringMatching(/exports one chain: name it with --chain \(chains: gw-a, gw-b, gw-c\)/) });
    const csv = await cli(['export', '--db', url, '--schema', schema, '--format', 'csv']);
    expect(csv.out.split('\r\n')[0]).toMatch(/^chain,seq,hash,/);
    expect(csv.out.split('\r\n').filter((l) => l.startsWith('gw-c,'))).toHaveLength(31);
  });

  it('cross-witnessing: a chain deleted or truncated together with its checkpoints is contradicted by another chain', async () => {
    const schema = fresh('witness');
    const open = (chain: string) => openAuditTrail({ ...at(schema, chain), mode: 'sync', checkpoint: { key: K.privatePem, every: 10 }, log: recordingLog() });
    for (const chain of ['gw-a', 'gw-b']) {
      const sink = await open(chain);
      for (let i = 1; i <= 25; i++) await sink.append(event(i));
      await sink.close(); // ends signed at seq 26
    }
    const c = await open('gw-c'); // its open record witnesses gw-a and gw-b at seq 26
    await c.append(event(1));
    await c.close();
    const verifyAll = () => cli(['verify', '--db', url, '--schema', schema, `--key=${K.publicPem}`]);
    expect((await verifyAll()).code).toBe(0);
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    try {
      // gw-b cut back to seq 15 with its checkpoints: consistent in itself, so its own walk passes.
      await db.query(`DELETE FROM ${schema}.audit_records WHERE chain_id = 'gw-b' AND seq > 15`);
      await db.query(`DELETE FROM ${schema}.audit_checkpoints WHERE chain_id = 'gw-b' AND seq > 15`);
      // gw-a removed altogether, registry row included.
      for (const t of ['audit_records', 'audit_checkpoints', 'audit_chains']) await db.query(`DELETE FROM ${schema}.${t} WHERE chain_id = 'gw-a'`);
    } finally {
      await db.end();
    }
    const v = await verifyAll();
    expect(v.code).toBe(1);
    expect(v.out).toMatch(/^chain gw-b: intact: records 1\.\.15/m);
    expect(v.out).toMatch(/^chain gw-b: TAMPERED: record 26 is missing \(truncated with its checkpoints\): chain gw-c record 1 saw it signed at seq 26/m);
    // gw-b's own open record already saw gw-a: whichever chain witnessed it first is named.
    expect(v.out).toMatch(/^chain gw-a: TAMPERED: the chain is missing \(deleted\): chain gw-[bc] record 1 saw it signed at seq 26/m);
  });

  it('chain names read back from an edited database reach no terminal unfiltered', async () => {
    const schema = fresh('names');
    const sink = await openAuditTrail({ ...at(schema, 'gw-1'), mode: 'sync', checkpoint: false, log: recordingLog() });
    await sink.close();
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    await db.query(`INSERT INTO ${schema}.audit_chains (chain_id, created_at) VALUES ($1, 'x')`, ['evil\u001b[2J\u0007']);
    await db.end();
    for (const args of [['verify'], ['search', '--decision', 'allow'], ['export', '--format', 'csv']]) {
      const r = await cli([...args, '--db', url, '--schema', schema]);
      expect(/\p{Cc}/u.test(r.out.replace(/[\n\r]/g, ''))).toBe(false);
    }
    expect((await cli(['verify', '--db', url, '--schema', schema])).out).toContain('chain evil??2J?: intact');
  });

  it('one writer per chain: a second process with the same chain id is refused at start, not allowed to fork it', async () => {
    const schema = fresh('onewriter');
    const a = await openAuditTrail({ ...at(schema, 'gw-1'), mode: 'sync', checkpoint: false, log: recordingLog() });
    await expect(openAuditTrail({ ...at(schema, 'gw-1'), mode: 'sync', checkpoint: false, log: recordingLog() })).rejects.toThrow(/another process is writing this chain.*audit\.postgres\.chain/);
    await a.append(event(1));
    await a.close();
    // Once the first has gone, the same identity resumes its chain (a restart), and it verifies.
    const again = await openAuditTrail({ ...at(schema, 'gw-1'), mode: 'sync', checkpoint: false, log: recordingLog() });
    await again.append(event(2));
    await again.close();
    expect(await cli(['verify', '--db', url, '--schema', schema])).toMatchObject({ code: 0, out: expect.stringMatching(/chain gw-1: intact: records 1\.\.4 \(4\)/) });
  });

  it('the database going away: sync calls are refused with a clear error, async records are counted lost, and both resume on one unbroken chain', async () => {
    const schema = fresh('down');
    const proxy = await cuttableProxy(new URL(url));
    try {
      const log = recordingLog();
      const options = (chain: string, mode: 'sync' | 'async'): AuditTrailOptions => ({ kind: 'postgres', postgres: { url: proxy.url, schema, chain }, mode, maxQueue: 50, flushMs: 5, checkpoint: { key: K.privatePem, every: 10 }, log });
      const sync = await openAuditTrail(options('sync', 'sync'));
      const async_ = await openAuditTrail(options('async', 'async'));
      await sync.append(event(1));
      proxy.cut();
      const refused = await sync.append(event(2)).then(() => undefined, (e: unknown) => e);
      expect(refused).toBeInstanceOf(GatewayError);
      expect((refused as Error).message).toMatch(/^audit trail unavailable: /);
      expect(sync.stats()).toMatchObject({ healthy: false, rejected: 1 });
      for (let i = 1; i <= 5; i++) void async_.append(event(i));
      await async_.flush();
      expect(async_.stats().lost.write).toBe(5);
      expect(log.lines.filter((l) => l.msg === 'audit record lost')).toHaveLength(5);
      proxy.restore();
      // The server notices the dropped sessions (and frees their writer locks) shortly; retry, bounded.
      let resumed = false;
      for (let i = 0; i < 50 && !resumed; i++) {
        resumed = await sync.append(event(3)).then(() => true, () => false);
        if (!resumed) await new Promise((r) => setTimeout(r, 100));
      }
      expect(resumed).toBe(true);
      expect(sync.stats().healthy).toBe(true);
      void async_.append(event(6));
      for (let i = 0; i < 50 && async_.stats().written < 2; i++) {
        await async_.flush();
        if (async_.stats().written < 2) await new Promise((r) => setTimeout(r, 100));
      }
      expect(async_.stats().written).toBeGreaterThanOrEqual(2);
      await Promise.all([sync.close(), async_.close()]);
    } finally {
      await proxy.close();
    }
    const v = await cli(['verify', '--db', url, '--schema', schema, `--key=${K.publicPem}`]);
    expect(v.code).toBe(0);
    expect(v.out).toMatch(/chain sync: intact: records 1\.\.\d+/);
  });

  it('refuses to start when the database cannot be reached, naming it without the password', async () => {
    const u = new URL(url);
    u.port = '1';
    u.password = 's3cret';
    const err = await openAuditTrail({ kind: 'postgres', postgres: { url: u.toString(), schema: 'portcullis', chain: 'x' }, mode: 'sync', checkpoint: false, log: recordingLog() }).then(() => undefined, (e: unknown) => e as Error);
    expect(err?.message).toMatch(/cannot reach PostgreSQL/);
    expect(err?.message).not.toContain('s3cret');
  });
});

describe('postgres sink configuration', () => {
  it('takes the URL and schema from audit.postgres, else from storage.postgres; the chain defaults to the host name', () => {
    const own = ConfigSchema.parse({ audit: { sink: 'postgres', postgres: { url: 'postgres://db/audit', schema: 'trail', chain: 'gw-1' }, checkpoint: false } });
    expect(auditLocation(own)).toEqual({ kind: 'postgres', postgres: { url: 'postgres://db/audit', schema: 'trail', chain: 'gw-1' } });
    const shared = ConfigSchema.parse({ audit: { sink: 'postgres', checkpoint: false }, storage: { postgres: { url: 'postgres://db/state', schema: 'state' } } });
    const loc = auditLocation(shared);
    expect(loc).toMatchObject({ kind: 'postgres', postgres: { url: 'postgres://db/state', schema: 'state' } });
    expect(loc?.kind === 'postgres' && /^[A-Za-z0-9_.:-]{1,64}$/.test(loc.postgres.chain)).toBe(true);
  });

  it('a postgres sink with no URL anywhere, or a chain id that is not a plain name, is a config error', () => {
    expect(crossCheck({ audit: { sink: 'postgres', checkpoint: false } })).toContainEqual({ path: 'audit.postgres.url', message: expect.stringMatching(/needs a URL/) });
    expect(crossCheck({ audit: { sink: 'postgres', checkpoint: false }, storage: { postgres: { url: 'postgres://db/x' } } })).toEqual([]);
    expect(ConfigSchema.safeParse({ audit: { sink: 'postgres', postgres: { url: 'postgres://db/x', chain: 'a b;drop' } } }).success).toBe(false);
    expect(crossCheck({ audit: { sink: 'postgres', postgres: { url: 'postgres://db/x' } } })).toContainEqual(expect.objectContaining({ path: 'audit.checkpoint.key' }));
  });
});
