/**
 * `portcullis scan clients`: find every MCP client config, list the servers, apply the rules. The
 * orchestration only; locations, parsing and each rule live in their own files.
 */
import path from 'node:path';
import { clientLocations, type LocationContext } from './locations.js';
import { parseClientConfig } from './parse.js';
import { listDir, MAX_CONFIG_BYTES, readConfigFile } from './read.js';
import { staticCredentials } from './rules/credentials.js';
import { unpinnedPackages } from './rules/pinning.js';
import { shadowMessage } from './rules/shadow.js';
import type { ClientFamily, ClientFile, ClientFinding, ClientsReport, ServerEntry } from './types.js';

export interface ClientsScanInput extends LocationContext {
  /** Files named with `--path` (scanned whatever their name; a missing one is reported). */
  readonly paths: readonly string[];
  /** Skip the known locations (only `paths`). */
  readonly discover: boolean;
  /** Endpoints of the gateway: a client URL equal to one of them is routed, not a shadow server. */
  readonly gateways: readonly URL[];
  readonly onProgress?: (done: number, total: number, file: string) => void;
}

interface Target {
  readonly path: string;
  readonly client: ClientFamily;
  readonly explicit: boolean;
}

/** The family a `--path` file most likely belongs to, from its name (the parser reads any shape). */
export function guessFamily(file: string): ClientFamily {
  const f = file.replace(/\\/g, '/').toLowerCase();
  if (f.endsWith('claude_desktop_config.json')) return 'claude-desktop';
  if (f.endsWith('/.claude.json') || f.endsWith('/.mcp.json') || f === '.mcp.json') return 'claude-code';
  if (f.includes('/.cursor/')) return 'cursor';
  if (f.includes('/.vscode/') || f.includes('/code/user/') || f.includes('/code - insiders/user/')) return 'vscode';
  if (f.includes('windsurf')) return 'windsurf';
  if (f.includes('/.continue/')) return 'continue';
  return 'unknown';
}

async function targets(input: ClientsScanInput, missing: string[], files: ClientFile[]): Promise<Target[]> {
  const out: Target[] = [];
  if (input.discover) {
    for (const loc of clientLocations(input)) {
      if (loc.dirExtensions) {
        const listed = await listDir(loc.path, loc.dirExtensions);
        if (Array.isArray(listed)) {
          if (listed.length === 0) missing.push(loc.path);
          for (const f of listed) out.push({ path: f, client: loc.client, explicit: false });
        } else files.push({ path: loc.path, client: loc.client, status: 'unreadable', error: listed.unreadable, servers: [] });
      } else out.push({ path: loc.path, client: loc.client, explicit: false });
    }
  }
  for (const p of input.paths) out.push({ path: path.resolve(input.projectDir, p), client: guessFamily(path.resolve(input.projectDir, p)), explicit: true });
  const seen = new Set<string>();
  return out.filter((t) => (seen.has(t.path) ? false : (seen.add(t.path), true)));
}

async function scanFile(t: Target, missing: string[]): Promise<ClientFile | undefined> {
  const read = await readConfigFile(t.path);
  switch (read.kind) {
    case 'missing':
      if (!t.explicit) {
        missing.push(t.path);
        return undefined;
      }
      return { path: t.path, client: t.client, status: 'unreadable', error: 'no such file', servers: [] };
    case 'too-large':
      return { path: t.path, client: t.client, status: 'too-large', error: `${read.bytes} bytes, over the ${MAX_CONFIG_BYTES}-byte limit`, servers: [] };
    case 'unreadable':
      return { path: t.path, client: t.client, status: 'unreadable', error: read.reason, servers: [] };
    case 'text': {
      const parsed = parseClientConfig(read.text, t.path);
      if (!parsed.ok) return { path: t.path, client: t.client, status: 'malformed', error: parsed.error, servers: [] };
      return { path: t.path, client: t.client, status: 'ok', servers: parsed.config.servers };
    }
  }
}

function fileFinding(f: ClientFile): ClientFinding | undefined {
  const base = { severity: 'medium' as const, file: f.path, server: undefined, line: undefined };
  switch (f.status) {
    case 'ok':
      return undefined;
    case 'unreadable':
      return { ...base, ruleId: 'client.file-unreadable', message: `cannot read the file (${f.error ?? 'error'}): its servers were not checked` };
    case 'too-large':
      return { ...base, ruleId: 'client.file-too-large', message: `not scanned: ${f.error ?? 'too large'}` };
    case 'malformed':
      return { ...base, ruleId: 'client.file-malformed', message: `not valid ${/\.ya?ml$/i.test(f.path) ? 'YAML' : 'JSON'}: ${f.error ?? 'parse error'}` };
  }
}

export function serverFindings(file: string, s: ServerEntry, gateways: readonly URL[]): ClientFinding[] {
  const at = { file, server: s.name, line: s.line };
  const out: ClientFinding[] = [];
  const shadow = shadowMessage(s, gateways);
  if (shadow) out.push({ ...at, ruleId: 'client.shadow-server', severity: 'high', message: shadow });
  for (const c of staticCredentials(s)) {
    out.push({ ...at, ruleId: 'client.static-credential', severity: 'high', message: `${c.where} holds a static credential (${c.kind}: ${c.shown}); reference a secret store instead` });
  }
  for (const u of unpinnedPackages(s)) out.push({ ...at, ruleId: 'client.unpinned-package', severity: 'medium', message: u });
  return out;
}

export async function scanClients(input: ClientsScanInput): Promise<ClientsReport> {
  const missing: string[] = [];
  const files: ClientFile[] = [];
  const list = await targets(input, missing, files);
  for (let i = 0; i < list.length; i++) {
    const t = list[i]!;
    input.onProgress?.(i + 1, list.length, t.path);
    const f = await scanFile(t, missing);
    if (f) files.push(f);
  }
  const findings: ClientFinding[] = [];
  for (const f of files) {
    const ff = fileFinding(f);
    if (ff) findings.push(ff);
    for (const s of f.servers) findings.push(...serverFindings(f.path, s, input.gateways));
  }
  return { files, findings, missing };
}
