/**
 * `portcullis audit verify|search|export|keygen`. The trail and key come from the config's `audit:`
 * section, or from --db / --key (which win, and which work before the schema knows those keys).
 */
import { writeFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { formatProblems, loadConfigFile } from '../config/load.js';
import { parse, UsageError } from './args.js';
import { AuditKeyError, generateKeyPem, keyId, loadPublicKey } from '../audit/keys.js';
import { openTrailReader, trailKindOf, type TrailKind } from '../audit/trail.js';
import { AuditTrailError, isMalformed, type TrailReader } from '../audit/store.js';
import { verify } from '../audit/verify.js';
import { csvHeader, csvRow, parseDecision, parseSince, search, tableHeader, tableRow, type SearchFilter } from '../audit/search.js';
import { checkpointLine, cutLine, recordLine } from '../audit/jsonl.js';

const USAGE = `usage:
  portcullis audit verify  (--config FILE | --db PATH) [--key KEY]... [--anchor SEQ:HASH]
  portcullis audit search  (--config FILE | --db PATH) [--principal S] [--tool T] [--since TIME] [--decision deny] [--limit N] [--json]
  portcullis audit export  (--config FILE | --db PATH) --format jsonl|csv
  portcullis audit keygen  [--out FILE]
KEY is PEM, base64 or a file path (public or private; only the public half is used).
`;

export interface Io {
  out(s: string): void;
  err(s: string): void;
}
const STDIO: Io = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

const OPTIONS = {
  config: { type: 'string' }, db: { type: 'string' }, key: { type: 'string', multiple: true }, anchor: { type: 'string' },
  principal: { type: 'string' }, tool: { type: 'string' }, since: { type: 'string' }, decision: { type: 'string' },
  limit: { type: 'string' }, json: { type: 'boolean' }, format: { type: 'string' }, out: { type: 'string' },
} as const;
type Values = ReturnType<typeof parse<typeof OPTIONS>>['values'];

interface Trail {
  path: string;
  kind: TrailKind;
  keys: KeyObject[];
}

/** The config's audit section, read structurally: these keys arrive with the schema integration. */
async function trailOf(v: Values): Promise<Trail> {
  let path = v.db;
  let kind: TrailKind | undefined;
  const specs = [...(v.key ?? [])];
  if (v.config !== undefined) {
    const r = await loadConfigFile(v.config);
    if (!r.ok) throw new UsageError(`${v.config} is not valid (pass --db and --key to read the trail without it):\n${formatProblems(r.problems)}`);
    const a = r.config.audit as unknown as { path?: string; sink?: string; checkpoint?: false | { key?: string; publicKey?: string; previousPublicKeys?: string[] } };
    path ??= a.path;
    if (a.sink === 'jsonl' || a.sink === 'sqlite') kind = a.sink;
    const cp = a.checkpoint;
    if (specs.length === 0 && cp) specs.push(...[cp.publicKey ?? cp.key, ...(cp.previousPublicKeys ?? [])].filter((k): k is string => typeof k === 'string'));
  }
  if (path === undefined) throw new UsageError('no trail: pass --config FILE with audit.path, or --db PATH');
  return { path, kind: kind ?? trailKindOf(path), keys: specs.map((s, i) => loadPublicKey(s, `key ${i + 1}`)) };
}

function cmdVerify(reader: TrailReader, t: Trail, v: Values, io: Io): number {
  let anchor: { seq: number; hash: string } | undefined;
  if (v.anchor !== undefined) {
    const m = /^(\d+):([0-9a-f]{64})$/.exec(v.anchor);
    if (!m) throw new UsageError('--anchor is SEQ:HASH (the seq and hex hash of a checkpoint kept outside the store)');
    anchor = { seq: Number(m[1]), hash: m[2]! };
  }
  const t0 = performance.now();
  const r = verify(reader, { publicKeys: t.keys, ...(anchor ? { anchor } : {}) });
  const ms = Math.round(performance.now() - t0);
  if (!r.ok && r.bad) {
    io.out(`TAMPERED: record ${r.bad.seq} (${r.bad.kind}): ${r.bad.reason}\n`);
    return 1;
  }
  if (r.checkpoints > 0 && t.keys.length === 0) {
    io.out(`NOT VERIFIED: the trail holds ${r.checkpoints} signed checkpoints but no public key was given (--key or audit.checkpoint.publicKey)\n`);
    return 1;
  }
  const signed = r.lastCheckpointSeq === undefined ? 'no checkpoints' : `${r.checkpoints} checkpoints ${t.keys.length ? `verified (key ${t.keys.map(keyId).join(', ')})` : ''}, last at seq ${r.lastCheckpointSeq}`;
  io.out(`intact: records ${r.fromSeq}..${r.lastSeq} (${r.records})${r.cut ? `, cut below seq ${r.cut.fromSeq}` : ''}; ${signed}; ${r.unsignedTail} newer records chained but not yet signed (${ms} ms)\n`);
  return 0;
}

function searchFilter(v: Values): SearchFilter {
  const decision = v.decision === undefined ? undefined : parseDecision(v.decision);
  if (v.decision !== undefined && !decision) throw new UsageError(`--decision: one of allow, deny, failed, invalid, delivered`);
  const since = v.since === undefined ? undefined : parseSince(v.since);
  if (v.since !== undefined && !since) throw new UsageError(`--since: an ISO time or a span such as 15m, 2h, 7d`);
  const limit = v.limit === undefined ? 1000 : Number(v.limit);
  if (!Number.isSafeInteger(limit) || limit < 1) throw new UsageError('--limit: a positive integer');
  return { limit, ...(v.principal ? { principal: v.principal } : {}), ...(v.tool ? { tool: v.tool } : {}), ...(since ? { since } : {}), ...(decision ? { decision } : {}) };
}

function cmdSearch(reader: TrailReader, f: SearchFilter, json: boolean, io: Io): number {
  if (!json) io.out(tableHeader());
  for (const r of search(reader, f)) io.out(json ? JSON.stringify(r) + '\n' : tableRow(r));
  return 0;
}

function cmdExport(reader: TrailReader, format: 'jsonl' | 'csv', io: Io): number {
  if (format === 'csv') {
    io.out(csvHeader());
    for (const r of reader.records()) if (!isMalformed(r)) io.out(csvRow(r));
    return 0;
  }
  // The JSONL export is a trail in its own right: `audit verify --db export.jsonl` checks it.
  for (const c of reader.cuts()) io.out(cutLine(c));
  const cps = reader.checkpoints().sort((a, b) => a.seq - b.seq);
  let ci = 0;
  for (const r of reader.records()) {
    if (isMalformed(r)) continue;
    for (; ci < cps.length && cps[ci]!.seq < r.seq; ci++) io.out(checkpointLine(cps[ci]!));
    io.out(recordLine({ seq: r.seq, prevHash: r.prevHash, hash: r.hash, ...(r.skewMs === undefined ? {} : { skewMs: r.skewMs }), eventJson: JSON.stringify(r.event) }));
    for (; ci < cps.length && cps[ci]!.seq === r.seq; ci++) io.out(checkpointLine(cps[ci]!));
  }
  for (; ci < cps.length; ci++) io.out(checkpointLine(cps[ci]!));
  return 0;
}

function cmdKeygen(v: Values, io: Io): number {
  const { privatePem, publicPem } = generateKeyPem();
  if (v.out === undefined) {
    io.out(privatePem + publicPem);
    return 0;
  }
  writeFileSync(v.out, privatePem, { mode: 0o600, flag: 'wx' });
  writeFileSync(`${v.out}.pub`, publicPem, { flag: 'wx' });
  io.out(`wrote ${v.out} (private, mode 600) and ${v.out}.pub; key id ${keyId(loadPublicKey(publicPem))}\n`);
  return 0;
}

/** Exit codes: 0 intact / done, 1 tampered or unreadable trail, 2 usage. */
export async function runAudit(args: string[], io: Io = STDIO): Promise<number> {
  const [sub, ...rest] = args;
  try {
    const { values } = parse(rest, OPTIONS);
    if (sub === 'keygen') return cmdKeygen(values, io);
    if (sub !== 'verify' && sub !== 'search' && sub !== 'export') throw new UsageError(sub === undefined ? 'a subcommand is required' : `unknown subcommand "${sub}"`);
    // Arguments are checked before the trail is opened, so a typo is a usage error whatever the trail.
    const filter = sub === 'search' ? searchFilter(values) : undefined;
    const format = values.format;
    if (sub === 'export' && format !== 'jsonl' && format !== 'csv') throw new UsageError('--format: jsonl or csv');
    const t = await trailOf(values);
    const reader = openTrailReader(t.path, t.kind);
    try {
      if (filter) return cmdSearch(reader, filter, values.json === true, io);
      return sub === 'verify' ? cmdVerify(reader, t, values, io) : cmdExport(reader, format === 'csv' ? 'csv' : 'jsonl', io);
    } finally {
      reader.close();
    }
  } catch (err) {
    if (err instanceof UsageError || err instanceof AuditKeyError) {
      io.err(`portcullis audit: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    if (err instanceof AuditTrailError) {
      io.err(`portcullis audit: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
