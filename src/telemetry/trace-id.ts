/**
 * W3C trace ids (16 random bytes as 32 lower-case hex digits) for messages that arrive without one.
 *
 * Every message gets one, so this is on the hot path: ids are cut from a 4 KB buffer of CSPRNG bytes
 * refilled when used up, which costs one string per id instead of a UUID, its formatting and a
 * regular-expression replace (randomUUID().replace(/-/g, '')).
 */
import { randomFillSync } from 'node:crypto';

const ID_BYTES = 16;
const pool = Buffer.allocUnsafe(4096);
let next = pool.length;
const INVALID = '0'.repeat(ID_BYTES * 2);

export function newTraceId(): string {
  for (;;) {
    if (next + ID_BYTES > pool.length) {
      randomFillSync(pool);
      next = 0;
    }
    const id = pool.toString('hex', next, next + ID_BYTES);
    next += ID_BYTES;
    // All zeros is not a valid trace id (W3C Trace Context); a 2^-128 chance, handled anyway.
    if (id !== INVALID) return id;
  }
}
