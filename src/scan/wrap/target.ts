/**
 * Which client config `wrap`/`unwrap` work on: `--path FILE`, or `--client NAME`, resolved through the
 * same per-OS locations as `scan clients`. Several candidates are refused (name one with --path)
 * rather than guessed.
 */
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { clientLocations } from '../clients/locations.js';
import { guessFamily } from '../clients/scan.js';
import { CLIENT_FAMILIES, type ClientFamily } from '../clients/types.js';
import { parseClientConfig } from '../clients/parse.js';
import { readConfigFile } from '../clients/read.js';
import { recordPath } from './record.js';

export interface ClientTarget {
  readonly path: string;
  readonly family: ClientFamily;
}

async function exists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** wrap: a file that lists servers; unwrap: a file that was wrapped. Settings files without servers do not count. */
async function relevant(file: string, mode: 'wrap' | 'unwrap'): Promise<boolean> {
  if (mode === 'unwrap') return exists(recordPath(await real(file)));
  const read = await readConfigFile(file);
  if (read.kind !== 'text') return read.kind !== 'missing';
  const parsed = parseClientConfig(read.text, file);
  return !parsed.ok || parsed.config.servers.length > 0;
}

/** Symbolic links are followed, so a dotfile kept elsewhere is rewritten where it really lives. */
async function real(file: string): Promise<string> {
  try {
    return await realpath(file);
  } catch {
    return file;
  }
}

export async function resolveClientTarget(opts: { path?: string | undefined; client?: string | undefined; projectDir: string; env: NodeJS.ProcessEnv; platform: NodeJS.Platform; mode: 'wrap' | 'unwrap' }): Promise<ClientTarget | string> {
  if ((opts.path === undefined) === (opts.client === undefined)) return 'give exactly one of --path FILE or --client NAME';
  if (opts.path !== undefined) {
    const abs = path.resolve(opts.projectDir, opts.path);
    return { path: await real(abs), family: guessFamily(abs) };
  }
  const family = opts.client as ClientFamily;
  if (!CLIENT_FAMILIES.includes(family)) return `unknown client "${opts.client}" (known: ${CLIENT_FAMILIES.join(', ')})`;
  if (family === 'continue') return 'Continue keeps its servers in lists that wrap cannot rewrite; add `portcullis stdio` to its config by hand';
  const candidates = clientLocations({ platform: opts.platform, env: opts.env, projectDir: opts.projectDir }).filter((l) => l.client === family && l.dirExtensions === undefined);
  const found: string[] = [];
  for (const c of candidates) if (await relevant(c.path, opts.mode)) found.push(c.path);
  if (found.length === 0) return `no ${family} config ${opts.mode === 'wrap' ? 'with servers' : 'that was wrapped'} found (looked at ${candidates.map((c) => c.path).join(', ')})`;
  if (found.length > 1) return `several ${family} configs found; name one with --path: ${found.join(', ')}`;
  return { path: await real(found[0]!), family };
}
