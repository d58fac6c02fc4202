// W3C trace context as the gateway reads it from agents: strict parsing (agents are untrusted), the
// `_meta` context before the HTTP header, and the runner paying nothing for tracing when it is off.
import { describe, expect, it } from 'vitest';
import { agentTraceContext, formatTraceparent, parseTraceparent, withMetaTraceparent } from '../../src/telemetry/tracing.js';
import { Runner } from '../../src/pipeline/runner.js';
import { ANONYMOUS, PASS, type Ctx } from '../../src/pipeline/types.js';
import { MemoryAuditSink } from '../../src/audit/sinks.js';

const T = '4bf92f3577b34da6a3ce929d0e0e4736';
const S = '00f067aa0ba902b7';

describe('parseTraceparent', () => {
  it('accepts the W3C form and reads the sampled flag', () => {
    expect(parseTraceparent(`00-${T}-${S}-01`)).toEqual({ traceId: T, spanId: S, sampled: true });
    expect(parseTraceparent(`00-${T}-${S}-00`)).toEqual({ traceId: T, spanId: S, sampled: false });
    expect(parseTraceparent(`00-${T}-${S}-03`)?.sampled).toBe(true);
  });

  it('accepts a later version with appended fields (forward compatibility)', () => {
    expect(parseTraceparent(`01-${T}-${S}-01-future`)).toEqual({ traceId: T, spanId: S, sampled: true });
  });

  it.each([
    ['all-zero trace id', `00-${'0'.repeat(32)}-${S}-01`],
    ['all-zero span id', `00-${T}-${'0'.repeat(16)}-01`],
    ['version ff', `ff-${T}-${S}-01`],
    ['upper-case hex', `00-${T.toUpperCase()}-${S}-01`],
    ['version 00 with extra fields', `00-${T}-${S}-01-x`],
    ['short trace id', `00-${T.slice(2)}-${S}-01`],
    ['surrounding junk', ` 00-${T}-${S}-01`],
    ['a header injection attempt', `00-${T}-${S}-01\r\nx-evil: 1`],
    ['an oversized value', `01-${T}-${S}-01-${'a'.repeat(500)}`],
    ['not a string', 42],
  ])('refuses %s', (_label, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });

  it('formats what it parses', () => {
    expect(formatTraceparent(T, S, true)).toBe(`00-${T}-${S}-01`);
    expect(parseTraceparent(formatTraceparent(T, S, false))).toEqual({ traceId: T, spanId: S, sampled: false });
  });
});

describe('agentTraceContext', () => {
  const other = 'a'.repeat(32);
  it('prefers the message\'s own _meta context to the HTTP header', () => {
    expect(agentTraceContext({ _meta: { traceparent: `00-${T}-${S}-01` } }, `00-${other}-${S}-01`)?.traceId).toBe(T);
  });

  it('falls back to the header when _meta carries none or a malformed one', () => {
    expect(agentTraceContext({ _meta: { traceparent: 'nope' } }, `00-${other}-${S}-01`)?.traceId).toBe(other);
    expect(agentTraceContext(undefined, `00-${other}-${S}-01`)?.traceId).toBe(other);
    expect(agentTraceContext({ _meta: 'not an object' }, undefined)).toBeUndefined();
  });

  it('sets _meta.traceparent without touching the other _meta keys', () => {
    const out = withMetaTraceparent({ name: 'x', _meta: { progressToken: 7, traceparent: 'old' } }, `00-${T}-${S}-01`);
    expect(out).toEqual({ name: 'x', _meta: { progressToken: 7, traceparent: `00-${T}-${S}-01` } });
  });
});

describe('tracing off', () => {
  it('the runner creates no span object: ctx.trace stays unset through stages and forwarding', async () => {
    const ctx: Ctx = { id: '1', traceId: T, startedAt: 0, transport: 'http', era: 'legacy', principal: ANONYMOUS, session: undefined, method: 'tools/call', target: undefined, stages: [], allowedBy: undefined };
    let seenInStage: unknown = 'unset';
    const runner = new Runner([{ name: 'probe', request: (c) => ((seenInStage = c.trace), PASS) }], new MemoryAuditSink(), 'test', false);
    const out = await runner.run(ctx, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x' } }, async (m) => ({ response: { jsonrpc: '2.0', id: m.id, result: {} } }));
    expect('result' in out).toBe(true);
    expect(seenInStage).toBeUndefined();
    expect(ctx.trace).toBeUndefined();
  });
});
