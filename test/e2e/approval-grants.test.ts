// Human approval of calls a grant holds, end to end: a real gateway process, a real legacy MCP server
// over HTTP (its stderr shows every add_tool it really ran), the admin API, the CLI, a webhook receiver.
import { createHmac } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, LEGACY, NODE, ROOT, connectV1, post, httpUpstream, startGateway, startHttpFixture, stopAll, tempDir, textOf, waitFor, type Gateway, type HttpServer } from './helpers.js';
import { ADMIN_TOKEN, WEBHOOK_SECRET, adminUrl, bearer, call, decide, identityFor, listApprovals, pendingFor, session, token, webhookReceiver, type ApprovalView } from './approval-helpers.js';

let upstream: HttpServer;
let gw: Gateway;
let admin = '';
let dir = '';
let hook: Awaited<ReturnType<typeof webhookReceiver>>;
const tokens: Record<string, string> = {};

const added = (name: string) => upstream.proc.stderr().split('\n').filter((l) => l.endsWith(`added tool ${name}`)).length;

beforeAll(async () => {
  dir = tempDir();
  hook = await webhookReceiver();
  upstream = await startHttpFixture(LEGACY, ['--http', '--name', 'ops']);
  const held = { timeoutMs: 60_000 };
  gw = await startGateway({
    log: { level: 'info' },
    admin: { enabled: true, host: '127.0.0.1', port: 0 },
    identity: identityFor(dir),
    storage: { path: join(dir, 'state.db') },
    approvals: { adminToken: ADMIN_TOKEN, webhook: { url: hook.url, secret: WEBHOOK_SECRET }, pollMs: 100, progressMs: 200 },
    upstreams: { ops: httpUpstream(upstream.url) },
    policy: {
      roles: {
        ops: [
          { upstream: 'ops', tools: ['add_tool', 'tool_0'], approval: held },
          { upstream: 'ops', tools: ['tool_2'], approval: { ...held, userConsent: true } },
          { upstream: 'ops', tools: ['tool_3'] },
        ],
        hurried: [{ upstream: 'ops', tools: ['add_tool'], approval: { timeoutMs: 1500 } }],
        approver: [],
      },
    },
  });
  await waitFor(() => /admin listener ready/.test(gw.proc.stderr()), 10_000, 'admin listener');
  admin = adminUrl(gw);
  tokens.alice = await token(dir, 'alice', ['ops', 'approver']);
  tokens.bob = await token(dir, 'bob', ['approver']);
  tokens.carol = await token(dir, 'carol', ['hurried']);
  tokens.eve = await token(dir, 'eve', ['ops']);
}, 60_000);

afterAll(async () => {
  await hook?.close();
  await stopAll();
});

const callRecord = (id: number) => gw.audit().find((r) => r.kind === 'request' && r.method === 'tools/call' && r.requestId === id);
const adminRecords = (approval: string) => gw.audit().filter((r) => r.kind === 'admin' && r.rule === `approval:${approval}`);

