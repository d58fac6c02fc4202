/**
 * The pin guard: decides, for every definition an upstream lists, whether agents may see and use it.
 *
 * A version (upstream, kind, name, hash) is served only while its pin is `trusted`. A version never seen
 * before is scanned for poisoning once, then recorded: trusted on first use (mode `tofu`, when its name
 * has no trusted version and the scan asks for nothing stronger than a warning), otherwise pending for a
 * person (`portcullis pins approve`), or blocked by the poisoning policy. A changed definition is a new
 * version: pending, so the agent keeps seeing nothing of it until approved. Decisions live in the
 * storage port; every replica re-reads them when the shared epoch moves, and audits what changed.
 *
 * The hot path (`allows`) is two map lookups and a hash that is computed once per definition object.
 */
import type { Params } from '../protocol/jsonrpc.js';
import type { Catalog } from '../upstream/catalog.js';
import { scanPrompt, scanResourceTemplate, scanTool, resolveOptions, type ScanOptions, type ScanResult } from '../detect/poisoning/index.js';
import { canonical } from '../audit/chain.js';
import { pinHash, pinName, pinnedPart, type PinKind } from './fingerprint.js';
import type { PinRow, PinStatus, PinStore } from './store.js';

export type PinMode = 'tofu' | 'approve' | 'off';

export interface PinEvent {
  /** `pins/first-use`, `pins/pending`, `pins/blocked`, `pins/removed`, or `pins/<decision>` from a person. */
  method: string;
  upstream: string;
  detail: string;
  by?: string | undefined;
}

export interface PinGuardOptions {
  modeFor(upstream: string): PinMode;
  pollMs: number;
  scan: ScanOptions | false;
  /** Administrative changes, for the audit trail and the log. */
  onEvent(e: PinEvent): void;
  /** Decisions made elsewhere changed what agents may see: they should re-list. */
  onDecision(): void;
  onError(err: unknown): void;
}

const KINDS: ReadonlyArray<[keyof Catalog, Exclude<PinKind, 'instructions'>]> = [
  ['tools', 'tool'],
  ['prompts', 'prompt'],
  ['resourceTemplates', 'resourceTemplate'],
];

const key = (upstream: string, kind: PinKind, name: string) => `${upstream}\u0000${kind}\u0000${name}`;

export class PinGuard {
  /** (upstream, kind, name) → hash → status, mirrored from the store. */
  private known = new Map<string, Map<string, PinStatus>>();
  private epoch = -1;
  /** Bumped by every local write, so a re-read that raced one is not allowed to undo it. */
  private generation = 0;
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  /** Names per upstream from the latest listing, to spot references to other servers' tools. */
  private readonly toolNames = new Map<string, Set<string>>();

  constructor(
    private readonly store: PinStore,
    private readonly opts: PinGuardOptions,
  ) {}

  static async open(store: PinStore, opts: PinGuardOptions): Promise<PinGuard> {
    const g = new PinGuard(store, opts);
    await g.refresh(false);
    g.timer = setInterval(() => void g.poll(), opts.pollMs);
    g.timer.unref();
    return g;
  }

  close(): void {
    clearInterval(this.timer);
  }

  enforced(upstream: string): boolean {
    return this.opts.modeFor(upstream) !== 'off';
  }

  /** Whether this exact definition may be listed and used. */
  allows(upstream: string, kind: PinKind, def: Params | string, name?: string): boolean {
    if (!this.enforced(upstream)) return true;
    const n = name ?? (typeof def === 'string' ? '' : pinName(kind, def));
    if (n === undefined) return false;
    return this.known.get(key(upstream, kind, n))?.get(pinHash(kind, def)) === 'trusted';
  }

  /**
   * Pin what one connection just listed (before it is served). `previous` is the same connection's
   * earlier listing: trusted items missing from the new one are recorded as removed.
   */
  async observe(upstream: string, next: Catalog, previous: Catalog | undefined, instructions: string | undefined): Promise<void> {
    if (!this.enforced(upstream)) return;
    const siblings = new Set<string>();
    for (const t of next.tools) if (typeof t.name === 'string') siblings.add(t.name.toLowerCase());
    this.toolNames.set(upstream, siblings);
    const now = new Date().toISOString();
    const fresh: Array<Parameters<PinStore['record']>[0][number]> = [];
    const consider = (kind: PinKind, def: Params | string, name: string, scan: () => ScanResult | undefined) => {
      const h = pinHash(kind, def);
      const status = this.known.get(key(upstream, kind, name))?.get(h);
      // A version that went away (removed, or replaced by an approved one) and comes back is asked about again.
      if (status !== undefined && status !== 'removed' && status !== 'superseded') return;
      const r = scan();
      const action = r?.action ?? 'allow';
      const verdict: PinStatus = action === 'block' ? 'blocked' : status !== undefined || action === 'approve' || this.opts.modeFor(upstream) === 'approve' ? 'pending' : 'trusted';
      const findings = (r?.findings ?? []).map((f) => ({ ruleId: f.ruleId, severity: f.severity, path: f.path, evidence: f.evidence, explanation: f.explanation }));
      fresh.push({ upstream, kind, name, hash: h, status: verdict, trustIfFirst: verdict === 'trusted', definition: canonical(pinnedPart(kind, def)), findings: JSON.stringify(findings), firstSeen: now });
    };
    const foreign = this.foreignNames(upstream, siblings);
    const opts = this.opts.scan;
    for (const [field, kind] of KINDS) {
      for (const def of next[field]) {
        const name = pinName(kind, def);
        if (name === undefined) continue;
        consider(kind, def, name, () => {
          if (!opts) return undefined;
          const ctx = { server: upstream, siblings, foreign };
          return kind === 'tool' ? scanTool(def, ctx, opts) : kind === 'prompt' ? scanPrompt(def, ctx, opts) : scanResourceTemplate(def, ctx, opts);
        });
      }
    }
    if (instructions !== undefined && instructions !== '') {
      consider('instructions', instructions, '', () => (opts ? scanPrompt({ name: 'instructions', description: instructions }, { server: upstream, siblings, foreign }, opts) : undefined));
    }
    const stored = await this.store.record(fresh);
    for (const row of stored) {
      this.remember(row);
      const first = fresh.find((f) => f.kind === row.kind && f.name === row.name && f.hash === row.hash);
      const changed = this.hasOtherVersion(row);
      const label = `${row.kind} "${row.name || '(instructions)'}" ${row.hash.slice(0, 12)}`;
      if (row.status === 'trusted' && row.decidedBy === 'trust-on-first-use' && first) this.opts.onEvent({ method: 'pins/first-use', upstream, detail: `${label} trusted on first use` });
      else if (row.status === 'pending') this.opts.onEvent({ method: 'pins/pending', upstream, detail: `${label} ${changed ? 'changed' : 'is new'}: hidden until approved${summary(row)}` });
      else if (row.status === 'blocked') this.opts.onEvent({ method: 'pins/blocked', upstream, detail: `${label} blocked by the poisoning policy${summary(row)}` });
    }
    if (previous) await this.recordRemovals(upstream, previous, next, now);
  }

