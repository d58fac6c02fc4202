// Through the front door: a gateway whose config holds one tampered stdio package, one binary with the
// wrong hash, one https upstream pinned to another certificate and one good upstream keeps serving the
// good one, lists nothing of the others, and logs why; `portcullis validate` names each problem.
import { spawnSync } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { CLI, connectV1, LEGACY, MODERN, NODE, startGateway, startHttpFixture, stopAll, tempDir, waitFor, type Gateway } from '../e2e/helpers.js';
import { sha256File } from '../../src/upstream/admission/integrity.js';
import { PACKAGE, packPackage, VERSION } from './package-fixture.js';
import { makeSelfSigned, tlsProxy } from './tls-server.js';

let gw: Gateway;
let upstreams: Record<string, unknown>;
let tamperedDir: string;
let proxy: { url: string; close(): Promise<void> };

beforeAll(async () => {
  const tmp = tempDir();
  const pkg = packPackage(tmp);
  const { root, dir } = pkg.install();
  tamperedDir = dir;
  appendFileSync(join(dir, 'lib/ipaddr.js'), '\n// injected\n');
  const cert = makeSelfSigned(tmp);
  const wrongPin = makeSelfSigned(tmp, 'other');
  proxy = await tlsProxy(cert, (await startHttpFixture(MODERN, ['--http'])).url);
  upstreams = {
    good: { stdio: { command: NODE, args: [LEGACY, '--stdio', '--name', 'good', '--tools', '2'], binary: { path: LEGACY, sha256: await sha256File(LEGACY) } } },
    // The package check gates the start: the command is a working server, the pinned package is tampered.
    pkg: { stdio: { command: NODE, args: [LEGACY, '--stdio', '--name', 'pkg'], package: { npm: `${PACKAGE}@${VERSION}`, integrity: pkg.integrity, root, cache: pkg.cache } } },
    bin: { stdio: { command: NODE, args: [MODERN, '--stdio'], binary: { path: MODERN, sha256: 'f'.repeat(64) } } },
    tls: { http: { url: proxy.url, allowLoopback: true, caFile: cert.certPath, tlsFingerprint: wrongPin.opensslFingerprint } },
  };
  gw = await startGateway({ upstreams, policy: { allow: ['good', 'pkg', 'bin', 'tls'].map((upstream) => ({ upstream, tools: ['*'] })) } });
}, 60_000);
afterAll(async () => {
  await proxy.close();
  await stopAll();
});

describe('a gateway with refused upstreams', () => {
  it('serves the admitted upstream and lists nothing of the refused ones', async () => {
    const { client } = await connectV1(gw.url);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('good__tool_0');
    expect(names.filter((n) => !n.startsWith('good__'))).toEqual([]);
    const result = await client.callTool({ name: 'good__tool_0', arguments: {} });
    expect(result.isError).not.toBe(true);
  });

  it('logs each refusal with its reason', async () => {
    await waitFor(() => gw.proc.stderr().includes('does not match the pinned fingerprint'), 10_000, 'the TLS refusal in the log');
    const log = gw.proc.stderr();
    expect(log).toContain('upstream refused: integrity check failed');
    expect(log).toContain(`differs from its pinned tarball (changed: lib/ipaddr.js)`);
    expect(log).toContain(`upstreams.bin.stdio.binary: SHA-256 of ${MODERN}`);
  });
});

describe('portcullis validate', () => {
  it('exits 1 naming the tampered package and the wrong binary hash', () => {
    const file = join(tempDir(), 'portcullis.yaml');
    writeFileSync(file, stringify({ upstreams }));
    const r = spawnSync(NODE, [CLI, 'validate', file], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`upstreams.pkg.stdio.package: ${PACKAGE}@${VERSION} in ${tamperedDir} differs from its pinned tarball (changed: lib/ipaddr.js)`);
    expect(r.stdout).toMatch(/upstreams\.bin\.stdio\.binary: SHA-256 of .*modern-server\.mjs is [0-9a-f]{64}, expected f{64}/);
    expect(r.stdout).not.toContain('upstreams.good');
  });

  it('exits 0 once every pin matches', () => {
    const file = join(tempDir(), 'portcullis.yaml');
    writeFileSync(file, stringify({ upstreams: { good: upstreams.good } }));
    const r = spawnSync(NODE, [CLI, 'validate', file], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stdout).toContain('ok (1 upstreams)');
    expect(r.status).toBe(0);
  });
});
