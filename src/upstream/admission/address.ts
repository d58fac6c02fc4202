/**
 * Address classification for remote upstreams (the SSRF defence). An upstream URL is a request the
 * gateway makes from inside the network, so where it lands is checked on the address actually
 * connected to, not on the name in the config: loopback, private, link-local, unique-local, CGNAT,
 * multicast, unspecified, reserved and cloud-metadata addresses are refused unless the upstream's config
 * allows that class explicitly. Metadata endpoints are refused always: no upstream is one.
 *
 * Literal hosts are normalized first with ipaddr.js, which reads the forms an attacker uses to slip
 * past string checks (octal 0177.0.0.1, hex 0x7f000001, integer 2130706433, short 127.1), and IPv6
 * addresses that carry an IPv4 address (mapped ::ffff:a.b.c.d, compatible ::a.b.c.d, SIIT, NAT64
 * 64:ff9b::/96, 6to4, Teredo) are judged by the IPv4 address they reach.
 */
import ipaddr from 'ipaddr.js';

export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'unique-local'
  | 'cgnat'
  | 'metadata'
  | 'multicast'
  | 'broadcast'
  | 'unspecified'
  | 'reserved';

export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;

/** What an upstream's config lets it reach besides public addresses. */
export interface AddressAllowance {
  loopback: boolean;
  /** private (RFC 1918), unique-local (fc00::/7), CGNAT (100.64.0.0/10) and link-local. */
  privateNetwork: boolean;
  /** Plain http: only loopback is acceptable, whatever else is allowed. */
  loopbackOnly?: boolean;
}

/**
 * Instance-metadata and platform endpoints of the major clouds (AWS, GCP, Azure, Oracle, DigitalOcean,
 * ECS/EKS credentials, Alibaba, Azure WireServer). Several sit inside ranges allowPrivateNetwork opens,
 * one (168.63.129.16) in public space: they are matched before the range rules.
 */
const METADATA: Array<[IpAddress, number]> = [
  '169.254.169.254/32',
  '169.254.170.2/32',
  '169.254.170.23/32',
  '169.254.0.23/32',
  '100.100.100.200/32',
  '168.63.129.16/32',
  '192.0.0.192/32',
  'fd00:ec2::254/128',
  'fd00:ec2::23/128',
].map((c) => ipaddr.parseCIDR(c));

const V4_CLASS: Record<string, AddressClass> = {
  unicast: 'public',
  amt: 'public',
  as112: 'public',
  loopback: 'loopback',
  private: 'private',
  linkLocal: 'link-local',
  carrierGradeNat: 'cgnat',
  multicast: 'multicast',
  broadcast: 'broadcast',
  unspecified: 'unspecified',
};

const V6_CLASS: Record<string, AddressClass> = {
  unicast: 'public',
  amt: 'public',
  as112v6: 'public',
  loopback: 'loopback',
  uniqueLocal: 'unique-local',
  linkLocal: 'link-local',
  deprecatedSiteLocal: 'private',
  multicast: 'multicast',
  unspecified: 'unspecified',
};

/**
 * The address a host string names, when it is an IP literal in any form (brackets, zone id and a
 * trailing dot tolerated); undefined for a DNS name.
 */
export function parseIpLiteral(host: string): IpAddress | undefined {
  let h = host.trim();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.')) h = h.slice(0, -1);
  const zone = h.indexOf('%');
  if (zone !== -1 && h.includes(':')) h = h.slice(0, zone);
  if (h === '' || !ipaddr.isValid(h)) return undefined;
  try {
    return ipaddr.parse(h);
  } catch {
    return undefined;
  }
}

function v4FromParts(hi: number, lo: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
}

/** The IPv4 address an IPv6 address delivers to, for the transition forms that embed one. */
function embeddedV4(a: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const p = a.parts;
  const range = a.range();
  if (range === 'ipv4Mapped' || range === 'rfc6145' || range === 'rfc6052') return v4FromParts(p[6]!, p[7]!);
  // IPv4-compatible ::a.b.c.d (deprecated, still routed by some stacks); :: and ::1 are themselves.
  if (p.slice(0, 6).every((x) => x === 0) && (p[6] !== 0 || p[7]! > 1)) return v4FromParts(p[6]!, p[7]!);
  if (range === '6to4') return v4FromParts(p[1]!, p[2]!);
  // Teredo: the client address is stored inverted in the last 32 bits.
  if (range === 'teredo') return v4FromParts(p[6]! ^ 0xffff, p[7]! ^ 0xffff);
  return undefined;
}

export function classifyAddress(addr: IpAddress): AddressClass {
  if (METADATA.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net, bits))) return 'metadata';
  if (addr.kind() === 'ipv6') {
    const v6 = addr as ipaddr.IPv6;
    const inner = embeddedV4(v6);
    if (inner) return classifyAddress(inner);
    return V6_CLASS[v6.range()] ?? 'reserved';
  }
  return V4_CLASS[(addr as ipaddr.IPv4).range()] ?? 'reserved';
}

export type Admission = { ok: true; cls: AddressClass } | { ok: false; cls: AddressClass; message: string };

const HOW_TO_ALLOW: Partial<Record<AddressClass, string>> = {
  loopback: 'allow it with http.allowLoopback',
  private: 'allow it with http.allowPrivateNetwork',
  'link-local': 'allow it with http.allowPrivateNetwork',
  'unique-local': 'allow it with http.allowPrivateNetwork',
  cgnat: 'allow it with http.allowPrivateNetwork',
};

/** Whether one address may be connected to under an upstream's allowance. */
export function admitAddress(addr: IpAddress, allow: AddressAllowance): Admission {
  const cls = classifyAddress(addr);
  const shown = addr.kind() === 'ipv6' ? (addr as ipaddr.IPv6).toRFC5952String() : addr.toString();
  if (allow.loopbackOnly) {
    return cls === 'loopback' ? { ok: true, cls } : { ok: false, cls, message: `plain http reaches only loopback addresses, and ${shown} is ${article(cls)}` };
  }
  if (cls === 'public') return { ok: true, cls };
  if (cls === 'loopback' && allow.loopback) return { ok: true, cls };
  if ((cls === 'private' || cls === 'link-local' || cls === 'unique-local' || cls === 'cgnat') && allow.privateNetwork) return { ok: true, cls };
  const how = HOW_TO_ALLOW[cls] ?? (cls === 'metadata' ? 'never allowed' : 'never allowed for an upstream');
  return { ok: false, cls, message: `${shown} is ${article(cls)} (${how})` };
}

function article(cls: AddressClass): string {
  return `a ${cls === 'metadata' ? 'cloud metadata' : cls} address`;
}

/** Why a literal host is refused, for checks before any connection (config validation); undefined for names. */
export function literalAddressRefusal(host: string, allow: AddressAllowance): string | undefined {
  // localhost and *.localhost are loopback by definition (RFC 6761): no need to wait for the resolver.
  const lower = host.toLowerCase().replace(/\.$/, '');
  const literal = lower === 'localhost' || lower.endsWith('.localhost') ? parseIpLiteral('127.0.0.1') : parseIpLiteral(host);
  if (!literal) return undefined;
  const verdict = admitAddress(literal, allow);
  return verdict.ok ? undefined : `refused by upstream admission: ${verdict.message}`;
}
