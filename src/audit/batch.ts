/**
 * Sealing one batch: chain its events from the committed head and place the checkpoints that fall due.
 * Pure, so the writer can throw the result away when the commit fails and the head never moves past
 * what is stored.
 */
import type { KeyObject } from 'node:crypto';
import { chainNext, signCheckpoint, type ChainHead, type Checkpoint, type SealedRecord } from './chain.js';

export interface Sealed {
  readonly head: ChainHead;
  readonly lastCheckpointSeq: number;
  readonly records: SealedRecord[];
  readonly checkpoints: Checkpoint[];
}

export interface SealPolicy {
  readonly every: number;
  readonly key: KeyObject;
  /** Sign the head as found before the first record (a checkpoint already due at open). */
  readonly signHead: boolean;
  /** Sign the batch's last record (by time, on demand, at close). */
  readonly signTail: boolean;
}

export function sealBatch(from: ChainHead, lastCheckpointSeq: number, items: ReadonlyArray<{ readonly json: string; readonly timeMs: number }>, policy: SealPolicy | undefined): Sealed {
  const head = { ...from };
  let lastCp = lastCheckpointSeq;
  const records: SealedRecord[] = [];
  const checkpoints: Checkpoint[] = [];
  const sign = (key: KeyObject) => {
    checkpoints.push(signCheckpoint(key, head.seq, head.hash));
    lastCp = head.seq;
  };
  if (policy?.signHead && head.seq > lastCp) sign(policy.key);
  for (const it of items) {
    records.push(chainNext(head, it.json, it.timeMs));
    // Count-based checkpoints land on exact multiples of the gap, whatever the batch boundaries, so
    // verify can hold every gap to `every` records.
    if (policy && policy.every > 0 && head.seq - lastCp >= policy.every) sign(policy.key);
  }
  if (policy?.signTail && head.seq > lastCp) sign(policy.key);
  return { head, lastCheckpointSeq: lastCp, records, checkpoints };
}
