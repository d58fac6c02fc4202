// The quarantine store on both storage adapters, and the stage's hand-out of a released result
// through the runner (a stage answers; the upstream is not called again).
import { afterAll, describe, expect, it } from 'vitest';
import { openSql, openSqlite, type SqlDb } from '../../src/storage/sql.js';
import { QuarantineStore, callKey } from '../../src/quarantine/store.js';
import { contentStage } from '../../src/stages/content/stage.js';
import { Runner } from '../../src/pipeline/runner.js';
import { MemoryAuditSink } from '../../src/audit/sinks.js';
import type { JsonRpcRequest } from '../../src/protocol/jsonrpc.js';
import { INJECTION, content, ctxFor, text } from './content-helpers.js';

const PG = process.env.PORTCULLIS_TEST_POSTGRES_URL;
const PG_SCHEMA = `quarantine_test_${process.pid}`;

function contract(name: string, open: () => Promise<SqlDb>) {
  describe(`quarantine store (${name})`, () => {
    let db: SqlDb;
    afterAll(async () => {
      if (db?.kind === 'postgres') await db.query(`DROP SCHEMA IF EXISTS ${PG_SCHEMA} CASCADE`);
      await db?.close();
    });

    it('put → pending; release → taken once; a second take finds nothing', async () => {
      db = await open();
      const store = new QuarantineStore(db);
      const key = callKey('alice', undefined, 'tools/call', 'web', 'fetch', { url: 'x' });
      const id = await store.put({ subject: 'alice', tenant: undefined, upstream: 'web', target: 'fetch', method: 'tools/call', callKey: key, reason: 'rules: x', result: '{"content":[]}' });
      expect(await store.get(id)).toMatchObject({ state: 'pending', subject: 'alice', upstream: 'web', reason: 'rules: x' });
      expect(await store.takeReleased(key)).toBeUndefined();
      expect(await store.decide(id, 'released', 'op')).toEqual({ changed: true, state: 'released' });
      expect(await store.decide(id, 'discarded', 'op')).toEqual({ changed: false, state: 'released' });
      const [a, b] = await Promise.all([store.takeReleased(key), store.takeReleased(key)]);
      expect([a, b].filter(Boolean)).toHaveLength(1);
      expect(await store.get(id)).toMatchObject({ state: 'delivered', decidedBy: 'op' });
      expect((await store.list('delivered')).map((e) => e.id)).toContain(id);
      expect(await store.decide('q_nope', 'released', 'op')).toBeUndefined();
    });

    it('the call key separates principals, tenants and arguments, and ignores key order', () => {
      const k = (sub: string, tenant: string | undefined, args: unknown) => callKey(sub, tenant, 'tools/call', 'web', 'fetch', args);
      expect(k('a', undefined, { x: 1, y: 2 })).toBe(k('a', undefined, { y: 2, x: 1 }));
      expect(k('a', undefined, { x: 1 })).not.toBe(k('b', undefined, { x: 1 }));
      expect(k('a', 't1', { x: 1 })).not.toBe(k('a', 't2', { x: 1 }));
      expect(k('a', undefined, { x: 1 })).not.toBe(k('a', undefined, { x: 2 }));
    });
  });
}

contract('sqlite', async () => openSqlite(':memory:'));
describe.skipIf(!PG)('postgres', () => {
  contract('postgres', () => openSql({ path: ':memory:', postgres: { url: PG!, schema: PG_SCHEMA } }));
});

describe('quarantine through the runner', () => {
  it('a released result answers the same call from the store, once; the upstream is not called', async () => {
    const db = openSqlite(':memory:');
    const store = new QuarantineStore(db);
    const stage = contentStage(content({ injection: 'quarantine' }), { quarantine: async () => store });
    const runner = new Runner([stage], new MemoryAuditSink());
    const req: JsonRpcRequest = { jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'up__read', arguments: { q: 1 } } };
    let upstreamCalls = 0;
    const forward = async () => (upstreamCalls++, { response: { jsonrpc: '2.0' as const, id: 9, result: text(INJECTION) } });

    const first = await runner.run(ctxFor(), req, forward);
    const id = /kept for review as (q_\S+?)\./.exec(JSON.stringify(first))?.[1];
    expect(id).toBeDefined();
    expect(JSON.stringify(first)).not.toContain('Ignore all previous');
    await store.decide(id!, 'released', 'op');

    const released = await runner.run(ctxFor(), req, forward);
    expect(upstreamCalls).toBe(1);
    expect(JSON.stringify(released)).toContain('Ignore all previous');
    expect(JSON.stringify(released)).toContain('released by an operator');

    const other = await runner.run(ctxFor(), { ...req, params: { name: 'up__read', arguments: { q: 2 } } }, forward);
    expect(upstreamCalls).toBe(2);
    expect(JSON.stringify(other)).toContain('quarantined');
    await db.close();
  });
});
