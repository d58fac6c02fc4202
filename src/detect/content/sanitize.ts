// Sanitizing untrusted text before it reaches a model or a terminal: terminal control sequences,
// Unicode tag characters ("ASCII smuggling"), zero-width characters and bidi controls ("Trojan
// Source") are removed or made visible, and every removal is reported with its kind and offsets.
// Pure: no I/O. Linear: one native scan for the suspect characters (a single character class,
// which cannot backtrack), then bounded work per suspect character.

import { codeUnits } from './code-units.js';

export type HiddenKind = 'ansi' | 'control' | 'tag' | 'zero-width' | 'bidi' | 'variation-selector';

export const HIDDEN_KINDS: readonly HiddenKind[] = ['ansi', 'control', 'tag', 'zero-width', 'bidi', 'variation-selector'];

export interface Removal {
  kind: HiddenKind;
  /** Offsets in the input text (UTF-16 code units), end exclusive. Adjacent removals of one kind are merged. */
  start: number;
  end: number;
  /** Characters (ANSI: sequences) removed in this run. */
  count: number;
}

export interface SanitizeOptions {
  /** `strip` removes; `visible` replaces each removal with a printable marker such as `<U+200B>`. */
  mode?: 'strip' | 'visible';
  /** At most this many runs are listed in `removed` (counts stay exact). Default 1000. */
  maxReported?: number;
}

export interface SanitizeResult {
  text: string;
  changed: boolean;
  /** Exact counts per kind. */
  counts: Record<HiddenKind, number>;
  /** The first `maxReported` runs, in input order. */
  removed: Removal[];
  truncated: boolean;
  /** ASCII carried by Unicode tag characters (runs joined by a space); scan it like visible text. */
  hiddenText: string;
  /**
   * Maps an offset in `text` back to the input (for reporting findings on the original). Map a span's
   * end as `toOriginal(end - 1) + 1` so that it does not swallow characters removed right after it.
   */
  toOriginal: (offset: number) => number;
}

// Everything we may remove, as one class. TAB, LF and CR are kept; U+FE00–U+FE0F (emoji
// presentation selectors) are kept; the supplementary selectors U+E0100–U+E01EF are not, as runs of
// them can encode arbitrary bytes.
// One byte per UTF-16 code unit: 1 = suspect, 2 = high surrogate of the tag/selector plane (check
// the low half). A table lookup per character is the whole cost of the common case.
const SUSPECT = new Uint8Array(0x10000);
{
  const ranges: Array<[number, number]> = [
    [0x00, 0x08], [0x0b, 0x0c], [0x0e, 0x1f], [0x7f, 0x9f], [0xad, 0xad], [0x34f, 0x34f], [0x61c, 0x61c], [0x115f, 0x1160],
    [0x17b4, 0x17b5], [0x180e, 0x180e], [0x200b, 0x200f], [0x202a, 0x202e], [0x2060, 0x2064], [0x2066, 0x206f],
    [0x3164, 0x3164], [0xfeff, 0xfeff], [0xffa0, 0xffa0], [0xfff9, 0xfffb],
  ];
  for (const [a, b] of ranges) SUSPECT.fill(1, a, b + 1);
  SUSPECT[0xdb40] = 2;
}

/** Index of the next suspect code unit at or after `from`, or -1. */
function nextSuspect(units: Uint16Array, from: number): number {
  const suspect = SUSPECT; // a local: a module constant would be re-checked at every character
  const n = units.length;
  let i = from;
  for (;;) {
    // Eight characters per test while nothing is suspect (the common case): one branch per eight
    // characters, and eight loads that do not wait for one another.
    for (; i + 7 < n; i += 8) {
      const any =
        suspect[units[i]!]! | suspect[units[i + 1]!]! | suspect[units[i + 2]!]! | suspect[units[i + 3]!]! |
        suspect[units[i + 4]!]! | suspect[units[i + 5]!]! | suspect[units[i + 6]!]! | suspect[units[i + 7]!]!;
      if (any !== 0) break;
    }
    // then one by one through that block (or the last few characters)
    const blockEnd = Math.min(n, i + 8);
    for (; i < blockEnd; i++) {
      const k = suspect[units[i]!]!;
      if (k === 0) continue;
      if (k === 1) return i;
      const low = i + 1 < n ? units[i + 1]! : 0;
      if (low >= 0xdc00 && low <= 0xddef) return i;
    }
    if (i >= n) return -1;
  }
}

