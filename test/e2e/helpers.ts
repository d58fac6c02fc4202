// Shared plumbing for the end-to-end tests: real gateway processes (the built dist/ CLI), real
// upstream fixture servers, real SDK clients. Every process started here is registered and killed by
// PID (and process group) in `stopAll()`, which each test file calls from afterAll. Every wait is bounded.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Client as V1Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as V1StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { stringify } from 'yaml';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = join(ROOT, 'dist/cli/main.js');
export const FIXTURES = join(ROOT, 'test/fixtures');
export const fixture = (name: string): string => join(FIXTURES, name);
export const MODERN = fixture('modern-server.mjs');
export const LEGACY = fixture('legacy-server.mjs');
export const MISBEHAVING = fixture('misbehaving-server.mjs');
export const ECHO_HEADERS = fixture('echo-headers-server.mjs');
export const LOOPBACK = fixture('loopback.cjs');
export const EVERYTHING = join(ROOT, 'node_modules/@modelcontextprotocol/server-everything/dist/index.js');
export const FILESYSTEM = join(ROOT, 'node_modules/@modelcontextprotocol/server-filesystem/dist/index.js');
export const NODE = process.execPath;

export const PINNED = { versionNegotiation: { mode: { pin: '2026-07-28' } } } as const;
const LISTEN_LINE = /^listening on (http:\/\/127\.0\.0\.1:\d+\/mcp)$/m;

// ---- waiting ---------------------------------------------------------------------------------------

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms}ms: ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export async function waitFor(pred: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms}ms waiting for ${what}`);
    await sleep(25);
  }
}

// ---- processes -------------------------------------------------------------------------------------

export interface Proc {
  readonly child: ChildProcess;
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  alive(): boolean;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
}

const procs = new Set<Proc>();
/** Processes someone else spawned for us (an SDK stdio transport): killed by PID in stopAll. */
const adopted = new Set<number>();
const tmpDirs: string[] = [];
const closers: Array<() => Promise<unknown>> = [];

/** Spawn a process in its own process group with piped, captured (bounded) stdio. */
export function spawnProc(command: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Proc {
  const child = spawn(command, args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  if (child.pid === undefined) throw new Error(`cannot spawn ${command}`);
  let out = '';
  let err = '';
  const cap = 1 << 20;
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    if (out.length < cap) out += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err = (err + d).slice(-cap);
  });
  child.stdin!.on('error', () => undefined);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const proc: Proc = {
    child,
    pid: child.pid,
    stdout: () => out,
    stderr: () => err,
    alive: () => child.exitCode === null && child.signalCode === null,
    exited,
  };
  procs.add(proc);
  return proc;
}

/** Whether a PID still names a live process (signal 0 probes without signalling). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers kill(0); treat it as gone.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Live direct children of a process (Linux /proc), e.g. the stdio upstreams the gateway spawned. */
export function childPids(parent: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // A zombie has exited; it only waits for its parent to reap it.
      if (Number(ppid) === parent && state !== 'Z') out.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, signal);
    } catch {
      /* already gone */
    }
  }
}

/** SIGTERM a process and its group, then SIGKILL whatever is left after `graceMs`. */
export async function stopProc(p: Proc, graceMs = 3_000): Promise<void> {
  if (p.alive()) signalGroup(p.pid, 'SIGTERM');
  const exited = await withTimeout(p.exited, graceMs, `exit of ${p.pid}`).then(
    () => true,
    () => false,
  );
  if (exited) return;
  signalGroup(p.pid, 'SIGKILL');
  await withTimeout(p.exited, 2_000, `kill of ${p.pid}`).catch(() => undefined);
}

/** Register a PID spawned by an SDK transport so stopAll kills it if the client did not end it. */
export function adoptPid(pid: number | null | undefined): void {
  if (typeof pid === 'number') adopted.add(pid);
}

export function track<C extends { close(): Promise<unknown> }>(client: C): C {
  closers.push(() => client.close().catch(() => undefined));
  return client;
}

export async function closeClients(): Promise<void> {
  const pending = closers.splice(0);
  await withTimeout(Promise.all(pending.map((c) => c())), 10_000, 'closing clients').catch(() => undefined);
}

/** For afterAll: close clients, stop every process this file started, remove temp dirs. */
export async function stopAll(): Promise<void> {
  await closeClients();
  const all = [...procs];
  procs.clear();
  await Promise.all(all.map((p) => stopProc(p)));
  for (const pid of adopted) {
    if (!pidAlive(pid)) continue;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      /* gone */
    }
    await waitFor(() => !pidAlive(pid), 3_000, `exit of ${pid}`).catch(() => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    });
  }
  adopted.clear();
  for (const d of tmpDirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'portcullis-e2e-'));
  tmpDirs.push(d);
  return d;
}

async function waitForListening(p: Proc, what: string, ms = 15_000): Promise<string> {
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (LISTEN_LINE.test(p.stdout())) resolve();
      };
      p.child.stdout!.on('data', check);
      void p.exited.then((code) => reject(new Error(`${what} exited ${code} before listening:\n${p.stderr().slice(-2000)}`)));
      check();
    }),
    ms,
    `${what} listening line`,
  );
  return LISTEN_LINE.exec(p.stdout())![1]!;
}

/** A free TCP port on 127.0.0.1, for servers that cannot report the port they picked. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

// ---- fixtures --------------------------------------------------------------------------------------

export interface HttpServer {
  proc: Proc;
  url: string;
}

/** A fixture that takes `--port N` (0 unless given) and prints `listening on http://127.0.0.1:PORT/mcp`. */
export async function startHttpFixture(script: string, args: string[]): Promise<HttpServer> {
  const proc = spawnProc(NODE, [script, ...args, ...(args.includes('--port') ? [] : ['--port', '0'])]);
  return { proc, url: await waitForListening(proc, script) };
}

