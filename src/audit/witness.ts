/**
 * Cross-witnessing between the chains of one PostgreSQL trail. Each writer records, in its signed
 * `audit/open` record, the latest checkpoint of every other chain it finds. A chain that is later deleted,
 * or truncated together with its checkpoints (consistent in itself, so its own walk passes), is then
 * contradicted by another chain's record. Only witnesses from chains that verified intact are used.
 */
import { parseNote } from './notes.js';
import type { PostgresTrail } from './postgres.js';
import { isMalformed } from './store.js';

/** The first contradiction per witnessed chain: chain id → reason. */
export async function checkWitnesses(trail: PostgresTrail, intact: readonly string[], all: readonly string[]): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const cutFrom = new Map<string, number | undefined>();
  for (const y of intact) {
    for (const rec of await trail.openRecords(y)) {
      if (isMalformed(rec)) continue;
      const seen = parseNote(rec.event, 'audit/open')?.witness;
      if (seen === null || typeof seen !== 'object') continue;
      for (const [x, w] of Object.entries(seen as Record<string, { seq?: unknown; hash?: unknown }>)) {
        if (found.has(x) || typeof w.seq !== 'number' || typeof w.hash !== 'string') continue;
        const by = `chain ${y} record ${rec.seq} saw it signed at seq ${w.seq}`;
        if (!all.includes(x)) {
          found.set(x, `the chain is missing (deleted): ${by}`);
          continue;
        }
        if (!cutFrom.has(x)) cutFrom.set(x, Math.max(...(await trail.reader(x).cuts()).map((c) => c.fromSeq), -Infinity));
        // Records below an announced, signed retention cut were dropped legitimately.
        if (w.seq < (cutFrom.get(x) ?? -Infinity)) continue;
        const h = await trail.hashAt(x, w.seq);
        if (h === undefined) found.set(x, `record ${w.seq} is missing (truncated with its checkpoints): ${by}`);
        else if (h !== w.hash) found.set(x, `records up to ${w.seq} were rewritten: ${by} with another hash`);
      }
    }
  }
  return found;
}
