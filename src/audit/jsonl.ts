/**
 * A JSONL trail: one file, one line per record, with each checkpoint line written right after the record
 * it signs (in the same write, so a crash cannot keep one without the other) and cut lines at the head.
 * The file is also the export format: `audit export --format jsonl` output verifies like a trail.
 */
import { open, rename, type FileHandle } from 'node:fs/promises';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, statSync, truncateSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { GENESIS, type Checkpoint, type Cut, type SealedRecord } from './chain.js';
import { forwardLines, tailLines } from './lines.js';
import { AuditTrailError, isMalformed, toCheckpoint, toCut, toRecord, type OpenState, type ReadItem, type TrailBackend, type TrailReader } from './store.js';

export const recordLine = (r: SealedRecord): string =>
  `{"seq":${r.seq},"prevHash":"${r.prevHash}","hash":"${r.hash}"${r.skewMs === undefined ? '' : `,"skewMs":${r.skewMs}`},"event":${r.eventJson}}\n`;
export const checkpointLine = (c: Checkpoint): string => JSON.stringify({ checkpoint: c }) + '\n';
export const cutLine = (c: Cut): string => JSON.stringify({ cut: c }) + '\n';

type Parsed = { record: ReadItem } | { checkpoint: Checkpoint | undefined } | { cut: Cut | undefined };

function parseLine(text: string, at: string): Parsed {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { record: { malformed: 'not valid JSON', at } };
  }
  if (v !== null && typeof v === 'object' && 'checkpoint' in v) return { checkpoint: toCheckpoint(v.checkpoint) };
  if (v !== null && typeof v === 'object' && 'cut' in v) return { cut: toCut(v.cut) };
  return { record: toRecord(v, at) };
}

export class JsonlTrailReader implements TrailReader {
  constructor(readonly where: string) {
    if (!existsSync(where)) throw new AuditTrailError(`${where}: no audit trail there`);
  }
  *records(fromSeq = 1): Iterable<ReadItem> {
    for (const l of forwardLines(this.where)) {
      const p = parseLine(l.text, `line ${l.no}`);
      if ('checkpoint' in p && !p.checkpoint) yield { malformed: 'a checkpoint line is not well formed', at: `line ${l.no}` };
      if ('cut' in p && !p.cut) yield { malformed: 'a cut line is not well formed', at: `line ${l.no}` };
      if ('record' in p && (isMalformed(p.record) || p.record.seq >= fromSeq)) yield p.record;
    }
  }
  checkpoints(): Checkpoint[] {
    return this.marks().cps;
  }
  cuts(): Cut[] {
    return this.marks().cuts;
  }
  private marks(): { cps: Checkpoint[]; cuts: Cut[] } {
    const cps: Checkpoint[] = [];
    const cuts: Cut[] = [];
    for (const l of forwardLines(this.where)) {
      // Records start with {"seq" as we write them; anything else gets a full parse, so an edited line still counts.
      if (l.text.startsWith('{"seq":')) continue;
      const p = parseLine(l.text, `line ${l.no}`);
      if ('checkpoint' in p && p.checkpoint) cps.push(p.checkpoint);
      if ('cut' in p && p.cut) cuts.push(p.cut);
    }
    return { cps, cuts };
  }
  close(): void {}
}

export class JsonlTrailBackend implements TrailBackend {
  private fh: FileHandle | undefined;
  private size = 0;
  private broken = false;
  private readonly reader: JsonlTrailReader;

  constructor(readonly where: string, private readonly opts: { fsync: boolean }) {
    mkdirSync(dirname(where), { recursive: true });
    // Owner-only: the trail names principals, sessions and tools.
    if (!existsSync(where)) closeSync(openSync(where, 'a', 0o600));
    this.reader = new JsonlTrailReader(where);
  }

