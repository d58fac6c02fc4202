// One pass over a text finds every occurrence of many ASCII keywords, case-insensitively
// (Aho–Corasick with a dense transition table over a reduced alphabet). The secret detector uses it
// as its keyword pre-filter (the same answer as a lowercase `includes` per rule, in one pass instead
// of one per keyword, which is what keeps a 1 KB scan in microseconds with two hundred rules), and
// the injection rules for their trigger words: both read one shared set (content-keywords.ts).

import { codeUnits } from './code-units.js';

export class KeywordSet {
  readonly keywords: readonly string[];
  /** Steps through a text's code units, filling the hit lists (see scanner). */
  private readonly scan: (units: Uint16Array, first: Hits, second: Hits) => void;
  /** The hits of the text's first half, then the second's (appended when the scan ends). */
  private readonly first = new Hits();
  private readonly second = new Hits();
  private memoText: string | undefined;
  private memoHits: Int32Array | undefined;

  constructor(keywords: readonly string[]) {
    this.keywords = keywords.map((k) => k.toLowerCase());
    const classOf = new Uint8Array(128);
    let classes = 1;
    for (const k of this.keywords) {
      if (k.length === 0) throw new Error('empty keyword');
      for (let i = 0; i < k.length; i++) {
        const c = k.charCodeAt(i);
        if (c >= 128) throw new Error(`keyword ${JSON.stringify(k)} is not ASCII`);
        if (classOf[c] === 0) classOf[c] = classes++;
      }
    }
    for (let c = 65; c <= 90; c++) classOf[c] = classOf[c + 32] ?? 0; // A–Z fold onto a–z
    if (classes > 255) throw new Error('too many distinct keyword characters');

    // trie
    const goto: number[][] = [new Array<number>(classes).fill(-1)];
    const outs: number[][] = [[]];
    this.keywords.forEach((k, idx) => {
      let s = 0;
      for (let i = 0; i < k.length; i++) {
        const cls = classOf[k.charCodeAt(i)] ?? 0;
        const row = goto[s]!;
        let next = row[cls]!;
        if (next === -1) {
          next = goto.length;
          row[cls] = next;
          goto.push(new Array<number>(classes).fill(-1));
          outs.push([]);
        }
        s = next;
      }
      outs[s]!.push(idx);
    });
    // breadth-first failure links, folded into a complete transition table
    const states = goto.length;
    const delta = new Int32Array(states * classes);
    const fail = new Int32Array(states);
    const queue: number[] = [];
    for (let cls = 0; cls < classes; cls++) {
      const t = goto[0]![cls]!;
      if (t === -1 || cls === 0) delta[cls] = 0;
      else {
        delta[cls] = t;
        fail[t] = 0;
        queue.push(t);
      }
    }
    for (let qi = 0; qi < queue.length; qi++) {
      const s = queue[qi]!;
      outs[s]!.push(...outs[fail[s]!]!);
      for (let cls = 0; cls < classes; cls++) {
        const t = goto[s]![cls]!;
        if (t === -1 || cls === 0) delta[s * classes + cls] = delta[fail[s]! * classes + cls]!;
        else {
          delta[s * classes + cls] = t;
          fail[t] = delta[fail[s]! * classes + cls]!;
          queue.push(t);
        }
      }
    }
    const hasOut = new Uint8Array(states);
    const outStart = new Int32Array(states + 1);
    const flat: number[] = [];
    for (let s = 0; s < states; s++) {
      outStart[s] = flat.length;
      flat.push(...new Set(outs[s]!));
      hasOut[s] = outs[s]!.length > 0 ? 1 : 0;
    }
    outStart[states] = flat.length;
    // Rows of `stride` entries (even, and at least classes + 1): state q's row starts at q * stride, one
    // entry further when q ends a keyword, so an entry — the row start of the next state — is odd
    // exactly when that state ends a keyword. A step is one add and one load (the dependency from one
    // character to the next), the hit test one bit.
    const stride = (classes + 2) & ~1;
    const rowOf = (q: number): number => q * stride + hasOut[q]!;
    const table = new Int32Array(states * stride + 1);
    for (let q = 0; q < states; q++) for (let cls = 0; cls < classes; cls++) table[rowOf(q) + cls] = rowOf(delta[q * classes + cls]!);
    this.scan = scanner(classOf, table, stride, outStart, Int32Array.from(flat), Math.max(...this.keywords.map((k) => k.length)));
  }