/** server-everything in streamableHttp mode, pinned to loopback by the preload. */
export async function startEverythingHttp(): Promise<HttpServer> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const proc = spawnProc(NODE, ['-r', LOOPBACK, EVERYTHING, 'streamableHttp'], { env: { ...process.env, PORT: String(port) } });
    try {
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          const check = (): void => {
            if (proc.stderr().includes(`listening on port ${port}`)) resolve();
          };
          proc.child.stderr!.on('data', check);
          void proc.exited.then((code) => reject(new Error(`server-everything exited ${code}: ${proc.stderr().slice(-500)}`)));
          check();
        }),
        15_000,
        'server-everything listening',
      );
      return { proc, url: `http://127.0.0.1:${port}/mcp` };
    } catch (err) {
      await stopProc(proc);
      if (attempt >= 2) throw err; // the free port was taken in between: try another
    }
  }
}

// ---- the gateway -----------------------------------------------------------------------------------

export interface Gateway {
  proc: Proc;
  url: string;
  dir: string;
  configPath: string;
  auditPath: string;
  /** Audit records written so far (JSONL). */
  audit(): AuditRecord[];
  /** Rewrite the config file (live reload picks it up). */
  writeConfig(config: Record<string, unknown>): void;
}

export interface AuditRecord {
  kind: string;
  direction: string;
  outcome: string;
  method?: string;
  reason?: string;
  detail?: string;
  upstream?: string;
  target?: string;
  requestId?: string | number | null;
  [k: string]: unknown;
}

/** Adds the file audit sink and a quiet log to a config, unless the test set them. */
function completeConfig(config: Record<string, unknown>, auditPath: string): Record<string, unknown> {
  // Each gateway keeps its shared state (pins, approvals, sessions) beside its config, never in the repository.
  const storage = { path: join(dirname(auditPath), 'state.db') };
  return { log: { level: 'warn' }, audit: { sink: 'file', path: auditPath }, admin: { enabled: false }, storage, ...config };
}

export function readAudit(path: string): AuditRecord[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as AuditRecord);
}

function gatewayFiles(config: Record<string, unknown>): { dir: string; configPath: string; auditPath: string; write(c: Record<string, unknown>): void } {
  const dir = tempDir();
  const configPath = join(dir, 'portcullis.yaml');
  const auditPath = join(dir, 'audit.jsonl');
  const write = (c: Record<string, unknown>): void => writeFileSync(configPath, stringify(completeConfig(c, auditPath)));
  write(config);
  return { dir, configPath, auditPath, write };
}

/** `portcullis serve --config <tmp> --port 0`, ready once it prints its listening line. */
export async function startGateway(config: Record<string, unknown>): Promise<Gateway> {
  const files = gatewayFiles(config);
  const proc = spawnProc(NODE, [CLI, 'serve', '--config', files.configPath, '--port', '0']);
  const url = await waitForListening(proc, 'portcullis serve', 30_000);
  return {
    proc,
    url,
    dir: files.dir,
    configPath: files.configPath,
    auditPath: files.auditPath,
    audit: () => readAudit(files.auditPath),
    writeConfig: files.write,
  };
}

/** A config file for `portcullis stdio` (the SDK transport spawns the process itself). */
export function stdioGatewayConfig(config: Record<string, unknown>): { configPath: string; auditPath: string } {
  const files = gatewayFiles(config);
  return { configPath: files.configPath, auditPath: files.auditPath };
}

export const stdioUpstream = (script: string, args: string[] = [], extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  stdio: { command: NODE, args: [script, ...args] },
  ...extra,
});

export const httpUpstream = (url: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  http: { url, allowLoopbackHttp: true },
  ...extra,
});

