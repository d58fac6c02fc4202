/**
 * From findings to a score, a flag and an action. The score is a noisy-OR over the strongest finding
 * of each rule (so one rule repeated in ten fields counts once), with per-severity weights. God-tool
 * findings describe a capability, not malice, and are left out of the score; the policy still acts
 * on them.
 */
import { ACTION_RANK, SEVERITY_RANK } from './options.js';
import type { Action, Finding, Policy, ScanOptions, Severity } from './types.js';

export function scoreFindings(findings: readonly Finding[], weights: Readonly<Record<Severity, number>>): number {
  const strongest = new Map<string, Severity>();
  for (const f of findings) {
    if (f.family === 'god-tool') continue;
    const old = strongest.get(f.ruleId);
    if (old === undefined || SEVERITY_RANK[f.severity] > SEVERITY_RANK[old]) strongest.set(f.ruleId, f.severity);
  }
  let keep = 1;
  for (const sev of strongest.values()) keep *= 1 - weights[sev];
  return Math.round((1 - keep) * 1000) / 1000;
}

export function actionFor(finding: Finding, policy: Policy): Action {
  for (const r of policy.rules) {
    if (r.family !== undefined && r.family !== finding.family) continue;
    if (r.ruleId !== undefined && r.ruleId !== finding.ruleId) continue;
    if (SEVERITY_RANK[finding.severity] < SEVERITY_RANK[r.minSeverity]) continue;
    return r.action;
  }
  return 'allow';
}

export function decide(findings: readonly Finding[], options: ScanOptions): { score: number; flagged: boolean; action: Action } {
  const score = scoreFindings(findings, options.weights);
  const flagged = score >= options.threshold;
  let action: Action = flagged ? options.policy.flagged : 'allow';
  for (const f of findings) {
    const a = actionFor(f, options.policy);
    if (ACTION_RANK[a] > ACTION_RANK[action]) action = a;
  }
  return { score, flagged, action };
}
