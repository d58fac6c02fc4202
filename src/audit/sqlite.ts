/**
 * The embedded default: one SQLite file in WAL mode. Records, checkpoints and cuts sit in three tables;
 * a batch and the checkpoint it makes due commit in one transaction, so a crash never leaves a record
 * that was due a checkpoint without it. `synchronous` follows the durability the writer asked for.
 */
import Database from 'better-sqlite3';
import { closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Checkpoint, Cut, SealedRecord } from './chain.js';
import { GENESIS } from './chain.js';
import { AuditTrailError, toCheckpoint, toCut, toRecord, type OpenState, type ReadItem, type TrailBackend, type TrailReader } from './store.js';

const FORMAT = 1;
const SCHEMA = `
CREATE TABLE IF NOT EXISTS records (seq INTEGER PRIMARY KEY, prev_hash TEXT NOT NULL, hash TEXT NOT NULL, skew_ms INTEGER, event TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS checkpoints (seq INTEGER NOT NULL, hash TEXT NOT NULL, time TEXT NOT NULL, signature TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS checkpoints_seq ON checkpoints (seq);
CREATE TABLE IF NOT EXISTS cuts (from_seq INTEGER NOT NULL, prev_hash TEXT NOT NULL, audit_seq INTEGER NOT NULL, time TEXT NOT NULL, signature TEXT NOT NULL);
`;

type Row = { seq: number; prev_hash: string; hash: string; skew_ms: number | null; event: string };

/** Open a database and check it is ours, mapping SQLite's corruption errors to a message a person can act on. */
function openDb(path: string, readonly: boolean, busyTimeoutMs: number): Database.Database {
  const fresh = !existsSync(path) || statSync(path).size === 0;
  if (readonly && fresh) throw new AuditTrailError(`${path}: no audit trail there`);
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly, fileMustExist: readonly });
    db.pragma(`busy_timeout = ${Math.floor(busyTimeoutMs)}`);
    const version = db.pragma('user_version', { simple: true }) as number;
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as Array<{ name: string }>).map((t) => t.name);
    if (!fresh && version !== FORMAT) {
      throw new AuditTrailError(version === 0 && tables.length > 0 ? `${path} is a SQLite database but not a Portcullis audit trail` : `${path}: audit trail format ${version}, this version reads format ${FORMAT}`);
    }
    if (!fresh && !['records', 'checkpoints', 'cuts'].every((t) => tables.includes(t))) throw new AuditTrailError(`${path}: the audit trail is missing tables`);
    return db;
  } catch (err) {
    db?.close();
    if (err instanceof AuditTrailError) throw err;
    const code = (err as { code?: string }).code ?? '';
    const why = code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' ? 'is corrupt or not a SQLite database' : `cannot be opened (${(err as Error).message})`;
    throw new AuditTrailError(`${path} ${why}. Refusing to start a new audit chain over it: restore it from a backup or move it aside, then run \`portcullis audit verify\`.`);
  }
}

function readRow(r: Row): ReadItem {
  let event: unknown;
  try {
    event = JSON.parse(r.event);
  } catch {
    return { malformed: 'event is not valid JSON', at: `row seq=${r.seq}`, seq: r.seq };
  }
  return toRecord({ seq: r.seq, prevHash: r.prev_hash, hash: r.hash, event, ...(r.skew_ms === null ? {} : { skewMs: r.skew_ms }) }, `row seq=${r.seq}`);
}

export class SqliteTrailReader implements TrailReader {
  protected readonly db: Database.Database;
  constructor(readonly where: string, db?: Database.Database) {
    this.db = db ?? openDb(where, true, 5000);
  }
  *records(fromSeq = 1): Iterable<ReadItem> {
    for (const r of this.db.prepare('SELECT * FROM records WHERE seq >= ? ORDER BY seq').iterate(fromSeq)) yield readRow(r as Row);
  }
  checkpoints(): Checkpoint[] {
    const rows = this.db.prepare('SELECT seq, hash, time, signature FROM checkpoints ORDER BY seq').all();
    return rows.map((r) => toCheckpoint(r) ?? { seq: -1, hash: '', time: '', signature: '' });
  }
  cuts(): Cut[] {
    const rows = this.db.prepare('SELECT from_seq AS fromSeq, prev_hash AS prevHash, audit_seq AS auditSeq, time, signature FROM cuts').all();
    return rows.map((r) => toCut(r) ?? { fromSeq: -1, prevHash: '', auditSeq: -1, time: '', signature: '' });
  }
  close(): void {
    this.db.close();
  }
}

