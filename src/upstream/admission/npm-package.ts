/**
 * Integrity of an installed npm package. package-lock.json's `integrity` says which tarball was
 * installed, not whether the files on disk are still what it held, so the check goes to the tarball:
 *   1. the installed package.json names the pinned version;
 *   2. the tarball with the pinned integrity is read from the npm cache (content-addressed by that
 *      hash, and re-hashed here, so a swapped cache entry is caught too);
 *   3. every file of the tarball exists on disk with the same bytes, and the package directory holds
 *      no file the tarball does not (its own node_modules, where npm puts dependencies, aside).
 * A tarball missing from the cache refuses too (fail closed); `npm cache add NAME@VERSION` fetches it
 * and checks it against the registry's integrity.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseNpmSpec } from './npm-spec.js';
import { readTarball, TarError } from './tar.js';

export interface NpmPin {
  npm: string;
  integrity: string;
  root?: string | undefined;
  cache?: string | undefined;
}

const MAX_FILES = 100_000;
const MAX_LISTED = 5;

export function defaultNpmCache(env: NodeJS.ProcessEnv = process.env): string {
  return env.npm_config_cache ?? join(homedir(), '.npm');
}

/** Where cacache keeps the content of an integrity: content-v2/<algo>/<hex 0-2>/<hex 2-4>/<rest>. */
export function cachedTarballPath(cache: string, integrity: string): string | undefined {
  const m = /^(sha512)-([A-Za-z0-9+/]+={0,2})$/.exec(integrity);
  if (!m) return undefined;
  const hex = Buffer.from(m[2]!, 'base64').toString('hex');
  return join(cache, '_cacache', 'content-v2', m[1]!, hex.slice(0, 2), hex.slice(2, 4), hex.slice(4));
}

async function listFiles(dir: string, base = '', out: string[] = []): Promise<string[]> {
  for (const entry of await readdir(join(dir, base), { withFileTypes: true })) {
    const rel = base ? `${base}/${entry.name}` : entry.name;
    if (rel === 'node_modules') continue;
    if (entry.isDirectory()) await listFiles(dir, rel, out);
    else out.push(rel);
    if (out.length > MAX_FILES) throw new Error(`more than ${MAX_FILES} files`);
  }
  return out;
}

function listed(paths: string[]): string {
  return paths.slice(0, MAX_LISTED).join(', ') + (paths.length > MAX_LISTED ? ` and ${paths.length - MAX_LISTED} more` : '');
}

/** Undefined when the installed package is the pinned tarball byte for byte; else why it is not. */
export async function verifyNpmPackage(pin: NpmPin, cwd: string | undefined): Promise<string | undefined> {
  const spec = parseNpmSpec(pin.npm);
  if (!spec) return `"${pin.npm}" is not an exact package version`;
  const dir = resolve(pin.root ?? cwd ?? process.cwd(), 'node_modules', spec.name);
  let installed: { name?: unknown; version?: unknown };
  try {
    installed = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as typeof installed;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `${spec.name} is not installed in ${dir}` : `cannot read ${join(dir, 'package.json')}: ${code ?? (err as Error).message}`;
  }
  if (installed.name !== spec.name || installed.version !== spec.version) {
    return `installed ${String(installed.name)}@${String(installed.version)} in ${dir}, but ${pin.npm} is pinned`;
  }
  const cache = pin.cache ?? defaultNpmCache();
  const tarPath = cachedTarballPath(cache, pin.integrity);
  if (!tarPath) return `unsupported integrity "${pin.integrity}" (sha512 only)`;
  let tgz: Buffer;
  try {
    tgz = await readFile(tarPath);
  } catch {
    return `the tarball ${pin.integrity.slice(0, 20)}… is not in the npm cache ${cache}: fetch it with \`npm cache add ${pin.npm}\``;
  }
  const actual = `sha512-${createHash('sha512').update(tgz).digest('base64')}`;
  if (actual !== pin.integrity) return `the npm cache entry for ${pin.integrity.slice(0, 20)}… holds different bytes (${actual.slice(0, 20)}…)`;
  let files: Map<string, Buffer>;
  try {
    files = readTarball(tgz);
  } catch (err) {
    return `cannot read the pinned tarball: ${err instanceof TarError ? err.message : String(err)}`;
  }
  const packed = files.get('package.json');
  let packedMeta: { name?: unknown; version?: unknown } = {};
  try {
    if (packed) packedMeta = JSON.parse(packed.toString('utf8')) as typeof packedMeta;
  } catch {
    return 'the pinned tarball has an unreadable package.json';
  }
  if (packedMeta.name !== spec.name || packedMeta.version !== spec.version) {
    return `the integrity pins ${String(packedMeta.name)}@${String(packedMeta.version)}, not ${pin.npm}`;
  }
  const changed: string[] = [];
  const missing: string[] = [];
  for (const [rel, bytes] of files) {
    try {
      if (!(await readFile(join(dir, rel))).equals(bytes)) changed.push(rel);
    } catch {
      missing.push(rel);
    }
  }
  let extra: string[];
  try {
    extra = (await listFiles(dir)).filter((rel) => !files.has(rel));
  } catch (err) {
    return `cannot list ${dir}: ${(err as Error).message}`;
  }
  const problems = [
    changed.length ? `changed: ${listed(changed)}` : '',
    missing.length ? `missing: ${listed(missing)}` : '',
    extra.length ? `not in the tarball: ${listed(extra)}` : '',
  ].filter((p) => p !== '');
  return problems.length ? `${pin.npm} in ${dir} differs from its pinned tarball (${problems.join('; ')})` : undefined;
}
