/**
 * `portcullis approvals list|show|approve|deny --config FILE …`: held calls, read and decided straight
 * in the state store (SQLite file or PostgreSQL). The replica holding a call polls the store, so a
 * decision made here releases it, and that replica writes the outcome (who, when, why, via cli) to the
 * audit trail. The CLI is for operators who hold the store: `--as` names them; it is not a credential.
 */
import { userInfo } from 'node:os';
import { ApprovalStore, type ApprovalRecord } from '../approvals/store.js';
import { decide, MAX_REASON } from '../approvals/decide.js';
import { parse } from './args.js';
import { withStorage } from './storage.js';

const USAGE = `usage:
  portcullis approvals list    --config FILE [--all] [--json]
  portcullis approvals show    ID --config FILE
  portcullis approvals approve ID --config FILE --reason TEXT [--as APPROVER] [--session-wide]
  portcullis approvals deny    ID --config FILE --reason TEXT [--as APPROVER]
`;

export async function runApprovals(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parse(rest, {
    config: { type: 'string', short: 'c' },
    as: { type: 'string' },
    reason: { type: 'string' },
    'session-wide': { type: 'boolean', default: false },
    all: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  }, true);
  if (!sub || !['list', 'show', 'approve', 'deny'].includes(sub) || !values.config || (sub !== 'list' && positionals.length !== 1) || (sub === 'list' && positionals.length > 0)) {
    process.stderr.write(USAGE);
    return 2;
  }
  const id = positionals[0] ?? '';
  const deciding = sub === 'approve' || sub === 'deny';
  if (deciding && (values.reason === undefined || values.reason.trim() === '' || values.reason.length > MAX_REASON)) {
    process.stderr.write(`portcullis approvals ${sub}: --reason is required (at most ${MAX_REASON} characters): say why\n`);
    return 2;
  }
  if (sub === 'deny' && values['session-wide']) {
    process.stderr.write('portcullis approvals deny: --session-wide applies to approvals only\n');
    return 2;
  }
  return withStorage('approvals', values.config, async (db) => {
    const store = await ApprovalStore.open(db);
    if (sub === 'list') {
      const recs = await store.list({ all: values.all });
      if (values.json) process.stdout.write(`${JSON.stringify(recs, null, 2)}\n`);
      else if (recs.length === 0) process.stdout.write(values.all ? 'no approval requests\n' : 'no pending approval requests\n');
      else for (const r of recs) process.stdout.write(`${line(r)}\n`);
      return 0;
    }
    if (sub === 'show') {
      const rec = await store.get(id);
      if (!rec) {
        process.stderr.write(`portcullis approvals: no approval request "${id.slice(0, 80)}"\n`);
        return 1;
      }
      process.stdout.write(`${JSON.stringify(rec, null, 2)}\n`);
      return 0;
    }
    const result = await decide(store, {
      id,
      decision: sub === 'approve' ? 'approve' : 'deny',
      reason: values.reason!.trim(),
      scope: values['session-wide'] ? 'session' : 'call',
      approver: { subject: values.as ?? userInfo().username, roles: [], operator: true },
      via: 'cli',
    });
    if (!result.ok) {
      process.stderr.write(`portcullis approvals ${sub}: ${result.message}\n`);
      return 1;
    }
    process.stdout.write(`${result.record.id} ${result.record.status}${result.record.scope === 'session' ? ' for the session' : ''} by ${result.record.decidedBy ?? ''}\n`);
    return 0;
  });
}

function line(r: ApprovalRecord): string {
  const decided = r.status === 'pending' ? `expires ${r.expiresAt}` : `${r.decidedBy ?? ''} ${r.decidedAt ?? ''} ${r.decisionReason ?? ''}`;
  return `${r.id}  ${r.status.padEnd(9)} ${r.requester.subject.padEnd(16)} ${r.upstream}/${r.target}  ${r.args.slice(0, 60)}  ${r.createdAt}  ${decided}`;
}
