// Address classification: every notation of a dangerous address lands in its class, and only the
// allowance for that class admits it. Metadata endpoints are refused whatever the config allows.
import { describe, expect, it } from 'vitest';
import { admitAddress, classifyAddress, parseIpLiteral, type AddressAllowance } from '../../src/upstream/admission/address.js';
import { parseConfigText } from '../../src/config/load.js';

const NONE: AddressAllowance = { loopback: false, privateNetwork: false };
const ALL: AddressAllowance = { loopback: true, privateNetwork: true };

const classOf = (host: string): string => {
  const ip = parseIpLiteral(host);
  if (!ip) throw new Error(`${host} did not parse as an address`);
  return classifyAddress(ip);
};

/** 127.0.0.1 in the notations string checks miss. */
const LOOPBACK_FORMS = [
  '127.0.0.1',
  '0177.0.0.1', // octal
  '0x7f000001', // hex integer
  '0x7f.0.0.1', // hex octet
  '2130706433', // decimal integer
  '017700000001', // octal integer
  '127.1', // short form
  '127.0.0.1.', // trailing dot
  '[::ffff:127.0.0.1]', // IPv4-mapped, dotted
  '::ffff:7f00:1', // IPv4-mapped, hex
  '::7f00:1', // IPv4-compatible
  '::ffff:0:7f00:1', // SIIT (RFC 6145)
  '64:ff9b::7f00:1', // NAT64 well-known prefix
  '2002:7f00:1::', // 6to4 around 127.0.0.1
  '::1',
  '[0:0:0:0:0:0:0:1]',
];

describe('address classification', () => {
  it.each(LOOPBACK_FORMS)('%s is loopback and refused without allowLoopback', (form) => {
    expect(classOf(form)).toBe('loopback');
    const verdict = admitAddress(parseIpLiteral(form)!, NONE);
    expect(verdict.ok).toBe(false);
    expect(admitAddress(parseIpLiteral(form)!, { loopback: true, privateNetwork: false }).ok).toBe(true);
  });

  it.each([
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['192.168.1.1', 'private'],
    ['012.1', 'private'], // octal 10.0.0.1
    ['::ffff:192.168.0.1', 'private'],
    ['fd12:3456::1', 'unique-local'],
    ['fe80::1%eth0', 'link-local'],
    ['169.254.1.1', 'link-local'],
    ['100.64.0.1', 'cgnat'],
    ['0.0.0.0', 'unspecified'],
    ['0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['2001:db8::1', 'reserved'],
  ])('%s is %s', (host, cls) => {
    expect(classOf(host)).toBe(cls);
  });

  it.each(['169.254.169.254', '0xa9fea9fe', '2852039166', '::ffff:169.254.169.254', 'fd00:ec2::254', '100.100.100.200', '169.254.170.2', '168.63.129.16'])(
    'metadata endpoint %s is refused even when every class is allowed',
    (host) => {
      expect(classOf(host)).toBe('metadata');
      const verdict = admitAddress(parseIpLiteral(host)!, ALL);
      expect(verdict.ok).toBe(false);
      expect(!verdict.ok && verdict.message).toContain('cloud metadata');
    },
  );

  it.each(['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c', '64:ff9b::5db8:d70e', '8.8.8.8'])('%s is public and admitted', (host) => {
    expect(classOf(host)).toBe('public');
    expect(admitAddress(parseIpLiteral(host)!, NONE).ok).toBe(true);
  });

  it('private classes open only with allowPrivateNetwork, and loopback does not come with it', () => {
    for (const host of ['10.0.0.1', 'fd12::1', '100.64.0.1', '169.254.1.1']) {
      expect(admitAddress(parseIpLiteral(host)!, NONE).ok).toBe(false);
      expect(admitAddress(parseIpLiteral(host)!, { loopback: false, privateNetwork: true }).ok).toBe(true);
    }
    expect(admitAddress(parseIpLiteral('127.0.0.1')!, { loopback: false, privateNetwork: true }).ok).toBe(false);
  });

  it('names are not literals', () => {
    expect(parseIpLiteral('localhost')).toBeUndefined();
    expect(parseIpLiteral('example.com')).toBeUndefined();
    expect(parseIpLiteral('127.0.0.1.nip.io')).toBeUndefined();
  });
});

describe('config validation of upstream URLs', () => {
  const problems = (url: string, extra = ''): string[] => {
    const r = parseConfigText(`upstreams:\n  r:\n    http: { url: "${url}"${extra} }\n`);
    return r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`);
  };

  it.each(['https://0177.0.0.1/mcp', 'https://2130706433/mcp', 'https://0x7f000001/mcp', 'https://127.1/mcp', 'https://[::ffff:127.0.0.1]/mcp'])(
    '%s is refused as loopback',
    (url) => {
      expect(problems(url)).toEqual([expect.stringMatching(/^upstreams\.r\.http\.url: refused by upstream admission: .*loopback/)]);
      expect(problems(url, ', allowLoopback: true')).toEqual([]);
    },
  );

  it('localhost names are loopback before any lookup', () => {
    expect(problems('https://localhost:8443/mcp')).toEqual([expect.stringContaining('loopback')]);
    expect(problems('https://api.localhost/mcp')).toEqual([expect.stringContaining('loopback')]);
    expect(problems('https://localhost:8443/mcp', ', allowLoopback: true')).toEqual([]);
  });

  it('a metadata URL is refused even with allowPrivateNetwork', () => {
    expect(problems('https://169.254.169.254/latest', ', allowPrivateNetwork: true')).toEqual([expect.stringContaining('cloud metadata')]);
  });

  it('a private address needs allowPrivateNetwork', () => {
    expect(problems('https://10.1.2.3/mcp')).toEqual([expect.stringContaining('allowPrivateNetwork')]);
    expect(problems('https://10.1.2.3/mcp', ', allowPrivateNetwork: true')).toEqual([]);
  });

  it('a malformed pin and an out-of-range redirect count are config errors', () => {
    expect(problems('https://mcp.example.com/mcp', ', tlsFingerprint: "sha256/short"')).toEqual([expect.stringContaining('http.tlsFingerprint')]);
    expect(problems('https://mcp.example.com/mcp', ', maxRedirects: 9')).toEqual([expect.stringContaining('http.maxRedirects')]);
  });
});
