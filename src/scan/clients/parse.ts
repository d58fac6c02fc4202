/**
 * Reads the MCP servers out of one client config, whatever the client: Claude-style `mcpServers`
 * objects, VS Code's `servers` / `mcp.servers` (JSONC), Claude Code's per-project maps, and Continue's
 * arrays (config.json `experimental.modelContextProtocolServers`, YAML `mcpServers`). Every shape is
 * tried on every file, so a file given with `--path` needs no client name.
 */
import { findNodeAtLocation, getNodeValue, parseTree, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { isMap, isSeq, parseDocument, type Node as YamlNode } from 'yaml';
import type { ServerEntry, ServerMap } from './types.js';

type Path = readonly (string | number)[];

export interface ParsedConfig {
  readonly servers: ServerEntry[];
  readonly maps: ServerMap[];
}

export type ParseOutcome = { ok: true; config: ParsedConfig } | { ok: false; error: string };

interface Document {
  readonly root: unknown;
  /** Character offset of the value at `path`, when the parser can tell. */
  offsetOf(path: Path): number | undefined;
}

export function isYamlFile(file: string): boolean {
  return /\.ya?ml$/i.test(file);
}

function lineAt(text: string, offset: number | undefined): number | undefined {
  if (offset === undefined) return undefined;
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function parseJsonc(text: string): Document | string {
  const errors: ParseError[] = [];
  const tree = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  const first = errors[0];
  if (first !== undefined) return `${printParseErrorCode(first.error)} at line ${lineAt(text, first.offset)}`;
  if (tree === undefined) return 'empty document';
  return { root: getNodeValue(tree) as unknown, offsetOf: (path) => findNodeAtLocation(tree, [...path])?.offset };
}

function parseYaml(text: string): Document | string {
  const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: false });
  const first = doc.errors[0];
  if (first !== undefined) return `${first.message.split('\n')[0] ?? 'invalid YAML'}${first.linePos ? ` at line ${first.linePos[0].line}` : ''}`;
  return {
    root: doc.toJS({ maxAliasCount: 100 }) as unknown,
    offsetOf: (path) => {
      const node = doc.getIn([...path], true) as YamlNode | undefined;
      return node !== undefined && typeof node === 'object' && (isMap(node) || isSeq(node) || 'range' in node) ? node.range?.[0] : undefined;
    },
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined);

function stringRecord(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(v)) return out;
  for (const [k, val] of Object.entries(v)) {
    const s = str(val);
    if (s !== undefined) out[k] = s;
  }
  return out;
}

/** One entry of any client's shape, or undefined when it names nothing to launch or reach. */
function toEntry(name: string, raw: unknown, path: Path, text: string, doc: Document): ServerEntry | undefined {
  if (!isObject(raw)) return undefined;
  // Continue's config.json nests the launch under `transport`.
  const spec = isObject(raw.transport) ? raw.transport : raw;
  const command = str(spec.command);
  const url = str(spec.url) ?? str(spec.serverUrl) ?? str(spec.httpUrl);
  if (command === undefined && url === undefined) return undefined;
  const requestOptions = isObject(spec.requestOptions) ? spec.requestOptions : {};
  return {
    name,
    path,
    line: lineAt(text, doc.offsetOf(path)),
    transport: command !== undefined ? 'stdio' : 'http',
    command,
    args: Array.isArray(spec.args) ? spec.args.map((a) => str(a) ?? JSON.stringify(a)) : [],
    env: stringRecord(spec.env),
    cwd: str(spec.cwd),
    url,
    headers: { ...stringRecord(requestOptions.headers), ...stringRecord(spec.headers) },
  };
}

function readMap(value: unknown, path: Path, text: string, doc: Document, into: ParsedConfig): void {
  if (isObject(value)) {
    into.maps.push({ path, shape: 'object' });
    for (const [name, raw] of Object.entries(value)) {
      const e = toEntry(name, raw, [...path, name], text, doc);
      if (e) into.servers.push(e);
    }
  } else if (Array.isArray(value)) {
    into.maps.push({ path, shape: 'array' });
    value.forEach((raw, i) => {
      const named = isObject(raw) ? (str(raw.name) ?? (isObject(raw.transport) ? str(raw.transport.command) : undefined) ?? str(raw.command)) : undefined;
      const e = toEntry(named ?? `#${i}`, raw, [...path, i], text, doc);
      if (e) into.servers.push(e);
    });
  }
}

export function parseClientConfig(text: string, file: string): ParseOutcome {
  const doc = isYamlFile(file) ? parseYaml(text) : parseJsonc(text);
  if (typeof doc === 'string') return { ok: false, error: doc };
  const root = doc.root;
  const config: ParsedConfig = { servers: [], maps: [] };
  if (root === null || root === undefined) return { ok: true, config };
  if (!isObject(root)) return { ok: false, error: 'the top level is not an object' };
  if ('mcpServers' in root) readMap(root.mcpServers, ['mcpServers'], text, doc, config);
  if ('servers' in root) readMap(root.servers, ['servers'], text, doc, config);
  if (isObject(root.mcp) && 'servers' in root.mcp) readMap(root.mcp.servers, ['mcp', 'servers'], text, doc, config);
  if ('mcp.servers' in root) readMap(root['mcp.servers'], ['mcp.servers'], text, doc, config);
  if (isObject(root.experimental) && 'modelContextProtocolServers' in root.experimental) {
    readMap(root.experimental.modelContextProtocolServers, ['experimental', 'modelContextProtocolServers'], text, doc, config);
  }
  // Claude Code keeps servers per project directory too ("local" scope).
  if (isObject(root.projects)) {
    for (const [dir, project] of Object.entries(root.projects)) {
      if (isObject(project) && 'mcpServers' in project) readMap(project.mcpServers, ['projects', dir, 'mcpServers'], text, doc, config);
    }
  }
  return { ok: true, config };
}
