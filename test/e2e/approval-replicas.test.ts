// Two gateway replicas sharing PostgreSQL: a call held by one replica is released by a decision made on
// the other replica's admin API (the holder polls the shared store). Needs PORTCULLIS_TEST_POSTGRES_URL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { LEGACY, httpUpstream, startGateway, startHttpFixture, stopAll, textOf, waitFor, type Gateway, type HttpServer } from './helpers.js';
import { ADMIN_TOKEN, adminUrl, call, decide, listApprovals, pendingFor, session } from './approval-helpers.js';

const PG = process.env.PORTCULLIS_TEST_POSTGRES_URL;
const SCHEMA = `approvals_e2e_${process.pid}_${Date.now() % 100000}`;

describe.skipIf(!PG)('approvals across replicas sharing PostgreSQL', () => {
  let upstream: HttpServer;
  let a: Gateway;
  let b: Gateway;
  let adminA = '';
  let adminB = '';

  beforeAll(async () => {
    upstream = await startHttpFixture(LEGACY, ['--http', '--name', 'shared']);
    const config = {
      log: { level: 'info' },
      admin: { enabled: true, host: '127.0.0.1', port: 0 },
      storage: { postgres: { url: PG!, schema: SCHEMA } },
      approvals: { adminToken: ADMIN_TOKEN, pollMs: 100 },
      upstreams: { shared: httpUpstream(upstream.url) },
      policy: { allow: [{ upstream: 'shared', tools: ['add_tool'], approval: { timeoutMs: 60_000 } }] },
    };
    [a, b] = await Promise.all([startGateway(config), startGateway(config)]);
    await waitFor(() => /admin listener ready/.test(a.proc.stderr()) && /admin listener ready/.test(b.proc.stderr()), 10_000, 'admin listeners');
    adminA = adminUrl(a);
    adminB = adminUrl(b);
  }, 60_000);

  afterAll(async () => {
    await stopAll();
    const client = new pg.Client({ connectionString: PG });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
    await client.end();
  });

  const added = (name: string) => upstream.proc.stderr().split('\n').filter((l) => l.endsWith(`added tool ${name}`)).length;

  it('a call held on replica A is released by an approval on replica B', async () => {
    const pending = call(a.url, await session(a.url), 'shared__add_tool', { name: 'replica1' });
    // B sees A's request in the shared store.
    const req = await pendingFor(adminB, 'add_tool', 'replica1');
    expect(added('replica1')).toBe(0);
    expect((await decide(adminB, req.id, ADMIN_TOKEN, { decision: 'approve', reason: 'approved on B' })).status).toBe(200);
    expect(textOf((await pending).json?.result)).toBe('added replica1');
    await waitFor(() => added('replica1') > 0, 5_000, 'upstream log line');
    expect(added('replica1')).toBe(1);
    // The holder (A) wrote the outcome; B wrote the decision.
    await waitFor(() => a.audit().some((r) => r.method === 'approval/resolved' && r.rule === `approval:${req.id}`), 5_000, 'resolved on A');
    expect(b.audit().some((r) => r.method === 'approval/decide' && r.rule === `approval:${req.id}`)).toBe(true);
  });

  it('a denial on replica B reaches the call held on A, and a second decision on A is refused', async () => {
    const pending = call(a.url, await session(a.url), 'shared__add_tool', { name: 'replica2' });
    const req = await pendingFor(adminB, 'add_tool', 'replica2');
    expect((await decide(adminB, req.id, ADMIN_TOKEN, { decision: 'deny', reason: 'denied on B' })).status).toBe(200);
    expect((await pending).json?.error?.data).toMatchObject({ reason: 'denied', approval: { status: 'denied', reason: 'denied on B' } });
    const again = await decide(adminA, req.id, ADMIN_TOKEN, { decision: 'approve', reason: 'approve on A' });
    expect(again.status).toBe(409);
    expect((await listApprovals(adminA, true)).find((x) => x.id === req.id)?.status).toBe('denied');
    expect(added('replica2')).toBe(0);
  });
});
