/**
 * `portcullis wrap (--path FILE | --client NAME) --config GATEWAY.yaml [--command "CMD ARGS"] [--dry-run] [--yes]`
 * moves a client's servers behind the gateway; `portcullis unwrap (--path FILE | --client NAME)
 * [--force] [--dry-run] [--yes]` puts the client config back, byte for byte, from the backup wrap made.
 * Exit 0 done (or nothing to do), 1 refused (already wrapped, changed since wrapping, altered backup),
 * 2 usage errors and unusable files.
 */
import { readFileSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import path from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { parse, UsageError } from './args.js';
import { confirm } from '../scan/confirm.js';
import { gatewayEndpointFromConfig } from '../scan/gateway-url.js';
import { MAX_CONFIG_BYTES } from '../scan/clients/read.js';
import { planWrap, type WrapPlan } from '../scan/wrap/plan.js';
import { readIfExists, replaceFile, sha256, timestamp, writeBackup } from '../scan/wrap/files.js';
import { readRecord, recordPath, type WrapRecord } from '../scan/wrap/record.js';
import { resolveClientTarget } from '../scan/wrap/target.js';

const WRAP_USAGE = 'usage: portcullis wrap (--path FILE | --client NAME) --config GATEWAY.yaml [--command "CMD ARGS"] [--dry-run] [--yes]';
const UNWRAP_USAGE = 'usage: portcullis unwrap (--path FILE | --client NAME) [--force] [--dry-run] [--yes]';

const out = (s: string) => process.stdout.write(s);
const err = (s: string) => process.stderr.write(s);

function fail(command: string, message: string, code: number, usage?: string): number {
  err(`portcullis ${command}: ${message}\n${usage ? `${usage}\n` : ''}`);
  return code;
}

/** `npx -y portcullis@<this version>`: pinned, as `scan clients` would demand of any other package. */
function defaultLauncher(): string[] {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { name?: unknown; version?: unknown };
    if (typeof pkg.name === 'string' && typeof pkg.version === 'string') return ['npx', '-y', `${pkg.name}@${pkg.version}`];
  } catch {
    /* fall through */
  }
  return ['portcullis'];
}

function patch(file: string, before: string, after: string): string {
  return before === after ? '' : createTwoFilesPatch(file, file, before, after, 'before', 'after');
}

function describePlan(plan: WrapPlan, gatewayPath: string): string {
  const lines = plan.moved.map((m) => `  ${m.client} → upstream "${m.upstream}" in ${gatewayPath}`);
  for (const k of plan.kept) lines.push(`  ${k.name} stays in the client: ${k.reason}`);
  return lines.join('\n') + '\n';
}

const NEXT_STEPS = `next steps:
  - the gateway denies by default: grant the tools each agent needs under policy.allow or policy.roles
  - pin npx-launched upstreams (stdio.package: {npm, integrity}) and check with portcullis validate
  - restart the client so it launches the gateway
`;

