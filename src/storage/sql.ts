/**
 * The storage port: one small SQL surface over the embedded SQLite file and PostgreSQL, so each store
 * (pins, approvals, session history) writes its queries once. Queries use `$1, $2…` placeholders and
 * portable SQL (TEXT, BIGINT, INSERT … ON CONFLICT); SQLite receives them rewritten to `?`.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { StorageConfig } from '../config/schema.js';

export type SqlValue = string | number | null;
export type Row = Record<string, SqlValue>;

export interface SqlTx {
  query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /**
   * Serialize this transaction with every other one that takes the same key, until it ends (a decision
   * that reads before it writes, such as "trust if nothing is trusted yet", must not race a replica).
   */
  lock(key: string): Promise<void>;
}

export interface SqlDb {
  readonly kind: 'sqlite' | 'postgres';
  /** Where the data lives, for messages (never includes a password). */
  readonly where: string;
  query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Run statements atomically: every query inside sees and commits one transaction. */
  transaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T>;
  /** Create tables once per process (idempotent DDL, statements separated by ';'). */
  migrate(ddl: string): Promise<void>;
  close(): Promise<void>;
}

export class StorageError extends Error {
  override readonly name = 'StorageError';
}

export async function openSql(cfg: StorageConfig): Promise<SqlDb> {
  return cfg.postgres ? openPostgres(cfg.postgres.url, cfg.postgres.schema) : openSqlite(cfg.path);
}

export function openSqlite(path: string): SqlDb {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  let db: Database.Database;
  try {
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
  } catch (err) {
    throw new StorageError(`${path}: cannot open the state database (${(err as Error).message})`);
  }
  // `$n` placeholders become positional `?`, with the values reordered (and repeated) to match.
  const statements = new Map<string, { stmt: Database.Statement; order: number[] }>();
  const prepare = (sql: string) => {
    let hit = statements.get(sql);
    if (!hit) {
      const order: number[] = [];
      const text = sql.replace(/\$(\d+)/g, (_m, n: string) => {
        order.push(Number(n) - 1);
        return '?';
      });
      hit = { stmt: db.prepare(text), order };
      if (statements.size < 500) statements.set(sql, hit);
    }
    return hit;
  };
  const run = <T extends Row>(sql: string, params: readonly SqlValue[] = []): T[] => {
    const { stmt, order } = prepare(sql);
    const values = order.map((i) => params[i] ?? null);
    return stmt.reader ? (stmt.all(...values) as T[]) : (stmt.run(...values), []);
  };
  // One connection per process: transactions are queued so two async ones never interleave on it;
  // BEGIN IMMEDIATE makes each atomic against other processes (busy_timeout waits for them).
  let queue: Promise<unknown> = Promise.resolve();
  const tx: SqlTx = { query: async (sql, params) => run(sql, params), lock: async () => undefined };
  return {
    kind: 'sqlite',
    where: path,
    query: async (sql, params) => run(sql, params),
    transaction<T>(fn: (t: SqlTx) => Promise<T>): Promise<T> {
      const turn = queue.then(async () => {
        db.exec('BEGIN IMMEDIATE');
        try {
          const out = await fn(tx);
          db.exec('COMMIT');
          return out;
        } catch (err) {
          db.exec('ROLLBACK');
          throw err;
        }
      });
      queue = turn.catch(() => undefined);
      return turn;
    },
    async migrate(ddl) {
      db.exec(ddl);
    },
    async close() {
      db.close();
    },
  };
}

async function openPostgres(url: string, schema: string): Promise<SqlDb> {
  const { default: pg } = await import('pg');
  // search_path is set at connection start, so no query pays a round trip for it.
  const pool = new pg.Pool({ connectionString: url, max: 8, connectionTimeoutMillis: 5000, options: `-c search_path=${schema}` });
  pool.on('error', () => undefined); // an idle client's error surfaces on the next query instead
  const where = safeUrl(url);
  try {
    // Replicas starting together race on IF NOT EXISTS (a duplicate-key error): the schema exists then.
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`).catch((err: { code?: string }) => {
      if (err.code !== '23505' && err.code !== '42P06') throw err;
    });
  } catch (err) {
    await pool.end();
    throw new StorageError(`${where}: cannot reach PostgreSQL (${(err as Error).message})`);
  }
  const withClient = async <T>(fn: (c: import('pg').PoolClient) => Promise<T>): Promise<T> => {
    const c = await pool.connect();
    try {
      return await fn(c);
    } finally {
      c.release();
    }
  };
  const q = async <T extends Row>(c: import('pg').PoolClient, sql: string, params: readonly SqlValue[] = []) => (await c.query(sql, params as SqlValue[])).rows as T[];
  return {
    kind: 'postgres',
    where,
    query: (sql, params) => withClient((c) => q(c, sql, params)),
    transaction: (fn) =>
      withClient(async (c) => {
        await c.query('BEGIN');
        try {
          const out = await fn({
            query: (sql, params) => q(c, sql, params),
            lock: async (key) => void (await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [key])),
          });
          await c.query('COMMIT');
          return out;
        } catch (err) {
          await c.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
      }),
    async migrate(ddl) {
      // Serialize DDL across replicas starting together (CREATE TABLE IF NOT EXISTS races otherwise).
      await withClient(async (c) => {
        await c.query('SELECT pg_advisory_lock(727274)');
        try {
          await c.query(ddl);
        } finally {
          await c.query('SELECT pg_advisory_unlock(727274)');
        }
      });
    },
    close: () => pool.end(),
  };
}

/** The URL without its password, for messages. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres';
  }
}
