/**
 * Unicode handling: which characters are invisible, which are lookalikes of Latin letters, and the
 * "folded view" of a string that the pattern rules read (lower-case, lookalikes and accents folded to
 * ASCII, invisible characters and ANSI escapes dropped, whitespace runs collapsed), with a map from
 * view offsets back to offsets in the original string so findings point at the real characters.
 */

/** Compact confusables table: Cyrillic, Greek, Armenian, Cherokee and Latin-extension lookalikes of ASCII letters. */
const CONFUSABLE_PAIRS =
  // Cyrillic lower / upper
  'аaеeёeіiїiјjкkоoрpсcуyхxѕsһhԁdԛqԝwӏlьbпnгrтtмm' +
  'АAВBЕEКKМMНHОOРPСCТTХXУYІIЈJЅSԀDԚQԜWӀlЬbЗ3' +
  // Greek lower / upper
  'αaγyεeιiκkνvοoρpυuχxωwϲcϳjτt' +
  'ΑAΒBΕEΖZΗHΙIΚKΜMΝNΟOΡPΤTΥYΧXϹC' +
  // Armenian, Cherokee, Latin extensions that NFKD does not fold
  'օoսuոnցgզqհhռnխjԍg' +
  'ᎪAᏴBᏟCᎬEᎻHᎫJᏦKᎷMᏢPᏚSᎢTᏔWᏃZ' +
  'ıiȷjɑaɡgɩiɪiʏyᴀaᴄcᴅdᴇeᴊjᴋkᴍmᴏoᴘpᴛtᴜuᴠvᴡwᴢzƖlǀlꞮIꓲIꓳOꓴUꓚCꓓDꓰEꓝKꓡLꓟMꓠNꓑPꓣRꓢSꓔTꓦVꓪWꓫXꓬYꓜZ';

export const CONFUSABLES: ReadonlyMap<number, string> = (() => {
  const m = new Map<number, string>();
  const cps = [...CONFUSABLE_PAIRS];
  for (let i = 0; i + 1 < cps.length; i += 2) m.set(cps[i]!.codePointAt(0)!, cps[i + 1]!);
  return m;
})();

/** Typographic quotes and dashes read as their ASCII forms, so `don’t` matches `don't`. */
const PUNCT_FOLD: ReadonlyMap<number, string> = new Map([
  [0x2018, "'"], [0x2019, "'"], [0x201b, "'"], [0x2032, "'"], [0xff07, "'"], [0x02bc, "'"],
  [0x201c, '"'], [0x201d, '"'], [0x201e, '"'], [0x2033, '"'], [0xff02, '"'],
  [0x2010, '-'], [0x2011, '-'], [0x2012, '-'], [0x2013, '-'], [0x2212, '-'],
]);

export type CharClass =
  | 'ascii' // printable ASCII handled inline
  | 'invisible' // zero-width, bidi, tag, variation selector, filler, soft hyphen …
  | 'control' // C0/C1 controls other than tab/newline/CR, incl. ESC
  | 'space'
  | 'newline'
  | 'latin' // letter that folds to ASCII (accented Latin, fullwidth, mathematical alphanumerics)
  | 'confusable' // letter of another script that looks like a Latin letter
  | 'mark' // combining mark
  | 'letter' // any other letter (other scripts)
  | 'other'; // punctuation, symbols, emoji, digits of other scripts

/** True for code points that render as nothing (or only steer rendering) in usual UIs. */
export function isInvisible(cp: number): boolean {
  return (
    (cp >= 0x200b && cp <= 0x200f) || // ZWSP ZWNJ ZWJ LRM RLM
    (cp >= 0x202a && cp <= 0x202e) || // bidi embeddings/overrides
    (cp >= 0x2060 && cp <= 0x2064) || // word joiner, invisible operators
    (cp >= 0x2066 && cp <= 0x206f) || // bidi isolates, deprecated format chars
    cp === 0x00ad || cp === 0x034f || cp === 0x061c || cp === 0x115f || cp === 0x1160 ||
    cp === 0x17b4 || cp === 0x17b5 || cp === 0x180e || cp === 0x3164 || cp === 0xfeff || cp === 0xffa0 ||
    (cp >= 0x180b && cp <= 0x180d) || (cp >= 0xfe00 && cp <= 0xfe0f) || // variation selectors
    (cp >= 0xe0000 && cp <= 0xe007f) || // tag characters
    (cp >= 0xe0100 && cp <= 0xe01ef) || // variation selectors supplement
    (cp >= 0xfff9 && cp <= 0xfffb) // interlinear annotation
  );
}

