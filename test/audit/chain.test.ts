import { describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { canonical, chainNext, checkpointSigned, cutSigned, GENESIS, recordHash, sealRecord, signCheckpoint, signCut } from '../../src/audit/chain.js';
import { loadPrivateKey, loadPublicKey } from '../../src/audit/keys.js';
import { event } from './helpers.js';

describe('hash chain', () => {
  it('the writer fast path hashes exactly the RFC 8785 form verify recomputes', () => {
    const odd = { ...event(1), detail: 'é\u2028"\\\u0001😀', rule: 'z', extra: { b: [1e21, 0.1, -0, 1e-7], a: { 'ä': 1, 'a': 2, '\u00e9': 3, '😀': 4 } } };
    for (const e of [event(1), odd]) {
      for (const skew of [undefined, 1500]) {
        const sealed = sealRecord(42, 'ab'.repeat(32), canonical(e), skew);
        expect(sealed.hash).toBe(recordHash(42, 'ab'.repeat(32), JSON.parse(sealed.eventJson), skew));
      }
    }
  });

  it('keeps seq monotonic when the clock steps back, and notes the skew in the record', () => {
    const head = { seq: 0, hash: GENESIS, maxTimeMs: -Infinity };
    const a = chainNext(head, canonical(event(1)), Date.parse('2026-01-01T00:00:10Z'));
    const b = chainNext(head, canonical(event(2)), Date.parse('2026-01-01T00:00:07Z'));
    const c = chainNext(head, canonical(event(3)), Date.parse('2026-01-01T00:00:11Z'));
    expect([a.seq, b.seq, c.seq]).toEqual([1, 2, 3]);
    expect([a.skewMs, b.skewMs, c.skewMs]).toEqual([undefined, 3000, undefined]);
    expect(b.prevHash).toBe(a.hash);
  });

  it('a checkpoint signature is bound to seq, hash and time, and cannot pass as a cut', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const cp = signCheckpoint(privateKey, 7, 'cd'.repeat(32));
    expect(checkpointSigned(cp, publicKey)).toBe(true);
    expect(checkpointSigned({ ...cp, seq: 8 }, publicKey)).toBe(false);
    expect(checkpointSigned({ ...cp, signature: 'not base64!' }, publicKey)).toBe(false);
    const cut = signCut(privateKey, { fromSeq: 7, prevHash: 'cd'.repeat(32), auditSeq: 9, time: cp.time });
    expect(cutSigned(cut, publicKey)).toBe(true);
    expect(cutSigned({ ...cut, signature: cp.signature }, publicKey)).toBe(false);
  });

  it('loads keys as PEM, base64 (raw or DER) or a file, and says which setting is wrong without echoing it', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const der = privateKey.export({ format: 'der', type: 'pkcs8' });
    const raw = der.subarray(16).toString('base64');
    const pub = loadPublicKey(pem).export({ format: 'der', type: 'spki' }).toString('hex');
    for (const spec of [pem, der.toString('base64'), raw]) expect(loadPublicKey(loadPrivateKey(spec).export({ format: 'pem', type: 'pkcs8' }).toString()).export({ format: 'der', type: 'spki' }).toString('hex')).toBe(pub);
    expect(() => loadPrivateKey(undefined)).toThrow(/audit\.checkpoint\.key is required when checkpoints are on/);
    expect(() => loadPrivateKey('/nonexistent/key.pem')).toThrow(/not a PEM\/base64 key and not a readable file \(ENOENT\)/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(() => loadPrivateKey(rsa)).toThrow(/the key is rsa, Ed25519 is required/);
    expect(() => loadPrivateKey(loadPublicKey(pem).export({ format: 'pem', type: 'spki' }).toString())).toThrow(/a public key cannot sign/);
  });
});
