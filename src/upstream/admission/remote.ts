/**
 * Admission of a remote upstream, as the HTTP link uses it: the scheme rule, the address rule on every
 * connection (through the agents' lookup), the TLS pin, and redirects. Validated once from the config;
 * requests then only ask `refusal`, `agent` and `nextHop`.
 *
 * Redirects are refused unless http.maxRedirects allows some. Then only 307 and 308 are followed (the
 * others would turn the JSON-RPC POST into a GET), each hop passes the same scheme, address and pin
 * rules as the configured URL, and a hop to another origin does not carry the upstream's credential
 * (the Authorization header and the configured headers stay with the configured origin).
 */
import http from 'node:http';
import https from 'node:https';
import { admitAddress, parseIpLiteral, type AddressAllowance } from './address.js';
import { admittingLookup, systemResolver, type Resolver } from './lookup.js';
import { tlsAgentOptions, type TlsSettings } from './tls.js';

export interface RemoteSettings extends TlsSettings {
  url: string;
  headers: Readonly<Record<string, string>>;
  allowLoopbackHttp: boolean;
  allowLoopback?: boolean | undefined;
  allowPrivateNetwork?: boolean | undefined;
  maxRedirects?: number | undefined;
}

const LOOPBACK_NAMES = new Set(['localhost']);
const FOLLOWED = new Set([307, 308]);

export type Hop = { ok: true; url: URL; sameOrigin: boolean } | { ok: false; message: string };

export class RemoteAdmission {
  /** Why the configured URL itself may not be used (a literal address or scheme refused); checked before any request. */
  readonly refusal: string | undefined;
  private readonly origin: string;
  private readonly tls: ReturnType<typeof tlsAgentOptions>;

  constructor(
    private readonly cfg: RemoteSettings,
    private readonly resolve: Resolver = systemResolver,
  ) {
    const url = new URL(cfg.url);
    this.origin = url.origin;
    let tlsOpts: ReturnType<typeof tlsAgentOptions> = {};
    let refusal = this.checkUrl(url);
    try {
      tlsOpts = tlsAgentOptions(cfg);
    } catch (err) {
      refusal ??= (err as Error).message;
    }
    this.tls = tlsOpts;
    this.refusal = refusal;
  }

  get maxRedirects(): number {
    return this.cfg.maxRedirects ?? 0;
  }

  /** What connections over `protocol` may reach. allowLoopbackHttp implies loopback. */
  allowance(protocol: string): AddressAllowance {
    if (protocol === 'http:') return { loopback: true, privateNetwork: false, loopbackOnly: true };
    return { loopback: this.cfg.allowLoopback === true || this.cfg.allowLoopbackHttp, privateNetwork: this.cfg.allowPrivateNetwork === true };
  }

  /**
   * The scheme rule (https; plain http only to loopback with allowLoopbackHttp) and, for a literal
   * host, the address rule. Names are checked on what they resolve to, at connect time.
   */
  checkUrl(url: URL): string | undefined {
    if (url.protocol === 'http:') {
      const literal = parseIpLiteral(url.hostname);
      const loopbackName = LOOPBACK_NAMES.has(url.hostname.toLowerCase());
      if (!this.cfg.allowLoopbackHttp || (!loopbackName && !literal)) {
        return `plain http to ${url.host} is refused: use https (http only to a loopback address with allowLoopbackHttp)`;
      }
    } else if (url.protocol !== 'https:') {
      return `${url.protocol} is not a transport for a remote upstream: use https`;
    }
    if (url.username !== '' || url.password !== '') return 'credentials in the URL are refused: use http.headers or http.auth';
    const literal = parseIpLiteral(url.hostname);
    if (!literal) return undefined;
    const verdict = admitAddress(literal, this.allowance(url.protocol));
    return verdict.ok ? undefined : `refused by upstream admission: ${verdict.message}`;
  }

  /** An agent whose every new connection passes the address rule, and the pin over https. */
  agent(protocol: string, options: http.AgentOptions): http.Agent {
    const lookup = admittingLookup(this.allowance(protocol), this.resolve);
    return protocol === 'https:' ? new https.Agent({ ...options, ...this.tls, lookup }) : new http.Agent({ ...options, lookup });
  }

  /** Where a redirect answer may lead, or why it may not be followed. `hops` counts the ones already taken. */
  nextHop(from: URL, status: number, location: string | undefined, hops: number): Hop {
    const max = this.maxRedirects;
    if (max === 0) return { ok: false, message: `${from.host} answered HTTP ${status} (a redirect); redirects are refused (http.maxRedirects is 0)` };
    if (!FOLLOWED.has(status)) return { ok: false, message: `${from.host} answered HTTP ${status}; only 307 and 308 redirects keep the POST and are followed` };
    if (hops >= max) return { ok: false, message: `more than ${max} redirect${max === 1 ? '' : 's'} (http.maxRedirects)` };
    if (!location) return { ok: false, message: `${from.host} answered HTTP ${status} without a Location` };
    let url: URL;
    try {
      url = new URL(location, from);
    } catch {
      return { ok: false, message: `${from.host} redirected to an invalid URL` };
    }
    const refused = this.checkUrl(url);
    if (refused) return { ok: false, message: `redirect from ${from.host} to ${url.host}: ${refused}` };
    return { ok: true, url, sameOrigin: url.origin === this.origin };
  }

  /** Headers for a hop: a different origin gets none of the upstream's credentials. */
  hopHeaders(headers: Record<string, string>, sameOrigin: boolean): Record<string, string> {
    if (sameOrigin) return headers;
    const configured = new Set(Object.keys(this.cfg.headers).map((k) => k.toLowerCase()));
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers)) {
      const lower = k.toLowerCase();
      if (lower === 'authorization' || lower === 'cookie' || configured.has(lower)) continue;
      out[k] = v;
    }
    return out;
  }
}
