import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runAudit } from '../../src/cli/audit.js';
import { openAuditTrail } from '../../src/audit/trail.js';
import { cleanup, event, keys, load, saveSqlite, tmp } from './helpers.js';

afterAll(cleanup);

const K = keys();

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) }, out: () => out.join(''), err: () => err.join('') };
}

async function trail(path: string, kind: 'sqlite' | 'jsonl' = 'sqlite'): Promise<string> {
  const sink = await openAuditTrail({ kind, path, mode: 'sync', checkpoint: { key: K.privatePem, every: 10 } });
  for (let i = 1; i <= 30; i++) await sink.append(event(i));
  await sink.append(event(31, { principal: { subject: 'eve\u001b[2J\u0007', roles: [] }, detail: '=HYPERLINK("http://x")', outcome: 'denied' }));
  await sink.close();
  return path;
}

describe('portcullis audit', () => {
  it('verify: exit 0 when intact, 1 naming the first bad record', async () => {
    const db = await trail(join(tmp(), 'a.db'));
    const ok = io();
    expect(await runAudit(['verify', '--db', db, `--key=${K.publicPem}`], ok.io)).toBe(0);
    expect(ok.out()).toMatch(/^intact: records 1\.\.32 \(32\); 4 checkpoints verified \(key [0-9a-f]{16}\), last at seq 32; 0 newer records/);
    const t = await load(db);
    t.records[14] = { ...t.records[14]!, event: { ...t.records[14]!.event, outcome: 'allowed', rule: 'allow.9' } };
    saveSqlite(db, t);
    const bad = io();
    expect(await runAudit(['verify', '--db', db, `--key=${K.publicPem}`], bad.io)).toBe(1);
    expect(bad.out()).toMatch(/^TAMPERED: record 15 \(edited\): record 15 does not match its hash/);
  });

  it('verify: a signed trail with no key to check it is not reported intact', async () => {
    const db = await trail(join(tmp(), 'a.db'));
    const r = io();
    expect(await runAudit(['verify', '--db', db], r.io)).toBe(1);
    expect(r.out()).toMatch(/NOT VERIFIED: the trail holds 4 signed checkpoints but no public key/);
  });

  it('verify: reads the trail path from --config (the private key works too: only its public half is used)', async () => {
    const dir = tmp();
    const path = await trail(join(dir, 'trail.jsonl'), 'jsonl');
    writeFileSync(join(dir, 'key.pem'), K.privatePem);
    writeFileSync(join(dir, 'gw.yaml'), `audit: { sink: file, path: ${path} }\n`);
    const r = io();
    expect(await runAudit(['verify', '--config', join(dir, 'gw.yaml'), '--key', join(dir, 'key.pem')], r.io)).toBe(0);
    expect(r.out()).toMatch(/^intact/);
  });

  it('search: filters by principal, tool, time and decision; the table shows no terminal escapes', async () => {
    const db = await trail(join(tmp(), 'a.db'));
    const j = io();
    expect(await runAudit(['search', '--db', db, '--principal', 'bob', '--decision', 'deny', '--json'], j.io)).toBe(0);
    const hits = j.out().trim().split('\n').map((l) => JSON.parse(l) as { seq: number; event: { principal: { subject: string }; outcome: string } });
    expect(hits.map((h) => h.seq)).toEqual([16, 31]); // events 15 and 30: bob, denied
    const tool = io();
    await runAudit(['search', '--db', db, '--tool', 'fs__read_file', '--since', '2026-01-01T00:00:25Z', '--json'], tool.io);
    expect(tool.out().trim().split('\n').map((l) => (JSON.parse(l) as { event: { requestId: number } }).event.requestId)).toEqual([26, 28, 30]);
    const table = io();
    await runAudit(['search', '--db', db, '--decision', 'denied'], table.io);
    expect(table.out().split('\n')[0]).toMatch(/^SEQ\s+TIME\s+OUTCOME\s+PRINCIPAL/);
    expect(table.out()).toContain('eve?[2J?');
    expect(table.out()).not.toContain('\u001b');
  });

  it('export: CSV with formulas defused, and JSONL that verifies as a trail of its own', async () => {
    const dir = tmp();
    const db = await trail(join(dir, 'a.db'));
    const csv = io();
    expect(await runAudit(['export', '--db', db, '--format', 'csv'], csv.io)).toBe(0);
    const rows = csv.out().split('\r\n');
    expect(rows[0]).toMatch(/^seq,hash,time,kind,/);
    expect(rows).toHaveLength(32 + 2);
    expect(csv.out()).toContain(`"'=HYPERLINK(""http://x"")"`);
    const jsonl = io();
    expect(await runAudit(['export', '--db', db, '--format', 'jsonl'], jsonl.io)).toBe(0);
    writeFileSync(join(dir, 'export.jsonl'), jsonl.out());
    const v = io();
    expect(await runAudit(['verify', '--db', join(dir, 'export.jsonl'), `--key=${K.publicPem}`], v.io)).toBe(0);
    expect((await load(join(dir, 'export.jsonl'))).records).toEqual((await load(db)).records);
  });

  it('keygen writes a private key (mode 600) and its public half, which verify accepts', async () => {
    const dir = tmp();
    const r = io();
    expect(await runAudit(['keygen', '--out', join(dir, 'audit.key')], r.io)).toBe(0);
    expect(readFileSync(join(dir, 'audit.key'), 'utf8')).toMatch(/BEGIN PRIVATE KEY/);
    const path = join(dir, 'a.db');
    const sink = await openAuditTrail({ kind: 'sqlite', path, mode: 'sync', checkpoint: { key: join(dir, 'audit.key') } });
    await sink.close();
    expect(await runAudit(['verify', '--db', path, '--key', join(dir, 'audit.key.pub')], io().io)).toBe(0);
  });

  it('usage problems exit 2 with the usage text; an unreadable trail exits 1', async () => {
    const u = io();
    expect(await runAudit(['frobnicate'], u.io)).toBe(2);
    expect(u.err()).toMatch(/unknown subcommand "frobnicate"[\s\S]*usage:/);
    expect(await runAudit(['search', '--db', 'x.db', '--decision', 'maybe'], io().io)).toBe(2);
    expect(await runAudit(['verify'], io().io)).toBe(2);
    const missing = io();
    expect(await runAudit(['verify', '--db', join(tmp(), 'none.db')], missing.io)).toBe(1);
    expect(missing.err()).toMatch(/no audit trail there/);
  });
});
