// TLS certificate pinning against a real https upstream on 127.0.0.1 (self-signed, made by openssl):
// the pinned certificate is accepted in both notations, any other is refused naming both digests, and
// the pin never replaces chain validation.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODERN, startHttpFixture, stopAll, tempDir } from '../e2e/helpers.js';
import { httpLink, rejection } from './helpers.js';
import { makeSelfSigned, tlsProxy, type SelfSigned } from './tls-server.js';

let cert: SelfSigned;
let other: SelfSigned;
let proxy: { url: string; close(): Promise<void> };

beforeAll(async () => {
  const dir = tempDir();
  cert = makeSelfSigned(dir);
  other = makeSelfSigned(dir, 'other');
  const fixture = await startHttpFixture(MODERN, ['--http']);
  proxy = await tlsProxy(cert, fixture.url);
});
afterAll(async () => {
  await proxy.close();
  await stopAll();
});

async function toolNames(http: Record<string, unknown>): Promise<string[]> {
  const { link } = httpLink({ url: proxy.url, allowLoopback: true, ...http });
  try {
    await link.start();
    const reply = await link.request('tools/list', {}, { timeoutMs: 5_000 });
    if (!reply.ok) throw new Error(JSON.stringify(reply.error));
    return (reply.result.tools as Array<{ name: string }>).map((t) => t.name);
  } finally {
    await link.close();
  }
}

describe('TLS pinning', () => {
  it('the pinned certificate is accepted, as openssl prints the fingerprint', async () => {
    expect(await toolNames({ caFile: cert.certPath, tlsFingerprint: cert.opensslFingerprint })).toContain('echo');
  });

  it('the pinned certificate is accepted as sha256/<base64>', async () => {
    expect(await toolNames({ caFile: cert.certPath, tlsFingerprint: cert.base64Fingerprint })).toContain('echo');
  });

  it('a different certificate than the pinned one is refused, naming expected and seen', async () => {
    const { link } = httpLink({ url: proxy.url, allowLoopback: true, caFile: cert.certPath, tlsFingerprint: other.base64Fingerprint });
    try {
      const message = await rejection(link.start());
      expect(message).toBe(`TLS certificate of 127.0.0.1 does not match the pinned fingerprint: expected ${other.base64Fingerprint}, saw ${cert.base64Fingerprint}`);
    } finally {
      await link.close();
    }
  });

  it('a pin does not stand in for chain validation: a self-signed certificate needs caFile', async () => {
    const { link } = httpLink({ url: proxy.url, allowLoopback: true, tlsFingerprint: cert.base64Fingerprint });
    try {
      expect(await rejection(link.start())).toMatch(/SELF_SIGNED|self[- ]signed/i);
    } finally {
      await link.close();
    }
  });

  it('an unreadable caFile refuses the upstream with the path in the message', async () => {
    const { link } = httpLink({ url: proxy.url, allowLoopback: true, caFile: '/nonexistent/ca.pem' });
    try {
      expect(await rejection(link.start())).toBe('cannot read http.caFile /nonexistent/ca.pem: ENOENT');
    } finally {
      await link.close();
    }
  });
});
