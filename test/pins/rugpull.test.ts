// Rug pulls end to end: an upstream changes a tool's definition after it was trusted. The agent must
// never see or call the changed tool until a person approves it with `portcullis pins approve`; a
// poisoned change is blocked outright; going back to an older version asks again. Then the same across
// two gateway processes sharing PostgreSQL, where a decision made once holds on every replica.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import type { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, NODE, connectV1, fixture, httpUpstream, startGateway, startHttpFixture, stopAll, textOf, waitFor, type Gateway, type HttpServer } from '../e2e/helpers.js';

const run = promisify(execFile);
const RUGPULL = fixture('rugpull-server.mjs');

async function pins(configPath: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(NODE, [CLI, 'pins', ...args, '--config', configPath], { timeout: 20_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

async function control(upstream: HttpServer, variant?: string): Promise<{ variant: string; calls: string[] }> {
  const url = upstream.url.replace(/\/mcp$/, '/control');
  const res = await fetch(variant ? `${url}?variant=${variant}` : url, { method: variant ? 'POST' : 'GET' });
  expect(res.status).toBe(200);
  return variant ? { variant: await res.text(), calls: [] } : ((await res.json()) as { variant: string; calls: string[] });
}

async function toolNames(client: V1Client): Promise<string[]> {
  return (await client.listTools()).tools.map((t) => t.name).sort();
}

/** Resolves once the agent has been told to re-list (the gateway re-read the upstream, or a decision landed). */
function nextListChanged(client: V1Client): Promise<void> {
  return new Promise((resolve) => client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()));
}

/** A decision reaches a running gateway within its poll interval: the agent is told, and its list changes. */
async function expectListEventually(client: V1Client, told: Promise<void>, expected: string[]): Promise<void> {
  await told;
  await waitFor(async () => JSON.stringify(await toolNames(client)) === JSON.stringify(expected), 5_000, `tools ${expected.join(', ')}`);
}

const gatewayConfig = (upstream: string, extra: Record<string, unknown> = {}) => ({
  upstreams: { wx: httpUpstream(upstream) },
  policy: { allow: [{ upstream: 'wx', tools: ['*'] }] },
  pins: { pollMs: 150 },
  ...extra,
});

afterAll(stopAll);

describe('tool pinning on one gateway (embedded SQLite)', () => {
  let upstream: HttpServer;
  let gw: Gateway;
  let client: V1Client;

  beforeAll(async () => {
    upstream = await startHttpFixture(RUGPULL, []);
    gw = await startGateway(gatewayConfig(upstream.url));
    ({ client } = await connectV1(gw.url));
  });

  it('trusts definitions on first use and serves them', async () => {
    expect(await toolNames(client)).toEqual(['wx__time', 'wx__weather']);
    expect(textOf(await client.callTool({ name: 'wx__weather', arguments: { city: 'Oslo' } }))).toBe('weather answered by variant original');
    const listed = await pins(gw.configPath, 'list', '--json');
    expect(listed.code).toBe(0);
    const rows = listed.stdout.trim().split('\n').map((l) => JSON.parse(l) as { name: string; status: string; decidedBy: string });
    expect(rows.map((r) => [r.name, r.status, r.decidedBy])).toEqual([
      ['time', 'trusted', 'trust-on-first-use'],
      ['weather', 'trusted', 'trust-on-first-use'],
    ]);
  });

  it('hides a changed tool and refuses its calls before they reach the upstream, until approved', async () => {
    const relisted = nextListChanged(client);
    await control(upstream, 'changed');
    await relisted;
    expect(await toolNames(client)).toEqual(['wx__time']);
    const before = (await control(upstream)).calls.length;
    const refused = await client.callTool({ name: 'wx__weather', arguments: { city: 'Oslo' } }).then(
      () => undefined,
      (err: { code?: number; data?: { reason?: string } }) => err,
    );
    expect(refused?.code).toBe(-32010);
    expect(refused?.data?.reason).toBe('not_approved');
    expect((await control(upstream)).calls.length).toBe(before);
    // An unchanged sibling keeps working.
    expect(textOf(await client.callTool({ name: 'wx__time', arguments: { city: 'Oslo' } }))).toBe('time answered by variant changed');

    const diff = await pins(gw.configPath, 'diff', '--upstream', 'wx');
    expect(diff.code).toBe(0);
    expect(diff.stdout).toContain('weather');
    expect(diff.stdout).toMatch(/^-.*temperature and conditions\./m);
    expect(diff.stdout).toMatch(/^\+.*in Fahrenheit/m);

    const trail = gw.audit();
    expect(trail.some((r) => r.kind === 'admin' && r.method === 'pins/pending' && String(r.detail).includes('"weather"'))).toBe(true);
    expect(trail.some((r) => r.method === 'tools/call' && r.outcome === 'denied' && r.reason === 'not_approved' && r.target === 'weather')).toBe(true);

    const approvedSignal = nextListChanged(client);
    const approved = await pins(gw.configPath, 'approve', '--upstream', 'wx', '--tool', 'weather', '--as', 'alice', '--reason', 'unit change reviewed');
    expect(approved.code).toBe(0);
    expect(approved.stdout).toContain('approved: wx tool weather');
    await expectListEventually(client, approvedSignal, ['wx__time', 'wx__weather']);
    expect(textOf(await client.callTool({ name: 'wx__weather', arguments: { city: 'Oslo' } }))).toBe('weather answered by variant changed');
    await waitFor(() => gw.audit().some((r) => r.kind === 'admin' && r.method === 'pins/approve' && (r.principal as { subject: string }).subject === 'alice'), 5_000, 'approval audited');
  });

  it('blocks a poisoned change whatever the mode, and shows the findings', async () => {
    const relisted = nextListChanged(client);
    await control(upstream, 'poisoned');
    await relisted;
    expect(await toolNames(client)).toEqual(['wx__time']);
    const listed = await pins(gw.configPath, 'list', '--status', 'blocked', '--json');
    expect(listed.stdout).toContain('"name":"weather"');
    const diff = await pins(gw.configPath, 'diff', '--upstream', 'wx', '--tool', 'weather');
    expect(diff.stdout).toContain('findings:');
    expect(diff.stdout).toMatch(/blocked/);
  });

  it('asks again when the upstream goes back to a superseded version', async () => {
    const relisted = nextListChanged(client);
    await control(upstream, 'original');
    await relisted;
    expect(await toolNames(client)).toEqual(['wx__time']);
    const waiting = await pins(gw.configPath, 'list', '--status', 'pending', '--json');
    expect(waiting.stdout).toContain('"name":"weather"');
    const rejected = await pins(gw.configPath, 'reject', '--upstream', 'wx', '--tool', 'weather', '--as', 'bob');
    expect(rejected.code).toBe(0);
    expect(await toolNames(client)).toEqual(['wx__time']);
  });

  it('refuses approve without a target, and says so when nothing matches', async () => {
    expect((await pins(gw.configPath, 'approve')).code).toBe(2);
    const none = await pins(gw.configPath, 'approve', '--upstream', 'nope');
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('nothing matching');
  });
});

describe('explicit approval mode', () => {
  it('serves nothing new until a person approves it', async () => {
    const upstream = await startHttpFixture(RUGPULL, []);
    const gw = await startGateway(gatewayConfig(upstream.url, { pins: { mode: 'approve', pollMs: 150 } }));
    const { client } = await connectV1(gw.url);
    expect(await toolNames(client)).toEqual([]);
    const signal = nextListChanged(client);
    expect((await pins(gw.configPath, 'approve', '--upstream', 'wx', '--tool', 'time', '--as', 'carol')).code).toBe(0);
    await expectListEventually(client, signal, ['wx__time']);
  });
});

const PG = process.env.PORTCULLIS_TEST_POSTGRES_URL;

describe.skipIf(!PG)('two gateways sharing PostgreSQL', () => {
  const schema = `pins_${randomBytes(4).toString('hex')}`;

  afterAll(async () => {
    const { default: pg } = await import('pg');
    const c = new pg.Client({ connectionString: PG });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  });

  it('a change is hidden on both replicas, and one approval releases it on both', async () => {
    const upstream = await startHttpFixture(RUGPULL, []);
    const storage = { postgres: { url: PG, schema } };
    const a = await startGateway(gatewayConfig(upstream.url, { storage }));
    const b = await startGateway(gatewayConfig(upstream.url, { storage }));
    const { client: ca } = await connectV1(a.url);
    const { client: cb } = await connectV1(b.url);
    expect(await toolNames(ca)).toEqual(['wx__time', 'wx__weather']);
    expect(await toolNames(cb)).toEqual(['wx__time', 'wx__weather']);

    const relistA = nextListChanged(ca);
    const relistB = nextListChanged(cb);
    await control(upstream, 'changed');
    await Promise.all([relistA, relistB]);
    expect(await toolNames(ca)).toEqual(['wx__time']);
    expect(await toolNames(cb)).toEqual(['wx__time']);
    await expect(cb.callTool({ name: 'wx__weather', arguments: { city: 'Rome' } })).rejects.toMatchObject({ code: -32010 });

    // Decided through replica A's config; replica B picks it up from the shared store.
    const approvedB = nextListChanged(cb);
    expect((await pins(a.configPath, 'approve', '--upstream', 'wx', '--tool', 'weather', '--as', 'alice')).code).toBe(0);
    await expectListEventually(cb, approvedB, ['wx__time', 'wx__weather']);
    expect(textOf(await cb.callTool({ name: 'wx__weather', arguments: { city: 'Rome' } }))).toBe('weather answered by variant changed');
    await waitFor(async () => (await toolNames(ca)).includes('wx__weather'), 5_000, 'replica A sees the approval');
  });
});
