import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { compilePolicy } from '../../src/policy/compile.js';
import { decide } from '../../src/policy/decide.js';
import { authorizeStage } from '../../src/stages/authorize/stage.js';
import { globToRegExpSource } from '../../src/policy/glob.js';
import type { Ctx, Principal, Target, Verdict } from '../../src/pipeline/types.js';

const CONFIG = `
upstreams:
  fs: { stdio: { command: node } }
  crm: { stdio: { command: node } }
policy:
  allow:
    - { upstream: fs, tools: [list_directory] }
  roles:
    analyst:
      - upstream: fs
        tools: ["read_*"]
        when: 'args.path.startsWith("/data/public/")'
        limits: { maxItems: 2 }
    support:
      - { upstream: crm, tools: [search_contacts, send_email] }
      - upstream: crm
        tools: [export_all]
        when: 'has(tool.annotations.readOnlyHint) && tool.annotations.readOnlyHint == true && principal.tenant == "acme"'
  tiers: { read: "mcp:read", write: "mcp:write" }
  toolTiers:
    - { upstream: crm, tools: [send_email], tier: write }
  defaultTier: read
`;

function policy() {
  const r = parseConfigText(CONFIG);
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return compilePolicy(r.config.policy);
}
const p = policy();
const who = (roles: string[], extra: Partial<Principal> = {}): Principal => ({ subject: 'alice', roles, scopes: [], authenticatedBy: 'anonymous', ...extra });
const tool = (upstream: string, name: string): Target => ({ upstream, kind: 'tool', name });

describe('policy decisions', () => {
  it('denies by default and names the rule', () => {
    expect(decide(p, who([]), tool('fs', 'write_file'), {})).toMatchObject({ allowed: false, rule: 'default-deny' });
    expect(decide(p, who(['analyst']), tool('crm', 'search_contacts'), {})).toMatchObject({ allowed: false, rule: 'default-deny' });
  });

  it('grants by role and pattern, with the condition over the arguments', () => {
    expect(decide(p, who(['analyst']), tool('fs', 'read_text_file'), { path: '/data/public/a.txt' })).toMatchObject({ allowed: true, rule: 'policy.roles.analyst[0]', limits: { maxItems: 2 } });
    const d = decide(p, who(['analyst']), tool('fs', 'read_text_file'), { path: '/etc/passwd' });
    expect(d).toMatchObject({ allowed: false, rule: 'policy.roles.analyst[0]', failed: [{ rule: 'policy.roles.analyst[0]', condition: 'args.path.startsWith("/data/public/")' }] });
  });

  it('a condition that errors (missing argument) denies', () => {
    expect(decide(p, who(['analyst']), tool('fs', 'read_text_file'), {}).allowed).toBe(false);
  });

  it('annotations are inputs to conditions, never a grant by themselves', () => {
    const def = { annotations: { readOnlyHint: true } };
    expect(decide(p, who(['support'], { tenant: 'acme' }), tool('crm', 'export_all'), {}, def).allowed).toBe(true);
    expect(decide(p, who(['support'], { tenant: 'other' }), tool('crm', 'export_all'), {}, def).allowed).toBe(false);
    // readOnlyHint on a tool no rule names grants nothing.
    expect(decide(p, who(['support']), tool('crm', 'delete_all'), {}, def)).toMatchObject({ allowed: false, rule: 'default-deny' });
  });

  it('tiers map to scopes for credentialed callers: a missing scope asks for step-up', () => {
    const scoped = who(['support'], { authenticatedBy: 'oauth', scopes: ['mcp:read'] });
    expect(decide(p, scoped, tool('crm', 'search_contacts'), {}).allowed).toBe(true);
    expect(decide(p, scoped, tool('crm', 'send_email'), {})).toMatchObject({ allowed: false, requiredScope: 'mcp:write', rule: 'policy.tiers.write' });
    expect(decide(p, { ...scoped, scopes: ['mcp:read', 'mcp:write'] }, tool('crm', 'send_email'), {}).allowed).toBe(true);
  });

  it('authorization_details in the token narrow the policy, never widen it', () => {
    const details = [{ type: 'urn:portcullis:mcp', upstream: 'fs', tools: ['read_*'], constraints: { path: { prefix: '/data/public/reports/' } } }];
    const narrowed = who(['analyst'], { authorizationDetails: details });
    expect(decide(p, narrowed, tool('fs', 'read_text_file'), { path: '/data/public/reports/q1.txt' }).allowed).toBe(true);
    expect(decide(p, narrowed, tool('fs', 'read_text_file'), { path: '/data/public/other.txt' })).toMatchObject({ allowed: false, rule: 'authorization_details' });
    expect(decide(p, narrowed, tool('fs', 'read_text_file'), { path: '/data/public/reports/../../secret' }).allowed).toBe(false);
    // A detail cannot grant what the policy does not.
    const wide = who([], { authorizationDetails: [{ type: 'urn:portcullis:mcp', upstream: 'fs', tools: ['*'] }] });
    expect(decide(p, wide, tool('fs', 'write_file'), {}).allowed).toBe(false);
  });

  it('patterns are literal except for *', () => {
    expect(new RegExp(`^${globToRegExpSource('read.file')}$`).test('readXfile')).toBe(false);
    expect(new RegExp(`^${globToRegExpSource('x*y')}$`).test('x-anything-y')).toBe(true);
  });

  it('an invalid CEL expression fails the load with its path', () => {
    const r = parseConfigText(CONFIG.replace('args.path.startsWith("/data/public/")', 'args.path.startsWith('));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0]!.path).toBe('policy.roles.analyst[0].when');
  });
});

describe('authorize stage', () => {
  const stage = authorizeStage(p);
  const ctx = (principal: Principal, target: Target | undefined): Ctx => ({ id: '1', traceId: 't', startedAt: 0, transport: 'http', era: 'legacy', principal, session: undefined, method: 'tools/call', target, stages: [], allowedBy: undefined });

  it('filters lists to what the caller may use', () => {
    const v = (principal: Principal, name: string) => stage.visible!(principal, { upstream: 'fs', kind: 'tool', name, definition: {} });
    expect(v(who([]), 'list_directory')).toBe(true);
    expect(v(who([]), 'read_text_file')).toBe(false);
    expect(v(who(['analyst']), 'read_text_file')).toBe(true);
    expect(v(who(['analyst']), 'write_file')).toBe(false);
  });

  it('applies the grant\'s item limit to the result with a visible notice', () => {
    const c = ctx(who(['analyst']), tool('fs', 'read_text_file'));
    expect(stage.request!(c, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x', arguments: { path: '/data/public/x' } } })).toEqual({ kind: 'pass' });
    const v = stage.response!(c, { jsonrpc: '2.0', id: 1, result: { content: [1, 2, 3, 4].map((i) => ({ type: 'text', text: String(i) })) } }) as Verdict;
    expect(v.kind).toBe('replace');
    if (v.kind === 'replace' && 'result' in v.message) {
      const content = v.message.result.content as Array<{ text: string }>;
      expect(content).toHaveLength(3);
      expect(content[2]!.text).toContain('2 more items withheld');
    }
  });

  it('a denial carries the stable reason and, for a missing scope, the scope to step up to', () => {
    const c = ctx(who(['support'], { authenticatedBy: 'oauth', scopes: ['mcp:read'] }), tool('crm', 'send_email'));
    expect(stage.request!(c, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x', arguments: {} } })).toMatchObject({
      kind: 'deny',
      rejection: { reason: 'insufficient_scope', extra: { scope: 'mcp:write' } },
    });
  });
});
