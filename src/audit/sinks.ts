/**
 * Audit sinks for the core: a log sink (one structured line per message), a JSONL file, memory (tests),
 * and none. The tamper-evident trail builds on the same AuditSink port.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { AuditEvent, AuditSink } from '../pipeline/types.js';
import type { Logger } from '../telemetry/log.js';

export class MemoryAuditSink implements AuditSink {
  readonly events: AuditEvent[] = [];
  append(e: AuditEvent): void {
    this.events.push(e);
  }
  async close(): Promise<void> {}
}

export class LogAuditSink implements AuditSink {
  constructor(private readonly log: Logger) {}
  append(e: AuditEvent): void {
    this.log.info({ audit: e }, 'audit');
  }
  async close(): Promise<void> {}
}

export class FileAuditSink implements AuditSink {
  private readonly out: WriteStream;
  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.out = createWriteStream(path, { flags: 'a' });
  }
  append(e: AuditEvent): void {
    this.out.write(JSON.stringify(e) + '\n');
  }
  close(): Promise<void> {
    return new Promise((resolve) => this.out.end(() => resolve()));
  }
}

export const NO_AUDIT: AuditSink = { append() {}, close: async () => {} };
