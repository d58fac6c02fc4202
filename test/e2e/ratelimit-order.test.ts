// The order authorize → flow → rate limit is pinned here: a call refused by the policy or by a flow
// rule spends no rate-limit quota, and a rate-limited call never reaches the upstream. The refusal
// says when to retry (data.retryAfterMs, and Retry-After for HTTP agents).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEGACY, rawSession, startGateway, stdioUpstream, stopAll, type Gateway } from './helpers.js';
import { callTool, isOk, listTools } from './flow-helpers.js';
import { buildStages } from '../../src/gateway.js';
import { parseConfigText } from '../../src/config/load.js';

let gw: Gateway;

beforeAll(async () => {
  gw = await startGateway({
    storage: { path: ':memory:' },
    upstreams: { vault: stdioUpstream(LEGACY, ['--stdio', '--name', 'vault', '--tools', '3']) },
    policy: {
      allow: [{ upstream: 'vault', tools: ['tool_0', 'tool_1', 'add_tool', 'first', 'second', 'third'] }],
      labels: [
        { upstream: 'vault', tools: ['tool_0'], labels: ['secret'] },
        { upstream: 'vault', tools: ['tool_1'], labels: ['external-egress'] },
      ],
      flow: [{ name: 'no-egress-after-secret', after: ['secret'], deny: { labels: ['external-egress'] } }],
      // Three calls, then one per hour: nothing refills during the test.
      rateLimits: [{ name: 'everyone', per: 'global', rate: 1, intervalMs: 3_600_000, burst: 3 }],
    },
  });
}, 60_000);

afterAll(stopAll);

describe('stage order', () => {
  it('is written once: authorize, then flow, then rate limit, with approval last', () => {
    const r = parseConfigText(
      'upstreams: { u: { stdio: { command: node } } }\npolicy:\n  flow: [{ name: f, after: [secret], deny: { labels: [egress] } }]\n  rateLimits: [{ name: g, per: global, rate: 1 }]\n',
    );
    if (!r.ok) throw new Error(JSON.stringify(r));
    const names = buildStages(r.config).map((s) => s.name);
    expect(names.indexOf('authorize')).toBeGreaterThanOrEqual(0);
    expect(names.indexOf('flow')).toBeGreaterThan(names.indexOf('authorize'));
    expect(names.indexOf('ratelimit')).toBeGreaterThan(names.indexOf('flow'));
    if (names.includes('approval')) expect(names.indexOf('approval')).toBeGreaterThan(names.indexOf('ratelimit'));
  });

  it('a denied call spends no rate-limit quota, and a rate-limited call never reaches the upstream', async () => {
    const sid = await rawSession(gw.url);
    // Refused by the policy (tool_2 is granted to no one): five times.
    for (let i = 0; i < 5; i++) expect((await callTool(gw.url, sid, 'vault__tool_2')).json?.error?.data?.reason).toBe('denied');
    // One allowed call reads a secret (token 1 of 3)…
    expect(isOk(await callTool(gw.url, sid, 'vault__tool_0'))).toBe(true);
    // …after which egress is refused by the flow rule: five times.
    for (let i = 0; i < 5; i++) expect((await callTool(gw.url, sid, 'vault__tool_1')).json?.error?.data?.reason).toBe('flow_denied');
    // Had any refusal spent a token, these two would not both pass.
    expect(isOk(await callTool(gw.url, sid, 'vault__add_tool', { name: 'first' }))).toBe(true);
    expect(isOk(await callTool(gw.url, sid, 'vault__add_tool', { name: 'second' }))).toBe(true);
    const limited = await callTool(gw.url, sid, 'vault__add_tool', { name: 'third' });
    expect(limited.json?.error).toMatchObject({ code: -32010, data: { reason: 'rate_limited', rule: 'everyone' } });
    const retryAfterMs = limited.json?.error?.data?.retryAfterMs as number;
    expect(retryAfterMs).toBeGreaterThan(3_000_000);
    expect(limited.headers.get('retry-after')).toBe(String(Math.ceil(retryAfterMs / 1000)));
    expect(limited.json?.error?.message).toMatch(/retry in \d+ s/);
    const tools = await listTools(gw.url, sid);
    expect(tools).toEqual(expect.arrayContaining(['vault__first', 'vault__second']));
    expect(tools).not.toContain('vault__third');
    const record = gw.audit().find((e) => e.reason === 'rate_limited');
    expect(record).toMatchObject({ outcome: 'denied', rule: 'everyone', target: 'add_tool' });
  });
});
