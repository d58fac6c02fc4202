import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from '../../src/config/load.js';

// No Vault binary can be installed here (not on npm or Debian): this is a minimal stand-in speaking
// the KV v2 read API (GET /v1/<mount>/data/<path>, X-Vault-Token), the only call the gateway makes.
let vault: Server;
let vaultUrl = '';
const dir = mkdtempSync(join(tmpdir(), 'pc-secrets-'));

beforeAll(async () => {
  vault = createServer((req, res) => {
    if (req.headers['x-vault-token'] !== 'root-token') return void res.writeHead(403).end('{"errors":["permission denied"]}');
    if (req.url === '/v1/secret/data/crm/api') return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { data: { key: 'vault-value-123' }, metadata: { version: 3 } } }));
    res.writeHead(404).end('{"errors":[]}');
  }).listen(0, '127.0.0.1');
  await new Promise((r) => vault.once('listening', r));
  vaultUrl = `http://127.0.0.1:${(vault.address() as { port: number }).port}`;
});
afterAll(() => vault.close());

function config(extra: string): string {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, `secrets:\n  vault: { address: "${vaultUrl}", token: "\${secret:env:VAULT_TOKEN}" }\nupstreams:\n  crm:\n    http:\n      url: https://crm.example/mcp\n      headers:\n${extra}`);
  return file;
}

describe('secret references', () => {
  it('resolves env, file and Vault KV v2 references into the running config', async () => {
    const keyFile = join(dir, 'key.txt');
    writeFileSync(keyFile, 'file-value-456\n');
    const r = await loadConfigFile(config(`        a: "\${secret:env:CRM_A}"\n        b: "\${secret:file:${keyFile}}"\n        c: "Bearer \${secret:vault:crm/api#key}"\n`), { VAULT_TOKEN: 'root-token', CRM_A: 'env-value-789' });
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.config.upstreams.crm?.http?.headers).toEqual({ a: 'env-value-789', b: 'file-value-456', c: 'Bearer vault-value-123' });
  });

  it('an unresolvable reference is a problem named by path, never showing a value', async () => {
    const r = await loadConfigFile(config(`        a: "\${secret:vault:crm/missing#key}"\n        b: "\${secret:env:NOPE}"\n`), { VAULT_TOKEN: 'root-token' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.path)).toEqual(['upstreams.crm.http.headers.a', 'upstreams.crm.http.headers.b']);
    expect(JSON.stringify(r.problems)).not.toContain('root-token');
  });

  it('a wrong Vault token fails the load rather than starting without the secret', async () => {
    const r = await loadConfigFile(config(`        a: "\${secret:vault:crm/api#key}"\n`), { VAULT_TOKEN: 'wrong' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0]!.message).toContain('HTTP 403');
  });
});
