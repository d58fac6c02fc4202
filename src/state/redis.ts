/**
 * The Redis client shared by the session store and the counters. It fails fast instead of queueing:
 * while Redis is away every command rejects at once (the stages then refuse the call with
 * state_unavailable, fail closed), and the client keeps reconnecting in the background, so calls
 * pass again as soon as Redis is back.
 */
import { Redis } from 'ioredis';
import type { StorageConfig } from '../config/schema.js';

export type RedisConfig = NonNullable<StorageConfig['redis']>;

export function openRedis(cfg: RedisConfig): Redis {
  const client = new Redis(cfg.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 2000,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
    lazyConnect: false,
  });
  // Errors surface on the commands that fail; the 'error' event would otherwise crash the process.
  client.on('error', () => undefined);
  return client;
}

/** Wait (bounded) until the client is ready, so the first calls after start do not fail needlessly. */
export async function redisReady(client: Redis, ms: number): Promise<boolean> {
  if (client.status === 'ready') return true;
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), ms);
    client.on('ready', onReady);
  });
}
