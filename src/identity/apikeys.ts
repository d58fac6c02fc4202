/**
 * API keys for service clients. Only a SHA-256 of each key is stored, with its roles, scopes, expiry
 * and an optional IP allow-list. Keys look like `pck_<id>_<secret>`: the id finds the record, the
 * hash proves the secret, compared in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { isIP } from 'node:net';
import type { Principal } from '../pipeline/types.js';
import { AuthFailure } from './errors.js';

export interface ApiKeyRecord {
  id: string;
  name: string;
  sha256: string;
  roles: string[];
  scopes: string[];
  tenant?: string;
  createdAt: string;
  expiresAt?: string;
  allowIps?: string[];
  revokedAt?: string;
}

interface KeyFile {
  version: 1;
  keys: ApiKeyRecord[];
}

const PREFIX = 'pck_';

export function isApiKey(token: string): boolean {
  return token.startsWith(PREFIX);
}

function hash(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export class ApiKeyStore {
  private records = new Map<string, ApiKeyRecord>();
  private mtimeMs = 0;
  private checkedAt = 0;

  constructor(private readonly file: string) {
    this.reload();
  }

  /** Revocations and new keys take effect within a second: the file is re-read when it changes. */
  private refresh(now: number): void {
    if (now - this.checkedAt < 1000) return;
    this.checkedAt = now;
    try {
      if (statSync(this.file).mtimeMs !== this.mtimeMs) this.reload();
    } catch {
      this.records = new Map(); // the file is gone: no key is valid
    }
  }

  reload(): void {
    if (!existsSync(this.file)) {
      this.records = new Map();
      return;
    }
    this.mtimeMs = statSync(this.file).mtimeMs;
    let parsed: KeyFile;
    try {
      parsed = JSON.parse(readFileSync(this.file, 'utf8')) as KeyFile;
    } catch {
      throw new Error(`API key file ${this.file} is not valid JSON`);
    }
    if (parsed.version !== 1 || !Array.isArray(parsed.keys)) throw new Error(`API key file ${this.file} has an unknown format`);
    this.records = new Map(parsed.keys.map((k) => [k.id, k]));
  }

  list(): ApiKeyRecord[] {
    return [...this.records.values()];
  }

  create(r: { name: string; roles: string[]; scopes: string[]; tenant?: string; ttlSec?: number; allowIps?: string[] }): { key: string; record: ApiKeyRecord } {
    for (const ip of r.allowIps ?? []) if (isIP(ip) === 0) throw new Error(`"${ip}" is not an IP address`);
    const id = randomBytes(6).toString('hex');
    const key = `${PREFIX}${id}_${randomBytes(32).toString('base64url')}`;
    const record: ApiKeyRecord = { id, name: r.name, sha256: hash(key), roles: r.roles, scopes: r.scopes, createdAt: new Date().toISOString() };
    if (r.tenant !== undefined) record.tenant = r.tenant;
    if (r.ttlSec !== undefined) record.expiresAt = new Date(Date.now() + r.ttlSec * 1000).toISOString();
    if (r.allowIps && r.allowIps.length > 0) record.allowIps = r.allowIps;
    this.records.set(id, record);
    this.save();
    return { key, record };
  }

  revoke(id: string): boolean {
    const r = this.records.get(id);
    if (!r || r.revokedAt) return false;
    r.revokedAt = new Date().toISOString();
    this.save();
    return true;
  }

  /** Who this key belongs to, or an AuthFailure. The key itself never appears in the error. */
  verify(key: string, remoteIp: string | undefined, now = Date.now()): { principal: Principal; expiresAt: number } {
    this.refresh(now);
    const m = /^pck_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/.exec(key);
    if (!m) throw new AuthFailure('invalid_token', 'malformed API key');
    const r = this.records.get(m[1]!);
    const given = Buffer.from(hash(key), 'hex');
    if (!r || !timingSafeEqual(given, Buffer.from(r.sha256, 'hex'))) throw new AuthFailure('invalid_token', 'unknown API key');
    if (r.revokedAt) throw new AuthFailure('invalid_token', 'the API key was revoked');
    const expiresAt = r.expiresAt ? Date.parse(r.expiresAt) : Number.POSITIVE_INFINITY;
    if (expiresAt <= now) throw new AuthFailure('invalid_token', 'the API key has expired');
    if (r.allowIps && (remoteIp === undefined || !r.allowIps.includes(normalizeIp(remoteIp)))) {
      throw new AuthFailure('invalid_token', 'the API key is not valid from this address');
    }
    const principal: Principal = Object.freeze({
      subject: `key:${r.name}`,
      clientId: r.id,
      ...(r.tenant !== undefined ? { tenant: r.tenant } : {}),
      roles: Object.freeze([...r.roles]),
      scopes: Object.freeze([...r.scopes]),
      authenticatedBy: 'api-key' as const,
    });
    return { principal, expiresAt };
  }

  private save(): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    const body: KeyFile = { version: 1, keys: [...this.records.values()] };
    writeFileSync(tmp, JSON.stringify(body, null, 2) + '\n', { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}

/** `::ffff:10.0.0.1` and `10.0.0.1` are the same client. */
export function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}
