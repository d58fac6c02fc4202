// Smoke test for the upstream MCP fixtures in test/fixtures/: every fixture is started on
// 127.0.0.1 and driven directly with the official SDK clients (v1 for the 2025-11-25 era, v2 with
// version negotiation pinned to 2026-07-28 for the modern era), so the fixtures are known-good
// before the gateway is tested against them.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as V1StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport as V1StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { sleep, withTimeout } from './e2e/helpers.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const fixture = (name: string): string => `${FIXTURES}${name}`;
const MODERN = fixture('modern-server.mjs');
const LEGACY = fixture('legacy-server.mjs');
const MISBEHAVING = fixture('misbehaving-server.mjs');
const ECHO_HEADERS = fixture('echo-headers-server.mjs');

const PINNED = { versionNegotiation: { mode: { pin: '2026-07-28' } } } as const;
const LISTEN_LINE = /^listening on (http:\/\/127\.0\.0\.1:(\d+)\/mcp)$/;
const T = 20_000; // per-test budget

// ---------------------------------------------------------------------------------------------
// Process bookkeeping: everything we start is killed by PID in afterAll.

const children = new Set<ChildProcess>();
const closers: Array<() => Promise<unknown>> = [];

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function waitExit(child: ChildProcess, ms: number): Promise<number | null> {
  if (!alive(child)) return Promise.resolve(child.exitCode);
  return withTimeout(
    new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))),
    ms,
    `exit of pid ${child.pid}`,
  );
}

