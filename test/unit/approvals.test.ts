// The decision rules and the webhook signature, against a real (in-memory) SQLite store.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqlite, type SqlDb } from '../../src/storage/sql.js';
import { ApprovalStore, type ApprovalRecord } from '../../src/approvals/store.js';
import { ABANDONED_AFTER_MS, decide, parseDecision, type DecisionInput } from '../../src/approvals/decide.js';
import { signWebhook, verifyWebhook } from '../../src/approvals/webhook.js';

let db: SqlDb;
let store: ApprovalStore;
let n = 0;

beforeEach(async () => {
  db = openSqlite(':memory:');
  store = await ApprovalStore.open(db);
});
afterEach(() => db.close());

async function pending(extra: Partial<ApprovalRecord> = {}): Promise<ApprovalRecord> {
  const now = Date.now();
  const rec: ApprovalRecord = {
    id: `apr_${String(++n).padStart(24, '0')}`, status: 'pending', requester: { subject: 'alice', roles: ['ops'] }, session: 's1',
    upstream: 'crm', kind: 'tool', target: 'send_email', args: '{"to":"x"}', argsHash: 'h1', rule: 'policy.allow[0]', reason: 'the grant requires approval',
    approvers: [], traceId: 't', createdAt: new Date(now).toISOString(), expiresAt: new Date(now + 60_000).toISOString(), ...extra,
  };
  await store.insert(rec);
  return rec;
}

const by = (subject: string, roles: string[] = [], operator = false) => ({ subject, roles, operator });
const input = (id: string, over: Partial<DecisionInput> = {}): DecisionInput => ({ id, decision: 'approve', reason: 'ok', scope: 'call', approver: by('bob'), via: 'admin-api', ...over });

describe('approval decisions', () => {
  it('settles exactly once: the second decision is refused as already decided', async () => {
    const r = await pending();
    const [a, b] = await Promise.all([decide(store, input(r.id)), decide(store, input(r.id, { decision: 'deny', approver: by('carol') }))]);
    expect([a.ok, b.ok].filter(Boolean)).toHaveLength(1);
    const refused = a.ok ? b : a;
    expect(refused).toMatchObject({ ok: false, refusal: 'already_decided' });
  });

  it('refuses self-approval, even by an operator, but lets a requester deny their own call', async () => {
    const r = await pending();
    expect(await decide(store, input(r.id, { approver: by('alice', [], true) }))).toMatchObject({ ok: false, refusal: 'self_approval' });
    expect((await store.get(r.id))?.status).toBe('pending');
    expect(await decide(store, input(r.id, { decision: 'deny', approver: by('alice') }))).toMatchObject({ ok: true, record: { status: 'denied' } });
  });

  it('a rule naming approver roles admits only those roles (operators excepted)', async () => {
    const r = await pending({ approvers: ['lead'] });
    expect(await decide(store, input(r.id, { approver: by('bob', ['approver']) }))).toMatchObject({ ok: false, refusal: 'not_an_approver' });
    expect(await decide(store, input(r.id, { approver: by('bob', ['approver', 'lead']) }))).toMatchObject({ ok: true });
    const r2 = await pending({ approvers: ['lead'] });
    expect(await decide(store, input(r2.id, { approver: by('admin-token', [], true) }))).toMatchObject({ ok: true });
  });

  it('a session-wide approval needs a session, and is found again only for the same caller, session and arguments', async () => {
    const noSession = await pending({ session: undefined });
    expect(await decide(store, input(noSession.id, { scope: 'session' }))).toMatchObject({ ok: false, refusal: 'no_session' });
    const r = await pending();
    expect(await decide(store, input(r.id, { scope: 'session' }))).toMatchObject({ ok: true });
    const q = { session: 's1', subject: 'alice', upstream: 'crm', kind: 'tool', target: 'send_email', argsHash: 'h1' };
    expect((await store.standing(q))?.id).toBe(r.id);
    expect(await store.standing({ ...q, argsHash: 'h2' })).toBeUndefined();
    expect(await store.standing({ ...q, session: 's2' })).toBeUndefined();
    expect(await store.standing({ ...q, subject: 'mallory' })).toBeUndefined();
  });

  it('a request long past its deadline (its replica is gone) is closed, not approved', async () => {
    const past = Date.now() - ABANDONED_AFTER_MS - 1000;
    const r = await pending({ createdAt: new Date(past - 1000).toISOString(), expiresAt: new Date(past).toISOString() });
    expect(await decide(store, input(r.id))).toMatchObject({ ok: false, refusal: 'expired', record: { status: 'timed_out', via: 'stale' } });
  });

  it('unknown ids and malformed bodies get clear refusals', async () => {
    expect(await decide(store, input('apr_nope'))).toMatchObject({ ok: false, refusal: 'unknown_id' });
    expect(parseDecision({ decision: 'approve' })).toMatch(/reason is required/);
    expect(parseDecision({ decision: 'yes', reason: 'x' })).toMatch(/decision must be/);
    expect(parseDecision({ decision: 'approve', reason: 'x', extra: 1 })).toMatch(/unknown field/);
    expect(parseDecision([])).toMatch(/JSON object/);
    expect(parseDecision({ decision: 'approve', reason: ' fine ', scope: 'session' })).toEqual({ decision: 'approve', reason: 'fine', scope: 'session' });
  });
});

