// Patterns from the config (custom secret or PII formats) run on every message: they must be
// linear-time. They are compiled with RE2 (re2js) at config load, and refused there when RE2 cannot
// compile them — backreferences, lookaround, possessive or atomic groups — or when they are too big.
// Decisions are data: the result says ok or why not; nothing throws. Pure: no I/O.

import { RE2JS } from 're2js';

export interface UserPattern {
  source: string;
  /** Every non-overlapping match, as offsets. */
  find(text: string): Array<{ start: number; end: number }>;
}

export type UserPatternResult = { ok: true; pattern: UserPattern } | { ok: false; reason: string };

const MAX_PATTERN_LENGTH = 2000;
const MAX_PROGRAM_SIZE = 20000;

/**
 * Compiles a pattern from the config with RE2 (linear-time matching). Refuses what RE2 cannot run
 * in linear time — backreferences, lookaround, possessive or atomic groups — and oversized programs;
 * call it at config load so that a bad pattern is an error there and never reaches the hot path.
 */
export function compileUserPattern(source: string): UserPatternResult {
  if (source.length === 0) return { ok: false, reason: 'empty pattern' };
  if (source.length > MAX_PATTERN_LENGTH) return { ok: false, reason: `pattern longer than ${MAX_PATTERN_LENGTH} characters` };
  let re: RE2JS;
  try {
    re = RE2JS.compile(source);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return { ok: false, reason: `not a linear-time (RE2) pattern: ${msg}` };
  }
  if (re.programSize() > MAX_PROGRAM_SIZE) return { ok: false, reason: `pattern too large (${re.programSize()} RE2 instructions, limit ${MAX_PROGRAM_SIZE})` };
  const pattern: UserPattern = {
    source,
    find(text) {
      const out: Array<{ start: number; end: number }> = [];
      const m = re.matcher(text);
      let from = 0;
      while (from <= text.length && m.find(from)) {
        const s = m.start(0);
        const e = m.end(0);
        if (e > s) out.push({ start: s, end: e });
        from = e > s ? e : s + 1;
      }
      return out;
    },
  };
  return { ok: true, pattern };
}
