/**
 * The text checks on one string of a result, in the order the issue fixes: sanitize first (so hidden
 * characters can neither split a secret nor hide an instruction), then secrets, PII and custom
 * patterns (redacted in one pass), then injection scoring on the sanitized text. Each step runs only
 * when the settings ask for it. What was found goes into the tally; the injection verdict accumulates
 * over every string of the message, and the stage decides once per message.
 */
import { scoreInjection } from '../../detect/content/injection.js';
import { findPii, maskValue } from '../../detect/content/pii.js';
import { sanitize } from '../../detect/content/sanitize.js';
import { redactSpans, scanSecrets } from '../../detect/content/secrets.js';
import type { Settings } from './settings.js';
import type { Tally } from './tally.js';

/** The injection verdict and other message-wide outcomes, accumulated over a message's strings. */
export interface Verdicts {
  score: number;
  flagged: boolean;
  rules: Set<string>;
  /** A secret was found where the settings say block. */
  secretBlocked: boolean;
}

export function newVerdicts(): Verdicts {
  return { score: 0, flagged: false, rules: new Set(), secretBlocked: false };
}

interface Span {
  kind: string;
  start: number;
  end: number;
  mask: boolean;
}

const SECRET_ACTION = { off: 'none', log: 'logged', redact: 'redacted', block: 'blocked' } as const;
const PII_ACTION = { redact: 'redacted', mask: 'masked', allow: 'allowed' } as const;

export function checkText(text: string, s: Settings, tally: Tally, v: Verdicts): string {
  let t = text;
  let visible: string | undefined;
  let hiddenText = '';
  let hiddenUnicode = false;
  if (s.sanitize !== 'off') {
    const clean = sanitize(text);
    if (clean.changed) {
      t = clean.text;
      hiddenText = clean.hiddenText;
      hiddenUnicode = clean.counts['zero-width'] + clean.counts.bidi > 0;
      const action = s.sanitize === 'visible' ? 'made-visible' : 'stripped';
      for (const [kind, n] of Object.entries(clean.counts)) if (n > 0) tally.add('sanitize', kind, action, n);
      if (s.sanitize === 'visible') visible = sanitize(text, { mode: 'visible' }).text;
    }
  }

  const spans: Span[] = [];
  if (s.secrets !== 'off') {
    const found = scanSecrets(t).findings;
    if (found.length > 0) {
      tally.labels.add('secret');
      for (const f of found) {
        tally.add('secrets', f.kind, SECRET_ACTION[s.secrets]);
        if (s.secrets === 'redact') spans.push({ kind: f.kind, start: f.start, end: f.end, mask: false });
      }
      if (s.secrets === 'block') v.secretBlocked = true;
    }
  }
  if (s.piiKinds.length > 0) {
    for (const p of findPii(t, s.piiKinds)) {
      if (overlaps(spans, p.start, p.end)) continue; // PII inside a secret is part of the secret
      const action = s.pii.get(p.kind) ?? 'redact';
      tally.labels.add('pii');
      tally.add('pii', p.kind, PII_ACTION[action]);
      if (action !== 'allow') insert(spans, { kind: p.kind, start: p.start, end: p.end, mask: action === 'mask' });
    }
  }
  for (const cp of s.patterns) {
    for (const m of cp.pattern.find(t)) {
      if (overlaps(spans, m.start, m.end)) continue;
      tally.labels.add(cp.label);
      tally.add(cp.label === 'secret' ? 'secrets' : 'pii', cp.name, PII_ACTION[cp.action]);
      if (cp.action !== 'allow') insert(spans, { kind: cp.name, start: m.start, end: m.end, mask: cp.action === 'mask' });
    }
  }

  if (s.injection !== 'off') {
    const r = scoreInjection(t, { threshold: s.threshold });
    for (const id of r.rules) v.rules.add(id);
    let score = r.score;
    if (hiddenText.length > 0) {
      // ASCII smuggled in Unicode tag characters is an instruction to the model or nothing.
      const hidden = scoreInjection(hiddenText, { threshold: s.threshold });
      for (const id of hidden.rules) v.rules.add(id);
      v.rules.add('hidden-tags');
      score = Math.max(score, hidden.score, 0.99);
    } else if (hiddenUnicode) v.rules.add('hidden-unicode');
    if (score > v.score) v.score = score;
    if (score >= s.threshold) v.flagged = true;
  }

  if (spans.length > 0) return redactSpans(t, spans, (f, original) => (f.mask ? maskValue(original) : `[REDACTED:${f.kind}]`));
  return visible ?? t;
}

/** Whether [start, end) overlaps a span; `spans` is kept sorted by start and non-overlapping. */
function overlaps(spans: readonly Span[], start: number, end: number): boolean {
  const i = firstEndingAfter(spans, start);
  return i < spans.length && spans[i]!.start < end;
}

/** Insert keeping the order (binary search; results with thousands of findings stay n log n). */
function insert(spans: Span[], span: Span): void {
  const i = firstEndingAfter(spans, span.start);
  spans.splice(i, 0, span);
}

/** Index of the first span whose end is after `offset` (spans sorted, non-overlapping). */
function firstEndingAfter(spans: readonly Span[], offset: number): number {
  let lo = 0;
  let hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (spans[mid]!.end <= offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
