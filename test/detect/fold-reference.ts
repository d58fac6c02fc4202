/**
 * The general (non-ASCII) path of foldView as it was before it was rewritten for speed, kept as the
 * reference the rewrite is compared with (poisoning-fold.test.ts). Not used by the product.
 */
import { classify, type View } from '../../src/detect/poisoning/unicode.js';

const isAsciiLetter = (c: number): boolean => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);

export function foldViewReference(raw: string, from = 0, to = raw.length, underscoreAsSpace = false): View {
  // The view is written as UTF-16 units into `buf` (decoded once at the end): joining one small string
  // per word and separator cost more than the fold itself on long descriptions.
  const map = new Int32Array(Math.max(0, to - from) + 8);
  const buf = new Uint16Array(map.length);
  let n = 0;
  let pendingSpace: '' | ' ' | '\n' = '';
  let breaks = 0;
  // Current word buffer (parallel arrays, reused): raw and folded pieces, offsets, and which pieces always fold.
  const wRaw: string[] = [];
  const wFold: string[] = [];
  const wAt: number[] = [];
  const wAlways: boolean[] = [];
  const part = (r: string, f: string, at: number, always: boolean): void => { wRaw.push(r); wFold.push(f); wAt.push(at); wAlways.push(always); };
  let wordHasLatin = false;
  let wordAllConfusable = true;

  // A word that is plain ASCII so far is kept as a slice [aStart, …) and emitted in one piece.
  let aStart = -1;
  const push = (s: string, at: number): void => {
    const len = Math.min(s.length, map.length - n);
    for (let k = 0; k < len; k++) { buf[n] = s.charCodeAt(k); map[n++] = at; }
  };
  /** raw[start, end), plain ASCII letters, digits and underscores, lower-cased. */
  const pushAsciiWord = (start: number, end: number): void => {
    const stop = Math.min(end, start + map.length - n);
    for (let k = start; k < stop; k++) { const c = raw.charCodeAt(k); buf[n] = c >= 0x41 && c <= 0x5a ? c + 32 : c; map[n++] = k; }
  };
  /** Turn the plain-ASCII prefix of the current word into per-character pieces (a non-ASCII letter joins it). */
  const materialize = (upTo: number): void => {
    if (aStart < 0) return;
    for (let k = aStart; k < upTo; k++) { const lc = raw[k]!.toLowerCase(); part(lc, lc, k, false); }
    aStart = -1;
  };
  const flushSpace = (next?: string): void => {
    // A single line break before a lower-case letter is a soft wrap inside a sentence.
    if (pendingSpace === '\n' && breaks === 1 && next !== undefined && next >= 'a' && next <= 'z') pendingSpace = ' ';
    if (pendingSpace !== '' && n > 0) push(pendingSpace, map[n - 1]! + 1);
    pendingSpace = '';
    breaks = 0;
  };
  const flushWord = (end: number): void => {
    if (aStart >= 0) {
      flushSpace(raw[aStart]);
      pushAsciiWord(aStart, end);
      aStart = -1;
      wordHasLatin = false;
      wordAllConfusable = true;
      return;
    }
    if (wAt.length === 0) return;
    flushSpace(raw[wAt[0]!]);
    const foldIt = wordHasLatin || wordAllConfusable;
    for (let k = 0; k < wAt.length; k++) push(foldIt || wAlways[k]! ? wFold[k]! : wRaw[k]!, wAt[k]!);
    wRaw.length = 0; wFold.length = 0; wAt.length = 0; wAlways.length = 0;
    wordHasLatin = false;
    wordAllConfusable = true;
  };

  let i = from;
  while (i < to) {
    const c = raw.charCodeAt(i);
    // ASCII fast path.
    if (c < 0x80 && c >= 0x20 && c !== 0x7f) {
      if (c === 0x20) { flushWord(i); if (pendingSpace === '') pendingSpace = ' '; i++; continue; }
      if (isAsciiLetter(c) || (c >= 0x30 && c <= 0x39) || (c === 0x5f && !underscoreAsSpace)) {
        if (wAt.length === 0) {
          if (aStart < 0) aStart = i;
          // The rest of a plain-ASCII word in a tight loop (the word state lives in the closure's context,
          // which is slow to touch per character).
          let j = i;
          let letter = false;
          for (; j < to; j++) {
            const d = raw.charCodeAt(j);
            if (isAsciiLetter(d)) letter = true;
            else if (!((d >= 0x30 && d <= 0x39) || (d === 0x5f && !underscoreAsSpace))) break;
          }
          if (letter) wordHasLatin = true;
          i = j;
          continue;
        }
        const lc = c >= 0x41 && c <= 0x5a ? String.fromCharCode(c + 32) : raw[i]!;
        part(lc, lc, i, false);
        if (isAsciiLetter(c)) wordHasLatin = true;
        i++;
        continue;
      }
      flushWord(i);
      if (c === 0x5f) { if (pendingSpace === '') pendingSpace = ' '; i++; continue; }
      flushSpace();
      push(raw[i]!, i);
      i++;
      continue;
    }
    // ANSI escape sequences: ESC [ params final  |  ESC ] … BEL/ST  |  ESC x
    if (c === 0x1b || c === 0x9b) {
      materialize(i);
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
    if (info.cls === 'invisible' || info.cls === 'control' || info.cls === 'mark' || info.cls === 'latin' || info.cls === 'confusable' || info.cls === 'letter') materialize(i);
    switch (info.cls) {
      case 'invisible':
      case 'control':
        break; // dropped: `ig\u200bnore` reads as `ignore`
      case 'space':
        flushWord(i);
        if (pendingSpace === '') pendingSpace = ' ';
        break;
      case 'newline':
        flushWord(i);
        pendingSpace = '\n';
        if (cp !== 0x0d) breaks++;
        break;
      case 'mark':
        break;
      case 'latin':
        part(info.fold, info.fold, i, true);
        wordHasLatin = true;
        break;
      case 'confusable':
        part(String.fromCodePoint(cp).toLowerCase(), info.fold, i, false);
        break;
      case 'letter':
        part(info.fold, info.fold, i, false);
        wordAllConfusable = false;
        break;
      case 'ascii':
      case 'other':
        flushWord(i);
        flushSpace();
        push(info.fold, i);
        break;
    }
    i += width;
  }
  flushWord(to);
  return { text: decodeUnits(buf, n), map: map.subarray(0, n), base: from };
}

/** buf[0, n) as a string, unit for unit (lone surrogates included, unlike TextDecoder). */
function decodeUnits(buf: Uint16Array, n: number): string {
  const CHUNK = 8192;
  if (n <= CHUNK) return String.fromCharCode.apply(null, buf.subarray(0, n) as unknown as number[]);
  const parts: string[] = [];
  for (let i = 0; i < n; i += CHUNK) parts.push(String.fromCharCode.apply(null, buf.subarray(i, Math.min(n, i + CHUNK)) as unknown as number[]));
  return parts.join('');
}
