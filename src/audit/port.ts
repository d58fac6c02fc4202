/**
 * The durable audit port: what the runner, the gateway and the admin side may call on the trail. It
 * extends the core AuditSink so a durable sink drops in wherever a sink goes.
 */
import type { KeyObject } from 'node:crypto';
import type { AuditEvent, AuditSink } from '../pipeline/types.js';
import type { ChainHead, Checkpoint, Cut, SealedRecord } from './chain.js';

export type DurabilityMode = 'sync' | 'async';

/** A sink that keeps the tamper-evident trail (and can say whether it is accepting records). */
export function isDurable(a: AuditSink): a is DurableAuditSink {
  return typeof (a as Partial<DurableAuditSink>).stats === 'function';
}

export interface DurableAuditSink extends AuditSink {
  readonly mode: DurabilityMode;
  /**
   * sync: resolves when durable, rejects with GatewayError('storage') when not. async: resolves at once,
   * never rejects. Every returned promise already has a rejection handler, so a caller that treats this
   * as the void AuditSink.append cannot crash the process; only an awaiting caller fails closed.
   */
  append(event: AuditEvent): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
  stats(): AuditStats;
  /** Durable in either mode (admin changes, the trail's own notes): resolves with the stored record. */
  appendDurable(event: AuditEvent): Promise<SealedRecord>;
  /** Retention: drop records below `beforeSeq` through a signed cut that is itself recorded. */
  cut(beforeSeq: number, by?: AuditEvent['principal']): Promise<Cut>;
  /** The first record whose event time is at or after `time` (retention by age). */
  firstSeqSince(time: string): Promise<number | undefined>;
}

export interface AuditStats {
  readonly mode: DurabilityMode;
  readonly appended: number;
  readonly written: number;
  /** Backend writes (transactions); written/commits is the group-commit factor. */
  readonly commits: number;
  /** sync: appends refused or whose commit failed (each call was refused). */
  readonly rejected: number;
  /** async: records that will never be written, by cause. */
  readonly lost: { readonly overflow: number; readonly write: number; readonly invalid: number; readonly closed: number };
  readonly queued: number;
  readonly lastSeq: number;
  readonly lastCheckpointSeq: number;
  readonly healthy: boolean;
}

/** Structural, so a pino logger fits. */
export interface AuditLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface CheckpointPolicy {
  /** Sign after this many records (0: by time only). */
  readonly every: number;
  /** Also sign an unsigned tail this often, so a quiet gateway's last records do not wait for traffic. */
  readonly intervalMs: number;
  readonly key: KeyObject;
}

export interface ChainedSinkOptions {
  readonly mode: DurabilityMode;
  readonly maxQueue: number;
  readonly maxBatch: number;
  readonly flushMs: number;
  readonly checkpoint: CheckpointPolicy | undefined;
  readonly log: AuditLog;
  readonly onCheckpoint?: (cp: Checkpoint) => void;
}

export interface StartState {
  head: ChainHead;
  start: { seq: number; prevHash: string };
  lastCheckpointSeq: number;
}
