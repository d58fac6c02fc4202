// Backends for the state contract suites: in process always; SQLite in a temp file; PostgreSQL and
// Redis when PORTCULLIS_TEST_POSTGRES_URL / PORTCULLIS_TEST_REDIS_URL are set (each run in its own
// schema or key prefix, removed afterwards).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { openSql, openSqlite } from '../../src/storage/sql.js';
import { openRedis, redisReady } from '../../src/state/redis.js';

export const REDIS_URL = process.env.PORTCULLIS_TEST_REDIS_URL;
export const POSTGRES_URL = process.env.PORTCULLIS_TEST_POSTGRES_URL;

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

export function tempSqlite(): { path: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-state-'));
  return { path: join(dir, 'state.db'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export { openSql, openSqlite };

/** A Redis client for a test file, and a cleanup that deletes every key under its prefix. */
export function testRedis(): { redis: Redis; prefix: string; ready(): Promise<void>; cleanup(): Promise<void> } {
  const redis = openRedis({ url: REDIS_URL!, prefix: 'x' });
  const prefix = `${uniqueName('pctest')}:`;
  return {
    redis,
    prefix,
    // The client fails fast (no offline queue), as the gateway's does: wait until it is connected.
    async ready() {
      if (!(await redisReady(redis, 5000))) throw new Error(`Redis at ${REDIS_URL} is not reachable`);
    },
    async cleanup() {
      await redisReady(redis, 5000);
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        if (keys.length > 0) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
      redis.disconnect();
    },
  };
}

export async function dropPostgresSchema(schema: string): Promise<void> {
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: POSTGRES_URL });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await c.end();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
