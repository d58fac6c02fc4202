import { describe, expect, it } from 'vitest';
import { Metrics } from '../../src/telemetry/metrics.js';
import type { AuditEvent } from '../../src/pipeline/types.js';

function event(method: string, extra: Partial<AuditEvent> = {}): AuditEvent {
  return {
    time: new Date().toISOString(),
    id: 'x',
    traceId: 't',
    direction: 'inbound',
    kind: 'request',
    transport: 'http',
    principal: { subject: 'a', roles: [] },
    method,
    outcome: 'invalid',
    reason: 'unknown_method',
    stages: [{ stage: 'authorize', verdict: 'pass', ms: 0.01 }],
    latencyMs: 0.2,
    ...extra,
  };
}

const newMetrics = () => new Metrics({ upstreamHealth: () => [], auditStats: () => undefined, sessions: () => 0 });

describe('metrics', () => {
  it('counts every message under its method, outcome and stage', async () => {
    const m = newMetrics();
    for (let i = 0; i < 3; i++) m.observe(event('tools/call', { upstream: 'fs', outcome: 'allowed', reason: undefined }));
    const text = await m.registry.metrics();
    expect(text).toMatch(/portcullis_messages_total\{method="tools\/call",upstream="fs",outcome="allowed",direction="inbound"\} 3/);
    expect(text).toMatch(/portcullis_request_duration_seconds_count\{method="tools\/call",upstream="fs"\} 3/);
    expect(text).toMatch(/portcullis_stage_duration_seconds_count\{stage="authorize"\} 3/);
  });

  it('latency histograms are cumulative Prometheus buckets with +Inf, sum and count', async () => {
    const m = newMetrics();
    m.observe(event('tools/call', { upstream: 'fs', outcome: 'allowed', reason: undefined, latencyMs: 0.2 }));
    m.observe(event('tools/call', { upstream: 'fs', outcome: 'allowed', reason: undefined, latencyMs: 3 }));
    m.observe(event('tools/call', { upstream: 'fs', outcome: 'allowed', reason: undefined, latencyMs: 60_000 }));
    const text = await m.registry.metrics();
    const line = (le: string) => new RegExp(`portcullis_request_duration_seconds_bucket\\{method="tools/call",upstream="fs",le="${le.replace('+', '\\+')}"\\} (\\d+)`).exec(text)?.[1];
    expect(line('0.0001')).toBe('0');
    expect(line('0.00025')).toBe('1');
    expect(line('0.0025')).toBe('1');
    expect(line('0.005')).toBe('2');
    expect(line('30')).toBe('2');
    expect(line('+Inf')).toBe('3');
    expect(text).toMatch(/# TYPE portcullis_request_duration_seconds histogram/);
    const sum = /portcullis_request_duration_seconds_sum\{method="tools\/call",upstream="fs"\} ([\d.]+)/.exec(text)?.[1];
    expect(Number(sum)).toBeCloseTo(60.0032, 6);
    expect(text).toMatch(/portcullis_request_duration_seconds_count\{method="tools\/call",upstream="fs"\} 3/);
  });

  it('an agent choosing method names cannot choose the number of series (they count as "(other)")', async () => {
    const m = newMetrics();
    for (let i = 0; i < 500; i++) m.observe(event(`attack/${i}-${'x'.repeat(20)}`));
    const text = await m.registry.metrics();
    expect(text).not.toContain('attack/');
    expect(text).toMatch(/portcullis_messages_total\{method="\(other\)",upstream="",outcome="invalid",direction="inbound"\} 500/);
    const series = text.split('\n').filter((l) => l.startsWith('portcullis_messages_total{'));
    expect(series).toHaveLength(1);
  });

  it("the gateway's own record names keep their method label", async () => {
    const m = newMetrics();
    m.observe(event('pins/first-use', { kind: 'admin', outcome: 'allowed', reason: undefined }));
    expect(await m.registry.metrics()).toContain('method="pins/first-use"');
  });
});
