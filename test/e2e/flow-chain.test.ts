// Flow rules end to end, with real upstreams (two legacy fixture servers) behind one gateway:
// a secret read then an egress call is refused with the rule's name and the earlier call; the
// refused call never reaches the upstream; maxCalls, requiresBefore, distinct targets and the
// lethal trifecta bound a session's chain; another session is unaffected.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEGACY, rawSession, startGateway, stdioUpstream, stopAll, tempDir, waitFor, type Gateway } from './helpers.js';
import { callTool, isOk, listTools } from './flow-helpers.js';
import { join } from 'node:path';

let gw: Gateway;

beforeAll(async () => {
  gw = await startGateway({
    // Session history in an embedded SQLite file (the default store without Redis).
    storage: { path: join(tempDir(), 'state.db') },
    upstreams: {
      vault: stdioUpstream(LEGACY, ['--stdio', '--name', 'vault', '--tools', '6']),
      mail: stdioUpstream(LEGACY, ['--stdio', '--name', 'mail', '--tools', '6']),
    },
    policy: {
      allow: [
        { upstream: 'vault', tools: ['*'] },
        { upstream: 'mail', tools: ['*'] },
      ],
      labels: [
        { upstream: 'vault', tools: ['tool_0'], labels: ['secret'] },
        { upstream: 'vault', tools: ['tool_4'], labels: ['untrusted-content'] },
        { upstream: 'mail', tools: ['add_tool', 'tool_5'], labels: ['external-egress'] },
        { upstream: 'mail', tools: ['tool_4'], labels: ['destructive'] },
      ],
      flow: [
        { name: 'no-egress-after-secret', after: ['secret', 'pii'], deny: { labels: ['external-egress'] } },
        { name: 'lethal-trifecta', afterAll: ['untrusted-content'], after: ['secret', 'pii'], deny: { labels: ['destructive'] } },
        { name: 'at-most-two-exports', maxCalls: 2, deny: { upstream: 'vault', tools: ['tool_1'] } },
        { name: 'read-before-write', requiresBefore: { upstream: 'vault', tools: ['tool_2'] }, deny: { upstream: 'vault', tools: ['tool_3'] } },
        { name: 'few-recipients', maxDistinctTargets: { arg: 'to', max: 2 }, deny: { upstream: 'mail', tools: ['tool_0'] } },
      ],
    },
  });
}, 60_000);

afterAll(stopAll);

