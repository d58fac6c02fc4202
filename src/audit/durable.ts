/**
 * The chained sink: one writer per trail, over any TrailBackend. Appends queue; a drain chains them from
 * the committed head, signs the checkpoints that fall due, and commits the batch in one backend write.
 *   sync  — append resolves once its batch is committed and rejects if it is not (fail closed). All
 *           appends waiting when a drain starts share its commit (group commit).
 *   async — append resolves at once; batches commit every flushMs or maxBatch records. A record that
 *           cannot be queued or written is counted and logged, one line each: never dropped silently.
 * The chain head only advances after a successful commit, so a failed batch leaves no gap behind it.
 */
import { GatewayError } from '../errors.js';
import type { AuditEvent } from '../pipeline/types.js';
import { canonical, signCut, type Cut, type SealedRecord } from './chain.js';
import { sealBatch } from './batch.js';
import type { AuditStats, ChainedSinkOptions, DurabilityMode, DurableAuditSink, StartState } from './port.js';
import { trailEvent } from './notes.js';
import type { TrailBackend } from './store.js';

interface Pending {
  readonly json: string;
  readonly timeMs: number;
  readonly event: AuditEvent;
  readonly resolve?: (r: SealedRecord) => void;
  readonly reject?: (e: Error) => void;
}

const DONE = Promise.resolve();
const NONE = Promise.resolve(undefined);
const MAX_ROUNDS = 64;

export class ChainedAuditSink implements DurableAuditSink {
  readonly mode: DurabilityMode;
  private queue: Pending[] = [];
  private work: Promise<void> = DONE;
  private kicked = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly cpTimer: NodeJS.Timeout | undefined;
  private signHead: boolean;
  private forceCheckpoint = false;
  private lastCpAt = Date.now();
  private closed = false;
  private healthy = true;
  private counts = { appended: 0, written: 0, commits: 0, rejected: 0, overflow: 0, write: 0, invalid: 0, closed: 0 };

  constructor(private readonly backend: TrailBackend, private readonly opts: ChainedSinkOptions, private state: StartState) {
    this.mode = opts.mode;
    const cp = opts.checkpoint;
    // A checkpoint already due at open (a crash between a batch and its signature) is signed at the head as found.
    this.signHead = cp !== undefined && cp.every > 0 && state.head.seq - state.lastCheckpointSeq >= cp.every;
    if (cp) this.cpTimer = setInterval(() => this.tick(), cp.intervalMs).unref();
  }

  append(event: AuditEvent): Promise<void> {
    if (this.mode === 'async') return this.enqueue(event, false) as Promise<undefined>;
    const p = this.enqueue(event, true).then(() => undefined);
    p.catch(() => undefined);
    return p;
  }

  appendDurable(event: AuditEvent): Promise<SealedRecord> {
    return this.enqueue(event, true) as Promise<SealedRecord>;
  }

  private enqueue(event: AuditEvent, wait: boolean): Promise<SealedRecord | undefined> {
    this.counts.appended++;
    if (this.closed) return this.refuse(event, wait, 'closed', 'the audit trail is closed');
    if (this.queue.length >= this.opts.maxQueue) return this.refuse(event, wait, 'overflow', 'the audit queue is full');
    let json: string;
    try {
      json = canonical(event);
    } catch (err) {
      return this.refuse(event, wait, 'invalid', `the event has no JSON form (${(err as Error).message})`);
    }
    const timeMs = Date.parse(event.time);
    if (!wait) {
      this.queue.push({ json, timeMs, event });
      if (this.queue.length >= this.opts.maxBatch) this.kick();
      else this.timer ??= setTimeout(() => this.kick(), this.opts.flushMs);
      return NONE;
    }
    const p = new Promise<SealedRecord>((resolve, reject) => this.queue.push({ json, timeMs, event, resolve, reject }));
    this.kick();
    // A caller that forgets to await must not crash the process with an unhandled rejection; awaiting still sees it.
    p.catch(() => undefined);
    return p;
  }

  private refuse(event: AuditEvent, wait: boolean, cause: 'closed' | 'overflow' | 'invalid', why: string): Promise<undefined> {
    if (!wait) {
      this.lose({ event }, why, undefined, cause);
      return NONE;
    }
    const p = new Promise<undefined>((_, reject) => this.lose({ event, reject }, why, undefined, cause));
    p.catch(() => undefined);
    return p;
  }

