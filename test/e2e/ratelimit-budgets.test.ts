// Session budgets (calls, write calls, bytes) and per-upstream concurrency limits, end to end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEGACY, rawSession, startGateway, stdioUpstream, stopAll, type Gateway } from './helpers.js';
import { callTool, isOk } from './flow-helpers.js';

let gw: Gateway;

beforeAll(async () => {
  gw = await startGateway({
    storage: { path: ':memory:' },
    upstreams: {
      vault: stdioUpstream(LEGACY, ['--stdio', '--name', 'vault', '--tools', '3']),
      slow: stdioUpstream(LEGACY, ['--stdio', '--name', 'slow', '--tools', '1'], { concurrency: { max: 1, queueMs: 0 } }),
    },
    policy: {
      allow: [{ upstream: 'vault', tools: ['*'] }, { upstream: 'slow', tools: ['sleep', 'tool_0'] }],
      toolTiers: [{ upstream: 'vault', tools: ['tool_2'], tier: 'write' }],
      defaultTier: 'read',
      budgets: { maxCalls: 6, maxWriteCalls: 1, maxBytes: 4000 },
    },
  });
}, 60_000);

afterAll(stopAll);

describe('session budgets', () => {
  it('write calls have their own budget; the refusal names it', async () => {
    const sid = await rawSession(gw.url);
    expect(isOk(await callTool(gw.url, sid, 'vault__tool_2'))).toBe(true);
    const second = await callTool(gw.url, sid, 'vault__tool_2');
    expect(second.json?.error).toMatchObject({ code: -32011, data: { reason: 'budget_exceeded', budget: 'writes', used: 1, max: 1, rule: 'policy.budgets.maxWriteCalls' } });
    expect(isOk(await callTool(gw.url, sid, 'vault__tool_0'))).toBe(true); // reads go on
  });

  it('a session runs out of calls; a new session has its own budget', async () => {
    const sid = await rawSession(gw.url);
    for (let i = 0; i < 6; i++) expect(isOk(await callTool(gw.url, sid, 'vault__tool_0', { i }))).toBe(true);
    expect((await callTool(gw.url, sid, 'vault__tool_0')).json?.error?.data).toMatchObject({ reason: 'budget_exceeded', budget: 'calls', max: 6 });
    expect(isOk(await callTool(gw.url, await rawSession(gw.url), 'vault__tool_0'))).toBe(true);
  });

  it('bytes returned are counted: the call that crosses the budget completes, the next is refused', async () => {
    const sid = await rawSession(gw.url);
    const big = 'x'.repeat(2500);
    expect(isOk(await callTool(gw.url, sid, 'vault__tool_1', { big }))).toBe(true);
    expect(isOk(await callTool(gw.url, sid, 'vault__tool_1', { big }))).toBe(true);
    expect((await callTool(gw.url, sid, 'vault__tool_1')).json?.error?.data).toMatchObject({ reason: 'budget_exceeded', budget: 'bytes' });
  });
});

describe('concurrency per upstream', () => {
  it('beyond max calls at once, a call is refused with a retry time, and passes once the slot is free', async () => {
    const sid = await rawSession(gw.url);
    const slow = callTool(gw.url, sid, 'slow__sleep', { ms: 1500 });
    // Wait until the slow call holds the slot (its upstream is the one being called).
    let refused: Awaited<ReturnType<typeof callTool>> | undefined;
    for (let i = 0; i < 40 && !refused; i++) {
      const r = await callTool(gw.url, await rawSession(gw.url), 'slow__tool_0');
      if (r.json?.error?.data?.reason === 'rate_limited') refused = r;
      else await new Promise((res) => setTimeout(res, 25));
    }
    expect(refused?.json?.error?.data).toMatchObject({ reason: 'rate_limited', rule: 'upstreams.slow.concurrency' });
    expect(refused?.json?.error?.data?.retryAfterMs).toBeGreaterThan(0);
    expect(isOk(await slow)).toBe(true);
    expect(isOk(await callTool(gw.url, sid, 'slow__tool_0'))).toBe(true);
  });
});
