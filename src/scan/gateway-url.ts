/**
 * The gateway's own endpoint, read from its config's `listen` section, so `scan clients` can tell
 * a client that talks to the gateway from one that talks to a server directly. Only `listen` is read
 * (through the config schema's own ListenSchema): secrets and upstreams are never resolved here.
 */
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { ListenSchema } from '../config/schema.js';

export async function gatewayEndpointFromConfig(file: string): Promise<URL | string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) return `${file} is not valid YAML`;
  const root: unknown = doc.toJS() ?? {};
  const listenRaw = typeof root === 'object' && root !== null ? (root as Record<string, unknown>).listen : undefined;
  const listen = ListenSchema.safeParse(listenRaw ?? {});
  if (!listen.success) return `${file}: listen: ${listen.error.issues[0]?.message ?? 'invalid'}`;
  const host = listen.data.host.includes(':') ? `[${listen.data.host}]` : listen.data.host;
  return new URL(`http://${host}:${listen.data.port}${listen.data.path}`);
}

export function parseGatewayUrl(raw: string): URL | string {
  try {
    const u = new URL(raw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return `--gateway ${raw}: not an http(s) URL`;
    return u;
  } catch {
    return `--gateway ${raw}: not a URL`;
  }
}
