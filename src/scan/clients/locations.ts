/**
 * Where each MCP client keeps its servers, per OS. Everything is computed from the environment passed
 * in (HOME, APPDATA, XDG_CONFIG_HOME), never from the real account, so tests point it at a temp dir.
 */
import path from 'node:path';
import { homedir } from 'node:os';
import type { ClientLocation } from './types.js';

export interface LocationContext {
  readonly platform: NodeJS.Platform;
  readonly env: NodeJS.ProcessEnv;
  /** The project directory whose `.mcp.json`, `.cursor/`, `.vscode/` and `.continue/` are read. */
  readonly projectDir: string;
}

const CONTINUE_BLOCK_EXTENSIONS = ['.yaml', '.yml', '.json'] as const;

export function homeDir(ctx: LocationContext): string {
  const fromEnv = ctx.platform === 'win32' ? (ctx.env.USERPROFILE ?? ctx.env.HOME) : ctx.env.HOME;
  return fromEnv && fromEnv.length > 0 ? fromEnv : homedir();
}

/** The per-user application-data directory that Electron apps (Claude Desktop, VS Code) write to. */
function appDataDir(ctx: LocationContext, p: typeof path.posix): string {
  const home = homeDir(ctx);
  if (ctx.platform === 'darwin') return p.join(home, 'Library', 'Application Support');
  if (ctx.platform === 'win32') return ctx.env.APPDATA && ctx.env.APPDATA.length > 0 ? ctx.env.APPDATA : p.join(home, 'AppData', 'Roaming');
  // Linux and the other Unixes follow the XDG base-directory convention.
  return ctx.env.XDG_CONFIG_HOME && ctx.env.XDG_CONFIG_HOME.length > 0 ? ctx.env.XDG_CONFIG_HOME : p.join(home, '.config');
}

export function clientLocations(ctx: LocationContext): ClientLocation[] {
  const p = ctx.platform === 'win32' ? path.win32 : path.posix;
  const home = homeDir(ctx);
  const appData = appDataDir(ctx, p);
  const project = ctx.projectDir;
  const user = (client: ClientLocation['client'], ...parts: string[]): ClientLocation => ({ client, scope: 'user', path: p.join(...parts) });
  const proj = (client: ClientLocation['client'], ...parts: string[]): ClientLocation => ({ client, scope: 'project', path: p.join(project, ...parts) });
  return [
    user('claude-desktop', appData, 'Claude', 'claude_desktop_config.json'),
    user('claude-code', home, '.claude.json'),
    proj('claude-code', '.mcp.json'),
    user('cursor', home, '.cursor', 'mcp.json'),
    proj('cursor', '.cursor', 'mcp.json'),
    // VS Code: servers in the user settings ("mcp": {"servers"}) or the user-level mcp.json, and per workspace.
    user('vscode', appData, 'Code', 'User', 'settings.json'),
    user('vscode', appData, 'Code', 'User', 'mcp.json'),
    user('vscode', appData, 'Code - Insiders', 'User', 'settings.json'),
    user('vscode', appData, 'Code - Insiders', 'User', 'mcp.json'),
    proj('vscode', '.vscode', 'mcp.json'),
    proj('vscode', '.vscode', 'settings.json'),
    user('windsurf', home, '.codeium', 'windsurf', 'mcp_config.json'),
    user('continue', home, '.continue', 'config.json'),
    user('continue', home, '.continue', 'config.yaml'),
    { client: 'continue', scope: 'user', path: p.join(home, '.continue', 'mcpServers'), dirExtensions: CONTINUE_BLOCK_EXTENSIONS },
    { client: 'continue', scope: 'project', path: p.join(project, '.continue', 'mcpServers'), dirExtensions: CONTINUE_BLOCK_EXTENSIONS },
  ];
}
