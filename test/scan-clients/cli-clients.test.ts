import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { machine } from './helpers.js';

const m = machine();
afterAll(() => m.cleanup());

// Assembled at run time so no complete credential sits in the source.
const PAT = 'ghp_' + 'Zq7Lm2Xv9Rt4Bn8Kc1Pw6Yd3Hs5Fj0Ga2QeW';
const DB_PASSWORD = 'Sup3r' + 'SecretDbPass';
const BEARER = 'abcdefghij' + 'KLMNOPQRST0123456789';

interface Report {
  files: Array<{ path: string; client: string; status: string; error?: string; servers: Array<{ name: string; transport: string; launch: string }> }>;
  findings: Array<{ ruleId: string; severity: string; file: string; server: string | null; line: number | null; message: string }>;
}

const cfg = (name: string) => join(m.home, '.config', name);

// One config per client family, at its Linux location (HOME points at the fake home).
m.write(join(cfg('Claude'), 'claude_desktop_config.json'), JSON.stringify({ mcpServers: { github: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-github'], env: { GITHUB_PERSONAL_ACCESS_TOKEN: PAT } } } }, null, 2));
m.write(join(m.home, '.claude.json'), JSON.stringify({ numStartups: 1, mcpServers: { gw: { type: 'stdio', command: 'npx', args: ['-y', 'portcullis@0.1.0', 'stdio', '--config', '/etc/portcullis.yaml'] } } }));
m.write(join(m.project, '.mcp.json'), JSON.stringify({ mcpServers: { pg: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-postgres@0.6.2', `postgresql://app:${DB_PASSWORD}@db.internal/app`] } } }));
m.write(join(m.home, '.cursor', 'mcp.json'), JSON.stringify({ mcpServers: { remote: { url: 'https://mcp.example.com/mcp', headers: { Authorization: `Bearer ${BEARER}` } } } }));
m.write(join(m.project, '.vscode', 'mcp.json'), '{\n  // workspace\n  "servers": {\n    "gateway": { "type": "http", "url": "http://localhost:8800/mcp" },\n  },\n}\n');
m.write(join(cfg('Code'), 'User', 'settings.json'), '{ "editor.tabSize": 2, "mcp": { "servers": { "time": { "command": "uvx", "args": ["mcp-server-time@latest"] } } } }');
m.write(join(m.home, '.codeium', 'windsurf', 'mcp_config.json'), JSON.stringify({ mcpServers: { docker: { command: 'docker', args: ['run', '-i', '--rm', 'mcp/fetch:latest'] } } }));
m.write(join(m.home, '.continue', 'config.yaml'), 'name: c\nmcpServers:\n  - name: sqlite\n    command: uvx\n    args: ["mcp-server-sqlite==0.6.2"]\n');
m.write(join(m.project, '.continue', 'mcpServers', 'block.yaml'), 'name: b\nmcpServers:\n  - name: pinned\n    command: node\n    args: [server.js]\n');

describe('portcullis scan clients', () => {
  it('finds every client family in its place and lists the servers each launches', () => {
    const r = m.run(['scan', 'clients', '--json', '--gateway', 'http://127.0.0.1:8800/mcp']);
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    const byClient = Object.fromEntries(report.files.map((f) => [f.client + ':' + f.path.slice(m.root.length), f.servers.map((s) => s.name)]));
    expect(byClient).toEqual({
      'claude-desktop:/home/.config/Claude/claude_desktop_config.json': ['github'],
      'claude-code:/home/.claude.json': ['gw'],
      'claude-code:/project/.mcp.json': ['pg'],
      'cursor:/home/.cursor/mcp.json': ['remote'],
      'vscode:/home/.config/Code/User/settings.json': ['time'],
      'vscode:/project/.vscode/mcp.json': ['gateway'],
      'windsurf:/home/.codeium/windsurf/mcp_config.json': ['docker'],
      'continue:/home/.continue/config.yaml': ['sqlite'],
      'continue:/project/.continue/mcpServers/block.yaml': ['pinned'],
    });
    const rules = (server: string) => report.findings.filter((f) => f.server === server).map((f) => f.ruleId).sort();
    expect(rules('github')).toEqual(['client.shadow-server', 'client.static-credential', 'client.unpinned-package']);
    expect(rules('gw')).toEqual([]); // launches portcullis stdio
    expect(rules('gateway')).toEqual([]); // the gateway's own URL
    expect(rules('pg')).toEqual(['client.shadow-server', 'client.static-credential']);
    expect(rules('remote')).toEqual(['client.shadow-server', 'client.static-credential']);
    expect(rules('time')).toEqual(['client.shadow-server', 'client.unpinned-package']);
    expect(rules('docker')).toEqual(['client.shadow-server', 'client.unpinned-package']);
    expect(rules('sqlite')).toEqual(['client.shadow-server']);
    const github = report.findings.find((f) => f.server === 'github')!;
    expect(github.line).toBe(3);
    expect(github.severity).toBe('high');
  });

  it('never prints a credential, in any output format', () => {
    for (const format of [[], ['--json'], ['--sarif']]) {
      const r = m.run(['scan', 'clients', ...format]);
      expect(r.status).toBe(1);
      for (const secret of [PAT, PAT.slice(4), DB_PASSWORD, BEARER]) {
        expect(r.stdout).not.toContain(secret);
        expect(r.stderr).not.toContain(secret);
      }
    }
  });

  it('the gateway endpoint can come from the gateway config instead of --gateway', () => {
    const gwConfig = m.write(join(m.root, 'gw.yaml'), 'listen: { host: 127.0.0.1, port: 8800 }\n');
    const viaConfig = JSON.parse(m.run(['scan', 'clients', '--json', '--config', gwConfig]).stdout) as Report;
    expect(viaConfig.findings.filter((f) => f.server === 'gateway')).toEqual([]);
    const without = JSON.parse(m.run(['scan', 'clients', '--json']).stdout) as Report;
    expect(without.findings.find((f) => f.server === 'gateway')?.message).toContain('no gateway URL given');
  });

  it('SARIF points at the file and line of each finding', () => {
    const out = JSON.parse(m.run(['scan', 'clients', '--sarif']).stdout) as { version: string; runs: Array<{ tool: { driver: { rules: Array<{ id: string }> } }; results: Array<{ ruleId: string; level: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } } }> }> }> };
    expect(out.version).toBe('2.1.0');
    const hit = out.runs[0]!.results.find((x) => x.ruleId === 'client.static-credential' && x.locations[0]!.physicalLocation.artifactLocation.uri.endsWith('claude_desktop_config.json'))!;
    expect(hit.level).toBe('error');
    expect(hit.locations[0]!.physicalLocation.region?.startLine).toBe(3);
    expect(out.runs[0]!.tool.driver.rules.map((r) => r.id)).toContain('client.unpinned-package');
  });

  it('the table lists each file and server with its findings', () => {
    const r = m.run(['scan', 'clients']);
    expect(r.stdout).toContain('claude_desktop_config.json (claude-desktop): 1 server');
    expect(r.stdout).toMatch(/github\s+npx -y @modelcontextprotocol\/server-github/);
    expect(r.stdout).toContain('client.unpinned-package');
    expect(r.stderr).toMatch(/scanned 9 client config files \(9 servers\): \d+ findings/);
  });
});

describe('bad files are reported one by one and the scan goes on', () => {
  const b = machine();
  afterAll(() => b.cleanup());

  it('malformed, huge and unreadable files each get a finding; the good file is still scanned', () => {
    const malformed = b.write(join(b.home, '.cursor', 'mcp.json'), '{ "mcpServers": { "a": { "command": "x", } ');
    const huge = b.write(join(b.home, '.codeium', 'windsurf', 'mcp_config.json'), Buffer.alloc(5 * 1024 * 1024 + 1, 0x20));
    mkdirSync(join(b.home, '.claude.json')); // a directory where a file should be: cannot be read as a config
    const badYaml = b.write(join(b.home, '.continue', 'config.yaml'), 'mcpServers:\n  - name: [unclosed\n');
    b.write(join(b.project, '.mcp.json'), JSON.stringify({ mcpServers: { ok: { command: 'portcullis', args: ['stdio', '--config', 'p.yaml'] } } }));
    const r = b.run(['scan', 'clients', '--json']);
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    const status = Object.fromEntries(report.files.map((f) => [f.path, f.status]));
    expect(status[malformed]).toBe('malformed');
    expect(status[huge]).toBe('too-large');
    expect(status[join(b.home, '.claude.json')]).toBe('unreadable');
    expect(status[badYaml]).toBe('malformed');
    expect(status[join(b.project, '.mcp.json')]).toBe('ok');
    expect(report.findings.map((f) => f.ruleId).sort()).toEqual(['client.file-malformed', 'client.file-malformed', 'client.file-too-large', 'client.file-unreadable']);
    expect(report.findings.find((f) => f.file === malformed)!.message).toMatch(/line 1/);
  });

  it('a machine with only routed servers passes (exit 0)', () => {
    const c = machine();
    try {
      c.write(join(c.home, '.cursor', 'mcp.json'), JSON.stringify({ mcpServers: { portcullis: { command: 'npx', args: ['-y', 'portcullis@0.1.0', 'stdio', '--config', '/etc/p.yaml'] } } }));
      const r = c.run(['scan', 'clients']);
      expect(r.stdout).toContain('portcullis');
      expect(r.status).toBe(0);
      expect(c.run(['scan', 'clients']).stderr).toContain('0 findings');
    } finally {
      c.cleanup();
    }
  });

  it('--path scans a file anywhere (and only it with --no-discover); a missing --path file is reported', () => {
    const c = machine();
    try {
      const own = c.write(join(c.root, 'elsewhere', 'team-mcp.json'), JSON.stringify({ servers: { t: { command: 'npx', args: ['-y', 'tool@1.0.0'] } } }));
      const r = JSON.parse(c.run(['scan', 'clients', '--json', '--no-discover', '--path', own, '--path', join(c.root, 'missing.json')]).stdout) as Report;
      expect(r.files.map((f) => [f.path, f.status])).toEqual([[own, 'ok'], [join(c.root, 'missing.json'), 'unreadable']]);
      expect(r.findings.map((f) => f.ruleId).sort()).toEqual(['client.file-unreadable', 'client.shadow-server']);
    } finally {
      c.cleanup();
    }
  });

  it('usage errors exit 2 with a message', () => {
    const bad = b.run(['scan', 'clients', '--bogus']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('usage: portcullis scan clients');
    expect(b.run(['scan', 'clients', '--gateway', 'not a url']).status).toBe(2);
    expect(b.run(['scan', 'clients', '--json', '--sarif']).status).toBe(2);
    expect(b.run(['scan', 'clients', '--no-discover']).status).toBe(2);
    expect(b.run(['scan', 'clients', '--config', join(b.root, 'nope.yaml')]).stderr).toContain('cannot read');
  });
});
