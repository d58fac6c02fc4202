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

export interface SqlDb {
  readonly kind: 'sqlite' | 'postgres';
  /** Where the data lives, for messages (never includes a password). */
  readonly where: string;
  query<T extends Row = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Run statements atomically: every query inside sees and commits one transaction. */
  transaction<T>(fn: (tx: Pick<SqlDb, 'query'>) => Promise<T>): Promise<T>;
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
  const toSqlite = (sql: string) => sql.replace(/\$\d+/g, '?');
  const run = <T extends Row>(sql: string, params: readonly SqlValue[] = []): T[] => {
    const stmt = db.prepare(toSqlite(sql));
    return stmt.reader ? (stmt.all(...params) as T[]) : (stmt.run(...params), []);
  };
  let depth = 0;
  return {
    kind: 'sqlite',
    where: path,
    query: async (sql, params) => run(sql, params),
    async transaction(fn) {
      // better-sqlite3 is synchronous; one process holds one connection, so BEGIN IMMEDIATE … COMMIT
      // around the awaited function is atomic against other processes (busy_timeout waits for them).
      if (depth > 0) return fn({ query: async (sql, params) => run(sql, params) });
      depth++;
      db.exec('BEGIN IMMEDIATE');
      try {
        const out = await fn({ query: async (sql, params) => run(sql, params) });
        db.exec('COMMIT');
        return out;
      } catch (err) {
        db.exec('ROLLBACK');
        throw err;
      } finally {
        depth--;
      }
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
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
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
          const out = await fn({ query: (sql, params) => q(c, sql, params) });
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

function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres';
  }
}
