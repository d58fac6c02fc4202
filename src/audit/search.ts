/**
 * Search and export over any TrailReader. Every field shown comes from agents or upstreams, so the table
 * strips control characters (no terminal escapes from a tool name) and CSV cells are quoted and defused
 * against spreadsheet formulas.
 */
import type { AuditOutcome } from '../pipeline/types.js';
import type { StoredRecord } from './chain.js';
import { eachRecord, isMalformed, type TrailReader } from './store.js';

export interface SearchFilter {
  readonly principal?: string;
  /** A tool (or resource/prompt) name: the upstream's own name, or the namespaced `upstream__name`. */
  readonly tool?: string;
  /** ISO-8601 lower bound on the event time. */
  readonly since?: string;
  readonly decision?: AuditOutcome;
  readonly limit: number;
  readonly separator?: string;
}

const OUTCOMES: Record<string, AuditOutcome> = {
  allow: 'allowed', allowed: 'allowed', deny: 'denied', denied: 'denied', fail: 'failed', failed: 'failed',
  invalid: 'invalid', delivered: 'delivered',
};

export function parseDecision(s: string): AuditOutcome | undefined {
  return OUTCOMES[s.toLowerCase()];
}

/** An ISO time, or a span back from now: 90s, 15m, 2h, 7d. */
export function parseSince(s: string, now = Date.now()): string | undefined {
  const rel = /^(\d{1,9})([smhd])$/.exec(s.trim());
  if (rel) return new Date(now - Number(rel[1]) * { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[rel[2] as 's' | 'm' | 'h' | 'd']).toISOString();
  const t = Date.parse(s);
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
}

export function matches(r: StoredRecord, f: SearchFilter): boolean {
  const e = r.event;
  if (f.principal !== undefined && e.principal?.subject !== f.principal) return false;
  if (f.decision !== undefined && e.outcome !== f.decision) return false;
  if (f.since !== undefined && !(typeof e.time === 'string' && e.time >= f.since)) return false;
  if (f.tool !== undefined && e.target !== f.tool && `${e.upstream ?? ''}${f.separator ?? '__'}${e.target ?? ''}` !== f.tool) return false;
  return true;
}

/** Matching records in trail order, at most `limit`; malformed entries are skipped here (verify reports them). */
export async function* search(reader: TrailReader, f: SearchFilter): AsyncGenerator<StoredRecord> {
  let n = 0;
  for await (const item of eachRecord(reader)) {
    if (n >= f.limit) return;
    if (isMalformed(item) || !matches(item, f)) continue;
    n++;
    yield item;
  }
}

/** Printable on a terminal: control characters (ESC, CR, BEL, ...) become '?', long values are clipped. */
function cell(v: unknown, width: number): string {
  const s = (v === undefined || v === null ? '' : String(v)).replace(/\p{Cc}/gu, '?');
  return s.length > width ? s.slice(0, width - 1) + '…' : s.padEnd(width);
}

const COLUMNS: Array<[string, number, (r: StoredRecord) => unknown]> = [
  ['SEQ', 8, (r) => r.seq],
  ['TIME', 24, (r) => r.event.time],
  ['OUTCOME', 9, (r) => r.event.outcome],
  ['PRINCIPAL', 20, (r) => r.event.principal?.subject],
  ['METHOD', 16, (r) => r.event.method],
  ['TARGET', 28, (r) => (r.event.target ? `${r.event.upstream ?? ''}/${r.event.target}` : r.event.upstream)],
  ['RULE/REASON', 28, (r) => r.event.rule ?? r.event.reason],
  ['MS', 8, (r) => r.event.latencyMs],
];

export function tableHeader(): string {
  return COLUMNS.map(([h, w]) => cell(h, w)).join(' ').trimEnd() + '\n';
}

export function tableRow(r: StoredRecord): string {
  return COLUMNS.map(([, w, f]) => cell(f(r), w)).join(' ').trimEnd() + '\n';
}

const CSV_FIELDS: Array<[string, (r: StoredRecord) => unknown]> = [
  ['seq', (r) => r.seq], ['hash', (r) => r.hash], ['time', (r) => r.event.time], ['kind', (r) => r.event.kind],
  ['direction', (r) => r.event.direction], ['transport', (r) => r.event.transport], ['outcome', (r) => r.event.outcome],
  ['principal', (r) => r.event.principal?.subject], ['client', (r) => r.event.principal?.clientId], ['tenant', (r) => r.event.principal?.tenant],
  ['roles', (r) => r.event.principal?.roles?.join(' ')], ['session', (r) => r.event.session], ['upstream', (r) => r.event.upstream],
  ['method', (r) => r.event.method], ['target', (r) => r.event.target], ['requestId', (r) => r.event.requestId], ['rule', (r) => r.event.rule],
  ['reason', (r) => r.event.reason], ['detail', (r) => r.event.detail], ['latencyMs', (r) => r.event.latencyMs],
  ['resultBytes', (r) => r.event.result?.bytes], ['resultIsError', (r) => r.event.result?.isError], ['traceId', (r) => r.event.traceId],
  ['skewMs', (r) => r.skewMs],
];

/** RFC 4180 quoting, and a leading quote on cells a spreadsheet would run as a formula. */
function csvCell(v: unknown): string {
  let s = v === undefined || v === null ? '' : String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvHeader(): string {
  return CSV_FIELDS.map(([h]) => h).join(',') + '\r\n';
}

export function csvRow(r: StoredRecord): string {
  return CSV_FIELDS.map(([, f]) => csvCell(f(r))).join(',') + '\r\n';
}
