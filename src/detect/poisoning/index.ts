/** Tool-definition poisoning detection: pure functions over untrusted definitions (no I/O). */
export { scanTool, scanPrompt, scanResourceTemplate, scanServers } from './scan.js';
export { DEFAULT_OPTIONS, DEFAULT_POLICY, DEFAULT_THRESHOLD, DEFAULT_WEIGHTS, DEFAULT_LIMITS, resolveOptions, type ScanOptionsInput } from './options.js';
export { scoreFindings, actionFor, decide } from './score.js';
export { skeleton } from './rules/collision.js';
export type { Action, Family, Finding, ItemKind, Limits, Policy, PolicyRule, ScanContext, ScanOptions, ScanResult, ServerListing, ServersInput, ServersScan, Severity } from './types.js';
