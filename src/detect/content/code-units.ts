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
/**
 * Texts up to this length are converted into one reused buffer: a new typed array per text (a
 * backing store outside the heap, zeroed, then freed by the garbage collector) cost more than the
 * conversion itself — about 2 µs for a 1 KB text against 0.1 µs to write into the buffer.
 */
const SCRATCH_MAX = 1 << 16;
/** Buffer's utf16le is little-endian; a Uint16Array has the platform's byte order. */
const NATIVE = endianness() === 'LE';

let scratch = new Uint16Array(1024);
let scratchBytes = Buffer.from(scratch.buffer, scratch.byteOffset, scratch.byteLength);

let memoText: string | undefined;
let memoUnits: Uint16Array | undefined;

/**
 * `text`'s code units. Callers must not write to the array, and must not keep it past their next
 * call: for texts up to SCRATCH_MAX characters it is a view of a buffer that the next conversion of
 * another text overwrites (every detector converts, reads and returns, one text at a time).
 */
export function codeUnits(text: string): Uint16Array {
  if (text === memoText && memoUnits !== undefined) return memoUnits;
  const n = text.length;
  let units: Uint16Array;
  if (n <= SCRATCH_MAX) {
    if (n > scratch.length) {
      let size = scratch.length;
      while (size < n) size *= 2;
      scratch = new Uint16Array(size);
      scratchBytes = Buffer.from(scratch.buffer, scratch.byteOffset, scratch.byteLength);
    }
    units = scratch.subarray(0, n);
    fill(units, text, scratchBytes);
  } else {
    units = new Uint16Array(n);
    fill(units, text, Buffer.from(units.buffer, units.byteOffset, units.byteLength));
  }
  if (n <= MEMO_MAX) {
    memoText = text;
    memoUnits = units;
  }
  return units;
}

/** Writes `text`'s code units to the start of `units` (`bytes` is a Buffer over the same memory). */
function fill(units: Uint16Array, text: string, bytes: Buffer): void {
  const n = text.length;
  if (n < NATIVE_FROM || !NATIVE) {
    for (let i = 0; i < n; i++) units[i] = text.charCodeAt(i);
  } else {
    bytes.write(text, 0, 'utf16le');
  }
}