describe('flow rules', () => {
  it('after a secret is read, an egress tool is refused with the rule and the earlier call, and the upstream never sees it', async () => {
    const sid = await rawSession(gw.url);
    expect(isOk(await callTool(gw.url, sid, 'mail__add_tool', { name: 'before_secret' }))).toBe(true);
    const read = await callTool(gw.url, sid, 'vault__tool_0', { key: 'db-password' });
    expect(isOk(read)).toBe(true);
    const egress = await callTool(gw.url, sid, 'mail__add_tool', { name: 'after_secret' });
    expect(egress.json?.error).toMatchObject({ code: -32001, data: { reason: 'flow_denied', rule: 'no-egress-after-secret', trigger: { tool: 'vault__tool_0', label: 'secret' } } });
    expect(egress.json?.error?.message).toContain('vault__tool_0');
    // The trigger names the audit record of the secret read. The file sink writes in the background, so
    // both records may land just after the answers.
    await waitFor(() => gw.audit().some((r) => r.outcome === 'denied' && r.reason === 'flow_denied'), 5_000, 'the refusal to be audited');
    const records = gw.audit();
    const readRecord = records.find((r) => r.target === 'tool_0' && r.upstream === 'vault' && r.outcome === 'allowed');
    expect(readRecord).toBeDefined();
    expect(egress.json?.error?.data?.trigger).toMatchObject({ auditId: readRecord!.id });
    const denied = records.find((r) => r.outcome === 'denied' && r.reason === 'flow_denied');
    expect(denied).toMatchObject({ rule: 'no-egress-after-secret', target: 'add_tool' });
    // add_tool really adds a tool on the upstream: the refused call never reached it.
    const tools = await listTools(gw.url, sid);
    expect(tools).toContain('mail__before_secret');
    expect(tools).not.toContain('mail__after_secret');
  });

  it('another session that read no secret may still use the egress tool', async () => {
    const tainted = await rawSession(gw.url);
    await callTool(gw.url, tainted, 'vault__tool_0');
    const clean = await rawSession(gw.url);
    expect(isOk(await callTool(gw.url, clean, 'mail__tool_5', { body: 'hello' }))).toBe(true);
    expect((await callTool(gw.url, tainted, 'mail__tool_5', { body: 'hello' })).json?.error?.data?.reason).toBe('flow_denied');
  });

  it('the lethal trifecta: untrusted content plus private data closes the way to a destructive tool', async () => {
    const sid = await rawSession(gw.url);
    await callTool(gw.url, sid, 'vault__tool_4', { url: 'https://example.com' }); // untrusted content alone
    expect(isOk(await callTool(gw.url, sid, 'mail__tool_4'))).toBe(true);
    await callTool(gw.url, sid, 'vault__tool_0'); // now private data too
    const r = await callTool(gw.url, sid, 'mail__tool_4');
    expect(r.json?.error?.data).toMatchObject({ reason: 'flow_denied', rule: 'lethal-trifecta', trigger: { tool: 'vault__tool_0' } });
  });

  it('maxCalls bounds a tool per session, naming the last counted call', async () => {
    const sid = await rawSession(gw.url);
    expect(isOk(await callTool(gw.url, sid, 'vault__tool_1'))).toBe(true);
    expect(isOk(await callTool(gw.url, sid, 'vault__tool_1'))).toBe(true);
    const third = await callTool(gw.url, sid, 'vault__tool_1');
    expect(third.json?.error?.data).toMatchObject({ reason: 'flow_denied', rule: 'at-most-two-exports', trigger: { tool: 'vault__tool_1' } });
    expect(third.json?.error?.message).toContain('already made 2 such calls');
    // A new session starts with a fresh count.
    expect(isOk(await callTool(gw.url, await rawSession(gw.url), 'vault__tool_1'))).toBe(true);
  });

  it('maxCalls holds under concurrent calls of one session', async () => {
    const sid = await rawSession(gw.url);
    const replies = await Promise.all(Array.from({ length: 8 }, () => callTool(gw.url, sid, 'vault__tool_1')));
    expect(replies.filter(isOk)).toHaveLength(2);
    expect(replies.filter((r) => r.json?.error?.data?.reason === 'flow_denied')).toHaveLength(6);
  });

  it('requiresBefore: tool B only after tool A in the same session', async () => {
    const sid = await rawSession(gw.url);
    const early = await callTool(gw.url, sid, 'vault__tool_3');
    expect(early.json?.error?.data).toMatchObject({ reason: 'flow_denied', rule: 'read-before-write' });
    expect(early.json?.error?.message).toContain('tool_2');
    expect(isOk(await callTool(gw.url, sid, 'vault__tool_2'))).toBe(true);
    expect(isOk(await callTool(gw.url, sid, 'vault__tool_3'))).toBe(true);
  });

  it('maxDistinctTargets bounds the distinct values of an argument', async () => {
    const sid = await rawSession(gw.url);
    for (const to of ['a@example.com', 'b@example.com', 'A@example.com ']) expect(isOk(await callTool(gw.url, sid, 'mail__tool_0', { to }))).toBe(true);
    const third = await callTool(gw.url, sid, 'mail__tool_0', { to: 'c@example.com' });
    expect(third.json?.error?.data).toMatchObject({ reason: 'flow_denied', rule: 'few-recipients' });
    // A list of recipients counts each of them.
    const sid2 = await rawSession(gw.url);
    expect((await callTool(gw.url, sid2, 'mail__tool_0', { to: ['x@e.com', 'y@e.com', 'z@e.com'] })).json?.error?.data?.rule).toBe('few-recipients');
  });
});
