/**
 * The trail in PostgreSQL, for several replicas. Each replica keeps its own chain: rows are keyed
 * (chain_id, seq) and a chain has exactly one writer, held by a session advisory lock on the writer's
 * connection (released by the server if the process dies). The tables mirror the SQLite backend's with a
 * chain column; a batch and the checkpoints it makes due are one INSERT statement, hence one transaction
 * and one round trip. Durability follows `fsync`: synchronous_commit on (the commit is flushed to the WAL
 * before it returns) or off (survives a gateway crash, not a database crash). See docs/audit.md.
 */
import pg from 'pg';
import type { Checkpoint, Cut, SealedRecord } from './chain.js';
import { GENESIS } from './chain.js';
import { safeUrl } from '../storage/sql.js';
import { AuditTrailError, toCheckpoint, toCut, toRecord, type OpenState, type ReadItem, type TrailBackend, type TrailReader } from './store.js';

const FORMAT = 1;
const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;
/** A chain id is printed in reports and used in file names of exports: keep it plain. */
export const CHAIN_ID = /^[A-Za-z0-9_.:-]{1,64}$/;
/** The advisory-lock namespace (first key of the two-int form); the second is hashtext(schema:chain). */
const LOCK_NS = 727_275;
const PAGE = 2000;
/** Chains witnessed in one open record, so the record stays small however many replicas came and went. */
const MAX_WITNESS = 256;
const COLUMNS = ['chain_id', 'seq', 'prev_hash', 'hash', 'skew_ms', 'event'];
/** The schema as an SQL identifier (already checked against IDENT; quoted so reserved words work too). */
const q = (schema: string) => `"${schema}"`;

const ddl = (s: string) => `
CREATE TABLE IF NOT EXISTS ${s}.audit_format (format INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS ${s}.audit_chains (chain_id TEXT PRIMARY KEY, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ${s}.audit_records (chain_id TEXT NOT NULL, seq BIGINT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL, skew_ms BIGINT, event TEXT NOT NULL, PRIMARY KEY (chain_id, seq));
CREATE TABLE IF NOT EXISTS ${s}.audit_checkpoints (chain_id TEXT NOT NULL, seq BIGINT NOT NULL, hash TEXT NOT NULL, time TEXT NOT NULL, signature TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_checkpoints_chain_seq ON ${s}.audit_checkpoints (chain_id, seq);
CREATE TABLE IF NOT EXISTS ${s}.audit_cuts (chain_id TEXT NOT NULL, from_seq BIGINT NOT NULL, prev_hash TEXT NOT NULL, audit_seq BIGINT NOT NULL, time TEXT NOT NULL, signature TEXT NOT NULL);
`;

export interface PostgresTrailOptions {
  readonly url: string;
  /** The schema holding the audit_* tables (created if missing when writing). */
  readonly schema: string;
  /** This writer's chain; readers see every chain. */
  readonly chain: string;
}

export interface PostgresWriterOptions extends PostgresTrailOptions {
  /** synchronous_commit on (power-loss durable on the database host) or off. */
  readonly fsync: boolean;
  /** How long a write may wait for a lock before it fails (lock_timeout), like SQLite's busy timeout. */
  readonly lockTimeoutMs?: number;
  /** How long any query may take before the write fails and the sink reports the store down. */
  readonly queryTimeoutMs?: number;
  readonly connectTimeoutMs?: number;
  /** How long to wait at start for the chain's writer lock (default 2 s), for a predecessor that just died. */
  readonly lockWaitMs?: number;
}

// BIGINT columns are read as float8: exact to 2^53, and a JS number rather than pg's string for int8.
type RecordRow = { seq: number; prev_hash: string; hash: string; skew_ms: number | null; event: string };


function checkIdents(o: { schema: string; chain?: string }, where: string): void {
  if (!IDENT.test(o.schema)) throw new AuditTrailError(`${where}: schema "${o.schema}" is not a plain lower-case SQL name`);
  if (o.chain !== undefined && !CHAIN_ID.test(o.chain)) throw new AuditTrailError(`${where}: chain id "${o.chain}" must be 1-64 letters, digits, '_', '.', ':' or '-'`);
}