describe('approval of a call a grant holds', () => {
  it('granted: the upstream is called once, only after the decision; progress while waiting; all of it audited', async () => {
    const h = await session(gw.url, tokens.alice!);
    const pending = call(gw.url, h, 'ops__add_tool', { name: 'granted1' });
    const req = await pendingFor(admin, 'add_tool', 'granted1');
    expect(req).toMatchObject({ status: 'pending', requester: { subject: 'alice' } });
    // Held: the upstream has not seen the call.
    await new Promise((r) => setTimeout(r, 300));
    expect(added('granted1')).toBe(0);

    const d = await decide(admin, req.id, tokens.bob!, { decision: 'approve', reason: 'change ticket 42' });
    expect(d.status).toBe(200);
    const res = await pending;
    expect(textOf(res.json?.result)).toBe('added granted1');
    await waitFor(() => added('granted1') > 0, 5_000, 'upstream log line');
    expect(added('granted1')).toBe(1);
    // Progress notifications reached the agent on the call's stream before the result.
    const progress = res.text.split('\n').filter((l) => l.startsWith('data:') && l.includes('notifications/progress') && l.includes(`waiting for approval ${req.id}`));
    expect(progress.length).toBeGreaterThanOrEqual(1);

    await waitFor(() => callRecord(res.id) !== undefined && adminRecords(req.id).length >= 3, 5_000, 'audit records');
    expect(callRecord(res.id)).toMatchObject({ outcome: 'allowed', rule: `approval:${req.id}` });
    const events = adminRecords(req.id);
    expect(events.find((e) => e.method === 'approval/requested')).toMatchObject({ principal: { subject: 'alice' } });
    expect(events.find((e) => e.method === 'approval/decide')).toMatchObject({ principal: { subject: 'bob' }, outcome: 'allowed' });
    const resolved = events.find((e) => e.method === 'approval/resolved');
    expect(resolved).toMatchObject({ principal: { subject: 'bob' }, outcome: 'allowed' });
    expect(resolved?.detail).toContain('change ticket 42');
  });

  it('denied: the upstream is never called and the agent is told who denied and why', async () => {
    const h = await session(gw.url, tokens.alice!);
    const pending = call(gw.url, h, 'ops__add_tool', { name: 'denied1' });
    const req = await pendingFor(admin, 'add_tool', 'denied1');
    expect((await decide(admin, req.id, tokens.bob!, { decision: 'deny', reason: 'not during the freeze' })).status).toBe(200);
    const res = await pending;
    expect(res.json?.error?.code).toBe(-32001);
    expect(res.json?.error?.data).toMatchObject({ reason: 'denied', rule: `approval:${req.id}`, approval: { status: 'denied', decidedBy: 'bob', reason: 'not during the freeze' } });
    await new Promise((r) => setTimeout(r, 300));
    expect(added('denied1')).toBe(0);
    await waitFor(() => callRecord(res.id) !== undefined, 5_000, 'call record');
    expect(callRecord(res.id)).toMatchObject({ outcome: 'denied', rule: `approval:${req.id}` });
  });

  it('timed out: no decision in time denies, the upstream is never called, the store says timed_out', async () => {
    const h = await session(gw.url, tokens.carol!);
    const res = await call(gw.url, h, 'ops__add_tool', { name: 'late1' });
    expect(res.json?.error?.data).toMatchObject({ reason: 'denied', approval: { status: 'timed_out' } });
    const id = String(res.json?.error?.data?.rule).replace('approval:', '');
    expect((await listApprovals(admin, true)).find((a) => a.id === id)).toMatchObject({ status: 'timed_out', via: 'timeout' });
    // A decision after the fact is refused: the request is settled.
    expect((await decide(admin, id, tokens.bob!, { decision: 'approve', reason: 'too late' })).status).toBe(409);
    expect(added('late1')).toBe(0);
  });

  it('an approver cannot approve their own call (refused and audited); another approver can', async () => {
    const h = await session(gw.url, tokens.alice!);
    const pending = call(gw.url, h, 'ops__add_tool', { name: 'self1' });
    const req = await pendingFor(admin, 'add_tool', 'self1');
    const self = await decide(admin, req.id, tokens.alice!, { decision: 'approve', reason: 'trust me' });
    expect(self.status).toBe(403);
    expect(self.json.refusal).toBe('self_approval');
    expect((await listApprovals(admin)).find((a) => a.id === req.id)?.status).toBe('pending');
    await new Promise((r) => setTimeout(r, 300));
    expect(added('self1')).toBe(0);
    expect((await decide(admin, req.id, tokens.bob!, { decision: 'approve', reason: 'reviewed' })).status).toBe(200);
    expect(textOf((await pending).json?.result)).toBe('added self1');
    await waitFor(() => adminRecords(req.id).some((e) => e.method === 'approval/decide' && e.outcome === 'denied'), 5_000, 'refusal record');
    expect(adminRecords(req.id).find((e) => e.method === 'approval/decide' && e.outcome === 'denied')).toMatchObject({ principal: { subject: 'alice' }, reason: 'self_approval' });
  });

  it('an agent that goes away while waiting: the wait ends, the request is cancelled, the upstream is never called', async () => {
    const h = await session(gw.url, tokens.alice!);
    const abort = new AbortController();
    const pending = call(gw.url, h, 'ops__add_tool', { name: 'gone1' }, abort.signal).catch((e: unknown) => e);
    const req = await pendingFor(admin, 'add_tool', 'gone1');
    abort.abort();
    await pending;
    let rec: ApprovalView | undefined;
    await waitFor(async () => (rec = (await listApprovals(admin, true)).find((a) => a.id === req.id))?.status === 'cancelled', 10_000, 'cancelled status');
    expect(rec).toMatchObject({ via: 'agent', decidedBy: 'alice' });
    // Approving afterwards changes nothing: the call is gone and stays uncalled.
    expect((await decide(admin, req.id, tokens.bob!, { decision: 'approve', reason: 'late' })).status).toBe(409);
    await waitFor(() => gw.audit().some((r) => r.kind === 'request' && r.rule === `approval:${req.id}`), 5_000, 'call record');
    expect(gw.audit().find((r) => r.kind === 'request' && r.rule === `approval:${req.id}`)).toMatchObject({ outcome: 'failed', reason: 'cancelled' });
    expect(added('gone1')).toBe(0);
  });

  it('notifications/cancelled from the agent abandons the wait the same way', async () => {
    const h = await session(gw.url, tokens.alice!);
    const pending = call(gw.url, h, 'ops__add_tool', { name: 'cancel1' });
    const req = await pendingFor(admin, 'add_tool', 'cancel1');
    const [held] = await Promise.all([pending, post(gw.url, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: pending.id } }, h)]);
    expect(held.json?.error?.data).toMatchObject({ reason: 'cancelled', rule: `approval:${req.id}` });
    expect((await listApprovals(admin, true)).find((a) => a.id === req.id)?.status).toBe('cancelled');
    expect(added('cancel1')).toBe(0);
  });

  it('a session-wide approval covers the same tool with the same arguments for the rest of the session only', async () => {
    const h = await session(gw.url, tokens.alice!);
    const first = call(gw.url, h, 'ops__tool_0', { ticket: 7 });
    const req = await pendingFor(admin, 'tool_0', '"ticket":7');
    expect((await decide(admin, req.id, tokens.bob!, { decision: 'approve', reason: 'fine for today', scope: 'session' })).status).toBe(200);
    expect(textOf((await first).json?.result)).toContain('"tool":"tool_0"');

    const again = await call(gw.url, h, 'ops__tool_0', { ticket: 7 });
    expect(textOf(again.json?.result)).toContain('"ticket":7');
    await waitFor(() => callRecord(again.id) !== undefined, 5_000, 'reuse record');
    expect(callRecord(again.id)).toMatchObject({ outcome: 'allowed', rule: `approval:${req.id}` });

    // Other arguments, or another session of the same caller, need a decision of their own.
    const other = call(gw.url, h, 'ops__tool_0', { ticket: 8 });
    const req2 = await pendingFor(admin, 'tool_0', '"ticket":8');
    expect(req2.id).not.toBe(req.id);
    await decide(admin, req2.id, tokens.bob!, { decision: 'deny', reason: 'no' });
    expect((await other).json?.error?.data?.reason).toBe('denied');
    const h2 = await session(gw.url, tokens.alice!);
    const elsewhere = call(gw.url, h2, 'ops__tool_0', { ticket: 7 });
    const req3 = await pendingFor(admin, 'tool_0', '"ticket":7');
    expect(req3.id).not.toBe(req.id);
    await decide(admin, req3.id, tokens.bob!, { decision: 'deny', reason: 'new session' });
    expect((await elsewhere).json?.error?.data?.reason).toBe('denied');
  });

  it('the webhook receives a correctly signed payload for the request and its outcome', async () => {
    const h = await session(gw.url, tokens.alice!);
    const pending = call(gw.url, h, 'ops__add_tool', { name: 'hooked1' });
    const req = await pendingFor(admin, 'add_tool', 'hooked1');
    await waitFor(() => hook.deliveries.some((d) => d.body.includes(req.id)), 10_000, 'webhook delivery');
    const d = hook.deliveries.find((x) => x.body.includes(req.id) && x.headers['x-portcullis-event'] === 'approval.requested')!;
    // The documented check, done independently: HMAC-SHA256(secret, timestamp + "." + raw body).
    const ts = String(d.headers['x-portcullis-timestamp']);
    const expected = `v1=${createHmac('sha256', WEBHOOK_SECRET).update(`${ts}.${d.body}`).digest('hex')}`;
    expect(d.headers['x-portcullis-signature']).toBe(expected);
    expect(Math.abs(Date.now() / 1000 - Number(ts))).toBeLessThan(300);
    const forged = `v1=${createHmac('sha256', 'another-secret-0123456789').update(`${ts}.${d.body}`).digest('hex')}`;
    expect(forged).not.toBe(expected);
    const payload = JSON.parse(d.body) as { event: string; approval: ApprovalView; decide: { path: string } };
    expect(payload).toMatchObject({ event: 'approval.requested', approval: { id: req.id, status: 'pending', target: 'add_tool', requester: { subject: 'alice' } }, decide: { path: `/admin/approvals/${req.id}` } });
    await decide(admin, req.id, tokens.bob!, { decision: 'deny', reason: 'just a test' });
    await pending;
    await waitFor(() => hook.deliveries.some((x) => x.body.includes(req.id) && x.headers['x-portcullis-event'] === 'approval.resolved'), 10_000, 'resolved delivery');
  });

  it('the admin API refuses the unauthenticated (401), a wrong token (401) and a token without the approver role (403)', async () => {
    const h = await session(gw.url, tokens.eve!);
    const pending = call(gw.url, h, 'ops__add_tool', { name: 'unauth1' });
    const req = await pendingFor(admin, 'add_tool', 'unauth1');
    expect((await fetch(`${admin}/admin/approvals`)).status).toBe(401);
    const anon = await fetch(`${admin}/admin/approvals/${req.id}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ decision: 'approve', reason: 'x' }) });
    expect(anon.status).toBe(401);
    expect(anon.headers.get('www-authenticate')).toContain('Bearer');
    expect((await decide(admin, req.id, 'not-the-admin-token-0123456789abcdef', { decision: 'approve', reason: 'x' })).status).toBe(401);
    expect((await decide(admin, req.id, tokens.carol!, { decision: 'approve', reason: 'x' })).status).toBe(403);
    expect((await listApprovals(admin)).find((a) => a.id === req.id)?.status).toBe('pending');
    // The admin token is an operator: it may decide.
    expect((await decide(admin, req.id, ADMIN_TOKEN, { decision: 'deny', reason: 'cleanup' })).status).toBe(200);
    await pending;
    expect(added('unauth1')).toBe(0);
  });

  it('bad decisions get clear errors: unknown id 404, bad body 400, deny for the session 400', async () => {
    expect((await decide(admin, 'apr_000000000000000000000000', ADMIN_TOKEN, { decision: 'approve', reason: 'x' })).status).toBe(404);
    expect((await decide(admin, 'nonsense', ADMIN_TOKEN, { decision: 'approve', reason: 'x' })).status).toBe(404);
    const h = await session(gw.url, tokens.alice!);
    const pending = call(gw.url, h, 'ops__add_tool', { name: 'bad1' });
    const req = await pendingFor(admin, 'add_tool', 'bad1');
    expect((await decide(admin, req.id, ADMIN_TOKEN, { decision: 'maybe', reason: 'x' })).status).toBe(400);
    expect((await decide(admin, req.id, ADMIN_TOKEN, { decision: 'approve' })).status).toBe(400);
    expect((await decide(admin, req.id, ADMIN_TOKEN, { decision: 'deny', reason: 'x', scope: 'session' })).status).toBe(400);
    const raw = await fetch(`${admin}/admin/approvals/${req.id}`, { method: 'POST', headers: bearer(ADMIN_TOKEN), body: '{not json' });
    expect(raw.status).toBe(400);
    await decide(admin, req.id, ADMIN_TOKEN, { decision: 'deny', reason: 'done' });
    await pending;
  });

  it('a decision from the CLI (another process, straight in the store) releases the held call', async () => {
    const h = await session(gw.url, tokens.alice!);
    const pending = call(gw.url, h, 'ops__add_tool', { name: 'cli1' });
    const req = await pendingFor(admin, 'add_tool', 'cli1');
    const cli = (...args: string[]) => spawnSync(NODE, [CLI, 'approvals', ...args, '--config', gw.configPath], { cwd: ROOT, encoding: 'utf8', timeout: 20_000 });
    expect(cli('list').stdout).toContain(req.id);
    const self = cli('approve', req.id, '--reason', 'mine', '--as', 'alice');
    expect(self.status).toBe(1);
    expect(self.stderr).toContain('cannot approve their own call');
    const ok = cli('approve', req.id, '--reason', 'on call', '--as', 'dave');
    expect(ok.status, ok.stderr).toBe(0);
    expect(textOf((await pending).json?.result)).toBe('added cli1');
    await waitFor(() => added('cli1') > 0, 5_000, 'upstream log line');
    expect(added('cli1')).toBe(1);
    await waitFor(() => adminRecords(req.id).some((e) => e.method === 'approval/resolved'), 5_000, 'resolved record');
    expect(adminRecords(req.id).find((e) => e.method === 'approval/resolved')).toMatchObject({ principal: { subject: 'dave' } });
    expect(adminRecords(req.id).find((e) => e.method === 'approval/resolved')?.detail).toContain('via cli');
  }, 120_000); // each CLI run is a cold Node start

  it('user consent: an agent that takes elicitation is asked, and its yes releases the call', async () => {
    const { client } = await connectV1(gw.url, { headers: bearer(tokens.alice!) });
    const r = await client.callTool({ name: 'ops__tool_2', arguments: { via: 'user' } });
    expect(textOf(r)).toContain('"tool":"tool_2"');
    const rec = (await listApprovals(admin, true)).find((a) => a.target === 'tool_2');
    expect(rec).toMatchObject({ status: 'approved', via: 'elicitation', decidedBy: 'alice' });
  });

  it('a grant without approval is not held', async () => {
    const h = await session(gw.url, tokens.alice!);
    const res = await call(gw.url, h, 'ops__tool_3', {});
    expect(textOf(res.json?.result)).toContain('"tool":"tool_3"');
    expect((await listApprovals(admin, true)).some((a) => a.target === 'tool_3')).toBe(false);
  });
});
