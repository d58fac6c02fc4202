/**
 * Line readers for JSONL trails, on plain file descriptors so verify and search stream files of any size
 * in bounded memory, and a writer can read just the newest lines at start.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

const CHUNK = 1 << 20;
/** A line longer than this is not one of ours; it is reported, not buffered without end. */
export const MAX_LINE = 16 << 20;

export interface Line {
  readonly text: string;
  /** 1-based line number, for reports. */
  readonly no: number;
}

/** Every complete line of the file in order; an over-long line comes back as a marker text. */
export function* forwardLines(path: string): Generator<Line> {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    let carry: Buffer[] = [];
    let carried = 0;
    let no = 0;
    let pos = 0;
    const size = fstatSync(fd).size;
    for (let guard = 0; guard <= size / CHUNK + 1; guard++) {
      const n = readSync(fd, buf, 0, CHUNK, pos);
      if (n <= 0) break;
      pos += n;
      let from = 0;
      for (let i = buf.indexOf(10, 0); i !== -1 && i < n; i = buf.indexOf(10, from)) {
        const part = buf.subarray(from, i);
        const text = carried === 0 ? part.toString('utf8') : carried > MAX_LINE ? '\u0000overlong' : Buffer.concat([...carry, part]).toString('utf8');
        [carry, carried, from] = [[], 0, i + 1];
        no++;
        if (text.trim() !== '') yield { text, no };
      }
      if (from < n) {
        // Keep at most MAX_LINE+1 bytes of a partial line: enough to know it is over-long.
        if (carried <= MAX_LINE) carry.push(Buffer.from(buf.subarray(from, n)));
        carried += n - from;
      }
    }
  } finally {
    closeSync(fd);
  }
}

export interface TailRead {
  /** Complete lines, in file order, newest last. */
  readonly lines: string[];
  /** Byte offset just past the last newline: anything after it is a torn final write. */
  readonly completeBytes: number;
  readonly size: number;
}

/**
 * Read complete lines backwards from the end until `enough(linesSoFar)` says stop or `maxLines` are read.
 * Used at open so a writer checks only the newest records, whatever the size of the file.
 */
export function tailLines(path: string, maxLines: number, enough: (newestFirst: readonly string[]) => boolean): TailRead {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.allocUnsafe(CHUNK);
    let end = size;
    let completeBytes = -1;
    let rest = Buffer.alloc(0);
    const newestFirst: string[] = [];
    for (let guard = 0; end > 0 && guard <= size / CHUNK + 1; guard++) {
      const start = Math.max(0, end - CHUNK);
      const n = readSync(fd, buf, 0, end - start, start);
      let block = Buffer.concat([buf.subarray(0, n), rest]);
      if (completeBytes === -1) {
        const lastNl = block.lastIndexOf(10);
        if (lastNl === -1 && start > 0) {
          rest = block;
          end = start;
          continue;
        }
        completeBytes = lastNl === -1 ? 0 : start + lastNl + 1;
        block = block.subarray(0, lastNl + 1);
      }
      // A block that starts mid-file may start mid-line (even mid-character): carry those bytes to the next round.
      let body = block;
      rest = Buffer.alloc(0);
      if (start > 0) {
        const firstNl = block.indexOf(10);
        if (firstNl === -1) {
          rest = block;
          end = start;
          if (rest.length > MAX_LINE) break;
          continue;
        }
        rest = Buffer.from(block.subarray(0, firstNl));
        body = block.subarray(firstNl + 1);
      }
      const lines = body.toString('utf8').split('\n');
      for (let i = lines.length - 1; i >= 0; i--) {
        const l = lines[i]!;
        if (l.trim() === '') continue;
        newestFirst.push(l);
        if (newestFirst.length >= maxLines || enough(newestFirst)) return { lines: newestFirst.reverse(), completeBytes, size };
      }
      end = start;
    }
    return { lines: newestFirst.reverse(), completeBytes: Math.max(completeBytes, 0), size };
  } finally {
    closeSync(fd);
  }
}
