import { describe, expect, it } from 'vitest';
import { classify, parseMessage, RpcCode } from '../../src/protocol/jsonrpc.js';
import { SseParser, sseFrame } from '../../src/protocol/sse.js';
import { Router } from '../../src/upstream/route.js';
import { childEnvironment } from '../../src/upstream/stdio.js';

describe('JSON-RPC framing', () => {
  it('classifies the four kinds and refuses batches and junk with the right code', () => {
    expect(classify({ jsonrpc: '2.0', id: 1, method: 'ping' }).kind).toBe('request');
    expect(classify({ jsonrpc: '2.0', method: 'notifications/initialized' }).kind).toBe('notification');
    expect(classify({ jsonrpc: '2.0', id: 1, result: {} }).kind).toBe('response');
    expect(classify([{ jsonrpc: '2.0', id: 1, method: 'ping' }])).toMatchObject({ kind: 'invalid', code: RpcCode.InvalidRequest });
    expect(parseMessage('{nope')).toMatchObject({ kind: 'invalid', code: RpcCode.ParseError });
    expect(classify({ jsonrpc: '1.0', id: 3, method: 'x' })).toMatchObject({ kind: 'invalid', id: 3 });
    expect(classify({ jsonrpc: '2.0', id: null, method: 'x' })).toMatchObject({ kind: 'invalid' });
    expect(classify({ jsonrpc: '2.0', id: 1, method: 'x', params: [1] })).toMatchObject({ kind: 'invalid', code: RpcCode.InvalidParams });
  });
});

describe('SSE', () => {
  it('parses events split across arbitrary chunks, skipping comments', () => {
    const events: string[] = [];
    const p = new SseParser((e) => events.push(e.data));
    const text = ': hi\n\n' + sseFrame('{"a":1}', 'e1') + 'data: line1\ndata: line2\r\n\r\n';
    for (let i = 0; i < text.length; i += 3) p.push(text.slice(i, i + 3));
    expect(events).toEqual(['{"a":1}', 'line1\nline2']);
  });
  it('bounds an event that never ends', () => {
    const p = new SseParser(() => undefined, 100);
    expect(() => p.push('data: ' + 'x'.repeat(200))).toThrow(/size limit/);
  });
});

describe('namespacing', () => {
  const r = new Router('__', new Set(['fs', 'ev']), undefined);
  it('round-trips names and URIs, and rejects names of unknown upstreams', () => {
    expect(r.resolveName('tool', r.exposeName('fs', 'read__file'))).toEqual({ upstream: 'fs', kind: 'tool', name: 'read__file' });
    expect(r.resolveUri(r.exposeUri('ev', 'git+https://x/y'))).toEqual({ upstream: 'ev', kind: 'resource', name: 'git+https://x/y' });
    expect(r.resolveName('tool', 'nope__x')).toBeUndefined();
    expect(r.resolveName('tool', 'fs__')).toBeUndefined();
    expect(r.resolveUri('file:///etc/passwd')).toBeUndefined();
  });
  it('passthrough exposes names unchanged', () => {
    const p = new Router('__', new Set(['only']), 'only');
    expect(p.exposeName('only', 'echo')).toBe('echo');
    expect(p.resolveName('tool', 'echo')).toEqual({ upstream: 'only', kind: 'tool', name: 'echo' });
  });
});

describe('stdio child environment', () => {
  it('passes only the safe set and the configured variables, never other secrets', () => {
    const env = childEnvironment({ API_TOKEN: 'configured' }, { PATH: '/bin', HOME: '/root', AWS_SECRET_ACCESS_KEY: 'leak', NODE_OPTIONS: '-r evil' });
    expect(env).toEqual({ PATH: '/bin', HOME: '/root', API_TOKEN: 'configured' });
  });
});