export const isBidiControl = (cp: number): boolean => (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
export const isTag = (cp: number): boolean => cp >= 0xe0000 && cp <= 0xe007f;

export type Script = 'latin' | 'cyrillic' | 'greek' | 'armenian' | 'cherokee' | 'other';

export function scriptOf(cp: number): Script {
  if ((cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) || (cp >= 0xc0 && cp <= 0x24f && cp !== 0xd7 && cp !== 0xf7) || (cp >= 0x1e00 && cp <= 0x1eff) || (cp >= 0x1d00 && cp <= 0x1d2b) || (cp >= 0xff21 && cp <= 0xff5a)) return 'latin';
  if (cp >= 0x400 && cp <= 0x52f) return 'cyrillic';
  if ((cp >= 0x370 && cp <= 0x3ff) || (cp >= 0x1f00 && cp <= 0x1fff)) return 'greek';
  if (cp >= 0x530 && cp <= 0x58f) return 'armenian';
  if (cp >= 0x13a0 && cp <= 0x13ff) return 'cherokee';
  return 'other';
}

interface ClassInfo { cls: CharClass; fold: string }
const cache = new Map<number, ClassInfo>();
const LETTER = /\p{L}/u;
const MARK = /\p{M}/u;
const SPACE = /\s/u;

/** Classify a non-ASCII (or control) code point, with its ASCII fold where there is one. Cached. */
export function classify(cp: number): ClassInfo {
  const hit = cache.get(cp);
  if (hit) return hit;
  const ch = String.fromCodePoint(cp);
  let info: ClassInfo;
  if (cp === 0x0a || cp === 0x0d || cp === 0x2028 || cp === 0x2029 || cp === 0x85) info = { cls: 'newline', fold: '\n' };
  else if (isInvisible(cp)) info = { cls: 'invisible', fold: '' };
  else if (cp < 0x20 || cp === 0x7f || (cp >= 0x80 && cp < 0xa0)) info = cp === 0x09 ? { cls: 'space', fold: ' ' } : { cls: 'control', fold: '' };
  else if (SPACE.test(ch)) info = { cls: 'space', fold: ' ' };
  else if (CONFUSABLES.has(cp)) info = { cls: 'confusable', fold: CONFUSABLES.get(cp)!.toLowerCase() };
  else if (PUNCT_FOLD.has(cp)) info = { cls: 'other', fold: PUNCT_FOLD.get(cp)! };
  else if (MARK.test(ch)) info = { cls: 'mark', fold: '' };
  else {
    // NFKD folds accents (é → e + ◌́), fullwidth and mathematical letters to ASCII.
    const base = ch.normalize('NFKD').replace(/\p{M}/gu, '');
    if (base.length > 0 && base.length <= 3 && /^[\x21-\x7e]{1,3}$/.test(base)) info = { cls: LETTER.test(ch) ? 'latin' : 'other', fold: base.toLowerCase() };
    else if (LETTER.test(ch)) info = { cls: 'letter', fold: ch.toLowerCase() };
    else info = { cls: 'other', fold: ch };
  }
  if (cache.size < 50_000) cache.set(cp, info);
  return info;
}

export interface View {
  /** The folded text the pattern rules read. */
  readonly text: string;
  /** For each UTF-16 unit of `text`, the offset of its source character in the original string… */
  readonly map?: Int32Array;
  /** …or, for plain ASCII, runs: view offset segStarts[k] maps to raw offset rawStarts[k] (+ distance). */
  readonly segStarts?: readonly number[];
  readonly rawStarts?: readonly number[];
  /** Offset of the window in the original string (the view may cover only part of a long field). */
  readonly base: number;
}

const isAsciiLetter = (c: number): boolean => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);

/**
 * Build the folded view of raw[from, to). Words that contain a Latin letter (or consist only of
 * lookalikes) get their lookalikes folded to ASCII, so `іgnore` matches `ignore`; words wholly in
 * another script stay as they are, so Cyrillic and Greek text keeps working for its own patterns.
 * `underscoreAsSpace` reads identifiers such as property names as words.
 */
export function foldView(raw: string, from = 0, to = raw.length, underscoreAsSpace = false, plainAscii?: boolean): View {
  // `plainAscii`: the caller already knows whether raw[from, to) is plain ASCII (see hasNonPlainAscii).
  if (plainAscii ?? !NON_PLAIN_ASCII.test(from === 0 && to === raw.length ? raw : raw.slice(from, to))) return foldAscii(raw, from, to, underscoreAsSpace);
  return FOLDER.fold(raw, from, to, underscoreAsSpace);
}

const NO_SPACE = 0;

