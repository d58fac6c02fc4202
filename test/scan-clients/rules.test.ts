import { describe, expect, it } from 'vitest';
import { unpinnedPackages } from '../../src/scan/clients/rules/pinning.js';
import { staticCredentials } from '../../src/scan/clients/rules/credentials.js';
import { launchesGateway, shadowMessage } from '../../src/scan/clients/rules/shadow.js';
import type { ServerEntry } from '../../src/scan/clients/types.js';

const stdio = (command: string, args: string[] = [], env: Record<string, string> = {}): ServerEntry => ({
  name: 's', path: ['mcpServers', 's'], line: 1, transport: 'stdio', command, args, env, cwd: undefined, url: undefined, headers: {},
});
const remote = (url: string, headers: Record<string, string> = {}): ServerEntry => ({
  name: 'r', path: ['mcpServers', 'r'], line: 1, transport: 'http', command: undefined, args: [], env: {}, cwd: undefined, url, headers,
});

// Assembled at run time so the literal never sits in the source as one token.
const GITHUB_PAT = 'ghp_' + 'Zq7Lm2Xv9Rt4Bn8Kc1Pw6Yd3Hs5Fj0Ga2QeW';

describe('unpinned packages', () => {
  it.each([
    [['-y', '@modelcontextprotocol/server-github'], 'no version'],
    [['-y', '@modelcontextprotocol/server-github@latest'], 'not an exact version'],
    [['-y', 'mcp-remote@^0.1.0', 'https://x'], 'not an exact version'],
    [['--yes', '--package', 'some-mcp@1.x', 'some-mcp'], 'not an exact version'],
    [['github:someone/mcp-server'], 'without a commit hash'],
  ])('npx %j is flagged (%s)', (args, why) => {
    const problems = unpinnedPackages(stdio('npx', args));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(why);
  });

  it.each([
    [['-y', '@modelcontextprotocol/server-filesystem@2026.8.31', '/data']],
    [['-y', 'pkg@1.2.3-beta.1']],
    [['github:someone/mcp-server#0123456789abcdef0123456789abcdef01234567']],
    [['./local/server.js']],
  ])('npx %j is pinned', (args) => {
    expect(unpinnedPackages(stdio('npx', args))).toEqual([]);
  });

  it('looks through `cmd /c npx …` (Windows configs) and npm exec / pnpm dlx / bunx', () => {
    expect(unpinnedPackages(stdio('cmd', ['/c', 'npx', '-y', 'server-x']))).toHaveLength(1);
    expect(unpinnedPackages(stdio('npm', ['exec', 'server-x@latest']))).toHaveLength(1);
    expect(unpinnedPackages(stdio('pnpm', ['dlx', 'server-x']))).toHaveLength(1);
    expect(unpinnedPackages(stdio('C:\\Program Files\\nodejs\\bunx.cmd', ['server-x@2.0.0']))).toEqual([]);
  });

  it('uvx needs ==version (or @version); --from and --with count', () => {
    expect(unpinnedPackages(stdio('uvx', ['mcp-server-fetch']))[0]).toContain('no version');
    expect(unpinnedPackages(stdio('uvx', ['mcp-server-time@latest']))[0]).toContain('not an exact version');
    expect(unpinnedPackages(stdio('uvx', ['mcp-server-fetch>=1.0']))).toHaveLength(1);
    expect(unpinnedPackages(stdio('uvx', ['mcp-server-fetch==2025.1.17']))).toEqual([]);
    expect(unpinnedPackages(stdio('uvx', ['--from', 'mcp-proxy==0.5.1', 'mcp-proxy', '--port', '1']))).toEqual([]);
    expect(unpinnedPackages(stdio('uvx', ['--python', '3.12', '--with', 'requests', 'tool==1.0']))).toHaveLength(1);
    expect(unpinnedPackages(stdio('uv', ['tool', 'run', 'x']))).toHaveLength(1);
    expect(unpinnedPackages(stdio('pipx', ['run', 'x==1.2']))).toEqual([]);
  });

  it('docker and podman images need a digest; flags with values are skipped', () => {
    const digest = 'sha256:' + 'a'.repeat(64);
    expect(unpinnedPackages(stdio('docker', ['run', '-i', '--rm', '-e', 'TOKEN', '-v', '/a:/b', 'mcp/github:latest']))[0]).toContain('mcp/github:latest');
    expect(unpinnedPackages(stdio('docker', ['run', '-i', 'ghcr.io/x/y']))).toHaveLength(1);
    expect(unpinnedPackages(stdio('docker', ['run', '-i', '--name=x', `ghcr.io/x/y@${digest}`]))).toEqual([]);
    expect(unpinnedPackages(stdio('podman', ['container', 'run', 'x:1']))).toHaveLength(1);
    expect(unpinnedPackages(stdio('docker', ['ps']))).toEqual([]);
  });

  it('local programs are not packages', () => {
    expect(unpinnedPackages(stdio('node', ['/srv/server.js']))).toEqual([]);
    expect(unpinnedPackages(stdio('/usr/local/bin/my-server'))).toEqual([]);
  });
});