  private async recordRemovals(upstream: string, previous: Catalog, next: Catalog, at: string): Promise<void> {
    for (const [field, kind] of KINDS) {
      const now = new Set(next[field].map((d) => pinName(kind, d)));
      const gone = previous[field].map((d) => pinName(kind, d)).filter((n): n is string => n !== undefined && !now.has(n));
      const trustedGone = gone.filter((n) => [...(this.known.get(key(upstream, kind, n))?.values() ?? [])].includes('trusted'));
      if (trustedGone.length === 0) continue;
      await this.store.markRemoved(upstream, kind, trustedGone, at);
      this.generation++;
      for (const n of trustedGone) {
        const versions = this.known.get(key(upstream, kind, n));
        for (const [h, s] of versions ?? []) if (s === 'trusted') versions!.set(h, 'removed');
        this.opts.onEvent({ method: 'pins/removed', upstream, detail: `${kind} "${n}" no longer offered: a returning version needs approval` });
      }
    }
  }

  /** Other upstreams' tool names, except those this upstream defines itself (a name it owns is no reference). */
  private foreignNames(upstream: string, own: ReadonlySet<string>): Map<string, string> {
    const out = new Map<string, string>();
    for (const [u, names] of this.toolNames) if (u !== upstream) for (const n of names) if (!own.has(n) && !out.has(n)) out.set(n, u);
    return out;
  }

  private hasOtherVersion(row: PinRow): boolean {
    const versions = this.known.get(key(row.upstream, row.kind, row.name));
    return versions !== undefined && [...versions.keys()].some((h) => h !== row.hash);
  }

  private remember(row: PinRow): void {
    this.generation++;
    const k = key(row.upstream, row.kind, row.name);
    let versions = this.known.get(k);
    if (!versions) this.known.set(k, (versions = new Map()));
    versions.set(row.hash, row.status);
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      await this.refresh(true);
    } catch (err) {
      this.opts.onError(err);
    } finally {
      this.polling = false;
    }
  }

  /** Re-read every pin when the epoch moved; audit decisions a person made since the last read. */
  private async refresh(announce: boolean): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const generation = this.generation;
      const epoch = await this.store.epoch();
      if (epoch === this.epoch) return;
      const rows = await this.store.list();
      // A pin recorded here while the rows were read may be missing from them: read again.
      if (this.generation !== generation) continue;
      this.apply(rows, epoch, announce);
      return;
    }
  }

  private apply(rows: PinRow[], epoch: number, announce: boolean): void {
    const next = new Map<string, Map<string, PinStatus>>();
    let visibleChange = false;
    for (const row of rows) {
      const k = key(row.upstream, row.kind, row.name);
      let versions = next.get(k);
      if (!versions) next.set(k, (versions = new Map()));
      versions.set(row.hash, row.status);
      const before = this.known.get(k)?.get(row.hash);
      if (announce && before !== row.status) {
        if ((before === 'trusted') !== (row.status === 'trusted')) visibleChange = true;
        if (row.decidedBy && row.decidedBy !== 'trust-on-first-use' && row.decidedBy !== 'upstream' && before !== undefined) {
          this.opts.onEvent({ method: `pins/${row.status === 'trusted' ? 'approve' : row.status === 'rejected' ? 'reject' : row.status}`, upstream: row.upstream, by: row.decidedBy, detail: `${row.kind} "${row.name || '(instructions)'}" ${row.hash.slice(0, 12)}: ${before} → ${row.status} by ${row.decidedBy} at ${row.decidedAt ?? '?'}${row.reason ? ` (${row.reason})` : ''}` });
        }
      }
    }
    this.known = next;
    this.epoch = epoch;
    if (visibleChange) this.opts.onDecision();
  }
}

function summary(row: PinRow): string {
  try {
    const f = JSON.parse(row.findings) as Array<{ ruleId: string }>;
    return f.length ? ` (findings: ${[...new Set(f.map((x) => x.ruleId))].join(', ')})` : '';
  } catch {
    return '';
  }
}

export function scanOptionsFor(cfg: { scan: boolean; threshold?: number | undefined }): ScanOptions | false {
  return cfg.scan ? resolveOptions(cfg.threshold === undefined ? {} : { threshold: cfg.threshold }) : false;
}
