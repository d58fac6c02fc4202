/**
 * The admin records the trail writes about itself. They are ordinary chained events, so an operator's
 * search shows them, and verify reads two facts from them: the checkpoint policy in force (to spot
 * removed checkpoints) and the announcement of each retention cut.
 */
import { randomBytes } from 'node:crypto';
import type { AuditEvent } from '../pipeline/types.js';
import { newTraceId } from '../telemetry/trace-id.js';

export const SYSTEM_PRINCIPAL: AuditEvent['principal'] = Object.freeze({ subject: 'portcullis', roles: Object.freeze([]) as readonly string[] });

export interface OpenNote {
  /** Records between count-based checkpoints; 0 when checkpoints are off or time-based only. */
  checkpointEvery: number;
  mode: 'sync' | 'async';
  keyId?: string;
  /** Several writers in one store: the other chains' latest checkpoints as this writer found them. */
  witness?: Readonly<Record<string, { seq: number; hash: string }>>;
}

export interface CutNote {
  fromSeq: number;
  prevHash: string;
  checkpointEvery: number;
}

export function trailEvent(method: 'audit/open' | 'audit/cut', note: OpenNote | CutNote, principal = SYSTEM_PRINCIPAL): AuditEvent {
  return {
    time: new Date().toISOString(),
    id: `audit-${method.slice(6)}-${randomBytes(6).toString('hex')}`,
    traceId: newTraceId(),
    direction: 'inbound',
    kind: 'admin',
    transport: 'admin',
    principal,
    method,
    outcome: 'allowed',
    detail: JSON.stringify(note),
    stages: [],
    latencyMs: 0,
  };
}

export function parseNote(e: AuditEvent, method: 'audit/open' | 'audit/cut'): Record<string, unknown> | undefined {
  if (e.kind !== 'admin' || e.method !== method || typeof e.detail !== 'string') return undefined;
  try {
    const v: unknown = JSON.parse(e.detail);
    return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The count-based checkpoint interval an open or cut record declares (Infinity: none), or undefined. */
export function policyOf(e: AuditEvent): number | undefined {
  const n = parseNote(e, 'audit/open') ?? parseNote(e, 'audit/cut');
  const every = n?.checkpointEvery;
  if (typeof every !== 'number' || !Number.isSafeInteger(every) || every < 0) return undefined;
  return every === 0 ? Infinity : every;
}
