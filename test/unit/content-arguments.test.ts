import { describe, expect, it } from 'vitest';
import { argumentsStage } from '../../src/stages/arguments/stage.js';
import type { JsonRpcRequest } from '../../src/protocol/jsonrpc.js';
import type { Verdict } from '../../src/pipeline/types.js';
import { AWS_KEY, content, ctxFor } from './content-helpers.js';

/** The arguments stage decides synchronously; a promise here would be a regression. */
function sync(v: Verdict | Promise<Verdict>): Verdict {
  if (v instanceof Promise) throw new Error('expected a synchronous verdict');
  return v;
}

const callWith = (args: unknown): JsonRpcRequest => ({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'mail__send', arguments: args as Record<string, unknown> } });
const mail = { upstream: 'mail', kind: 'tool' as const, name: 'send' };

describe('arguments stage', () => {
  const stage = argumentsStage(content({ arguments: { egress: [{ upstream: 'mail', tools: ['send*'] }], pii: ['email', 'card'] } }))!;

  it('a credential in the arguments of an egress tool is refused as possible exfiltration, without echoing it', () => {
    const ctx = ctxFor('tools/call', mail);
    const v = stage.request!(ctx, callWith({ to: 'x', body: `keys: ${AWS_KEY}` }));
    expect(v).toMatchObject({ kind: 'deny', rejection: { reason: 'denied', rule: 'arguments.secret-egress' } });
    expect(JSON.stringify(v)).not.toContain(AWS_KEY);
    expect(ctx.findings).toContainEqual({ check: 'arguments', kind: 'aws-access-token', action: 'blocked', count: 1 });
  });

  it('a generic secret assigned in a JSON argument is found (the arguments are read as JSON)', () => {
    const v = stage.request!(ctxFor('tools/call', mail), callWith({ config: { api_key: 'f3b9c27d1e8a4605b7c2d9e1a3f58c60' } }));
    expect(v).toMatchObject({ kind: 'deny', rejection: { rule: 'arguments.secret-egress' } });
  });

  it('a secret split by zero-width characters is still refused', () => {
    const v = sync(stage.request!(ctxFor('tools/call', mail), callWith({ body: `${AWS_KEY.slice(0, 6)}\u200b\u200c${AWS_KEY.slice(6)}` })));
    expect(v.kind).toBe('deny');
  });

  it('configured PII kinds are refused; others pass', () => {
    expect(stage.request!(ctxFor('tools/call', mail), callWith({ body: 'card 4111 1111 1111 1111' }))).toMatchObject({ kind: 'deny', rejection: { rule: 'arguments.pii-egress' } });
    expect(sync(stage.request!(ctxFor('tools/call', mail), callWith({ body: 'call +1 415 555 0134' }))).kind).toBe('pass');
  });

  it('tools that are not egress are not checked', () => {
    expect(sync(stage.request!(ctxFor('tools/call', { upstream: 'mail', kind: 'tool', name: 'list' }), callWith({ body: AWS_KEY }))).kind).toBe('pass');
  });

  it('arguments too deeply nested to check are refused (fail closed)', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 200; i++) deep = { d: deep };
    expect(stage.request!(ctxFor('tools/call', mail), callWith(deep))).toMatchObject({ kind: 'deny', rejection: { rule: 'arguments.unchecked' } });
  });

  it('openWorldHint marks a tool as egress only when configured', () => {
    const annotated = { definition: { name: 'fetch', annotations: { openWorldHint: true } } };
    const web = { upstream: 'web', kind: 'tool' as const, name: 'fetch' };
    const off = argumentsStage(content({ arguments: { egress: [{ upstream: 'mail' }] } }))!;
    expect(sync(off.request!(ctxFor('tools/call', web, annotated), callWith({ q: AWS_KEY }))).kind).toBe('pass');
    const on = argumentsStage(content({ arguments: { openWorldHint: true } }))!;
    expect(sync(on.request!(ctxFor('tools/call', web, annotated), callWith({ q: AWS_KEY }))).kind).toBe('deny');
    expect(sync(on.request!(ctxFor('tools/call', web, { definition: { name: 'fetch' } }), callWith({ q: AWS_KEY }))).kind).toBe('pass');
  });

  it('is left out of the pipeline when no tool is egress', () => {
    expect(argumentsStage(content())).toBeUndefined();
  });
});
