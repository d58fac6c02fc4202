// Deny by default, credential isolation, and hostile or broken input on both sides of the gateway:
// every bad message gets a clear error and exactly one audit record, and the gateway keeps serving.
import http from 'node:http';

import type { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  ECHO_HEADERS,
  LEGACY,
  MISBEHAVING,
  connectV1,
  connectV2,
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
  type AuditRecord,
  type Gateway,
  type RawReply,
} from './helpers.js';

let gw: Gateway;
let client: V1Client;
let sid: string;

const FAST = { timeoutMs: 1000, connectTimeoutMs: 1000 };

beforeAll(async () => {
  const [headers, garbageHttp, hangHttp] = await Promise.all([
    startHttpFixture(ECHO_HEADERS, []),
    startHttpFixture(MISBEHAVING, ['--mode', 'garbage', '--http']),
    startHttpFixture(MISBEHAVING, ['--mode', 'hang', '--http']),
  ]);
  gw = await startGateway({
    upstreams: {
      hdr: httpUpstream(headers.url, { http: { url: headers.url, allowLoopbackHttp: true, headers: { 'x-upstream-key': 'gateway-own-credential' } } }),
      old: stdioUpstream(LEGACY, ['--stdio', '--name', 'old', '--tools', '3']),
      garbage: httpUpstream(garbageHttp.url, FAST),
      garbagestdio: stdioUpstream(MISBEHAVING, ['--mode', 'garbage', '--stdio'], FAST),
      hang: stdioUpstream(MISBEHAVING, ['--mode', 'hang', '--stdio'], FAST),
      hanghttp: httpUpstream(hangHttp.url, FAST),
    },
    policy: {
      allow: [
        { upstream: 'hdr', tools: ['headers'] },
        { upstream: 'old', tools: ['tool_0', 'sleep'] },
        ...['garbage', 'garbagestdio', 'hang', 'hanghttp'].map((upstream) => ({ upstream, tools: ['*'] })),
      ],
    },
  });
  ({ client } = await connectV1(gw.url));
  sid = await rawSession(gw.url);
}, 60_000);

afterAll(stopAll, 30_000);

/** The gateway still answers a normal call. */
async function stillServing(): Promise<void> {
  const r = await post(gw.url, { jsonrpc: '2.0', id: 'ok', method: 'tools/call', params: { name: 'old__tool_0', arguments: { n: 1 } } }, sessionHeaders(sid));
  expect(r.status).toBe(200);
  expect(JSON.parse(textOf(r.json?.result))).toMatchObject({ server: 'old', tool: 'tool_0' });
}

/** Inbound audit records (requests and refused messages; not the notifications the gateway relays). */
const inbound = (): AuditRecord[] => gw.audit().filter((r) => r.direction === 'inbound' && (r.kind === 'request' || r.kind === 'invalid'));

/** The audit file is appended asynchronously: wait until no record has arrived for a little while. */
async function auditSettled(): Promise<number> {
  let last = -1;
  let count = inbound().length;
  for (let i = 0; i < 40 && count !== last; i++) {
    await new Promise((r) => setTimeout(r, 50));
    last = count;
    count = inbound().length;
  }
  return count;
}

/** Run one bad exchange; exactly one new inbound audit record must describe it. */
async function auditedOnce<T>(send: () => Promise<T>, expected: Partial<AuditRecord>): Promise<T> {
  const before = await auditSettled();
  const out = await send();
  await waitFor(() => inbound().length >= before + 1, 3_000, 'the audit record');
  await auditSettled(); // a second record, if any, would be written by now
  const fresh = inbound().slice(before);
  expect(fresh, JSON.stringify(fresh)).toHaveLength(1);
  expect(fresh[0]).toMatchObject(expected);
  return out;
}

/** A raw HTTP exchange with full control of Host and Origin (fetch would not let us set Host). */
function rawHttp(url: string, opts: { method?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...opts.headers }, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('raw request timed out')));
    req.end(opts.body);
  });
}

describe('deny by default', () => {
  it('a tool not on the allow-list is not listed, and calling it is denied with -32001', async () => {
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('old__tool_0');
    expect(names).not.toContain('old__tool_1');
    expect(names).not.toContain('old__crash');
    expect(names.filter((n) => n.startsWith('old__')).sort()).toEqual(['old__sleep', 'old__tool_0']);

    const r = await auditedOnce(
      () => post(gw.url, { jsonrpc: '2.0', id: 'd1', method: 'tools/call', params: { name: 'old__tool_1', arguments: {} } }, sessionHeaders(sid)),
      { kind: 'request', outcome: 'denied', reason: 'denied', upstream: 'old', target: 'tool_1' },
    );
    expect(r.json?.error?.code).toBe(-32001);
    expect(r.json?.error?.data?.reason).toBe('denied');
    // The SDK client sees the same refusal.
    await expect(client.callTool({ name: 'old__crash', arguments: {} })).rejects.toThrow(/-32001/);
    // Resources and prompts are denied the same way when no rule names them.
    expect((await client.listResources()).resources.filter((x) => x.uri.startsWith('old+'))).toEqual([]);
    await expect(client.readResource({ uri: 'old+legacy://old/doc/0' })).rejects.toThrow(/-32001/);
    await stillServing();
  });
});