/**
 * The general fold, one instance reused by every call (it is not reentrant): the view is written as
 * UTF-16 units into scratch buffers and decoded once at the end; words are kept as a slice while
 * they are plain ASCII and as pieces (raw form, folded form, offset) once another letter joins them.
 * State lives in fields rather than in a closure's context: this runs over every character of every
 * field that is not plain ASCII.
 */
class Folder {
  private raw = '';
  private units = new Uint16Array(256);
  private offsets = new Int32Array(256);
  /** Units written so far, and the most the view may hold (the window's length + 8). */
  private n = 0;
  private cap = 0;
  /** Pending whitespace before the next output: NO_SPACE, a space (0x20) or a line break (0x0a), and the breaks seen. */
  private pending = NO_SPACE;
  private breaks = 0;
  /** A word that is plain ASCII so far is the slice [aStart, …) of raw; -1 when none or when it is in pieces. */
  private aStart = -1;
  private readonly wRaw: string[] = [];
  private readonly wFold: string[] = [];
  private readonly wAt: number[] = [];
  private readonly wAlways: boolean[] = [];
  private wordHasLatin = false;
  private wordAllConfusable = true;
  /** The current word's plain-ASCII start (and the whitespace before it) is already written. */
  private inPieces = false;

  fold(raw: string, from: number, to: number, underscoreAsSpace: boolean): View {
    this.raw = raw;
    this.cap = Math.max(0, to - from) + 8;
    if (this.units.length < this.cap) { this.units = new Uint16Array(this.cap); this.offsets = new Int32Array(this.cap); }
    this.n = 0;
    this.pending = NO_SPACE;
    this.breaks = 0;
    this.aStart = -1;
    this.clearPieces();
    this.wordHasLatin = false;
    this.wordAllConfusable = true;
    this.inPieces = false;

    let i = from;
    while (i < to) {
      const c = raw.charCodeAt(i);
      // ASCII fast path.
      if (c < 0x80 && c >= 0x20 && c !== 0x7f) {
        if (c === 0x20) { this.flushWord(); if (this.pending === NO_SPACE) this.pending = 0x20; i++; continue; }
        const letter = isAsciiLetter(c);
        if (letter || (c >= 0x30 && c <= 0x39) || (c === 0x5f && !underscoreAsSpace)) {
          if (this.wAt.length === 0) {
            // A plain-ASCII word is written out as it is read, after the whitespace before it: nothing
            // can come between them, and a non-ASCII letter that joins the word later only decides how
            // its own pieces fold (ASCII pieces fold to themselves).
            if (this.aStart < 0) { this.aStart = i; this.flushSpace(c); }
            let j = i;
            let anyLetter = false;
            let n = this.n;
            const stop = Math.min(to, i + this.cap - n);
            for (; j < to; j++) {
              const d = raw.charCodeAt(j);
              if (isAsciiLetter(d)) anyLetter = true;
              else if (!((d >= 0x30 && d <= 0x39) || (d === 0x5f && !underscoreAsSpace))) break;
              if (j < stop) { this.units[n] = d >= 0x41 && d <= 0x5a ? d + 32 : d; this.offsets[n++] = j; }
            }
            this.n = n;
            if (anyLetter) this.wordHasLatin = true;
            i = j;
            continue;
          }
          const lc = String.fromCharCode(c >= 0x41 && c <= 0x5a ? c + 32 : c);
          this.piece(lc, lc, i, false);
          if (letter) this.wordHasLatin = true;
          i++;
          continue;
        }
        this.flushWord();
        if (c === 0x5f) { if (this.pending === NO_SPACE) this.pending = 0x20; i++; continue; }
        this.flushSpace(-1);
        this.pushUnit(c, i);
        i++;
        continue;
      }
      // ANSI escape sequences: ESC [ params final  |  ESC ] … BEL/ST  |  ESC x
      if (c === 0x1b || c === 0x9b) {
        this.materialize(i);
        let j = i + 1;
        if (c === 0x9b || raw[j] === '[') {
          if (c === 0x1b) j++;
          const stop = Math.min(to, j + 32);
          while (j < stop && /[0-9;?<=>]/.test(raw[j]!)) j++;
          if (j < to) j++;
        } else if (raw[j] === ']') {
          const stop = Math.min(to, j + 256);
          while (j < stop && raw.charCodeAt(j) !== 0x07 && raw[j] !== '\u001b') j++;
          j += raw[j] === '\u001b' ? 2 : 1;
        } else j++;
        i = Math.min(j, to);
        continue;
      }
      const cp = raw.codePointAt(i)!;
      const width = cp > 0xffff ? 2 : 1;
      const info = classify(cp);
      switch (info.cls) {
        case 'invisible':
        case 'control':
        case 'mark':
          this.materialize(i);
          break; // dropped: `ig\u200bnore` reads as `ignore`
        case 'space':
          this.flushWord();
          if (this.pending === NO_SPACE) this.pending = 0x20;
          break;
        case 'newline':
          this.flushWord();
          this.pending = 0x0a;
          if (cp !== 0x0d) this.breaks++;
          break;
        case 'latin':
          this.materialize(i);
          this.piece(info.fold, info.fold, i, true);
          this.wordHasLatin = true;
          break;
        case 'confusable':
          this.materialize(i);
          this.piece(String.fromCodePoint(cp).toLowerCase(), info.fold, i, false);
          break;
        case 'letter':
          this.materialize(i);
          this.piece(info.fold, info.fold, i, false);
          this.wordAllConfusable = false;
          break;
        case 'ascii':
        case 'other':
          this.flushWord();
          this.flushSpace(-1);
          this.push(info.fold, i);
          break;
      }
      i += width;
    }
    this.flushWord();
    const n = this.n;
    this.raw = '';
    return { text: decodeUnits(this.units, n), map: this.offsets.slice(0, n), base: from };
  }

