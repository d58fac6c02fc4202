/**
 * `portcullis scan server [--yes] [--timeout MS] [--env NAME]… [--json | --sarif] -- COMMAND ARGS…`
 * or `--url URL [--header "Name: value"]…`: list one server's definitions and scan them for poisoning.
 * Running a command needs consent (`--yes`, or y on a terminal); connecting to a URL runs nothing.
 * Exit 0 clean, 1 flagged, 2 usage error or a server that could not be listed (time-out, crash).
 */
import { parse, UsageError } from '../../cli/args.js';
import { DEFAULT_OPTIONS, resolveOptions, scanServers } from '../../detect/poisoning/index.js';
import { confirm } from '../confirm.js';
import { poisoningExitCode, renderPoisoning } from '../poisoning-output.js';
import { listingForScan, listServer, urlProblem, type ServerTarget } from '../server.js';

export const SERVER_USAGE = 'portcullis scan server [--yes] [--timeout MS] [--env NAME]… [--json | --sarif] [--threshold X] (-- COMMAND ARGS… | --url URL [--header "Name: value"]…)';

const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_TIMEOUT_MS = 10 * 60_000;

function usage(message: string): number {
  process.stderr.write(`portcullis scan server: ${message}\nusage: ${SERVER_USAGE}\n`);
  return 2;
}

function headersFrom(list: readonly string[]): Record<string, string> | string {
  const out: Record<string, string> = {};
  for (const h of list) {
    const i = h.indexOf(':');
    if (i <= 0) return `--header "${h.slice(0, 40)}" is not "Name: value"`;
    out[h.slice(0, i).trim()] = h.slice(i + 1).trim();
  }
  return out;
}

/** `--env NAME` passes NAME from this environment; `--env NAME=value` sets it. Nothing else is inherited. */
function envFrom(list: readonly string[]): Record<string, string> | string {
  const out: Record<string, string> = {};
  for (const e of list) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/s.exec(e);
    if (!m) return `--env ${e.slice(0, 40)}: expected NAME or NAME=value`;
    const value = m[2] ?? process.env[m[1]!];
    if (value === undefined) return `--env ${m[1]}: not set in this environment`;
    out[m[1]!] = value;
  }
  return out;
}

export async function runScanServer(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parse(
      args,
      {
        yes: { type: 'boolean', default: false },
        timeout: { type: 'string' },
        url: { type: 'string' },
        header: { type: 'string', multiple: true },
        env: { type: 'string', multiple: true },
        json: { type: 'boolean', default: false },
        sarif: { type: 'boolean', default: false },
        threshold: { type: 'string' },
      },
      true,
    );
  } catch (err) {
    if (err instanceof UsageError) return usage(`${err.message} (put the server's command after "--")`);
    throw err;
  }
  const { values, positionals } = parsed;
  if (values.json && values.sarif) return usage('--json and --sarif exclude each other');
  const timeoutMs = values.timeout === undefined ? DEFAULT_TIMEOUT_MS : Number(values.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > MAX_TIMEOUT_MS) return usage(`--timeout must be a whole number of milliseconds between 100 and ${MAX_TIMEOUT_MS}`);
  let options = DEFAULT_OPTIONS;
  if (values.threshold !== undefined) {
    const t = Number(values.threshold);
    if (!(t > 0 && t <= 1)) return usage('--threshold must be in (0, 1]');
    options = resolveOptions({ threshold: t });
  }
  let target: ServerTarget;
  if (values.url !== undefined) {
    if (positionals.length > 0) return usage('give either --url or a command after "--", not both');
    const problem = urlProblem(values.url);
    if (problem) return usage(problem);
    const headers = headersFrom(values.header ?? []);
    if (typeof headers === 'string') return usage(headers);
    target = { kind: 'http', url: values.url, headers };
  } else {
    const [command, ...rest] = positionals;
    if (command === undefined) return usage('nothing to scan: give a command after "--" or --url URL');
    const env = envFrom(values.env ?? []);
    if (typeof env === 'string') return usage(env);
    const shown = [command, ...rest].map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ');
    const consent = await confirm(`This runs \`${shown.slice(0, 300)}\` on this machine to list its tools. Continue?`, values.yes);
    if (consent === 'not-interactive') {
      process.stderr.write('portcullis scan server: refusing to run a command without confirmation; pass --yes to run it non-interactively\n');
      return 2;
    }
    if (consent === 'no') {
      process.stderr.write('portcullis scan server: not run\n');
      return 2;
    }
    target = { kind: 'stdio', command, args: rest, env };
  }
  const outcome = await listServer(target, timeoutMs);
  if (!outcome.ok) {
    process.stderr.write(`portcullis scan server: ${outcome.message}\n`);
    if (outcome.stderr) process.stderr.write(`its stderr ended with:\n${outcome.stderr.slice(-1024)}\n`);
    return 2;
  }
  const name = typeof outcome.server.serverInfo.name === 'string' && outcome.server.serverInfo.name !== '' ? outcome.server.serverInfo.name.slice(0, 64) : 'server';
  const scan = scanServers({ servers: { [name]: listingForScan(outcome.catalog) } }, options);
  process.stdout.write(renderPoisoning(scan, values.sarif ? 'sarif' : values.json ? 'json' : 'table'));
  const c = outcome.catalog;
  process.stderr.write(
    `${name} (${outcome.server.era}, ${outcome.server.protocolVersion}): ${c.tools.length} tools, ${c.prompts.length} prompts, ${c.resources.length} resources, ${c.resourceTemplates.length} resource templates; ${scan.flagged} flagged\n`,
  );
  return poisoningExitCode(scan);
}