  /**
   * Every occurrence in `text`, as flat pairs `[keyword, end, keyword, end, …]` (end exclusive), in
   * text order; keywords that end at the same character come longest first (each is a suffix of the
   * next longer one). Work is one table step per character. The answer for the last text is kept, so
   * detectors that share this set scan a text once between them; the array is reused by the next
   * text's scan, so read it before scanning another.
   */
  hitsOf(text: string): Int32Array {
    if (text === this.memoText && this.memoHits !== undefined) return this.memoHits;
    this.memoText = undefined; // the lists are about to be overwritten
    const first = this.first;
    const second = this.second;
    first.n = 0;
    second.n = 0;
    this.scan(codeUnits(text), first, second);
    first.append(second);
    this.memoText = text;
    this.memoHits = first.view();
    return this.memoHits;
  }
}

/** Below this length one stream: the second's setup costs more than it saves. */
const TWO_STREAMS_FROM = 256;

/**
 * The step loops, as a closure over one automaton's tables. The content detectors build one set per
 * process, so the closure is the only one of its kind, and V8 compiles it with the tables as constants
 * (their base and bounds are not reloaded at every step): about a third faster than reading them from
 * the object. Hits go to `first`, those that end in the second half of a long text to `second`.
 */
function scanner(classOf: Uint8Array, delta: Int32Array, stride: number, outStart: Int32Array, outList: Int32Array, longest: number): (units: Uint16Array, first: Hits, second: Hits) => void {
  /** The keywords that end where `row` (an odd row start) was entered. */
  function report(row: number, end: number, out: Hits): void {
    const q = (row - 1) / stride;
    const z = outStart[q + 1]!;
    for (let k = outStart[q]!; k < z; k++) out.add(outList[k]!, end);
  }

  /** Steps from `state` over units [from, to), reporting into `out`. */
  function run(units: Uint16Array, from: number, to: number, state: number, out: Hits): void {
    let s = state;
    for (let i = from; i < to; i++) {
      const c = units[i]!;
      s = delta[s + (c < 128 ? classOf[c]! : 0)]!;
      if ((s & 1) !== 0) report(s, i + 1, out);
    }
  }

  return (units, first, second) => {
    const n = units.length;
    if (n < TWO_STREAMS_FROM || n < 4 * longest) {
      run(units, 0, n, 0, first);
      return;
    }
    // Two halves stepped side by side: a step waits for the previous one's load, so one stream is
    // bound by that latency, and two independent ones run in about the time of one. The second starts
    // a keyword's length before the middle, from the root, so it sees every keyword that ends after the
    // middle; the first reports what ends up to the middle.
    const mid = n >> 1;
    const from2 = mid - (longest - 1);
    let s1 = 0;
    let s2 = 0;
    for (let j = 0; j < mid; j++) {
      const a = units[j]!;
      const b = units[from2 + j]!;
      s1 = delta[s1 + (a < 128 ? classOf[a]! : 0)]!;
      s2 = delta[s2 + (b < 128 ? classOf[b]! : 0)]!;
      if (((s1 | s2) & 1) !== 0) {
        if ((s1 & 1) !== 0) report(s1, j + 1, first);
        if ((s2 & 1) !== 0 && from2 + j + 1 > mid) report(s2, from2 + j + 1, second);
      }
    }
    run(units, from2 + mid, n, s2, second);
  };
}

/** A growable list of (keyword, end) pairs, reused from text to text. */
class Hits {
  buf = new Int32Array(256);
  /** Entries used (two per hit). */
  n = 0;

  add(keyword: number, end: number): void {
    if (this.n + 2 > this.buf.length) {
      const bigger = new Int32Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.n++] = keyword;
    this.buf[this.n++] = end;
  }

  append(other: Hits): void {
    for (let k = 0; k < other.n; k += 2) this.add(other.buf[k]!, other.buf[k + 1]!);
  }

  view(): Int32Array {
    return this.buf.subarray(0, this.n);
  }
}
