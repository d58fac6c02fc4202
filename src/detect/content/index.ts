// The content detectors' public surface (pure functions, no I/O). Stages import from here.
export { sanitize, hasHiddenContent, HIDDEN_KINDS, type HiddenKind, type Removal, type SanitizeOptions, type SanitizeResult } from './sanitize.js';
export { findSecrets, scanSecrets, redactSecrets, redactSpans, compileUserPattern, shannonEntropy, type SecretFinding, type SecretScan, type UserPattern, type UserPatternResult } from './secrets.js';
export { findPii, applyPiiActions, maskValue, luhnValid, ibanValid, PII_KINDS, type PiiKind, type PiiFinding, type PiiAction, type PiiRedaction } from './pii.js';
export { scoreInjection, matchRules, DEFAULT_INJECTION_THRESHOLD, STRICT_INJECTION_THRESHOLD, type InjectionOptions, type InjectionResult } from './injection.js';
export { INJECTION_RULES, type InjectionRule } from './injection-rules.js';
export { scanOutput, scanOutputLine, decodeTextBlob, type ContentThresholds, type OutputScan, type OutputLineResult, type OutputLineError } from './scan.js';
