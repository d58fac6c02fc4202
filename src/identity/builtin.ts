/**
 * The built-in issuer of short-lived tokens, for pilots, tests and stdio mode: EdDSA (Ed25519) JWTs
 * whose audience is the gateway's resource URI. The private key comes from the config or is created on
 * first use in a 0600 file; it is never logged.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SignJWT } from 'jose';

export interface BuiltinKeys {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function loadOrCreateKey(opts: { key?: string; keyFile: string }): BuiltinKeys {
  let pem = opts.key;
  if (pem === undefined) {
    if (!existsSync(opts.keyFile)) {
      const { privateKey } = generateKeyPairSync('ed25519');
      mkdirSync(dirname(opts.keyFile), { recursive: true });
      writeFileSync(opts.keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    }
    pem = readFileSync(opts.keyFile, 'utf8');
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new Error('the built-in issuer key is not a valid PEM private key');
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('the built-in issuer key must be Ed25519');
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

export interface MintRequest {
  subject: string;
  roles: string[];
  scope: string;
  ttlSec: number;
  tenant?: string;
  sessionClaim?: string;
  authorizationDetails?: unknown;
}

export async function mintToken(keys: BuiltinKeys, issuer: string, audience: string, r: MintRequest): Promise<string> {
  const claims: Record<string, unknown> = { roles: r.roles, scope: r.scope, client_id: 'portcullis-builtin' };
  if (r.tenant !== undefined) claims.tenant = r.tenant;
  if (r.sessionClaim !== undefined) claims.sid = r.sessionClaim;
  if (r.authorizationDetails !== undefined) claims.authorization_details = r.authorizationDetails;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt' })
    .setIssuer(issuer)
    .setAudience(audience)
    .setSubject(r.subject)
    .setIssuedAt()
    .setNotBefore('0s')
    .setExpirationTime(`${r.ttlSec}s`)
    .setJti(randomUUID())
    .sign(keys.privateKey);
}

/** "15m", "1h", "90s", "3600" → seconds. */
export function parseTtl(v: string): number | undefined {
  const m = /^(\d+)\s*([smhd]?)$/.exec(v.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2] as '' | 's' | 'm' | 'h' | 'd'];
  return n * unit;
}
