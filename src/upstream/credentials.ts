/**
 * The gateway's own credential for an upstream, never the agent's:
 * - OAuth 2.1 client credentials, fetched on first use, refreshed shortly before expiry (one request at
 *   a time), dropped when the upstream answers 401;
 * - RFC 8693 token exchange: the agent's token goes to the authorization server (never to the
 *   upstream), which returns a token for the upstream's audience that still names the agent.
 */
import { createHash } from 'node:crypto';
import { UpstreamFailure } from '../errors.js';
import { postForm } from '../identity/oauth-client.js';

const EARLY_REFRESH_MS = 30_000;

interface TokenEndpoint {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string | undefined;
  timeoutMs: number;
}

export interface ClientCredentialsConfig extends TokenEndpoint {
  resource?: string | undefined;
}

export interface TokenExchangeConfig extends TokenEndpoint {
  audience?: string | undefined;
}

interface Token {
  value: string;
  expiresAt: number;
}

/** One token request; failures become upstream_unavailable with what was asked (`what`) and why. */
async function requestToken(cfg: TokenEndpoint, body: URLSearchParams, what: string, defaultTtlMs: number): Promise<Token> {
  if (cfg.scope) body.set('scope', cfg.scope);
  let reply;
  try {
    reply = await postForm(cfg.tokenUrl, cfg.clientId, cfg.clientSecret, body, cfg.timeoutMs);
  } catch {
    throw new UpstreamFailure('upstream_unavailable', `the ${what} endpoint is unreachable`);
  }
  const { access_token: token, expires_in: ttl, error } = reply.json;
  if (!reply.ok || typeof token !== 'string') {
    throw new UpstreamFailure('upstream_unavailable', `the ${what} was refused (${typeof error === 'string' ? error : `HTTP ${reply.status}`})`);
  }
  return { value: token, expiresAt: Date.now() + (typeof ttl === 'number' ? ttl * 1000 : defaultTtlMs) };
}

const fresh = (t: Token | undefined): t is Token => t !== undefined && t.expiresAt - EARLY_REFRESH_MS > Date.now();

export class ClientCredentials {
  private token: Token | undefined;
  private pending: Promise<Token> | undefined;

  constructor(
    private readonly cfg: ClientCredentialsConfig,
    private readonly defaultResource: string,
  ) {}

  async authorization(): Promise<string> {
    if (!fresh(this.token)) {
      const body = new URLSearchParams({ grant_type: 'client_credentials', resource: this.cfg.resource ?? this.defaultResource });
      this.pending ??= requestToken(this.cfg, body, 'client credentials request', 300_000).finally(() => {
        this.pending = undefined;
      });
      this.token = await this.pending;
    }
    return `Bearer ${this.token.value}`;
  }

  /** The upstream refused the token (revoked, rotated keys): fetch a new one next time. */
  invalidate(): void {
    this.token = undefined;
  }
}

/** Cached per subject token (by hash) until shortly before the exchanged token expires. */
export class TokenExchange {
  private readonly cache = new Map<string, Token>();

  constructor(
    private readonly cfg: TokenExchangeConfig,
    private readonly defaultAudience: string,
  ) {}

  async authorization(subjectToken: string | undefined): Promise<string> {
    if (subjectToken === undefined) throw new UpstreamFailure('upstream_unavailable', 'this upstream needs the caller\'s token for an exchange, and the caller has none');
    const key = createHash('sha256').update(subjectToken).digest('base64url');
    let token = this.cache.get(key);
    if (!fresh(token)) {
      const body = new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token: subjectToken,
        subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        audience: this.cfg.audience ?? this.defaultAudience,
      });
      token = await requestToken(this.cfg, body, 'token exchange', 60_000);
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(key, token);
    }
    return `Bearer ${token.value}`;
  }
}
