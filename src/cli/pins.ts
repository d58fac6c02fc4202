/** `portcullis pins list|diff|approve|reject --config FILE …`: review and decide tool-definition pins. */
import { userInfo } from 'node:os';
import { createTwoFilesPatch } from 'diff';
import { PinStore, type PinRow, type PinStatus } from '../pins/store.js';
import { parse } from './args.js';
import { withStorage } from './storage.js';

const USAGE = `usage:
  portcullis pins list    --config FILE [--upstream U] [--tool T] [--status S] [--json]
  portcullis pins diff    --config FILE [--upstream U] [--tool T]          what changed, against the trusted version
  portcullis pins approve --config FILE (--upstream U [--tool T] [--hash H] | --all) [--as NAME] [--reason TEXT]
  portcullis pins reject  --config FILE (--upstream U [--tool T] [--hash H] | --all) [--as NAME] [--reason TEXT]
Approve and reject act on versions awaiting a decision (pending, blocked, removed). Running gateways
pick a decision up within pins.pollMs and tell their agents to re-list.
`;

const STATUSES: readonly PinStatus[] = ['trusted', 'pending', 'blocked', 'rejected', 'removed', 'superseded'];

export async function runPins(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values } = parse(rest, {
    config: { type: 'string', short: 'c' }, upstream: { type: 'string' }, tool: { type: 'string' }, hash: { type: 'string' }, status: { type: 'string' },
    as: { type: 'string' }, reason: { type: 'string' }, all: { type: 'boolean', default: false }, json: { type: 'boolean', default: false },
  });
  if (!sub || !['list', 'diff', 'approve', 'reject'].includes(sub) || !values.config) {
    process.stderr.write(USAGE);
    return 2;
  }
  if (values.status !== undefined && !STATUSES.includes(values.status as PinStatus)) {
    process.stderr.write(`portcullis pins: --status is one of ${STATUSES.join(', ')}\n`);
    return 2;
  }
  if ((sub === 'approve' || sub === 'reject') && values.upstream === undefined && !values.all) {
    process.stderr.write('portcullis pins: name what to decide with --upstream (and --tool, --hash), or say --all\n');
    return 2;
  }
  return withStorage('pins', values.config, async (db) => {
    const store = await PinStore.open(db);
    const filter = { upstream: values.upstream, name: values.tool };
    if (sub === 'list') {
      const rows = await store.list({ ...filter, status: values.status as PinStatus | undefined });
      process.stdout.write(values.json ? rows.map((r) => JSON.stringify(publicRow(r))).join('\n') + (rows.length ? '\n' : '') : table(rows));
      return 0;
    }
    if (sub === 'diff') {
      const rows = await store.list(filter);
      const waiting = rows.filter((r) => r.status === 'pending' || r.status === 'blocked' || r.status === 'removed');
      if (waiting.length === 0) {
        process.stdout.write('nothing awaits a decision\n');
        return 0;
      }
      for (const r of waiting) process.stdout.write(describeChange(r, rows) + '\n');
      return 0;
    }
    const by = values.as ?? process.env.USER ?? userInfo().username;
    const decided = await store.decide({ ...filter, hash: values.hash }, sub === 'approve' ? 'approve' : 'reject', by, values.reason, new Date().toISOString());
    if (decided.length === 0) {
      process.stderr.write('portcullis pins: nothing matching awaits a decision\n');
      return 1;
    }
    for (const r of decided) process.stdout.write(`${sub === 'approve' ? 'approved' : 'rejected'}: ${label(r)} → ${r.status}\n`);
    return 0;
  });
}

function label(r: PinRow): string {
  return `${r.upstream} ${r.kind} ${r.name || '(instructions)'} ${r.hash.slice(0, 12)}`;
}

function publicRow(r: PinRow): Record<string, unknown> {
  return { upstream: r.upstream, kind: r.kind, name: r.name, hash: r.hash, status: r.status, firstSeen: r.firstSeen, decidedAt: r.decidedAt, decidedBy: r.decidedBy, reason: r.reason, findings: safeJson(r.findings) };
}

function table(rows: PinRow[]): string {
  if (rows.length === 0) return 'no pins yet: they are recorded when a gateway first lists an upstream\n';
  const head = ['UPSTREAM', 'KIND', 'NAME', 'STATUS', 'HASH', 'FIRST SEEN', 'DECIDED BY'];
  const body = rows.map((r) => [r.upstream, r.kind, r.name || '(instructions)', r.status, r.hash.slice(0, 12), r.firstSeen.slice(0, 19), r.decidedBy ?? '']);
  const widths = head.map((h, i) => Math.min(48, Math.max(h.length, ...body.map((b) => b[i]!.length))));
  const line = (cells: string[]) => cells.map((c, i) => c.slice(0, widths[i]).padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), ...body.map(line)].join('\n') + '\n';
}

/** A readable account of one version awaiting a decision: a unified diff against the trusted version, and the scan's findings. */
function describeChange(r: PinRow, all: PinRow[]): string {
  const same = all.filter((o) => o.upstream === r.upstream && o.kind === r.kind && o.name === r.name && o.hash !== r.hash);
  const base = same.find((o) => o.status === 'trusted') ?? same.filter((o) => o.status === 'superseded').sort((a, b) => (b.decidedAt ?? '').localeCompare(a.decidedAt ?? ''))[0];
  const out: string[] = [`== ${label(r)} (${r.status}${r.status === 'removed' ? ': the upstream no longer offers it' : base ? ': changed' : ': new'})`];
  if (r.status !== 'removed') {
    const before = base ? pretty(base.definition) : '';
    const patch = createTwoFilesPatch(base ? `trusted ${base.hash.slice(0, 12)}` : '(none)', `${r.status} ${r.hash.slice(0, 12)}`, before, pretty(r.definition), undefined, undefined, { context: 3 });
    out.push(patch.split('\n').slice(1).join('\n').trimEnd());
  }
  const findings = safeJson(r.findings);
  if (Array.isArray(findings) && findings.length > 0) {
    out.push('findings:');
    for (const f of findings as Array<{ ruleId: string; severity: string; path: string; explanation: string; evidence: string }>) {
      out.push(`  ${f.severity.padEnd(8)} ${f.ruleId}  ${f.path || '/'}  ${f.explanation}${f.evidence ? `  «${f.evidence}»` : ''}`);
    }
  }
  return out.join('\n');
}

/** Pretty JSON with long strings wrapped at sentence ends, so a changed description diffs line by line. */
function pretty(canonicalJson: string): string {
  const v = safeJson(canonicalJson);
  return JSON.stringify(v, null, 2)
    .split('\n')
    .flatMap((l) => (l.length > 120 ? l.replace(/([.!?]) (?=\S)/g, '$1\n      ').split('\n') : [l]))
    .join('\n') + '\n';
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}