async function readBounded(file: string): Promise<Buffer | string | undefined> {
  let buf: Buffer | undefined;
  try {
    buf = await readIfExists(file);
  } catch (e) {
    return `cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  if (buf !== undefined && buf.length > MAX_CONFIG_BYTES) return `${file} is larger than ${MAX_CONFIG_BYTES} bytes`;
  return buf;
}

const decode = (b: Buffer): string => b.toString('utf8');

export async function runWrap(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parse(args, {
      path: { type: 'string' },
      client: { type: 'string' },
      project: { type: 'string' },
      config: { type: 'string' },
      command: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      yes: { type: 'boolean', default: false },
    }));
  } catch (e) {
    if (e instanceof UsageError) return fail('wrap', e.message, 2, WRAP_USAGE);
    throw e;
  }
  if (values.config === undefined) return fail('wrap', '--config GATEWAY.yaml is required (the gateway config the servers move into)', 2, WRAP_USAGE);
  const target = await resolveClientTarget({ path: values.path, client: values.client, projectDir: values.project ?? process.cwd(), env: process.env, platform: process.platform, mode: 'wrap' });
  if (typeof target === 'string') return fail('wrap', target, 2, WRAP_USAGE);
  const existing = await readRecord(target.path);
  if (existing !== 'missing') {
    const when = typeof existing === 'string' ? '' : ` on ${existing.createdAt}`;
    return fail('wrap', `${target.path} was already wrapped${when} (${recordPath(target.path)}); run portcullis unwrap first`, 1);
  }
  const clientBuf = await readBounded(target.path);
  if (typeof clientBuf === 'string') return fail('wrap', clientBuf, 2);
  if (clientBuf === undefined) return fail('wrap', `${target.path}: no such file`, 2);
  const gatewayPath = path.resolve(values.config);
  const gatewayBuf = await readBounded(gatewayPath);
  if (typeof gatewayBuf === 'string') return fail('wrap', gatewayBuf, 2);
  let gatewayUrl: URL | undefined;
  if (gatewayBuf !== undefined) {
    const u = await gatewayEndpointFromConfig(gatewayPath);
    if (typeof u === 'string') return fail('wrap', u, 2);
    gatewayUrl = u;
  }
  const launcher = values.command !== undefined ? values.command.trim().split(/\s+/).filter(Boolean) : defaultLauncher();
  if (launcher.length === 0) return fail('wrap', '--command is empty', 2, WRAP_USAGE);
  const clientText = decode(clientBuf);
  const planned = planWrap({ clientPath: target.path, clientText, family: target.family, gatewayPath, gatewayText: gatewayBuf ? decode(gatewayBuf) : undefined, launcher, gatewayUrl });
  if (!planned.ok) return fail('wrap', planned.error, 2);
  const plan = planned.plan;
  if (plan.moved.length === 0) {
    out(`nothing to wrap in ${target.path}: no server there runs outside the gateway that wrap can move\n${plan.kept.length > 0 ? describePlan(plan, gatewayPath) : ''}`);
    return 0;
  }
  const diffs = patch(target.path, clientText, plan.clientText) + patch(gatewayPath, gatewayBuf ? decode(gatewayBuf) : '', plan.gatewayText);
  if (values['dry-run']) {
    out(diffs);
    err(`dry run: nothing written. ${plan.moved.length} server(s) would move behind the gateway:\n${describePlan(plan, gatewayPath)}`);
    return 0;
  }
  if (!values.yes && process.stdin.isTTY && process.stderr.isTTY) err(diffs);
  const consent = await confirm(`Rewrite ${target.path} and ${gatewayPath} as shown?`, values.yes);
  if (consent !== 'yes') {
    return fail('wrap', consent === 'no' ? 'nothing written' : 'refusing to rewrite files without confirmation; pass --yes (or --dry-run to see the diff)', 2);
  }
  const stamp = timestamp();
  const clientBackup = `${target.path}.portcullis-backup-${stamp}`;
  const gatewayBackup = gatewayBuf ? `${gatewayPath}.portcullis-backup-${stamp}` : null;
  await writeBackup(clientBackup, clientBuf);
  if (gatewayBackup && gatewayBuf) await writeBackup(gatewayBackup, gatewayBuf);
  await replaceFile(gatewayPath, plan.gatewayText);
  try {
    await replaceFile(target.path, plan.clientText);
  } catch (e) {
    // Leave both files as they were: the gateway config goes back to its backup.
    if (gatewayBuf) await replaceFile(gatewayPath, gatewayBuf);
    else await unlink(gatewayPath).catch(() => undefined);
    return fail('wrap', `cannot write ${target.path} (${(e as NodeJS.ErrnoException).code ?? 'error'}); nothing changed`, 2);
  }
  const record: WrapRecord = {
    version: 1,
    createdAt: new Date().toISOString(),
    client: { path: target.path, backup: clientBackup, sha256Before: sha256(clientBuf), sha256After: sha256(plan.clientText) },
    gateway: { path: gatewayPath, backup: gatewayBackup, sha256Before: gatewayBuf ? sha256(gatewayBuf) : null, sha256After: sha256(plan.gatewayText), added: plan.moved.map((m) => m.upstream) },
  };
  await replaceFile(recordPath(target.path), JSON.stringify(record, null, 2) + '\n');
  out(`wrapped ${target.path}: the client now launches the gateway as "${plan.entryName ?? 'portcullis'}"\n${describePlan(plan, gatewayPath)}backup: ${clientBackup}${gatewayBackup ? `, ${gatewayBackup}` : ''}\n${NEXT_STEPS}`);
  return 0;
}

export async function runUnwrap(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parse(args, {
      path: { type: 'string' },
      client: { type: 'string' },
      project: { type: 'string' },
      force: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      yes: { type: 'boolean', default: false },
    }));
  } catch (e) {
    if (e instanceof UsageError) return fail('unwrap', e.message, 2, UNWRAP_USAGE);
    throw e;
  }
  const target = await resolveClientTarget({ path: values.path, client: values.client, projectDir: values.project ?? process.cwd(), env: process.env, platform: process.platform, mode: 'unwrap' });
  if (typeof target === 'string') return fail('unwrap', target, 2, UNWRAP_USAGE);
  const record = await readRecord(target.path);
  if (record === 'missing') return fail('unwrap', `${target.path} has no wrap record (${recordPath(target.path)}): nothing to unwrap`, 1);
  if (typeof record === 'string') return fail('unwrap', record, 2);
  const backup = await readBounded(record.client.backup);
  if (typeof backup === 'string' || backup === undefined) return fail('unwrap', `the backup ${record.client.backup} is missing or unreadable`, 1);
  if (sha256(backup) !== record.client.sha256Before) return fail('unwrap', `the backup ${record.client.backup} was altered since wrapping; not restoring it`, 1);
  const current = await readBounded(target.path);
  if (typeof current === 'string') return fail('unwrap', current, 2);
  const changed = current === undefined || sha256(current) !== record.client.sha256After;
  if (changed && !values.force) {
    return fail('unwrap', `${target.path} changed since it was wrapped on ${record.createdAt}; unwrapping would discard those changes. Re-run with --force to restore the backup anyway (the current file is kept beside it)`, 1);
  }
  const gwCurrent = await readBounded(record.gateway.path);
  const gwBackup = record.gateway.backup ? await readBounded(record.gateway.backup) : undefined;
  const gwUnchanged = Buffer.isBuffer(gwCurrent) && sha256(gwCurrent) === record.gateway.sha256After;
  const gwRestorable = gwUnchanged && (record.gateway.backup === null || (Buffer.isBuffer(gwBackup) && sha256(gwBackup) === record.gateway.sha256Before));
  if (values['dry-run']) {
    out(patch(target.path, current ? decode(current) : '', decode(backup)));
    if (gwRestorable && Buffer.isBuffer(gwCurrent)) out(patch(record.gateway.path, decode(gwCurrent), Buffer.isBuffer(gwBackup) ? decode(gwBackup) : ''));
    err('dry run: nothing written\n');
    return 0;
  }
  const consent = await confirm(`Restore ${target.path} from ${record.client.backup}?`, values.yes);
  if (consent !== 'yes') return fail('unwrap', consent === 'no' ? 'nothing written' : 'refusing to rewrite files without confirmation; pass --yes', 2);
  if (changed && current !== undefined) await writeBackup(`${target.path}.portcullis-unwrap-${timestamp()}`, current);
  await replaceFile(target.path, backup);
  let gatewayNote: string;
  if (gwRestorable) {
    if (Buffer.isBuffer(gwBackup)) await replaceFile(record.gateway.path, gwBackup);
    else await unlink(record.gateway.path).catch(() => undefined);
    gatewayNote = `${record.gateway.path} restored too`;
  } else {
    // Someone edited the gateway config since (policy grants for the moved servers, most likely):
    // removing upstreams could leave rules that name them, so it is left for a person to tidy.
    const why = gwUnchanged ? 'its backup is missing or was altered' : 'it changed since wrapping';
    gatewayNote = `${record.gateway.path} was left as is (${why}); upstreams ${record.gateway.added.join(', ')} no longer serve this client`;
  }
  await unlink(recordPath(target.path)).catch(() => undefined);
  await unlink(record.client.backup).catch(() => undefined);
  if (gwRestorable && record.gateway.backup) await unlink(record.gateway.backup).catch(() => undefined);
  out(`unwrapped ${target.path}: restored from the backup of ${record.createdAt}; ${gatewayNote}\n`);
  return 0;
}
