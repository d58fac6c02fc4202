// Protocol-era translation through a real gateway: a 2025-11-25 agent (v1 SDK) in front of
// 2026-07-28-only upstreams, and a 2026-07-28 agent (v2 SDK, pinned) in front of a 2025 upstream,
// including the input_required ⇄ server→client request round trip in both directions.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  LEGACY,
  MODERN,
  PINNED,
  connectV1,
  expectProgress,
  connectV2,
  httpUpstream,
  startGateway,
  startHttpFixture,
  stdioUpstream,
  stopAll,
  textOf,
  track,
  waitFor,
  type Gateway,
  type HttpServer,
} from './helpers.js';

let gw: Gateway;
let modernHttp: HttpServer;
let legacyHttp: HttpServer;

beforeAll(async () => {
  [modernHttp, legacyHttp] = await Promise.all([startHttpFixture(MODERN, ['--http', '--modern-only']), startHttpFixture(LEGACY, ['--http', '--name', 'lh', '--tools', '1'])]);
  gw = await startGateway({
    upstreams: {
      mo: stdioUpstream(MODERN, ['--stdio', '--modern-only']),
      moh: httpUpstream(modernHttp.url),
      old: stdioUpstream(LEGACY, ['--stdio', '--name', 'old', '--tools', '2']),
      lh: httpUpstream(legacyHttp.url),
    },
    policy: {
      allow: [
        { upstream: 'mo', tools: ['*'], prompts: ['*'], resources: ['*'] },
        { upstream: 'moh', tools: ['*'], prompts: ['*'], resources: ['*'] },
        { upstream: 'old', tools: ['*'], prompts: ['*'], resources: ['*'] },
        { upstream: 'lh', tools: ['sleep', 'progress'] },
      ],
    },
  });
}, 60_000);

afterAll(stopAll, 30_000);

describe('legacy agent (v1 SDK) in front of 2026-07-28-only upstreams', () => {
  let client: V1Client;
  let elicitations = 0;

  beforeAll(async () => {
    ({ client } = await connectV1(gw.url));
    // Wrap the default handler to count how often the agent is actually asked.
    client.setRequestHandler(ElicitRequestSchema, async (req) => {
      elicitations++;
      expect(req.params.message).toMatch(/deploy|launch/);
      return { action: 'accept' as const, content: { confirm: true } };
    });
  });

  it('lists and calls tools, reads resources and gets prompts of modern-only servers (stdio and HTTP)', async () => {
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['mo__echo', 'mo__confirm_action', 'moh__add', 'moh__slow', 'old__tool_0']));
    expect(textOf(await client.callTool({ name: 'mo__echo', arguments: { message: 'hi' } }))).toBe('echo: hi');
    const sum = await client.callTool({ name: 'moh__add', arguments: { a: 2, b: 3 } });
    expect(sum.structuredContent).toEqual({ sum: 5 });
    // A 2025 agent never sees the 2026-07-28 result envelope.
    expect(sum).not.toHaveProperty('resultType');

    const who = JSON.parse(textOf(await client.callTool({ name: 'moh__whoami', arguments: {} }))) as { era: string; headers: Record<string, string> };
    expect(who.era).toBe('modern');
    expect(who.headers['mcp-protocol-version']).toBe('2026-07-28');

    const info = await client.readResource({ uri: 'mo+modern://info' });
    expect(info.contents[0]?.uri).toBe('mo+modern://info');
    expect((info.contents[0] as { text: string }).text).toContain('modern-server');
    const prompt = await client.getPrompt({ name: 'moh__greet', arguments: { name: 'Ada' } });
    expect(prompt.messages[0]?.content).toEqual({ type: 'text', text: 'Hello, Ada!' });
  });

  it('input_required from the upstream becomes an elicitation to the legacy agent, then the retry completes', async () => {
    const before = elicitations;
    expect(textOf(await client.callTool({ name: 'mo__confirm_action', arguments: { action: 'deploy' } }))).toBe('confirmed: deploy');
    expect(textOf(await client.callTool({ name: 'moh__confirm_action', arguments: { action: 'launch' } }))).toBe('confirmed: launch');
    expect(elicitations - before).toBe(2);
  });

  it('progress and cancellation reach a modern upstream (slow over HTTP)', async () => {
    const seen: number[] = [];
    const done = await client.callTool({ name: 'moh__slow', arguments: { ms: 300 } }, undefined, { onprogress: (p) => void seen.push(p.progress) });
    expect(textOf(done)).toBe('slept 300ms');
    expect(seen.length).toBeGreaterThan(0);

    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    await expect(client.callTool({ name: 'moh__slow', arguments: { ms: 20_000 } }, undefined, { signal: ac.signal })).rejects.toThrow();
    await waitFor(() => modernHttp.proc.stderr().includes('slow cancelled'), 5_000, 'upstream-side cancellation of slow');
  });
});

