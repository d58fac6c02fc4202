/**
 * verify: walk the chain once, in order, and stop at the first bad record. What each check catches:
 *   seq out of step     → a record deleted (the next one is missing) or reordered (it turns up later);
 *   hash mismatch       → a record edited in place;
 *   prevHash mismatch   → the record before was edited and its hash recomputed to hide it;
 *   checkpoint mismatch → a run of records rewritten with every hash recomputed (only a signature stops that);
 *   checkpoint past end → the tail was truncated after the last checkpoint;
 *   bad signature       → a forged checkpoint or cut;
 *   unsigned gap        → checkpoints deleted to hide a rewrite (longer than the `checkpointEvery` in force).
 */
import type { KeyObject } from 'node:crypto';
import { checkpointSigned, cutSigned, GENESIS, recordHash, type Checkpoint, type Cut, type StoredRecord } from './chain.js';
import { isMalformed, type ReadItem, type TrailReader } from './store.js';
import { parseNote, policyOf } from './notes.js';

export type BadKind = 'edited' | 'deleted' | 'reordered' | 'rewritten' | 'truncated' | 'forged-checkpoint' | 'forged-cut' | 'malformed' | 'unsigned-gap';

export interface BadRecord {
  /** The first record that is not as it was written (or is missing). */
  readonly seq: number;
  readonly kind: BadKind;
  readonly reason: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly bad?: BadRecord;
  readonly fromSeq: number;
  readonly lastSeq: number;
  readonly records: number;
  readonly checkpoints: number;
  readonly lastCheckpointSeq?: number;
  /** Records after the last checkpoint: protected by the hash chain only, not yet by a signature. */
  readonly unsignedTail: number;
  readonly signaturesChecked: boolean;
  readonly cut?: Cut;
}

export interface VerifyOptions {
  /** Keys whose signatures are accepted (the current one and any rotated out). Without any, hashes and
   *  links are checked but signatures are not, and the report says so. */
  readonly publicKeys?: readonly KeyObject[];
  /** A checkpoint kept outside the store (e.g. from the gateway's log): catches a tail truncated with its checkpoints. */
  readonly anchor?: { seq: number; hash: string };
}

export async function verify(reader: TrailReader, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const keys = opts.publicKeys ?? [];
  const cuts = (await reader.cuts()).sort((a, b) => b.fromSeq - a.fromSeq);
  const forged = keys.length > 0 ? cuts.find((c) => !keys.some((k) => cutSigned(c, k))) : undefined;
  const cut = cuts[0];
  const start = cut ? { seq: cut.fromSeq, prevHash: cut.prevHash } : { seq: 1, prevHash: GENESIS };
  const marks: Mark[] = [...(await reader.checkpoints()), ...(opts.anchor ? [{ ...opts.anchor, time: '', signature: '', external: true }] : [])];
  const broken = marks.find((c) => !Number.isSafeInteger(c.seq) || c.seq < 1);
  if (broken) return { fromSeq: start.seq, lastSeq: 0, records: 0, checkpoints: 0, unsignedTail: 0, ok: false, signaturesChecked: keys.length > 0, bad: { seq: 0, kind: 'forged-checkpoint', reason: 'a checkpoint entry is not well formed' } };
  const inRange = marks.filter((c) => c.seq >= start.seq).sort((a, b) => a.seq - b.seq);
  const w = await walk(reader.records(start.seq), start, inRange, keys, cut?.auditSeq);
  let bad = w.bad;
  if (forged) bad = { seq: forged.fromSeq, kind: 'forged-cut', reason: `the retention cut at seq ${forged.fromSeq} has an invalid signature` };
  else if (!bad && cut) bad = cutAnnounced(cut, w.seen);
  return { ...w.summary, ok: bad === undefined, ...(bad ? { bad } : {}), signaturesChecked: keys.length > 0, ...(cut ? { cut } : {}) };
}

/** A cut must be announced by an admin record inside the chain, so dropping records is itself on the record. */
function cutAnnounced(cut: Cut, seen: StoredRecord | undefined): BadRecord | undefined {
  const n = seen ? parseNote(seen.event, 'audit/cut') : undefined;
  if (n && n.fromSeq === cut.fromSeq && n.prevHash === cut.prevHash) return undefined;
  return { seq: cut.auditSeq, kind: 'forged-cut', reason: `the retention cut at seq ${cut.fromSeq} is not announced by record ${cut.auditSeq}` };
}

/** A checkpoint, or an anchor the operator kept outside the store (unsigned, trusted as given). */
export type Mark = Checkpoint & { external?: boolean };

interface Walked {
  bad?: BadRecord;
  /** The record at `watchSeq`, if reached intact. */
  seen?: StoredRecord;
  summary: Omit<VerifyReport, 'ok' | 'bad' | 'signaturesChecked' | 'cut'>;
}

/**
 * The walk itself. With `start` undefined it checks a window of the newest records (at open), trusting
 * the first one's link since what precedes it is not read. `marks` are sorted by seq.
 */
export async function walk(items: Iterable<ReadItem> | AsyncIterable<ReadItem>, start: { seq: number; prevHash: string } | undefined, marks: readonly Mark[], keys: readonly KeyObject[], watchSeq?: number): Promise<Walked> {
  const it: Iterator<ReadItem> | AsyncIterator<ReadItem> = Symbol.asyncIterator in items ? items[Symbol.asyncIterator]() : items[Symbol.iterator]();
  try {
    return await walkFrom(it, start, marks, keys, watchSeq);
  } finally {
    // Stopping early must release the cursor (a SQLite statement stays busy until its iterator is closed).
    await it.return?.();
  }
}

