/**
 * Opening a trail: pick the backend, check the newest records before writing anything (a corrupt or
 * altered tail refuses to start rather than silently starting a new chain), then record the opening
 * itself, durably, so a store that cannot be written fails at start, not on the first call.
 */
import type { KeyObject } from 'node:crypto';
import { isMalformed, AuditTrailError, type TrailBackend, type TrailReader } from './store.js';
import { ChainedAuditSink } from './durable.js';
import type { AuditLog, DurabilityMode } from './port.js';
import type { Checkpoint } from './chain.js';
import { keyId, loadPrivateKey } from './keys.js';
import { trailEvent } from './notes.js';
import { walk } from './verify.js';
import { SqliteTrailBackend, SqliteTrailReader } from './sqlite.js';
import { JsonlTrailBackend, JsonlTrailReader } from './jsonl.js';
import { PostgresTrailBackend, type PostgresTrailOptions } from './postgres.js';

/** The file-backed kinds; PostgreSQL is opened by URL (see PostgresTrail for its readers). */
export type TrailKind = 'sqlite' | 'jsonl';

/** Where a trail lives: a file, or a chain in a PostgreSQL schema. */
export type TrailLocation = { readonly kind: TrailKind; readonly path: string } | { readonly kind: 'postgres'; readonly postgres: PostgresTrailOptions };

export type AuditTrailOptions = TrailLocation & {
  readonly mode: DurabilityMode;
  /** Default: on in sync mode (a commit survives power loss), off in async mode (survives a process crash). */
  readonly fsync?: boolean;
  readonly maxQueue?: number;
  readonly maxBatch?: number;
  readonly flushMs?: number;
  /** `false` spells out an unsigned chain; otherwise the key is required. */
  readonly checkpoint: false | { readonly every?: number; readonly intervalMs?: number; readonly key: string | KeyObject | undefined };
  readonly log?: AuditLog;
  readonly onCheckpoint?: (cp: Checkpoint) => void;
  /** How many of the newest records are checked at open (from the last checkpoint on, at most this many). */
  readonly openWindow?: number;
  /** How long a write waits for a lock held by someone else (SQLite busy_timeout, PostgreSQL lock_timeout). */
  readonly busyTimeoutMs?: number;
};

export const TRAIL_DEFAULTS = { maxQueue: 10_000, maxBatch: 1024, flushMs: 10, every: 1000, intervalMs: 10_000, openWindow: 10_000 } as const;

/** One JSON line per event on stderr, when no logger is given (the CLI, tests). */
export const STDERR_LOG: AuditLog = {
  warn: (obj, msg) => process.stderr.write(JSON.stringify({ level: 'warn', msg, ...obj }) + '\n'),
  error: (obj, msg) => process.stderr.write(JSON.stringify({ level: 'error', msg, ...obj }) + '\n'),
};

export function trailKindOf(path: string): TrailKind {
  return /\.(jsonl|ndjson)$/i.test(path) ? 'jsonl' : 'sqlite';
}

export function openTrailReader(path: string, kind: TrailKind = trailKindOf(path)): TrailReader {
  return kind === 'jsonl' ? new JsonlTrailReader(path) : new SqliteTrailReader(path);
}

export async function openAuditTrail(o: AuditTrailOptions): Promise<ChainedAuditSink> {
  const d = TRAIL_DEFAULTS;
  const log = o.log ?? STDERR_LOG;
  // The key first: a missing key is a config error, reported before any file is touched.
  const key = o.checkpoint === false ? undefined : typeof o.checkpoint.key === 'object' ? o.checkpoint.key : loadPrivateKey(o.checkpoint.key);
  const checkpoint = o.checkpoint === false || !key ? undefined : { every: o.checkpoint.every ?? d.every, intervalMs: o.checkpoint.intervalMs ?? d.intervalMs, key };
  const fsync = o.fsync ?? o.mode === 'sync';
  const busy = o.busyTimeoutMs ? { busyTimeoutMs: o.busyTimeoutMs } : {};
  const backend: TrailBackend =
    o.kind === 'postgres'
      ? await PostgresTrailBackend.connect({ ...o.postgres, fsync, ...(o.busyTimeoutMs ? { lockTimeoutMs: o.busyTimeoutMs } : {}) })
      : o.kind === 'jsonl'
        ? new JsonlTrailBackend(o.path, { fsync })
        : new SqliteTrailBackend(o.path, { fsync, ...busy });
  const where = backend.where;
  try {
    const state = await Promise.resolve().then(() => backend.open(o.openWindow ?? d.openWindow)).catch((err: unknown) => {
      if (err instanceof AuditTrailError) throw err;
      throw new AuditTrailError(`${where}: cannot read the newest records (${(err as Error).message})`);
    });
    if (state.repaired) log.warn({ trail: where }, `audit trail repaired at open: ${state.repaired}`);
    const first = state.tail[0];
    const fromStart = first === undefined || (!isMalformed(first) && first.seq === state.start.seq);
    const lc = state.lastCheckpoint;
    // The last checkpoint is checked when the window reaches it (or when no records are left to reach).
    const marks = lc && (first === undefined || isMalformed(first) || lc.seq >= first.seq) ? [lc] : [];
    // Signatures are left to `audit verify` (the key may have been rotated); hashes, links and the
    // last checkpoint's hash are checked here.
    const w = await walk(state.tail, fromStart ? state.start : undefined, marks, []);
    if (w.bad) {
      throw new AuditTrailError(`${where}: the newest records do not verify (record ${w.bad.seq}: ${w.bad.reason}). Refusing to write to an altered or corrupt trail: run \`portcullis audit verify\`, then restore the file or move it aside.`);
    }
    let head = { seq: state.start.seq - 1, hash: state.start.prevHash, maxTimeMs: -Infinity };
    for (const r of state.tail) {
      if (isMalformed(r)) continue;
      head = { seq: r.seq, hash: r.hash, maxTimeMs: Math.max(head.maxTimeMs, Date.parse(r.event.time) || -Infinity) };
    }
    const sink = new ChainedAuditSink(backend, {
      mode: o.mode, maxQueue: o.maxQueue ?? d.maxQueue, maxBatch: o.maxBatch ?? d.maxBatch, flushMs: o.flushMs ?? d.flushMs, checkpoint, log,
      ...(o.onCheckpoint ? { onCheckpoint: o.onCheckpoint } : {}),
    }, { head, start: state.start, lastCheckpointSeq: state.lastCheckpoint?.seq ?? state.start.seq - 1 });
    try {
      await sink.appendDurable(trailEvent('audit/open', { checkpointEvery: checkpoint?.every ?? 0, mode: o.mode, ...(key ? { keyId: keyId(key) } : {}), ...(state.witness ? { witness: state.witness } : {}) }));
    } catch (err) {
      await sink.close().catch(() => undefined);
      throw new AuditTrailError(`${where}: cannot write the audit trail (${(err as Error).message})`);
    }
    return sink;
  } catch (err) {
    await backend.close().catch(() => undefined);
    throw err;
  }
}