async function waitFor(pred: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms}ms waiting for ${what}`);
    await sleep(25);
  }
}

interface Proc {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
}

/** Spawn a fixture with piped stdio, capturing (bounded) stdout/stderr. */
function run(script: string, args: string[]): Proc {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  let err = '';
  const cap = 1 << 20;
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    if (out.length < cap) out += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err = (err + d).slice(-cap);
  });
  return { child, stdout: () => out, stderr: () => err };
}

interface HttpProc extends Proc {
  url: URL;
}

async function startHttp(script: string, args: string[]): Promise<HttpProc> {
  const proc = run(script, [...args, '--port', '0']);
  proc.child.stdin!.end();
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (proc.stdout().includes('\n')) resolve();
      };
      proc.child.stdout!.on('data', check);
      proc.child.once('exit', (code) => reject(new Error(`${script} exited ${code}: ${proc.stderr()}`)));
      check();
    }),
    10_000,
    `${script} listening line`,
  );
  const firstLine = proc.stdout().split('\n')[0] ?? '';
  const m = LISTEN_LINE.exec(firstLine);
  if (!m) throw new Error(`unexpected first stdout line from ${script}: ${JSON.stringify(firstLine)}`);
  return { ...proc, url: new URL(m[1]!) };
}

function track<C extends { close(): Promise<unknown> }>(client: C): C {
  closers.push(() => client.close().catch(() => undefined));
  return client;
}

function textOf(result: unknown): string {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content ?? [];
  return content
    .filter((c) => c.type === 'text')
    .map((c) => c.text ?? '')
    .join('');
}

function v2Client(opts: { elicit?: 'accept' | 'decline'; manual?: boolean } = {}): Client {
  const client = new Client(
    { name: 'fixtures-test', version: '1.0.0' },
    {
      ...PINNED,
      capabilities: { elicitation: { form: {} } },
      ...(opts.manual ? { inputRequired: { autoFulfill: false } } : {}),
    },
  );
  client.setRequestHandler('elicitation/create', async () =>
    opts.elicit === 'decline' ? { action: 'decline' as const } : { action: 'accept' as const, content: { confirm: true } },
  );
  return track(client);
}

function v1Client(): V1Client {
  const client = new V1Client(
    { name: 'fixtures-test-v1', version: '1.0.0' },
    { capabilities: { elicitation: {}, sampling: {} } },
  );
  client.setRequestHandler(ElicitRequestSchema, async (req) => {
    const props = Object.keys((req.params as { requestedSchema?: { properties?: object } }).requestedSchema?.properties ?? {});
    return props.includes('confirm')
      ? { action: 'accept' as const, content: { confirm: true } }
      : { action: 'accept' as const, content: { answer: 'forty-two' } };
  });
  client.setRequestHandler(CreateMessageRequestSchema, async () => ({
    role: 'assistant' as const,
    model: 'fake-model',
    content: { type: 'text' as const, text: 'sampled text' },
  }));
  return track(client);
}

async function closeAllClients(): Promise<void> {
  const pending = closers.splice(0);
  await withTimeout(Promise.all(pending.map((c) => c())), 10_000, 'closing clients').catch(() => undefined);
}

afterEach(closeAllClients);

afterAll(async () => {
  await closeAllClients();
  for (const child of children) {
    if (alive(child) && child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
  }
  for (const child of children) {
    try {
      await waitExit(child, 3_000);
    } catch {
      if (alive(child) && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }
  }
});

// ---------------------------------------------------------------------------------------------

describe('modern-server over HTTP (both eras)', () => {
  let srv: HttpProc;

  it('starts on 127.0.0.1 and prints exactly one stdout line', { timeout: T }, async () => {
    srv = await startHttp(MODERN, ['--http']);
    expect(srv.url.hostname).toBe('127.0.0.1');
    await sleep(100);
    expect(srv.stdout().trimEnd().split('\n')).toHaveLength(1);
  });

  it('serves 2026-07-28 (pinned): tools, structured output, resource, prompt, whoami', { timeout: T }, async () => {
    const client = v2Client();
    await client.connect(
      new StreamableHTTPClientTransport(srv.url, { requestInit: { headers: { Authorization: 'Bearer upstream-token' } } }),
    );
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['add', 'confirm_action', 'echo', 'slow', 'whoami']);
    expect(tools.find((t) => t.name === 'add')?.outputSchema).toBeDefined();

    expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 'hi' } }))).toBe('echo: hi');
    const sum = await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } });
    expect(sum.structuredContent).toEqual({ sum: 5 });

    const who = JSON.parse(textOf(await client.callTool({ name: 'whoami', arguments: {} })));
    expect(who.era).toBe('modern');
    expect(who.headers.authorization).toBe('Bearer upstream-token');
    expect(who.headers['mcp-protocol-version']).toBe('2026-07-28');

    const info = await client.readResource({ uri: 'modern://info' });
    expect(JSON.parse((info.contents[0] as { text: string }).text)).toMatchObject({ name: 'modern-server' });
    const prompt = await client.getPrompt({ name: 'greet', arguments: { name: 'Ada' } });
    expect(prompt.messages[0]?.content).toEqual({ type: 'text', text: 'Hello, Ada!' });
  });

  it('confirm_action: input_required round trip (auto-fulfilled, declined, and manual)', { timeout: T }, async () => {
    const accepting = v2Client({ elicit: 'accept' });
    await accepting.connect(new StreamableHTTPClientTransport(srv.url));
    expect(textOf(await accepting.callTool({ name: 'confirm_action', arguments: { action: 'deploy' } }))).toBe(
      'confirmed: deploy',
    );

    const declining = v2Client({ elicit: 'decline' });
    await declining.connect(new StreamableHTTPClientTransport(srv.url));
    expect(textOf(await declining.callTool({ name: 'confirm_action', arguments: { action: 'deploy' } }))).toBe('declined');

    const manual = v2Client({ manual: true });
    await manual.connect(new StreamableHTTPClientTransport(srv.url));
    const first = (await manual.callTool(
      { name: 'confirm_action', arguments: { action: 'wipe' } },
      { allowInputRequired: true },
    )) as unknown as {
      resultType: string;
      inputRequests: Record<string, { method: string; params: { message: string } }>;
      requestState: string;
    };
    expect(first.resultType).toBe('input_required');
    expect(first.inputRequests.confirm?.method).toBe('elicitation/create');
    expect(first.inputRequests.confirm?.params.message).toContain('wipe');
    expect(typeof first.requestState).toBe('string');

    const retry = {
      name: 'confirm_action',
      arguments: { action: 'wipe' },
      inputResponses: { confirm: { action: 'accept', content: { confirm: true } } },
      requestState: first.requestState,
    };
    expect(textOf(await manual.callTool(retry as Parameters<Client['callTool']>[0]))).toBe('confirmed: wipe');
    // A tampered requestState is noticed by the server.
    const tampered = await manual.callTool({ ...retry, requestState: 'tampered' } as Parameters<Client['callTool']>[0]);
    expect(tampered.isError).toBe(true);
  });

  it('slow: progress notifications, and cancellation reaches the server', { timeout: T }, async () => {
    const client = v2Client();
    await client.connect(new StreamableHTTPClientTransport(srv.url));
    let progress = 0;
    const done = await client.callTool({ name: 'slow', arguments: { ms: 200 } }, { onprogress: () => void progress++ });
    expect(textOf(done)).toBe('slept 200ms');
    expect(progress).toBeGreaterThan(0);

    const ac = new AbortController();
    const started = Date.now();
    setTimeout(() => ac.abort(), 200);
    await expect(client.callTool({ name: 'slow', arguments: { ms: 10_000 } }, { signal: ac.signal })).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5_000);
    await waitFor(() => srv.stderr().includes('slow cancelled'), 5_000, 'server-side cancellation log');
  });

  it('serves 2025-11-25 with real sessions (v1 client); confirm_action elicits via the legacy shim', { timeout: T }, async () => {
    const client = v1Client();
    const transport = new V1StreamableHTTPClientTransport(srv.url);
    await client.connect(transport);
    expect(transport.sessionId).toBeTruthy();
    expect(client.getServerVersion()?.name).toBe('modern-server');
    expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 'old' } }))).toBe('echo: old');
    expect(textOf(await client.callTool({ name: 'confirm_action', arguments: { action: 'reboot' } }))).toBe(
      'confirmed: reboot',
    );
    const who = JSON.parse(textOf(await client.callTool({ name: 'whoami', arguments: {} })));
    expect(who.era).toBe('legacy');
    expect(who.headers['mcp-session-id']).toBe(transport.sessionId);
  });

  it('SIGUSR2 announces list_changed on subscriptions/listen streams and legacy sessions', { timeout: T }, async () => {
    const modern = v2Client();
    let modernChanged = 0;
    modern.setNotificationHandler('notifications/tools/list_changed', () => void modernChanged++);
    await modern.connect(new StreamableHTTPClientTransport(srv.url));
    const sub = await modern.listen({ toolsListChanged: true });
    expect(sub.honoredFilter.toolsListChanged).toBe(true);

    const legacy = v1Client();
    let legacyChanged = 0;
    legacy.setNotificationHandler(ToolListChangedNotificationSchema, async () => void legacyChanged++);
    await legacy.connect(new V1StreamableHTTPClientTransport(srv.url));
    await sleep(200); // let the v1 client open its standalone GET stream

    process.kill(srv.child.pid!, 'SIGUSR2');
    await waitFor(() => modernChanged > 0 && legacyChanged > 0, 5_000, 'list_changed on both eras');
    await sub.close();
  });
});

describe('modern-server --modern-only', () => {
  it('HTTP: refuses legacy initialize, serves 2026-07-28', { timeout: T }, async () => {
    const srv = await startHttp(MODERN, ['--http', '--modern-only']);
    const legacy = v1Client();
    await expect(legacy.connect(new V1StreamableHTTPClientTransport(srv.url), { timeout: 5_000 })).rejects.toThrow(
      /-32022|Unsupported protocol version/,
    );
    const client = v2Client();
    await client.connect(new StreamableHTTPClientTransport(srv.url));
    expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 'm' } }))).toBe('echo: m');
  });

  it('stdio: refuses legacy initialize, serves 2026-07-28', { timeout: T }, async () => {
    const legacy = v1Client();
    await expect(
      legacy.connect(new V1StdioClientTransport({ command: process.execPath, args: [MODERN, '--stdio', '--modern-only'], stderr: 'ignore' }), {
        timeout: 5_000,
      }),
    ).rejects.toThrow(/-32022|Unsupported protocol version/);
    const client = v2Client();
    await client.connect(
      new StdioClientTransport({ command: process.execPath, args: [MODERN, '--stdio', '--modern-only'], stderr: 'ignore' }),
    );
    expect(textOf(await client.callTool({ name: 'confirm_action', arguments: { action: 'x' } }))).toBe('confirmed: x');
  });
});

describe('modern-server over stdio (both eras)', () => {
  it('2026-07-28 pinned: echo, input_required, progress, cancellation', { timeout: T }, async () => {
    const client = v2Client();
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [MODERN, '--stdio'], stderr: 'ignore' }));
    expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 's' } }))).toBe('echo: s');
    expect(textOf(await client.callTool({ name: 'confirm_action', arguments: { action: 'y' } }))).toBe('confirmed: y');
    let progress = 0;
    await client.callTool({ name: 'slow', arguments: { ms: 100 } }, { onprogress: () => void progress++ });
    expect(progress).toBeGreaterThan(0);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    await expect(client.callTool({ name: 'slow', arguments: { ms: 10_000 } }, { signal: ac.signal })).rejects.toThrow();
  });

  it('stdout carries only JSON-RPC lines', { timeout: T }, async () => {
    const proc = run(MODERN, ['--stdio']);
    proc.child.stdin!.write(
      `${JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
      })}\n`,
    );
    await waitFor(() => proc.stdout().includes('"id":1'), 5_000, 'initialize result');
    proc.child.stdin!.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
    proc.child.stdin!.write(`${JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' })}\n`);
    await waitFor(() => proc.stdout().includes('"id":2'), 5_000, 'tools/list result');
    proc.child.stdin!.end(); // EOF on stdin ends the server
    expect(await waitExit(proc.child, 5_000)).toBe(0);
    const lines = proc.stdout().split('\n').filter((l) => l.trim() !== '');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) expect(JSON.parse(line).jsonrpc).toBe('2.0');
    expect(proc.stderr()).toContain('serving stdio');
  });

  it('2025-11-25 (v1 client): initialize + shimmed elicitation', { timeout: T }, async () => {
    const client = v1Client();
    await client.connect(new V1StdioClientTransport({ command: process.execPath, args: [MODERN, '--stdio'], stderr: 'ignore' }));
    expect(client.getServerVersion()?.name).toBe('modern-server');
    expect(textOf(await client.callTool({ name: 'confirm_action', arguments: { action: 'z' } }))).toBe('confirmed: z');
  });
});

