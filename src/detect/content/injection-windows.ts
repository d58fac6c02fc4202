// The model's scoring pass: the worst window logit of a text in one fused loop. It computes exactly
// what scanFeatures (features), nextSegmentEnd (segments) and the window rule of injection.ts compute
// together — same features, summed in the same order, same segments — but reads each character once,
// classifies ASCII through tables and makes no call per feature or per segment. scanFeatures stays
// the definition (training uses it); test/detect/content-injection.test.ts checks that both agree.

import { codeUnits } from './code-units.js';
import { FEATURE_MASK, SEGMENT_HARD_MAX, SEGMENT_MAX, SEGMENT_MIN_SENTENCE } from './injection-features.js';

// scanSegment writes the feature mask and the segment lengths as literals (an imported binding, like
// a module constant, is re-read and re-checked at every use in optimized code: about a tenth of the
// loop's time); this keeps them equal to the settings of injection-features.ts.
if (FEATURE_MASK !== 0x3ffff || SEGMENT_HARD_MAX !== 400 || SEGMENT_MAX !== 320 || SEGMENT_MIN_SENTENCE !== 24) {
  throw new Error('injection-windows.ts: update the literals of scanSegment to the settings of injection-features.ts');
}

const WORD = 1; // a word character after normalization: a-z, 0 (every digit), apostrophe, U+00C0 and above
const BLANK = 2; // a blank after normalization (a space or a line break)
const OPENER = 4; // . ! ? : | ` > — the next word opens a sentence or a line
const RAW_BLANK = 8; // a blank for nextSegmentEnd (on the raw character): space, tab, CR, LF, U+00A0
const SENTENCE_END = 16; // . ? ! (raw)

/** ASCII → the normalized character of injection-features.ts (lowercase, digits → 0, blanks → space or \n). */
const NORM = new Uint8Array(128);
const KIND = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  let n = c;
  if (c >= 65 && c <= 90) n = c + 32;
  else if (c >= 48 && c <= 57) n = 48;
  else if (c === 10 || c === 13) n = 10;
  else if (c <= 32) n = 32;
  NORM[c] = n;
  if ((n >= 97 && n <= 122) || n === 48 || n === 39) KIND[c] = WORD;
  else if (n === 32 || n === 10) KIND[c] = BLANK;
  else if (n === 46 || n === 33 || n === 63 || n === 58 || n === 124 || n === 96 || n === 62) KIND[c] = OPENER;
  if (c === 32 || c === 10 || c === 13 || c === 9) KIND[c]! |= RAW_BLANK;
  if (c === 46 || c === 63 || c === 33) KIND[c]! |= SENTENCE_END;
}

/** nextSegmentEnd's notion of a blank, on a raw code unit (`kinds` is KIND, passed as a local). */
function isRawBlankUnit(u: number, kinds: Uint8Array): boolean {
  return u < 128 ? (kinds[u]! & RAW_BLANK) !== 0 : u === 0xa0;
}

/** injection-features.ts's bucket of a hash (`mask` passed in as a literal, see scanSegment). */
function fin(h: number, mask: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h & mask;
}

/** What the feature stream carries from one segment into the next (see scanFeatures). */
interface FeatureState {
  c1: number;
  c2: number;
  c3: number;
  word: number;
  /** 1 inside a word (numbers, not booleans: the loop then compares integers). */
  inWord: number;
  prevWord: number;
  pendingBlank: number;
  /** 1 when the current word opens a line or a sentence. */
  lineStart: number;
  /** The features of the segment just scanned: the sum of their weights, and how many. */
  sum: number;
  count: number;
}

/** The worst window of a text: its logit, and where the window starts. */
export type WindowScorer = (text: string) => { logit: number; at: number };

/**
 * A scorer with one set of weights: the largest logit over the text's windows — every segment alone,
 * and every two adjacent non-blank segments — and where it starts; `bias` when the text has no
 * features. One call per segment to the per-character loop: a loop that runs for a whole long text
 * would be compiled on-stack mid-run, before the rarer branches had been taken, and then fall back to
 * the interpreter at each of them. The loop is a closure over `weights`: the shipped model's scorer is
 * the only one a process builds, so V8 compiles it with the weights as a constant (their base and
 * bounds are not reloaded at every lookup).
 */
