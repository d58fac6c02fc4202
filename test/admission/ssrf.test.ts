// SSRF attack tests: an upstream URL that names loopback in any notation, or a name that resolves to
// it, never gets a connection unless the config allows loopback. A counting listener on 127.0.0.1 is
// the target; each refusal test has a twin with the allowance that shows the connection would happen.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admittingLookup, type Resolver } from '../../src/upstream/admission/lookup.js';
import { countingListener, httpLink, rejection, type CountingListener } from './helpers.js';

let target: CountingListener;
beforeAll(async () => {
  target = await countingListener();
});
afterAll(async () => {
  await target.close();
});

async function attempt(url: string, extra: Record<string, unknown> = {}): Promise<{ message: string; connections: number }> {
  const before = target.connections();
  const { link } = httpLink({ url, ...extra });
  try {
    const message = await rejection(link.start());
    return { message, connections: target.connections() - before };
  } finally {
    await link.close();
  }
}

describe('remote upstreams: loopback in every notation', () => {
  const forms = (port: number): string[] => [
    `https://127.0.0.1:${port}/mcp`,
    `https://0177.0.0.1:${port}/mcp`,
    `https://0x7f000001:${port}/mcp`,
    `https://2130706433:${port}/mcp`,
    `https://127.1:${port}/mcp`,
    `https://[::ffff:127.0.0.1]:${port}/mcp`,
    `https://[::ffff:7f00:1]:${port}/mcp`,
  ];

  it('each form is refused before any connection', async () => {
    for (const url of forms(target.port)) {
      const r = await attempt(url);
      expect(r.message, url).toMatch(/refused by upstream admission: .*loopback address \(allow it with http.allowLoopback\)/);
      expect(r.connections, url).toBe(0);
    }
  });

  it('with allowLoopback the same URLs do connect (the listener would see an unchecked attempt)', async () => {
    for (const url of forms(target.port)) {
      const r = await attempt(url, { allowLoopback: true });
      expect(r.message, url).not.toMatch(/upstream admission/);
      expect(r.connections, url).toBeGreaterThan(0);
    }
  });

  it('a name resolving to loopback (localhost) is refused on its resolved address', async () => {
    const r = await attempt(`https://localhost:${target.port}/mcp`);
    expect(r.message).toMatch(/refused by upstream admission: localhost: (127\.0\.0\.1|::1) is a loopback address/);
    expect(r.connections).toBe(0);
    const allowed = await attempt(`https://localhost:${target.port}/mcp`, { allowLoopback: true });
    expect(allowed.connections).toBeGreaterThan(0);
  });

  it('plain http is refused for anything but loopback, even with allowPrivateNetwork', async () => {
    const r = await attempt('http://10.0.0.1:9/mcp', { allowPrivateNetwork: true });
    expect(r.message).toMatch(/plain http to 10\.0\.0\.1:9 is refused/);
  });
});

describe('the admitting lookup', () => {
  const fake = (answers: Record<string, string[]>): Resolver & { calls: string[] } => {
    const calls: string[] = [];
    const resolver = async (host: string) => {
      calls.push(host);
      return (answers[host] ?? []).map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    };
    return Object.assign(resolver, { calls });
  };
  const lookupOnce = (resolver: Resolver, host: string, all: boolean): Promise<unknown> =>
    new Promise((resolve, reject) => {
      admittingLookup({ loopback: false, privateNetwork: false }, resolver)(host, { all }, (err, address) => (err ? reject(err) : resolve(address)));
    });

  it('one private address among public ones refuses the name (Node may pick any of them)', async () => {
    const resolver = fake({ 'mixed.test': ['93.184.215.14', '10.0.0.7'] });
    await expect(lookupOnce(resolver, 'mixed.test', true)).rejects.toThrow(/mixed\.test: 10\.0\.0\.7 is a private address/);
  });

  it('a name resolving to the metadata endpoint is refused', async () => {
    const resolver = fake({ 'metadata.test': ['169.254.169.254'] });
    await expect(lookupOnce(resolver, 'metadata.test', false)).rejects.toThrow(/cloud metadata/);
  });

  it('hands the socket exactly the addresses it checked, from one resolution', async () => {
    const resolver = fake({ 'public.test': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'] });
    expect(await lookupOnce(resolver, 'public.test', true)).toEqual([
      { address: '93.184.215.14', family: 4 },
      { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 },
    ]);
    expect(await lookupOnce(resolver, 'public.test', false)).toBe('93.184.215.14');
    expect(resolver.calls).toEqual(['public.test', 'public.test']);
  });

  it('the connection goes to the checked answer, not to a second resolution (no rebinding window)', async () => {
    // "rebind.test" does not exist for the system resolver: a connection can only reach the listener
    // through the address our resolver gave and the check admitted.
    const resolver = fake({ 'rebind.test': ['127.0.0.1'] });
    const get = (allow: boolean) =>
      new Promise<string>((resolve) => {
        const agent = new http.Agent({ lookup: admittingLookup({ loopback: allow, privateNetwork: false }, resolver) });
        const req = http.get({ host: 'rebind.test', port: target.port, agent }, () => resolve('answered'));
        req.on('error', (err) => resolve(err.message));
      });
    const before = target.connections();
    expect(await get(false)).toMatch(/rebind\.test: 127\.0\.0\.1 is a loopback address/);
    expect(target.connections()).toBe(before);
    await get(true); // the listener drops the connection: an error, after connecting
    expect(target.connections()).toBe(before + 1);
  });
});
