// OpenTelemetry tracing end to end: a real gateway process exporting OTLP/HTTP JSON to a receiver on
// 127.0.0.1, real upstreams over HTTP (echo-headers, which shows the traceparent header it received)
// and stdio (meta-echo, which shows the `_meta` it received).
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ECHO_HEADERS, ROOT, httpUpstream, post, rawSession, sessionHeaders, startGateway, startHttpFixture, stdioUpstream, stopAll, stopProc, textOf, waitFor, type Gateway, type HttpServer } from '../e2e/helpers.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './otlp-receiver.js';

const META_ECHO = join(ROOT, 'test/telemetry/meta-echo-server.mjs');
const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;

// Export every 100 ms instead of the SDK's 5 s, so the tests wait for spans, not for the batch timer.
process.env.OTEL_BSP_SCHEDULE_DELAY = '100';

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

let receiver: OtlpReceiver;
let echo: HttpServer;
let gw: Gateway;
let sid: string;

function call(id: number, name: string, headers: Record<string, string> = {}, meta?: Record<string, unknown>) {
  const params: Record<string, unknown> = { name, arguments: {} };
  if (meta) params._meta = meta;
  return post(gw.url, { jsonrpc: '2.0', id, method: 'tools/call', params }, { ...sessionHeaders(sid), ...headers });
}

/** Spans of one trace, once the request span has arrived (it ends last: after the audit record). */
async function traceOf(traceId: string, root: (s: ReceivedSpan) => boolean): Promise<ReceivedSpan[]> {
  await waitFor(() => receiver.spans().some((s) => s.traceId === traceId && root(s)), 15_000, `spans of trace ${traceId}`);
  return receiver.spans().filter((s) => s.traceId === traceId);
}

/** The call's audit record (the file sink writes in the background, so wait for it). */
async function auditFor(requestId: number) {
  const find = () => gw.audit().find((r) => r.kind === 'request' && r.requestId === requestId);
  await waitFor(() => find() !== undefined, 10_000, `audit record of request ${requestId}`);
  return find()!;
}

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  echo = await startHttpFixture(ECHO_HEADERS, []);
  gw = await startGateway({
    upstreams: { echo: httpUpstream(echo.url), meta: stdioUpstream(META_ECHO) },
    policy: { allow: [{ upstream: 'echo', tools: ['headers'] }, { upstream: 'meta', tools: ['meta'] }] },
    telemetry: { tracing: { enabled: true, endpoint: `${receiver.url}/v1/traces`, serviceName: 'portcullis-e2e' } },
  });
  sid = await rawSession(gw.url);
}, 60_000);

afterAll(async () => {
  await stopAll();
  await receiver.close();
});

