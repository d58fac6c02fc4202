/**
 * Pins in the storage port. One row per (upstream, kind, name, hash): the versions of a definition
 * ever seen, each with its status. An epoch row is bumped by every write, so each replica (and a
 * gateway after `portcullis pins approve` from another process) notices a decision with one cheap read.
 */
import type { SqlDb } from '../storage/sql.js';
import type { PinKind } from './fingerprint.js';

/**
 * trusted: served. pending: changed or new, awaiting a person. blocked: the poisoning policy refused it.
 * rejected: a person refused it. removed: a trusted item the upstream stopped offering (kept for review).
 * superseded: an older trusted version replaced by an approved one.
 */
export type PinStatus = 'trusted' | 'pending' | 'blocked' | 'rejected' | 'removed' | 'superseded';

export interface PinRow {
  upstream: string;
  kind: PinKind;
  name: string;
  hash: string;
  status: PinStatus;
  /** The pinned part of the definition, canonical JSON. */
  definition: string;
  /** Poisoning findings as JSON (rule ids, severities, evidence), empty array when none. */
  findings: string;
  firstSeen: string;
  decidedAt: string | null;
  decidedBy: string | null;
  reason: string | null;
}

const DDL = `
CREATE TABLE IF NOT EXISTS pins (
  upstream TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, hash TEXT NOT NULL,
  status TEXT NOT NULL, definition TEXT NOT NULL, findings TEXT NOT NULL,
  first_seen TEXT NOT NULL, decided_at TEXT, decided_by TEXT, reason TEXT,
  PRIMARY KEY (upstream, kind, name, hash)
);
CREATE TABLE IF NOT EXISTS pin_epoch (id INTEGER PRIMARY KEY, n BIGINT NOT NULL);
INSERT INTO pin_epoch (id, n) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
`;

type Raw = Record<string, string | number | null>;

function toRow(r: Raw): PinRow {
  return {
    upstream: String(r.upstream),
    kind: String(r.kind) as PinKind,
    name: String(r.name),
    hash: String(r.hash),
    status: String(r.status) as PinStatus,
    definition: String(r.definition),
    findings: String(r.findings),
    firstSeen: String(r.first_seen),
    decidedAt: r.decided_at === null ? null : String(r.decided_at),
    decidedBy: r.decided_by === null ? null : String(r.decided_by),
    reason: r.reason === null ? null : String(r.reason),
  };
}

export interface PinFilter {
  upstream?: string | undefined;
  name?: string | undefined;
  status?: PinStatus | undefined;
}

export class PinStore {
  private constructor(private readonly db: SqlDb) {}

  static async open(db: SqlDb): Promise<PinStore> {
    await db.migrate(DDL);
    return new PinStore(db);
  }

  get where(): string {
    return this.db.where;
  }

  async epoch(): Promise<number> {
    const rows = await this.db.query<{ n: string | number }>('SELECT n FROM pin_epoch WHERE id = 1');
    return Number(rows[0]?.n ?? 0);
  }

  async list(filter: PinFilter = {}): Promise<PinRow[]> {
    const where: string[] = [];
    const params: string[] = [];
    for (const [col, v] of [['upstream', filter.upstream], ['name', filter.name], ['status', filter.status]] as const) {
      if (v === undefined) continue;
      params.push(v);
      where.push(`${col} = $${params.length}`);
    }
    const sql = `SELECT * FROM pins${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY upstream, kind, name, first_seen`;
    return (await this.db.query<Raw>(sql, params)).map(toRow);
  }

