import { describe, expect, it } from 'vitest';
import { clientLocations } from '../../src/scan/clients/locations.js';
import { parseClientConfig } from '../../src/scan/clients/parse.js';

describe('client locations per OS', () => {
  const paths = (platform: NodeJS.Platform, env: NodeJS.ProcessEnv) => clientLocations({ platform, env, projectDir: platform === 'win32' ? 'C:\\proj' : '/proj' }).map((l) => `${l.client} ${l.path}`);

  it('macOS: Application Support for Claude Desktop and VS Code, dot-directories for the rest', () => {
    const p = paths('darwin', { HOME: '/Users/ann' });
    expect(p).toContain('claude-desktop /Users/ann/Library/Application Support/Claude/claude_desktop_config.json');
    expect(p).toContain('vscode /Users/ann/Library/Application Support/Code/User/settings.json');
    expect(p).toContain('claude-code /Users/ann/.claude.json');
    expect(p).toContain('claude-code /proj/.mcp.json');
    expect(p).toContain('cursor /Users/ann/.cursor/mcp.json');
    expect(p).toContain('windsurf /Users/ann/.codeium/windsurf/mcp_config.json');
    expect(p).toContain('continue /Users/ann/.continue/config.yaml');
    expect(p).toContain('continue /proj/.continue/mcpServers');
  });

  it('Windows: %APPDATA% and %USERPROFILE%', () => {
    const p = paths('win32', { USERPROFILE: 'C:\\Users\\ann', APPDATA: 'D:\\Roaming' });
    expect(p).toContain('claude-desktop D:\\Roaming\\Claude\\claude_desktop_config.json');
    expect(p).toContain('vscode D:\\Roaming\\Code\\User\\settings.json');
    expect(p).toContain('cursor C:\\Users\\ann\\.cursor\\mcp.json');
    expect(p).toContain('vscode C:\\proj\\.vscode\\mcp.json');
    // without APPDATA: the default roaming directory under the profile
    expect(paths('win32', { USERPROFILE: 'C:\\Users\\ann' })).toContain('claude-desktop C:\\Users\\ann\\AppData\\Roaming\\Claude\\claude_desktop_config.json');
  });

  it('Linux: ~/.config, or $XDG_CONFIG_HOME when set', () => {
    expect(paths('linux', { HOME: '/home/ann' })).toContain('claude-desktop /home/ann/.config/Claude/claude_desktop_config.json');
    expect(paths('linux', { HOME: '/home/ann', XDG_CONFIG_HOME: '/xdg' })).toContain('vscode /xdg/Code/User/mcp.json');
  });
});

describe('reading servers out of every client shape', () => {
  it('Claude-style mcpServers (stdio and remote) with line numbers', () => {
    const text = '{\n  "mcpServers": {\n    "fs": { "command": "npx", "args": ["-y", "x@1.0.0"], "env": { "A": "1" } },\n    "remote": { "url": "https://mcp.example.com/mcp", "headers": { "X": "y" } },\n    "windsurf": { "serverUrl": "https://w.example.com/mcp" }\n  }\n}';
    const r = parseClientConfig(text, 'claude_desktop_config.json');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.servers.map((s) => [s.name, s.transport, s.line])).toEqual([['fs', 'stdio', 3], ['remote', 'http', 4], ['windsurf', 'http', 5]]);
    expect(r.config.servers[0]!.env).toEqual({ A: '1' });
    expect(r.config.servers[1]!.headers).toEqual({ X: 'y' });
  });

  it('VS Code JSONC: comments, trailing commas, "servers" and settings.json "mcp": {"servers"}', () => {
    const mcpJson = '{\n  // workspace servers\n  "servers": { "a": { "type": "stdio", "command": "node", "args": ["a.js"], }, },\n}';
    const settings = '{ "editor.fontSize": 14, /* mcp */ "mcp": { "servers": { "b": { "type": "http", "url": "https://b.example/mcp" } } } }';
    const flat = '{ "mcp.servers": { "c": { "command": "c" } } }';
    expect(parseClientConfig(mcpJson, '.vscode/mcp.json')).toMatchObject({ ok: true, config: { servers: [{ name: 'a', command: 'node' }] } });
    expect(parseClientConfig(settings, 'settings.json')).toMatchObject({ ok: true, config: { servers: [{ name: 'b', transport: 'http' }] } });
    expect(parseClientConfig(flat, 'settings.json')).toMatchObject({ ok: true, config: { servers: [{ name: 'c' }] } });
  });

  it('Claude Code: user servers and per-project servers in ~/.claude.json', () => {
    const text = JSON.stringify({ numStartups: 3, mcpServers: { u: { type: 'stdio', command: 'u' } }, projects: { '/w/p': { mcpServers: { p: { type: 'sse', url: 'https://p.example/sse' } } } } });
    const r = parseClientConfig(text, '.claude.json');
    expect(r.ok && r.config.servers.map((s) => s.path.join('/'))).toEqual(['mcpServers/u', 'projects//w/p/mcpServers/p']);
  });

  it('Continue: config.json experimental list, config.yaml list, block files', () => {
    const json = JSON.stringify({ experimental: { modelContextProtocolServers: [{ transport: { type: 'stdio', command: 'uvx', args: ['mcp-server-sqlite'] } }] } });
    const yaml = 'name: cfg\nversion: 0.0.1\nmcpServers:\n  - name: SQLite\n    command: npx\n    args: ["-y", "mcp-sqlite"]\n    env: { TOKEN: abc }\n  - name: Remote\n    type: sse\n    url: https://r.example/sse\n';
    const j = parseClientConfig(json, 'config.json');
    expect(j.ok && j.config.servers.map((s) => [s.name, s.command])).toEqual([['uvx', 'uvx']]);
    const y = parseClientConfig(yaml, 'config.yaml');
    expect(y.ok && y.config.servers.map((s) => [s.name, s.transport, s.line])).toEqual([['SQLite', 'stdio', 4], ['Remote', 'http', 8]]);
    expect(y.ok && y.config.maps[0]!.shape).toBe('array');
  });

  it('malformed JSON and YAML are errors with a position; non-objects are refused; empty files have no servers', () => {
    const bad = parseClientConfig('{\n  "mcpServers": {\n    "a": { "command": }\n', 'x.json');
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toMatch(/line 3/);
    expect(parseClientConfig('mcpServers: [\n  - a\n', 'x.yaml').ok).toBe(false);
    expect(parseClientConfig('[1, 2]', 'x.json')).toEqual({ ok: false, error: 'the top level is not an object' });
    expect(parseClientConfig('', 'x.yaml')).toEqual({ ok: true, config: { servers: [], maps: [] } });
  });

  it('entries that launch nothing are skipped; odd value types do not crash', () => {
    const text = JSON.stringify({ mcpServers: { a: 'oops', b: null, c: { disabled: true }, d: { command: 7, args: [1, { x: 1 }], env: { N: 5, O: null } } } });
    const r = parseClientConfig(text, 'x.json');
    expect(r.ok && r.config.servers.map((s) => [s.name, s.command, s.args, s.env])).toEqual([['d', '7', ['1', '{"x":1}'], { N: '5' }]]);
  });
});
