/**
 * The gateway's own credential for an upstream: OAuth 2.1 client credentials, fetched on first use,
 * refreshed shortly before expiry (one request at a time), and dropped when the upstream answers 401.
 * The agent's token is never used here: each upstream gets a token for its own audience.
 */
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