  /** One operation at a time on the backend; a failure is logged and never blocks the operations after it. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const op = this.work.then(fn);
    this.work = op.then(
      () => undefined,
      (err: unknown) => this.opts.log.error({ err: err instanceof Error ? err.message : String(err) }, 'audit trail operation failed'),
    );
    return op;
  }

  private kick(): void {
    if (this.kicked) return;
    this.kicked = true;
    setImmediate(() => {
      this.kicked = false;
      void this.serial(() => this.drain());
    });
  }

  private tick(): void {
    if (this.state.head.seq > this.state.lastCheckpointSeq && Date.now() - this.lastCpAt >= this.opts.checkpoint!.intervalMs) {
      this.forceCheckpoint = true;
      this.kick();
    }
  }

  private async drain(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    let ok = true;
    for (let round = 0; ok && round < MAX_ROUNDS && (this.queue.length > 0 || this.forceCheckpoint || this.signHead); round++) {
      ok = await this.commit(this.queue.splice(0, this.opts.maxBatch));
    }
    // After a failure, pause before the next batch rather than spinning on a store that is down.
    if (this.queue.length > 0) {
      if (ok) this.kick();
      else this.timer ??= setTimeout(() => this.kick(), Math.max(this.opts.flushMs, 10));
    }
  }

  /** One backend write; false when it failed (the batch has been refused or counted lost). */
  private async commit(batch: Pending[]): Promise<boolean> {
    const cp = this.opts.checkpoint;
    const [signHead, force] = [this.signHead, this.forceCheckpoint];
    [this.signHead, this.forceCheckpoint] = [false, false];
    const signTail = force || (cp !== undefined && Date.now() - this.lastCpAt >= cp.intervalMs);
    const s = sealBatch(this.state.head, this.state.lastCheckpointSeq, batch, cp && { every: cp.every, key: cp.key, signHead, signTail });
    try {
      if (s.records.length > 0 || s.checkpoints.length > 0) await this.backend.write(s.records, s.checkpoints);
    } catch (err) {
      this.signHead ||= signHead; // the due checkpoint must still land before the next record
      this.healthy = false;
      const why = err instanceof Error ? err.message : String(err);
      for (const p of batch) this.lose(p, why, err);
      return false;
    }
    this.state = { ...this.state, head: s.head, lastCheckpointSeq: s.lastCheckpointSeq };
    this.healthy = true;
    if (s.checkpoints.length > 0) this.lastCpAt = Date.now();
    this.counts.written += s.records.length;
    this.counts.commits++;
    batch.forEach((p, i) => p.resolve?.(s.records[i]!));
    for (const c of s.checkpoints) this.opts.onCheckpoint?.(c);
    return true;
  }

  /** A record that will not be stored: a waiting caller is refused (fail closed), otherwise it is counted lost. Logged either way. */
  private lose(p: { event: AuditEvent; reject?: (e: Error) => void }, why: string, cause: unknown, counter: 'write' | 'overflow' | 'invalid' | 'closed' = 'write'): void {
    if (p.reject) {
      this.counts.rejected++;
      this.opts.log.error(lostLine(p.event, why), 'audit record not written; the call fails closed');
      p.reject(new GatewayError('storage', `audit trail unavailable: ${why}`, { cause }));
    } else {
      this.counts[counter]++;
      this.opts.log.error(lostLine(p.event, why), 'audit record lost');
    }
  }

  async flush(): Promise<void> {
    for (let i = 0; i < 16 && (i === 0 || this.queue.length > 0); i++) await this.serial(() => this.drain()).catch(() => undefined);
  }

  async cut(beforeSeq: number, by?: AuditEvent['principal']): Promise<Cut> {
    const cp = this.opts.checkpoint;
    if (!cp) throw new GatewayError('config', 'a retention cut is signed: it needs checkpoints on (audit.checkpoint.key)');
    await this.flush();
    const { start, head } = this.state;
    if (!Number.isSafeInteger(beforeSeq) || beforeSeq <= start.seq || beforeSeq > head.seq) {
      throw new RangeError(`a cut must keep at least one record: seq ${start.seq + 1}..${head.seq}, not ${beforeSeq}`);
    }
    const prevHash = await this.backend.hashAt(beforeSeq - 1);
    if (prevHash === undefined) throw new GatewayError('storage', `record ${beforeSeq - 1} is not in the trail`);
    const rec = await this.enqueue(trailEvent('audit/cut', { fromSeq: beforeSeq, prevHash, checkpointEvery: cp.every }, by), true);
    // The announcement is signed before any record goes, so the cut is on the signed record first.
    this.forceCheckpoint = true;
    await this.flush();
    if (this.state.lastCheckpointSeq < rec!.seq) throw new GatewayError('storage', 'the cut announcement could not be signed; nothing was dropped');
    const cut = signCut(cp.key, { fromSeq: beforeSeq, prevHash, auditSeq: rec!.seq, time: new Date().toISOString() });
    await this.serial(() => this.backend.applyCut(cut));
    this.state = { ...this.state, start: { seq: beforeSeq, prevHash } };
    return cut;
  }

  async firstSeqSince(time: string): Promise<number | undefined> {
    return this.serial(() => this.backend.firstSeqSince(time));
  }

  stats(): AuditStats {
    const c = this.counts;
    return {
      mode: this.mode, appended: c.appended, written: c.written, commits: c.commits, rejected: c.rejected,
      lost: { overflow: c.overflow, write: c.write, invalid: c.invalid, closed: c.closed },
      queued: this.queue.length, lastSeq: this.state.head.seq, lastCheckpointSeq: this.state.lastCheckpointSeq, healthy: this.healthy,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    clearInterval(this.cpTimer);
    await this.flush();
    // Sign whatever is unsigned, so a clean shutdown leaves the whole trail covered by a signature.
    if (this.opts.checkpoint && this.state.head.seq > this.state.lastCheckpointSeq) {
      this.forceCheckpoint = true;
      await this.flush();
    }
    this.closed = true;
    clearTimeout(this.timer);
    await this.backend.close();
  }
}

/** What a lost-record log line carries: enough to find the call, nothing from its arguments or results. */
function lostLine(e: AuditEvent, why: string): object {
  return { auditLost: { id: e.id, traceId: e.traceId, time: e.time, method: e.method, target: e.target, subject: e.principal.subject, outcome: e.outcome }, why };
}
