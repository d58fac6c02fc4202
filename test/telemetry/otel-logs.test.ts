// Audit records exported as OpenTelemetry logs: a real gateway process, a real stdio upstream, an OTLP
// receiver on 127.0.0.1. The audit file stays the record of truth; a collector that is down changes
// nothing for calls.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEGACY, post, rawSession, sessionHeaders, startGateway, stdioUpstream, stopAll, waitFor, freePort, type Gateway } from '../e2e/helpers.js';
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver.js';

let receiver: OtlpReceiver;
let gw: Gateway;

const config = (endpoint: string, headers: Record<string, string> = {}) => ({
  upstreams: { legacy: stdioUpstream(LEGACY, ['--stdio']) },
  policy: { allow: [{ upstream: 'legacy', tools: ['tool_0'] }] },
  telemetry: { logs: { endpoint, headers } },
});

const callTool = (url: string, sid: string, id: number, name: string) =>
  post(url, { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: { q: 'x' } } }, sessionHeaders(sid));

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  gw = await startGateway(config(`${receiver.url}/v1/logs`));
}, 60_000);

afterAll(async () => {
  await stopAll();
  await receiver.close();
});

describe('audit records as OpenTelemetry logs', () => {
  it('exports each record the trail accepted, with its trace id, outcome and severity', async () => {
    const sid = await rawSession(gw.url);
    expect((await callTool(gw.url, sid, 41, 'legacy__tool_0')).json?.result).toBeDefined();
    expect((await callTool(gw.url, sid, 42, 'legacy__tool_1')).json?.error?.code).toBe(-32001);

    const ours = () => gw.audit().filter((r) => r.kind === 'request' && (r.requestId === 41 || r.requestId === 42));
    await waitFor(() => ours().length === 2, 10_000, 'both records in the trail');
    const records = ours();
    await waitFor(() => records.every((r) => receiver.logs().some((l) => (l.body as { id?: string })?.id === r.id)), 15_000, 'both records exported');

    for (const r of records) {
      const l = receiver.logs().find((x) => (x.body as { id?: string }).id === r.id)!;
      expect(l.eventName).toBe('portcullis.audit');
      expect(l.traceId).toBe(r.traceId);
      expect(l.attributes).toMatchObject({ 'portcullis.outcome': r.outcome, 'mcp.method.name': 'tools/call', 'portcullis.upstream': 'legacy', 'mcp.session.id': sid });
      expect(l.body).toMatchObject({ id: r.id, traceId: r.traceId, outcome: r.outcome, requestId: r.requestId });
    }
    const denied = receiver.logs().find((x) => (x.body as { requestId?: number }).requestId === 42)!;
    expect(denied.severityText).toBe('WARN');
    expect(denied.attributes['portcullis.reason']).toBe('denied');
    expect(receiver.logs().find((x) => (x.body as { requestId?: number }).requestId === 41)!.severityText).toBe('INFO');
  });

  it('a collector that is down: calls still succeed and are in the trail; the failure is logged without the exporter\'s credential', async () => {
    const dead = `http://127.0.0.1:${await freePort()}/v1/logs`;
    const down = await startGateway(config(dead, { authorization: 'Bearer collector-sekrit-0042' }));
    const sid = await rawSession(down.url);
    for (let id = 1; id <= 3; id++) expect((await callTool(down.url, sid, id, 'legacy__tool_0')).json?.result).toBeDefined();
    // The file sink writes in the background: wait for the three call records rather than racing it.
    const calls = () => down.audit().filter((r) => r.kind === 'request' && r.method === 'tools/call' && r.outcome === 'allowed');
    await waitFor(() => calls().length === 3, 10_000, 'three call records in the trail');
    await waitFor(() => /audit log export failed/.test(down.proc.stderr()), 20_000, 'the export failure in the log');
    expect(down.proc.stderr()).not.toContain('collector-sekrit-0042');
  });
});