// ---- agents ----------------------------------------------------------------------------------------

/**
 * Progress values an SDK client reported for a call of `steps` steps. The SDKs dispatch notifications
 * on a microtask but settle responses at once, so progress that arrives in the same read as the result
 * is dropped by the SDK — on a loaded machine, more than the last one. The gateway sends all of it in
 * order (the raw-line tests check the exact sequence); here the SDK must see a non-empty, in-order prefix.
 */
export function expectProgress(seen: number[], steps: number): void {
  if (seen.length < 1 || seen.length > steps || seen.some((v, i) => v !== i + 1)) {
    throw new Error(`progress ${JSON.stringify(seen)} is not an in-order prefix of 1..${steps}`);
  }
}

export function textOf(result: unknown): string {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content ?? [];
  return content
    .filter((c) => c.type === 'text')
    .map((c) => c.text ?? '')
    .join('');
}

/** A v1 (2025-11-25) SDK client that answers elicitation and sampling like a patient user. */
export function v1Client(name = 'e2e-v1'): V1Client {
  const client = new V1Client({ name, version: '1.0.0' }, { capabilities: { elicitation: {}, sampling: {} } });
  client.setRequestHandler(ElicitRequestSchema, async (req) => {
    const props = Object.keys((req.params as { requestedSchema?: { properties?: object } }).requestedSchema?.properties ?? {});
    if (props.includes('confirm')) return { action: 'accept' as const, content: { confirm: true } };
    if (props.includes('answer')) return { action: 'accept' as const, content: { answer: 'forty-two' } };
    return { action: 'accept' as const, content: { name: 'Ada Lovelace' } };
  });
  client.setRequestHandler(CreateMessageRequestSchema, async () => ({
    role: 'assistant' as const,
    model: 'fake-model',
    content: { type: 'text' as const, text: 'sampled text' },
  }));
  return track(client);
}

export async function connectV1(url: string, opts: { headers?: Record<string, string>; name?: string } = {}): Promise<{ client: V1Client; transport: V1StreamableHTTPClientTransport }> {
  const client = v1Client(opts.name);
  const transport = new V1StreamableHTTPClientTransport(new URL(url), opts.headers ? { requestInit: { headers: opts.headers } } : undefined);
  await client.connect(transport, { timeout: 15_000 });
  return { client, transport };
}

/** A v2 client pinned to 2026-07-28 that answers elicitation (form) and sampling. */
export function v2Client(): Client {
  const client = new Client({ name: 'e2e-v2', version: '1.0.0' }, { ...PINNED, capabilities: { elicitation: { form: {} }, sampling: {} } });
  client.setRequestHandler('elicitation/create', async (req) => {
    const props = Object.keys((req.params as { requestedSchema?: { properties?: object } }).requestedSchema?.properties ?? {});
    const content: Record<string, string | boolean> = props.includes('confirm') ? { confirm: true } : { answer: 'forty-two' };
    return { action: 'accept' as const, content };
  });
  client.setRequestHandler('sampling/createMessage', async () => ({
    role: 'assistant' as const,
    model: 'fake-model',
    content: { type: 'text' as const, text: 'sampled text' },
  }));
  return track(client);
}

export async function connectV2(url: string): Promise<Client> {
  const client = v2Client();
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return client;
}

// ---- raw HTTP --------------------------------------------------------------------------------------

export interface RawReply {
  status: number;
  headers: Headers;
  text: string;
  /** The JSON-RPC message: the JSON body, or the last SSE data event. */
  json: { jsonrpc?: string; id?: unknown; result?: Record<string, unknown>; error?: { code: number; message: string; data?: Record<string, unknown> } } | undefined;
}

export const LEGACY_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' } as const;

/** POST one body (string or JSON) with the given headers; parses JSON or SSE replies. */
export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<RawReply> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { ...LEGACY_HEADERS, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  return reply(res);
}

export async function reply(res: Response): Promise<RawReply> {
  const text = await res.text();
  let json: RawReply['json'];
  try {
    if ((res.headers.get('content-type') ?? '').includes('text/event-stream')) {
      const data = text
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).trim())
        .filter((d) => d !== '');
      json = data.length > 0 ? JSON.parse(data[data.length - 1]!) : undefined;
    } else if (text !== '') {
      json = JSON.parse(text);
    }
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** initialize + notifications/initialized over raw HTTP; returns the session id. */
export async function rawSession(url: string): Promise<string> {
  const init = await post(url, {
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
  });
  const sid = init.headers.get('mcp-session-id');
  if (init.status !== 200 || !sid) throw new Error(`initialize failed: ${init.status} ${init.text}`);
  await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' });
  return sid;
}

export function sessionHeaders(sid: string): Record<string, string> {
  return { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' };
}