async function walkFrom(it: Iterator<ReadItem> | AsyncIterator<ReadItem>, start: { seq: number; prevHash: string } | undefined, marks: readonly Mark[], keys: readonly KeyObject[], watchSeq?: number): Promise<Walked> {
  const forgedSig = (m: Mark): boolean => !m.external && keys.length > 0 && !keys.some((k) => checkpointSigned(m, k));
  let peeked: IteratorResult<ReadItem> | undefined;
  // A sync iterator's result is used as is (no await per record): only a network reader's pages cost a tick.
  const next = (): IteratorResult<ReadItem> | Promise<IteratorResult<ReadItem>> => {
    const r = peeked ?? it.next();
    peeked = undefined;
    return r;
  };
  let expected = start?.seq;
  let prev = start?.prevHash;
  let count = 0;
  let mi = 0;
  let signedUpTo = start ? start.seq - 1 : 0;
  let every = Infinity; // unknown until an audit/open or audit/cut record declares it
  let allowance = Infinity;
  let seen: StoredRecord | undefined;
  const lastSeq = () => (expected ?? 1) - 1;
  const summary = () => ({ fromSeq: start?.seq ?? 0, lastSeq: lastSeq(), records: count, checkpoints: mi, ...(signedUpTo > 0 ? { lastCheckpointSeq: signedUpTo } : {}), unsignedTail: lastSeq() - signedUpTo });
  const fail = (seq: number, kind: BadKind, reason: string): Walked => ({ bad: { seq, kind, reason }, seen, summary: summary() });
  const forgedAt = (m: Mark, why: string) => fail(m.seq, 'forged-checkpoint', `the checkpoint at seq ${m.seq} ${why}`);
  for (;;) {
    let r = next();
    if (r instanceof Promise) r = await r;
    if (r.done) break;
    const item = r.value;
    if (isMalformed(item)) return fail(item.seq ?? expected ?? 0, 'malformed', `${item.at}: ${item.malformed}`);
    if (expected === undefined || prev === undefined) [expected, prev, signedUpTo] = [item.seq, item.prevHash, item.seq - 1];
    if (item.seq < expected) return fail(item.seq, 'reordered', `record ${item.seq} appears again after record ${expected - 1}`);
    if (item.seq > expected) {
      const p = next();
      peeked = p instanceof Promise ? await p : p;
      const moved = !peeked.done && !isMalformed(peeked.value) && peeked.value.seq === expected;
      return fail(expected, moved ? 'reordered' : 'deleted', moved ? `record ${expected} comes after record ${item.seq}` : `record ${expected} is missing (the next record is ${item.seq})`);
    }
    let h: string;
    try {
      h = recordHash(item.seq, item.prevHash, item.event, item.skewMs);
    } catch {
      return fail(item.seq, 'malformed', `record ${item.seq} holds a value JSON cannot carry`);
    }
    if (h !== item.hash) return fail(item.seq, 'edited', `record ${item.seq} does not match its hash (edited in place)`);
    if (item.prevHash !== prev) {
      return item.seq === start?.seq
        ? fail(item.seq, 'edited', `record ${item.seq} does not link to the start of the chain (${start.seq === 1 ? 'genesis' : 'the retention cut'})`)
        : fail(item.seq - 1, 'edited', `record ${item.seq - 1} was altered and its hash recomputed: record ${item.seq} links to a different hash`);
    }
    // The policy in force for a gap is the largest declared during it; a gap opened by the declaring record uses it alone.
    const p = policyOf(item.event);
    if (p !== undefined) [every, allowance] = [p, item.seq === signedUpTo + 1 ? p : Math.max(allowance, p)];
    if (item.seq === watchSeq) seen = item;
    const stray = marks[mi];
    if (stray && stray.seq < item.seq) return forgedAt(stray, 'does not sit on a record');
    for (let guard = 0; guard < marks.length && marks[mi]?.seq === item.seq; guard++) {
      const m = marks[mi]!;
      if (forgedSig(m)) return forgedAt(m, 'has an invalid signature');
      if (m.hash !== item.hash) return fail(signedUpTo + 1, 'rewritten', `records ${signedUpTo + 1}..${m.seq} were rewritten: the ${m.external ? 'kept anchor' : 'signed checkpoint'} at seq ${m.seq} holds a different hash`);
      if (item.seq - signedUpTo > allowance) return fail(signedUpTo + 1, 'unsigned-gap', `no checkpoint between seq ${signedUpTo} and ${item.seq}, more than the ${allowance} allowed: checkpoints were removed`);
      [signedUpTo, allowance] = [item.seq, every];
      mi++;
    }
    prev = item.hash;
    expected++;
    count++;
  }
  const last = lastSeq();
  const beyond = marks[mi];
  if (beyond) {
    if (forgedSig(beyond)) return forgedAt(beyond, 'has an invalid signature');
    if (beyond.seq <= last) return forgedAt(beyond, 'does not sit on a record');
    return fail(last + 1, 'truncated', `the trail ends at seq ${last} but the ${beyond.external ? 'kept anchor' : 'signed checkpoint'} at seq ${beyond.seq} covers more: records ${last + 1}..${beyond.seq} were truncated`);
  }
  if (last - signedUpTo > allowance) return fail(signedUpTo + 1, 'unsigned-gap', `${last - signedUpTo} records after seq ${signedUpTo} are unsigned, more than the ${allowance} allowed: checkpoints were removed`);
  return { seen, summary: summary() };
}
