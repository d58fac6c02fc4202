/**
 * Shapes of `portcullis scan clients`: the MCP client configs found on a machine, the servers they
 * launch, and what is wrong with them. Plain data, shared by the scanner, the outputs and `wrap`.
 */
import type { Severity } from '../../detect/poisoning/index.js';

export type ClientFamily = 'claude-desktop' | 'claude-code' | 'cursor' | 'vscode' | 'windsurf' | 'continue' | 'unknown';

export const CLIENT_FAMILIES: readonly ClientFamily[] = ['claude-desktop', 'claude-code', 'cursor', 'vscode', 'windsurf', 'continue'];

/** A place a client keeps its MCP servers: one file, or every matching file in a directory. */
export interface ClientLocation {
  readonly client: ClientFamily;
  /** `user` files apply to every project; `project` files to the project directory scanned. */
  readonly scope: 'user' | 'project';
  readonly path: string;
  /** Set for directories of files (Continue's `.continue/mcpServers/`): the extensions read. */
  readonly dirExtensions?: readonly string[];
}

/** One server a client launches or connects to, as written in its config. */
export interface ServerEntry {
  readonly name: string;
  /** Where the entry sits in the document (keys and array indices), for `wrap` and error positions. */
  readonly path: readonly (string | number)[];
  /** Line (1-based) of the entry in the file, when known. */
  readonly line: number | undefined;
  readonly transport: 'stdio' | 'http';
  readonly command: string | undefined;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string | undefined;
  readonly url: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
}

/** A map of servers inside one file (`mcpServers`, `servers`, `mcp.servers`, …), for `wrap`. */
export interface ServerMap {
  readonly path: readonly (string | number)[];
  /** Arrays (Continue) cannot be rewritten by `wrap`; objects can. */
  readonly shape: 'object' | 'array';
}

export type FileStatus = 'ok' | 'unreadable' | 'too-large' | 'malformed';

export interface ClientFile {
  readonly path: string;
  readonly client: ClientFamily;
  readonly status: FileStatus;
  /** Why the file could not be scanned (status other than ok). */
  readonly error?: string;
  readonly servers: readonly ServerEntry[];
}

export type ClientRuleId =
  | 'client.shadow-server'
  | 'client.static-credential'
  | 'client.unpinned-package'
  | 'client.file-unreadable'
  | 'client.file-too-large'
  | 'client.file-malformed';

export interface ClientFinding {
  readonly ruleId: ClientRuleId;
  readonly severity: Severity;
  readonly file: string;
  /** The server's name, absent for findings about the whole file. */
  readonly server: string | undefined;
  readonly line: number | undefined;
  /** One line; never contains a secret value (credentials are masked). */
  readonly message: string;
}

export interface ClientsReport {
  readonly files: readonly ClientFile[];
  readonly findings: readonly ClientFinding[];
  /** Locations looked at that do not exist (for the "searched" note). */
  readonly missing: readonly string[];
}
