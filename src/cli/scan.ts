/**
 * `portcullis scan tools FILE.json [--json] [--sarif] [--threshold X]`: scan tool definitions for
 * poisoning. The file is a `tools/list` result (or its `tools` array), or `{"servers": {NAME: {tools,
 * prompts?, resourceTemplates?}}}` so cross-server shadowing and collisions are checked too. Exit code
 * 0 when nothing is flagged or blocked, 1 when something is (a CI gate), 2 for bad input.
 * `scan clients` (MCP client configs on this machine) and `scan server` (one live server) live in
 * src/scan/cli/; they keep the same exit-code contract.
 */
import { readFile, stat } from 'node:fs/promises';
import { DEFAULT_OPTIONS, scanServers, type ScanOptions, type ServersInput } from '../detect/poisoning/index.js';
import { poisoningExitCode, renderPoisoning } from '../scan/poisoning-output.js';
import { CLIENTS_USAGE, runScanClients } from '../scan/cli/clients.js';
import { runScanServer, SERVER_USAGE } from '../scan/cli/server.js';
import { parse } from './args.js';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { scanOutputLine, PII_KINDS, type ContentThresholds, type PiiKind } from '../detect/content/index.js';

const MAX_LINE_CHARS = 16 * 1024 * 1024;

/**
 * `portcullis scan output FILE.jsonl [--json] [--threshold X] [--pii email,phone]`: one output line per
 * input line `{"id", "text"}` — `{"id", "injection": {"score", "flagged"}, "secrets": [...], "pii": [...]}`.
 * A bad line yields `{"id", "error"}` and the run goes on; progress goes to stderr every 1,000 lines.
 */
async function scanOutput(file: string, values: { threshold?: string | undefined; pii?: string | undefined }): Promise<number> {
  const thresholds: ContentThresholds = {};
  if (values.threshold !== undefined) {
    const t = Number(values.threshold);
    if (!(t > 0 && t <= 1)) {
      process.stderr.write('portcullis scan output: --threshold must be in (0, 1]\n');
      return 2;
    }
    thresholds.injection = t;
  }
  if (values.pii !== undefined) {
    const kinds = values.pii.split(',').map((k) => k.trim()).filter(Boolean);
    const unknown = kinds.filter((k) => !(PII_KINDS as readonly string[]).includes(k));
    if (unknown.length > 0) {
      process.stderr.write(`portcullis scan output: unknown PII kinds ${unknown.join(', ')} (known: ${PII_KINDS.join(', ')})\n`);
      return 2;
    }
    thresholds.piiTypes = kinds as PiiKind[];
  }
  const input = file === '-' ? process.stdin : createReadStream(file, { encoding: 'utf8' });
  const failed = new Promise<string>((resolve) => input.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error')));
  const rl = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  let flagged = 0;
  const lines = (async () => {
    for await (const line of rl) {
      n++;
      if (line.trim() === '') continue;
      let out: unknown;
      if (line.length > MAX_LINE_CHARS) out = { id: null, error: `line ${n} is longer than ${MAX_LINE_CHARS} characters` };
      else {
        try {
          out = scanOutputLine(JSON.parse(line), thresholds);
        } catch {
          out = { id: null, error: `line ${n} is not valid JSON` };
        }
      }
      if ((out as { injection?: { flagged?: boolean } }).injection?.flagged) flagged++;
      process.stdout.write(JSON.stringify(out) + '\n');
      if (n % 1000 === 0) process.stderr.write(`scanned ${n} lines\n`);
    }
    return 'done';
  })();
  const outcome = await Promise.race([lines, failed]);
  if (outcome !== 'done') {
    process.stderr.write(`portcullis scan output: cannot read ${file} (${outcome})\n`);
    return 2;
  }
  process.stderr.write(`scanned ${n} lines: ${flagged} flagged for injection\n`);
  return 0;
}

const MAX_FILE_BYTES = 64 * 1024 * 1024;

function toServers(value: unknown, file: string): ServersInput | string {
  if (Array.isArray(value)) return { servers: { [file]: { tools: value } } };
  if (typeof value === 'object' && value !== null) {
    const v = value as Record<string, unknown>;
    if (typeof v.servers === 'object' && v.servers !== null && !Array.isArray(v.servers)) return value as ServersInput;
    if (Array.isArray(v.tools)) return { servers: { [file]: { tools: v.tools, ...(Array.isArray(v.prompts) ? { prompts: v.prompts } : {}) } } };
    if (typeof v.result === 'object' && v.result !== null && Array.isArray((v.result as { tools?: unknown }).tools)) {
      return { servers: { [file]: { tools: (v.result as { tools: unknown[] }).tools } } };
    }
  }
  return 'expected a JSON array of tools, a tools/list result, or {"servers": {NAME: {"tools": [...]}}}';
}

export async function runScan(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'clients') return runScanClients(rest);
  if (sub === 'server') return runScanServer(rest);
  const { values, positionals } = parse(rest, { json: { type: 'boolean', default: false }, sarif: { type: 'boolean', default: false }, threshold: { type: 'string' }, pii: { type: 'string' } }, true);
  const file = positionals[0];
  if (sub === 'output' && file !== undefined) return scanOutput(file, values);
  if (sub !== 'tools' || file === undefined) {
    process.stderr.write(`usage: portcullis scan tools FILE.json [--json | --sarif] [--threshold 0.5]\n       portcullis scan output FILE.jsonl [--json] [--threshold X] [--pii email,phone,…]\n       ${CLIENTS_USAGE}\n       ${SERVER_USAGE}\n`);
    return 2;
  }
  let options: ScanOptions = DEFAULT_OPTIONS;
  if (values.threshold !== undefined) {
    const t = Number(values.threshold);
    if (!(t > 0 && t <= 1)) {
      process.stderr.write('portcullis scan: --threshold must be in (0, 1]\n');
      return 2;
    }
    options = { ...DEFAULT_OPTIONS, threshold: t };
  }
  let text: string;
  try {
    if ((await stat(file)).size > MAX_FILE_BYTES) {
      process.stderr.write(`portcullis scan: ${file} is larger than ${MAX_FILE_BYTES} bytes\n`);
      return 2;
    }
    text = await readFile(file, 'utf8');
  } catch (err) {
    process.stderr.write(`portcullis scan: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})\n`);
    return 2;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    process.stderr.write(`portcullis scan: ${file} is not valid JSON\n`);
    return 2;
  }
  const input = toServers(value, file);
  if (typeof input === 'string') {
    process.stderr.write(`portcullis scan: ${file}: ${input}\n`);
    return 2;
  }
  const t0 = performance.now();
  const scan = scanServers(input, options);
  const ms = performance.now() - t0;
  process.stdout.write(renderPoisoning(scan, values.sarif ? 'sarif' : values.json ? 'json' : 'table'));
  const blocked = scan.results.filter((r) => r.action === 'block').length;
  process.stderr.write(`scanned ${scan.results.length} definitions in ${ms.toFixed(1)} ms: ${scan.flagged} flagged, ${blocked} blocked by policy\n`);
  return poisoningExitCode(scan);
}