const MAX_ANSI_CSI = 64; // longest CSI sequence we recognize; beyond that only ESC itself is removed
const MAX_ANSI_STRING = 4096; // OSC/DCS/APC/PM/SOS payload bound (OSC 8 hyperlinks carry URLs)

function kindOf(code: number): HiddenKind {
  if (code === 0x1b || code === 0x9b || code === 0x9d) return 'ansi';
  if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return 'control';
  if (code === 0x200e || code === 0x200f || code === 0x061c || (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069)) {
    return 'bidi';
  }
  return 'zero-width';
}

/** Length of the escape sequence starting at `i` (text[i] is ESC, CSI or OSC), at least 1. */
function ansiLength(text: string, i: number): number {
  const first = text.charCodeAt(i);
  let j = i + 1;
  let kind: 'csi' | 'string' | 'short';
  if (first === 0x9b) kind = 'csi';
  else if (first === 0x9d) kind = 'string';
  else {
    const next = text.charCodeAt(j);
    if (next === 0x5b /* [ */) {
      kind = 'csi';
      j++;
    } else if (next === 0x5d /* ] */ || next === 0x50 /* P */ || next === 0x58 /* X */ || next === 0x5e /* ^ */ || next === 0x5f /* _ */) {
      kind = 'string';
      j++;
    } else kind = 'short';
  }
  const n = text.length;
  if (kind === 'csi') {
    const limit = Math.min(n, j + MAX_ANSI_CSI);
    while (j < limit) {
      const c = text.charCodeAt(j);
      if (c >= 0x40 && c <= 0x7e) return j + 1 - i; // final byte
      if (c < 0x20 || c > 0x3f) break; // not a parameter or intermediate byte
      j++;
    }
    return 1;
  }
  if (kind === 'string') {
    const limit = Math.min(n, j + MAX_ANSI_STRING);
    while (j < limit) {
      const c = text.charCodeAt(j);
      if (c === 0x07 || c === 0x9c) return j + 1 - i; // BEL or ST
      if (c === 0x1b && text.charCodeAt(j + 1) === 0x5c) return j + 2 - i; // ESC \
      j++;
    }
    return 1;
  }
  // ESC followed by intermediates (0x20–0x2F) and one final byte (0x30–0x7E), e.g. ESC ( B, ESC 7.
  const limit = Math.min(n, j + 4);
  while (j < limit) {
    const c = text.charCodeAt(j);
    if (c >= 0x30 && c <= 0x7e) return j + 1 - i;
    if (c < 0x20 || c > 0x2f) break;
    j++;
  }
  return 1;
}

function isAsciiAt(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c >= 0x20 && c < 0x7f;
}

/** C0 and C1 controls inside an escape sequence shown as <U+XXXX>. */
function printable(s: string): string {
  let out = '';
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    out += c < 0x20 || (c >= 0x7f && c <= 0x9f) ? `<U+${hex(c)}>` : s[k];
  }
  return out;
}

function hex(code: number): string {
  return code.toString(16).toUpperCase().padStart(4, '0');
}

/** Cheap test: does the text contain anything `sanitize` would change? */
export function hasHiddenContent(text: string): boolean {
  return nextSuspect(codeUnits(text), 0) >= 0;
}

interface Builder {
  parts: string[];
  removed: Removal[];
  counts: Record<HiddenKind, number>;
  // breakpoints for offset mapping: after output offset outAt[k], input is ahead by shift[k]
  outAt: number[];
  shift: number[];
  hidden: string[];
}

/** toOriginal of a text that sanitize left unchanged (shared: no closure per call). */
const unchangedOffset = (offset: number): number => offset;

