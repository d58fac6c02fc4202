// The UTF-16 code units of a text as a typed array, for the detectors' per-character loops. Reading
// `units[i]` is one load; `text.charCodeAt(i)` in optimized code re-dispatches on the string's
// representation (one- or two-byte, flat, sliced or cons) at every character, which made that read
// most of the cost of the sanitize, keyword and model passes. Pure: no I/O.

import { Buffer } from 'node:buffer';
import { endianness } from 'node:os';

/** Below this length a JavaScript copy beats the fixed cost of the native one. */
const NATIVE_FROM = 256;
/** The last text converted is kept (the chain's passes all read the same text); larger ones are not. */
const MEMO_MAX = 1 << 20;
/** Buffer's utf16le is little-endian; a Uint16Array has the platform's byte order. */
const NATIVE = endianness() === 'LE';

let memoText: string | undefined;
let memoUnits: Uint16Array | undefined;

/** `text`'s code units (the same for the same text: callers must not write to it). */
export function codeUnits(text: string): Uint16Array {
  if (text === memoText && memoUnits !== undefined) return memoUnits;
  const n = text.length;
  const units = new Uint16Array(n);
  if (n < NATIVE_FROM || !NATIVE) {
    for (let i = 0; i < n; i++) units[i] = text.charCodeAt(i);
  } else {
    Buffer.from(units.buffer, units.byteOffset, units.byteLength).write(text, 0, 'utf16le');
  }
  if (n <= MEMO_MAX) {
    memoText = text;
    memoUnits = units;
  }
  return units;
}
