/**
 * `portcullis quarantine list|show|release|discard --config FILE …`: results the content stage held as
 * possible prompt injections, read and decided straight in the state store (SQLite file or
 * PostgreSQL). A released result is handed, once, to the same principal when it makes the same call
 * again (any replica: the store is shared). `--as` names the operator in the record; it is not a
 * credential: whoever can run this holds the store.
 */
import { userInfo } from 'node:os';
import { QuarantineStore, type QuarantineEntry, type QuarantineState } from '../quarantine/store.js';
import { parse } from './args.js';
import { withStorage } from './storage.js';

const USAGE = `usage:
  portcullis quarantine list    --config FILE [--state pending|released|discarded|delivered|all] [--limit N] [--json]
  portcullis quarantine show    ID --config FILE
  portcullis quarantine release ID --config FILE [--as OPERATOR]
  portcullis quarantine discard ID --config FILE [--as OPERATOR]
`;

const STATES = ['pending', 'released', 'discarded', 'delivered', 'all'] as const;

export async function runQuarantine(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parse(rest, {
    config: { type: 'string', short: 'c' },
    as: { type: 'string' },
    state: { type: 'string', default: 'pending' },
    limit: { type: 'string', default: '100' },
    json: { type: 'boolean', default: false },
  }, true);
  if (!sub || !['list', 'show', 'release', 'discard'].includes(sub) || !values.config || (sub !== 'list' && positionals.length !== 1) || (sub === 'list' && positionals.length > 0)) {
    process.stderr.write(USAGE);
    return 2;
  }
  const state = values.state as (typeof STATES)[number];
  if (!STATES.includes(state)) {
    process.stderr.write(`portcullis quarantine list: --state must be one of ${STATES.join(', ')}\n`);
    return 2;
  }
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
    process.stderr.write('portcullis quarantine list: --limit must be an integer from 1 to 10000\n');
    return 2;
  }
  return withStorage('quarantine', values.config, async (db) => {
    const store = new QuarantineStore(db);
    const id = positionals[0] ?? '';
    switch (sub) {
      case 'list': {
        const entries = await store.list(state === 'all' ? undefined : (state as QuarantineState), limit);
        if (values.json) process.stdout.write(`${JSON.stringify(entries.map(summary), null, 2)}\n`);
        else if (entries.length === 0) process.stdout.write(`no ${state === 'all' ? '' : `${state} `}quarantined results\n`);
        else for (const e of entries) process.stdout.write(`${line(e)}\n`);
        return 0;
      }
      case 'show': {
        const e = await store.get(id);
        if (!e) return unknown(id);
        process.stdout.write(`${JSON.stringify({ ...summary(e), result: parseOr(e.result) }, null, 2)}\n`);
        return 0;
      }
      default: {
        const to = sub === 'release' ? 'released' : 'discarded';
        const r = await store.decide(id, to, values.as ?? userInfo().username);
        if (!r) return unknown(id);
        if (!r.changed) {
          process.stderr.write(`portcullis quarantine ${sub}: ${id} is already ${r.state}\n`);
          return 1;
        }
        process.stdout.write(to === 'released' ? `${id} released: the same call by the same principal now receives it (once)\n` : `${id} discarded\n`);
        return 0;
      }
    }
  });
}

function unknown(id: string): number {
  process.stderr.write(`portcullis quarantine: no quarantined result "${id.slice(0, 80)}"\n`);
  return 1;
}

function summary(e: QuarantineEntry): Record<string, unknown> {
  return {
    id: e.id,
    state: e.state,
    createdAt: new Date(e.createdAt).toISOString(),
    subject: e.subject,
    tenant: e.tenant,
    upstream: e.upstream,
    target: e.target,
    method: e.method,
    reason: e.reason,
    bytes: Buffer.byteLength(e.result),
    decidedBy: e.decidedBy,
    decidedAt: e.decidedAt === null ? null : new Date(e.decidedAt).toISOString(),
  };
}

function line(e: QuarantineEntry): string {
  return `${e.id}  ${e.state.padEnd(9)} ${new Date(e.createdAt).toISOString()}  ${e.subject.padEnd(16)} ${e.upstream}/${e.target}  ${e.reason.slice(0, 80)}`;
}

function parseOr(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}
