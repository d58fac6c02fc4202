/**
 * `wrap` as a pure function: from a client config and the gateway config (texts), compute both new
 * texts. Every server the client launches or reaches directly moves into the gateway config as an
 * upstream; the client keeps one entry that launches `portcullis stdio --config GATEWAY.yaml`.
 * Client files are edited in place, one property at a time (comments, order, indentation and other
 * keys survive); upstreams are added to the gateway config as text (see gateway-yaml.ts).
 */
import { UpstreamSchema } from '../../config/schema.js';
import { parseClientConfig } from '../clients/parse.js';
import { launchesGateway, reachesGateway } from '../clients/rules/shadow.js';
import type { ClientFamily, ServerEntry } from '../clients/types.js';
import { addUpstreams, loadGatewayYaml } from './gateway-yaml.js';
import { detectIndentation, insertProperty, removeProperty } from './jsonc-edit.js';
import { upstreamNameFor } from './names.js';
import { toGatewayValue } from './variables.js';

export interface WrapInput {
  readonly clientPath: string;
  readonly clientText: string;
  readonly family: ClientFamily;
  readonly gatewayPath: string;
  /** Undefined when the gateway config does not exist yet (wrap creates it). */
  readonly gatewayText: string | undefined;
  /** The program and leading arguments that run portcullis, e.g. ["npx", "-y", "portcullis@0.1.0"]. */
  readonly launcher: readonly string[];
  /** The gateway's own endpoint, so a client already pointing at it is left alone. */
  readonly gatewayUrl: URL | undefined;
}

export interface MovedServer {
  readonly client: string;
  readonly upstream: string;
  readonly upstreamConfig: Record<string, unknown>;
}

export interface WrapPlan {
  readonly clientText: string;
  readonly gatewayText: string;
  readonly moved: readonly MovedServer[];
  readonly kept: ReadonlyArray<{ readonly name: string; readonly reason: string }>;
  /** Name of the entry that launches the gateway in the client. */
  readonly entryName: string | undefined;
}

export type PlanOutcome = { ok: true; plan: WrapPlan } | { ok: false; error: string };

function gatewayValues(s: ServerEntry): { config: Record<string, unknown> } | { reason: string } {
  const conv = (v: string | undefined): string | undefined | null => (v === undefined ? undefined : (toGatewayValue(v) ?? null));
  const clientOnly = { reason: 'uses variables only the client can resolve (such as ${input:…} or ${workspaceFolder})' };
  if (s.transport === 'http') {
    const url = conv(s.url);
    if (url === null || url === undefined) return clientOnly;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(s.headers)) {
      const c = conv(v);
      if (c === null || c === undefined) return clientOnly;
      headers[k] = c;
    }
    let loopbackHttp = false;
    try {
      const u = new URL(url);
      loopbackHttp = u.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
    } catch {
      /* validated below */
    }
    return { config: { http: { url, ...(Object.keys(headers).length > 0 ? { headers } : {}), ...(loopbackHttp ? { allowLoopbackHttp: true } : {}) } } };
  }
  const command = conv(s.command);
  const args = s.args.map(conv);
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.env)) {
    const c = conv(v);
    if (c === null || c === undefined) return clientOnly;
    env[k] = c;
  }
  const cwd = conv(s.cwd);
  if (command === null || command === undefined || args.some((a) => a === null) || cwd === null) return clientOnly;
  return { config: { stdio: { command, args: args as string[], ...(Object.keys(env).length > 0 ? { env } : {}), ...(cwd !== undefined ? { cwd } : {}) } } };
}

export function planWrap(input: WrapInput): PlanOutcome {
  const parsed = parseClientConfig(input.clientText, input.clientPath);
  if (!parsed.ok) return { ok: false, error: `${input.clientPath} cannot be parsed: ${parsed.error}` };
  const gateway = loadGatewayYaml(input.gatewayText);
  if (!gateway.ok) return { ok: false, error: `${input.gatewayPath}: ${gateway.error}` };
  const taken = new Set(gateway.names);
  const gateways = input.gatewayUrl ? [input.gatewayUrl] : [];
  // Only a client's own maps move; Claude Code's per-project maps belong to other working directories.
  const wrappable = parsed.config.maps.filter((m) => m.shape === 'object' && m.path[0] !== 'projects');
  const kept: Array<{ name: string; reason: string }> = [];
  for (const m of parsed.config.maps) {
    if (m.shape === 'array') kept.push({ name: m.path.join('.'), reason: 'a list of servers (Continue) cannot be rewritten; add `portcullis stdio` to it by hand' });
    else if (m.path[0] === 'projects') kept.push({ name: m.path.slice(0, 2).join('.'), reason: 'project-scoped servers: wrap that project\'s .mcp.json instead' });
  }
  const indentation = detectIndentation(input.clientText);
  let text = input.clientText;
  const moved: MovedServer[] = [];
  let entryName: string | undefined;
  for (const map of wrappable) {
    const inMap = parsed.config.servers.filter((s) => s.path.length === map.path.length + 1 && map.path.every((p, i) => s.path[i] === p));
    let hasGateway = false;
    let movedHere = 0;
    for (const s of inMap) {
      if (launchesGateway(s) || reachesGateway(s, gateways)) {
        hasGateway = true;
        entryName ??= s.name;
        continue;
      }
      const values = gatewayValues(s);
      if ('reason' in values) {
        kept.push({ name: s.name, reason: values.reason });
        continue;
      }
      const upstream = upstreamNameFor(s.name, taken);
      const upstreamConfig = { description: `moved by portcullis wrap from ${input.clientPath.slice(-300)} (server "${s.name.slice(0, 100)}")`, ...values.config };
      const check = UpstreamSchema.safeParse(upstreamConfig);
      if (!check.success) {
        kept.push({ name: s.name, reason: `not a valid gateway upstream (${check.error.issues[0]?.path.join('.') ?? ''}: ${check.error.issues[0]?.message ?? 'invalid'})` });
        continue;
      }
      taken.add(upstream);
      moved.push({ client: s.name, upstream, upstreamConfig });
      text = removeProperty(text, s.path);
      movedHere++;
    }
    if (movedHere > 0 && !hasGateway) {
      const names = new Set(inMap.map((s) => s.name));
      let name = 'portcullis';
      for (let i = 2; names.has(name) && !moved.some((mv) => mv.client === name); i++) name = `portcullis-${i}`;
      const entry = {
        // VS Code's `servers` maps want the transport spelled out.
        ...(input.family === 'vscode' || map.path[map.path.length - 1] === 'servers' ? { type: 'stdio' } : {}),
        command: input.launcher[0]!,
        args: [...input.launcher.slice(1), 'stdio', '--config', input.gatewayPath],
      };
      text = insertProperty(text, map.path, name, entry, indentation);
      entryName = name;
    }
  }
  const gatewayText = moved.length > 0 ? addUpstreams(gateway, Object.fromEntries(moved.map((m) => [m.upstream, m.upstreamConfig]))) : gateway.text;
  return { ok: true, plan: { clientText: text, gatewayText, moved, kept, entryName } };
}