  private pushUnit(unit: number, at: number): void {
    if (this.n >= this.cap) return;
    this.units[this.n] = unit;
    this.offsets[this.n++] = at;
  }

  private push(s: string, at: number): void {
    for (let k = 0; k < s.length && this.n < this.cap; k++) { this.units[this.n] = s.charCodeAt(k); this.offsets[this.n++] = at; }
  }

  private piece(r: string, f: string, at: number, always: boolean): void {
    this.wRaw.push(r); this.wFold.push(f); this.wAt.push(at); this.wAlways.push(always);
  }

  private clearPieces(): void {
    this.wRaw.length = 0; this.wFold.length = 0; this.wAt.length = 0; this.wAlways.length = 0;
  }

  /**
   * A non-ASCII letter (or an invisible character) joins the current word: the rest of it goes into
   * pieces. Its plain-ASCII start is already written (see the ASCII path); the whitespace before the
   * word was written with it, so the first piece only has to be told the word has started.
   */
  private materialize(upTo: number): void {
    if (this.aStart < 0) return;
    this.inPieces = upTo > this.aStart;
    this.aStart = -1;
  }

  /** Write the pending whitespace; `next` is the code unit the next word starts with (-1: not a word). */
  private flushSpace(next: number): void {
    // A single line break before a lower-case letter is a soft wrap inside a sentence.
    if (this.pending === 0x0a && this.breaks === 1 && next >= 0x61 && next <= 0x7a) this.pending = 0x20;
    if (this.pending !== NO_SPACE && this.n > 0) this.pushUnit(this.pending, this.offsets[this.n - 1]! + 1);
    this.pending = NO_SPACE;
    this.breaks = 0;
  }

  /** End the current word: write its pieces (its plain-ASCII start is already written) and reset the word state. */
  private flushWord(): void {
    if (this.wAt.length > 0) {
      if (!this.inPieces) this.flushSpace(this.raw.charCodeAt(this.wAt[0]!));
      const foldIt = this.wordHasLatin || this.wordAllConfusable;
      for (let k = 0; k < this.wAt.length; k++) this.push(foldIt || this.wAlways[k]! ? this.wFold[k]! : this.wRaw[k]!, this.wAt[k]!);
      this.clearPieces();
    }
    this.aStart = -1;
    this.inPieces = false;
    this.wordHasLatin = false;
    this.wordAllConfusable = true;
  }

}

const FOLDER = new Folder();

/** Whether this machine stores a Uint16Array little-endian, as Buffer's 'utf16le' decoding reads it. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * buf[0, n) as a string, unit for unit (lone surrogates included, unlike TextDecoder). Buffer's
 * utf16le decoding copies the units as they are and costs about a twentieth of String.fromCharCode
 * over the same units.
 */
function decodeUnits(buf: Uint16Array, n: number): string {
  if (LITTLE_ENDIAN) return Buffer.from(buf.buffer, buf.byteOffset, n * 2).toString('utf16le');
  const CHUNK = 8192;
  if (n <= CHUNK) return String.fromCharCode.apply(null, buf.subarray(0, n) as unknown as number[]);
  const parts: string[] = [];
  for (let i = 0; i < n; i += CHUNK) parts.push(String.fromCharCode.apply(null, buf.subarray(i, Math.min(n, i + CHUNK)) as unknown as number[]));
  return parts.join('');
}

