/**
 * `portcullis audit verify|search|export|keygen`. The trail and key come from the config's `audit:`
 * section, or from --db / --key (which win). A PostgreSQL trail holds one chain per replica; each
 * subcommand reads every chain unless --chain names one.
 */
import { writeFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { formatProblems, loadConfigFile } from '../config/load.js';
import { parse, UsageError } from './args.js';
import { AuditKeyError, generateKeyPem, keyId, loadPublicKey } from '../audit/keys.js';
import { openTrailReader, trailKindOf, type TrailKind } from '../audit/trail.js';
import { AuditTrailError, eachRecord, isMalformed, type TrailReader } from '../audit/store.js';
import { PostgresTrail } from '../audit/postgres.js';
import { checkWitnesses } from '../audit/witness.js';
import { auditLocation } from '../audit/sinks.js';
import { verify } from '../audit/verify.js';
import { csvHeader, csvRow, parseDecision, parseSince, search, tableHeader, tableRow, type SearchFilter } from '../audit/search.js';
import { checkpointLine, cutLine, recordLine } from '../audit/jsonl.js';

const USAGE = `usage:
  portcullis audit verify  (--config FILE | --db PATH|URL) [--key KEY]... [--anchor SEQ:HASH] [--chain ID]
  portcullis audit search  (--config FILE | --db PATH|URL) [--principal S] [--tool T] [--since TIME] [--decision deny] [--limit N] [--json] [--chain ID]
  portcullis audit export  (--config FILE | --db PATH|URL) --format jsonl|csv [--chain ID]
  portcullis audit keygen  [--out FILE]
KEY is PEM, base64 or a file path (public or private; only the public half is used).
--db takes a SQLite or JSONL file, or a postgres:// URL (with --schema S, default portcullis); a
PostgreSQL trail holds one chain per replica: every chain is read unless --chain names one.
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
  schema: { type: 'string' }, chain: { type: 'string' },
} as const;
type Values = ReturnType<typeof parse<typeof OPTIONS>>['values'];

type Source = { kind: TrailKind; path: string } | { kind: 'postgres'; url: string; schema: string };

interface Trail {
  source: Source;
  keys: KeyObject[];
}

/** One chain to read: a file trail is one unnamed chain; a PostgreSQL trail has one per replica. */
interface Chain {
  readonly name?: string;
  readonly reader: TrailReader;
}

interface Opened {
  readonly chains: Chain[];
  /** Several chains in one store: contradictions between them, for the chains that verified intact. */
  witnesses?(intact: string[]): Promise<Map<string, string>>;
  close(): Promise<void>;
}

async function trailOf(v: Values): Promise<Trail> {
  let source: Source | undefined;
  if (v.db !== undefined) {
    source = /^postgres(ql)?:\/\//.test(v.db) ? { kind: 'postgres', url: v.db, schema: v.schema ?? 'portcullis' } : { kind: trailKindOf(v.db), path: v.db };
  }
  const specs = [...(v.key ?? [])];
  if (v.config !== undefined) {
    const r = await loadConfigFile(v.config);
    if (!r.ok) throw new UsageError(`${v.config} is not valid (pass --db and --key to read the trail without it):\n${formatProblems(r.problems)}`);
    const a = r.config.audit;
    if (!source) {
      const at = auditLocation(r.config);
      // A plain `file` sink is still a JSONL trail to read, if unsigned and unchained: verify reports what it finds.
      if (at?.kind === 'postgres') source = { kind: 'postgres', url: at.postgres.url, schema: v.schema ?? at.postgres.schema };
      else if (at) source = at;
      else if (a.path !== undefined) source = { kind: trailKindOf(a.path), path: a.path };
    }
    const cp = a.checkpoint;
    if (specs.length === 0 && cp) specs.push(...[cp.publicKey ?? cp.key, ...cp.previousPublicKeys].filter((k): k is string => typeof k === 'string'));
  }
  if (source === undefined) throw new UsageError('no trail: pass --config FILE with audit.path or audit.postgres, or --db PATH|URL');
  return { source, keys: specs.map((s, i) => loadPublicKey(s, `key ${i + 1}`)) };
}

async function openTrail(t: Trail, chain: string | undefined): Promise<Opened> {
  const src = t.source;
  if (src.kind !== 'postgres') {
    if (chain !== undefined) throw new UsageError('--chain applies to a PostgreSQL trail only');
    const reader = openTrailReader(src.path, src.kind);
    return { chains: [{ reader }], close: async () => reader.close() };
  }
  const pg = await PostgresTrail.open({ url: src.url, schema: src.schema });
  try {
    const all = await pg.chains();
    if (chain !== undefined && !all.includes(chain)) throw new AuditTrailError(`${pg.where}: no chain "${shown(chain)}" (chains: ${all.map(shown).join(', ') || 'none'})`);
    const names = chain === undefined ? all : [chain];
    const chains = names.map((name) => ({ name, reader: pg.reader(name) }));
    // Chains vouch for each other only in a whole-trail check; --chain asks about one chain's own walk.
    if (chain !== undefined) return { chains, close: () => pg.close() };
    return { chains, witnesses: (intact) => checkWitnesses(pg, intact, all), close: () => pg.close() };
  } catch (err) {
    await pg.close();
    throw err;
  }
}

/**
 * A chain id as printed. Writers only create plain ids, but the names are read back from a database
 * someone may have edited: nothing from there reaches a terminal or a CSV cell unfiltered.
 */
const shown = (name: string) => name.replace(/[^A-Za-z0-9_.:-]/g, '?');
const prefix = (c: Chain) => (c.name === undefined ? '' : `chain ${shown(c.name)}: `);

async function cmdVerify(opened: Opened, t: Trail, v: Values, io: Io): Promise<number> {
  let anchor: { seq: number; hash: string } | undefined;
  if (v.anchor !== undefined) {
    const m = /^(\d+):([0-9a-f]{64})$/.exec(v.anchor);
    if (!m) throw new UsageError('--anchor is SEQ:HASH (the seq and hex hash of a checkpoint kept outside the store)');
    anchor = { seq: Number(m[1]), hash: m[2]! };
    if (opened.chains.length > 1) throw new UsageError('--anchor belongs to one chain: name it with --chain');
  }
  if (opened.chains.length === 0) {
    io.out('intact: the trail holds no chains yet\n');
    return 0;
  }
  let exit = 0;
  const intact: string[] = [];
  // Every chain is walked even after a bad one, so one report names every chain that was altered.
  for (const c of opened.chains) {
    const t0 = performance.now();
    const r = await verify(c.reader, { publicKeys: t.keys, ...(anchor ? { anchor } : {}) });
    const ms = Math.round(performance.now() - t0);
    if (!r.ok && r.bad) {
      io.out(`${prefix(c)}TAMPERED: record ${r.bad.seq} (${r.bad.kind}): ${r.bad.reason}\n`);
      exit = 1;
      continue;
    }
    if (r.checkpoints > 0 && t.keys.length === 0) {
      io.out(`${prefix(c)}NOT VERIFIED: the trail holds ${r.checkpoints} signed checkpoints but no public key was given (--key or audit.checkpoint.publicKey)\n`);
      exit = 1;
      continue;
    }
    const signed = r.lastCheckpointSeq === undefined ? 'no checkpoints' : `${r.checkpoints} checkpoints ${t.keys.length ? `verified (key ${t.keys.map(keyId).join(', ')})` : ''}, last at seq ${r.lastCheckpointSeq}`;
    io.out(`${prefix(c)}intact: records ${r.fromSeq}..${r.lastSeq} (${r.records})${r.cut ? `, cut below seq ${r.cut.fromSeq}` : ''}; ${signed}; ${r.unsignedTail} newer records chained but not yet signed (${ms} ms)\n`);
    if (c.name !== undefined && t.keys.length > 0) intact.push(c.name);
  }
  // Witnesses count only from chains whose signatures were checked: an unsigned chain vouches for nothing.
  for (const [chain, why] of (await opened.witnesses?.(intact)) ?? []) {
    io.out(`chain ${shown(chain)}: TAMPERED: ${why.replace(/\p{Cc}/gu, '?')}\n`);
    exit = 1;
  }
  return exit;
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

async function cmdSearch(opened: Opened, f: SearchFilter, json: boolean, io: Io): Promise<number> {
  if (!json) io.out(tableHeader());
  let left = f.limit;
  for (const c of opened.chains) {
    if (left <= 0) break;
    // The table marks where each chain's rows begin.
    if (!json && c.name !== undefined) io.out(`-- chain ${shown(c.name)}\n`);
    for await (const r of search(c.reader, { ...f, limit: left })) {
      io.out(json ? JSON.stringify(c.name === undefined ? r : { chain: c.name, ...r }) + '\n' : tableRow(r));
      left--;
    }
  }
  return 0;
}

async function cmdExport(opened: Opened, format: 'jsonl' | 'csv', io: Io): Promise<number> {
  if (format === 'csv') {
    const named = opened.chains.some((c) => c.name !== undefined);
    io.out((named ? 'chain,' : '') + csvHeader());
    for (const c of opened.chains) {
      for await (const r of eachRecord(c.reader)) if (!isMalformed(r)) io.out((named ? `${shown(c.name ?? '')},` : '') + csvRow(r));
    }
    return 0;
  }
  // The JSONL export is a trail in its own right (`audit verify --db export.jsonl` checks it): one chain.
  if (opened.chains.length !== 1) {
    throw new UsageError(`--format jsonl exports one chain: name it with --chain (chains: ${opened.chains.map((c) => shown(c.name ?? '')).join(', ') || 'none'})`);
  }
  const reader = opened.chains[0]!.reader;
  for (const c of await reader.cuts()) io.out(cutLine(c));
  const cps = (await reader.checkpoints()).sort((a, b) => a.seq - b.seq);
  let ci = 0;
  for await (const r of eachRecord(reader)) {
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
    const opened = await openTrail(t, values.chain);
    try {
      if (filter) return await cmdSearch(opened, filter, values.json === true, io);
      return sub === 'verify' ? await cmdVerify(opened, t, values, io) : await cmdExport(opened, format === 'csv' ? 'csv' : 'jsonl', io);
    } finally {
      await opened.close();
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
