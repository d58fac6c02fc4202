/**
 * Shadow servers: anything a client launches or reaches that does not go through the gateway. A
 * server is routed when it launches `portcullis stdio` (directly, through npx, or as node + our
 * main.js), or when its URL is one of the gateway's own (from `--gateway URL` or the gateway config).
 */
import { fileURLToPath } from 'node:url';
import type { ServerEntry } from '../types.js';
import { baseName, effectiveCommand } from './command.js';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1', '0.0.0.0', '[::]']);
const OUR_MAIN = /(^|[\\/])portcullis[\\/]dist[\\/]cli[\\/]main\.js$/i;

/** This installation's own entry point (what `wrap --command node …` writes), wherever it is checked out. */
export const OWN_MAIN = fileURLToPath(new URL('../../../cli/main.js', import.meta.url));

/** `portcullis`, `portcullis@1.2.3`, `/usr/local/bin/portcullis`, `…/portcullis/dist/cli/main.js`, this main.js. */
function isOurProgram(token: string): boolean {
  if (OUR_MAIN.test(token) || token === OWN_MAIN) return true;
  return /^portcullis(@[^/\\]+)?$/.test(baseName(token));
}

const RUNTIMES = new Set(['node', 'bun', 'deno']);
const RUNNERS = new Set(['npx', 'bunx']);
const EXEC_VERBS: Record<string, readonly string[]> = { npm: ['exec', 'x'], pnpm: ['dlx', 'exec'], yarn: ['dlx'], bun: ['x'] };

/** The first argument that is not a flag (flags of npx and node take no separate values here). */
function firstPositional(args: readonly string[]): number {
  return args.findIndex((a) => !a.startsWith('-'));
}

/**
 * The gateway only when portcullis is the program that runs: `portcullis stdio`, `node …/main.js stdio`,
 * or `npx [-y] portcullis[@v] stdio`. "portcullis stdio" anywhere else in the arguments (for example
 * after another package) proves nothing and does not count.
 */
export function launchesGateway(entry: ServerEntry): boolean {
  if (entry.transport !== 'stdio' || entry.command === undefined) return false;
  const { program, args } = effectiveCommand(entry.command, entry.args);
  const name = baseName(program);
  if (isOurProgram(program)) return args[0] === 'stdio';
  let rest: readonly string[] | undefined;
  if (RUNTIMES.has(name) || RUNNERS.has(name)) rest = args;
  else if (EXEC_VERBS[name]?.includes(args[0] ?? '')) rest = args.slice(1);
  if (rest === undefined) return false;
  const i = firstPositional(rest);
  return i !== -1 && isOurProgram(rest[i]!) && rest[i + 1] === 'stdio';
}

function normalize(u: URL): string {
  const host = LOOPBACK_HOSTS.has(u.hostname.toLowerCase()) ? 'loopback' : u.hostname.toLowerCase();
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  return `${u.protocol}//${host}:${port}${u.pathname.replace(/\/+$/, '')}`;
}

export function sameEndpoint(a: string, b: URL): boolean {
  let u: URL;
  try {
    u = new URL(a);
  } catch {
    return false;
  }
  return normalize(u) === normalize(b);
}

export function reachesGateway(entry: ServerEntry, gateways: readonly URL[]): boolean {
  return entry.url !== undefined && gateways.some((g) => sameEndpoint(entry.url!, g));
}

export function shadowMessage(entry: ServerEntry, gateways: readonly URL[]): string | undefined {
  if (launchesGateway(entry) || reachesGateway(entry, gateways)) return undefined;
  if (entry.transport === 'http') {
    return gateways.length === 0
      ? 'connects to a remote server directly (no gateway URL given: pass --gateway URL or --config)'
      : 'connects to a remote server directly, not through the gateway';
  }
  return `launches ${baseName(effectiveCommand(entry.command ?? '', entry.args).program) || 'a program'} directly, not through \`portcullis stdio\``;
}