describe("the agent's credentials never reach an upstream", () => {
  it('Authorization: Bearer SECRET123 from the agent is not forwarded (v1 and v2 agents)', async () => {
    const { client: v1 } = await connectV1(gw.url, { headers: { Authorization: 'Bearer SECRET123', 'X-Api-Key': 'SECRET123' } });
    const seen = JSON.parse(textOf(await v1.callTool({ name: 'hdr__headers', arguments: {} }))) as Record<string, string>;
    expect(JSON.stringify(seen)).not.toContain('SECRET123');
    expect(seen.authorization).toBeUndefined();
    // What does go upstream: the gateway's own credential and its own session with the upstream.
    expect(seen['x-upstream-key']).toBe('gateway-own-credential');
    expect(seen['mcp-session-id']).toBeTruthy();

    const res = await post(
      gw.url,
      { jsonrpc: '2.0', id: 'h', method: 'tools/call', params: { name: 'hdr__headers', arguments: {} } },
      { ...sessionHeaders(sid), authorization: 'Bearer SECRET123', cookie: 'session=SECRET123' },
    );
    expect(res.text).not.toContain('SECRET123');
    expect(textOf(res.json?.result)).not.toContain('SECRET123');

    const v2 = await connectV2(gw.url);
    const modern = textOf(await v2.callTool({ name: 'hdr__headers', arguments: {} }));
    expect(modern).not.toContain('SECRET123');
  });
});

