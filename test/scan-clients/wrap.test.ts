import { afterAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CLI, machine, ROOT } from './helpers.js';

const m = machine();
afterAll(() => m.cleanup());

const NODE = process.execPath;
const LEGACY = join(ROOT, 'test/fixtures/legacy-server.mjs');
/** Launch the gateway from this checkout, so the end-to-end test runs the code under test. */
const LAUNCHER = `${NODE} ${CLI}`;

let n = 0;
/** A fresh directory with a client config and (optionally) a gateway config. */
function setup(clientName: string, clientText: string, gatewayText?: string): { dir: string; client: string; gateway: string } {
  const dir = join(m.root, `case-${++n}`);
  const client = m.write(join(dir, clientName), clientText);
  const gateway = join(dir, 'portcullis.yaml');
  if (gatewayText !== undefined) m.write(gateway, gatewayText);
  return { dir, client, gateway };
}

/** Every file in a directory with its SHA-256: "nothing changed" means this is equal before and after. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map((f) => [f, createHash('sha256').update(readFileSync(join(dir, f))).digest('hex')]));
}

const CLAUDE_DESKTOP = `{
    "globalShortcut": "Ctrl+Space",
    "mcpServers": {
        "filesystem": {
            "command": "npx",
            "args": ["-y", "@modelcontextprotocol/server-filesystem@2026.8.31", "/Users/me/Desktop"]
        },
        "My GitHub": {
            "command": "npx",
            "args": ["-y", "@modelcontextprotocol/server-github@2025.4.8"],
            "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "\${env:GH_TOKEN}"}
        }
    }
}
`;

const VSCODE_CRLF = [
  '{',
  '\t// team servers: keep this comment',
  '\t"inputs": [{ "id": "tok", "type": "promptString", "password": true }],',
  '\t"servers": {',
  '\t\t"fetch": { "type": "stdio", "command": "uvx", "args": ["mcp-server-fetch==2025.1.17"] },',
  '\t\t"gh": { "type": "stdio", "command": "npx", "args": ["-y", "srv@1.0.0"], "env": { "TOKEN": "${input:tok}" } },',
  '\t\t"remote": { "type": "http", "url": "https://mcp.example.com/mcp", "headers": { "X-Api-Key": "${env:KEY}" } },',
  '\t},',
  '}',
  '',
].join('\r\n');

const GATEWAY = `# team gateway: comments and layout must survive
listen: { host: 127.0.0.1, port: 8811 }
upstreams:
  everything:
    stdio: { command: node, args: [x.js] }
  # more upstreams below
log: { level: warn }
`;

describe('portcullis wrap / unwrap', () => {
  it('Claude Desktop: servers move into the gateway config, the client launches portcullis stdio; unwrap restores both byte for byte', () => {
    const c = setup('claude_desktop_config.json', CLAUDE_DESKTOP, GATEWAY);
    const r = m.run(['wrap', '--path', c.client, '--config', c.gateway, '--yes']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const wrapped = readFileSync(c.client, 'utf8');
    const doc = JSON.parse(wrapped) as { globalShortcut: string; mcpServers: Record<string, { command: string; args: string[] }> };
    expect(doc.globalShortcut).toBe('Ctrl+Space');
    expect(Object.keys(doc.mcpServers)).toEqual(['portcullis']);
    expect(doc.mcpServers.portcullis!.args.slice(-3)).toEqual(['stdio', '--config', c.gateway]);
    expect(wrapped).toContain('\n        "portcullis": {\n            "command"'); // the file's 4-space indentation
    const gw = readFileSync(c.gateway, 'utf8');
    expect(gw.startsWith(GATEWAY.split('  # more upstreams below')[0]!)).toBe(true); // untouched up to the insertion
    expect(gw).toContain('  # more upstreams below\nlog: { level: warn }\n');
    expect(gw).toContain('  filesystem:\n');
    expect(gw).toContain('  my-github:\n');
    expect(gw).toContain('GITHUB_PERSONAL_ACCESS_TOKEN: ${GH_TOKEN}'); // VS Code-style ${env:X} → the gateway's ${X}
    // The client config is now clean for scan clients (it routes through the gateway).
    const scan = m.run(['scan', 'clients', '--no-discover', '--json', '--path', c.client, '--config', c.gateway]);
    expect(scan.status).toBe(0);
    // The backup is private; the record names it.
    const backups = readdirSync(c.dir).filter((f) => f.includes('.portcullis-backup-'));
    expect(backups).toHaveLength(2);
    for (const b of backups) expect(statSync(join(c.dir, b)).mode & 0o077).toBe(0);

    const u = m.run(['unwrap', '--path', c.client, '--yes']);
    expect(u.status).toBe(0);
    expect(readFileSync(c.client, 'utf8')).toBe(CLAUDE_DESKTOP);
    expect(readFileSync(c.gateway, 'utf8')).toBe(GATEWAY);
    expect(readdirSync(c.dir).sort()).toEqual(['claude_desktop_config.json', 'portcullis.yaml']);
  });

  it('VS Code JSONC with tabs, CRLF, comments and trailing commas: only the moved entries change; servers with client-only variables stay', () => {
    const c = setup('mcp.json', VSCODE_CRLF);
    const r = m.run(['wrap', '--path', c.client, '--config', c.gateway, '--yes']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('gh stays in the client');
    const wrapped = readFileSync(c.client, 'utf8');
    expect(wrapped).toContain('\t// team servers: keep this comment\r\n');
    expect(wrapped).toContain('\t\t"gh": { "type": "stdio", "command": "npx", "args": ["-y", "srv@1.0.0"], "env": { "TOKEN": "${input:tok}" } },\r\n');
    expect(wrapped).not.toContain('"fetch"');
    expect(wrapped).not.toContain('"remote"');
    expect(wrapped).toContain('\t\t"portcullis": {\r\n\t\t\t"type": "stdio",');
    expect(wrapped.replace(/\r\n/g, '')).not.toContain('\n'); // no bare LF introduced
    const gw = readFileSync(c.gateway, 'utf8'); // created by wrap
    expect(gw).toContain('X-Api-Key: ${KEY}');
    expect(m.run(['unwrap', '--path', c.client, '--yes']).status).toBe(0);
    expect(readFileSync(c.client, 'utf8')).toBe(VSCODE_CRLF);
    expect(existsSync(c.gateway)).toBe(false); // wrap created it, unwrap removed it
  });

  it('--dry-run prints a unified diff and changes nothing', () => {
    const c = setup('claude_desktop_config.json', CLAUDE_DESKTOP, GATEWAY);
    const before = snapshot(c.dir);
    const r = m.run(['wrap', '--path', c.client, '--config', c.gateway, '--dry-run']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`--- ${c.client}`);
    expect(r.stdout).toContain('-        "filesystem": {');
    expect(r.stdout).toContain('+  filesystem:');
    expect(r.stderr).toContain('dry run: nothing written');
    expect(snapshot(c.dir)).toEqual(before);
  });

  it('refuses to write without --yes when not interactive', () => {
    const c = setup('claude_desktop_config.json', CLAUDE_DESKTOP, GATEWAY);
    const before = snapshot(c.dir);
    const r = m.run(['wrap', '--path', c.client, '--config', c.gateway]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('pass --yes');
    expect(snapshot(c.dir)).toEqual(before);
  });

  it('unwrap refuses when the client config changed since wrapping; --force restores and keeps the edited file aside', () => {
    const c = setup('claude_desktop_config.json', CLAUDE_DESKTOP, GATEWAY);
    expect(m.run(['wrap', '--path', c.client, '--config', c.gateway, '--yes']).status).toBe(0);
    expect(m.run(['wrap', '--path', c.client, '--config', c.gateway, '--yes']).stderr).toContain('already wrapped');
    const edited = readFileSync(c.client, 'utf8').replace('"mcpServers"', '"theme": "dark",\n    "mcpServers"');
    writeFileSync(c.client, edited);
    const refused = m.run(['unwrap', '--path', c.client, '--yes']);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('changed since it was wrapped');
    expect(readFileSync(c.client, 'utf8')).toBe(edited);
    const forced = m.run(['unwrap', '--path', c.client, '--yes', '--force']);
    expect(forced.status).toBe(0);
    expect(readFileSync(c.client, 'utf8')).toBe(CLAUDE_DESKTOP);
    const aside = readdirSync(c.dir).find((f) => f.includes('.portcullis-unwrap-'))!;
    expect(readFileSync(join(c.dir, aside), 'utf8')).toBe(edited);
  });

  it('never restores a backup that was altered after wrapping, even with --force', () => {
    const c = setup('claude_desktop_config.json', CLAUDE_DESKTOP, GATEWAY);
    expect(m.run(['wrap', '--path', c.client, '--config', c.gateway, '--yes']).status).toBe(0);
    const wrapped = readFileSync(c.client, 'utf8');
    const backup = readdirSync(c.dir).find((f) => f.startsWith('claude_desktop_config.json.portcullis-backup-'))!;
    writeFileSync(join(c.dir, backup), CLAUDE_DESKTOP.replace('"globalShortcut"', '"evil": {"command": "curl"}, "globalShortcut"'));
    const r = m.run(['unwrap', '--path', c.client, '--yes', '--force']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('altered');
    expect(readFileSync(c.client, 'utf8')).toBe(wrapped);
  });

  it('unwrap without a wrap record, and wrap of a file with nothing to move, say so', () => {
    const c = setup('claude_desktop_config.json', CLAUDE_DESKTOP, GATEWAY);
    expect(m.run(['unwrap', '--path', c.client, '--yes']).stderr).toContain('no wrap record');
    const routed = setup('mcp.json', JSON.stringify({ mcpServers: { p: { command: 'portcullis', args: ['stdio', '--config', 'x.yaml'] } } }), GATEWAY);
    const r = m.run(['wrap', '--path', routed.client, '--config', routed.gateway, '--yes']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('nothing to wrap');
    expect(m.run(['wrap', '--path', routed.client]).status).toBe(2); // --config is required
    const malformed = setup('bad.json', '{ "mcpServers": ', GATEWAY);
    expect(m.run(['wrap', '--path', malformed.client, '--config', malformed.gateway, '--yes']).stderr).toContain('cannot be parsed');
  });

  it('--client finds the config at its known location under HOME', () => {
    const c = m.write(join(m.home, '.cursor', 'mcp.json'), JSON.stringify({ mcpServers: { time: { command: 'uvx', args: ['mcp-server-time==0.6.2'] } } }, null, 2));
    const gateway = join(m.root, 'client-flag.yaml');
    const r = m.run(['wrap', '--client', 'cursor', '--config', gateway, '--yes']);
    expect(r.status).toBe(0);
    expect(Object.keys((JSON.parse(readFileSync(c, 'utf8')) as { mcpServers: object }).mcpServers)).toEqual(['portcullis']);
    expect(m.run(['unwrap', '--client', 'cursor', '--yes']).status).toBe(0);
    expect(m.run(['wrap', '--client', 'nosuch', '--config', gateway]).stderr).toContain('unknown client');
  });

  it('end to end: the wrapped client entry launches the gateway, which serves the moved server', async () => {
    const gatewayText = [
      'log: { level: warn }',
      'audit: { sink: none }',
      'admin: { enabled: false }',
      `storage: { path: ${JSON.stringify(join(m.root, 'e2e-state.db'))} }`,
      'policy:',
      '  allow:',
      '    - { upstream: legacy, tools: ["tool_0"] }',
      '',
    ].join('\n');
    const c = setup('claude_desktop_config.json', JSON.stringify({ mcpServers: { legacy: { command: NODE, args: [LEGACY, '--stdio', '--tools', '2', '--name', 'moved'] } } }, null, 2), gatewayText);
    const r = m.run(['wrap', '--path', c.client, '--config', c.gateway, '--command', LAUNCHER, '--yes']);
    expect(r.status).toBe(0);
    expect(m.run(['validate', c.gateway]).status).toBe(0);
    const entry = (JSON.parse(readFileSync(c.client, 'utf8')) as { mcpServers: Record<string, { command: string; args: string[] }> }).mcpServers.portcullis!;
    const transport = new StdioClientTransport({ command: entry.command, args: entry.args, cwd: c.dir, stderr: 'pipe' });
    const client = new Client({ name: 'wrapped-client', version: '1.0.0' });
    await client.connect(transport, { timeout: 30_000 });
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(['legacy__tool_0']);
      const result = await client.callTool({ name: 'legacy__tool_0', arguments: { via: 'wrap' } });
      const text = (result.content as Array<{ type: string; text: string }>)[0]!.text;
      expect(JSON.parse(text)).toEqual({ server: 'moved', tool: 'tool_0', args: { via: 'wrap' } });
    } finally {
      await client.close();
    }
  });
});
