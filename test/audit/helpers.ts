/**
 * Test helpers: events, keys, a log that records lines, and one harness per backend that tampers with a
 * REAL stored trail the way an attacker with write access to the file or the database would.
 */
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AuditEvent } from '../../src/pipeline/types.js';
import { GENESIS, recordHash, type Checkpoint, type Cut, type StoredRecord } from '../../src/audit/chain.js';
import { eachRecord, isMalformed, type TrailReader } from '../../src/audit/store.js';
import { openAuditTrail, openTrailReader, type AuditTrailOptions, type TrailLocation } from '../../src/audit/trail.js';
import { PostgresTrail } from '../../src/audit/postgres.js';
import { checkpointLine, cutLine, recordLine } from '../../src/audit/jsonl.js';
import { ChainedAuditSink } from '../../src/audit/durable.js';
import type { AuditLog, DurabilityMode } from '../../src/audit/port.js';
import { JsonlTrailBackend } from '../../src/audit/jsonl.js';

export function event(n: number, over: Partial<AuditEvent> = {}): AuditEvent {
  return {
    time: new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString(),
    id: `gw-${n}`,
    traceId: n.toString(16).padStart(32, '0'),
    direction: 'inbound',
    kind: 'request',
    transport: 'http',
    era: 'legacy',
    principal: { subject: n % 3 === 0 ? 'bob' : 'alice', roles: ['analyst'] },
    session: 's-1',
    upstream: 'fs',
    method: 'tools/call',
    target: n % 2 === 0 ? 'read_file' : 'write_file',
    requestId: n,
    outcome: n % 5 === 0 ? 'denied' : 'allowed',
    ...(n % 5 === 0 ? { reason: 'denied', rule: 'allow.0' } : { rule: 'allow.1' }),
    stages: [{ stage: 'allowlist', verdict: n % 5 === 0 ? 'deny' : 'pass', ms: 0.01 }],
    latencyMs: 1.5,
    result: { bytes: 10 * n, isError: false },
    ...over,
  };
}

export function keys(): { privateKey: KeyObject; publicKey: KeyObject; privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey, publicKey,
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

const made: string[] = [];

export function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-audit-'));
  made.push(dir);
  return dir;
}