  /**
   * Record versions first seen by this gateway. A version another replica recorded first keeps its
   * status (ON CONFLICT DO NOTHING); the rows as stored afterwards are returned, so every replica
   * acts on the same decision. `trustIfFirst` versions become trusted only when their name has no
   * trusted version yet (decided inside the transaction: two replicas cannot both trust different ones).
   */
  async record(rows: ReadonlyArray<Omit<PinRow, 'decidedAt' | 'decidedBy' | 'reason'> & { trustIfFirst?: boolean }>): Promise<PinRow[]> {
    if (rows.length === 0) return [];
    return this.db.transaction(async (tx) => {
      const out: PinRow[] = [];
      for (const r of rows) {
        let status = r.status;
        if (r.trustIfFirst) {
          await tx.lock(`pins:${r.upstream}:${r.kind}:${r.name}`);
          const trusted = await tx.query(`SELECT 1 AS one FROM pins WHERE upstream = $1 AND kind = $2 AND name = $3 AND status = 'trusted'`, [r.upstream, r.kind, r.name]);
          status = trusted.length === 0 ? 'trusted' : 'pending';
        }
        await tx.query(
          `INSERT INTO pins (upstream, kind, name, hash, status, definition, findings, first_seen, decided_at, decided_by, reason)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (upstream, kind, name, hash) DO NOTHING`,
          [r.upstream, r.kind, r.name, r.hash, status, r.definition, r.findings, r.firstSeen, status === 'trusted' ? r.firstSeen : null, status === 'trusted' ? 'trust-on-first-use' : null, null],
        );
        // A version that had gone away (removed, superseded) and is offered again waits for a person.
        await tx.query(`UPDATE pins SET status = 'pending', decided_at = NULL, decided_by = NULL, reason = 'offered again' WHERE upstream = $1 AND kind = $2 AND name = $3 AND hash = $4 AND status IN ('removed', 'superseded')`, [r.upstream, r.kind, r.name, r.hash]);
        const stored = await tx.query<Raw>('SELECT * FROM pins WHERE upstream = $1 AND kind = $2 AND name = $3 AND hash = $4', [r.upstream, r.kind, r.name, r.hash]);
        out.push(toRow(stored[0]!));
      }
      await tx.query('UPDATE pin_epoch SET n = n + 1 WHERE id = 1');
      return out;
    });
  }

  /** Mark trusted versions the upstream no longer offers as removed (they stay for review and diff). */
  async markRemoved(upstream: string, kind: PinKind, names: readonly string[], at: string): Promise<void> {
    if (names.length === 0) return;
    await this.db.transaction(async (tx) => {
      for (const name of names) {
        await tx.query(`UPDATE pins SET status = 'removed', decided_at = $4, decided_by = 'upstream', reason = 'no longer offered' WHERE upstream = $1 AND kind = $2 AND name = $3 AND status = 'trusted'`, [upstream, kind, name, at]);
      }
      await tx.query('UPDATE pin_epoch SET n = n + 1 WHERE id = 1');
    });
  }

  /**
   * A person's decision on the versions matching `filter` that await one (pending, blocked, removed).
   * Approving a version makes it the trusted one for its name (the previous trusted version is
   * superseded); approving a removal retires the pin. Returns the rows decided.
   */
  async decide(filter: PinFilter & { hash?: string | undefined }, decision: 'approve' | 'reject', by: string, reason: string | undefined, at: string): Promise<PinRow[]> {
    return this.db.transaction(async (tx) => {
      const where = [`status IN ('pending', 'blocked', 'removed')`];
      const params: string[] = [];
      for (const [col, v] of [['upstream', filter.upstream], ['name', filter.name], ['hash', filter.hash]] as const) {
        if (v === undefined) continue;
        params.push(v);
        where.push(`${col} = $${params.length}`);
      }
      const targets = (await tx.query<Raw>(`SELECT * FROM pins WHERE ${where.join(' AND ')}`, params)).map(toRow);
      const decided: PinRow[] = [];
      for (const t of targets) {
        let status: PinStatus;
        if (decision === 'reject') status = t.status === 'removed' ? 'trusted' : 'rejected';
        else if (t.status === 'removed') status = 'superseded';
        else {
          await tx.query(`UPDATE pins SET status = 'superseded' WHERE upstream = $1 AND kind = $2 AND name = $3 AND status = 'trusted'`, [t.upstream, t.kind, t.name]);
          status = 'trusted';
        }
        await tx.query('UPDATE pins SET status = $5, decided_at = $6, decided_by = $7, reason = $8 WHERE upstream = $1 AND kind = $2 AND name = $3 AND hash = $4', [t.upstream, t.kind, t.name, t.hash, status, at, by, reason ?? null]);
        decided.push({ ...t, status, decidedAt: at, decidedBy: by, reason: reason ?? null });
      }
      if (decided.length > 0) await tx.query('UPDATE pin_epoch SET n = n + 1 WHERE id = 1');
      return decided;
    });
  }
}
