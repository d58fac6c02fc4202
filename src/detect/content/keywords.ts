// One pass over a text finds every occurrence of many ASCII keywords, case-insensitively
// (Aho–Corasick with a dense transition table over a reduced alphabet). The secret detector uses it
// as its keyword pre-filter (the same answer as a lowercase `includes` per rule, in one pass instead
// of one per keyword, which is what keeps a 1 KB scan in microseconds with two hundred rules), and
// the injection rules for their trigger words: both read one shared set (content-keywords.ts).

import { codeUnits } from './code-units.js';

export class KeywordSet {
  readonly keywords: readonly string[];
  private readonly classOf: Uint8Array; // ASCII code → symbol class (0 = not in any keyword)
  private readonly classes: number;
  private readonly delta: Int32Array; // state * classes + class → next state
  private readonly outStart: Int32Array; // per state, slice of `outList` holding the keywords it ends
  private readonly outList: Int32Array;
  private hitBuffer = new Int32Array(256);
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
    this.classOf = classOf;
    this.classes = classes;

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
    this.delta = delta;
    const hasOut = new Uint8Array(states);
    const outStart = new Int32Array(states + 1);
    const flat: number[] = [];
    for (let s = 0; s < states; s++) {
      outStart[s] = flat.length;
      flat.push(...new Set(outs[s]!));
      hasOut[s] = outs[s]!.length > 0 ? 1 : 0;
    }
    // Each entry holds (next_state * classes) << 1 | (next_state ends a keyword): one add, one load
    // and one bit test per character.
    for (let k = 0; k < delta.length; k++) {
      const next = delta[k]!;
      delta[k] = ((next * classes) << 1) | hasOut[next]!;
    }
    outStart[states] = flat.length;
    this.outStart = outStart;
    this.outList = Int32Array.from(flat);
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
    const { classOf, classes, delta, outStart, outList } = this;
    this.memoText = undefined; // the buffer is about to be overwritten
    const units = codeUnits(text);
    const n = units.length;
    let hits = this.hitBuffer;
    let count = 0; // entries used in `hits`
    let s = 0; // encoded state, see the constructor
    for (let i = 0; i < n; i++) {
      const c = units[i]!;
      s = delta[(s >> 1) + (c < 128 ? classOf[c]! : 0)]!;
      if ((s & 1) === 1) {
        const st = (s >> 1) / classes;
        const z = outStart[st + 1]!;
        for (let k = outStart[st]!; k < z; k++) {
          if (count + 2 > hits.length) hits = this.grow(hits);
          hits[count++] = outList[k]!;
          hits[count++] = i + 1;
        }
      }
    }
    this.memoText = text;
    this.memoHits = hits.subarray(0, count);
    return this.memoHits;
  }

  private grow(hits: Int32Array): Int32Array<ArrayBuffer> {
    const bigger = new Int32Array(hits.length * 2);
    bigger.set(hits);
    this.hitBuffer = bigger;
    return bigger;
  }

  /** True when any keyword occurs. */
  test(text: string): boolean {
    const { classOf, delta } = this;
    const units = codeUnits(text);
    let s = 0;
    for (let i = 0; i < units.length; i++) {
      const c = units[i]!;
      s = delta[(s >> 1) + (c < 128 ? classOf[c]! : 0)]!;
      if ((s & 1) === 1) return true;
    }
    return false;
  }
}