describe('legacy-server', () => {
  let srv: HttpProc;

  it('HTTP: paginates tools/prompts/resources with its own cursors', { timeout: T }, async () => {
    srv = await startHttp(LEGACY, ['--http', '--tools', '7', '--page-size', '3', '--name', 'alpha']);
    const client = v1Client();
    await client.connect(new V1StreamableHTTPClientTransport(srv.url));
    const pages: string[][] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 20; i++) {
      const page = await client.listTools(cursor === undefined ? {} : { cursor });
      pages.push(page.tools.map((t) => t.name));
      cursor = page.nextCursor;
      if (cursor === undefined) break;
    }
    expect(pages.map((p) => p.length)).toEqual([3, 3, 3, 3, 1]);
    expect(pages.flat()).toEqual([
      ...Array.from({ length: 7 }, (_, i) => `tool_${i}`),
      'add_tool',
      'ask_user',
      'ask_model',
      'progress',
      'crash',
      'sleep',
    ]);
    await expect(client.listTools({ cursor: 'not-a-cursor' })).rejects.toThrow(/-32602|Invalid cursor/);

    const prompts1 = await client.listPrompts();
    expect(prompts1.prompts.map((p) => p.name)).toEqual(['prompt_0', 'prompt_1', 'prompt_2']);
    const prompts2 = await client.listPrompts({ cursor: prompts1.nextCursor! });
    expect(prompts2.prompts[0]?.name).toBe('prompt_3');
    const res = await client.listResources();
    expect(res.resources[0]?.uri).toBe('legacy://alpha/doc/0');
    expect(res.nextCursor).toBeDefined();
    const templates = await client.listResourceTemplates();
    expect(templates.resourceTemplates[0]?.uriTemplate).toBe('legacy://alpha/item/{id}');
    const item = await client.readResource({ uri: 'legacy://alpha/item/abc' });
    expect((item.contents[0] as { text: string }).text).toBe('item abc of alpha');
    const prompt = await client.getPrompt({ name: 'prompt_1', arguments: { topic: 'cats' } });
    expect(prompt.messages[0]?.content).toEqual({ type: 'text', text: 'prompt_1 of alpha about cats' });
  });

  it('HTTP: echo tools, add_tool + list_changed, elicitation, sampling, progress, cancellation', { timeout: T }, async () => {
    const client = v1Client();
    let listChanged = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => void listChanged++);
    await client.connect(new V1StreamableHTTPClientTransport(srv.url));

    expect(JSON.parse(textOf(await client.callTool({ name: 'tool_2', arguments: { x: 1 } })))).toEqual({
      server: 'alpha',
      tool: 'tool_2',
      args: { x: 1 },
    });
    expect(textOf(await client.callTool({ name: 'add_tool', arguments: { name: 'extra' } }))).toBe('added extra');
    await waitFor(() => listChanged > 0, 5_000, 'notifications/tools/list_changed');
    expect(JSON.parse(textOf(await client.callTool({ name: 'extra', arguments: {} }))).tool).toBe('extra');

    expect(textOf(await client.callTool({ name: 'ask_user', arguments: { question: 'meaning?' } }))).toBe('forty-two');
    expect(textOf(await client.callTool({ name: 'ask_model', arguments: { prompt: 'hi' } }))).toBe('sampled text');

    let progress = 0;
    await client.callTool({ name: 'progress', arguments: { steps: 4 } }, undefined, { onprogress: () => void progress++ });
    expect(progress).toBe(4);

    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    await expect(
      client.callTool({ name: 'sleep', arguments: { ms: 10_000 } }, undefined, { signal: ac.signal }),
    ).rejects.toThrow();
    await waitFor(() => srv.stderr().includes('sleep cancelled'), 5_000, 'server-side cancellation log');
  });

  it('HTTP: crash exits the process with code 1 mid-call', { timeout: T }, async () => {
    const client = v1Client();
    await client.connect(new V1StreamableHTTPClientTransport(srv.url));
    const call = client.callTool({ name: 'crash', arguments: {} }, undefined, { timeout: 1_500 }).catch((e: unknown) => e);
    expect(await waitExit(srv.child, 5_000)).toBe(1);
    expect(await call).toBeInstanceOf(Error);
  });

  it('stdio: unpaginated listing and echo; crash exits 1', { timeout: T }, async () => {
    const client = v1Client();
    await client.connect(
      new V1StdioClientTransport({
        command: process.execPath,
        args: [LEGACY, '--stdio', '--tools', '3', '--page-size', '0'],
        stderr: 'ignore',
      }),
    );
    const { tools, nextCursor } = await client.listTools();
    expect(tools).toHaveLength(3 + 6);
    expect(nextCursor).toBeUndefined();
    expect(JSON.parse(textOf(await client.callTool({ name: 'tool_1', arguments: { a: 'b' } }))).args).toEqual({ a: 'b' });

    // crash, driven with raw JSON-RPC so the exit code is observable
    const proc = run(LEGACY, ['--stdio']);
    const send = (m: object): boolean => proc.child.stdin!.write(`${JSON.stringify(m)}\n`);
    send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
    });
    await waitFor(() => proc.stdout().includes('"id":1'), 5_000, 'initialize result');
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'crash', arguments: {} } });
    expect(await waitExit(proc.child, 5_000)).toBe(1);
    expect(proc.stdout()).not.toContain('"id":2');
  });
});