  open(window: number): OpenState {
    let found: Checkpoint | undefined;
    const t = tailLines(this.where, window * 2 + 2, (newestFirst) => {
      // Stop once the newest checkpoint line and the record line before it (the record it signs) are read.
      if (found) return true;
      const p = parseLine(newestFirst[newestFirst.length - 1]!, 'tail');
      if ('checkpoint' in p && p.checkpoint) found = p.checkpoint;
      return false;
    });
    if (t.completeBytes < t.size) {
      // A torn final write from a crash: that record was never acknowledged, so it is dropped, not chained over.
      truncateSync(this.where, t.completeBytes);
    }
    this.size = t.completeBytes;
    const tail: ReadItem[] = [];
    for (const [i, text] of t.lines.entries()) {
      const p = parseLine(text, `line -${t.lines.length - i} from the end`);
      if ('record' in p) tail.push(p.record);
      else if ('checkpoint' in p && !p.checkpoint) tail.push({ malformed: 'a checkpoint line is not well formed', at: 'near the end' });
    }
    const cuts: Cut[] = [];
    for (const l of forwardLines(this.where)) {
      if (!l.text.startsWith('{"cut":')) break;
      const p = parseLine(l.text, `line ${l.no}`);
      if ('cut' in p && p.cut) cuts.push(p.cut);
    }
    const cut = [...cuts].sort((a, b) => b.fromSeq - a.fromSeq)[0];
    const start = cut ? { seq: cut.fromSeq, prevHash: cut.prevHash } : { seq: 1, prevHash: GENESIS };
    return { start, tail, cuts, ...(found ? { lastCheckpoint: found } : {}), ...(t.completeBytes < t.size ? { repaired: `dropped a torn final line of ${t.size - t.completeBytes} bytes` } : {}) };
  }

  async write(records: readonly SealedRecord[], cps: readonly Checkpoint[]): Promise<void> {
    let text = '';
    let ci = 0;
    // Each checkpoint line goes right after the line of the record it signs (a writer reads them as a pair at open).
    for (const r of records) {
      for (; ci < cps.length && cps[ci]!.seq < r.seq; ci++) text += checkpointLine(cps[ci]!);
      text += recordLine(r);
      for (; ci < cps.length && cps[ci]!.seq === r.seq; ci++) text += checkpointLine(cps[ci]!);
    }
    for (; ci < cps.length; ci++) text += checkpointLine(cps[ci]!);
    const buf = Buffer.from(text, 'utf8');
    if (this.broken) throw new Error('a failed write could not be taken back; restart to repair the trail file');
    this.fh ??= await open(this.where, 'a');
    try {
      let off = 0;
      for (let guard = 0; off < buf.length && guard < 1000; guard++) off += (await this.fh.write(buf, off)).bytesWritten;
      if (off < buf.length) throw new Error('short write');
      if (this.opts.fsync) await this.fh.datasync();
      this.size += buf.length;
    } catch (err) {
      // Take back a partial line, so the next write does not land after a torn one. If even that fails,
      // stop writing: a restart drops a torn tail at open (complete lines of the failed batch stay, chained).
      await this.fh.truncate(this.size).catch(() => {
        this.broken = true;
      });
      throw err;
    }
  }

  async hashAt(seq: number): Promise<string | undefined> {
    for (const r of this.reader.records(seq)) if (!isMalformed(r) && r.seq === seq) return r.hash;
    return undefined;
  }

  async firstSeqSince(time: string): Promise<number | undefined> {
    for (const r of this.reader.records()) if (!isMalformed(r) && r.event.time >= time) return r.seq;
    return undefined;
  }

  /** Rewrite the file without the dropped records: cut lines first, then what remains, then swap it in. */
  async applyCut(cut: Cut): Promise<void> {
    const tmp = `${this.where}.cut-${process.pid}`;
    const fd = openSync(tmp, 'w');
    try {
      for (const c of [...this.reader.cuts(), cut]) writeSync(fd, cutLine(c));
      for (const l of forwardLines(this.where)) {
        const p = parseLine(l.text, `line ${l.no}`);
        const seq = 'record' in p ? p.record.seq : 'checkpoint' in p ? p.checkpoint?.seq : undefined;
        if (!('cut' in p) && (seq === undefined || seq >= cut.fromSeq)) writeSync(fd, l.text + '\n');
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    await this.fh?.close();
    this.fh = undefined;
    await rename(tmp, this.where);
    this.size = statSync(this.where).size;
  }

  async close(): Promise<void> {
    await this.fh?.close();
    this.fh = undefined;
  }
}
