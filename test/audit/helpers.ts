/**
 * Test helpers: events, keys, a log that records lines, and one harness per backend that tampers with a
 * REAL stored trail the way an attacker with write access to the file would.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { AuditEvent } from '../../src/pipeline/types.js';
import { GENESIS, recordHash, type Checkpoint, type Cut, type StoredRecord } from '../../src/audit/chain.js';
import { isMalformed } from '../../src/audit/store.js';
import { openTrailReader } from '../../src/audit/trail.js';
import { checkpointLine, cutLine, recordLine } from '../../src/audit/jsonl.js';
import { ChainedAuditSink } from '../../src/audit/durable.js';
import type { AuditLog, DurabilityMode } from '../../src/audit/port.js';
import { JsonlTrailBackend } from '../../src/audit/jsonl.js';

export function event(n: number, over: Partial<AuditEvent> = {}): AuditEvent {
  return {
    time: new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString(),
    id: `gw-${n}`,
    traceId: n.toString(16).padStart(32, '0'),
    direction: 'inbound',
    kind: 'request',
    transport: 'http',
    era: 'legacy',
    principal: { subject: n % 3 === 0 ? 'bob' : 'alice', roles: ['analyst'] },
    session: 's-1',
    upstream: 'fs',
    method: 'tools/call',
    target: n % 2 === 0 ? 'read_file' : 'write_file',
    requestId: n,
    outcome: n % 5 === 0 ? 'denied' : 'allowed',
    ...(n % 5 === 0 ? { reason: 'denied', rule: 'allow.0' } : { rule: 'allow.1' }),
    stages: [{ stage: 'allowlist', verdict: n % 5 === 0 ? 'deny' : 'pass', ms: 0.01 }],
    latencyMs: 1.5,
    result: { bytes: 10 * n, isError: false },
    ...over,
  };
}

export function keys(): { privateKey: KeyObject; publicKey: KeyObject; privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey, publicKey,
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

const made: string[] = [];

export function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-audit-'));
  made.push(dir);
  return dir;
}

/** For afterAll: remove every directory tmp() made. */
export function cleanup(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function recordingLog(): AuditLog & { lines: Array<{ msg: string; obj: object }> } {
  const lines: Array<{ msg: string; obj: object }> = [];
  return { lines, warn: (obj, msg) => lines.push({ obj, msg }), error: (obj, msg) => lines.push({ obj, msg }) };
}

/** The whole trail as data, for tampering. */
export interface Trail {
  records: StoredRecord[];
  checkpoints: Checkpoint[];
  cuts: Cut[];
}

export function load(path: string): Trail {
  const r = openTrailReader(path);
  try {
    const records = [...r.records()].filter((x): x is StoredRecord => !isMalformed(x));
    return { records, checkpoints: r.checkpoints(), cuts: r.cuts() };
  } finally {
    r.close();
  }
}

/** Recompute every hash from `fromSeq` on, as an attacker without the signing key can. */
export function rechain(records: StoredRecord[], fromIndex: number): StoredRecord[] {
  let prev = fromIndex === 0 ? GENESIS : records[fromIndex - 1]!.hash;
  return records.map((r, i) => {
    if (i < fromIndex) return r;
    const hash = recordHash(r.seq, prev, r.event, r.skewMs);
    const out = { ...r, prevHash: prev, hash };
    prev = hash;
    return out;
  });
}

export interface Harness {
  readonly name: 'sqlite' | 'jsonl';
  file(dir: string): string;
  save(path: string, t: Trail): void;
  /** Swap two records as they sit in storage (SQLite rows are keyed by seq, so their contents move). */
  swap(t: Trail, a: number, b: number): Trail;
  /** A trail whose writes fail at run time, and how to make it writable again (when the medium allows). */
  unwritable(dir: string, mode: DurabilityMode, log: AuditLog, key: KeyObject): Promise<{ sink: ChainedAuditSink; restore?: () => void }>;
}

const byIndex = (t: Trail, seq: number) => t.records.findIndex((r) => r.seq === seq);

export const sqliteHarness: Harness = {
  name: 'sqlite',
  file: (dir) => join(dir, 'audit.db'),
  save(path, t) {
    const db = new Database(path);
    db.transaction(() => {
      db.exec('DELETE FROM records; DELETE FROM checkpoints; DELETE FROM cuts;');
      const ins = db.prepare('INSERT INTO records (seq, prev_hash, hash, skew_ms, event) VALUES (?, ?, ?, ?, ?)');
      for (const r of t.records) ins.run(r.seq, r.prevHash, r.hash, r.skewMs ?? null, JSON.stringify(r.event));
      const cp = db.prepare('INSERT INTO checkpoints (seq, hash, time, signature) VALUES (?, ?, ?, ?)');
      for (const c of t.checkpoints) cp.run(c.seq, c.hash, c.time, c.signature);
      const cut = db.prepare('INSERT INTO cuts (from_seq, prev_hash, audit_seq, time, signature) VALUES (?, ?, ?, ?, ?)');
      for (const c of t.cuts) cut.run(c.fromSeq, c.prevHash, c.auditSeq, c.time, c.signature);
    })();
    db.close();
  },
  swap(t, a, b) {
    const records = [...t.records];
    const [i, j] = [byIndex(t, a), byIndex(t, b)];
    [records[i], records[j]] = [{ ...records[j]!, seq: a }, { ...records[i]!, seq: b }];
    return { ...t, records };
  },
  async unwritable(dir, mode, log, key) {
    const { openAuditTrail } = await import('../../src/audit/trail.js');
    const path = join(dir, 'locked.db');
    const sink = await openAuditTrail({ kind: 'sqlite', path, mode, busyTimeoutMs: 20, checkpoint: { key, every: 10 }, log });
    // Another connection holds the write lock: every commit of ours fails with SQLITE_BUSY, as on a stuck disk.
    const holder = new Database(path);
    holder.exec('BEGIN EXCLUSIVE');
    return { sink, restore: () => (holder.exec('ROLLBACK'), holder.close()) };
  },
};

export const jsonlHarness: Harness = {
  name: 'jsonl',
  file: (dir) => join(dir, 'audit.jsonl'),
  save(path, t) {
    let text = t.cuts.map(cutLine).join('');
    const cps = [...t.checkpoints].sort((a, b) => a.seq - b.seq);
    let ci = 0;
    for (const r of t.records) {
      text += recordLine({ seq: r.seq, prevHash: r.prevHash, hash: r.hash, ...(r.skewMs === undefined ? {} : { skewMs: r.skewMs }), eventJson: JSON.stringify(r.event) });
      for (; ci < cps.length && cps[ci]!.seq <= r.seq; ci++) text += checkpointLine(cps[ci]!);
    }
    for (; ci < cps.length; ci++) text += checkpointLine(cps[ci]!);
    writeFileSync(path, text);
  },
  swap(t, a, b) {
    const records = [...t.records];
    const [i, j] = [byIndex(t, a), byIndex(t, b)];
    [records[i], records[j]] = [records[j]!, records[i]!];
    return { ...t, records };
  },
  async unwritable(_dir, mode, log, key) {
    // /dev/full accepts the open and fails every write with ENOSPC: a full disk, for real.
    const backend = new JsonlTrailBackend('/dev/full', { fsync: mode === 'sync' });
    const state = backend.open(10);
    const sink = new ChainedAuditSink(backend, { mode, maxQueue: 100, maxBatch: 50, flushMs: 5, checkpoint: { every: 10, intervalMs: 60_000, key }, log }, { head: { seq: 0, hash: GENESIS, maxTimeMs: -Infinity }, start: state.start, lastCheckpointSeq: 0 });
    return { sink };
  },
};

export function lines(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');
}