export function sanitize(text: string, options: SanitizeOptions = {}): SanitizeResult {
  const counts: Record<HiddenKind, number> = { ansi: 0, control: 0, tag: 0, 'zero-width': 0, bidi: 0, 'variation-selector': 0 };
  // converted once: sanitize looks for the next suspect character after each one it handles
  const units = codeUnits(text);
  let i = nextSuspect(units, 0);
  if (i < 0) {
    return { text, changed: false, counts, removed: [], truncated: false, hiddenText: '', toOriginal: unchangedOffset };
  }
  const visible = options.mode === 'visible';
  const maxReported = options.maxReported ?? 1000;
  const b: Builder = { parts: [], removed: [], counts, outAt: [], shift: [], hidden: [] };
  let truncated = false;
  let copied = 0; // input offset up to which text was copied to the output
  let outLen = 0;
  let last: Removal | undefined;

  const remove = (kind: HiddenKind, start: number, end: number, n: number, marker: string): void => {
    if (start > copied) {
      b.parts.push(text.slice(copied, start));
      outLen += start - copied;
    }
    if (visible) {
      b.parts.push(marker);
      outLen += marker.length;
    }
    copied = end;
    counts[kind] += n;
    b.outAt.push(outLen);
    b.shift.push(end - outLen);
    if (last !== undefined && last.kind === kind && last.end === start) {
      last.end = end;
      last.count += n;
    } else if (b.removed.length < maxReported) {
      last = { kind, start, end, count: n };
      b.removed.push(last);
    } else {
      truncated = true;
      last = undefined;
    }
  };

  let resume = 0; // where to look for the next suspect character
  for (; i >= 0; i = nextSuspect(units, Math.max(resume, copied))) {
    resume = i + 1;
    const code = text.charCodeAt(i);
    if (code === 0xdb40) {
      const low = text.charCodeAt(i + 1);
      if (low <= 0xdc7f) {
        // A run of tag characters: decode it, keep it only as a subdivision flag (U+1F3F4 + tags + U+E007F).
        let j = i;
        let decoded = '';
        while (j < text.length && text.charCodeAt(j) === 0xdb40 && text.charCodeAt(j + 1) <= 0xdc7f) {
          const ch = text.charCodeAt(j + 1) - 0xdc00;
          if (ch >= 0x20 && ch < 0x7f) decoded += String.fromCharCode(ch);
          j += 2;
        }
        const isFlag = i >= 2 && text.charCodeAt(i - 2) === 0xd83c && text.charCodeAt(i - 1) === 0xdff4 && text.charCodeAt(j - 1) === 0xdc7f && /^[a-z0-9]{2,7}$/.test(decoded);
        if (!isFlag) {
          if (decoded.length > 0) b.hidden.push(decoded);
          remove('tag', i, j, (j - i) / 2, `<TAG:${decoded}>`);
        }
        resume = j;
      } else {
        remove('variation-selector', i, i + 2, 1, `<U+E${hex(low - 0xdc00 + 0x100).slice(1)}>`);
      }
      continue;
    }
    if (code === 0x1b || code === 0x9b || code === 0x9d) {
      const len = ansiLength(text, i);
      const seq = text.slice(i, i + len);
      remove('ansi', i, i + len, 1, visible ? `␛${printable(seq.slice(1))}` : '');
      continue;
    }
    const kind = kindOf(code);
    // ZWJ and ZWNJ join scripts and emoji: keep them between two non-ASCII characters.
    if ((code === 0x200d || code === 0x200c) && i > 0 && !isAsciiAt(text, i - 1) && i + 1 < text.length && !isAsciiAt(text, i + 1) && SUSPECT[text.charCodeAt(i + 1)] === 0) {
      continue;
    }
    const marker = kind === 'control' && code < 0x20 ? String.fromCharCode(0x2400 + code) : `<U+${hex(code)}>`;
    remove(kind, i, i + 1, 1, marker);
  }
  if (copied === 0 && b.outAt.length === 0) {
    return { text, changed: false, counts, removed: [], truncated: false, hiddenText: '', toOriginal: unchangedOffset };
  }
  if (copied < text.length) b.parts.push(text.slice(copied));
  const outAt = Int32Array.from(b.outAt);
  const shift = Int32Array.from(b.shift);
  const toOriginal = (offset: number): number => {
    // last breakpoint with outAt <= offset (a finding starting right after a removal maps past it)
    let lo = 0;
    let hi = outAt.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((outAt[mid] ?? 0) <= offset) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? offset : offset + (shift[found] ?? 0);
  };
  return {
    text: b.parts.join(''),
    changed: true,
    counts,
    removed: b.removed,
    truncated,
    hiddenText: b.hidden.join(' '),
    toOriginal,
  };
}
