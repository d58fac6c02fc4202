// The whole content chain on one text, as the response stages and `portcullis scan output` use it:
// sanitize first (so that hidden characters can neither split a secret nor hide an instruction),
// then secrets, PII and injection on the sanitized text. Findings are reported with offsets into
// the ORIGINAL text. Pure: no I/O.

import { Buffer } from 'node:buffer';
import { DEFAULT_INJECTION_THRESHOLD, scoreInjection, type InjectionResult } from './injection.js';
import { applyPiiActions, findPii, maskValue, type PiiAction, type PiiFinding, type PiiKind } from './pii.js';
import { sanitize, type HiddenKind, type Removal } from './sanitize.js';
import { redactSpans, scanSecrets, type SecretFinding } from './secrets.js';

export interface ContentThresholds {
  /** Injection score at or above which a text is flagged (default: the model's 1%-FPR threshold). */
  injection?: number;
  /** PII kinds looked for (default: all). */
  piiTypes?: readonly PiiKind[];
  /** Action per PII kind for the redacted text (default: redact). */
  piiActions?: Partial<Record<PiiKind, PiiAction>>;
}

export interface OutputScan {
  /** Sanitized text with secrets and PII replaced (`[REDACTED:<kind>]`, or masked per piiActions). */
  redacted: string;
  hidden: { changed: boolean; counts: Record<HiddenKind, number>; removed: Removal[]; hiddenText: string };
  secrets: SecretFinding[];
  pii: PiiFinding[];
  injection: InjectionResult;
  /** True when a detector ran out of its work budget before the end of the text. */
  truncated: boolean;
}

export function scanOutput(text: string, thresholds: ContentThresholds = {}): OutputScan {
  const clean = sanitize(text);
  const t = clean.text;
  const secretScan = scanSecrets(t);
  // PII inside a secret is part of the secret (a token in a URL with user:password@host)
  const pii = findPii(t, thresholds.piiTypes).filter((p) => !secretScan.findings.some((s) => p.start < s.end && s.start < p.end));
  const injection = scoreInjection(t, { threshold: thresholds.injection ?? DEFAULT_INJECTION_THRESHOLD });
  if (clean.hiddenText.length > 0) {
    // ASCII smuggled in Unicode tag characters is invisible to a reviewer: it is an instruction to
    // the model or nothing, so it always flags, and it is scored like any other text too.
    const hidden = scoreInjection(clean.hiddenText, { threshold: thresholds.injection ?? DEFAULT_INJECTION_THRESHOLD });
    injection.rules.push('hidden-tags', ...hidden.rules.filter((r) => !injection.rules.includes(r)));
    injection.score = Math.max(injection.score, hidden.score, 0.99);
    injection.flagged = injection.score >= (thresholds.injection ?? DEFAULT_INJECTION_THRESHOLD);
  } else if (clean.counts['zero-width'] + clean.counts.bidi > 0) {
    injection.rules.push('hidden-unicode');
  }
  // secrets are always redacted; PII per its action (findings never overlap, see above)
  const piiActed = applyPiiActions(t, pii, thresholds.piiActions ?? {}).findings;
  const spans: Array<{ kind: string; start: number; end: number; mask: boolean }> = [
    ...secretScan.findings.map((s) => ({ ...s, mask: false })),
    ...piiActed.map((p) => ({ kind: p.kind, start: p.start, end: p.end, mask: p.action === 'mask' })),
  ];
  const redacted = redactSpans(t, spans, (f, original) => (f.mask ? maskValue(original) : `[REDACTED:${f.kind}]`));
  const map = <F extends { start: number; end: number }>(f: F): F => ({ ...f, start: clean.toOriginal(f.start), end: clean.toOriginal(f.end - 1) + 1 });
  return {
    redacted,
    hidden: { changed: clean.changed, counts: clean.counts, removed: clean.removed, hiddenText: clean.hiddenText },
    secrets: secretScan.findings.map(map),
    pii: pii.map(map),
    injection,
    truncated: secretScan.truncated,
  };
}

// ---- the batch shape of `portcullis scan output FILE.jsonl --json` ----

export interface OutputLineResult {
  id: unknown;
  injection: { score: number; flagged: boolean };
  secrets: Array<{ kind: string; start: number; end: number }>;
  pii: Array<{ kind: PiiKind; start: number; end: number }>;
}

export interface OutputLineError {
  id: unknown;
  error: string;
}

/**
 * One input line `{"id": …, "text": …}` → one output line in the documented shape. A line whose
 * `text` is not a string yields `{id, error}` rather than throwing.
 */
export function scanOutputLine(obj: unknown, thresholds: ContentThresholds = {}): OutputLineResult | OutputLineError {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return { id: null, error: 'a line must be a JSON object {"id", "text"}' };
  const rec = obj as Record<string, unknown>;
  const id = rec['id'] ?? null;
  const text = rec['text'];
  if (typeof text !== 'string') return { id, error: '"text" must be a string' };
  const r = scanOutput(text, thresholds);
  return {
    id,
    injection: { score: Math.round(r.injection.score * 1e4) / 1e4, flagged: r.injection.flagged },
    secrets: r.secrets.map((s) => ({ kind: s.kind, start: s.start, end: s.end })),
    pii: r.pii.map((p) => ({ kind: p.kind, start: p.start, end: p.end })),
  };
}

/**
 * Text carried as base64 (a resource blob): the decoded text when it is valid UTF-8 and mostly
 * printable, else undefined (binary: pass it on as is and record that it was not scanned).
 */
export function decodeTextBlob(base64: string, maxBytes = 16 * 1024 * 1024): string | undefined {
  if (base64.length > (maxBytes * 4) / 3 + 4) return undefined;
  const bytes = Buffer.from(base64, 'base64');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  let control = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 32 && c !== 9 && c !== 10 && c !== 13) control++;
  }
  return control <= text.length / 100 ? text : undefined;
}
