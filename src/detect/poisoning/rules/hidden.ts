/**
 * Family "hidden": content a person reviewing the definition does not see but the model reads —
 * Unicode tag characters (decoded into the evidence), zero-width and bidi controls, variation-selector
 * smuggling, ANSI escapes and control characters, HTML/Markdown comments and CSS-hidden elements,
 * lookalike letters from other scripts inside Latin words and names, and text pushed far past the
 * visible part by long runs of blank lines or spaces. Legitimate uses are let through: emoji ZWJ
 * sequences, subdivision flags (which are tag sequences), ZWNJ/ZWJ inside Indic, Arabic or Persian
 * words, and direction marks in right-to-left text.
 */
import { makeFinding, type FieldCtx, type PatternRule, type Sink } from '../engine.js';
import { rx } from '../safe-regex.js';
import type { Field } from '../walk.js';
import type { Severity } from '../types.js';
import { CONFUSABLES, classify, hasNonPlainAscii, isBidiControl, isInvisible, isTag, scriptOf } from '../unicode.js';

const F = 'hidden' as const;

const isPictographic = (cp: number): boolean => (cp >= 0x1f000 && cp <= 0x1faff) || (cp >= 0x2600 && cp <= 0x27bf) || (cp >= 0x1f3fb && cp <= 0x1f3ff) || cp === 0x2640 || cp === 0x2642 || cp === 0x2695 || cp === 0xfe0f || cp === 0x20e3;
const isRtlLetter = (cp: number): boolean => (cp >= 0x0590 && cp <= 0x08ff) || (cp >= 0xfb1d && cp <= 0xfdff) || (cp >= 0xfe70 && cp <= 0xfeff);
/** Scripts where ZWJ/ZWNJ shape letters (Arabic, Hebrew, Syriac, Indic, Sinhala, Khmer, …). */
const isJoiningScript = (cp: number): boolean => (cp >= 0x0590 && cp <= 0x08ff) || (cp >= 0x0900 && cp <= 0x0dff) || (cp >= 0x1780 && cp <= 0x17ff) || (cp >= 0xa8e0 && cp <= 0xa8ff);
const isAsciiAlnum = (cp: number): boolean => (cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a);
const isWs = (cp: number): boolean => cp === 0x20 || cp === 0x09 || cp === 0x0a || cp === 0x0d || cp === 0xa0 || cp === 0x2028 || cp === 0x2029 || cp === 0x3000 || (cp >= 0x2000 && cp <= 0x200a) || cp === 0x202f;
const isBreak = (cp: number): boolean => cp === 0x0a || cp === 0x2028 || cp === 0x2029 || cp === 0x0d;

interface Hit { sev: Severity; id: string; explain: string; start: number; end: number }

/**
 * One linear pass over the raw field (bounded by `limit` code units) for invisible and control
 * characters, mixed-script words and padding. At most one finding per rule id per field.
 */