describe('misbehaving-server', () => {
  it('garbage (stdio): non-JSON on stdout; a client cannot initialize', { timeout: T }, async () => {
    const proc = run(MISBEHAVING, ['--mode', 'garbage', '--stdio']);
    proc.child.stdin!.write('{"jsonrpc":"2.0","id":1,"method":"ping"}\n');
    await waitFor(() => proc.stdout().includes('\n'), 5_000, 'garbage line');
    expect(() => JSON.parse(proc.stdout().split('\n')[0]!)).toThrow();
    proc.child.stdin!.end();

    const client = v1Client();
    await expect(
      client.connect(
        new V1StdioClientTransport({ command: process.execPath, args: [MISBEHAVING, '--mode', 'garbage', '--stdio'], stderr: 'ignore' }),
        { timeout: 1_500 },
      ),
    ).rejects.toThrow();
  });

  it('garbage (http): HTML 200 body; a client cannot initialize', { timeout: T }, async () => {
    const srv = await startHttp(MISBEHAVING, ['--mode', 'garbage', '--http']);
    const res = await fetch(srv.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    await res.text();
    const client = v1Client();
    await expect(client.connect(new V1StreamableHTTPClientTransport(srv.url), { timeout: 3_000 })).rejects.toThrow();
  });

  for (const transport of ['stdio', 'http'] as const) {
    it(`hang (${transport}): initialize succeeds, calls never answer`, { timeout: T }, async () => {
      const client = v1Client();
      if (transport === 'stdio') {
        await client.connect(
          new V1StdioClientTransport({ command: process.execPath, args: [MISBEHAVING, '--mode', 'hang', '--stdio'], stderr: 'ignore' }),
          { timeout: 5_000 },
        );
      } else {
        const srv = await startHttp(MISBEHAVING, ['--mode', 'hang', '--http']);
        await client.connect(new V1StreamableHTTPClientTransport(srv.url), { timeout: 5_000 });
      }
      expect(client.getServerVersion()?.name).toBe('misbehaving-server-hang');
      await expect(
        client.callTool({ name: 'echo', arguments: { message: 'x' } }, undefined, { timeout: 500 }),
      ).rejects.toThrow(/timed out/i);
    });
  }

  it('slow-init (stdio): initialize is late (--init-delay-ms), then works', { timeout: T }, async () => {
    const args = [MISBEHAVING, '--mode', 'slow-init', '--stdio', '--init-delay-ms', '1500'];
    const impatient = v1Client();
    await expect(
      impatient.connect(new V1StdioClientTransport({ command: process.execPath, args, stderr: 'ignore' }), { timeout: 500 }),
    ).rejects.toThrow(/timed out/i);
    const patient = v1Client();
    const started = Date.now();
    await patient.connect(new V1StdioClientTransport({ command: process.execPath, args, stderr: 'ignore' }), { timeout: 10_000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
    expect(textOf(await patient.callTool({ name: 'echo', arguments: { message: 'late' } }))).toBe('echo: late');
  });

  it('slow-init (http): initialize is late', { timeout: T }, async () => {
    const srv = await startHttp(MISBEHAVING, ['--mode', 'slow-init', '--http', '--init-delay-ms', '1000']);
    const impatient = v1Client();
    await expect(impatient.connect(new V1StreamableHTTPClientTransport(srv.url), { timeout: 300 })).rejects.toThrow();
    const patient = v1Client();
    await patient.connect(new V1StreamableHTTPClientTransport(srv.url), { timeout: 10_000 });
    expect(textOf(await patient.callTool({ name: 'echo', arguments: { message: 'ok' } }))).toBe('echo: ok');
  });

  it('exit-on-start: exits 3 immediately, prints nothing on stdout (stdio and http)', { timeout: T }, async () => {
    for (const args of [['--stdio'], ['--http', '--port', '0']]) {
      const proc = run(MISBEHAVING, ['--mode', 'exit-on-start', ...args]);
      expect(await waitExit(proc.child, 5_000)).toBe(3);
      expect(proc.stdout()).toBe('');
    }
  });

  it('stderr-noise (stdio): floods stderr while the protocol keeps working', { timeout: T }, async () => {
    const transport = new V1StdioClientTransport({
      command: process.execPath,
      args: [MISBEHAVING, '--mode', 'stderr-noise', '--stdio'],
      stderr: 'pipe',
    });
    let noise = 0;
    transport.stderr?.on('data', (d: Buffer) => void (noise += d.length));
    const client = v1Client();
    await client.connect(transport, { timeout: 5_000 });
    for (let i = 0; i < 5; i++) {
      expect(textOf(await client.callTool({ name: 'echo', arguments: { message: `n${i}` } }))).toBe(`echo: n${i}`);
    }
    await waitFor(() => noise > 256 * 1024, 5_000, 'stderr flood');
  });

  it('stderr-noise (http): works', { timeout: T }, async () => {
    const srv = await startHttp(MISBEHAVING, ['--mode', 'stderr-noise', '--http']);
    const client = v1Client();
    await client.connect(new V1StreamableHTTPClientTransport(srv.url), { timeout: 5_000 });
    expect(textOf(await client.callTool({ name: 'echo', arguments: { message: 'loud' } }))).toBe('echo: loud');
    await waitFor(() => srv.stderr().length > 256 * 1024, 5_000, 'stderr flood');
  });
});

describe('echo-headers-server', () => {
  it('returns the headers of the call, per session', { timeout: T }, async () => {
    const srv = await startHttp(ECHO_HEADERS, []);
    await sleep(100);
    expect(srv.stdout().trimEnd().split('\n')).toHaveLength(1);
    const client = v1Client();
    const transport = new V1StreamableHTTPClientTransport(srv.url, {
      requestInit: { headers: { Authorization: 'Bearer upstream-secret', 'X-Probe': 'p1' } },
    });
    await client.connect(transport);
    const headers = JSON.parse(textOf(await client.callTool({ name: 'headers', arguments: {} })));
    expect(headers.authorization).toBe('Bearer upstream-secret');
    expect(headers['x-probe']).toBe('p1');
    expect(headers['mcp-session-id']).toBe(transport.sessionId);

    const bare = v1Client();
    await bare.connect(new V1StreamableHTTPClientTransport(srv.url));
    const bareHeaders = JSON.parse(textOf(await bare.callTool({ name: 'headers', arguments: {} })));
    expect(bareHeaders.authorization).toBeUndefined();
  });
});