/** For afterAll: remove every directory tmp() made. */
export function cleanup(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function recordingLog(): AuditLog & { lines: Array<{ msg: string; obj: object }> } {
  const lines: Array<{ msg: string; obj: object }> = [];
  return { lines, warn: (obj, msg) => lines.push({ obj, msg }), error: (obj, msg) => lines.push({ obj, msg }) };
}

/** The whole trail as data, for tampering. */
export interface Trail {
  records: StoredRecord[];
  checkpoints: Checkpoint[];
  cuts: Cut[];
}

async function readAll(r: TrailReader): Promise<Trail> {
  const records: StoredRecord[] = [];
  for await (const x of eachRecord(r)) if (!isMalformed(x)) records.push(x);
  return { records, checkpoints: await r.checkpoints(), cuts: await r.cuts() };
}

/** A file trail as data. */
export async function load(path: string): Promise<Trail> {
  const r = openTrailReader(path);
  try {
    return await readAll(r);
  } finally {
    await r.close();
  }
}

/** Recompute every hash from `fromSeq` on, as an attacker without the signing key can. */
export function rechain(records: StoredRecord[], fromIndex: number): StoredRecord[] {
  let prev = fromIndex === 0 ? GENESIS : records[fromIndex - 1]!.hash;
  return records.map((r, i) => {
    if (i < fromIndex) return r;
    const hash = recordHash(r.seq, prev, r.event, r.skewMs);
    const out = { ...r, prevHash: prev, hash };
    prev = hash;
    return out;
  });
}

export type WriterOptions = Omit<AuditTrailOptions, 'kind' | 'path' | 'postgres'>;

/**
 * One backend, for the shared contract: where a fresh trail lives, how to read it, and how an attacker
 * with write access to the store (the file, or the database) rewrites it.
 */
export interface Harness {
  readonly name: 'sqlite' | 'jsonl' | 'postgres';
  /** A new, empty trail location. */
  fresh(): Promise<TrailLocation>;
  open(at: TrailLocation, o: WriterOptions): Promise<ChainedAuditSink>;
  reader(at: TrailLocation): Promise<TrailReader>;
  load(at: TrailLocation): Promise<Trail>;
  save(at: TrailLocation, t: Trail): Promise<void>;
  /** Swap two records as they sit in storage (rows keyed by seq keep their keys: their contents move). */
  swap(t: Trail, a: number, b: number): Trail;
  /** A trail whose writes fail at run time, and how to make it writable again (when the medium allows). */
  unwritable(mode: DurabilityMode, log: AuditLog, key: KeyObject): Promise<{ sink: ChainedAuditSink; restore?: () => Promise<void> }>;
  /** A location that holds something that is not a Portcullis trail (a file overwritten, foreign tables). */
  foreign(): Promise<TrailLocation>;
  /** How `portcullis audit` is pointed at this trail. */
  cliArgs(at: TrailLocation): string[];
  /** The message a refused foreign store must give. */
  readonly foreignMessage: RegExp;
  cleanup(): Promise<void>;
}

const byIndex = (t: Trail, seq: number) => t.records.findIndex((r) => r.seq === seq);
const openAt = (at: TrailLocation, o: WriterOptions) => openAuditTrail({ ...at, ...o } as AuditTrailOptions);
const pathOf = (at: TrailLocation): string => {
  if (at.kind === 'postgres') throw new Error('not a file trail');
  return at.path;
};
const fileReader = async (at: TrailLocation): Promise<TrailReader> => openTrailReader(pathOf(at), at.kind === 'jsonl' ? 'jsonl' : 'sqlite');
const keyedSwap = (t: Trail, a: number, b: number): Trail => {
  const records = [...t.records];
  const [i, j] = [byIndex(t, a), byIndex(t, b)];
  [records[i], records[j]] = [{ ...records[j]!, seq: a }, { ...records[i]!, seq: b }];
  return { ...t, records };
};
const GARBAGE = 'this is not an audit trail, it is a file that was overwritten by accident\n'.repeat(200);

export function saveSqlite(path: string, t: Trail): void {
  const db = new Database(path);
  db.transaction(() => {
    db.exec('DELETE FROM records; DELETE FROM checkpoints; DELETE FROM cuts;');
    const ins = db.prepare('INSERT INTO records (seq, prev_hash, hash, skew_ms, event) VALUES (?, ?, ?, ?, ?)');
    for (const r of t.records) ins.run(r.seq, r.prevHash, r.hash, r.skewMs ?? null, JSON.stringify(r.event));
    const cp = db.prepare('INSERT INTO checkpoints (seq, hash, time, signature) VALUES (?, ?, ?, ?)');
    for (const c of t.checkpoints) cp.run(c.seq, c.hash, c.time, c.signature);
    const cut = db.prepare('INSERT INTO cuts (from_seq, prev_hash, audit_seq, time, signature) VALUES (?, ?, ?, ?, ?)');
    for (const c of t.cuts) cut.run(c.fromSeq, c.prevHash, c.auditSeq, c.time, c.signature);
  })();
  db.close();
}

export function saveJsonl(path: string, t: Trail): void {
  let text = t.cuts.map(cutLine).join('');
  const cps = [...t.checkpoints].sort((a, b) => a.seq - b.seq);
  let ci = 0;
  for (const r of t.records) {
    text += recordLine({ seq: r.seq, prevHash: r.prevHash, hash: r.hash, ...(r.skewMs === undefined ? {} : { skewMs: r.skewMs }), eventJson: JSON.stringify(r.event) });
    for (; ci < cps.length && cps[ci]!.seq <= r.seq; ci++) text += checkpointLine(cps[ci]!);
  }
  for (; ci < cps.length; ci++) text += checkpointLine(cps[ci]!);
  writeFileSync(path, text);
}

export const sqliteHarness: Harness = {
  name: 'sqlite',
  fresh: async () => ({ kind: 'sqlite', path: join(tmp(), 'audit.db') }),
  open: openAt,
  reader: fileReader,
  load: (at) => load(pathOf(at)),
  save: async (at, t) => saveSqlite(pathOf(at), t),
  swap: keyedSwap,
  async unwritable(mode, log, key) {
    const path = join(tmp(), 'locked.db');
    const sink = await openAuditTrail({ kind: 'sqlite', path, mode, busyTimeoutMs: 20, checkpoint: { key, every: 10 }, log });
    // Another connection holds the write lock: every commit of ours fails with SQLITE_BUSY, as on a stuck disk.
    const holder = new Database(path);
    holder.exec('BEGIN EXCLUSIVE');
    return {
      sink,
      restore: async () => {
        holder.exec('ROLLBACK');
        holder.close();
      },
    };
  },
  async foreign() {
    const path = join(tmp(), 'audit.db');
    writeFileSync(path, GARBAGE);
    return { kind: 'sqlite', path };
  },
  cliArgs: (at) => ['--db', pathOf(at)],
  foreignMessage: /corrupt or not a SQLite database/,
  cleanup: async () => undefined,
};

export const jsonlHarness: Harness = {
  name: 'jsonl',
  fresh: async () => ({ kind: 'jsonl', path: join(tmp(), 'audit.jsonl') }),
  open: openAt,
  reader: fileReader,
  load: (at) => load(pathOf(at)),
  save: async (at, t) => saveJsonl(pathOf(at), t),
  swap(t, a, b) {
    const records = [...t.records];
    const [i, j] = [byIndex(t, a), byIndex(t, b)];
    [records[i], records[j]] = [records[j]!, records[i]!];
    return { ...t, records };
  },
  async unwritable(mode, log, key) {
    // /dev/full accepts the open and fails every write with ENOSPC: a full disk, for real.
    const backend = new JsonlTrailBackend('/dev/full', { fsync: mode === 'sync' });
    const state = backend.open(10);
    const sink = new ChainedAuditSink(backend, { mode, maxQueue: 100, maxBatch: 50, flushMs: 5, checkpoint: { every: 10, intervalMs: 60_000, key }, log }, { head: { seq: 0, hash: GENESIS, maxTimeMs: -Infinity }, start: state.start, lastCheckpointSeq: 0 });
    return { sink };
  },
  async foreign() {
    const path = join(tmp(), 'audit.jsonl');
    writeFileSync(path, GARBAGE);
    return { kind: 'jsonl', path };
  },
  cliArgs: (at) => ['--db', pathOf(at)],
  foreignMessage: /do not verify/,
  cleanup: async () => undefined,
};

export const PG_URL = process.env.PORTCULLIS_TEST_POSTGRES_URL;

/** A schema name no other test file or run uses. */
export function uniqueSchema(tag: string): string {
  return `audit_${tag}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/**
 * PostgreSQL: every trail of a run is its own chain in one schema made for the run (the layout of
 * several replicas); tests that lock or break tables get a schema of their own. All dropped at the end.
 */
export function postgresHarness(url: string): Harness {
  const runSchema = uniqueSchema('contract');
  const schemas = new Set<string>([runSchema]);
  let n = 0;
  const admin = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };
  const loc = (schema: string, chain: string): TrailLocation => ({ kind: 'postgres', postgres: { url, schema, chain } });
  const where = (at: TrailLocation) => {
    if (at.kind !== 'postgres') throw new Error('not a postgres trail');
    return at.postgres;
  };
  const h: Harness = {
    name: 'postgres',
    fresh: async () => loc(runSchema, `replica-${++n}`),
    open: openAt,
    async reader(at) {
      const { schema, chain } = where(at);
      const trail = await PostgresTrail.open({ url, schema });
      const r = trail.reader(chain);
      return { where: r.where, records: (from) => r.records(from), checkpoints: () => r.checkpoints(), cuts: () => r.cuts(), close: () => trail.close() };
    },
    async load(at) {
      const r = await h.reader(at);
      try {
        return await readAll(r);
      } finally {
        await r.close();
      }
    },
    async save(at, t) {
      const { schema, chain } = where(at);
      await admin(async (c) => {
        await c.query('BEGIN');
        for (const table of ['audit_records', 'audit_checkpoints', 'audit_cuts']) await c.query(`DELETE FROM ${schema}.${table} WHERE chain_id = $1`, [chain]);
        for (const r of t.records) {
          await c.query(`INSERT INTO ${schema}.audit_records (chain_id, seq, prev_hash, hash, skew_ms, event) VALUES ($1, $2, $3, $4, $5, $6)`, [chain, r.seq, r.prevHash, r.hash, r.skewMs ?? null, JSON.stringify(r.event)]);
        }
        for (const x of t.checkpoints) await c.query(`INSERT INTO ${schema}.audit_checkpoints (chain_id, seq, hash, time, signature) VALUES ($1, $2, $3, $4, $5)`, [chain, x.seq, x.hash, x.time, x.signature]);
        for (const x of t.cuts) {
          await c.query(`INSERT INTO ${schema}.audit_cuts (chain_id, from_seq, prev_hash, audit_seq, time, signature) VALUES ($1, $2, $3, $4, $5, $6)`, [chain, x.fromSeq, x.prevHash, x.auditSeq, x.time, x.signature]);
        }
        await c.query('COMMIT');
      });
    },
    swap: keyedSwap,
    async unwritable(mode, log, key) {
      const schema = uniqueSchema('locked');
      schemas.add(schema);
      const sink = await openAuditTrail({ ...loc(schema, 'locked'), mode, busyTimeoutMs: 50, checkpoint: { key, every: 10 }, log } as AuditTrailOptions);
      // Another session holds the table: every insert of ours gives up at lock_timeout, as on a stuck database.
      const holder = new pg.Client({ connectionString: url });
      await holder.connect();
      await holder.query('BEGIN');
      await holder.query(`LOCK TABLE ${schema}.audit_records IN EXCLUSIVE MODE`);
      return {
        sink,
        restore: async () => {
          await holder.query('ROLLBACK');
          await holder.end();
        },
      };
    },
    async foreign() {
      const schema = uniqueSchema('foreign');
      schemas.add(schema);
      // Someone else's table of the same name: refused, never written into or adopted.
      await admin((c) => c.query(`CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.audit_records (id SERIAL PRIMARY KEY, body TEXT); INSERT INTO ${schema}.audit_records (body) VALUES ('theirs')`));
      return loc(schema, 'replica-1');
    },
    cliArgs: (at) => ['--db', url, '--schema', where(at).schema, '--chain', where(at).chain],
    foreignMessage: /holds audit_\* tables that are not a Portcullis audit trail/,
    async cleanup() {
      await admin(async (c) => {
        for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
      });
    },
  };
  return h;
}

/** A TCP hop in front of PostgreSQL that can drop every connection and refuse new ones: the database "down". */
export async function cuttableProxy(target: URL): Promise<{ url: string; cut(): void; restore(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let refusing = false;
  const server: Server = createServer((client) => {
    if (refusing) return client.destroy();
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const url = new URL(target.toString());
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    cut: () => {
      refusing = true;
      for (const s of sockets) s.destroy();
    },
    restore: () => {
      refusing = false;
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** sqlite and jsonl always; postgres when PORTCULLIS_TEST_POSTGRES_URL is set. */
export function harnesses(): Harness[] {
  return [sqliteHarness, jsonlHarness, ...(PG_URL ? [postgresHarness(PG_URL)] : [])];
}

export function lines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');
}