describe('bad input: a clear error, one audit record, and the gateway keeps serving', () => {
  it('non-JSON body → 400 / -32700', async () => {
    const r = await auditedOnce(() => post(gw.url, '{"jsonrpc": "2.0", "id": 1, "method": ', sessionHeaders(sid)), { kind: 'invalid', outcome: 'invalid', reason: 'parse_error' });
    expect(r.status).toBe(400);
    expect(r.json?.error?.code).toBe(-32700);
    await stillServing();
  });

  it('a JSON array (batch) → -32600', async () => {
    const batch = [{ jsonrpc: '2.0', id: 1, method: 'tools/list' }];
    const r = await auditedOnce(() => post(gw.url, batch, sessionHeaders(sid)), { kind: 'invalid', outcome: 'invalid', reason: 'invalid_request' });
    expect(r.status).toBe(400);
    expect(r.json?.error?.code).toBe(-32600);
    await stillServing();
  });

  it('an unknown method → -32601', async () => {
    const r = await auditedOnce(() => post(gw.url, { jsonrpc: '2.0', id: 'u', method: 'tools/explode', params: {} }, sessionHeaders(sid)), {
      kind: 'request',
      method: 'tools/explode',
      outcome: 'invalid',
      reason: 'unknown_method',
    });
    expect(r.json?.id).toBe('u');
    expect(r.json?.error?.code).toBe(-32601);
    await stillServing();
  });

  it('a wrong MCP-Protocol-Version header → 400', async () => {
    const r = await auditedOnce(
      () => post(gw.url, { jsonrpc: '2.0', id: 'v', method: 'tools/list' }, { 'mcp-session-id': sid, 'mcp-protocol-version': '1999-01-01' }),
      { kind: 'invalid', outcome: 'invalid', reason: 'unsupported_version' },
    );
    expect(r.status).toBe(400);
    expect(r.json?.error).toBeDefined();
    // 2026-07-28: header and body disagree.
    const modern = await auditedOnce(
      () =>
        post(
          gw.url,
          { jsonrpc: '2.0', id: 'm', method: 'tools/list', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } } },
          { 'mcp-protocol-version': '2025-11-25', 'mcp-method': 'tools/list' },
        ),
      { kind: 'invalid', outcome: 'invalid', reason: 'header_mismatch' },
    );
    expect(modern.status).toBe(400);
    expect(modern.json?.error?.code).toBe(-32020);
    await stillServing();
  });

  it('an unknown session id → 404', async () => {
    const r = await auditedOnce(() => post(gw.url, { jsonrpc: '2.0', id: 's', method: 'tools/list' }, sessionHeaders('no-such-session')), {
      kind: 'invalid',
      outcome: 'invalid',
      reason: 'unknown_session',
    });
    expect(r.status).toBe(404);
    await stillServing();
  });

  it('a tool name that maps to no upstream → -32602 unknown_target', async () => {
    for (const name of ['nosuch__tool', 'no-separator-at-all', 'old__']) {
      const r = await auditedOnce(() => post(gw.url, { jsonrpc: '2.0', id: name, method: 'tools/call', params: { name, arguments: {} } }, sessionHeaders(sid)), {
        kind: 'request',
        outcome: 'invalid',
        reason: 'unknown_target',
      });
      expect(r.json?.error?.code).toBe(-32602);
      expect(r.json?.error?.data?.reason).toBe('unknown_target');
    }
    await stillServing();
  });

  it('an upstream that answers garbage → a clear upstream error, quickly', async () => {
    for (const name of ['garbage__echo', 'garbagestdio__echo']) {
      const started = Date.now();
      const r = await auditedOnce(
        () => post(gw.url, { jsonrpc: '2.0', id: name, method: 'tools/call', params: { name, arguments: { message: 'x' } } }, sessionHeaders(sid)),
        { kind: 'request', outcome: 'failed' },
      );
      expect(Date.now() - started).toBeLessThan(5_000);
      expect([-32003, -32004, -32006]).toContain(r.json?.error?.code);
      expect(String(r.json?.error?.data?.reason)).toMatch(/^upstream_(unavailable|timeout|protocol)$/);
      expect(r.json?.error?.message).toMatch(/garbage/);
    }
    await stillServing();
  });

  it('an upstream that never answers → upstream_timeout after timeoutMs (stdio and HTTP)', async () => {
    for (const name of ['hang__echo', 'hanghttp__echo']) {
      const started = Date.now();
      const r = await auditedOnce(
        () => post(gw.url, { jsonrpc: '2.0', id: name, method: 'tools/call', params: { name, arguments: { message: 'x' } } }, sessionHeaders(sid)),
        { kind: 'request', outcome: 'failed', reason: 'upstream_timeout' },
      );
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(900);
      expect(took).toBeLessThan(5_000);
      expect(r.json?.error?.code).toBe(-32004);
      expect(r.json?.error?.data?.reason).toBe('upstream_timeout');
    }
    await stillServing();
  });

  it('broken upstreams do not stall lists: tools/prompts/resources answer at once without them', async () => {
    await client.listTools(); // the broken upstreams have failed at least once by now
    for (const list of [() => client.listTools(), () => client.listPrompts(), () => client.listResources()]) {
      const started = Date.now();
      await list();
      // Waiting for them would take their connect time-out (1 s here, 25 s with the defaults).
      expect(Date.now() - started).toBeLessThan(500);
    }
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('old__tool_0');
    expect(names.some((n) => /^(garbage|garbagestdio|hang|hanghttp)__/.test(n))).toBe(false);
  });

  it('a 10 MB body → 413', async () => {
    const big = JSON.stringify({ jsonrpc: '2.0', id: 'big', method: 'tools/call', params: { name: 'old__tool_0', arguments: { blob: 'x'.repeat(10 * 1024 * 1024) } } });
    const r: RawReply = await auditedOnce(() => post(gw.url, big, sessionHeaders(sid)), { kind: 'invalid', outcome: 'invalid', reason: 'payload_too_large' });
    expect(r.status).toBe(413);
    // Chunked, so the limit is found while reading rather than from Content-Length.
    const chunked = await auditedOnce(() => rawHttp(gw.url, { headers: { 'transfer-encoding': 'chunked', ...sessionHeaders(sid) }, body: big }), {
      kind: 'invalid',
      outcome: 'invalid',
      reason: 'payload_too_large',
    });
    expect(chunked.status).toBe(413);
    await stillServing();
  });

  it('Host: evil.example → 403, and a foreign Origin → 403 (DNS rebinding)', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 'x', method: 'tools/list' });
    const host = await auditedOnce(() => rawHttp(gw.url, { headers: { host: 'evil.example', ...sessionHeaders(sid) }, body }), { kind: 'invalid', outcome: 'invalid', reason: 'forbidden' });
    expect(host.status).toBe(403);
    const origin = await auditedOnce(() => rawHttp(gw.url, { headers: { origin: 'http://evil.example', ...sessionHeaders(sid) }, body }), {
      kind: 'invalid',
      outcome: 'invalid',
      reason: 'forbidden',
    });
    expect(origin.status).toBe(403);
    expect(origin.body).not.toContain('"result"');
    await stillServing();
  });

  it('DELETE ends the session; reusing it → 404', async () => {
    const own = await rawSession(gw.url);
    const ok = await post(gw.url, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, sessionHeaders(own));
    expect(ok.status).toBe(200);
    const del = await fetch(gw.url, { method: 'DELETE', headers: sessionHeaders(own), signal: AbortSignal.timeout(5_000) });
    expect(del.status).toBe(200);
    const r = await auditedOnce(() => post(gw.url, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, sessionHeaders(own)), { kind: 'invalid', outcome: 'invalid', reason: 'unknown_session' });
    expect(r.status).toBe(404);
    const again = await fetch(gw.url, { method: 'DELETE', headers: sessionHeaders(own), signal: AbortSignal.timeout(5_000) });
    expect(again.status).toBe(404);
    await stillServing();
  });

  it('every request the gateway answered has exactly one audit record', async () => {
    const records = gw.audit().filter((r) => r.kind === 'request' && r.session === sid);
    const ids = records.map((r) => JSON.stringify(r.requestId));
    // Request ids are reused on purpose (e.g. 'ok'), so check the unique ones.
    for (const id of ['"d1"', '"u"', '"h"', '"garbage__echo"', '"hang__echo"', '"nosuch__tool"']) {
      expect(ids.filter((x) => x === id)).toHaveLength(1);
    }
  });
});
