import { describe, expect, it } from 'vitest';
import { RE2JS } from 're2js';
import { parseConfigText } from '../../src/config/load.js';
import { SECRET_RULES } from '../../src/detect/content/secret-rules.generated.js';
import { checkUserPattern } from '../../src/stages/content/user-patterns.js';

const base = `
upstreams:
  web: { stdio: { command: node } }
`;

describe('content config', () => {
  it('defaults: strip hidden text, redact secrets, log injections, warn on output schemas, 4 MiB per result', () => {
    const r = parseConfigText(base);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.content).toMatchObject({ outputSchema: 'warn', sanitize: 'strip', secrets: 'redact', pii: {}, injection: 'log', maxBytes: 4194304, untrusted: false, patterns: [], overrides: [] });
    expect(r.config.content.arguments).toEqual({ secrets: 'block', pii: [], egress: [], openWorldHint: false });
  });

  it('a catastrophic pattern is refused at load with a clear error naming it', () => {
    const r = parseConfigText(`${base}content:\n  patterns:\n    - { name: bad, regex: "^(a+)+$" }\n`);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toContainEqual(expect.objectContaining({ path: 'content.patterns.0.regex', message: expect.stringContaining('backtrack catastrophically') }));
  });

  it('backreferences and lookaround are refused (not linear-time)', () => {
    expect(checkUserPattern('(a)\\1')).toMatch(/linear time/);
    expect(checkUserPattern('foo(?=bar)')).toMatch(/linear time/);
  });

  it('ordinary patterns are accepted, nested bounded repetition of a fixed group too', () => {
    for (const p of ['EMP-[0-9]{6}', '(?i)acct-[a-z0-9]+', '(ab)+c', '([A-Z]{2}-){3}[0-9]+', '\\(x+\\)+']) expect(checkUserPattern(p), p).toBeUndefined();
    for (const p of ['(a*)*', '(\\w+\\s?)+$', '((ab)*c)+', '(x+){2,}']) expect(checkUserPattern(p), p).toBeDefined();
  });

  it('overrides and egress entries must name configured upstreams', () => {
    const r = parseConfigText(`${base}content:\n  overrides: [{ upstream: ghost, injection: block }]\n  arguments: { egress: [{ upstream: phantom }] }\n`);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.path)).toEqual(expect.arrayContaining(['content.overrides.0.upstream', 'content.arguments.egress.0.upstream']));
  });

  it('injection takes an action or {action, threshold}; unknown keys are errors', () => {
    expect(parseConfigText(`${base}content: { injection: { action: block, threshold: 0.9 } }\n`).ok).toBe(true);
    expect(parseConfigText(`${base}content: { injection: quarantine }\n`).ok).toBe(true);
    expect(parseConfigText(`${base}content: { injection: explode }\n`).ok).toBe(false);
    expect(parseConfigText(`${base}content: { secret: redact }\n`).ok).toBe(false);
  });

  it('every shipped secret rule compiles with RE2 (rules compile on first use, so a bad one must fail here)', () => {
    for (const rule of SECRET_RULES) expect(() => RE2JS.compile(rule.regex), rule.id).not.toThrow();
  });
});
