/**
 * Ed25519 keys for checkpoints and cuts. A key setting is PEM text, base64 (raw 32-byte key or DER), or
 * a path to a file holding either. Errors name the setting, never the key material.
 */
import { createPrivateKey, createPublicKey, createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

export class AuditKeyError extends Error {
  override readonly name = 'AuditKeyError';
}

const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

type Parsed = { kind: 'private' | 'public'; key: KeyObject };

function fromText(text: string, publicIfRaw: boolean): Parsed | undefined {
  const t = text.trim();
  if (t.startsWith('-----BEGIN')) {
    return t.includes('PRIVATE KEY')
      ? { kind: 'private', key: createPrivateKey({ key: t, format: 'pem' }) }
      : { kind: 'public', key: createPublicKey({ key: t, format: 'pem' }) };
  }
  if (!BASE64.test(t)) return undefined;
  const der = Buffer.from(t, 'base64');
  if (der.length === 32 && !publicIfRaw) return { kind: 'private', key: createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, der]), format: 'der', type: 'pkcs8' }) };
  if (der.length === 32) return { kind: 'public', key: createPublicKey({ key: Buffer.concat([SPKI_ED25519, der]), format: 'der', type: 'spki' }) };
  if (der.length === 48) return { kind: 'private', key: createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }) };
  if (der.length === 44) return { kind: 'public', key: createPublicKey({ key: der, format: 'der', type: 'spki' }) };
  return undefined;
}

function parse(spec: string, setting: string, publicIfRaw: boolean): Parsed {
  let parsed: Parsed | undefined;
  try {
    parsed = fromText(spec, publicIfRaw);
    if (!parsed) {
      // Not key text: a path to a file that holds the key (one level; the file is not a path again).
      let text: string;
      try {
        text = readFileSync(spec.trim(), 'utf8');
      } catch (err) {
        throw new AuditKeyError(`${setting}: not a PEM/base64 key and not a readable file (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      }
      parsed = fromText(text, publicIfRaw);
    }
  } catch (err) {
    if (err instanceof AuditKeyError) throw err;
    throw new AuditKeyError(`${setting}: cannot parse the key (${(err as Error).message})`);
  }
  if (!parsed) throw new AuditKeyError(`${setting}: the file does not hold a PEM or base64 Ed25519 key`);
  if (parsed.key.asymmetricKeyType !== 'ed25519') throw new AuditKeyError(`${setting}: the key is ${parsed.key.asymmetricKeyType ?? 'unknown'}, Ed25519 is required`);
  return parsed;
}

/** The signing key. `setting` names the config key in error messages. */
export function loadPrivateKey(spec: string | undefined, setting = 'audit.checkpoint.key'): KeyObject {
  if (spec === undefined || spec.trim() === '') {
    throw new AuditKeyError(`${setting} is required when checkpoints are on: create one with \`portcullis audit keygen --out FILE\`, or turn checkpoints off explicitly (audit.checkpoint: false)`);
  }
  const p = parse(spec, setting, false);
  if (p.kind !== 'private') throw new AuditKeyError(`${setting}: a public key cannot sign; give the private key`);
  return p.key;
}

/** The verifying key: a public key, or a private key from which the public half is derived. */
export function loadPublicKey(spec: string, setting = '--key'): KeyObject {
  const p = parse(spec, setting, true);
  return p.kind === 'public' ? p.key : createPublicKey(p.key);
}

/** A short, stable name for a key, safe to print and to record in the trail. */
export function keyId(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256').update(pub.export({ format: 'der', type: 'spki' })).digest('hex').slice(0, 16);
}

export function generateKeyPem(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}
