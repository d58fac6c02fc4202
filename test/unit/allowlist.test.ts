import { describe, expect, it } from 'vitest';
import { allowlistStage, globToRegExpSource } from '../../src/stages/allowlist/stage.js';
import { ANONYMOUS, type Ctx, type Target } from '../../src/pipeline/types.js';

function ctxFor(target: Target | undefined): Ctx {
  return { id: '1', traceId: 't', startedAt: 0, transport: 'http', era: 'legacy', principal: ANONYMOUS, session: undefined, method: 'tools/call', target, stages: [], allowedBy: undefined };
}
const req = { jsonrpc: '2.0' as const, id: 1, method: 'tools/call' };

describe('allow-list stage', () => {
  const stage = allowlistStage([
    { upstream: 'fs', tools: ['read_*', 'list_directory'], prompts: [], resources: ['file:///data/*'] },
    { upstream: 'ev', tools: ['*'], prompts: ['*'], resources: [] },
  ]);

  it('allows a tool matched by a pattern and records the rule', () => {
    const c = ctxFor({ upstream: 'fs', kind: 'tool', name: 'read_text_file' });
    expect(stage.request!(c, req)).toEqual({ kind: 'pass' });
    expect(c.allowedBy).toBe('policy.allow[upstream=fs]');
  });

  it('denies by default: an unlisted tool, an unlisted kind, an unknown upstream', () => {
    for (const t of [
      { upstream: 'fs', kind: 'tool', name: 'write_file' },
      { upstream: 'fs', kind: 'prompt', name: 'anything' },
      { upstream: 'ev', kind: 'resource', name: 'test://x' },
      { upstream: 'other', kind: 'tool', name: 'read_x' },
    ] as Target[]) {
      const v = stage.request!(ctxFor(t), req);
      expect(v).toMatchObject({ kind: 'deny', rejection: { reason: 'denied', rule: 'default-deny' } });
    }
  });

  it('patterns are literal except for *: regex metacharacters cannot widen a grant', () => {
    const s = allowlistStage([{ upstream: 'fs', tools: ['read.file', 'a|b'], prompts: [], resources: [] }]);
    expect(s.request!(ctxFor({ upstream: 'fs', kind: 'tool', name: 'readXfile' }), req).kind).toBe('deny');
    expect(s.request!(ctxFor({ upstream: 'fs', kind: 'tool', name: 'a' }), req).kind).toBe('deny');
    expect(s.request!(ctxFor({ upstream: 'fs', kind: 'tool', name: 'a|b' }), req).kind).toBe('pass');
    expect(new RegExp(`^${globToRegExpSource('x*y')}$`).test('x-anything-y')).toBe(true);
  });

  it('filters lists to what may be used', () => {
    const visible = (upstream: string, kind: Target['kind'], name: string) => stage.visible!(ANONYMOUS, { upstream, kind, name, definition: {} });
    expect(visible('fs', 'tool', 'read_text_file')).toBe(true);
    expect(visible('fs', 'tool', 'write_file')).toBe(false);
    expect(visible('fs', 'resource', 'file:///data/a.txt')).toBe(true);
    expect(visible('fs', 'resource', 'file:///etc/passwd')).toBe(false);
  });

  it('lets requests without a target (lists, ping) through to be filtered later', () => {
    expect(stage.request!(ctxFor(undefined), req)).toEqual({ kind: 'pass' });
  });
});