export function scanHiddenChars(field: Field, limit: number, sink: Sink, continued = false, plainAscii?: boolean): void {
  const s = field.text;
  const n = Math.min(s.length, limit);
  // Plain ASCII (the usual case) can only hide text behind padding; skip the per-character classification.
  // `plainAscii` is the caller's answer for the whole field, when it already has one.
  if (n === s.length && plainAscii !== undefined ? plainAscii : !hasNonPlainAscii(n === s.length ? s : s.slice(0, n))) { asciiPadding(field, n, sink, continued); return; }
  const hits = new Map<string, Hit>();
  const hit = (h: Hit): void => {
    const old = hits.get(h.id);
    if (!old || rank(h.sev) > rank(old.sev)) hits.set(h.id, h);
  };
  let rtl = false;
  for (let i = 0; i < n; i++) { const c = s.charCodeAt(i); if (c >= 0x0590 && isRtlLetter(c)) { rtl = true; break; } if (i > 4096) break; }

  let prev = -1; // previous visible code point
  let tagRun = '';
  let tagStart = -1;
  let tagFlag = false;
  let invisRun = 0;
  let invisStart = -1;
  let vsRun = 0;
  let vsStart = -1;
  // Padding: longest whitespace/invisible run followed by visible text.
  let wsStart = -1;
  let wsBreaks = 0;
  let wsLen = 0;
  let seenVisible = continued; // a tail window continues text that had a visible part
  // Mixed script inside one word.
  let wordStart = -1;
  let wordLatin = false;
  let wordConf = false;
  let mixedWords = 0;
  let mixedFirst: [number, number] | undefined;

  const endWord = (at: number): void => {
    if (wordStart >= 0 && wordLatin && wordConf) { mixedWords++; mixedFirst ??= [wordStart, at]; }
    wordStart = -1; wordLatin = false; wordConf = false;
  };
  const endTags = (at: number, next: number): void => {
    if (tagStart < 0) return;
    const legitFlag = tagFlag && tagRun.length <= 8 && s.codePointAt(at - 2) === 0xe007f;
    if (!legitFlag) {
      const decoded = tagRun.replace(/[^\x20-\x7e]/g, '');
      hit({ sev: 'critical', id: 'hidden.unicode-tags', explain: `Invisible Unicode tag characters encode text: "${decoded.slice(0, 80)}${decoded.length > 80 ? '…' : ''}".`, start: tagStart, end: at });
    }
    tagStart = -1; tagRun = ''; tagFlag = false;
    void next;
  };

  for (let i = 0; i < n; ) {
    const cp = s.codePointAt(i)!;
    // Printable ASCII (most of any text): only words and padding need tracking.
    if (cp >= 0x21 && cp <= 0x7e && tagStart < 0) {
      vsRun = 0;
      invisRun = 0;
      if (isAsciiAlnum(cp)) { if (wordStart < 0) wordStart = i; if (cp >= 0x41) wordLatin = true; }
      else if (cp !== 0x5f) endWord(i);
      if (wsStart >= 0 && seenVisible && (wsBreaks >= 20 || wsLen >= 400)) {
        hit({ sev: 'high', id: 'hidden.padding', explain: `Text continues after ${wsBreaks >= 20 ? `${wsBreaks} blank lines` : `${wsLen} blank characters`}, far past the visible part.`, start: wsStart, end: Math.min(n, i + 60) });
      }
      wsStart = -1;
      seenVisible = true;
      prev = cp;
      i++;
      continue;
    }
    // A plain space or line feed (the next most common): what the full path below does for them.
    if ((cp === 0x20 || cp === 0x0a) && tagStart < 0) {
      vsRun = 0;
      invisRun = 0;
      endWord(i);
      if (wsStart < 0) { wsStart = i; wsBreaks = 0; wsLen = 0; }
      wsLen++;
      if (cp === 0x0a) wsBreaks++;
      prev = cp;
      i++;
      continue;
    }
    const w = cp > 0xffff ? 2 : 1;
    const nextCp = i + w < n ? s.codePointAt(i + w)! : -1;

    // Tag characters.
    if (isTag(cp)) {
      if (tagStart < 0) { tagStart = i; tagFlag = prev === 0x1f3f4; }
      tagRun += String.fromCharCode(cp - 0xe0000);
      i += w;
      continue;
    } else if (tagStart >= 0) endTags(i, cp);

    // Variation selectors: one after an emoji or CJK ideograph is normal; runs carry data.
    if ((cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef)) {
      if (vsRun === 0) vsStart = i;
      vsRun++;
      if (cp >= 0xe0100 && vsRun >= 2) hit({ sev: 'critical', id: 'hidden.variation-selectors', explain: 'A run of variation selectors can smuggle encoded bytes.', start: vsStart, end: i + w });
      else if (vsRun >= 3) hit({ sev: 'high', id: 'hidden.variation-selectors', explain: 'A run of variation selectors can smuggle encoded bytes.', start: vsStart, end: i + w });
      i += w;
      continue;
    }
    vsRun = 0;

    if (cp === 0x1b || cp === 0x9b) hit({ sev: 'high', id: 'hidden.ansi-escape', explain: 'Contains ANSI terminal escape sequences that can hide or rewrite text on screen.', start: i, end: Math.min(n, i + 8) });
    else if ((cp < 0x20 && cp !== 0x09 && cp !== 0x0a && cp !== 0x0d) || cp === 0x7f || (cp >= 0x80 && cp < 0xa0)) hit({ sev: 'medium', id: 'hidden.control-char', explain: 'Contains control characters.', start: i, end: i + w });

    if (isBidiControl(cp)) {
      hit({ sev: 'high', id: 'hidden.bidi-control', explain: 'Contains bidirectional override/isolate controls that reorder what a person sees.', start: i, end: i + w });
    } else if (cp === 0x200e || cp === 0x200f || cp === 0x061c) {
      if (!rtl) hit({ sev: 'medium', id: 'hidden.direction-mark', explain: 'Direction marks in text without right-to-left script.', start: i, end: i + w });
    } else if (isInvisible(cp)) {
      // Legitimate joiners: ZWJ in emoji sequences; ZWJ/ZWNJ inside joining scripts; soft hyphen between letters; a leading BOM.
      const legit =
        (cp === 0x200d && (isPictographic(prev) || isPictographic(nextCp))) ||
        ((cp === 0x200c || cp === 0x200d) && (isJoiningScript(prev) || isJoiningScript(nextCp) || (prev >= 0x0600 && prev <= 0x06ff))) ||
        (cp === 0xfeff && i === 0);
      if (!legit) {
        if (invisRun === 0) invisStart = i;
        invisRun++;
        const inWord = isAsciiAlnum(prev) && isAsciiAlnum(nextCp);
        const sev: Severity = cp === 0x00ad && invisRun === 1 ? 'low' : inWord || invisRun >= 2 ? 'high' : 'medium';
        hit({ sev, id: 'hidden.zero-width', explain: 'Contains zero-width or other invisible characters.', start: invisStart, end: i + w });
      }
    } else invisRun = 0;

    // Words with letters from two scripts (Latin + a lookalike script).
    let letterish = isAsciiAlnum(cp);
    if (!letterish && cp >= 0xc0) { const cls = classify(cp).cls; letterish = cls === 'latin' || cls === 'confusable' || cls === 'letter' || cls === 'mark'; }
    if (letterish) {
      if (wordStart < 0) wordStart = i;
      const sc = scriptOf(cp);
      if (sc === 'latin') wordLatin = true;
      else if (sc !== 'other' && CONFUSABLES.has(cp)) wordConf = true;
    } else if (!isInvisible(cp) && cp !== 0x5f) endWord(i);

    // Padding.
    if (isWs(cp) || isInvisible(cp)) {
      if (wsStart < 0) { wsStart = i; wsBreaks = 0; wsLen = 0; }
      wsLen += w;
      if (isBreak(cp) && !(cp === 0x0d && nextCp === 0x0a)) wsBreaks++;
    } else {
      if (wsStart >= 0 && seenVisible && (wsBreaks >= 20 || wsLen >= 400)) {
        hit({ sev: 'high', id: 'hidden.padding', explain: `Text continues after ${wsBreaks >= 20 ? `${wsBreaks} blank lines` : `${wsLen} blank characters`}, far past the visible part.`, start: wsStart, end: Math.min(n, i + 60) });
      }
      wsStart = -1;
      seenVisible = true;
    }

    if (!isInvisible(cp)) prev = cp;
    i += w;
  }
  if (tagStart >= 0) endTags(n, -1);
  endWord(n);
  if (mixedWords > 0 && mixedFirst) {
    hit({ sev: field.kind === 'name' || mixedWords >= 3 ? 'high' : 'medium', id: 'hidden.mixed-script', explain: field.kind === 'name' ? 'The name mixes Latin letters with lookalike letters of another script (homoglyphs).' : `Mixes Latin letters with lookalike letters of another script in ${mixedWords} word(s).`, start: mixedFirst[0], end: mixedFirst[1] });
  }
  if (field.kind === 'name') nameChecks(field, hit);
  for (const h of hits.values()) sink(makeFinding({ id: h.id, family: F, explain: h.explain }, h.sev, field, [h.start, h.end]));
}

