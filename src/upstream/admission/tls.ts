/**
 * TLS certificate pinning for a remote upstream: the SHA-256 of the leaf certificate (its DER bytes),
 * written `sha256/<base64>` or as 64 hex digits (colons allowed, as `openssl x509 -fingerprint -sha256`
 * prints it). The pin is checked in addition to the usual chain and host-name validation, so a
 * certificate that is valid but not the pinned one (a mis-issued or intercepting CA) is refused.
 */
import { readFileSync } from 'node:fs';
import tls, { type PeerCertificate } from 'node:tls';
import { UpstreamFailure } from '../../errors.js';

const HEX = /^(?:[0-9a-fA-F]{2}:?){31}[0-9a-fA-F]{2}$/;
const B64 = /^sha256\/[A-Za-z0-9+/]{43}=$/;

/** The 32 pinned bytes, or undefined when the text is in neither accepted form. */
export function parseFingerprint(text: string): Buffer | undefined {
  const t = text.trim();
  if (B64.test(t)) {
    const b = Buffer.from(t.slice('sha256/'.length), 'base64');
    return b.length === 32 ? b : undefined;
  }
  if (HEX.test(t)) return Buffer.from(t.replaceAll(':', ''), 'hex');
  return undefined;
}

export const FINGERPRINT_FORMS = 'sha256/<base64 of the 32 bytes> or 64 hex digits (colons allowed)';

export function formatFingerprint(bytes: Buffer): string {
  return `sha256/${bytes.toString('base64')}`;
}

/** A checkServerIdentity that runs Node's host-name check, then compares the leaf with the pin. */
export function pinnedIdentityCheck(pin: Buffer): (host: string, cert: PeerCertificate) => Error | undefined {
  return (host, cert) => {
    const usual = tls.checkServerIdentity(host, cert);
    if (usual) return usual;
    // fingerprint256 is Node's SHA-256 over the leaf's DER bytes, as colon-separated hex.
    const digest = typeof cert.fingerprint256 === 'string' ? Buffer.from(cert.fingerprint256.replaceAll(':', ''), 'hex') : undefined;
    if (digest && digest.equals(pin)) return undefined;
    return new UpstreamFailure(
      'upstream_unavailable',
      `TLS certificate of ${host} does not match the pinned fingerprint: expected ${formatFingerprint(pin)}, saw ${digest ? formatFingerprint(digest) : 'no certificate'}`,
    );
  };
}

export interface TlsSettings {
  tlsFingerprint?: string | undefined;
  caFile?: string | undefined;
}

/** Agent options for an https upstream: the pin, and the CA bundle that replaces the system store. */
export function tlsAgentOptions(cfg: TlsSettings): { checkServerIdentity?: ReturnType<typeof pinnedIdentityCheck>; ca?: string; maxCachedSessions?: number } {
  const out: ReturnType<typeof tlsAgentOptions> = {};
  if (cfg.tlsFingerprint !== undefined) {
    const pin = parseFingerprint(cfg.tlsFingerprint);
    // The schema accepts only valid pins; refusing here too keeps a hand-built config from running unpinned.
    if (!pin) throw new UpstreamFailure('upstream_unavailable', `http.tlsFingerprint is not ${FINGERPRINT_FORMS}`);
    out.checkServerIdentity = pinnedIdentityCheck(pin);
    // A resumed TLS session skips checkServerIdentity: every connection does a full handshake instead.
    out.maxCachedSessions = 0;
  }
  if (cfg.caFile !== undefined) {
    try {
      out.ca = readFileSync(cfg.caFile, 'utf8');
    } catch (err) {
      throw new UpstreamFailure('upstream_unavailable', `cannot read http.caFile ${cfg.caFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  }
  return out;
}
