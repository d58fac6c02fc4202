/**
 * Package integrity for stdio upstreams: what is checked before a child is started (every start,
 * restarts included, so a file changed while the gateway runs is caught at the next launch), and what
 * `portcullis validate` reports. A mismatch refuses that upstream only; the others keep working.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import type { Config, UpstreamConfig } from '../../config/schema.js';
import { verifyNpmPackage } from './npm-package.js';

type StdioConfig = NonNullable<UpstreamConfig['stdio']>;

export function sha256File(path: string): Promise<string> {
  return new Promise((done, fail) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', fail)
      .on('end', () => done(hash.digest('hex')));
  });
}

export async function verifyBinary(bin: { path: string; sha256: string }, cwd: string | undefined): Promise<string | undefined> {
  const file = resolve(cwd ?? process.cwd(), bin.path);
  let seen: string;
  try {
    seen = await sha256File(file);
  } catch (err) {
    return `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
  }
  return seen === bin.sha256.toLowerCase() ? undefined : `SHA-256 of ${file} is ${seen}, expected ${bin.sha256.toLowerCase()}`;
}

/** Every integrity problem of one stdio upstream, as `path: message` pairs (empty when it may start). */
export async function verifyStdio(stdio: StdioConfig, path: string): Promise<Array<{ path: string; message: string }>> {
  const out: Array<{ path: string; message: string }> = [];
  if (stdio.package) {
    const why = await verifyNpmPackage(stdio.package, stdio.cwd);
    if (why) out.push({ path: `${path}.package`, message: why });
  }
  if (stdio.binary) {
    const why = await verifyBinary(stdio.binary, stdio.cwd);
    if (why) out.push({ path: `${path}.binary`, message: why });
  }
  return out;
}

/** For `portcullis validate`: the integrity problems of every stdio upstream in the config. */
export async function verifyConfiguredUpstreams(config: Pick<Config, 'upstreams'>): Promise<Array<{ path: string; message: string }>> {
  const all = await Promise.all(
    Object.entries(config.upstreams).map(([name, u]) => (u.stdio ? verifyStdio(u.stdio, `upstreams.${name}.stdio`) : Promise.resolve([]))),
  );
  return all.flat();
}
