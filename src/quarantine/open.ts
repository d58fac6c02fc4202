/**
 * One quarantine store per storage config and process, opened on first use: most gateways never
 * quarantine, and those that do should not pay for a database connection at start. Config reloads
 * keep the store (storage settings need a restart anyway).
 */
import type { StorageConfig } from '../config/schema.js';
import { openSql } from '../storage/sql.js';
import { QuarantineStore } from './store.js';

const stores = new Map<string, Promise<QuarantineStore>>();

export function quarantineStoreFor(storage: StorageConfig): () => Promise<QuarantineStore> {
  const key = JSON.stringify(storage);
  return () => {
    let p = stores.get(key);
    if (!p) {
      p = openSql(storage).then((db) => new QuarantineStore(db));
      p.catch(() => stores.delete(key)); // a failed open is retried on the next use
      stores.set(key, p);
    }
    return p;
  };
}