describe('modern agent (v2 SDK pinned to 2026-07-28) in front of a 2025 upstream', () => {
  it('connects pinned, lists and calls', async () => {
    const client = await connectV2(gw.url);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['old__tool_0', 'old__ask_user', 'mo__echo']));
    expect(JSON.parse(textOf(await client.callTool({ name: 'old__tool_1', arguments: { k: 'v' } })))).toEqual({ server: 'old', tool: 'tool_1', args: { k: 'v' } });
    expect(textOf(await client.callTool({ name: 'mo__echo', arguments: { message: 'modern' } }))).toBe('echo: modern');
  });

  it("legacy ask_user / ask_model become input_required, fulfilled by the agent's handlers", async () => {
    const client = await connectV2(gw.url);
    expect(textOf(await client.callTool({ name: 'old__ask_user', arguments: { question: 'meaning?' } }))).toBe('forty-two');
    expect(textOf(await client.callTool({ name: 'old__ask_model', arguments: { prompt: 'hi' } }))).toBe('sampled text');
    // A modern upstream's own input_required passes through to the modern agent.
    expect(textOf(await client.callTool({ name: 'moh__confirm_action', arguments: { action: 'ship' } }))).toBe('confirmed: ship');
  });

  it('progress reaches the modern agent, and its cancellation reaches the legacy upstream', async () => {
    const client = await connectV2(gw.url);
    const seen: number[] = [];
    await client.callTool({ name: 'lh__progress', arguments: { steps: 3 } }, { onprogress: (p) => void seen.push(p.progress) });
    expectProgress(seen, 3);

    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    await expect(client.callTool({ name: 'lh__sleep', arguments: { ms: 20_000 } }, { signal: ac.signal })).rejects.toThrow();
    await waitFor(() => legacyHttp.proc.stderr().includes('sleep cancelled'), 5_000, 'upstream-side cancellation of sleep');
    expect(textOf(await client.callTool({ name: 'lh__sleep', arguments: { ms: 10 } }))).toBe('slept 10ms');
  });

  it('subscriptions/listen: a legacy upstream adding a tool reaches the modern agent as tools/list_changed', async () => {
    const client = await connectV2(gw.url);
    let changed = 0;
    client.setNotificationHandler('notifications/tools/list_changed', () => void changed++);
    const sub = await client.listen({ toolsListChanged: true });
    expect(sub.honoredFilter.toolsListChanged).toBe(true);
    expect(textOf(await client.callTool({ name: 'old__add_tool', arguments: { name: 'late_addition' } }))).toBe('added late_addition');
    await waitFor(() => changed > 0, 5_000, 'tools/list_changed on the listen stream');
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('old__late_addition');
    await sub.close();
  });

  it('manual mode: the gateway answers input_required with an opaque requestState; a forged one is refused', async () => {
    const client = track(new Client({ name: 'e2e-manual', version: '1.0.0' }, { ...PINNED, capabilities: { elicitation: { form: {} } }, inputRequired: { autoFulfill: false } }));
    await client.connect(new StreamableHTTPClientTransport(new URL(gw.url)));
    const first = (await client.callTool({ name: 'old__ask_user', arguments: { question: 'colour?' } }, { allowInputRequired: true })) as unknown as {
      resultType: string;
      inputRequests: Record<string, { method: string; params: { message: string } }>;
      requestState: string;
    };
    expect(first.resultType).toBe('input_required');
    const [key, request] = Object.entries(first.inputRequests)[0]!;
    expect(request.method).toBe('elicitation/create');
    expect(request.params.message).toBe('colour?');

    const forged = { name: 'old__ask_user', arguments: { question: 'colour?' }, inputResponses: { [key]: { action: 'accept', content: { answer: 'x' } } }, requestState: `${first.requestState}x` };
    await expect(client.callTool(forged as Parameters<Client['callTool']>[0])).rejects.toThrow(/-32602|requestState/);

    const retry = { name: 'old__ask_user', arguments: { question: 'colour?' }, inputResponses: { [key]: { action: 'accept', content: { answer: 'blue' } } }, requestState: first.requestState };
    expect(textOf(await client.callTool(retry as Parameters<Client['callTool']>[0]))).toBe('blue');
  });
});
