/**
 * One contract, every backend: each test runs against a real SQLite file, a real JSONL file and, when
 * PORTCULLIS_TEST_POSTGRES_URL is set, a real PostgreSQL schema (one chain per trail, as replicas write).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { openAuditTrail, type TrailLocation } from '../../src/audit/trail.js';
import { signCheckpoint } from '../../src/audit/chain.js';
import { verify } from '../../src/audit/verify.js';
import { applyRetention, retentionCutSeq } from '../../src/audit/retention.js';
import { GatewayError } from '../../src/errors.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { search } from '../../src/audit/search.js';
import { runAudit } from '../../src/cli/audit.js';
import { cleanup, event, harnesses, jsonlHarness, keys, load, rechain, recordingLog, saveJsonl, sqliteHarness, tmp, type Harness } from './helpers.js';

const HARNESSES = harnesses();
afterAll(async () => {
  cleanup();
  for (const h of HARNESSES) await h.cleanup();
});

const K = keys();

async function writeTrail(h: Harness, n: number, mode: 'sync' | 'async' = 'sync', every = 10): Promise<TrailLocation> {
  const at = await h.fresh();
  const sink = await h.open(at, { mode, checkpoint: { key: K.privatePem, every }, log: recordingLog() });
  await Promise.all(Array.from({ length: n }, (_, i) => sink.append(event(i + 1))));
  await sink.close();
  return at;
}

async function checkWith(h: Harness, at: TrailLocation, opts: Parameters<typeof verify>[1] = { publicKeys: [K.publicKey] }) {
  const r = await h.reader(at);
  try {
    return await verify(r, opts);
  } finally {
    await r.close();
  }
}

describe.each(HARNESSES)('audit trail contract: $name', (h) => {
  const check = (at: TrailLocation, opts?: Parameters<typeof verify>[1]) => checkWith(h, at, opts);
  it('chains every record, signs checkpoints every N, and verifies intact after reopening', async () => {
    const at = await writeTrail(h, 40);
    const sink = await h.open(at, { mode: 'sync', checkpoint: { key: K.privatePem, every: 10 } });
    await sink.append(event(41));
    await sink.close();
    const r = await check(at);
    // 1 open record + 40 events + 1 open record + 1 event; checkpoints every 10 plus one at each close.
    expect(r).toMatchObject({ ok: true, fromSeq: 1, lastSeq: 43, records: 43, unsignedTail: 0, signaturesChecked: true });
    expect(r.checkpoints).toBeGreaterThanOrEqual(5);
    const t = await h.load(at);
    expect(t.records.map((x) => x.seq)).toEqual(Array.from({ length: 43 }, (_, i) => i + 1));
    expect(t.records[0]!.event).toMatchObject({ kind: 'admin', method: 'audit/open' });
    expect(t.records[1]!.event).toEqual(event(1));
  });

  it('names an edited record', async () => {
    const at = await writeTrail(h, 60);
    const t = await h.load(at);
    t.records[29] = { ...t.records[29]!, event: { ...t.records[29]!.event, principal: { subject: 'mallory', roles: [] } } };
    await h.save(at, t);
    expect((await check(at)).bad).toMatchObject({ seq: 30, kind: 'edited' });
  });

  it('names a deleted record', async () => {
    const at = await writeTrail(h, 60);
    const t = await h.load(at);
    await h.save(at, { ...t, records: t.records.filter((r) => r.seq !== 30) });
    expect((await check(at)).bad).toMatchObject({ seq: 30, kind: 'deleted' });
  });

  it('names the first of two swapped records', async () => {
    const at = await writeTrail(h, 60);
    await h.save(at, h.swap(await h.load(at), 30, 31));
    const bad = (await check(at)).bad;
    expect(bad?.seq).toBe(30);
    expect(bad?.kind).toBe(h.name === 'jsonl' ? 'reordered' : 'edited');
  });

  it('names the first missing record when the tail is truncated after the last checkpoint it kept', async () => {
    const at = await writeTrail(h, 60);
    const t = await h.load(at);
    await h.save(at, { ...t, records: t.records.filter((r) => r.seq <= 55) });
    expect((await check(at)).bad).toMatchObject({ seq: 56, kind: 'truncated' });
  });

  it('catches a truncation that also removed the checkpoints, given an anchor kept outside the store', async () => {
    const at = await writeTrail(h, 60);
    const t = await h.load(at);
    const anchor = { seq: 61, hash: t.records.find((r) => r.seq === 61)!.hash };
    await h.save(at, { ...t, records: t.records.filter((r) => r.seq <= 55), checkpoints: t.checkpoints.filter((c) => c.seq <= 55) });
    expect((await check(at)).ok).toBe(true); // without outside evidence a clean truncation is undetectable: hence anchors
    expect((await check(at, { publicKeys: [K.publicKey], anchor })).bad).toMatchObject({ seq: 56, kind: 'truncated' });
  });

  it('names a forged checkpoint, whether garbage or signed with another key', async () => {
    const at = await writeTrail(h, 60);
    const t = await h.load(at);
    const r35 = t.records.find((r) => r.seq === 35)!;
    await h.save(at, { ...t, checkpoints: [...t.checkpoints, { ...signCheckpoint(K.privateKey, 35, r35.hash), signature: 'AAAA' }] });
    expect((await check(at)).bad).toMatchObject({ seq: 35, kind: 'forged-checkpoint' });
    await h.save(at, { ...t, checkpoints: [...t.checkpoints, signCheckpoint(keys().privateKey, 35, r35.hash)] });
    expect((await check(at)).bad).toMatchObject({ seq: 35, kind: 'forged-checkpoint' });
  });

  it('catches a rewrite with every hash recomputed, by the signed checkpoint after it', async () => {
    const at = await writeTrail(h, 60);
    const t = await h.load(at);
    t.records[33] = { ...t.records[33]!, event: { ...t.records[33]!.event, principal: { subject: 'mallory', roles: [] } } };
    await h.save(at, { ...t, records: rechain(t.records, 33) });
    expect((await check(at)).bad).toMatchObject({ seq: 31, kind: 'rewritten' });
    // ... and deleting the checkpoints that would expose it leaves a gap longer than the declared interval.
    await h.save(at, { ...t, records: rechain(t.records, 33), checkpoints: t.checkpoints.filter((c) => c.seq <= 30) });
    expect((await check(at)).bad).toMatchObject({ seq: 31, kind: 'unsigned-gap' });
  });

  it('sync mode fails closed: append rejects while the store cannot be written, and the chain has no gap after', async () => {
    const log = recordingLog();
    const { sink, restore } = await h.unwritable('sync', log, K.privateKey);
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
      await restore();
      await sink.append(event(3));
      expect(sink.stats().healthy).toBe(true);
    }
    await sink.close().catch(() => undefined);
  });

  it('async mode: a bounded queue, with every record that cannot be queued or written counted and logged', async () => {
    const at = await h.fresh();
    const log = recordingLog();
    const sink = await h.open(at, { mode: 'async', maxQueue: 10, maxBatch: 100, flushMs: 1000, checkpoint: { key: K.privatePem }, log });
    for (let i = 1; i <= 25; i++) await sink.append(event(i)); // resolves at once: nothing drains in between
    expect(sink.stats()).toMatchObject({ queued: 10, lost: { overflow: 15 } });
    await sink.flush();
    const s = sink.stats();
    expect(s).toMatchObject({ appended: 26, written: 11, queued: 0, lost: { overflow: 15, write: 0 } });
    expect(log.lines.filter((l) => l.msg === 'audit record lost')).toHaveLength(15);
    await sink.close();
    expect(await check(at)).toMatchObject({ ok: true, records: 11 });

    const broken = await h.unwritable('async', log, K.privateKey);
    for (let i = 1; i <= 5; i++) void broken.sink.append(event(i));
    await broken.sink.flush();
    expect(broken.sink.stats().lost.write).toBe(5);
    expect(log.lines.filter((l) => l.msg === 'audit record lost')).toHaveLength(20);
    await broken.restore?.();
    await broken.sink.close().catch(() => undefined);
  });

  it('a retention cut drops old records through a signed, announced cut that verify follows', async () => {
    const at = await h.fresh();
    const sink = await h.open(at, { mode: 'async', checkpoint: { key: K.privatePem, every: 10 } });
    for (let i = 1; i <= 80; i++) void sink.append(event(i));
    const cut = await sink.cut(50, { subject: 'ops', roles: ['admin'] });
    await sink.append(event(81));
    await sink.close();
    const r = await check(at);
    expect(r).toMatchObject({ ok: true, fromSeq: 50, cut: { fromSeq: 50 } });
    const t = await h.load(at);
    expect(t.records[0]!.seq).toBe(50);
    expect(t.records.find((x) => x.seq === cut.auditSeq)!.event).toMatchObject({ kind: 'admin', method: 'audit/cut', principal: { subject: 'ops' } });
    await h.save(at, { ...t, cuts: [{ ...t.cuts[0]!, fromSeq: 51 }] });
    expect((await check(at)).bad).toMatchObject({ kind: 'forged-cut' });
    await h.save(at, { ...t, cuts: [] });
    expect((await check(at)).bad).toMatchObject({ seq: 1, kind: 'deleted' });
  });

  it('retention by count or by age becomes a cut below the right record', async () => {
    const at = await h.fresh();
    const sink = await h.open(at, { mode: 'async', checkpoint: { key: K.privatePem, every: 10 } });
    const base = Date.now() + 1000; // after the open record's time
    for (let i = 1; i <= 60; i++) void sink.append(event(i, { time: new Date(base + i * 1000).toISOString() })); // record i+1
    await sink.flush();
    expect(await retentionCutSeq(sink, { maxAgeMs: 20_000 }, base + 60_000)).toBe(41);
    expect(await retentionCutSeq(sink, { maxRecords: 1000 })).toBeUndefined();
    const cut = await applyRetention(sink, { maxRecords: 30, maxAgeMs: 20_000 }, base + 60_000);
    expect(cut?.fromSeq).toBe(41); // the stricter of the two: 30 records would keep from 32
    expect(await applyRetention(sink, { maxRecords: 1000 })).toBeUndefined();
    await sink.close();
    expect(await check(at)).toMatchObject({ ok: true, fromSeq: 41 });
  });

  it('refuses to start on a corrupt or altered trail instead of starting a new chain', async () => {
    const at = await writeTrail(h, 30);
    // The open check covers the records since the last checkpoint (here the newest); `audit verify` covers all.
    const t = await h.load(at);
    t.records[30] = { ...t.records[30]!, event: { ...t.records[30]!.event, outcome: 'allowed', detail: 'x' } };
    await h.save(at, t);
    await expect(h.open(at, { mode: 'sync', checkpoint: { key: K.privatePem } })).rejects.toThrow(/newest records do not verify \(record 31:.*Refusing/);
    const foreign = await h.foreign();
    await expect(h.open(foreign, { mode: 'sync', checkpoint: { key: K.privatePem } })).rejects.toThrow(h.foreignMessage);
  });

  it('refuses to start with checkpoints on and no key, naming the setting', async () => {
    await expect(h.open(await h.fresh(), { mode: 'sync', checkpoint: { key: undefined } })).rejects.toThrow(/audit\.checkpoint\.key is required/);
  });

  it('notes a clock that went backwards in the record and still verifies', async () => {
    const at = await h.fresh();
    const sink = await h.open(at, { mode: 'sync', checkpoint: false });
    await sink.append(event(1, { time: '2030-01-01T00:00:10.000Z' }));
    await sink.append(event(2, { time: '2030-01-01T00:00:04.000Z' }));
    await sink.close();
    expect((await h.load(at)).records.map((r) => r.skewMs)).toEqual([undefined, undefined, 6000]);
    expect(await check(at, {})).toMatchObject({ ok: true, signaturesChecked: false });
  });

  it('sync mode shares one commit among concurrent appends (group commit)', async () => {
    const sink = await h.open(await h.fresh(), { mode: 'sync', checkpoint: false });
    const before = sink.stats().commits;
    await Promise.all(Array.from({ length: 200 }, (_, i) => sink.append(event(i))));
    expect(sink.stats().commits - before).toBeLessThanOrEqual(2);
    await sink.close();
  });

  it('search finds records by principal, tool, time and decision; export writes a JSONL trail that verifies on its own', async () => {
    const at = await writeTrail(h, 30);
    const r = await h.reader(at);
    const seqs = async (f: Parameters<typeof search>[1]) => {
      const out: number[] = [];
      for await (const x of search(r, f)) out.push(x.seq);
      return out;
    };
    try {
      expect(await seqs({ limit: 100, principal: 'bob', decision: 'denied' })).toEqual([16, 31]); // events 15 and 30
      expect(await seqs({ limit: 100, tool: 'fs__read_file', since: '2026-01-01T00:00:25Z' })).toEqual([27, 29, 31]);
      expect(await seqs({ limit: 2, principal: 'alice' })).toHaveLength(2);
    } finally {
      await r.close();
    }
    const out: string[] = [];
    const io = { out: (s: string) => void out.push(s), err: (s: string) => void out.push(s) };
    expect(await runAudit(['export', ...h.cliArgs(at), '--format', 'jsonl'], io)).toBe(0);
    const file = join(tmp(), 'export.jsonl');
    writeFileSync(file, out.join(''));
    expect((await load(file)).records).toEqual((await h.load(at)).records);
    const v: string[] = [];
    expect(await runAudit(['verify', '--db', file, `--key=${K.publicPem}`], { out: (s) => void v.push(s), err: (s) => void v.push(s) })).toBe(0);
    expect(v.join('')).toMatch(/^intact: records 1\.\.31 \(31\)/);
  });

  it('audit verify through the CLI: exit 0 when intact, 1 naming the first bad record', async () => {
    const at = await writeTrail(h, 30);
    const run = async () => {
      const out: string[] = [];
      const code = await runAudit(['verify', ...h.cliArgs(at), `--key=${K.publicPem}`], { out: (s) => void out.push(s), err: (s) => void out.push(s) });
      return { code, out: out.join('') };
    };
    expect(await run()).toMatchObject({ code: 0, out: expect.stringMatching(/intact: records 1\.\.31 \(31\)/) });
    const t = await h.load(at);
    t.records[14] = { ...t.records[14]!, event: { ...t.records[14]!.event, outcome: 'allowed', rule: 'allow.9' } };
    await h.save(at, t);
    expect(await run()).toMatchObject({ code: 1, out: expect.stringMatching(/TAMPERED: record 15 \(edited\)/) });
  });
});

describe('jsonl specifics', () => {
  it('drops a torn final line left by a crash, says so, and continues the chain', async () => {
    const at = await writeTrail(jsonlHarness, 12);
    const path = (at as { path: string }).path;
    const { appendFileSync } = await import('node:fs');
    appendFileSync(path, '{"seq":99,"prevHash":"ab');
    const log = recordingLog();
    const sink = await openAuditTrail({ kind: 'jsonl', path, mode: 'sync', checkpoint: { key: K.privatePem, every: 10 }, log });
    await sink.append(event(13));
    await sink.close();
    expect(log.lines.some((l) => /torn final line/.test(l.msg))).toBe(true);
    expect(await checkWith(jsonlHarness, at)).toMatchObject({ ok: true, records: 15 });
  });

  it('a checkpoint lost with a torn write is signed at open, and the gap rule still holds', async () => {
    const at = await writeTrail(jsonlHarness, 19);
    const path = (at as { path: string }).path; // records 1..20: count-based checkpoints at 10 and 20
    const t = await load(path);
    expect(t.checkpoints.map((c) => c.seq)).toEqual([10, 20]);
    saveJsonl(path, { ...t, checkpoints: t.checkpoints.filter((c) => c.seq !== 20) }); // the crash ate it
    const sink = await openAuditTrail({ kind: 'jsonl', path, mode: 'sync', checkpoint: { key: K.privatePem, every: 10 } });
    await sink.append(event(20));
    await sink.close();
    expect((await load(path)).checkpoints.map((c) => c.seq)).toEqual([10, 20, 22]);
    expect(await checkWith(jsonlHarness, at)).toMatchObject({ ok: true, records: 22 });
  });

  it('refuses a store it cannot write at start', async () => {
    await expect(openAuditTrail({ kind: 'jsonl', path: '/dev/full', mode: 'sync', checkpoint: false, log: recordingLog() })).rejects.toThrow(/cannot write the audit trail/);
  });
});

describe('sqlite specifics', () => {
  it('a second writer on the same file is refused instead of forking the chain', async () => {
    const at = await sqliteHarness.fresh();
    const path = (at as { path: string }).path;
    const log = recordingLog();
    const a = await openAuditTrail({ kind: 'sqlite', path, mode: 'sync', checkpoint: false, log });
    const b = await openAuditTrail({ kind: 'sqlite', path, mode: 'sync', checkpoint: false, log }); // reads a's open record as its tail
    await b.append(event(1));
    await expect(a.append(event(2))).rejects.toThrow(/another process is writing this trail/);
    await Promise.all([a.close(), b.close()]);
    expect(await checkWith(sqliteHarness, at, {})).toMatchObject({ ok: true, records: 3 });
  });
});
