// A real npm package (ipaddr.js, small) packed into a tarball, stored in a throwaway npm cache the way
// cacache stores it (content-addressed by its sha512), and installed into a throwaway node_modules.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT } from '../e2e/helpers.js';
import { cachedTarballPath } from '../../src/upstream/admission/npm-package.js';

export const PACKAGE = 'ipaddr.js';
export const VERSION = (JSON.parse(readFileSync(join(ROOT, 'node_modules', PACKAGE, 'package.json'), 'utf8')) as { version: string }).version;

export interface PackedPackage {
  tarball: string;
  integrity: string;
  cache: string;
  /** A fresh root with node_modules/ipaddr.js extracted from the tarball; returns the package directory too. */
  install(): { root: string; dir: string };
}

export function packPackage(tmp: string): PackedPackage {
  const stage = join(tmp, 'stage');
  cpSync(join(ROOT, 'node_modules', PACKAGE), join(stage, 'package'), { recursive: true });
  const tarball = join(tmp, `${PACKAGE}-${VERSION}.tgz`);
  execFileSync('tar', ['-czf', tarball, '-C', stage, 'package']);
  const bytes = readFileSync(tarball);
  const integrity = `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
  const cache = join(tmp, 'npm-cache');
  const stored = cachedTarballPath(cache, integrity)!;
  mkdirSync(dirname(stored), { recursive: true });
  writeFileSync(stored, bytes);
  let n = 0;
  return {
    tarball,
    integrity,
    cache,
    install() {
      const root = join(tmp, `root-${n++}`);
      const dir = join(root, 'node_modules', PACKAGE);
      mkdirSync(dir, { recursive: true });
      execFileSync('tar', ['-xzf', tarball, '-C', dir, '--strip-components=1']);
      return { root, dir };
    },
  };
}
