/** File operations for wrap/unwrap: hashes, atomic replacement that keeps the file's mode, private backups. */
import { createHash } from 'node:crypto';
import { chmod, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';

export function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function readIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Write beside the target, then rename over it: a crash leaves the old file or the new one, never half. */
export async function replaceFile(file: string, data: Buffer | string): Promise<void> {
  let mode = 0o600;
  try {
    mode = (await stat(file)).mode & 0o777;
  } catch {
    /* new file: private by default, configs hold credentials */
  }
  const tmp = `${file}.portcullis-tmp-${process.pid}`;
  try {
    await writeFile(tmp, data, { mode, flag: 'wx' });
    await chmod(tmp, mode);
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/** A backup readable by the owner only (the client config may hold credentials); never overwrites. */
export async function writeBackup(file: string, data: Buffer): Promise<void> {
  await writeFile(file, data, { mode: 0o600, flag: 'wx' });
}

export function timestamp(now = new Date()): string {
  return now.toISOString().replace(/[:.]/g, '-');
}
