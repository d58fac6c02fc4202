/**
 * Quarantined results, kept in the storage port (SQLite or PostgreSQL, shared by every replica) until
 * an operator releases or discards them. A result is held with the call that produced it, keyed by
 * who called, which target and the canonical arguments, so the agent gets a released result by simply
 * making the same call again (see docs/content-safety.md, "Quarantine").
 *
 * States: pending → released → delivered (once), or pending → discarded. Transitions are conditional
 * updates, so two replicas (or an operator and a replica) cannot both win.
 */
import { createHash, randomBytes } from 'node:crypto';
import canonicalizeModule from 'canonicalize';
import type { SqlDb } from '../storage/sql.js';

const canonicalize = canonicalizeModule as unknown as (v: unknown) => string | undefined;

export type QuarantineState = 'pending' | 'released' | 'discarded' | 'delivered';

export interface QuarantineEntry {
  id: string;
  createdAt: number;
  state: QuarantineState;
  subject: string;
  tenant: string | null;
  upstream: string;
  target: string;
  method: string;
  /** Why: the rules that fired and the score. */
  reason: string;
  /** The result as the agent would have received it without the quarantine (JSON). */
  result: string;
  decidedBy: string | null;
  decidedAt: number | null;
}

export interface NewEntry {
  subject: string;
  tenant: string | undefined;
  upstream: string;
  target: string;
  method: string;
  callKey: string;
  reason: string;
  result: string;
}

const DDL = `
CREATE TABLE IF NOT EXISTS quarantine (
  id TEXT PRIMARY KEY,
  created_at BIGINT NOT NULL,
  state TEXT NOT NULL,
  subject TEXT NOT NULL,
  tenant TEXT,
  upstream TEXT NOT NULL,
  target TEXT NOT NULL,
  method TEXT NOT NULL,
  call_key TEXT NOT NULL,
  reason TEXT NOT NULL,
  result TEXT NOT NULL,
  decided_by TEXT,
  decided_at BIGINT
);
CREATE INDEX IF NOT EXISTS quarantine_call ON quarantine (call_key, state);
CREATE INDEX IF NOT EXISTS quarantine_state ON quarantine (state, created_at)`;

const COLUMNS = 'id, created_at, state, subject, tenant, upstream, target, method, reason, result, decided_by, decided_at';

/** Which call a result belongs to: the same principal making the same call gets the released result. */
export function callKey(subject: string, tenant: string | undefined, method: string, upstream: string, target: string, args: unknown): string {
  const canonical = canonicalize(args ?? null) ?? 'null';
  return createHash('sha256').update(JSON.stringify([subject, tenant ?? null, method, upstream, target])).update('\0').update(canonical).digest('hex');
}

export class QuarantineStore {
  private ready: Promise<void> | undefined;

  constructor(private readonly db: SqlDb) {}

  private migrate(): Promise<void> {
    this.ready ??= this.db.migrate(DDL).catch((err: unknown) => {
      this.ready = undefined; // try again on the next use
      throw err;
    });
    return this.ready;
  }

  async put(e: NewEntry): Promise<string> {
    await this.migrate();
    const id = `q_${randomBytes(9).toString('base64url')}`;
    await this.db.query(
      `INSERT INTO quarantine (id, created_at, state, subject, tenant, upstream, target, method, call_key, reason, result) VALUES ($1, $2, 'pending', $3, $4, $5, $6, $7, $8, $9, $10)`,
      [id, Date.now(), e.subject, e.tenant ?? null, e.upstream, e.target, e.method, e.callKey, e.reason, e.result],
    );
    return id;
  }

  /**
   * A released result for this call, marked delivered in the same step (so it is handed out once,
   * by one replica); undefined when there is none.
   */
  async takeReleased(key: string): Promise<QuarantineEntry | undefined> {
    await this.migrate();
    return this.db.transaction(async (tx) => {
      const rows = await tx.query(`SELECT ${COLUMNS} FROM quarantine WHERE call_key = $1 AND state = 'released' ORDER BY created_at LIMIT 1`, [key]);
      const row = rows[0];
      if (!row) return undefined;
      const updated = await tx.query(`UPDATE quarantine SET state = 'delivered' WHERE id = $1 AND state = 'released' RETURNING id`, [String(row.id)]);
      return updated.length === 1 ? toEntry(row) : undefined;
    });
  }

  async list(state?: QuarantineState, limit = 100): Promise<QuarantineEntry[]> {
    await this.migrate();
    const rows = state
      ? await this.db.query(`SELECT ${COLUMNS} FROM quarantine WHERE state = $1 ORDER BY created_at DESC LIMIT $2`, [state, limit])
      : await this.db.query(`SELECT ${COLUMNS} FROM quarantine ORDER BY created_at DESC LIMIT $1`, [limit]);
    return rows.map(toEntry);
  }

  async get(id: string): Promise<QuarantineEntry | undefined> {
    await this.migrate();
    const rows = await this.db.query(`SELECT ${COLUMNS} FROM quarantine WHERE id = $1`, [id]);
    return rows[0] ? toEntry(rows[0]) : undefined;
  }

  /** pending → released or discarded. Returns the entry's state afterwards, or undefined if unknown. */
  async decide(id: string, to: 'released' | 'discarded', by: string): Promise<{ changed: boolean; state: QuarantineState } | undefined> {
    await this.migrate();
    const updated = await this.db.query(`UPDATE quarantine SET state = $1, decided_by = $2, decided_at = $3 WHERE id = $4 AND state = 'pending' RETURNING id`, [to, by, Date.now(), id]);
    if (updated.length === 1) return { changed: true, state: to };
    const e = await this.get(id);
    return e ? { changed: false, state: e.state } : undefined;
  }
}

function toEntry(r: Record<string, string | number | null>): QuarantineEntry {
  return {
    id: String(r.id),
    createdAt: Number(r.created_at),
    state: String(r.state) as QuarantineState,
    subject: String(r.subject),
    tenant: r.tenant === null ? null : String(r.tenant),
    upstream: String(r.upstream),
    target: String(r.target),
    method: String(r.method),
    reason: String(r.reason),
    result: String(r.result),
    decidedBy: r.decided_by === null ? null : String(r.decided_by),
    decidedAt: r.decided_at === null ? null : Number(r.decided_at),
  };
}
