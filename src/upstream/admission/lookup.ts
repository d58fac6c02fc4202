/**
 * A `lookup` for the upstream HTTP agents: resolve the name, check every address it resolves to, and
 * hand exactly those addresses to the socket. The check and the connect use the same answer, so a DNS
 * record that changes between them (DNS rebinding) cannot move the connection somewhere unchecked.
 * One refused address refuses the name: which address Node connects to first is not ours to pick.
 */
import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import { UpstreamFailure } from '../../errors.js';
import { admitAddress, parseIpLiteral, type AddressAllowance } from './address.js';

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** How names are resolved; tests pass their own to simulate records pointing anywhere. */
export type Resolver = (host: string, family: number) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = (host, family) => dns.promises.lookup(host, { all: true, family, verbatim: true });

/** Why `host` may not be connected to, checking every address it resolves to; the addresses when it may. */
export async function resolveAdmitted(
  host: string,
  allow: AddressAllowance,
  resolve: Resolver,
  family = 0,
): Promise<{ ok: true; addresses: ResolvedAddress[] } | { ok: false; message: string }> {
  const literal = parseIpLiteral(host);
  let addresses: ResolvedAddress[];
  if (literal) addresses = [{ address: literal.toString(), family: literal.kind() === 'ipv6' ? 6 : 4 }];
  else {
    try {
      addresses = await resolve(host, family);
    } catch (err) {
      return { ok: false, message: `cannot resolve ${host}: ${(err as NodeJS.ErrnoException).code ?? String(err)}` };
    }
  }
  if (addresses.length === 0) return { ok: false, message: `${host} resolves to no address` };
  for (const a of addresses) {
    const ip = parseIpLiteral(a.address);
    if (!ip) return { ok: false, message: `${host} resolved to something that is not an address` };
    const verdict = admitAddress(ip, allow);
    if (!verdict.ok) return { ok: false, message: `refused by upstream admission: ${host === a.address ? '' : `${host}: `}${verdict.message}` };
  }
  return { ok: true, addresses };
}

export function admittingLookup(allow: AddressAllowance, resolve: Resolver = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    const family = options.family === 4 || options.family === 'IPv4' ? 4 : options.family === 6 || options.family === 'IPv6' ? 6 : 0;
    resolveAdmitted(hostname, allow, resolve, family).then(
      (r) => {
        // The refusal is an UpstreamFailure so the link reports this message rather than an errno.
        if (!r.ok) return callback(new UpstreamFailure('upstream_unavailable', r.message) as NodeJS.ErrnoException, '', 0);
        if (options.all) return callback(null, r.addresses);
        const first = r.addresses[0]!;
        callback(null, first.address, first.family);
      },
      (err: unknown) => callback(err as NodeJS.ErrnoException, '', 0),
    );
  };
}
