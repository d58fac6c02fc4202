/**
 * The storage ports of the trail. A backend (SQLite, JSONL, PostgreSQL) only stores and reads:
 * chaining, signing, queueing and durability modes live once, in ChainedAuditSink, for every backend.
 */
import type { AuditEvent } from '../pipeline/types.js';
import type { Checkpoint, Cut, SealedRecord, StoredRecord } from './chain.js';

/** The trail cannot be opened or written as it stands: the message says what and what to do. */
export class AuditTrailError extends Error {
  override readonly name = 'AuditTrailError';
}

/** A row or line that does not hold a well-formed record; verify reports it rather than skipping it. */
export interface Malformed {
  readonly malformed: string;
  /** Where it sits ("line 12", "row seq=7"), for the report. */
  readonly at: string;
  readonly seq?: number;
}

export type ReadItem = StoredRecord | Malformed;

export function isMalformed(item: ReadItem): item is Malformed {
  return 'malformed' in item;
}

/**
 * Read side, for verify, search and export. Records come in storage order (SQLite and PostgreSQL: by seq;
 * JSONL: file order). The embedded stores answer synchronously, a network store asynchronously; readers
 * of the port await either.
 */
export interface TrailReader {
  readonly where: string;
  records(fromSeq?: number): Iterable<ReadItem> | AsyncIterable<ReadItem>;
  checkpoints(): Checkpoint[] | Promise<Checkpoint[]>;
  cuts(): Cut[] | Promise<Cut[]>;
  close(): void | Promise<void>;
}

/** Iterate a reader's records whichever way it yields them. */
export function eachRecord(reader: TrailReader, fromSeq?: number): AsyncIterable<ReadItem> {
  const items = reader.records(fromSeq);
  if (Symbol.asyncIterator in items) return items;
  return (async function* () {
    yield* items;
  })();
}

/** What a writer finds when it opens a trail. */
export interface OpenState {
  /** Where the chain starts: seq 1 from GENESIS, or the latest cut's fromSeq and anchor hash. */
  readonly start: { seq: number; prevHash: string };
  /** The newest records, in order, from the last checkpoint (inclusive) on, at most the window asked for. */
  readonly tail: ReadItem[];
  readonly lastCheckpoint?: Checkpoint;
  readonly cuts: Cut[];
  /** What the backend fixed on its own at open (a torn final line after a crash), for the log. */
  readonly repaired?: string;
  /** Other chains in the same store, at their latest checkpoints: recorded in this chain's open note. */
  readonly witness?: Readonly<Record<string, { seq: number; hash: string }>>;
}

/** Write side. Each `write` is one commit: all of it is stored, or none of it and it rejects. */
export interface TrailBackend {
  readonly where: string;
  open(window: number): OpenState | Promise<OpenState>;
  write(records: readonly SealedRecord[], checkpoints: readonly Checkpoint[]): Promise<void>;
  /** The hash of record `seq`, if stored (the anchor a retention cut carries). */
  hashAt(seq: number): Promise<string | undefined>;
  /** The first seq whose event time is at or after `time` (retention by age). */
  firstSeqSince(time: string): Promise<number | undefined>;
  /** Store the cut and drop records and checkpoints below cut.fromSeq, atomically where the store can. */
  applyCut(cut: Cut): Promise<void>;
  close(): Promise<void>;
}

/** Parse one stored record, checking its shape; anything off becomes a Malformed item, never a throw. */
export function toRecord(raw: unknown, at: string): ReadItem {
  if (raw === null || typeof raw !== 'object') return { malformed: 'not an object', at };
  const r = raw as Record<string, unknown>;
  const seq = r.seq;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return { malformed: 'seq is not a positive integer', at };
  if (typeof r.prevHash !== 'string' || typeof r.hash !== 'string') return { malformed: 'prevHash or hash is not a string', at, seq };
  if (r.event === null || typeof r.event !== 'object' || Array.isArray(r.event)) return { malformed: 'event is not an object', at, seq };
  if (r.skewMs !== undefined && typeof r.skewMs !== 'number') return { malformed: 'skewMs is not a number', at, seq };
  const rec = { seq, prevHash: r.prevHash, hash: r.hash, event: r.event as AuditEvent };
  return r.skewMs === undefined ? rec : { ...rec, skewMs: r.skewMs };
}

export function toCheckpoint(raw: unknown): Checkpoint | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const c = raw as Record<string, unknown>;
  if (typeof c.seq !== 'number' || typeof c.hash !== 'string' || typeof c.time !== 'string' || typeof c.signature !== 'string') return undefined;
  return { seq: c.seq, hash: c.hash, time: c.time, signature: c.signature };
}

export function toCut(raw: unknown): Cut | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const c = raw as Record<string, unknown>;
  if (typeof c.fromSeq !== 'number' || typeof c.prevHash !== 'string' || typeof c.auditSeq !== 'number' || typeof c.time !== 'string' || typeof c.signature !== 'string') return undefined;
  return { fromSeq: c.fromSeq, prevHash: c.prevHash, auditSeq: c.auditSeq, time: c.time, signature: c.signature };
}