function readRow(r: RecordRow, chain: string): ReadItem {
  const seq = r.seq;
  const at = `chain ${chain} row seq=${r.seq}`;
  let event: unknown;
  try {
    event = JSON.parse(r.event);
  } catch {
    return { malformed: 'event is not valid JSON', at, seq };
  }
  return toRecord({ seq, prevHash: r.prev_hash, hash: r.hash, event, ...(r.skew_ms === null ? {} : { skewMs: r.skew_ms }) }, at);
}

async function connect(o: PostgresTrailOptions, extra: pg.ClientConfig, where: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: o.url, connectionTimeoutMillis: 5000, keepAlive: true, application_name: 'portcullis-audit', ...extra });
  // An idle connection that breaks emits 'error'; unhandled, that would end the process. The next query reports it.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw new AuditTrailError(`${where}: cannot reach PostgreSQL (${(err as Error).message})`);
  }
  return client;
}

/**
 * Is the schema an audit trail of ours? 'absent' when there are no audit tables yet. A schema holding
 * tables of that name that are not ours, or of another format, is refused rather than written into.
 */
async function inspect(c: pg.Client, schema: string, where: string): Promise<'ours' | 'absent'> {
  const cols = await c.query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name LIKE 'audit\\_%'`, [schema]);
  const byTable = new Map<string, string[]>();
  for (const r of cols.rows) byTable.set(r.table_name, [...(byTable.get(r.table_name) ?? []), r.column_name]);
  if (byTable.size === 0) return 'absent';
  const recordCols = byTable.get('audit_records');
  if (!recordCols || !byTable.has('audit_format') || !COLUMNS.every((c) => recordCols.includes(c))) {
    throw new AuditTrailError(`${where}: schema "${schema}" holds audit_* tables that are not a Portcullis audit trail. Refusing to start a new audit chain over them: use another schema (audit.postgres.schema) or move them aside.`);
  }
  const f = await c.query<{ format: number }>(`SELECT format FROM ${q(schema)}.audit_format`);
  const format = f.rows[0]?.format;
  if (f.rows.length !== 1 || format !== FORMAT) {
    throw new AuditTrailError(`${where}: schema "${schema}": audit trail format ${f.rows.map((r) => r.format).join(',') || 'missing'}, this version reads format ${FORMAT}. Refusing to write to it.`);
  }
  for (const t of ['audit_chains', 'audit_checkpoints', 'audit_cuts']) {
    if (!byTable.has(t)) throw new AuditTrailError(`${where}: schema "${schema}": the audit trail is missing table ${t}`);
  }
  return 'ours';
}

/** One chain's records, checkpoints and cuts, read through a connection the caller owns. */
export class PostgresTrailReader implements TrailReader {
  /** `schema` arrives quoted. */
  constructor(readonly where: string, private readonly client: pg.Client, private readonly schema: string, readonly chain: string) {}

  async *records(fromSeq = 1): AsyncIterable<ReadItem> {
    // Keyset pages: bounded memory whatever the trail's size, and no cursor held across the caller's work.
    let after = fromSeq - 1;
    for (;;) {
      const page = await this.client.query<RecordRow>(
        `SELECT seq::float8 AS seq, prev_hash, hash, skew_ms::float8 AS skew_ms, event FROM ${this.schema}.audit_records WHERE chain_id = $1 AND seq > $2 ORDER BY seq LIMIT ${PAGE}`,
        [this.chain, after],
      );
      for (const r of page.rows) yield readRow(r, this.chain);
      if (page.rows.length < PAGE) return;
      after = page.rows[page.rows.length - 1]!.seq;
    }
  }

  async checkpoints(): Promise<Checkpoint[]> {
    const r = await this.client.query(`SELECT seq::float8 AS seq, hash, time, signature FROM ${this.schema}.audit_checkpoints WHERE chain_id = $1 ORDER BY seq`, [this.chain]);
    return r.rows.map((x) => toCheckpoint(x) ?? { seq: -1, hash: '', time: '', signature: '' });
  }

  async cuts(): Promise<Cut[]> {
    const r = await this.client.query(
      `SELECT from_seq::float8 AS "fromSeq", prev_hash AS "prevHash", audit_seq::float8 AS "auditSeq", time, signature FROM ${this.schema}.audit_cuts WHERE chain_id = $1`,
      [this.chain],
    );
    return r.rows.map((x) => toCut(x) ?? { fromSeq: -1, prevHash: '', auditSeq: -1, time: '', signature: '' });
  }

  /** The connection belongs to the PostgresTrail that made this reader. */
  close(): void {}
}

/** Read access to every chain in a schema, for `audit verify|search|export`. Never creates anything. */
export class PostgresTrail {
  private readonly schema: string;
  private constructor(readonly where: string, private readonly client: pg.Client, schema: string) {
    this.schema = q(schema);
  }

  static async open(o: Omit<PostgresTrailOptions, 'chain'>): Promise<PostgresTrail> {
    const where = `${safeUrl(o.url)} schema ${o.schema}`;
    checkIdents(o, where);
    const client = await connect({ ...o, chain: '' }, {}, where);
    try {
      if ((await inspect(client, o.schema, where)) === 'absent') throw new AuditTrailError(`${where}: no audit trail there`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
    return new PostgresTrail(where, client, o.schema);
  }

  /** Every chain with anything stored (or registered), in name order. */
  async chains(): Promise<string[]> {
    const r = await this.client.query<{ chain_id: string }>(
      `SELECT chain_id FROM ${this.schema}.audit_chains UNION SELECT DISTINCT chain_id FROM ${this.schema}.audit_records ORDER BY 1`,
    );
    return r.rows.map((x) => x.chain_id);
  }

  /** A chain's open records (the ones that carry witnesses), by a text match the verified chain then vouches for. */
  async openRecords(chain: string): Promise<ReadItem[]> {
    const r = await this.client.query<RecordRow>(
      `SELECT seq::float8 AS seq, prev_hash, hash, skew_ms::float8 AS skew_ms, event FROM ${this.schema}.audit_records WHERE chain_id = $1 AND event LIKE '%"method":"audit/open"%' ORDER BY seq`,
      [chain],
    );
    return r.rows.map((x) => readRow(x, chain));
  }

  async hashAt(chain: string, seq: number): Promise<string | undefined> {
    const r = await this.client.query<{ hash: string }>(`SELECT hash FROM ${this.schema}.audit_records WHERE chain_id = $1 AND seq = $2`, [chain, seq]);
    return r.rows[0]?.hash;
  }

  reader(chain: string): PostgresTrailReader {
    return new PostgresTrailReader(`${this.where} chain ${chain}`, this.client, this.schema, chain);
  }

  close(): Promise<void> {
    return this.client.end();
  }
}

/**
 * The writer of one chain. It owns one connection (the advisory lock lives on it); a connection that
 * breaks is replaced at the next write, after taking the lock again and checking that the chain still
 * ends where this writer left it.
 */
export class PostgresTrailBackend implements TrailBackend {
  readonly where: string;
  private client: pg.Client | undefined;
  private broken = false;
  /** The last seq this writer knows is stored (-1 until open). */
  private lastSeq = -1;
  private readonly s: string;

  private constructor(private readonly o: PostgresWriterOptions, client: pg.Client) {
    this.where = `${safeUrl(o.url)} schema ${o.schema} chain ${o.chain}`;
    this.s = q(o.schema);
    this.adopt(client);
  }

  /** Use this connection from now on; once it errors or ends, the next write replaces it. */
  private adopt(c: pg.Client): void {
    this.client = c;
    this.broken = false;
    const lost = () => {
      if (this.client === c) this.broken = true;
    };
    c.on('error', lost);
    c.on('end', lost);
  }

  /** Connect, create the tables if the schema has none, and take this chain's writer lock. */
  static async connect(o: PostgresWriterOptions): Promise<PostgresTrailBackend> {
    const where = `${safeUrl(o.url)} schema ${o.schema} chain ${o.chain}`;
    checkIdents(o, where);
    const client = await PostgresTrailBackend.session(o, where);
    try {
      // Replicas starting together: one creates the schema and tables, the others wait and then find them.
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [LOCK_NS, `${o.schema}:ddl`]);
      // IF NOT EXISTS still races another session creating the same schema outside this lock (a
      // duplicate-key error): that schema exists then, which is all this needs.
      await client.query('SAVEPOINT create_schema');
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${q(o.schema)}`).catch(async (err: { code?: string }) => {
        if (err.code !== '23505' && err.code !== '42P06') throw err;
        await client.query('ROLLBACK TO SAVEPOINT create_schema');
      });
      if ((await inspect(client, o.schema, where)) === 'absent') {
        await client.query(ddl(q(o.schema)));
        await client.query(`INSERT INTO ${q(o.schema)}.audit_format (format) VALUES ($1)`, [FORMAT]);
      }
      await client.query('COMMIT');
      await PostgresTrailBackend.lock(client, o, where);
      await client.query(`INSERT INTO ${q(o.schema)}.audit_chains (chain_id, created_at) VALUES ($1, $2) ON CONFLICT (chain_id) DO NOTHING`, [o.chain, new Date().toISOString()]);
    } catch (err) {
      await client.end().catch(() => undefined);
      if (err instanceof AuditTrailError) throw err;
      throw new AuditTrailError(`${where}: cannot prepare the audit tables (${(err as Error).message})`);
    }
    return new PostgresTrailBackend(o, client);
  }

  private static session(o: PostgresWriterOptions, where: string): Promise<pg.Client> {
    return connect(o, {
      ...(o.connectTimeoutMs ? { connectionTimeoutMillis: o.connectTimeoutMs } : {}),
      query_timeout: o.queryTimeoutMs ?? 10_000,
      lock_timeout: o.lockTimeoutMs ?? 5000,
      options: `-c synchronous_commit=${o.fsync ? 'on' : 'off'}`,
    }, where);
  }

  /**
   * Take the chain's writer lock. A predecessor killed a moment ago (a crash, then a restart under the
   * same name) still holds it until the server notices its connection is gone: wait a bounded while.
   */
  private static async lock(c: pg.Client, o: PostgresWriterOptions, where: string): Promise<void> {
    const deadline = Date.now() + (o.lockWaitMs ?? 2000);
    for (;;) {
      const r = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [LOCK_NS, `${o.schema}:${o.chain}`]);
      if (r.rows[0]?.ok) return;
      if (Date.now() >= deadline) {
        throw new AuditTrailError(`${where}: another process is writing this chain (one writer per chain): give each replica its own audit.postgres.chain`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async open(window: number): Promise<OpenState> {
    const c = this.client!;
    const reader = new PostgresTrailReader(this.where, c, this.s, this.o.chain);
    const cuts = await reader.cuts();
    const cut = [...cuts].sort((a, b) => b.fromSeq - a.fromSeq)[0];
    const last = await c.query(`SELECT seq::float8 AS seq, hash, time, signature FROM ${this.s}.audit_checkpoints WHERE chain_id = $1 ORDER BY seq DESC LIMIT 1`, [this.o.chain]);
    const lastCheckpoint = last.rows[0] === undefined ? undefined : toCheckpoint(last.rows[0]);
    const max = await c.query<{ m: number | null }>(`SELECT max(seq)::float8 AS m FROM ${this.s}.audit_records WHERE chain_id = $1`, [this.o.chain]);
    const tailSeq = max.rows[0]?.m ?? 0;
    const from = Math.max(lastCheckpoint?.seq ?? 1, tailSeq - window + 1, cut?.fromSeq ?? 1);
    const rows = await c.query<RecordRow>(
      `SELECT seq::float8 AS seq, prev_hash, hash, skew_ms::float8 AS skew_ms, event FROM ${this.s}.audit_records WHERE chain_id = $1 AND seq >= $2 ORDER BY seq`,
      [this.o.chain, from],
    );
    this.lastSeq = tailSeq;
    // The other chains' latest checkpoints go into this chain's signed open record: a chain later deleted
    // or truncated together with its checkpoints is then contradicted by another chain (see witness.ts).
    const seen = await c.query<{ chain_id: string; seq: number; hash: string }>(
      `SELECT DISTINCT ON (chain_id) chain_id, seq::float8 AS seq, hash FROM ${this.s}.audit_checkpoints WHERE chain_id <> $1 ORDER BY chain_id, seq DESC LIMIT ${MAX_WITNESS}`,
      [this.o.chain],
    );
    const witness = Object.fromEntries(seen.rows.map((r) => [r.chain_id, { seq: r.seq, hash: r.hash }]));
    const start = cut ? { seq: cut.fromSeq, prevHash: cut.prevHash } : { seq: 1, prevHash: GENESIS };
    return { start, tail: rows.rows.map((r) => readRow(r, this.o.chain)), cuts, ...(lastCheckpoint ? { lastCheckpoint } : {}), ...(seen.rows.length > 0 ? { witness } : {}) };
  }

  /** The connection to write on: the current one, or a new one that has proved it may continue the chain. */
  private async live(): Promise<pg.Client> {
    if (this.client && !this.broken) return this.client;
    const old = this.client;
    this.client = undefined;
    await old?.end().catch(() => undefined);
    const c = await PostgresTrailBackend.session(this.o, this.where);
    try {
      await PostgresTrailBackend.lock(c, this.o, this.where);
      const max = await c.query<{ m: number | null }>(`SELECT max(seq)::float8 AS m FROM ${this.s}.audit_records WHERE chain_id = $1`, [this.o.chain]);
      const m = max.rows[0]?.m ?? 0;
      if (m !== this.lastSeq) {
        // A commit whose reply was lost with the connection (or a foreign write): chaining on would fork.
        throw new AuditTrailError(`${this.where}: the chain ends at seq ${m}, this writer last stored ${this.lastSeq}; restart the gateway to continue from the stored chain`);
      }
    } catch (err) {
      await c.end().catch(() => undefined);
      throw err;
    }
    this.adopt(c);
    return c;
  }

  /** Run one statement; a failure that may have lost the connection makes the next write reconnect. */
  private async run<T extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<pg.QueryResult<T>> {
    const c = await this.live();
    try {
      return await c.query<T>(sql, params);
    } catch (err) {
      // A statement the server refused (constraint, lock timeout) leaves the session usable; a connection
      // error (08…), the server ending sessions (57P…) or a failure on our side (no SQLSTATE: reset, client
      // timeout) may not, so the connection is replaced.
      const code = (err as { code?: unknown }).code;
      if (typeof code !== 'string' || code.startsWith('08') || code.startsWith('57P')) this.broken = true;
      throw err;
    }
  }

  async write(records: readonly SealedRecord[], cps: readonly Checkpoint[]): Promise<void> {
    const s = this.s;
    // One statement, so one implicit transaction: the batch and its checkpoints land together or not at all.
    const sql = `WITH r AS (INSERT INTO ${s}.audit_records (chain_id, seq, prev_hash, hash, skew_ms, event)
        SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::text[])),
      c AS (INSERT INTO ${s}.audit_checkpoints (chain_id, seq, hash, time, signature)
        SELECT $1, * FROM unnest($7::bigint[], $8::text[], $9::text[], $10::text[]))
      SELECT 1`;
    try {
      await this.run(sql, [
        this.o.chain, records.map((r) => r.seq), records.map((r) => r.prevHash), records.map((r) => r.hash), records.map((r) => r.skewMs ?? null), records.map((r) => r.eventJson),
        cps.map((c) => c.seq), cps.map((c) => c.hash), cps.map((c) => c.time), cps.map((c) => c.signature),
      ]);
    } catch (err) {
      if ((err as { code?: string }).code === '23505') {
        throw new AuditTrailError(`${this.where}: record ${records[0]?.seq ?? '?'} already exists: another process is writing this chain (one writer per chain)`);
      }
      throw err;
    }
    const lastRecord = records[records.length - 1];
    if (lastRecord) this.lastSeq = lastRecord.seq;
  }

  async hashAt(seq: number): Promise<string | undefined> {
    const r = await this.run<{ hash: string }>(`SELECT hash FROM ${this.s}.audit_records WHERE chain_id = $1 AND seq = $2`, [this.o.chain, seq]);
    return r.rows[0]?.hash;
  }

  async firstSeqSince(time: string): Promise<number | undefined> {
    // ISO-8601 UTC strings order as text; a scan of this chain, but retention runs rarely and off the hot path.
    const r = await this.run<{ s: number | null }>(
      `SELECT min(seq)::float8 AS s FROM ${this.s}.audit_records WHERE chain_id = $1 AND (event::json ->> 'time') >= $2`, [this.o.chain, time]);
    return r.rows[0]?.s ?? undefined;
  }

  async applyCut(cut: Cut): Promise<void> {
    const s = this.s;
    await this.run(
      `WITH k AS (INSERT INTO ${s}.audit_cuts (chain_id, from_seq, prev_hash, audit_seq, time, signature) VALUES ($1, $2, $3, $4, $5, $6)),
        r AS (DELETE FROM ${s}.audit_records WHERE chain_id = $1 AND seq < $2)
      DELETE FROM ${s}.audit_checkpoints WHERE chain_id = $1 AND seq < $2`,
      [this.o.chain, cut.fromSeq, cut.prevHash, cut.auditSeq, cut.time, cut.signature],
    );
  }

  async close(): Promise<void> {
    // Ending the session releases the advisory lock.
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }
}
