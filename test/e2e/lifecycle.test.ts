// The gateway's life: live reload of its config file (a bad file keeps the old config serving) and a
// graceful shutdown on SIGTERM while a call is in flight.
import { execFileSync } from 'node:child_process';
import type { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  CLI,
  EVERYTHING,
  LEGACY,
  NODE,
  MODERN,
  childPids,
  connectV1,
  pidAlive,
  post,
  rawSession,
  sessionHeaders,
  startGateway,
  stdioUpstream,
  stopAll,
  textOf,
  waitFor,
  withTimeout,
  type Gateway,
} from './helpers.js';

afterAll(stopAll, 30_000);

const upstreams = { old: stdioUpstream(LEGACY, ['--stdio', '--name', 'old', '--tools', '3']) };
const allowing = (tools: string[]) => ({ upstreams, policy: { allow: [{ upstream: 'old', tools }] } });
const toolNames = async (c: V1Client): Promise<string[]> => (await c.listTools()).tools.map((t) => t.name);

describe('live reload', () => {
  let gw: Gateway;
  let client: V1Client;
  let changed = 0;

  beforeAll(async () => {
    gw = await startGateway(allowing(['tool_0']));
    ({ client } = await connectV1(gw.url));
    client.setNotificationHandler(ToolListChangedNotificationSchema, async () => void changed++);
  }, 60_000);

  it('a new allow rule written to the file: the tool appears and the agent gets list_changed', async () => {
    expect(await toolNames(client)).toEqual(['old__tool_0']);
    await expect(client.callTool({ name: 'old__tool_1', arguments: {} })).rejects.toThrow(/-32001/);
    const before = changed;
    const oldPid = childPids(gw.proc.pid);

    gw.writeConfig(allowing(['tool_0', 'tool_1']));
    await waitFor(() => changed > before, 10_000, 'notifications/tools/list_changed after reload');
    expect(await toolNames(client)).toEqual(['old__tool_0', 'old__tool_1']);
    expect(JSON.parse(textOf(await client.callTool({ name: 'old__tool_1', arguments: {} })))).toMatchObject({ server: 'old', tool: 'tool_1' });
    // The upstream's config did not change, so its process was kept.
    expect(childPids(gw.proc.pid)).toEqual(oldPid);
    await waitFor(() => gw.audit().some((r) => r.kind === 'admin' && r.method === 'config/reload'), 3_000, 'the config/reload audit record');
  });

  it('a config with a typo is refused: the previous config keeps serving', async () => {
    const reloads = gw.audit().filter((r) => r.method === 'config/reload').length;
    gw.writeConfig({ ...allowing(['tool_0']), polcy: { allow: [] } });
    await waitFor(() => gw.proc.stderr().includes('config reload refused'), 10_000, 'the refusal in the log');
    expect(gw.proc.stderr()).toContain('polcy');
    expect(gw.proc.alive()).toBe(true);
    expect(gw.audit().filter((r) => r.method === 'config/reload')).toHaveLength(reloads);
    // Old config: tool_1 is still allowed and callable.
    expect(await toolNames(client)).toEqual(['old__tool_0', 'old__tool_1']);
    expect(JSON.parse(textOf(await client.callTool({ name: 'old__tool_1', arguments: {} }))).tool).toBe('tool_1');
  });

  it('a later valid file is picked up again (the watcher survived the bad one)', async () => {
    const before = changed;
    gw.writeConfig(allowing(['tool_2']));
    await waitFor(() => changed > before, 10_000, 'list_changed after the second reload');
    expect(await toolNames(client)).toEqual(['old__tool_2']);
    await expect(client.callTool({ name: 'old__tool_1', arguments: {} })).rejects.toThrow(/-32001/);
  });

  it('a changed upstream is replaced: a new process serves, the old one is closed; its changed tools wait for approval', async () => {
    const [oldPid] = childPids(gw.proc.pid);
    expect(oldPid).toBeDefined();
    // The replacement describes its tools differently ("… of renamed"): re-listed on reload, they are
    // changed definitions, refused until a person approves them.
    gw.writeConfig({ upstreams: { old: stdioUpstream(LEGACY, ['--stdio', '--name', 'renamed', '--tools', '3']) }, policy: { allow: [{ upstream: 'old', tools: ['tool_2'] }] } });
    await waitFor(() => !pidAlive(oldPid!), 10_000, 'the replaced upstream process to exit');
    await waitFor(
      async () => (await client.callTool({ name: 'old__tool_2', arguments: {} }).then(() => '', (err: Error) => err.message)).includes('-32010'),
      10_000,
      'the changed tool to be refused as not approved',
    );
    execFileSync(NODE, [CLI, 'pins', 'approve', '--config', gw.configPath, '--upstream', 'old', '--tool', 'tool_2', '--as', 'ops'], { timeout: 30_000 });
    await waitFor(
      async () => JSON.parse(textOf(await client.callTool({ name: 'old__tool_2', arguments: {} }).catch(() => ({ content: [{ type: 'text', text: '{}' }] })))).server === 'renamed',
      10_000,
      'the new upstream process to serve the approved tool',
    );
    expect(childPids(gw.proc.pid)).toHaveLength(1);
  });
});

describe('graceful shutdown', () => {
  it('SIGTERM with a slow call in flight: the call completes, exit code 0, upstream processes gone', async () => {
    const gw = await startGateway({
      upstreams: {
        old: stdioUpstream(LEGACY, ['--stdio', '--name', 'old']),
        mo: stdioUpstream(MODERN, ['--stdio']),
        everything: stdioUpstream(EVERYTHING, ['stdio']),
      },
      policy: { allow: [{ upstream: 'old', tools: ['sleep', 'tool_0'] }] },
    });
    const upstreamPids = childPids(gw.proc.pid);
    expect(upstreamPids).toHaveLength(3);
    expect(upstreamPids.every(pidAlive)).toBe(true);

    // An SDK agent with its standalone GET stream open must not hold the shutdown up.
    const { client: idle } = await connectV1(gw.url);
    expect((await idle.listTools()).tools.map((t) => t.name).sort()).toEqual(['old__sleep', 'old__tool_0']);
    const sid = await rawSession(gw.url);
    const started = Date.now();
    const slow = post(gw.url, { jsonrpc: '2.0', id: 'slow', method: 'tools/call', params: { name: 'old__sleep', arguments: { ms: 1500 } } }, sessionHeaders(sid));
    await waitFor(() => gw.audit().length > 0 && Date.now() - started > 300, 5_000, 'the call to be in flight');
    process.kill(gw.proc.pid, 'SIGTERM');

    const reply = await slow;
    expect(reply.status).toBe(200);
    expect(textOf(reply.json?.result)).toBe('slept 1500ms');

    const code = await withTimeout(gw.proc.exited, 15_000, 'gateway exit after SIGTERM');
    expect(code).toBe(0);
    await waitFor(() => upstreamPids.every((pid) => !pidAlive(pid)), 5_000, 'upstream processes to be gone');
    // The call's audit record was written before exit.
    expect(gw.audit().some((r) => r.kind === 'request' && r.requestId === 'slow' && r.outcome === 'allowed')).toBe(true);
  });
});