describe('webhook signatures', () => {
  const secret = 'whsec-unit-0123456789abcdef';
  const body = '{"event":"approval.requested","approval":{"id":"apr_1"}}';
  const now = 1_767_225_600;

  it('verifies a fresh, untampered delivery', () => {
    expect(verifyWebhook(secret, { timestamp: String(now), signature: signWebhook(secret, now, body) }, body, 300, now + 10)).toBe(true);
  });

  it('refuses a tampered body, another secret, a moved timestamp and a replay past the tolerance', () => {
    const sig = signWebhook(secret, now, body);
    expect(verifyWebhook(secret, { timestamp: String(now), signature: sig }, body.replace('apr_1', 'apr_2'), 300, now)).toBe(false);
    expect(verifyWebhook('another-secret-0123456789', { timestamp: String(now), signature: sig }, body, 300, now)).toBe(false);
    expect(verifyWebhook(secret, { timestamp: String(now + 1), signature: sig }, body, 300, now)).toBe(false);
    expect(verifyWebhook(secret, { timestamp: String(now), signature: sig }, body, 300, now + 301)).toBe(false);
    expect(verifyWebhook(secret, { timestamp: undefined, signature: sig }, body, 300, now)).toBe(false);
  });
});

describe('the approval stage', () => {
  it('is the last request stage, so a person is asked only about calls every other stage lets through', async () => {
    const { parseConfigText } = await import('../../src/config/load.js');
    const { buildStages } = await import('../../src/gateway.js');
    const r = parseConfigText('upstreams: { u: { stdio: { command: node } } }\npolicy:\n  allow: [{ upstream: u, tools: [t], approval: { timeoutMs: 1000 } }]\n');
    if (!r.ok) throw new Error(JSON.stringify(r));
    const names = buildStages(r.config).filter((s) => s.request).map((s) => s.name);
    expect(names.at(-1)).toBe('approval');
  });

  it('fails closed: without an approvals service a call that needs approval is denied, not let through', async () => {
    const { approvalStage } = await import('../../src/stages/approval/stage.js');
    const ctx = { target: { upstream: 'u', kind: 'tool', name: 't' }, approvalRequired: { by: 'policy.allow[0]', reason: 'the grant requires approval' }, principal: { subject: 'a', roles: [], scopes: [], authenticatedBy: 'anonymous' } };
    const v = await approvalStage(undefined).request!(ctx as never, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'u__t' } });
    expect(v).toMatchObject({ kind: 'deny', rejection: { reason: 'denied', rule: 'policy.allow[0]' } });
    const free = await approvalStage(undefined).request!({ ...ctx, approvalRequired: undefined } as never, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'u__t' } });
    expect(free.kind).toBe('pass');
  });
});