function asciiPadding(field: Field, n: number, sink: Sink, continued: boolean): void {
  const s = field.text;
  if (n < 21) return;
  if (n < 420) {
    // Short: only 20+ line breaks can make padding.
    let breaks = 0;
    for (let at = s.indexOf('\n'); at >= 0 && at < n; at = s.indexOf('\n', at + 1)) breaks++;
    if (breaks < 20) return;
  }
  let seenVisible = continued;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x09 && c !== 0x0d) { seenVisible = true; continue; }
    let j = i;
    let breaks = 0;
    while (j < n) {
      const d = s.charCodeAt(j);
      if (d === 0x0a) breaks++;
      else if (d !== 0x20 && d !== 0x09 && d !== 0x0d) break;
      j++;
    }
    if (seenVisible && j < n && (breaks >= 20 || j - i >= 400)) {
      sink(makeFinding({ id: 'hidden.padding', family: F, explain: `Text continues after ${breaks >= 20 ? `${breaks} blank lines` : `${j - i} blank characters`}, far past the visible part.` }, 'high', field, [i, Math.min(n, j + 60)]));
      return;
    }
    i = j - 1;
  }
}

/** A tool name a person cannot read reliably: lookalike or compatibility characters, invisible characters. */
function nameChecks(field: Field, hit: (h: Hit) => void): void {
  const s = field.text;
  for (let i = 0; i < s.length && i < 256; ) {
    const cp = s.codePointAt(i)!;
    const w = cp > 0xffff ? 2 : 1;
    if (cp >= 0x80) {
      const info = classify(cp);
      if (info.cls === 'invisible') hit({ sev: 'critical', id: 'hidden.name-invisible', explain: 'The name contains invisible characters.', start: i, end: i + w });
      else if (CONFUSABLES.has(cp) && /[a-z]/i.test(s)) hit({ sev: 'high', id: 'hidden.homoglyph-name', explain: 'The name uses a letter from another script that looks like a Latin letter.', start: i, end: i + w });
      else if (info.cls === 'latin' && String.fromCodePoint(cp).normalize('NFKC') !== String.fromCodePoint(cp)) hit({ sev: 'high', id: 'hidden.homoglyph-name', explain: 'The name uses fullwidth or styled compatibility characters.', start: i, end: i + w });
    }
    i += w;
  }
}

