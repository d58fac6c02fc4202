// Real MCP servers behind a real gateway process, driven by the official v1 SDK client: namespacing,
// calls, resources, templates, prompts, progress, cancellation, elicitation, sampling and list_changed.
import { join } from 'node:path';

import type { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  EVERYTHING,
  FILESYSTEM,
  LEGACY,
  ROOT,
  connectV1,
  expectProgress,
  httpUpstream,
  post,
  sessionHeaders,
  rawSession,
  startEverythingHttp,
  startGateway,
  startHttpFixture,
  stdioUpstream,
  stopAll,
  textOf,
  waitFor,
  type Gateway,
  type HttpServer,
} from './helpers.js';

const DATA = join(ROOT, 'examples/data');

let gw: Gateway;
let legacy: HttpServer;
let client: V1Client;

beforeAll(async () => {
  const [everythingHttp, legacyHttp] = await Promise.all([startEverythingHttp(), startHttpFixture(LEGACY, ['--http', '--name', 'lh', '--tools', '2'])]);
  legacy = legacyHttp;
  gw = await startGateway({
    upstreams: {
      everything: stdioUpstream(EVERYTHING, ['stdio']),
      remote: httpUpstream(everythingHttp.url),
      fs: stdioUpstream(FILESYSTEM, [DATA]),
      legacy: httpUpstream(legacy.url),
    },
    policy: {
      allow: [
        { upstream: 'everything', tools: ['*'], prompts: ['*'], resources: ['*'] },
        { upstream: 'remote', tools: ['*'], prompts: ['*'], resources: ['*'] },
        { upstream: 'fs', tools: ['read_text_file', 'list_directory'] },
        { upstream: 'legacy', tools: ['*'] },
      ],
    },
  });
  ({ client } = await connectV1(gw.url));
}, 60_000);

afterAll(stopAll, 30_000);

