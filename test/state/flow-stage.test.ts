// The flow and rate-limit stages on their own, over the in-process stores: approval marking, fail
// closed when the store fails (on the way in and on the way back), and the config checks.
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseConfigText } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { ANONYMOUS, type Ctx, type Verdict } from '../../src/pipeline/types.js';
import type { JsonRpcRequest, JsonRpcResponse } from '../../src/protocol/jsonrpc.js';
import { flowStageFor } from '../../src/stages/flow/build.js';
import { rateLimitStageFor } from '../../src/stages/ratelimit/build.js';
import { openState, type StateBackends } from '../../src/state/open.js';
import { MemorySessionStore, type SessionStore } from '../../src/state/sessions.js';
import { MemoryCounters } from '../../src/state/counters.js';
import { sessionSteps } from '../../src/state/steps.js';

function config(policy: Record<string, unknown>): Config {
  const r = parseConfigText(stringify({ upstreams: { vault: { stdio: { command: 'node' } }, mail: { stdio: { command: 'node' }, labels: ['external-egress'] } }, policy }));
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.config;
}

function problems(policy: Record<string, unknown>): string[] {
  const r = parseConfigText(stringify({ upstreams: { vault: { stdio: { command: 'node' } } }, policy }));
  return r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`);
}

let n = 0;
function ctx(upstream: string, name: string, session = 's1'): Ctx {
  return { id: `t-${++n}`, traceId: 't', startedAt: 0, transport: 'http', era: 'legacy', principal: ANONYMOUS, session, method: 'tools/call', target: { upstream, kind: 'tool', name }, stages: [], allowedBy: undefined };
}
const req = (name: string, args: Record<string, unknown> = {}): JsonRpcRequest => ({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } });
const ok: JsonRpcResponse = { jsonrpc: '2.0', id: 1, result: { content: [{ type: 'text', text: 'x' }] } };

const memory = (): StateBackends => openState({ path: ':memory:' } as Config['storage']);

async function call(stage: NonNullable<ReturnType<typeof flowStageFor>>, c: Ctx): Promise<Verdict> {
  const v = await stage.request!(c, req(c.target!.name));
  if (v.kind === 'pass') await stage.response!(c, ok);
  return v;
}

describe('flow stage', () => {
  it('an approve rule lets the call on, marked for the approval stage with the rule as `by`', async () => {
    const stage = flowStageFor(config({ labels: [{ upstream: 'vault', tools: ['read'], labels: ['secret'] }], flow: [{ name: 'ask-first', after: ['secret'], approve: { labels: ['external-egress'] } }] }), memory())!;
    await call(stage, ctx('vault', 'read'));
    const c = ctx('mail', 'send');
    expect(await stage.request!(c, req('send'))).toEqual({ kind: 'pass' });
    expect(c.approvalRequired).toMatchObject({ by: 'ask-first' });
    expect(c.approvalRequired!.reason).toContain('vault__read');
  });

  it('result labels from the content checks taint the session like configured ones', async () => {
    const stage = flowStageFor(config({ flow: [{ name: 'no-egress-after-pii', after: ['pii'], deny: { labels: ['external-egress'] } }] }), memory())!;
    const read = ctx('vault', 'lookup');
    expect(await stage.request!(read, req('lookup'))).toEqual({ kind: 'pass' });
    read.resultLabels = ['pii'];
    await stage.response!(read, ok);
    const v = await stage.request!(ctx('mail', 'send'), req('send'));
    expect(v).toMatchObject({ kind: 'deny', rejection: { reason: 'flow_denied', rule: 'no-egress-after-pii', extra: { trigger: { tool: 'vault__lookup', label: 'pii', auditId: read.id } } } });
  });

  it('a failed call does not satisfy requiresBefore', async () => {
    const stage = flowStageFor(config({ flow: [{ name: 'a-then-b', requiresBefore: { upstream: 'vault', tools: ['a'] }, deny: { upstream: 'vault', tools: ['b'] } }] }), memory())!;
    const a = ctx('vault', 'a');
    await stage.request!(a, req('a'));
    await stage.response!(a, { jsonrpc: '2.0', id: 1, result: { isError: true, content: [] } });
    expect((await stage.request!(ctx('vault', 'b'), req('b'))).kind).toBe('deny');
  });

  it('fails closed: a store that cannot be read refuses the call; one that cannot record a label withholds the result', async () => {
    const broken: SessionStore = Object.assign(new MemorySessionStore(), {
      load: () => Promise.reject(new Error('connection refused')),
      admit: () => Promise.reject(new Error('connection refused')),
      record: () => Promise.reject(new Error('connection refused')),
    });
    const state: StateBackends = { sessions: broken, counters: new MemoryCounters(), steps: sessionSteps(broken), ready: async () => false, close: async () => undefined };
    const stage = flowStageFor(config({ labels: [{ upstream: 'vault', tools: ['read'], labels: ['secret'] }], flow: [{ name: 'r', after: ['secret'], deny: { labels: ['external-egress'] } }] }), state)!;
    expect(await stage.request!(ctx('mail', 'send'), req('send'))).toMatchObject({ kind: 'deny', rejection: { reason: 'state_unavailable' } });
    // vault__read meets no rule on the way in (no store needed), but its secret label must be recorded.
    const read = ctx('vault', 'read');
    expect(await stage.request!(read, req('read'))).toEqual({ kind: 'pass' });
    expect(await stage.response!(read, ok)).toMatchObject({ kind: 'deny', rejection: { reason: 'state_unavailable' } });
  });
});

describe('rate-limit stage', () => {
  it('per principal: one caller running out does not stop another', async () => {
    const stage = rateLimitStageFor(config({ rateLimits: [{ name: 'pp', per: 'principal', rate: 1, intervalMs: 3_600_000, burst: 1 }] }), memory())!;
    const alice = { ...ctx('vault', 't'), principal: { ...ANONYMOUS, subject: 'alice' } };
    const bob = { ...ctx('vault', 't'), principal: { ...ANONYMOUS, subject: 'bob' } };
    expect((await stage.request!(alice, req('t'))).kind).toBe('pass');
    expect(await stage.request!({ ...alice }, req('t'))).toMatchObject({ kind: 'deny', rejection: { reason: 'rate_limited', rule: 'pp' } });
    expect((await stage.request!(bob, req('t'))).kind).toBe('pass');
  });

  it('a counter store that fails refuses the call', async () => {
    const counters = Object.assign(new MemoryCounters(), { take: () => Promise.reject(new Error('READONLY')) });
    const sessions = new MemorySessionStore();
    const stage = rateLimitStageFor(config({ rateLimits: [{ name: 'g', per: 'global', rate: 10 }] }), { sessions, counters, steps: sessionSteps(sessions), ready: async () => true, close: async () => undefined })!;
    expect(await stage.request!(ctx('vault', 't'), req('t'))).toMatchObject({ kind: 'deny', rejection: { reason: 'state_unavailable' } });
  });
});

describe('config', () => {
  it('refuses flow rules that cannot mean anything, with their path', () => {
    expect(problems({ flow: [{ name: 'x', deny: { labels: ['a'] } }] }).join('\n')).toContain('needs a condition');
    expect(problems({ flow: [{ name: 'x', after: ['a'], deny: { labels: ['a'] }, approve: { labels: ['b'] } }] }).join('\n')).toContain('exactly one of "deny" or "approve"');
    expect(problems({ flow: [{ name: 'x', after: ['a'], deny: { labels: ['b'] } }, { name: 'x', after: ['a'], deny: { labels: ['b'] } }] }).join('\n')).toContain('policy.flow.1.name');
    expect(problems({ flow: [{ name: 'x', after: ['a'], deny: { upstream: 'nope' } }] }).join('\n')).toContain('no upstream named "nope"');
    expect(problems({ flow: [{ name: 'x', after: ['Bad Label'], deny: {} }] }).join('\n')).toContain('labels are');
    expect(problems({ rateLimits: [{ name: 'r', per: 'galaxy', rate: 1 }] }).join('\n')).toContain('policy.rateLimits');
    expect(problems({ rateLimits: [{ name: 'r', per: 'global', rate: 0 }] }).length).toBeGreaterThan(0);
  });
});