describe('static credentials', () => {
  it('a known token shape in env is found, and reported masked', () => {
    const hits = staticCredentials(stdio('npx', [], { GITHUB_PERSONAL_ACCESS_TOKEN: GITHUB_PAT }));
    expect(hits).toHaveLength(1);
    expect(hits[0]!.where).toBe('env GITHUB_PERSONAL_ACCESS_TOKEN');
    expect(hits[0]!.shown).not.toContain(GITHUB_PAT.slice(4));
  });

  it('a literal under a credential-like name counts even without a known shape', () => {
    const hits = staticCredentials(stdio('x', [], { DB_PASSWORD: 'Tr0ub4dor&3-horse', LOG_LEVEL: 'debug' }));
    expect(hits.map((h) => h.where)).toEqual(['env DB_PASSWORD']);
  });

  it('references, placeholders and file paths are not credentials', () => {
    const env = {
      A_TOKEN: '${GITHUB_TOKEN}', B_TOKEN: '${env:GITHUB_TOKEN}', C_TOKEN: '${input:token}', D_API_KEY: '$OPENAI_API_KEY',
      E_API_KEY: '<your-api-key>', F_SECRET: 'your_secret_here', G_CREDENTIALS: '/home/me/.config/gcloud/key.json', H_TOKEN: '',
    };
    expect(staticCredentials(stdio('x', [], env))).toEqual([]);
    expect(staticCredentials(remote('https://mcp.example.com/mcp', { Authorization: 'Bearer ${input:tok}' }))).toEqual([]);
  });

  it('headers, URL passwords, URL parameters and arguments are checked', () => {
    expect(staticCredentials(remote('https://mcp.example.com/mcp', { Authorization: 'Bearer abcdefghijklmnop1234567890' }))[0]!.where).toBe('header Authorization');
    expect(staticCredentials(remote('https://mcp.example.com/mcp?api_key=AbC123dEf456GhI789'))[0]!.where).toBe('url parameter api_key');
    const pg = staticCredentials(stdio('npx', ['-y', '@modelcontextprotocol/server-postgres@0.6.2', 'postgresql://admin:s3cretPassw0rd@db/app']));
    expect(pg[0]).toMatchObject({ where: 'argument 3', kind: 'password in URL' });
    expect(staticCredentials(stdio('x', ['--api-key', 'AbC123dEf456GhI789xyz']))[0]!.where).toBe('argument 2');
    expect(staticCredentials(stdio('x', ['--token=AbC123dEf456GhI789xyz']))[0]!.where).toBe('argument 1');
    expect(staticCredentials(stdio('docker', ['run', '-e', `GITHUB_TOKEN=${GITHUB_PAT}`, 'img']))[0]!.where).toBe('argument 3');
    expect(staticCredentials(stdio('x', [GITHUB_PAT]))[0]!.kind).toBe('github-pat');
    expect(staticCredentials(stdio('x', ['--port', '8080', '--verbose', 'postgresql://localhost/app']))).toEqual([]);
  });
});

describe('shadow servers', () => {
  const gw = [new URL('http://127.0.0.1:8800/mcp')];

  it('portcullis stdio in its usual spellings is the gateway', () => {
    expect(launchesGateway(stdio('portcullis', ['stdio', '--config', '/etc/p.yaml']))).toBe(true);
    expect(launchesGateway(stdio('npx', ['-y', 'portcullis@0.1.0', 'stdio', '--config', 'p.yaml']))).toBe(true);
    expect(launchesGateway(stdio('node', ['/opt/node_modules/portcullis/dist/cli/main.js', 'stdio', '--config', 'p.yaml']))).toBe(true);
    expect(launchesGateway(stdio('cmd', ['/c', 'portcullis.cmd', 'stdio']))).toBe(true);
    expect(launchesGateway(stdio('npm', ['exec', 'portcullis@0.1.0', 'stdio']))).toBe(true);
  });

  it('look-alikes are not the gateway', () => {
    expect(launchesGateway(stdio('npx', ['-y', 'portcullis-evil', 'stdio']))).toBe(false);
    expect(launchesGateway(stdio('portcullis', ['serve', '--config', 'p.yaml']))).toBe(false);
    expect(launchesGateway(stdio('node', ['/tmp/portcullis.js', 'stdio']))).toBe(false);
    // "portcullis stdio" as arguments of another package must not hide it
    expect(shadowMessage(stdio('npx', ['-y', 'evil-server', 'portcullis', 'stdio']), gw)).toContain('directly');
    expect(shadowMessage(stdio('node', ['evil.js', '/opt/portcullis/dist/cli/main.js', 'stdio']), gw)).toContain('directly');
  });

  it('a URL is routed only when it is the gateway endpoint (loopback spellings are equal)', () => {
    expect(shadowMessage(remote('http://localhost:8800/mcp/'), gw)).toBeUndefined();
    expect(shadowMessage(remote('http://127.0.0.1:8800/mcp'), gw)).toBeUndefined();
    expect(shadowMessage(remote('http://127.0.0.1:8801/mcp'), gw)).toContain('directly');
    expect(shadowMessage(remote('https://mcp.example.com/mcp'), gw)).toContain('directly');
    expect(shadowMessage(remote('https://mcp.example.com/mcp'), [])).toContain('no gateway URL given');
  });
});