describe('server-everything over stdio, server-everything over HTTP, server-filesystem over stdio', () => {
  it('tools/list is namespaced per upstream and filtered by the allow-list', async () => {
    const names = (await client.listTools()).tools.map((t) => t.name);
    for (const n of ['everything__echo', 'everything__get-sum', 'remote__echo', 'remote__get-sum', 'fs__read_text_file', 'fs__list_directory', 'legacy__sleep']) {
      expect(names).toContain(n);
    }
    // Conditional tools appear because the gateway declares elicitation and sampling upstream.
    expect(names).toContain('everything__trigger-elicitation-request');
    expect(names).toContain('remote__trigger-sampling-request');
    // Not allowed for fs: never listed.
    expect(names).not.toContain('fs__write_file');
    expect(names.every((n) => /^(everything|remote|fs|legacy)__/.test(n))).toBe(true);
    expect(new Set(names).size).toBe(names.length);
  });

  it('tools/call reaches the right upstream under its own name (stdio and HTTP)', async () => {
    expect(textOf(await client.callTool({ name: 'everything__echo', arguments: { message: 'via stdio' } }))).toBe('Echo: via stdio');
    expect(textOf(await client.callTool({ name: 'remote__echo', arguments: { message: 'via http' } }))).toBe('Echo: via http');
    expect(textOf(await client.callTool({ name: 'everything__get-sum', arguments: { a: 2, b: 40 } }))).toContain('42');
    const file = await client.callTool({ name: 'fs__read_text_file', arguments: { path: join(DATA, 'hello.txt') } });
    expect(textOf(file)).toContain('Hello from the Portcullis quickstart');
    const listing = await client.callTool({ name: 'fs__list_directory', arguments: { path: DATA } });
    expect(textOf(listing)).toContain('hello.txt');
  });

  it('resources: list and read with URIs exposed as upstream+uri; templates mapped too', async () => {
    const { resources } = await client.listResources();
    const uris = resources.map((r) => r.uri);
    expect(uris.length).toBeGreaterThan(0);
    expect(uris.some((u) => u.startsWith('everything+demo://'))).toBe(true);
    expect(uris.some((u) => u.startsWith('remote+demo://'))).toBe(true);
    expect(uris.every((u) => /^(everything|remote)\+/.test(u))).toBe(true);

    const uri = uris.find((u) => u.startsWith('everything+'))!;
    const read = await client.readResource({ uri });
    expect(read.contents[0]?.uri).toBe(uri);
    expect(read.contents.length).toBeGreaterThan(0);

    const { resourceTemplates } = await client.listResourceTemplates();
    const templ = resourceTemplates.map((t) => t.uriTemplate);
    expect(templ).toContain('everything+demo://resource/dynamic/text/{resourceId}');
    expect(templ).toContain('remote+demo://resource/dynamic/text/{resourceId}');
    const dyn = await client.readResource({ uri: 'remote+demo://resource/dynamic/text/7' });
    expect(dyn.contents[0]?.uri).toBe('remote+demo://resource/dynamic/text/7');
    expect((dyn.contents[0] as { text?: string }).text).toContain('7');
  });

  it('prompts: list and get, namespaced', async () => {
    const names = (await client.listPrompts()).prompts.map((p) => p.name);
    expect(names).toContain('everything__simple-prompt');
    expect(names).toContain('remote__args-prompt');
    const simple = await client.getPrompt({ name: 'everything__simple-prompt' });
    expect(simple.messages.length).toBeGreaterThan(0);
    const args = await client.getPrompt({ name: 'remote__args-prompt', arguments: { city: 'Lisbon' } });
    expect(JSON.stringify(args.messages)).toContain('Lisbon');
  });

  it('progress: notifications reach the agent under its own token (SDK and raw)', async () => {
    const seen: number[] = [];
    const r = await client.callTool(
      { name: 'everything__trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } },
      undefined,
      { onprogress: (p) => void seen.push(p.progress) },
    );
    expect(textOf(r)).toContain('Long running operation completed');
    expectProgress(seen, 3);

    // Raw: our own token must come back byte-exactly, though the gateway re-keys it upstream.
    const sid = await rawSession(gw.url);
    const res = await post(
      gw.url,
      { jsonrpc: '2.0', id: 'p-1', method: 'tools/call', params: { name: 'legacy__progress', arguments: { steps: 3 }, _meta: { progressToken: 'agent-token-42' } } },
      sessionHeaders(sid),
    );
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events = res.text
      .split('\n')
      .filter((l) => l.startsWith('data:'))
      .map((l) => JSON.parse(l.slice(5)) as { method?: string; params?: { progressToken?: unknown; progress?: number } });
    const progress = events.filter((e) => e.method === 'notifications/progress');
    expect(progress.map((e) => e.params?.progress)).toEqual([1, 2, 3]);
    expect(progress.every((e) => e.params?.progressToken === 'agent-token-42')).toBe(true);
    expect(textOf(res.json?.result)).toBe('done 3 steps');
  });

  it('cancellation reaches the upstream (legacy-server sleep stops)', async () => {
    const ac = new AbortController();
    const started = Date.now();
    setTimeout(() => ac.abort(), 300);
    await expect(client.callTool({ name: 'legacy__sleep', arguments: { ms: 20_000 } }, undefined, { signal: ac.signal })).rejects.toThrow();
    await waitFor(() => legacy.proc.stderr().includes('sleep cancelled'), 5_000, 'upstream-side cancellation');
    expect(Date.now() - started).toBeLessThan(6_000);
    // The gateway keeps serving the same upstream.
    expect(textOf(await client.callTool({ name: 'legacy__sleep', arguments: { ms: 10 } }))).toBe('slept 10ms');
  });

  it('elicitation round trip: legacy-server ask_user and server-everything trigger-elicitation-request', async () => {
    expect(textOf(await client.callTool({ name: 'legacy__ask_user', arguments: { question: 'meaning?' } }))).toBe('forty-two');
    const r = await client.callTool({ name: 'everything__trigger-elicitation-request', arguments: {} });
    expect(textOf(r)).toContain('Name: Ada Lovelace');
    const remote = await client.callTool({ name: 'remote__trigger-elicitation-request', arguments: {} });
    expect(textOf(remote)).toContain('Name: Ada Lovelace');
  });

  it('sampling round trip: legacy-server ask_model and server-everything trigger-sampling-request', async () => {
    expect(textOf(await client.callTool({ name: 'legacy__ask_model', arguments: { prompt: 'hi' } }))).toBe('sampled text');
    const r = await client.callTool({ name: 'everything__trigger-sampling-request', arguments: { prompt: 'hello', maxTokens: 10 } });
    expect(textOf(r)).toContain('sampled text');
    const remote = await client.callTool({ name: 'remote__trigger-sampling-request', arguments: { prompt: 'hello', maxTokens: 10 } });
    expect(textOf(remote)).toContain('sampled text');
  });

  it('list_changed: add_tool upstream → the agent is notified and the new tool is listed and callable', async () => {
    const { client: watcher } = await connectV1(gw.url, { name: 'watcher' });
    let changed = 0;
    watcher.setNotificationHandler(ToolListChangedNotificationSchema, async () => void changed++);
    // The v1 client opens its standalone GET stream right after initialize; give it a moment.
    await waitFor(async () => (await watcher.ping(), true), 2_000, 'ping');
    expect((await watcher.listTools()).tools.map((t) => t.name)).not.toContain('legacy__fresh_tool');
    expect(textOf(await watcher.callTool({ name: 'legacy__add_tool', arguments: { name: 'fresh_tool' } }))).toBe('added fresh_tool');
    await waitFor(() => changed > 0, 5_000, 'notifications/tools/list_changed at the agent');
    expect((await watcher.listTools()).tools.map((t) => t.name)).toContain('legacy__fresh_tool');
    const out = JSON.parse(textOf(await watcher.callTool({ name: 'legacy__fresh_tool', arguments: { x: 1 } }))) as { server: string; tool: string };
    expect(out).toMatchObject({ server: 'lh', tool: 'fresh_tool' });
  });
});
