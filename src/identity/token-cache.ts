/**
 * Verified tokens are cached until they expire (bounded, oldest evicted first), so signature checks
 * and introspection are not paid on every call. Keyed by SHA-256 of the token: the cache never holds
 * a usable credential.
 */
import { createHash } from 'node:crypto';
import type { Principal } from '../pipeline/types.js';

export function tokenKey(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export class TokenCache {
  private readonly entries = new Map<string, { principal: Principal; expiresAt: number }>();
  constructor(private readonly max = 10_000) {}

  get(key: string, now = Date.now()): Principal | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return e.principal;
  }

  set(key: string, principal: Principal, expiresAt: number): void {
    if (this.entries.size >= this.max) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { principal, expiresAt });
  }

  clear(): void {
    this.entries.clear();
  }
}
