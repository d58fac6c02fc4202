/**
 * What the commands that work on shared state (pins, approvals, quarantine) do first and last: load the
 * config (every problem reported), open its storage port (an unreachable database named without its
 * password), run, and close the connection whatever happened.
 */
import { formatProblems, loadConfigFile } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { openSql, StorageError, type SqlDb } from '../storage/sql.js';

export async function withStorage(command: string, configPath: string, run: (db: SqlDb, config: Config) => Promise<number>): Promise<number> {
  const loaded = await loadConfigFile(configPath);
  if (!loaded.ok) {
    process.stderr.write(`${formatProblems(loaded.problems)}\n`);
    return 1;
  }
  let db: SqlDb;
  try {
    db = await openSql(loaded.config.storage);
  } catch (err) {
    process.stderr.write(`portcullis ${command}: ${err instanceof StorageError ? err.message : String(err)}\n`);
    return 1;
  }
  try {
    return await run(db, loaded.config);
  } finally {
    await db.close();
  }
}
