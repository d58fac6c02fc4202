// Aggregation across several upstreams: the gateway's own pagination over three paginating upstreams,
// and an upstream that crashes in the middle of a call (clear error, restart, later calls work).
import type { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

import {
  LEGACY,
  connectV1,
  freePort,
  httpUpstream,
  post,
  rawSession,
  sessionHeaders,
  startGateway,
  startHttpFixture,
  stdioUpstream,
  stopAll,
  textOf,
  waitFor,
  type Gateway,
} from './helpers.js';

const LEGACY_TOOLS = ['add_tool', 'ask_user', 'ask_model', 'progress', 'crash', 'sleep'];
const UPSTREAMS = ['alpha', 'beta', 'gamma'] as const;

let gw: Gateway;
let client: V1Client;

beforeAll(async () => {
  const upstreams: Record<string, unknown> = {};
  // Each upstream paginates its own lists (page size 2); the gateway re-pages the union by 4.
  for (const name of UPSTREAMS) upstreams[name] = stdioUpstream(LEGACY, ['--stdio', '--name', name, '--tools', '3', '--page-size', '2', '--resources', '3', '--prompts', '3']);
  upstreams.crashy = stdioUpstream(LEGACY, ['--stdio', '--name', 'crashy', '--tools', '1'], { restart: { initialDelayMs: 100, maxDelayMs: 500 } });
  gw = await startGateway({
    upstreams,
    routing: { pageSize: 4 },
    policy: { allow: [...UPSTREAMS, 'crashy'].map((upstream) => ({ upstream, tools: ['*'], prompts: ['*'], resources: ['*'] })) },
  });
  ({ client } = await connectV1(gw.url));
}, 60_000);

afterAll(stopAll, 30_000);

async function walkTools(): Promise<{ names: string[]; pages: number[] }> {
  const names: string[] = [];
  const pages: number[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 50; i++) {
    const page = await client.listTools(cursor === undefined ? {} : { cursor });
    pages.push(page.tools.length);
    names.push(...page.tools.map((t) => t.name));
    cursor = page.nextCursor;
    if (cursor === undefined) return { names, pages };
  }
  throw new Error('cursor walk did not end');
}

describe('pagination across three upstreams with routing.pageSize 4', () => {
  it('walking the cursors yields every tool exactly once, in pages of at most 4', async () => {
    const { names, pages } = await walkTools();
    const expected = [...UPSTREAMS, 'crashy'].flatMap((u) => {
      const generated = Array.from({ length: u === 'crashy' ? 1 : 3 }, (_, i) => `tool_${i}`);
      return [...generated, ...LEGACY_TOOLS].map((t) => `${u}__${t}`);
    });
    expect(names).toHaveLength(expected.length);
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual([...expected].sort());
    expect(pages.length).toBe(Math.ceil(expected.length / 4));
    expect(pages.slice(0, -1).every((n) => n === 4)).toBe(true);
  });

  it('resources and prompts page the same way (every item once)', async () => {
    const uris: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listResources(cursor === undefined ? {} : { cursor });
      expect(page.resources.length).toBeLessThanOrEqual(4);
      uris.push(...page.resources.map((r) => r.uri));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    const expected = UPSTREAMS.flatMap((u) => [0, 1, 2].map((i) => `${u}+legacy://${u}/doc/${i}`));
    expect(uris.filter((u) => !u.startsWith('crashy+')).sort()).toEqual(expected.sort());
    expect(new Set(uris).size).toBe(uris.length);

    const prompts: string[] = [];
    cursor = undefined;
    do {
      const page = await client.listPrompts(cursor === undefined ? {} : { cursor });
      prompts.push(...page.prompts.map((p) => p.name));
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    expect(prompts.filter((p) => p.startsWith('beta__')).sort()).toEqual(['beta__prompt_0', 'beta__prompt_1', 'beta__prompt_2']);
    expect(new Set(prompts).size).toBe(prompts.length);
  });

  it('a forged cursor is refused with -32602 (and an upstream cursor is not accepted either)', async () => {
    await expect(client.listTools({ cursor: 'forged-cursor' })).rejects.toThrow(/-32602/);
    const sid = await rawSession(gw.url);
    const res = await post(gw.url, { jsonrpc: '2.0', id: 9, method: 'tools/list', params: { cursor: '!!not base64 json!!' } }, sessionHeaders(sid));
    expect(res.json?.error?.code).toBe(-32602);
    // A cursor for another list kind is not a tools cursor.
    const prompts = await client.listPrompts();
    expect(prompts.nextCursor).toBeDefined();
    await expect(client.listTools({ cursor: prompts.nextCursor! })).rejects.toThrow(/-32602/);
    // Still serving.
    expect((await client.listTools()).tools.length).toBe(4);
  });
});

describe('an upstream that crashes mid-call', () => {
  it('the call fails with a clear upstream_failed error; the upstream restarts and later calls work', async () => {
    const sid = await rawSession(gw.url);
    const res = await post(gw.url, { jsonrpc: '2.0', id: 'c1', method: 'tools/call', params: { name: 'crashy__crash', arguments: {} } }, sessionHeaders(sid));
    expect(res.status).toBe(200);
    expect(res.json?.id).toBe('c1');
    expect(res.json?.error?.code).toBe(-32005);
    expect(res.json?.error?.data?.reason).toBe('upstream_failed');
    expect(res.json?.error?.message).toMatch(/crashy/);

    // Other upstreams were never affected.
    expect(JSON.parse(textOf(await client.callTool({ name: 'alpha__tool_0', arguments: {} }))).server).toBe('alpha');
    // The crashed one comes back (restart with backoff) and serves again.
    let result = '';
    await waitFor(
      async () => {
        try {
          result = textOf(await client.callTool({ name: 'crashy__tool_0', arguments: { again: true } }, undefined, { timeout: 3_000 }));
          return true;
        } catch {
          return false;
        }
      },
      10_000,
      'crashy to serve again',
    );
    expect(JSON.parse(result)).toEqual({ server: 'crashy', tool: 'tool_0', args: { again: true } });
    const audit = gw.audit().filter((r) => r.kind === 'request' && r.target === 'crash');
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ upstream: 'crashy', outcome: 'failed', reason: 'upstream_failed' });
  });
});

