import { describe, expect, it } from 'vitest';
import { openAuditTrail, openTrailReader } from '../../src/audit/trail.js';
import { verify } from '../../src/audit/verify.js';
import { event, keys, tmp } from './helpers.js';
import { join } from 'node:path';
import { rmSync } from 'node:fs';

describe('a large trail', () => {
  it('verifies a trail of 100,000 records (times printed, not asserted)', async () => {
    const k = keys();
    const dir = tmp();
    const path = join(dir, 'big.db');
    const sink = await openAuditTrail({ kind: 'sqlite', path, mode: 'async', maxQueue: 20_000, checkpoint: { key: k.privateKey, every: 1000 } });
    const t0 = performance.now();
    for (let i = 1; i < 100_000; i++) {
      void sink.append(event(i));
      // Yield now and then so the writer drains; the queue bound is the async mode's, not the test's.
      if (i % 5000 === 0) await new Promise((r) => setImmediate(r));
    }
    await sink.close();
    const wrote = performance.now() - t0;
    expect(sink.stats()).toMatchObject({ written: 100_000, lost: { overflow: 0, write: 0 } });
    const reader = openTrailReader(path);
    const t1 = performance.now();
    const r = await verify(reader, { publicKeys: [k.publicKey] });
    const checked = performance.now() - t1;
    await reader.close();
    rmSync(dir, { recursive: true, force: true });
    expect(r).toMatchObject({ ok: true, records: 100_000, unsignedTail: 0 });
    expect(r.checkpoints).toBeGreaterThanOrEqual(100);
    console.log(`100,000 records: written in ${wrote.toFixed(0)} ms, verified in ${checked.toFixed(0)} ms (${r.checkpoints} checkpoints)`);
  }, 120_000);
});
