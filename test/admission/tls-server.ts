// A real https endpoint on 127.0.0.1 for the pinning tests: a self-signed certificate made with
// openssl at setup, and a TLS-terminating proxy in front of one of our MCP fixtures.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { join } from 'node:path';

export interface SelfSigned {
  certPath: string;
  keyPath: string;
  /** As `openssl x509 -fingerprint -sha256` prints it: AB:CD:… */
  opensslFingerprint: string;
  /** The same digest as sha256/<base64>, computed by node:crypto. */
  base64Fingerprint: string;
}

export function makeSelfSigned(dir: string, name = 'upstream'): SelfSigned {
  const certPath = join(dir, `${name}.crt`);
  const keyPath = join(dir, `${name}.key`);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ], { stdio: 'pipe' });
  const printed = execFileSync('openssl', ['x509', '-in', certPath, '-noout', '-fingerprint', '-sha256'], { encoding: 'utf8' });
  const opensslFingerprint = printed.trim().split('=')[1]!;
  const x509 = new X509Certificate(readFileSync(certPath));
  const base64Fingerprint = `sha256/${Buffer.from(x509.fingerprint256.replaceAll(':', ''), 'hex').toString('base64')}`;
  return { certPath, keyPath, opensslFingerprint, base64Fingerprint };
}

/** https://127.0.0.1:PORT/mcp forwarding every request to `upstream` (http). */
export async function tlsProxy(cert: SelfSigned, upstream: string): Promise<{ url: string; close(): Promise<void> }> {
  const to = new URL(upstream);
  const server = https.createServer({ cert: readFileSync(cert.certPath), key: readFileSync(cert.keyPath) }, (req, res) => {
    const out = http.request({ host: to.hostname, port: to.port, path: req.url, method: req.method, headers: { ...req.headers, host: to.host } }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `https://127.0.0.1:${port}/mcp`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
