import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { parseConfigText } from '../../src/config/load.js';
import { configJsonSchema } from '../../src/config/schema.js';

const CLI = 'dist/cli/main.js';

describe('config', () => {
  it('normalizes the quickstart with every default filled in (golden)', () => {
    const r = parseConfigText(readFileSync('examples/quickstart.yaml', 'utf8'));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.listen).toEqual({ host: '127.0.0.1', port: 8800, path: '/mcp', allowedOrigins: [], maxBodyBytes: 4194304, sessionIdleTimeoutMs: 1800000, sessionMaxAgeMs: 43200000, maxSessions: 10000 });
    expect(r.config.routing).toEqual({ separator: '__', pageSize: 500 });
    expect(r.config.upstreams.fs).toMatchObject({ era: 'auto', share: 'shared', timeoutMs: 60000, restart: { initialDelayMs: 250 }, stdio: { command: 'node', env: {} } });
    expect(Object.isFrozen(r.config.upstreams.fs)).toBe(true);
  });

  it('reports every problem at once as path: message', () => {
    const r = parseConfigText(`
listen: { hots: x }
upstreams:
  A: { stdio: { command: node } }
  b: {}
policy: { allow: [{ upstream: ghost, tools: ["*"] }] }
`);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const lines = r.problems.map((p) => `${p.path}: ${p.message}`);
    expect(lines).toContain('listen: Unrecognized key: "hots"');
    expect(lines.some((l) => l.startsWith('upstreams.A: upstream names'))).toBe(true);
    expect(lines).toContain('upstreams.b: an upstream needs exactly one of "stdio" or "http"');
    expect(lines).toContain('policy.allow.0.upstream: no upstream named "ghost"');
  });

  it('interpolates ${ENV} and ${ENV:-default}, and names a missing variable', () => {
    const text = 'upstreams:\n  a:\n    stdio: { command: "${CMD}", args: ["${ARG:-dflt}"] }\n';
    const ok = parseConfigText(text, { CMD: 'node' });
    expect(ok.ok && ok.config.upstreams.a?.stdio).toMatchObject({ command: 'node', args: ['dflt'] });
    const missing = parseConfigText(text, {});
    expect(missing.ok).toBe(false);
    if (!missing.ok) expect(missing.problems[0]).toEqual({ path: 'upstreams.a.stdio.command', message: 'environment variable CMD is not set' });
  });

  it('rejects YAML syntax errors with a line number', () => {
    const r = parseConfigText('listen: { host: [\n');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0]!.path).toMatch(/^line \d+:\d+$/);
  });

  it('refuses plain http to a remote upstream: https, or http to loopback only when allowed', () => {
    const check = (url: string, allow: boolean) => parseConfigText(`upstreams:\n  r:\n    http: { url: "${url}", allowLoopbackHttp: ${allow} }\n`).ok;
    expect(check('not a url', true)).toBe(false);
    expect(check('https://crm.example/mcp', false)).toBe(true);
    expect(check('http://crm.example/mcp', true)).toBe(false);
    expect(check('http://127.0.0.1:3001/mcp', false)).toBe(false);
    expect(check('http://127.0.0.1:3001/mcp', true)).toBe(true);
    expect(check('ftp://127.0.0.1/mcp', true)).toBe(false);
  });

  it('the committed JSON Schema is the one generated from the config schema', () => {
    const committed = JSON.parse(readFileSync('schema/portcullis.schema.json', 'utf8')) as Record<string, unknown>;
    const { $id: _id, title: _title, ...rest } = committed;
    expect(rest).toEqual(JSON.parse(JSON.stringify(configJsonSchema())));
  });

  it('portcullis validate exits 1 and prints path: message for a typo, 0 for a valid file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pc-')), 'bad.yaml');
    writeFileSync(file, 'listen: { prot: 1 }\n');
    const bad = spawnSync(process.execPath, [CLI, 'validate', file], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('listen: Unrecognized key: "prot"');
    const good = execFileSync(process.execPath, [CLI, 'validate', 'examples/quickstart.yaml'], { encoding: 'utf8' });
    expect(good).toContain('ok');
  });
});
