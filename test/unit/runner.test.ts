import { describe, expect, it } from 'vitest';
import { Runner } from '../../src/pipeline/runner.js';
import { MemoryAuditSink } from '../../src/audit/sinks.js';
import { ANONYMOUS, PASS, type Ctx, type Stage } from '../../src/pipeline/types.js';
import { reject } from '../../src/errors.js';
import { buildStages } from '../../src/gateway.js';
import { parseConfigText } from '../../src/config/load.js';
import type { JsonRpcRequest } from '../../src/protocol/jsonrpc.js';

function ctx(): Ctx {
  return { id: 'x-1', traceId: 't', startedAt: performance.now(), transport: 'http', era: 'legacy', principal: ANONYMOUS, session: 's', method: 'tools/call', target: { upstream: 'u', kind: 'tool', name: 'echo' }, stages: [], allowedBy: undefined };
}
const call: JsonRpcRequest = { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'u__echo' } };

describe('runner', () => {
  it('a denied request never reaches the upstream and yields exactly one audit record', async () => {
    const audit = new MemoryAuditSink();
    const later: string[] = [];
    const stages: Stage[] = [
      { name: 'deny', request: () => ({ kind: 'deny', rejection: reject('denied', 'no', 'rule-1') }) },
      { name: 'after', request: () => (later.push('ran'), PASS) },
    ];
    let forwarded = 0;
    const res = await new Runner(stages, audit).run(ctx(), call, async () => (forwarded++, { response: { jsonrpc: '2.0', id: 7, result: {} } }));
    expect(forwarded).toBe(0);
    expect(later).toEqual([]);
    expect(res).toMatchObject({ id: 7, error: { code: -32001, data: { reason: 'denied', rule: 'rule-1' } } });
    expect(audit.events).toHaveLength(1);
    expect(audit.events[0]).toMatchObject({ outcome: 'denied', rule: 'rule-1', requestId: 7, stages: [{ stage: 'deny', verdict: 'deny', reason: 'rule-1' }] });
  });

  it('request stages fold in order, response stages may replace, one record for the whole exchange', async () => {
    const audit = new MemoryAuditSink();
    const seen: string[] = [];
    const stages: Stage[] = [
      { name: 'a', request: () => (seen.push('a'), PASS) },
      { name: 'b', request: async () => (seen.push('b'), PASS), response: (_c, m) => ({ kind: 'replace', note: 'redacted', message: { ...m, result: { content: [] } } as never }) },
    ];
    const res = await new Runner(stages, audit).run(ctx(), call, async () => ({ response: { jsonrpc: '2.0', id: 7, result: { content: [{ type: 'text', text: 'secret' }] } } }));
    expect(seen).toEqual(['a', 'b']);
    expect(res).toEqual({ jsonrpc: '2.0', id: 7, result: { content: [] } });
    expect(audit.events).toHaveLength(1);
    expect(audit.events[0]!.stages.map((s) => `${s.stage}:${s.verdict}`)).toEqual(['a:pass', 'b:pass', 'b:replace']);
  });

  it('a stage that throws fails closed with a generic error and still one audit record', async () => {
    const audit = new MemoryAuditSink();
    const stages: Stage[] = [{ name: 'boom', request: () => { throw new Error('internal detail'); } }];
    let forwarded = 0;
    const res = await new Runner(stages, audit).run(ctx(), call, async () => (forwarded++, { response: { jsonrpc: '2.0', id: 7, result: {} } }));
    expect(forwarded).toBe(0);
    expect(res).toMatchObject({ error: { code: -32603, message: 'Internal gateway error' } });
    expect(JSON.stringify(res)).not.toContain('internal detail');
    expect(audit.events).toHaveLength(1);
    expect(audit.events[0]).toMatchObject({ outcome: 'failed', detail: 'internal detail' });
  });

  it('an upstream rejection is answered with its stable code and audited as denied', async () => {
    const audit = new MemoryAuditSink();
    const res = await new Runner([], audit).run(ctx(), call, async () => ({ rejection: reject('upstream_timeout', 'u: no answer') }));
    expect(res).toMatchObject({ error: { code: -32004, data: { reason: 'upstream_timeout' } } });
    expect(audit.events).toHaveLength(1);
  });

  it('the record carries the arguments and a summary of the result, with token-like values masked', async () => {
    const audit = new MemoryAuditSink();
    const secret = 'ghp_' + 'a1B2'.repeat(9);
    const req: JsonRpcRequest = { jsonrpc: '2.0', id: 8, method: 'tools/call', params: { name: 'u__echo', arguments: { token: secret, note: 'hi' } } };
    const result = { content: [{ type: 'text', text: `echo ${secret}` }] };
    await new Runner([], audit).run(ctx(), req, async () => ({ response: { jsonrpc: '2.0', id: 8, result } }));
    const e = audit.events[0]!;
    expect(e.args).toContain('"note":"hi"');
    expect(JSON.stringify(e)).not.toContain(secret);
    const { createHash } = await import('node:crypto');
    expect(e.result).toMatchObject({ isError: false, bytes: JSON.stringify(result).length, sha256: createHash('sha256').update(JSON.stringify(result)).digest('hex') });
  });

  it('the stage order is written once: authorization first, approval last', () => {
    const r = parseConfigText('upstreams: { u: { stdio: { command: node } } }\n');
    if (!r.ok) throw new Error('config');
    const names = buildStages(r.config).map((s) => s.name);
    expect(names[0]).toBe('authorize');
    expect(names.at(-1)).toBe('approval');
  });
});
