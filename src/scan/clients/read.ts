/**
 * Reads one config file within a size bound. Everything that can go wrong is an outcome, not an
 * exception: a scan of a whole machine reports the file and goes on.
 */
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';

export const MAX_CONFIG_BYTES = 5 * 1024 * 1024;

export type ReadOutcome =
  | { kind: 'text'; text: string }
  | { kind: 'missing' }
  | { kind: 'too-large'; bytes: number }
  | { kind: 'unreadable'; reason: string };

function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'ELOOP') return 'too many symbolic links';
  return code ?? (err instanceof Error ? err.message : String(err));
}

export async function readConfigFile(file: string): Promise<ReadOutcome> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return { kind: 'missing' };
    return { kind: 'unreadable', reason: reason(err) };
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) return { kind: 'unreadable', reason: 'is a directory' };
    if (!info.isFile()) return { kind: 'unreadable', reason: 'not a regular file' };
    if (info.size > MAX_CONFIG_BYTES) return { kind: 'too-large', bytes: info.size };
    // Read at most one byte past the bound, so a file that grows after the stat is still refused.
    const buf = Buffer.alloc(Math.min(info.size + 1, MAX_CONFIG_BYTES + 1));
    let filled = 0;
    while (filled < buf.length) {
      const { bytesRead } = await handle.read(buf, filled, buf.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled > MAX_CONFIG_BYTES) return { kind: 'too-large', bytes: filled };
    return { kind: 'text', text: buf.subarray(0, filled).toString('utf8').replace(/^\uFEFF/, '') };
  } catch (err) {
    return { kind: 'unreadable', reason: reason(err) };
  } finally {
    await handle.close();
  }
}

/** Files with one of `extensions` directly inside `dir`, sorted; none when the directory is absent. */
export async function listDir(dir: string, extensions: readonly string[]): Promise<string[] | { unreadable: string }> {
  try {
    if (!(await stat(dir)).isDirectory()) return [];
    const names = await readdir(dir);
    return names
      .filter((n) => extensions.some((e) => n.toLowerCase().endsWith(e)))
      .sort()
      .map((n) => path.join(dir, n));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    return { unreadable: reason(err) };
  }
}
