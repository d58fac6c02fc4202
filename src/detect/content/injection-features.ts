// Hashed n-gram features for the injection model, shared by the scorer (injection.ts) and the
// training script (eval/content/train-injection.mjs imports this file from dist/), so that training
// and scoring can never disagree about what a feature is.
//
// Text is normalized on the fly (ASCII lowercased, digits → 0, runs of blanks → one space, runs
// containing a line break → one "\n"), then every position emits its character 4-gram, and
// every word end emits the word, the word pair, and the word again if it opens a line or a sentence
// (imperatives and questions addressed to a reader do), each hashed into 2^18 buckets. A feature is
// placed at the position where it ends, so that segments of the text (lines and sentences, see
// nextSegmentEnd) can be scored from running sums in one linear pass (see injection.ts).

export const FEATURE_BITS = 18;
export const FEATURE_MASK = (1 << FEATURE_BITS) - 1;
/** Segments: a sentence needs at least this many characters to end a segment. */
export const SEGMENT_MIN_SENTENCE = 24;
/** A segment longer than this ends at the next blank, and at SEGMENT_HARD_MAX in any case. */
export const SEGMENT_MAX = 320;
export const SEGMENT_HARD_MAX = 400;

function isBlank(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9 || c === 0xa0;
}

/**
 * End (exclusive) of the segment that starts at `from`: a line, or a sentence of at least
 * SEGMENT_MIN_SENTENCE characters, or at most SEGMENT_MAX characters of a long line. Blank lines
 * join the next segment. Scanning segment after segment reads each character once.
 */
export function nextSegmentEnd(text: string, from: number): number {
  const n = text.length;
  let i = from;
  let len = 0;
  let nonBlank = false;
  while (i < n) {
    const c = text.charCodeAt(i++);
    len++;
    if (c === 10) {
      if (nonBlank) return i;
      continue;
    }
    if (!isBlank(c)) nonBlank = true;
    if ((c === 46 || c === 63 || c === 33) && len >= SEGMENT_MIN_SENTENCE && (i >= n || isBlank(text.charCodeAt(i)))) return i;
    if ((len >= SEGMENT_MAX && isBlank(c)) || len >= SEGMENT_HARD_MAX) return i;
  }
  return n;
}

function fin(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h & FEATURE_MASK;
}

export interface FeatureScan {
  /** Scoring: each feature adds its weight to the running segment sum (no per-feature call). */
  weights?: ArrayLike<number>;
  /** Training: each feature is handed over with the position where it ends. */
  emit?: (bucket: number, position: number) => void;
  /** Called as each segment closes, with the sum of its features' weights (0 without weights) and their count. */
  segment?: (start: number, end: number, sum: number, count: number) => void;
}

/**
 * One pass over `text`: every feature, in order of position, either summed against `weights` or
 * handed to `emit`, and every segment (see nextSegmentEnd) reported as it closes. Work is a handful
 * of integer operations per character; the same code serves scoring and training.
 */
export function scanFeatures(text: string, scan: FeatureScan): void {
  const w = scan.weights;
  const emit = scan.emit;
  const onSegment = scan.segment;
  const to = text.length;
  let segStart = 0;
  let segEnd = onSegment === undefined ? to + 1 : nextSegmentEnd(text, 0);
  let sum = 0;
  let count = 0;
  let b = 0;
  let c1 = 10; // the text starts as if after a line break, so its first line looks like any other
  let c2 = 0;
  let c3 = 0; // previous normalized characters (0 = none)
  let word = 0; // rolling hash of the current word
  let wordLen = 0;
  let prevWord = 0x2545f491; // "start of text"
  let pendingBlank = 0; // 32 or 10 while inside a run of blanks
  let lineStart = true; // the current word opens a line or a sentence (imperatives and questions do)
  for (let i = 0; i <= to; i++) {
    if (i >= segEnd && segEnd < to) {
      onSegment!(segStart, segEnd, sum, count);
      sum = 0;
      count = 0;
      segStart = segEnd;
      segEnd = nextSegmentEnd(text, segEnd);
    }
    let c = i < to ? text.charCodeAt(i) : 32;
    // normalize
    if (c >= 65 && c <= 90) c += 32;
    else if (c >= 48 && c <= 57) c = 48;
    else if (c === 10 || c === 13) c = 10;
    else if (c <= 32 || c === 0xa0) c = 32;
    const blank = c === 32 || c === 10;
    const isWordChar = (c >= 97 && c <= 122) || c === 48 || c === 39 || c >= 0xc0;
    if (wordLen > 0 && !isWordChar) {
      // the word ends here: the word, the word pair, and the word as an opener
      b = fin(word ^ 0x1b873593);
      if (emit === undefined) sum += w![b]!;
      else emit(b, i);
      b = fin(Math.imul(prevWord, 0x5bd1e995) ^ word ^ 0x68e31da4);
      if (emit === undefined) sum += w![b]!;
      else emit(b, i);
      count += 2;
      if (lineStart) {
        b = fin(word ^ 0x7f4a7c15);
        if (emit === undefined) sum += w![b]!;
        else emit(b, i);
        count++;
      }
      lineStart = false;
      prevWord = word;
      word = 0;
      wordLen = 0;
    }
    if (blank) {
      if (pendingBlank !== 10) pendingBlank = c;
      if (c === 10) lineStart = true;
      continue;
    }
    if (pendingBlank !== 0) {
      // feed the collapsed blank into the character stream first
      c3 = c2;
      c2 = c1;
      c1 = pendingBlank;
      pendingBlank = 0;
    }
    if (isWordChar) {
      word = Math.imul(word ^ c, 0x01000193) + 0x9e3779b9;
      wordLen++;
    } else {
      lineStart = c === 46 || c === 33 || c === 63 || c === 58 || c === 124 || c === 96 || c === 62; // . ! ? : | ` >
    }
    // the character 4-gram ending here (3- and 5-grams as well cost 40% more time for no measurable gain)
    if (c3 !== 0) {
      b = fin(Math.imul(Math.imul(Math.imul(Math.imul(c ^ 0x27d4eb2f, 0x165667b1) ^ c1, 0xc2b2ae35) ^ c2, 0x27d4eb2f) ^ c3, 0x165667b1) ^ 4);
      if (emit === undefined) sum += w![b]!;
      else emit(b, i);
      count++;
    }
    c3 = c2;
    c2 = c1;
    c1 = c;
  }
  if (onSegment !== undefined) onSegment(segStart, Math.max(segStart, Math.min(segEnd, to)), sum, count);
}

/** Calls `emit(bucket, position)` for every feature of `text`, in order of position. */
export function featurize(text: string, emit: (bucket: number, position: number) => void): void {
  scanFeatures(text, { emit });
}
