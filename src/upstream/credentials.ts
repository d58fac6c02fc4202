/**
 * The gateway's own credential for an upstream: OAuth 2.1 client credentials, fetched on first use,
 * refreshed shortly before expiry (one request at a time), and dropped when the upstream answers 401.
 * The agent's token is never used here: each upstream gets a token for its own audience.
 */
import { createHash } from 'node:crypto';
import { UpstreamFailure } from '../errors.js';

export interface ClientCredentialsConfig {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string | undefined;
  resource?: string | undefined;
  timeoutMs: number;
}

const EARLY_REFRESH_MS = 30_000;

export class ClientCredentials {
  private token: { value: string; expiresAt: number } | undefined;
  private pending: Promise<string> | undefined;

  constructor(
    private readonly cfg: ClientCredentialsConfig,
    private readonly defaultResource: string,
  ) {}

  async authorization(): Promise<string> {
    if (this.token && this.token.expiresAt - EARLY_REFRESH_MS > Date.now()) return `Bearer ${this.token.value}`;
    this.pending ??= this.fetchToken().finally(() => {
      this.pending = undefined;
    });
    return `Bearer ${await this.pending}`;
  }

  /** The upstream refused the token (revoked, rotated keys): fetch a new one next time. */
  invalidate(): void {
    this.token = undefined;
  }

  private async fetchToken(): Promise<string> {
    const body = new URLSearchParams({ grant_type: 'client_credentials', resource: this.cfg.resource ?? this.defaultResource });
    if (this.cfg.scope) body.set('scope', this.cfg.scope);
    let res: Response;
    try {
      res = await fetch(this.cfg.tokenUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(this.cfg.clientId)}:${encodeURIComponent(this.cfg.clientSecret)}`).toString('base64')}`,
        },
        body,
        signal: AbortSignal.timeout(this.cfg.timeoutMs),
        redirect: 'error',
      });
    } catch {
      throw new UpstreamFailure('upstream_unavailable', 'the upstream\'s authorization server is unreachable');
    }
    const json = (await res.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown; error?: unknown };
    if (!res.ok || typeof json.access_token !== 'string') {
      throw new UpstreamFailure('upstream_unavailable', `the upstream's authorization server refused the client credentials (${typeof json.error === 'string' ? json.error : `HTTP ${res.status}`})`);
    }
    const ttl = typeof json.expires_in === 'number' ? json.expires_in * 1000 : 300_000;
    this.token = { value: json.access_token, expiresAt: Date.now() + ttl };
    return json.access_token;
  }
}

export interface TokenExchangeConfig {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  audience?: string | undefined;
  scope?: string | undefined;
  timeoutMs: number;
}

/**
 * RFC 8693 token exchange: the agent's token goes to the authorization server (never to the upstream),
 * which returns a token for the upstream's audience that still names the agent. Cached per subject
 * token until shortly before it expires.
 */
export class TokenExchange {
  private readonly cache = new Map<string, { value: string; expiresAt: number }>();

  constructor(
    private readonly cfg: TokenExchangeConfig,
    private readonly defaultAudience: string,
  ) {}

  async authorization(subjectToken: string | undefined): Promise<string> {
    if (subjectToken === undefined) throw new UpstreamFailure('upstream_unavailable', 'this upstream needs the caller\'s token for an exchange, and the caller has none');
    const key = createHash('sha256').update(subjectToken).digest('base64url');
    const hit = this.cache.get(key);
    if (hit && hit.expiresAt - EARLY_REFRESH_MS > Date.now()) return `Bearer ${hit.value}`;
    const body = new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
      subject_token: subjectToken,
      subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      audience: this.cfg.audience ?? this.defaultAudience,
    });
    if (this.cfg.scope) body.set('scope', this.cfg.scope);
    let res: Response;
    try {
      res = await fetch(this.cfg.tokenUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(this.cfg.clientId)}:${encodeURIComponent(this.cfg.clientSecret)}`).toString('base64')}`,
        },
        body,
        signal: AbortSignal.timeout(this.cfg.timeoutMs),
        redirect: 'error',
      });
    } catch {
      throw new UpstreamFailure('upstream_unavailable', 'the token exchange endpoint is unreachable');
    }
    const json = (await res.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown; error?: unknown };
    if (!res.ok || typeof json.access_token !== 'string') {
      throw new UpstreamFailure('upstream_unavailable', `the token exchange was refused (${typeof json.error === 'string' ? json.error : `HTTP ${res.status}`})`);
    }
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { value: json.access_token, expiresAt: Date.now() + (typeof json.expires_in === 'number' ? json.expires_in * 1000 : 60_000) });
    return `Bearer ${json.access_token}`;
  }
}
