/**
 * Audit sinks for the core: a log sink (one structured line per message), a JSONL file, memory (tests),
 * and none. The tamper-evident trail builds on the same AuditSink port; `trailOptions` maps the config's
 * `audit:` section onto it (sqlite, jsonl, postgres).
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type { Config } from '../config/schema.js';
import type { AuditEvent, AuditSink } from '../pipeline/types.js';
import type { Logger } from '../telemetry/log.js';
import type { AuditLog } from './port.js';
import type { AuditTrailOptions, TrailLocation } from './trail.js';

export class MemoryAuditSink implements AuditSink {
  readonly events: AuditEvent[] = [];
  append(e: AuditEvent): void {
    this.events.push(e);
  }
  async close(): Promise<void> {}
}

/** One line per message on stderr (through the logger). Records after stderr has failed are counted as lost. */
export class LogAuditSink implements AuditSink {
  lost = 0;
  constructor(
    private readonly log: Logger,
    private readonly writable: () => boolean = () => true,
  ) {}
  append(e: AuditEvent): void {
    if (!this.writable()) {
      this.lost++;
      return;
    }
    this.log.info({ audit: e }, 'audit');
  }
  healthy(): boolean {
    return this.writable();
  }
  async close(): Promise<void> {}
}

/**
 * Plain JSON lines appended to a file. A file that cannot be written (disk full, a read-only or vanished
 * mount) must not end the gateway: records are counted as lost, each failure is logged (at most once per
 * `retryMs`), the file is reopened on the first record after `retryMs`, and `healthy()` (the admin
 * /readyz) says so meanwhile.
 */
export class FileAuditSink implements AuditSink {
  private out: WriteStream | undefined;
  private failedAt = 0;
  /** Records that never reached the file: failed writes, and those that arrived while it was closed. */
  lost = 0;
  // One callback for every write (not a closure per record): counts the ones that failed.
  private readonly written = (err?: Error | null): void => {
    if (err) this.lost++;
  };

  constructor(
    private readonly path: string,
    private readonly log?: Logger,
    private readonly retryMs = 1000,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.out = this.open();
  }

  private open(): WriteStream {
    const out = createWriteStream(this.path, { flags: 'a' });
    out.on('error', (err) => {
      if (this.out !== out) return;
      this.out = undefined;
      this.failedAt = Date.now();
      this.log?.error({ path: this.path, error: err.message, lost: this.lost }, 'audit file cannot be written: records are lost until it can');
    });
    return out;
  }

  append(e: AuditEvent): void {
    if (!this.out) {
      if (Date.now() - this.failedAt < this.retryMs) {
        this.lost++;
        return;
      }
      this.out = this.open();
    }
    this.out.write(JSON.stringify(e) + '\n', this.written);
  }

  healthy(): boolean {
    return this.out !== undefined;
  }

  close(): Promise<void> {
    const out = this.out;
    this.out = undefined;
    return out ? new Promise((resolve) => out.end(() => resolve())) : Promise.resolve();
  }
}

export const NO_AUDIT: AuditSink = { append() {}, close: async () => {} };

/**
 * This process's chain id in a shared PostgreSQL trail when the config names none: the host name, made
 * safe. Stable across restarts on one host (a container's name, a StatefulSet pod's name); two replicas
 * with the same name are refused at start rather than allowed to fork one chain.
 */
export function defaultChainId(): string {
  return hostname().replace(/[^A-Za-z0-9_.:-]/g, '-').slice(0, 64) || 'gateway';
}

/**
 * Where the config's trail lives. The postgres sink takes its URL and schema from audit.postgres, else
 * from storage.postgres (one database for all shared state), else schema "portcullis".
 */
export function auditLocation(config: Pick<Config, 'audit' | 'storage'>): TrailLocation | undefined {
  const a = config.audit;
  if (a.sink === 'sqlite' || a.sink === 'jsonl') return a.path === undefined ? undefined : { kind: a.sink, path: a.path };
  if (a.sink !== 'postgres') return undefined;
  const url = a.postgres?.url ?? config.storage.postgres?.url;
  if (url === undefined) return undefined;
  return { kind: 'postgres', postgres: { url, schema: a.postgres?.schema ?? config.storage.postgres?.schema ?? 'portcullis', chain: a.postgres?.chain ?? defaultChainId() } };
}

/** The trail's options from the config (undefined for sinks that keep no trail). */
export function trailOptions(config: Pick<Config, 'audit' | 'storage'>, log: AuditLog & { info(obj: object, msg: string): void }): AuditTrailOptions | undefined {
  const a = config.audit;
  const where = auditLocation(config);
  if (!where) return undefined;
  return {
    ...where,
    mode: a.mode,
    ...(a.fsync === undefined ? {} : { fsync: a.fsync }),
    maxQueue: a.queue.max,
    maxBatch: a.queue.batch,
    flushMs: a.queue.flushMs,
    checkpoint: a.checkpoint === false ? false : { key: a.checkpoint.key, every: a.checkpoint.every, intervalMs: a.checkpoint.intervalMs },
    log,
    // Each logged checkpoint is an anchor outside the store: `audit verify --anchor SEQ:HASH`.
    onCheckpoint: (cp) => log.info({ checkpoint: { seq: cp.seq, hash: cp.hash, time: cp.time, ...(where.kind === 'postgres' ? { chain: where.postgres.chain } : {}) } }, 'audit checkpoint'),
  };
}
