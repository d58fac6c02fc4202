// `portcullis stdio`: the gateway launched by the agent itself, driven by the SDK stdio transports.
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { StdioClientTransport as V1StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  CLI,
  LEGACY,
  MODERN,
  NODE,
  PINNED,
  ROOT,
  adoptPid,
  childPids,
  expectProgress,
  spawnProc,
  pidAlive,
  readAudit,
  stdioGatewayConfig,
  stdioUpstream,
  stopAll,
  textOf,
  track,
  v1Client,
  waitFor,
  withTimeout,
} from './helpers.js';

let files: { configPath: string; auditPath: string };

beforeAll(() => {
  files = stdioGatewayConfig({
    upstreams: {
      old: stdioUpstream(LEGACY, ['--stdio', '--name', 'old', '--tools', '2']),
      mo: stdioUpstream(MODERN, ['--stdio', '--modern-only']),
    },
    policy: {
      allow: [
        { upstream: 'old', tools: ['tool_0', 'ask_user', 'progress'] },
        { upstream: 'mo', tools: ['echo', 'confirm_action'] },
      ],
    },
  });
});

afterAll(stopAll, 30_000);

describe('portcullis stdio', () => {
  it('v1 SDK StdioClientTransport: list, call, elicitation, progress; stdout stays clean; exits when the agent leaves', async () => {
    const transport = new V1StdioClientTransport({ command: NODE, args: [CLI, 'stdio', '--config', files.configPath], cwd: ROOT, stderr: 'pipe' });
    let stderr = '';
    transport.stderr?.on('data', (d: Buffer) => void (stderr += d.toString('utf8')));
    const client = v1Client('e2e-stdio');
    await client.connect(transport, { timeout: 20_000 }).catch((err: unknown) => {
      throw new Error(`connect failed: ${String(err)}\ngateway stderr:\n${stderr.slice(-2000)}`);
    });
    const gatewayPid = transport.pid!;
    adoptPid(gatewayPid);
    expect(client.getServerVersion()?.name).toBe('portcullis');

    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(['mo__confirm_action', 'mo__echo', 'old__ask_user', 'old__progress', 'old__tool_0']);
    expect(JSON.parse(textOf(await client.callTool({ name: 'old__tool_0', arguments: { via: 'stdio' } })))).toEqual({ server: 'old', tool: 'tool_0', args: { via: 'stdio' } });
    expect(textOf(await client.callTool({ name: 'mo__echo', arguments: { message: 'piped' } }))).toBe('echo: piped');
    // Server→client requests over the agent's stdio, and input_required translated for a legacy agent.
    expect(textOf(await client.callTool({ name: 'old__ask_user', arguments: { question: 'q' } }))).toBe('forty-two');
    expect(textOf(await client.callTool({ name: 'mo__confirm_action', arguments: { action: 'pipe' } }))).toBe('confirmed: pipe');
    const seen: number[] = [];
    await client.callTool({ name: 'old__progress', arguments: { steps: 3 } }, undefined, { onprogress: (p) => void seen.push(p.progress) });
    expectProgress(seen, 3);
    await expect(client.callTool({ name: 'old__tool_1', arguments: {} })).rejects.toThrow(/-32001/);

    const upstreamPids = childPids(gatewayPid);
    expect(upstreamPids.length).toBe(2);
    await client.close();
    await waitFor(() => !pidAlive(gatewayPid), 10_000, 'the stdio gateway to exit after stdin closed');
    await waitFor(() => upstreamPids.every((pid) => !pidAlive(pid)), 5_000, 'upstream children to be gone');

    // Logs went to stderr (the transport would have failed on a non-JSON stdout line), audit to the file.
    expect(stderr).not.toContain('"jsonrpc"');
    const audit = readAudit(files.auditPath).filter((r) => r.kind === 'request');
    expect(audit.some((r) => r.transport === 'stdio' && r.target === 'tool_0' && r.outcome === 'allowed')).toBe(true);
    expect(audit.some((r) => r.target === 'tool_1' && r.outcome === 'denied')).toBe(true);
  });

  it('raw lines: progress under the agent\'s own token, all of it before the result; a bad line gets -32700', async () => {
    const gw = spawnProc(NODE, [CLI, 'stdio', '--config', files.configPath]);
    const lines = (): Array<{ id?: unknown; method?: string; params?: { progressToken?: unknown; progress?: number }; error?: { code: number } }> =>
      gw
        .stdout()
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as { id?: unknown });
    const send = (m: unknown): void => void gw.child.stdin!.write(`${typeof m === 'string' ? m : JSON.stringify(m)}\n`);
    send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } });
    await waitFor(() => lines().some((l) => l.id === 0), 10_000, 'initialize result');
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send('{not json');
    await waitFor(() => lines().some((l) => l.error?.code === -32700), 5_000, 'the parse error');
    for (let n = 1; n <= 5; n++) {
      const start = lines().length;
      send({ jsonrpc: '2.0', id: n, method: 'tools/call', params: { name: 'old__progress', arguments: { steps: 3 }, _meta: { progressToken: `tok-${n}` } } });
      await waitFor(() => lines().slice(start).some((l) => l.id === n), 5_000, `result ${n}`);
      const mine = lines().slice(start);
      expect(mine.map((l) => (l.id === n ? 'result' : `${l.method}:${String(l.params?.progressToken)}:${l.params?.progress}`))).toEqual([
        `notifications/progress:tok-${n}:1`,
        `notifications/progress:tok-${n}:2`,
        `notifications/progress:tok-${n}:3`,
        'result',
      ]);
    }
    gw.child.stdin!.end();
    expect(await withTimeout(gw.exited, 10_000, 'exit after stdin closed')).toBe(0);
  });

  it('v2 SDK pinned to 2026-07-28 over stdio: list and call (stateless modern requests)', async () => {
    const transport = new StdioClientTransport({ command: NODE, args: [CLI, 'stdio', '--config', files.configPath], cwd: ROOT, stderr: 'pipe' });
    let stderr = '';
    transport.stderr?.on('data', (d: Buffer) => void (stderr += d.toString('utf8')));
    const client = track(new Client({ name: 'e2e-stdio-v2', version: '1.0.0' }, { ...PINNED, capabilities: { elicitation: { form: {} } } }));
    client.setRequestHandler('elicitation/create', async () => ({ action: 'accept' as const, content: { answer: 'modern answer' } }));
    await client.connect(transport).catch((err: unknown) => {
      throw new Error(`connect failed: ${String(err)}\ngateway stderr:\n${stderr.slice(-2000)}`);
    });
    adoptPid(transport.pid);
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('old__tool_0');
    expect(textOf(await client.callTool({ name: 'mo__echo', arguments: { message: 'v2' } }))).toBe('echo: v2');
    expect(textOf(await client.callTool({ name: 'old__ask_user', arguments: { question: 'q' } }))).toBe('modern answer');
  });
});