const NON_PLAIN_ASCII = /[^\x20-\x7e\n\t\r]/;
const NEEDS_COLLAPSE = /[\t\n\r]| {2}/;

/** True when `s` has anything but printable ASCII, tab and line breaks. */
export const hasNonPlainAscii = (s: string): boolean => NON_PLAIN_ASCII.test(s);

/** The run list of a view that maps one to one onto the start of its field (shared: runs are never changed). */
const ONE_RUN: readonly number[] = Object.freeze([0]);

/**
 * The common case: printable ASCII only. Lower-case and collapse whitespace, nothing else; the map is
 * kept as a list of runs (one per collapsed whitespace run), not one entry per character.
 */
function foldAscii(raw: string, from: number, to: number, underscoreAsSpace: boolean): View {
  const slice = from === 0 && to === raw.length ? raw : raw.slice(from, to);
  // Single-spaced, single-line text (most parameter descriptions): only lower-case it.
  if (!(underscoreAsSpace && slice.includes('_')) && !NEEDS_COLLAPSE.test(slice)) return { text: slice.toLowerCase(), segStarts: ONE_RUN, rawStarts: from === 0 ? ONE_RUN : [from], base: from };
  const parts: string[] = [];
  const segStarts: number[] = [0];
  const rawStarts: number[] = [from];
  let n = 0; // view length so far
  let seg = from; // start of the current verbatim segment
  for (let i = from; i < to; i++) {
    const c = raw.charCodeAt(i);
    const ws = c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || (c === 0x5f && underscoreAsSpace);
    if (!ws) continue;
    // A single plain space stays as it is.
    const next = i + 1 < to ? raw.charCodeAt(i + 1) : -1;
    if (c === 0x20 && !(next === 0x20 || next === 0x09 || next === 0x0a || next === 0x0d || (next === 0x5f && underscoreAsSpace))) continue;
    // A whitespace run to collapse: [i, j).
    let j = i;
    let breaks = 0;
    while (j < to) {
      const d = raw.charCodeAt(j);
      if (d === 0x0a) breaks++;
      else if (!(d === 0x20 || d === 0x09 || d === 0x0d || (d === 0x5f && underscoreAsSpace))) break;
      j++;
    }
    const chunk = raw.slice(seg, i);
    parts.push(chunk);
    n += chunk.length;
    if (n > 0 && j < to) {
      const after = raw.charCodeAt(j);
      // A single line break before a lower-case letter is a soft wrap inside a sentence.
      parts.push(breaks === 0 || (breaks === 1 && after >= 0x61 && after <= 0x7a) ? ' ' : '\n');
      segStarts.push(n); rawStarts.push(i);
      n += 1;
    }
    segStarts.push(n); rawStarts.push(j);
    seg = j;
    i = j - 1;
  }
  parts.push(raw.slice(seg, to));
  return { text: parts.join('').toLowerCase(), segStarts, rawStarts, base: from };
}

/** Raw offset of view offset `v`. */
function rawAt(view: View, v: number): number {
  if (view.map) return view.map.length === 0 ? view.base : view.map[Math.min(v, view.map.length - 1)]!;
  const segs = view.segStarts!;
  const raws = view.rawStarts!;
  let lo = 0;
  let hi = segs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (segs[mid]! <= v) lo = mid; else hi = mid - 1;
  }
  return raws[lo]! + (v - segs[lo]!);
}

/** Original [start, end) for a view match [s, e). */
export function toSpan(view: View, s: number, e: number): [number, number] {
  if (view.text.length === 0) return [view.base, view.base];
  const last = view.text.length - 1;
  return [rawAt(view, Math.min(s, last)), rawAt(view, Math.min(Math.max(e - 1, s), last)) + 1];
}

/** Show a piece of original text safely: invisible/control characters as \u{…}, bounded length. */
export function showExcerpt(raw: string, start: number, end: number, max = 120): string {
  const from = Math.max(0, start);
  const to = Math.min(raw.length, end, from + 4 * max);
  let out = '';
  for (let i = from; i < to && out.length < max; ) {
    const cp = raw.codePointAt(i)!;
    const w = cp > 0xffff ? 2 : 1;
    if (cp === 0x0a) out += '⏎';
    else if (cp < 0x20 || cp === 0x7f || (cp >= 0x80 && cp < 0xa0) || isInvisible(cp) || cp === 0x2028 || cp === 0x2029) out += `\\u{${cp.toString(16)}}`;
    else out += String.fromCodePoint(cp);
    i += w;
  }
  if (out.length > max) out = out.slice(0, max);
  return to < end || out.length >= max ? `${out}…` : out;
}
