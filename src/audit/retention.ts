/**
 * Retention policy → a cut. Keeping the newest N records, or records younger than an age, both become
 * "drop below seq K"; the stricter of the two wins. Nothing is dropped except through the signed,
 * announced cut (see ChainedAuditSink.cut), so verify can always start from what is left.
 */
import type { Cut } from './chain.js';
import type { DurableAuditSink } from './port.js';

export interface RetentionPolicy {
  /** Keep at most this many of the newest records. */
  readonly maxRecords?: number;
  /** Drop records older than this. */
  readonly maxAgeMs?: number;
}

/** The seq to cut below, or undefined when the policy keeps everything. */
export async function retentionCutSeq(sink: DurableAuditSink, policy: RetentionPolicy, now = Date.now()): Promise<number | undefined> {
  const last = sink.stats().lastSeq;
  let k = 0;
  if (policy.maxRecords !== undefined) k = Math.max(k, last - policy.maxRecords + 1);
  if (policy.maxAgeMs !== undefined) {
    // Nothing young enough: keep the newest record anyway, a chain is never cut to nothing.
    k = Math.max(k, (await sink.firstSeqSince(new Date(now - policy.maxAgeMs).toISOString())) ?? last);
  }
  return k > 1 ? Math.min(k, last) : undefined;
}

/** Apply the policy once; the caller schedules it (e.g. hourly). Returns the cut made, if any. */
export async function applyRetention(sink: DurableAuditSink, policy: RetentionPolicy, now = Date.now()): Promise<Cut | undefined> {
  const k = await retentionCutSeq(sink, policy, now);
  if (k === undefined) return undefined;
  try {
    return await sink.cut(k);
  } catch (err) {
    // Already cut at or beyond k: nothing to do. Anything else is the caller's to log.
    if (err instanceof RangeError) return undefined;
    throw err;
  }
}
