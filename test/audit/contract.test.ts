/**
 * One contract, every backend: each test runs against a real SQLite file and a real JSONL file.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { openAuditTrail, openTrailReader } from '../../src/audit/trail.js';
import { signCheckpoint } from '../../src/audit/chain.js';
import { verify } from '../../src/audit/verify.js';
import { applyRetention, retentionCutSeq } from '../../src/audit/retention.js';
import { GatewayError } from '../../src/errors.js';
import { cleanup, event, jsonlHarness, keys, load, rechain, recordingLog, sqliteHarness, tmp, type Harness } from './helpers.js';

afterAll(cleanup);

const K = keys();

async function writeTrail(h: Harness, n: number, mode: 'sync' | 'async' = 'sync', every = 10): Promise<string> {
  const path = h.file(tmp());
  const sink = await openAuditTrail({ kind: h.name, path, mode, checkpoint: { key: K.privatePem, every }, log: recordingLog() });
  await Promise.all(Array.from({ length: n }, (_, i) => sink.append(event(i + 1))));
  await sink.close();
  return path;
}

function check(path: string, opts: Parameters<typeof verify>[1] = { publicKeys: [K.publicKey] }) {
  const r = openTrailReader(path);
  try {
    return verify(r, opts);
  } finally {
    r.close();
  }
}

describe.each([sqliteHarness, jsonlHarness])('audit trail contract: $name', (h) => {
  it('chains every record, signs checkpoints every N, and verifies intact after reopening', async () => {
    const path = await writeTrail(h, 40);
    const sink = await openAuditTrail({ kind: h.name, path, mode: 'sync', checkpoint: { key: K.privatePem, every: 10 } });
    await sink.append(event(41));
    await sink.close();
    const r = check(path);
    // 1 open record + 40 events + 1 open record + 1 event; checkpoints every 10 plus one at each close.
    expect(r).toMatchObject({ ok: true, fromSeq: 1, lastSeq: 43, records: 43, unsignedTail: 0, signaturesChecked: true });
    expect(r.checkpoints).toBeGreaterThanOrEqual(5);
    const t = load(path);
    expect(t.records.map((x) => x.seq)).toEqual(Array.from({ length: 43 }, (_, i) => i + 1));
    expect(t.records[0]!.event).toMatchObject({ kind: 'admin', method: 'audit/open' });
    expect(t.records[1]!.event).toEqual(event(1));
  });

  it('names an edited record', async () => {
    const path = await writeTrail(h, 60);
    const t = load(path);
    t.records[29] = { ...t.records[29]!, event: { ...t.records[29]!.event, principal: { subject: 'mallory', roles: [] } } };
    h.save(path, t);
    expect(check(path).bad).toMatchObject({ seq: 30, kind: 'edited' });
  });

  it('names a deleted record', async () => {
    const path = await writeTrail(h, 60);
    const t = load(path);
    h.save(path, { ...t, records: t.records.filter((r) => r.seq !== 30) });
    expect(check(path).bad).toMatchObject({ seq: 30, kind: 'deleted' });
  });

  it('names the first of two swapped records', async () => {
    const path = await writeTrail(h, 60);
    h.save(path, h.swap(load(path), 30, 31));
    const bad = check(path).bad;
    expect(bad?.seq).toBe(30);
    expect(bad?.kind).toBe(h.name === 'jsonl' ? 'reordered' : 'edited');
  });

  it('names the first missing record when the tail is truncated after the last checkpoint it kept', async () => {
    const path = await writeTrail(h, 60);
    const t = load(path);
    h.save(path, { ...t, records: t.records.filter((r) => r.seq <= 55) });
    expect(check(path).bad).toMatchObject({ seq: 56, kind: 'truncated' });
  });

  it('catches a truncation that also removed the checkpoints, given an anchor kept outside the store', async () => {
    const path = await writeTrail(h, 60);
    const t = load(path);
    const anchor = { seq: 61, hash: t.records.find((r) => r.seq === 61)!.hash };
    h.save(path, { ...t, records: t.records.filter((r) => r.seq <= 55), checkpoints: t.checkpoints.filter((c) => c.seq <= 55) });
    expect(check(path).ok).toBe(true); // without outside evidence a clean truncation is undetectable: hence anchors
    expect(check(path, { publicKeys: [K.publicKey], anchor }).bad).toMatchObject({ seq: 56, kind: 'truncated' });
  });

  it('names a forged checkpoint, whether garbage or signed with another key', async () => {
    const path = await writeTrail(h, 60);
    const t = load(path);
    const at = t.records.find((r) => r.seq === 35)!;
    h.save(path, { ...t, checkpoints: [...t.checkpoints, { ...signCheckpoint(K.privateKey, 35, at.hash), signature: 'AAAA' }] });
    expect(check(path).bad).toMatchObject({ seq: 35, kind: 'forged-checkpoint' });
    h.save(path, { ...t, checkpoints: [...t.checkpoints, signCheckpoint(keys().privateKey, 35, at.hash)] });
    expect(check(path).bad).toMatchObject({ seq: 35, kind: 'forged-checkpoint' });
  });

  it('catches a rewrite with every hash recomputed, by the signed checkpoint after it', async () => {
    const path = await writeTrail(h, 60);
    const t = load(path);
    t.records[33] = { ...t.records[33]!, event: { ...t.records[33]!.event, principal: { subject: 'mallory', roles: [] } } };
    h.save(path, { ...t, records: rechain(t.records, 33) });
    expect(check(path).bad).toMatchObject({ seq: 31, kind: 'rewritten' });
    // ... and deleting the checkpoints that would expose it leaves a gap longer than the declared interval.
    h.save(path, { ...t, records: rechain(t.records, 33), checkpoints: t.checkpoints.filter((c) => c.seq <= 30) });
    expect(check(path).bad).toMatchObject({ seq: 31, kind: 'unsigned-gap' });
  });

  it('sync mode fails closed: append rejects while the store cannot be written, and the chain has no gap after', async () => {
    const log = recordingLog();
    const { sink, restore } = await h.unwritable(tmp(), 'sync', log, K.privateKey);
    const results = await Promise.allSettled([sink.append(event(1)), sink.append(event(2))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason).toBeInstanceOf(GatewayError);
    expect((results[0] as PromiseRejectedResult).reason.message).toMatch(/audit trail unavailable/);
    expect(sink.stats()).toMatchObject({ rejected: 2, healthy: false });
    expect(log.lines.filter((l) => /fails closed/.test(l.msg))).toHaveLength(2);
    // A caller that does not await (the void AuditSink.append of today's runner) must not crash the process.
    void sink.append(event(9));
    await sink.flush();
    expect(sink.stats().rejected).toBe(3);
    if (restore) {
      restore();
      await sink.append(event(3));
      expect(sink.stats().healthy).toBe(true);
    }
    await sink.close().catch(() => undefined);
  });

  it('async mode: a bounded queue, with every record that cannot be queued or written counted and logged', async () => {
    const path = h.file(tmp());
    const log = recordingLog();
    const sink = await openAuditTrail({ kind: h.name, path, mode: 'async', maxQueue: 10, maxBatch: 100, flushMs: 1000, checkpoint: { key: K.privatePem }, log });
    for (let i = 1; i <= 25; i++) await sink.append(event(i)); // resolves at once: nothing drains in between
    expect(sink.stats()).toMatchObject({ queued: 10, lost: { overflow: 15 } });
    await sink.flush();
    const s = sink.stats();
    expect(s).toMatchObject({ appended: 26, written: 11, queued: 0, lost: { overflow: 15, write: 0 } });
    expect(log.lines.filter((l) => l.msg === 'audit record lost')).toHaveLength(15);
    await sink.close();
    expect(check(path)).toMatchObject({ ok: true, records: 11 });

    const broken = await h.unwritable(tmp(), 'async', log, K.privateKey);
    for (let i = 1; i <= 5; i++) void broken.sink.append(event(i));
    await broken.sink.flush();
    expect(broken.sink.stats().lost.write).toBe(5);
    expect(log.lines.filter((l) => l.msg === 'audit record lost')).toHaveLength(20);
    broken.restore?.();
    await broken.sink.close().catch(() => undefined);
  });

  it('a retention cut drops old records through a signed, announced cut that verify follows', async () => {
    const path = h.file(tmp());
    const sink = await openAuditTrail({ kind: h.name, path, mode: 'async', checkpoint: { key: K.privatePem, every: 10 } });
    for (let i = 1; i <= 80; i++) void sink.append(event(i));
    const cut = await sink.cut(50, { subject: 'ops', roles: ['admin'] });
    await sink.append(event(81));
    await sink.close();
    const r = check(path);
    expect(r).toMatchObject({ ok: true, fromSeq: 50, cut: { fromSeq: 50 } });
    const t = load(path);
    expect(t.records[0]!.seq).toBe(50);
    expect(t.records.find((x) => x.seq === cut.auditSeq)!.event).toMatchObject({ kind: 'admin', method: 'audit/cut', principal: { subject: 'ops' } });
    h.save(path, { ...t, cuts: [{ ...t.cuts[0]!, fromSeq: 51 }] });
    expect(check(path).bad).toMatchObject({ kind: 'forged-cut' });
    h.save(path, { ...t, cuts: [] });
    expect(check(path).bad).toMatchObject({ seq: 1, kind: 'deleted' });
  });

  it('retention by count or by age becomes a cut below the right record', async () => {
    const path = h.file(tmp());
    const sink = await openAuditTrail({ kind: h.name, path, mode: 'async', checkpoint: { key: K.privatePem, every: 10 } });
    const base = Date.now() + 1000; // after the open record's time
    for (let i = 1; i <= 60; i++) void sink.append(event(i, { time: new Date(base + i * 1000).toISOString() })); // record i+1
    await sink.flush();
    expect(await retentionCutSeq(sink, { maxAgeMs: 20_000 }, base + 60_000)).toBe(41);
    expect(await retentionCutSeq(sink, { maxRecords: 1000 })).toBeUndefined();
    const cut = await applyRetention(sink, { maxRecords: 30, maxAgeMs: 20_000 }, base + 60_000);
    expect(cut?.fromSeq).toBe(41); // the stricter of the two: 30 records would keep from 32
    expect(await applyRetention(sink, { maxRecords: 1000 })).toBeUndefined();
    await sink.close();
    expect(check(path)).toMatchObject({ ok: true, fromSeq: 41 });
  });

  it('refuses to start on a corrupt or altered trail instead of starting a new chain', async () => {
    const path = await writeTrail(h, 30);
    // The open check covers the records since the last checkpoint (here the newest); `audit verify` covers all.
    const t = load(path);
    t.records[30] = { ...t.records[30]!, event: { ...t.records[30]!.event, outcome: 'allowed', detail: 'x' } };
    h.save(path, t);
    await expect(openAuditTrail({ kind: h.name, path, mode: 'sync', checkpoint: { key: K.privatePem } })).rejects.toThrow(/newest records do not verify \(record 31:.*Refusing/);
    rmSync(path);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path, 'this is not an audit trail, it is a file that was overwritten by accident\n'.repeat(200));
    await expect(openAuditTrail({ kind: h.name, path, mode: 'sync', checkpoint: { key: K.privatePem } })).rejects.toThrow(h.name === 'sqlite' ? /corrupt or not a SQLite database/ : /do not verify/);
  });

  it('refuses to start with checkpoints on and no key, naming the setting', async () => {
    await expect(openAuditTrail({ kind: h.name, path: h.file(tmp()), mode: 'sync', checkpoint: { key: undefined } })).rejects.toThrow(/audit\.checkpoint\.key is required/);
  });

  it('notes a clock that went backwards in the record and still verifies', async () => {
    const path = h.file(tmp());
    const sink = await openAuditTrail({ kind: h.name, path, mode: 'sync', checkpoint: false });
    await sink.append(event(1, { time: '2030-01-01T00:00:10.000Z' }));
    await sink.append(event(2, { time: '2030-01-01T00:00:04.000Z' }));
    await sink.close();
    expect(load(path).records.map((r) => r.skewMs)).toEqual([undefined, undefined, 6000]);
    expect(check(path, {})).toMatchObject({ ok: true, signaturesChecked: false });
  });

  it('sync mode shares one commit among concurrent appends (group commit)', async () => {
    const sink = await openAuditTrail({ kind: h.name, path: h.file(tmp()), mode: 'sync', checkpoint: false });
    const before = sink.stats().commits;
    await Promise.all(Array.from({ length: 200 }, (_, i) => sink.append(event(i))));
    expect(sink.stats().commits - before).toBeLessThanOrEqual(2);
    await sink.close();
  });
});

describe('jsonl specifics', () => {
  it('drops a torn final line left by a crash, says so, and continues the chain', async () => {
    const path = await writeTrail(jsonlHarness, 12);
    const { appendFileSync } = await import('node:fs');
    appendFileSync(path, '{"seq":99,"prevHash":"ab');
    const log = recordingLog();
    const sink = await openAuditTrail({ kind: 'jsonl', path, mode: 'sync', checkpoint: { key: K.privatePem, every: 10 }, log });
    await sink.append(event(13));
    await sink.close();
    expect(log.lines.some((l) => /torn final line/.test(l.msg))).toBe(true);
    expect(check(path)).toMatchObject({ ok: true, records: 15 });
  });

  it('a checkpoint lost with a torn write is signed at open, and the gap rule still holds', async () => {
    const path = await writeTrail(jsonlHarness, 19); // records 1..20: count-based checkpoints at 10 and 20
    const t = load(path);
    expect(t.checkpoints.map((c) => c.seq)).toEqual([10, 20]);
    jsonlHarness.save(path, { ...t, checkpoints: t.checkpoints.filter((c) => c.seq !== 20) }); // the crash ate it
    const sink = await openAuditTrail({ kind: 'jsonl', path, mode: 'sync', checkpoint: { key: K.privatePem, every: 10 } });
    await sink.append(event(20));
    await sink.close();
    expect(load(path).checkpoints.map((c) => c.seq)).toEqual([10, 20, 22]);
    expect(check(path)).toMatchObject({ ok: true, records: 22 });
  });

  it('refuses a store it cannot write at start', async () => {
    await expect(openAuditTrail({ kind: 'jsonl', path: '/dev/full', mode: 'sync', checkpoint: false, log: recordingLog() })).rejects.toThrow(/cannot write the audit trail/);
  });
});

describe('sqlite specifics', () => {
  it('a second writer on the same file is refused instead of forking the chain', async () => {
    const path = sqliteHarness.file(tmp());
    const log = recordingLog();
    const a = await openAuditTrail({ kind: 'sqlite', path, mode: 'sync', checkpoint: false, log });
    const b = await openAuditTrail({ kind: 'sqlite', path, mode: 'sync', checkpoint: false, log }); // reads a's open record as its tail
    await b.append(event(1));
    await expect(a.append(event(2))).rejects.toThrow(/another process is writing this trail/);
    await Promise.all([a.close(), b.close()]);
    expect(check(path, {})).toMatchObject({ ok: true, records: 3 });
  });
});
