/**
 * Session history in the SQL store (embedded SQLite, or PostgreSQL shared by replicas): one row per
 * session holding its state as JSON and a version. Writes are compare-and-set on the version, retried
 * on conflict, so two replicas updating one session never lose each other's step.
 */
import type { SqlDb } from '../storage/sql.js';
import { applyRecord, applyReserve, parseState, takesCounters, type HistoryEntry, type Outcome, type Reservation, type ReserveResult, type SessionState } from './session-state.js';
import type { Judged, SessionStore } from './sessions.js';

const DDL = `CREATE TABLE IF NOT EXISTS flow_sessions (
  key TEXT PRIMARY KEY,
  version BIGINT NOT NULL,
  state TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS flow_sessions_expiry ON flow_sessions (expires_at)`;

const MAX_ATTEMPTS = 20;
const SWEEP_EVERY = 1000;
/**
 * Parsed states kept per process (at most this many sessions), by row version and expiry. A session's
 * state is a JSON document of up to 64 history lines: parsing it costs tens of µs, twice per call (the
 * way in and the way back), more than the row reads themselves. The row is still read every time and
 * its version and expiry decide whether the kept copy is current (see read()), so a write by another
 * process or replica is never missed.
 */
const PARSED_MAX = 512;

/**
 * The state as stored: what JSON.stringify(state) gives, with each history line's text reused from the
 * previous write. History lines are never changed once recorded, and kept states carry the same line
 * objects from write to write, so a write serializes the new line only (the 64 lines are most of an
 * 8 KB state, about 55 µs to stringify whole here).
 */
const lineTexts = new WeakMap<HistoryEntry, string>();
export function stateText(state: SessionState): string {
  const { history, ...rest } = state;
  const head = JSON.stringify(rest);
  let lines = '';
  for (let i = 0; i < history.length; i++) {
    const line = history[i]!;
    let text = lineTexts.get(line);
    if (text === undefined) {
      text = JSON.stringify(line);
      lineTexts.set(line, text);
    }
    lines += i === 0 ? text : `,${text}`;
  }
  return `${head.slice(0, -1)}${head === '{}' ? '' : ','}"history":[${lines}]}`;
}

/** A session's row as this process last read or wrote it. */
interface Row {
  readonly version: number;
  readonly expires: number;
  readonly state: SessionState;
}

export class SqlSessionStore implements SessionStore {
  readonly kind: 'sqlite' | 'postgres';
  private ready: Promise<SqlDb> | undefined;
  private writes = 0;
  private readonly parsed = new Map<string, Row>();

  /** The database is opened and its table created on first use; a failed open is retried by the next call. */
  constructor(
    private readonly openDb: () => Promise<SqlDb>,
    kind: 'sqlite' | 'postgres',
  ) {
    this.kind = kind;
  }

  private open(): Promise<SqlDb> {
    if (!this.ready) {
      const p = this.openDb().then(async (db) => {
        await db.migrate(DDL);
        return db;
      });
      this.ready = p;
      p.catch(() => {
        if (this.ready === p) this.ready = undefined;
      });
    }
    return this.ready;
  }

  private async read(key: string): Promise<Row> {
    const db = await this.open();
    const rows = await db.query<{ version: number | string; state: string; expires_at: number | string }>('SELECT version, state, expires_at FROM flow_sessions WHERE key = $1', [key]);
    const row = rows[0];
    if (!row) return { version: 0, expires: 0, state: parseState(null) };
    const version = Number(row.version);
    const expires = Number(row.expires_at);
    // An expired row keeps its version (the next write replaces it by compare-and-set) but reads as new.
    if (expires <= Date.now()) return { version, expires, state: parseState(null) };
    const known = this.parsed.get(key);
    // The expiry too must match: the sweep deletes rows, so a session recreated by another process can
    // climb back to a version this one kept; it cannot also have been written in the same millisecond.
    if (known?.version === version && known.expires === expires) {
      // Taken, not shared: update() changes the state in place, and a concurrent step of the same
      // session must not see that before it is written, so it parses its own copy meanwhile.
      this.parsed.delete(key);
      return known;
    }
    return { version, expires, state: parseState(row.state) };
  }

  /** Keep a state that is what the row holds (read unchanged, or just written). */
  private keep(key: string, row: Row): void {
    this.parsed.delete(key); // re-inserted last: the Map's order is then least recently used first
    this.parsed.set(key, row);
    if (this.parsed.size > PARSED_MAX) this.parsed.delete(this.parsed.keys().next().value!);
  }

  /** Compare-and-set: the expiry written when this write won, else undefined. */
  private async write(key: string, version: number, state: SessionState, ttlMs: number): Promise<number | undefined> {
    const db = await this.open();
    const text = stateText(state);
    const expires = Date.now() + ttlMs;
    const rows =
      version === 0
        ? await db.query('INSERT INTO flow_sessions (key, version, state, expires_at) VALUES ($1, 1, $2, $3) ON CONFLICT (key) DO NOTHING RETURNING key', [key, text, expires])
        : await db.query('UPDATE flow_sessions SET version = version + 1, state = $3, expires_at = $4 WHERE key = $1 AND version = $2 RETURNING key', [key, version, text, expires]);
    if (++this.writes % SWEEP_EVERY === 0) await db.query('DELETE FROM flow_sessions WHERE expires_at < $1', [Date.now()]);
    return rows.length > 0 ? expires : undefined;
  }

  private async update<T>(key: string, ttlMs: number, step: (s: SessionState) => { write: boolean; out: T }): Promise<T> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const row = await this.read(key);
      const { write, out } = step(row.state);
      // A step that writes nothing has left the state as it was read (applyReserve refuses without
      // touching it; one that takes no counter changes nothing). A lost compare-and-set keeps nothing.
      if (!write) {
        this.keep(key, row);
        return out;
      }
      const expires = await this.write(key, row.version, row.state, ttlMs);
      if (expires !== undefined) {
        this.keep(key, { version: row.version + 1, expires, state: row.state });
        return out;
      }
    }
    throw new Error(`session state of ${key.slice(0, 40)} kept changing under ${MAX_ATTEMPTS} attempts`);
  }

  async load(key: string): Promise<SessionState> {
    return (await this.read(key)).state;
  }

  admit<T>(key: string, r: Reservation, ttlMs: number, judge: (before: SessionState) => T): Promise<Judged<T>> {
    return this.update(key, ttlMs, (s) => {
      // Each attempt judges the state it read; the one whose write wins is returned.
      const judged = judge(s);
      const flow = applyReserve(s, r);
      return { write: flow.ok && takesCounters(r), out: { flow, judged } };
    });
  }

  async reserve(key: string, r: Reservation, ttlMs: number): Promise<ReserveResult> {
    return (await this.admit(key, r, ttlMs, () => undefined)).flow;
  }

  record(key: string, o: Outcome, ttlMs: number): Promise<void> {
    return this.update(key, ttlMs, (s) => {
      applyRecord(s, o);
      return { write: true, out: undefined };
    });
  }

  async close(): Promise<void> {
    this.parsed.clear();
    const ready = this.ready;
    this.ready = undefined;
    if (ready) await (await ready.catch(() => undefined))?.close();
  }
}
