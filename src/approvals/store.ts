/**
 * Approval requests of record, in the storage port (embedded SQLite, or PostgreSQL shared by every
 * replica). A request changes state exactly once, from pending, by a conditional UPDATE: whichever of
 * the approver, the time-out or the agent's cancellation lands first wins, on any replica.
 */
import type { SqlDb, SqlValue } from '../storage/sql.js';

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'timed_out' | 'cancelled';
export type ApprovalScope = 'call' | 'session';
/** How a request was settled: an approver on the admin API or the CLI, the user, the clock, the agent. */
export type ApprovalVia = 'admin-api' | 'cli' | 'elicitation' | 'timeout' | 'agent' | 'stale';

export interface ApprovalRecord {
  id: string;
  status: ApprovalStatus;
  requester: { subject: string; tenant?: string; roles: string[] };
  /** The session a session-wide approval is bound to (legacy session id or the token's sid). */
  session?: string;
  upstream: string;
  kind: string;
  /** The upstream's own tool or prompt name, or resource URI. */
  target: string;
  /** The arguments as JSON, token-like values masked, at most 2 KB. */
  args: string;
  /** SHA-256 of the canonical JSON of the full arguments: what a session-wide approval matches. */
  argsHash: string;
  /** The rule that asked for approval, and why. */
  rule: string;
  reason: string;
  /** Roles allowed to decide; empty: any approver. */
  approvers: string[];
  traceId: string;
  createdAt: string;
  expiresAt: string;
  decidedAt?: string;
  decidedBy?: string;
  decisionReason?: string;
  scope?: ApprovalScope;
  via?: ApprovalVia;
}

const DDL = `
CREATE TABLE IF NOT EXISTS approvals (
  id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  requester TEXT NOT NULL,
  requester_tenant TEXT,
  requester_roles TEXT NOT NULL,
  session TEXT,
  upstream TEXT NOT NULL,
  kind TEXT NOT NULL,
  target TEXT NOT NULL,
  args TEXT NOT NULL,
  args_hash TEXT NOT NULL,
  rule TEXT NOT NULL,
  reason TEXT NOT NULL,
  approvers TEXT NOT NULL,
  trace_id TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  decided_at BIGINT,
  decided_by TEXT,
  decision_reason TEXT,
  scope TEXT,
  via TEXT
);
CREATE INDEX IF NOT EXISTS approvals_by_status ON approvals (status, created_at);
CREATE INDEX IF NOT EXISTS approvals_standing ON approvals (session, args_hash)`;

const COLUMNS = 'id, status, requester, requester_tenant, requester_roles, session, upstream, kind, target, args, args_hash, rule, reason, approvers, trace_id, created_at, expires_at, decided_at, decided_by, decision_reason, scope, via';

export interface Settle {
  status: Exclude<ApprovalStatus, 'pending'>;
  by: string;
  reason: string;
  via: ApprovalVia;
  scope?: ApprovalScope;
}

export class ApprovalStore {
  private constructor(readonly db: SqlDb) {}

  static async open(db: SqlDb): Promise<ApprovalStore> {
    await db.migrate(DDL);
    return new ApprovalStore(db);
  }

  async insert(r: ApprovalRecord): Promise<void> {
    await this.db.query(
      `INSERT INTO approvals (${COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,NULL,NULL,NULL,NULL,NULL)`,
      [r.id, r.status, r.requester.subject, r.requester.tenant ?? null, JSON.stringify(r.requester.roles), r.session ?? null, r.upstream, r.kind, r.target, r.args, r.argsHash, r.rule, r.reason, JSON.stringify(r.approvers), r.traceId, Date.parse(r.createdAt), Date.parse(r.expiresAt)],
    );
  }

  async get(id: string): Promise<ApprovalRecord | undefined> {
    const rows = await this.db.query(`SELECT ${COLUMNS} FROM approvals WHERE id = $1`, [id]);
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  /** Newest first; pending only unless `all`. */
  async list(opts: { all?: boolean; limit?: number } = {}): Promise<ApprovalRecord[]> {
    const limit = Math.min(Math.max(opts.limit ?? 100, 1), 1000);
    const rows = opts.all
      ? await this.db.query(`SELECT ${COLUMNS} FROM approvals ORDER BY created_at DESC, id LIMIT $1`, [limit])
      : await this.db.query(`SELECT ${COLUMNS} FROM approvals WHERE status = 'pending' ORDER BY created_at DESC, id LIMIT $1`, [limit]);
    return rows.map(fromRow);
  }

  /** A session-wide approval of the same call (same caller, session, target and argument hash). */
  async standing(q: { session: string; subject: string; upstream: string; kind: string; target: string; argsHash: string }): Promise<ApprovalRecord | undefined> {
    const rows = await this.db.query(
      `SELECT ${COLUMNS} FROM approvals WHERE session = $1 AND args_hash = $2 AND requester = $3 AND upstream = $4 AND kind = $5 AND target = $6 AND status = 'approved' AND scope = 'session' ORDER BY decided_at LIMIT 1`,
      [q.session, q.argsHash, q.subject, q.upstream, q.kind, q.target],
    );
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  /** Settle a pending request; undefined when it was not pending any more (someone else settled it). */
  async settle(id: string, s: Settle, now = Date.now()): Promise<ApprovalRecord | undefined> {
    const rows = await this.db.query(
      `UPDATE approvals SET status = $2, decided_at = $3, decided_by = $4, decision_reason = $5, scope = $6, via = $7 WHERE id = $1 AND status = 'pending' RETURNING ${COLUMNS}`,
      [id, s.status, now, s.by, s.reason, s.scope ?? null, s.via],
    );
    return rows[0] ? fromRow(rows[0]) : undefined;
  }
}

function str(v: SqlValue | undefined): string | undefined {
  return v === null || v === undefined ? undefined : String(v);
}

/** PostgreSQL returns BIGINT as a string; SQLite as a number. */
function iso(v: SqlValue | undefined): string | undefined {
  return v === null || v === undefined ? undefined : new Date(Number(v)).toISOString();
}

function fromRow(row: Record<string, SqlValue>): ApprovalRecord {
  const r: ApprovalRecord = {
    id: String(row.id),
    status: String(row.status) as ApprovalStatus,
    requester: { subject: String(row.requester), roles: JSON.parse(String(row.requester_roles)) as string[] },
    upstream: String(row.upstream),
    kind: String(row.kind),
    target: String(row.target),
    args: String(row.args),
    argsHash: String(row.args_hash),
    rule: String(row.rule),
    reason: String(row.reason),
    approvers: JSON.parse(String(row.approvers)) as string[],
    traceId: String(row.trace_id),
    createdAt: iso(row.created_at)!,
    expiresAt: iso(row.expires_at)!,
  };
  const tenant = str(row.requester_tenant);
  if (tenant !== undefined) r.requester.tenant = tenant;
  const optional: Array<[keyof ApprovalRecord, string | undefined]> = [
    ['session', str(row.session)],
    ['decidedAt', iso(row.decided_at)],
    ['decidedBy', str(row.decided_by)],
    ['decisionReason', str(row.decision_reason)],
    ['scope', str(row.scope)],
    ['via', str(row.via)],
  ];
  for (const [k, v] of optional) if (v !== undefined) (r as unknown as Record<string, string>)[k] = v;
  return r;
}
