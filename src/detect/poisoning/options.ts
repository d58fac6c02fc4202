/**
 * Defaults of the poisoning detector: severity weights, flag threshold, work limits and the default
 * policy. Options are validated and frozen once (resolveOptions), never per item.
 */
import type { Action, Limits, Policy, ScanOptions, Severity } from './types.js';

/**
 * Weights for the noisy-OR score. One `high` finding flags at the default threshold 0.5; one `medium`
 * does not, two different medium rules do (1 - 0.7² = 0.51); lows only add colour.
 */
export const DEFAULT_WEIGHTS: Readonly<Record<Severity, number>> = Object.freeze({ low: 0.08, medium: 0.3, high: 0.7, critical: 0.95 });

export const DEFAULT_THRESHOLD = 0.5;

export const DEFAULT_LIMITS: Limits = Object.freeze({
  maxItems: 5_000,
  maxFieldChars: 64 * 1024,
  maxItemChars: 256 * 1024,
  maxTotalChars: 16 * 1024 * 1024,
  maxFields: 2_000,
  maxDepth: 24,
});

/**
 * Default policy, strongest first per family. A flagged item is blocked (hidden until a person changes
 * the policy or the definition). God tools are not poisoned, but a person should approve exposing them.
 * Findings the scanner could not complete (limits) ask for approval: fail closed, never silently pass.
 */
export const DEFAULT_POLICY: Policy = Object.freeze({
  flagged: 'block',
  rules: Object.freeze([
    { minSeverity: 'critical', action: 'block' },
    { family: 'god-tool', minSeverity: 'high', action: 'approve' },
    { family: 'god-tool', minSeverity: 'medium', action: 'warn' },
    { family: 'limits', minSeverity: 'medium', action: 'approve' },
    { family: 'collision', minSeverity: 'high', action: 'block' },
    { minSeverity: 'high', action: 'approve' },
    { minSeverity: 'medium', action: 'warn' },
  ]),
} satisfies Policy);

export const SEVERITY_RANK: Readonly<Record<Severity, number>> = Object.freeze({ low: 0, medium: 1, high: 2, critical: 3 });
export const ACTION_RANK: Readonly<Record<Action, number>> = Object.freeze({ allow: 0, warn: 1, approve: 2, block: 3 });

export interface ScanOptionsInput {
  threshold?: number;
  weights?: Partial<Record<Severity, number>>;
  limits?: Partial<Limits>;
  policy?: Policy;
}

/** Merge, check and freeze options. Throws on nonsense (a configuration bug), never per item. */
export function resolveOptions(input: ScanOptionsInput = {}): ScanOptions {
  const threshold = input.threshold ?? DEFAULT_THRESHOLD;
  if (!(threshold > 0 && threshold <= 1)) throw new RangeError(`poisoning threshold must be in (0, 1], got ${threshold}`);
  const weights = { ...DEFAULT_WEIGHTS, ...input.weights };
  for (const [k, w] of Object.entries(weights)) {
    if (!(w >= 0 && w < 1)) throw new RangeError(`poisoning weight for ${k} must be in [0, 1), got ${w}`);
  }
  const limits = { ...DEFAULT_LIMITS, ...input.limits };
  for (const [k, v] of Object.entries(limits)) {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`poisoning limit ${k} must be a positive integer, got ${v}`);
  }
  return Object.freeze({ threshold, weights: Object.freeze(weights), limits: Object.freeze(limits), policy: input.policy ?? DEFAULT_POLICY });
}

export const DEFAULT_OPTIONS: ScanOptions = resolveOptions();
