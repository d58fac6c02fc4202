// Redirects from an upstream: refused by default; when http.maxRedirects allows them, each hop passes
// the same scheme and address rules (a redirect to a metadata address is the classic SSRF pivot), the
// count is bounded, and the upstream's own credential stays with its origin.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODERN, startHttpFixture, stopAll } from '../e2e/helpers.js';
import { httpLink, rejection } from './helpers.js';

interface Redirector {
  url: string;
  hits: number;
  set(status: number, location: string | undefined): void;
  close(): Promise<void>;
}

async function redirector(): Promise<Redirector> {
  let status = 307;
  let location: string | undefined;
  const state = { hits: 0 };
  const server = http.createServer((req, res) => {
    state.hits++;
    req.resume();
    res.writeHead(status, location === undefined ? {} : { location });
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    get hits() {
      return state.hits;
    },
    set(s, l) {
      status = s;
      location = l;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let hop: Redirector;
let fixtureUrl: string;
beforeAll(async () => {
  hop = await redirector();
  fixtureUrl = (await startHttpFixture(MODERN, ['--http'])).url;
});
afterAll(async () => {
  await hop.close();
  await stopAll();
});

async function startThrough(status: number, location: string | undefined, maxRedirects?: number): Promise<string> {
  hop.set(status, location);
  const { link } = httpLink({ url: hop.url, allowLoopbackHttp: true, ...(maxRedirects === undefined ? {} : { maxRedirects }) });
  try {
    return await rejection(link.start());
  } finally {
    await link.close();
  }
}

const port = (url: string) => new URL(url).port;

describe('redirects from an upstream', () => {
  it('are refused by default, saying how to allow them', async () => {
    expect(await startThrough(307, fixtureUrl)).toBe(`127.0.0.1:${port(hop.url)} answered HTTP 307 (a redirect); redirects are refused (http.maxRedirects is 0)`);
  });

  it('to the cloud metadata address are refused on the hop, in any notation', async () => {
    for (const target of ['https://169.254.169.254/latest/meta-data/', 'https://[::ffff:a9fe:a9fe]/', 'https://2852039166/']) {
      const message = await startThrough(307, target, 3);
      expect(message, target).toMatch(/^redirect from 127\.0\.0\.1:\d+ to .*: refused by upstream admission: .* is a cloud metadata address \(never allowed\)$/);
    }
  });

  it('that downgrade to plain http off loopback are refused', async () => {
    expect(await startThrough(308, 'http://169.254.169.254/latest/meta-data/', 3)).toMatch(/plain http reaches only loopback addresses, and 169\.254\.169\.254 is a cloud metadata address$/);
    expect(await startThrough(308, 'http://10.0.0.8:8080/mcp', 3)).toMatch(/plain http reaches only loopback addresses, and 10\.0\.0\.8 is a private address$/);
    expect(await startThrough(308, 'http://internal.example:8080/mcp', 3)).toMatch(/plain http to internal\.example:8080 is refused: use https/);
  });

  it('that would turn the POST into a GET (301, 302, 303) are refused', async () => {
    expect(await startThrough(302, fixtureUrl, 3)).toMatch(/answered HTTP 302; only 307 and 308 redirects keep the POST/);
  });

  it('are bounded by maxRedirects', async () => {
    const before = hop.hits;
    expect(await startThrough(307, hop.url, 2)).toBe('more than 2 redirects (http.maxRedirects)');
    expect(hop.hits - before).toBe(3);
  });

  it('to an admitted upstream are followed, without the upstream credential when the origin changes', async () => {
    const whoami = async (url: string, maxRedirects: number): Promise<Record<string, string>> => {
      hop.set(307, fixtureUrl);
      const { link } = httpLink({ url, allowLoopbackHttp: true, maxRedirects, headers: { 'x-upstream-key': 'upstream-secret' } });
      try {
        await link.start();
        const reply = await link.request('tools/call', { name: 'whoami', arguments: {} }, { timeoutMs: 5_000 });
        if (!reply.ok) throw new Error(JSON.stringify(reply.error));
        const text = (reply.result.content as Array<{ text: string }>)[0]!.text;
        return (JSON.parse(text) as { headers: Record<string, string> }).headers;
      } finally {
        await link.close();
      }
    };
    // Direct: the fixture reports the configured header, so its absence below is the redirect's doing.
    expect((await whoami(fixtureUrl, 0))['x-upstream-key']).toBe('upstream-secret');
    const redirected = await whoami(hop.url, 1);
    expect(redirected['x-upstream-key']).toBeUndefined();
    expect(redirected['mcp-protocol-version']).toBeDefined();
  });
});