export interface SqliteOptions {
  /** FULL: each commit is fsynced (survives power loss); NORMAL: survives a process crash, fsync at WAL checkpoints. */
  fsync: boolean;
  busyTimeoutMs?: number;
}

export class SqliteTrailBackend implements TrailBackend {
  private readonly db: Database.Database;
  private readonly reader: SqliteTrailReader;
  private readonly insert: Database.Statement;
  private readonly insertCp: Database.Statement;
  private readonly commit: (records: readonly SealedRecord[], cps: readonly Checkpoint[]) => void;

  constructor(readonly where: string, opts: SqliteOptions) {
    mkdirSync(dirname(where), { recursive: true });
    // Owner-only (SQLite gives its -wal and -shm files the same mode): the trail names principals and tools.
    if (!existsSync(where)) closeSync(openSync(where, 'a', 0o600));
    this.db = openDb(where, false, opts.busyTimeoutMs ?? 5000);
    const mode = this.db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new AuditTrailError(`${where}: cannot switch the database to WAL mode (got ${String(mode)})`);
    this.db.pragma(`synchronous = ${opts.fsync ? 'FULL' : 'NORMAL'}`);
    this.db.exec(SCHEMA);
    this.db.pragma(`user_version = ${FORMAT}`);
    this.reader = new SqliteTrailReader(where, this.db);
    this.insert = this.db.prepare('INSERT INTO records (seq, prev_hash, hash, skew_ms, event) VALUES (?, ?, ?, ?, ?)');
    this.insertCp = this.db.prepare('INSERT INTO checkpoints (seq, hash, time, signature) VALUES (?, ?, ?, ?)');
    // INTEGER PRIMARY KEY on seq: a second writer on the same file collides here instead of forking the chain.
    this.commit = this.db.transaction((records: readonly SealedRecord[], cps: readonly Checkpoint[]) => {
      for (const r of records) this.insert.run(r.seq, r.prevHash, r.hash, r.skewMs ?? null, r.eventJson);
      for (const c of cps) this.insertCp.run(c.seq, c.hash, c.time, c.signature);
    });
  }

  open(window: number): OpenState {
    const cuts = this.reader.cuts();
    const cut = [...cuts].sort((a, b) => b.fromSeq - a.fromSeq)[0];
    const last = this.db.prepare('SELECT seq, hash, time, signature FROM checkpoints ORDER BY seq DESC LIMIT 1').get();
    const lastCheckpoint = last === undefined ? undefined : toCheckpoint(last);
    const tailSeq = (this.db.prepare('SELECT max(seq) AS m FROM records').get() as { m: number | null }).m ?? 0;
    const from = Math.max(lastCheckpoint?.seq ?? 1, tailSeq - window + 1, cut?.fromSeq ?? 1);
    const tail = (this.db.prepare('SELECT * FROM records WHERE seq >= ? ORDER BY seq').all(from) as Row[]).map(readRow);
    const start = cut ? { seq: cut.fromSeq, prevHash: cut.prevHash } : { seq: 1, prevHash: GENESIS };
    return { start, tail, cuts, ...(lastCheckpoint ? { lastCheckpoint } : {}) };
  }

  async write(records: readonly SealedRecord[], cps: readonly Checkpoint[]): Promise<void> {
    try {
      this.commit(records, cps);
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') throw err;
      throw new AuditTrailError(`${this.where}: record ${records[0]?.seq ?? '?'} already exists: another process is writing this trail (one writer per trail)`);
    }
  }

  async hashAt(seq: number): Promise<string | undefined> {
    return (this.db.prepare('SELECT hash FROM records WHERE seq = ?').get(seq) as { hash: string } | undefined)?.hash;
  }

  async firstSeqSince(time: string): Promise<number | undefined> {
    // ISO-8601 UTC strings order as text; a linear scan, but retention runs rarely and off the hot path.
    return (this.db.prepare(`SELECT min(seq) AS s FROM records WHERE json_extract(event, '$.time') >= ?`).get(time) as { s: number | null }).s ?? undefined;
  }

  async applyCut(cut: Cut): Promise<void> {
    this.db.transaction(() => {
      this.db.prepare('INSERT INTO cuts (from_seq, prev_hash, audit_seq, time, signature) VALUES (?, ?, ?, ?, ?)').run(cut.fromSeq, cut.prevHash, cut.auditSeq, cut.time, cut.signature);
      this.db.prepare('DELETE FROM records WHERE seq < ?').run(cut.fromSeq);
      this.db.prepare('DELETE FROM checkpoints WHERE seq < ?').run(cut.fromSeq);
    })();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