const rank = (s: Severity): number => (s === 'low' ? 0 : s === 'medium' ? 1 : s === 'high' ? 2 : 3);

/** Count words in a comment body (hidden prose vs. a marker such as `<!-- prettier-ignore -->`). */
const words = (s: string): number => s.split(/[\s]{1,8}/).filter((x) => /[\p{L}]{2}/u.test(x)).length;

export const HIDDEN_RULES: readonly PatternRule[] = [
  { id: 'hidden.html-comment', family: F, severity: 'high', explain: 'An HTML comment hides text from rendered views.', hints: ['<!--'],
    re: rx(`<!--([\\s\\S]{0,600}?)(?:-->|$)`), check: (m) => (words(m[1] ?? '') >= 3 ? 'high' : 'low'), kinds: ['description', 'title', 'default', 'enum', 'example', 'other'] },
  { id: 'hidden.markdown-comment', family: F, severity: 'high', explain: 'A Markdown comment (link reference) hides text from rendered views.', hints: [']:'],
    re: rx(`(?:^|\\n) ?\\[(?://|comment|_|#)\\]: ?(?:#|<>)? ?\\(([^)\\n]{0,400})\\)`), check: (m) => (words(m[1] ?? '') >= 3 ? 'high' : 'low'), kinds: ['description', 'title', 'default', 'enum', 'example', 'other'] },
  { id: 'hidden.css-hidden', family: F, severity: 'high', explain: 'An HTML element styled to be invisible.', hints: ['<'],
    re: rx(`<[a-z]{1,8}\\b[^>\\n]{0,200}?(?:display ?: ?none|visibility ?: ?hidden|font-size ?: ?0|opacity ?: ?0(?:[;" ]|$)|color ?: ?(?:white|#fff\\b|#ffffff|transparent)|\\bhidden\\b)[^>\\n]{0,100}>`), kinds: ['description', 'title', 'default', 'enum', 'example', 'other'] },
];

/** Overlong fields: lots of text is where instructions hide; past the window, the scan is partial. */
export function scanLength(fc: FieldCtx, maxField: number, sink: Sink): void {
  const len = fc.field.text.length;
  if (len > maxField) {
    sink(makeFinding({ id: 'limits.field-truncated', family: 'limits', explain: `Field is ${len} characters; the scan read only its first and last parts (limit ${maxField}).` }, 'high', fc.field, [0, len]));
  } else if (len > 12_000 && (fc.field.kind === 'description' || fc.field.kind === 'title' || fc.field.kind === 'other')) {
    sink(makeFinding({ id: 'hidden.overlong', family: F, explain: `Field is ${len} characters long, far more than a person reviews.` }, 'medium', fc.field, [12_000, len]));
  }
}