export function windowScorer(weights: ArrayLike<number>, bias: number, scale: number): WindowScorer {
  /**
   * Scans the segment that starts at `from` (see nextSegmentEnd), summing its features into st.sum and
   * st.count, and returns where it ends. The last segment also takes the features of the end of the
   * text (the text ends as if followed by a space).
   */
  function scanSegment(units: Uint16Array, from: number, st: FeatureState): number {
    const to = units.length;
    const norm = NORM; // locals: module constants would be re-checked at every character
    const kinds = KIND;
    const mask = 0x3ffff; // FEATURE_MASK
    const hardMax = 400; // SEGMENT_HARD_MAX
    const softMax = 320; // SEGMENT_MAX
    const minSentence = 24; // SEGMENT_MIN_SENTENCE
    let { c1, c2, c3, word, inWord, prevWord, pendingBlank, lineStart } = st;
    let sum = 0;
    let count = 0;
    let segLen = 0;
    let segNonBlank = false;
    let i = from;
    for (; i <= to; i++) {
      const raw = i < to ? units[i]! : 32;
      let c: number;
      let kind: number;
      if (raw < 128) {
        c = norm[raw]!;
        kind = kinds[raw]!;
      } else if (raw === 0xa0) {
        c = 32;
        kind = BLANK | RAW_BLANK;
      } else {
        c = raw;
        kind = raw >= 0xc0 ? WORD : 0;
      }
      if (inWord !== 0 && (kind & WORD) === 0) {
        // the word ends here: the word, the word pair, and the word as an opener
        sum += weights[fin(word ^ 0x1b873593, mask)]!;
        sum += weights[fin(Math.imul(prevWord, 0x5bd1e995) ^ word ^ 0x68e31da4, mask)]!;
        count += 2;
        if (lineStart !== 0) {
          sum += weights[fin(word ^ 0x7f4a7c15, mask)]!;
          count++;
        }
        lineStart = 0;
        prevWord = word;
        word = 0;
        inWord = 0;
      }
      if ((kind & BLANK) !== 0) {
        if (pendingBlank !== 10) pendingBlank = c;
        if (c === 10) lineStart = 1;
      } else {
        if (pendingBlank !== 0) {
          c3 = c2;
          c2 = c1;
          c1 = pendingBlank;
          pendingBlank = 0;
        }
        if ((kind & WORD) !== 0) {
          word = (Math.imul(word ^ c, 0x01000193) - 0x61c88647) | 0; // + 0x9e3779b9, modulo 2^32
          inWord = 1;
        } else {
          lineStart = (kind & OPENER) === 0 ? 0 : 1;
        }
        if (c3 !== 0) {
          sum += weights[fin(Math.imul(Math.imul(Math.imul(Math.imul(c ^ 0x27d4eb2f, 0x165667b1) ^ c1, 0xc2b2ae35) ^ c2, 0x27d4eb2f) ^ c3, 0x165667b1) ^ 4, mask)]!;
          count++;
        }
        c3 = c2;
        c2 = c1;
        c1 = c;
      }
      if (i === to) break;
      // does the segment end after this character? (nextSegmentEnd; the next character's features
      // belong to the next segment)
      segLen++;
      if ((kind & (RAW_BLANK | SENTENCE_END)) === 0) {
        // most characters: not blank, no sentence end
        segNonBlank = true;
        if (segLen >= hardMax && i + 1 < to) {
          i++;
          break;
        }
      } else if ((kind & RAW_BLANK) !== 0) {
        // a line break ends a segment that is not blank; another blank, a segment of softMax or more
        if ((raw === 10 ? segNonBlank : segLen >= softMax) && i + 1 < to) {
          i++;
          break;
        }
      } else {
        // . ? ! followed by a blank (or the end) ends a sentence of minSentence or more
        segNonBlank = true;
        if (i + 1 < to && (segLen >= hardMax || (segLen >= minSentence && isRawBlankUnit(units[i + 1]!, kinds)))) {
          i++;
          break;
        }
      }
    }
    st.c1 = c1;
    st.c2 = c2;
    st.c3 = c3;
    st.word = word;
    st.inWord = inWord;
    st.prevWord = prevWord;
    st.pendingBlank = pendingBlank;
    st.lineStart = lineStart;
    st.sum = sum;
    st.count = count;
    return i;
  }

  return (text) => {
    const units = codeUnits(text);
    const to = units.length;
    const st: FeatureState = { c1: 10, c2: 0, c3: 0, word: 0, inWord: 0, prevWord: 0x2545f491, pendingBlank: 0, lineStart: 1, sum: 0, count: 0 };
    let best = -Infinity;
    let at = 0;
    let prevS = 0;
    let prevC = 0;
    let prevStart = -1;
    let from = 0;
    do {
      const end = scanSegment(units, from, st);
      const count = st.count;
      if (count > 0) {
        const s = st.sum * scale;
        const single = bias + s / Math.sqrt(count);
        if (single > best) {
          best = single;
          at = from;
        }
        if (prevStart >= 0) {
          const pair = bias + (s + prevS) / Math.sqrt(count + prevC);
          if (pair > best) {
            best = pair;
            at = prevStart;
          }
        }
        prevS = s;
        prevC = count;
        prevStart = from;
      }
      from = end;
    } while (from < to);
    return { logit: best === -Infinity ? bias : best, at };
  };
}

/** The worst window with any weights, scored once (training, evaluation, tests). */
export function fusedWorstWindowLogit(text: string, weights: ArrayLike<number>, bias: number, scale: number): { logit: number; at: number } {
  return windowScorer(weights, bias, scale)(text);
}
