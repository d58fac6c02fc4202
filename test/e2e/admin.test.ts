// The admin listener: Prometheus metrics derived from the same events as the audit trail, and health.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEGACY, post, rawSession, sessionHeaders, startGateway, stdioUpstream, stopAll, waitFor, type Gateway } from './helpers.js';

let gw: Gateway;
let admin = '';

beforeAll(async () => {
  gw = await startGateway({
    log: { level: 'info' },
    admin: { enabled: true, host: '127.0.0.1', port: 0 },
    upstreams: { legacy: stdioUpstream(LEGACY, ['--stdio']) },
    policy: { allow: [{ upstream: 'legacy', tools: ['tool_0'] }] },
  });
  await waitFor(() => /admin listener ready/.test(gw.proc.stderr()), 10_000, 'admin listener');
  const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)\/metrics"/.exec(gw.proc.stderr());
  admin = m![1]!;
}, 60_000);

afterAll(stopAll);

describe('admin listener', () => {
  it('serves /healthz and /readyz apart from /mcp', async () => {
    expect((await fetch(`${admin}/healthz`)).status).toBe(200);
    const ready = await fetch(`${admin}/readyz`);
    expect(ready.status).toBe(200);
    expect((await fetch(`${admin}/mcp`)).status).toBe(404);
  });

  it('counts requests by outcome and denials by reason and rule, with latency per stage', async () => {
    const sid = await rawSession(gw.url);
    await post(gw.url, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'legacy__tool_0', arguments: {} } }, sessionHeaders(sid));
    await post(gw.url, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'legacy__tool_1', arguments: {} } }, sessionHeaders(sid));
    const text = await (await fetch(`${admin}/metrics`)).text();
    expect(text).toMatch(/portcullis_messages_total\{method="tools\/call",upstream="legacy",outcome="allowed",direction="inbound"\} 1/);
    expect(text).toMatch(/portcullis_denials_total\{reason="denied",rule="default-deny"\} 1/);
    expect(text).toMatch(/portcullis_stage_duration_seconds_count\{stage="authorize"\} [1-9]/);
    expect(text).toMatch(/portcullis_upstream_up\{upstream="legacy"\} 1/);
    expect(text).toContain('portcullis_audit_queue_depth');
  });
});
