/**
 * The hash chain. Each stored record is {seq, prevHash, hash, event[, skewMs]} where
 *   hash = SHA-256( RFC 8785 canonical JSON of {seq, prevHash, event[, skewMs]} ).
 * Checkpoints and retention cuts are Ed25519 signatures over a canonical payload carrying a type tag,
 * so a signature made for one purpose can never be replayed as the other.
 */
import { hash, sign, verify, type KeyObject } from 'node:crypto';
import canonicalizeModule from 'canonicalize';
import type { AuditEvent } from '../pipeline/types.js';

// The package is CommonJS with an ESM-style .d.ts; at runtime the default import is the function.
const canonicalizeFn = canonicalizeModule as unknown as (v: unknown) => string | undefined;

/** RFC 8785 canonical JSON; throws on values JSON cannot carry (NaN, Infinity, BigInt). */
export function canonical(value: unknown): string {
  const s = canonicalizeFn(value);
  if (s === undefined) throw new TypeError('value has no JSON form');
  // canonicalize builds its output by concatenation: a tree of V8 cons-strings. Queued unflattened, those
  // trees tripled the per-record cost in GC (measured); reading a character makes V8 flatten the string.
  s.charCodeAt(0);
  return s;
}

/** The prevHash of the first record of a chain that has never been cut. */
export const GENESIS = '0'.repeat(64);

export interface StoredRecord {
  readonly seq: number;
  readonly prevHash: string;
  readonly hash: string;
  /** Present only when the clock went backwards: how far (ms) this record's time is behind an earlier one. */
  readonly skewMs?: number;
  readonly event: AuditEvent;
}

/** A record as it is written: the event already in canonical text, so it is serialized exactly once. */
export interface SealedRecord extends Omit<StoredRecord, 'event'> {
  readonly eventJson: string;
}

/** A signature over the chain's state at `seq`: anything before it that changes breaks `hash`. */
export interface Checkpoint {
  readonly seq: number;
  readonly hash: string;
  readonly time: string;
  readonly signature: string;
}

/** Retention: records below `fromSeq` were dropped; `prevHash` is the hash of record fromSeq-1. */
export interface Cut {
  readonly fromSeq: number;
  readonly prevHash: string;
  /** The seq of the admin record that announced this cut inside the chain. */
  readonly auditSeq: number;
  readonly time: string;
  readonly signature: string;
}

// One-shot hash (Node >= 20.12): half the cost of createHash() for record-sized inputs, measured.
const sha256 = (s: string): string => hash('sha256', s, 'hex');

/** The reference definition, used by verify: hash over the canonical form of the parsed record. */
export function recordHash(seq: number, prevHash: string, event: unknown, skewMs?: number): string {
  return sha256(canonical({ seq, prevHash, event, skewMs }));
}

/**
 * The writer's fast path. Keys sort as event < prevHash < seq < skewMs and every value other than the
 * event is ASCII hex or an integer, so splicing the event's canonical text in yields exactly the RFC 8785
 * form `recordHash` computes (a unit test pins the equality).
 */
export function sealRecord(seq: number, prevHash: string, eventJson: string, skewMs?: number): SealedRecord {
  const skew = skewMs === undefined ? '' : `,"skewMs":${skewMs}`;
  const hash = sha256(`{"event":${eventJson},"prevHash":"${prevHash}","seq":${seq}${skew}}`);
  return skewMs === undefined ? { seq, prevHash, hash, eventJson } : { seq, prevHash, hash, skewMs, eventJson };
}

/** Where a chain stands: the last record written, and the latest event time seen (for skew notes). */
export interface ChainHead {
  seq: number;
  hash: string;
  maxTimeMs: number;
}

/**
 * Assigns seq and links records. The clock may step backwards (NTP, VM resume); seq stays monotonic and
 * the record carries `skewMs` instead of the write failing, so an operator sees the jump in the trail.
 */
export function chainNext(head: ChainHead, eventJson: string, timeMs: number): SealedRecord {
  let skew: number | undefined;
  if (Number.isFinite(timeMs)) {
    if (timeMs < head.maxTimeMs) skew = Math.round(head.maxTimeMs - timeMs);
    else head.maxTimeMs = timeMs;
  }
  const rec = sealRecord(head.seq + 1, head.hash, eventJson, skew === 0 ? undefined : skew);
  head.seq = rec.seq;
  head.hash = rec.hash;
  return rec;
}

function checkpointPayload(seq: number, hash: string, time: string): Buffer {
  return Buffer.from(canonical({ type: 'portcullis.audit.checkpoint/v1', seq, hash, time }));
}

function cutPayload(c: Omit<Cut, 'signature'>): Buffer {
  return Buffer.from(canonical({ type: 'portcullis.audit.cut/v1', fromSeq: c.fromSeq, prevHash: c.prevHash, auditSeq: c.auditSeq, time: c.time }));
}

export function signCheckpoint(key: KeyObject, seq: number, hash: string, time = new Date().toISOString()): Checkpoint {
  return { seq, hash, time, signature: sign(null, checkpointPayload(seq, hash, time), key).toString('base64') };
}

export function checkpointSigned(c: Checkpoint, publicKey: KeyObject): boolean {
  return safeVerify(() => checkpointPayload(c.seq, c.hash, c.time), c.signature, publicKey);
}

export function signCut(key: KeyObject, c: Omit<Cut, 'signature'>): Cut {
  return { ...c, signature: sign(null, cutPayload(c), key).toString('base64') };
}

export function cutSigned(c: Cut, publicKey: KeyObject): boolean {
  return safeVerify(() => cutPayload(c), c.signature, publicKey);
}

function safeVerify(data: () => Buffer, signature: string, key: KeyObject): boolean {
  try {
    return typeof signature === 'string' && verify(null, data(), key, Buffer.from(signature, 'base64'));
  } catch {
    // A malformed signature or a field of the wrong type is a failed check, not a crash.
    return false;
  }
}