describe('an upstream that is down when the gateway starts', () => {
  it('is left out of lists meanwhile, then joins with a list_changed once it is up', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/mcp`;
    const late = await startGateway({
      upstreams: {
        early: stdioUpstream(LEGACY, ['--stdio', '--name', 'early', '--tools', '1']),
        late: httpUpstream(url, { restart: { initialDelayMs: 100, maxDelayMs: 400 } }),
      },
      policy: { allow: [{ upstream: 'early', tools: ['tool_0'] }, { upstream: 'late', tools: ['tool_0'] }] },
    });
    const { client: agent } = await connectV1(late.url);
    let changed = 0;
    agent.setNotificationHandler(ToolListChangedNotificationSchema, async () => void changed++);
    expect((await agent.listTools()).tools.map((t) => t.name)).toEqual(['early__tool_0']);

    await startHttpFixture(LEGACY, ['--http', '--name', 'late', '--tools', '1', '--port', String(port)]);
    // Listing is what retries an HTTP upstream (with the restart backoff); the list itself never waits.
    await waitFor(
      async () => {
        await agent.listTools();
        return changed > 0;
      },
      10_000,
      'list_changed once the late upstream is up',
    );
    expect((await agent.listTools()).tools.map((t) => t.name)).toEqual(['early__tool_0', 'late__tool_0']);
    expect(JSON.parse(textOf(await agent.callTool({ name: 'late__tool_0', arguments: {} }))).server).toBe('late');
  });
});
