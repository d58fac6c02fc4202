import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileAuditSink } from '../../src/audit/sinks.js';
import type { AuditEvent } from '../../src/pipeline/types.js';

const event = (id: string): AuditEvent =>
  ({ time: new Date().toISOString(), id, traceId: 't', direction: 'inbound', kind: 'request', transport: 'http', environment: 'default', era: 'legacy', principal: { subject: 'anonymous', roles: [] }, method: 'tools/call', outcome: 'allowed', stages: [], latencyMs: 1 }) as AuditEvent;
const settle = () => new Promise((r) => setTimeout(r, 100));

// Before, the write stream had no 'error' listener: the first failed write was an uncaught exception
// and the gateway process died (a full disk took the gateway down with it).
describe('the plain audit file sink, when the file cannot be written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-file-sink-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.skipIf(!existsSync('/dev/full'))('a full disk: records are counted as lost and the process carries on', async () => {
    const sink = new FileAuditSink('/dev/full', undefined, 60_000);
    sink.append(event('a'));
    sink.append(event('b'));
    await settle();
    expect(sink.healthy()).toBe(false);
    sink.append(event('c')); // while closed: counted, not written
    expect(sink.lost).toBe(3);
    await sink.close();
  });

  it('reopens after the pause and writes again once the file can be written', async () => {
    const path = join(dir, 'audit.jsonl');
    mkdirSync(path); // a directory where the file should be: opening it fails (EISDIR)
    const sink = new FileAuditSink(path, undefined, 50);
    sink.append(event('lost-1'));
    await settle();
    expect(sink.healthy()).toBe(false);
    rmSync(path, { recursive: true });
    await settle(); // past retryMs
    sink.append(event('kept-1'));
    sink.append(event('kept-2'));
    await sink.close();
    expect(readFileSync(path, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as AuditEvent).id)).toEqual(['kept-1', 'kept-2']);
    expect(sink.lost).toBe(1);
  });
});
