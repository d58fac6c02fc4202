/**
 * `scan server`: connect to one MCP server through the gateway's own upstream connectors (the same
 * child-process handling, era negotiation and HTTP client the gateway uses), read its tools, prompts,
 * resources and resource templates, and stop it. The whole run has one deadline: a server that never
 * answers is stopped (its process group killed) when the deadline passes.
 */
import { UpstreamSchema } from '../config/schema.js';
import { UpstreamFailure } from '../errors.js';
import type { Params } from '../protocol/jsonrpc.js';
import { fetchCatalog, type Catalog } from '../upstream/catalog.js';
import { HttpLink } from '../upstream/http.js';
import type { LinkEvent, ServerDescription, UpstreamLink } from '../upstream/link.js';
import { StdioLink } from '../upstream/stdio.js';

export type ServerTarget =
  | { kind: 'stdio'; command: string; args: readonly string[]; env: Readonly<Record<string, string>> }
  | { kind: 'http'; url: string; headers: Readonly<Record<string, string>> };

export type ServerListingOutcome =
  | { ok: true; server: ServerDescription; catalog: Catalog }
  | { ok: false; reason: 'timeout' | 'failed'; message: string; stderr?: string };

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** A clear sentence for an unusable --url, or undefined. Plain http only to loopback, as in the gateway config. */
export function urlProblem(raw: string): string | undefined {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return `${raw} is not a URL`;
  }
  if (u.protocol === 'https:') return undefined;
  if (u.protocol === 'http:' && LOOPBACK.has(u.hostname)) return undefined;
  return u.protocol === 'http:' ? 'remote servers are reached over https (plain http only to a loopback address)' : `${u.protocol} URLs are not MCP endpoints`;
}

function linkFor(target: ServerTarget, timeoutMs: number, emit: (e: LinkEvent) => void): UpstreamLink {
  const common = { era: 'auto', timeoutMs, connectTimeoutMs: timeoutMs, restart: { maxAttempts: 0 } };
  if (target.kind === 'stdio') {
    const cfg = UpstreamSchema.parse({ ...common, stdio: { command: target.command, args: [...target.args], env: { ...target.env } } });
    return new StdioLink('scanned', cfg, emit, {});
  }
  const loopback = new URL(target.url).protocol === 'http:';
  const cfg = UpstreamSchema.parse({ ...common, http: { url: target.url, headers: { ...target.headers }, allowLoopbackHttp: loopback } });
  return new HttpLink('scanned', cfg, emit, {});
}

export async function listServer(target: ServerTarget, timeoutMs: number): Promise<ServerListingOutcome> {
  let stderr = '';
  const emit = (e: LinkEvent) => {
    if (e.type === 'log' && typeof e.detail?.stderr === 'string') stderr = e.detail.stderr;
  };
  const link = linkFor(target, timeoutMs, emit);
  const deadline = Date.now() + timeoutMs;
  const work = (async () => {
    const server = await link.start();
    const catalog = await fetchCatalog(link, server, Math.max(1, deadline - Date.now()));
    return { server, catalog };
  })();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => {
    timer = setTimeout(() => resolve('expired'), timeoutMs);
  });
  try {
    const r = await Promise.race([work, expired]);
    if (r === 'expired') {
      work.catch(() => { /* settles when the link closes below */ });
      return { ok: false, reason: 'timeout', message: `no complete answer within ${timeoutMs} ms; the server was stopped` };
    }
    return { ok: true, ...r };
  } catch (err) {
    if (err instanceof UpstreamFailure && err.reason === 'upstream_timeout') {
      return { ok: false, reason: 'timeout', message: `no complete answer within ${timeoutMs} ms (${err.message}); the server was stopped` };
    }
    let message = err instanceof Error ? err.message : String(err);
    const spawnError = /^spawn (.*) (ENOENT|EACCES)$/.exec(message);
    if (spawnError) message = `cannot start ${spawnError[1]}: ${spawnError[2] === 'ENOENT' ? 'no such program (check the command and PATH)' : 'permission denied'}`;
    return { ok: false, reason: 'failed', message, ...(stderr ? { stderr } : {}) };
  } finally {
    clearTimeout(timer);
    await link.close();
  }
}

/** The listing in the detector's input shape. Static resources are scanned with the template rules. */
export function listingForScan(catalog: Catalog): { tools: Params[]; prompts: Params[]; resourceTemplates: Params[] } {
  const resources = catalog.resources.map((r) => ({ ...r, uriTemplate: typeof r.uri === 'string' ? r.uri : '' }));
  return { tools: catalog.tools, prompts: catalog.prompts, resourceTemplates: [...catalog.resourceTemplates, ...resources] };
}
