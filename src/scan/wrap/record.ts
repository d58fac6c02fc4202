/**
 * The record `wrap` leaves beside the client config (`FILE.portcullis-wrap.json`): where the backups
 * are, and the SHA-256 of each file before and after, so `unwrap` can refuse to overwrite edits made
 * since and never restores a backup that was altered.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';

const sha = z.string().regex(/^[0-9a-f]{64}$/);

const WrapRecordSchema = z.strictObject({
  version: z.literal(1),
  createdAt: z.string(),
  client: z.strictObject({ path: z.string(), backup: z.string(), sha256Before: sha, sha256After: sha }),
  gateway: z.strictObject({
    path: z.string(),
    /** null when wrap created the gateway config. */
    backup: z.string().nullable(),
    sha256Before: sha.nullable(),
    sha256After: sha,
    added: z.array(z.string()),
  }),
});

export type WrapRecord = z.infer<typeof WrapRecordSchema>;

export function recordPath(clientPath: string): string {
  return `${clientPath}.portcullis-wrap.json`;
}

export async function readRecord(clientPath: string): Promise<WrapRecord | 'missing' | string> {
  let text: string;
  try {
    text = await readFile(recordPath(clientPath), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    return `cannot read ${recordPath(clientPath)} (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return `${recordPath(clientPath)} is not valid JSON`;
  }
  const r = WrapRecordSchema.safeParse(value);
  return r.success ? r.data : `${recordPath(clientPath)} is not a wrap record (${r.error.issues[0]?.path.join('.') ?? ''}: ${r.error.issues[0]?.message ?? ''})`;
}