describe('tracing on', () => {
  it('one tool call: request span under the agent\'s context, a span per stage and one for the upstream call, and the upstream joins the trace', async () => {
    const traceId = hex(16);
    const agentSpan = hex(8);
    const r = await call(7, 'echo__headers', { traceparent: `00-${traceId}-${agentSpan}-01` });
    expect(r.json?.result?.isError).toBeFalsy();
    const upstreamSaw = JSON.parse(textOf(r.json!.result)) as Record<string, string>;

    const spans = await traceOf(traceId, (s) => s.kind === SERVER && s.name === 'tools/call echo__headers');
    const req = spans.find((s) => s.kind === SERVER)!;
    expect(req.parentSpanId).toBe(agentSpan);
    expect(req.status.code).not.toBe(ERROR);
    expect(req.resource['service.name']).toBe('portcullis-e2e');
    expect(req.attributes).toMatchObject({
      'mcp.method.name': 'tools/call',
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'echo__headers',
      'jsonrpc.request.id': '7',
      'mcp.session.id': sid,
      'network.transport': 'tcp',
      'portcullis.upstream': 'echo',
      'portcullis.outcome': 'allowed',
    });
    expect(typeof req.attributes['portcullis.rule']).toBe('string');

    // One child span per stage the audit record lists, in the same trace, under the request span.
    const audit = await auditFor(7);
    expect(audit.traceId).toBe(traceId);
    const stageNames = (audit.stages as Array<{ stage: string }>).map((s) => `stage ${s.stage}`);
    expect(stageNames).toContain('stage authorize');
    const stageSpans = spans.filter((s) => s.name.startsWith('stage '));
    expect(stageSpans.map((s) => s.name).sort()).toEqual([...stageNames].sort());
    for (const s of stageSpans) expect(s.parentSpanId).toBe(req.spanId);
    expect(stageSpans.find((s) => s.name === 'stage authorize')!.attributes['portcullis.verdict']).toBe('pass');

    const up = spans.filter((s) => s.kind === CLIENT);
    expect(up).toHaveLength(1);
    expect(up[0]!.parentSpanId).toBe(req.spanId);
    expect(up[0]!.name).toBe('tools/call headers');
    expect(up[0]!.attributes).toMatchObject({ 'mcp.method.name': 'tools/call', 'gen_ai.tool.name': 'headers', 'portcullis.upstream': 'echo', 'network.transport': 'tcp', 'server.address': '127.0.0.1' });

    // The upstream received a traceparent naming our upstream span, in the agent's trace.
    expect(upstreamSaw.traceparent).toBe(`00-${traceId}-${up[0]!.spanId}-01`);
  });

  it('stdio upstream: the trace travels in _meta.traceparent, and the agent\'s _meta context wins over its header', async () => {
    const metaTrace = hex(16);
    const metaSpan = hex(8);
    const headerTrace = hex(16);
    const r = await call(8, 'meta__meta', { traceparent: `00-${headerTrace}-${hex(8)}-01` }, { traceparent: `00-${metaTrace}-${metaSpan}-01`, tracestate: 'vendor=1' });
    const upstreamMeta = JSON.parse(textOf(r.json!.result)) as Record<string, string>;

    const spans = await traceOf(metaTrace, (s) => s.kind === SERVER);
    expect(receiver.spans().some((s) => s.traceId === headerTrace)).toBe(false);
    const req = spans.find((s) => s.kind === SERVER)!;
    expect(req.parentSpanId).toBe(metaSpan);
    const up = spans.find((s) => s.kind === CLIENT)!;
    expect(up.attributes['network.transport']).toBe('pipe');
    expect(upstreamMeta.traceparent).toBe(`00-${metaTrace}-${up.spanId}-01`);
    expect(upstreamMeta.tracestate).toBe('vendor=1');
    expect((await auditFor(8)).traceId).toBe(metaTrace);
  });

  it('a denied call: error status with the JSON-RPC code, the deciding stage span says deny, and no upstream span', async () => {
    const traceId = hex(16);
    const r = await call(9, 'echo__not_granted', { traceparent: `00-${traceId}-${hex(8)}-01` });
    expect(r.json?.error?.code).toBe(-32001);
    const spans = await traceOf(traceId, (s) => s.kind === SERVER);
    const req = spans.find((s) => s.kind === SERVER)!;
    expect(req.status.code).toBe(ERROR);
    expect(req.attributes).toMatchObject({ 'portcullis.outcome': 'denied', 'error.type': '-32001', 'rpc.response.status_code': '-32001' });
    const authorize = spans.find((s) => s.name === 'stage authorize')!;
    expect(authorize.status.code).toBe(ERROR);
    expect(authorize.attributes['portcullis.verdict']).toBe('deny');
    expect(spans.some((s) => s.kind === CLIENT)).toBe(false);
  });

  it('attack: a forged or malformed traceparent is ignored — a fresh root trace, and upstreams only ever get one the gateway formed', async () => {
    const forged = [
      `00-${'0'.repeat(32)}-${hex(8)}-01`, // all-zero trace id
      `00-${hex(16).toUpperCase()}-${hex(8)}-01`, // upper case is not W3C
      `ff-${hex(16)}-${hex(8)}-01`, // version ff is forbidden
      `00-${hex(16)}-${hex(8)}-01-extra`, // version 00 has exactly four fields
    ];
    for (const [i, traceparent] of forged.entries()) {
      const id = 20 + i;
      const r = await call(id, 'echo__headers', { traceparent }, { traceparent: 'garbage\r\nx-injected: 1' });
      const upstreamSaw = JSON.parse(textOf(r.json!.result)) as Record<string, string>;
      expect(upstreamSaw['x-injected']).toBeUndefined();
      const m = TRACEPARENT.exec(upstreamSaw.traceparent ?? '');
      expect(m, `upstream traceparent for ${traceparent}`).not.toBeNull();
      const traceId = (await auditFor(id)).traceId as string;
      expect(m![1]).toBe(traceId);
      expect(traceparent.toLowerCase()).not.toContain(traceId);
      const req = (await traceOf(traceId, (s) => s.kind === SERVER)).find((s) => s.kind === SERVER)!;
      expect(req.parentSpanId).toBeUndefined();
    }
  });

  it('attack: an agent cannot switch the gateway\'s tracing off with an unsampled flag', async () => {
    const traceId = hex(16);
    const r = await call(30, 'echo__headers', { traceparent: `00-${traceId}-${hex(8)}-00` });
    const upstreamSaw = JSON.parse(textOf(r.json!.result)) as Record<string, string>;
    const spans = await traceOf(traceId, (s) => s.kind === SERVER);
    expect(spans.some((s) => s.kind === CLIENT)).toBe(true);
    expect(upstreamSaw.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
  });

  it('a notification from the agent gets its own span, under the context in its _meta', async () => {
    const traceId = hex(16);
    const agentSpan = hex(8);
    const r = await post(gw.url, { jsonrpc: '2.0', method: 'notifications/roots/list_changed', params: { _meta: { traceparent: `00-${traceId}-${agentSpan}-01` } } }, sessionHeaders(sid));
    expect(r.status).toBe(202);
    const [span] = await traceOf(traceId, (s) => s.name === 'notifications/roots/list_changed');
    expect(span!.kind).toBe(SERVER);
    expect(span!.parentSpanId).toBe(agentSpan);
    expect(span!.attributes).toMatchObject({ 'mcp.method.name': 'notifications/roots/list_changed', 'portcullis.outcome': 'delivered', 'mcp.session.id': sid });
  });
});

describe('shutdown', () => {
  it('spans still queued when the gateway stops are exported before it exits', async () => {
    const late = await startOtlpReceiver();
    process.env.OTEL_BSP_SCHEDULE_DELAY = '600000'; // the batch timer never fires during this test
    try {
      const g = await startGateway({
        upstreams: { echo: httpUpstream(echo.url) },
        policy: { allow: [{ upstream: 'echo', tools: ['headers'] }] },
        telemetry: { tracing: { enabled: true, endpoint: `${late.url}/v1/traces` } },
      });
      const s = await rawSession(g.url);
      const traceId = hex(16);
      await post(g.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo__headers', arguments: {} } }, { ...sessionHeaders(s), traceparent: `00-${traceId}-${hex(8)}-01` });
      expect(late.spans().some((x) => x.traceId === traceId)).toBe(false);
      await stopProc(g.proc, 15_000);
      expect(late.spans().some((x) => x.traceId === traceId && x.kind === SERVER)).toBe(true);
      expect(late.spans().some((x) => x.traceId === traceId && x.kind === CLIENT)).toBe(true);
    } finally {
      process.env.OTEL_BSP_SCHEDULE_DELAY = '100';
      await late.close();
    }
  });
});

describe('tracing off', () => {
  it('exports nothing, and passes the agent\'s own valid traceparent on unchanged', async () => {
    const quiet = await startOtlpReceiver();
    try {
      const off = await startGateway({
        upstreams: { echo: httpUpstream(echo.url) },
        policy: { allow: [{ upstream: 'echo', tools: ['headers'] }] },
        telemetry: { tracing: { enabled: false, endpoint: `${quiet.url}/v1/traces` } },
      });
      const offSid = await rawSession(off.url);
      const traceparent = `00-${hex(16)}-${hex(8)}-01`;
      const r = await post(off.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo__headers', arguments: {} } }, { ...sessionHeaders(offSid), traceparent });
      expect((JSON.parse(textOf(r.json!.result)) as Record<string, string>).traceparent).toBe(traceparent);
      // A clean shutdown flushes anything queued: had a span been made, it would have arrived by now.
      await stopProc(off.proc);
      expect(quiet.requests()).toBe(0);
    } finally {
      await quiet.close();
    }
  });
});
