/**
 * Reads the regular files of an npm tarball (gzip + ustar, with pax and GNU long-name records) into
 * memory, keyed by their path inside the package (the first path component, usually "package/", is
 * dropped the way npm drops it on install). Links and devices are skipped, as npm skips them. Bounded:
 * a tarball that inflates past the limit, or holds a path that escapes the package, is an error.
 */
import { gunzipSync } from 'node:zlib';

const BLOCK = 512;
const MAX_INFLATED = 512 * 1024 * 1024;

export class TarError extends Error {}

function cString(buf: Buffer, start: number, len: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end === -1 || end > start + len ? start + len : end);
}

function octal(buf: Buffer, start: number, len: number): number {
  const text = cString(buf, start, len).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarError('tarball header with an unreadable size');
  return parseInt(text, 8);
}

function paxPath(data: Buffer): string | undefined {
  let path: string | undefined;
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space === -1) break;
    const len = parseInt(data.toString('ascii', at, space), 10);
    if (!Number.isFinite(len) || len <= 0) break;
    const record = data.toString('utf8', space + 1, at + len - 1);
    if (record.startsWith('path=')) path = record.slice('path='.length);
    at += len;
  }
  return path;
}

/** The package-relative path, or undefined for the package root itself; throws on an escaping path. */
function packagePath(raw: string): string | undefined {
  const parts = raw.replaceAll('\\', '/').split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) throw new TarError(`tarball entry escapes the package: ${raw}`);
  parts.shift();
  return parts.length === 0 ? undefined : parts.join('/');
}

export function readTarball(gz: Buffer): Map<string, Buffer> {
  let tar: Buffer;
  try {
    tar = gunzipSync(gz, { maxOutputLength: MAX_INFLATED });
  } catch (err) {
    throw new TarError(`cannot inflate the tarball: ${(err as Error).message}`);
  }
  const files = new Map<string, Buffer>();
  let at = 0;
  let longName: string | undefined;
  while (at + BLOCK <= tar.length) {
    const header = tar.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156]!);
    const dataStart = at + BLOCK;
    const dataEnd = dataStart + size;
    if (dataEnd > tar.length) throw new TarError('tarball truncated');
    const data = tar.subarray(dataStart, dataEnd);
    at = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x') {
      longName = paxPath(data) ?? longName;
      continue;
    }
    if (type === 'L') {
      longName = cString(data, 0, data.length);
      continue;
    }
    if (type === 'g') continue;
    const prefix = cString(header, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${cString(header, 0, 100)}` : cString(header, 0, 100));
    longName = undefined;
    if (type !== '0' && type !== '\0' && type !== '7') continue;
    const path = packagePath(name);
    if (path !== undefined) files.set(path, data);
  }
  return files;
}
