/**
 * Who is calling. One entry point for the HTTP adapter: read the Authorization header, route the
 * credential to the verifier that can check it (API key, built-in issuer, OAuth JWT, introspection),
 * cache the verified result until the credential expires, and describe failures in RFC 6750 terms.
 * The agent's credential stops here: it is never forwarded upstream.
 */
import { decodeProtectedHeader, decodeJwt } from 'jose';
import type { Principal } from '../pipeline/types.js';
import type { Config } from '../config/schema.js';
import { AuthFailure } from './errors.js';
import { TokenCache, tokenKey } from './token-cache.js';
import { JwtVerifier, remoteKeys } from './jwt.js';
import { loadOrCreateKey, type BuiltinKeys } from './builtin.js';
import { ApiKeyStore, isApiKey } from './apikeys.js';
import { introspect } from './introspection.js';
import { bindCredential } from './credential.js';

export type IdentityConfig = NonNullable<Config['identity']>;

const MAX_AUTHORIZATION_BYTES = 16 * 1024;

export type AuthOutcome = { ok: true; principal: Principal } | { ok: false; failure: AuthFailure };

export class Authenticator {
  private readonly cache = new TokenCache();
  private readonly oauth: JwtVerifier | undefined;
  private readonly builtin: JwtVerifier | undefined;
  readonly builtinKeys: BuiltinKeys | undefined;
  private readonly apiKeys: ApiKeyStore | undefined;

  constructor(readonly cfg: IdentityConfig) {
    const mapping = { rolesClaim: cfg.rolesClaim, tenantClaim: cfg.tenantClaim };
    if (cfg.oauth) {
      const o = cfg.oauth;
      this.oauth = new JwtVerifier(remoteKeys(o.jwksUri, o.jwksTimeoutMs), {
        ...mapping, issuer: o.issuer, audience: cfg.resource, algorithms: o.algorithms, clockToleranceSec: o.clockToleranceSec, by: 'oauth',
      });
    }
    if (cfg.builtin.enabled) {
      this.builtinKeys = loadOrCreateKey({ keyFile: cfg.builtin.keyFile, ...(cfg.builtin.key !== undefined ? { key: cfg.builtin.key } : {}) });
      this.builtin = new JwtVerifier(this.builtinKeys.publicKey, {
        ...mapping, issuer: cfg.builtin.issuer, audience: cfg.resource, algorithms: ['EdDSA'], clockToleranceSec: 5, by: 'builtin',
      });
    }
    if (cfg.apiKeys) this.apiKeys = new ApiKeyStore(cfg.apiKeys.file);
  }

  async authenticate(authorization: string | undefined, remoteIp: string | undefined): Promise<AuthOutcome> {
    try {
      return { ok: true, principal: await this.verify(authorization, remoteIp) };
    } catch (err) {
      return { ok: false, failure: err instanceof AuthFailure ? err : new AuthFailure('temporarily_unavailable', 'authentication failed unexpectedly') };
    }
  }

  private async verify(authorization: string | undefined, remoteIp: string | undefined): Promise<Principal> {
    if (authorization === undefined || authorization === '') throw new AuthFailure('invalid_request', 'authentication required');
    if (authorization.length > MAX_AUTHORIZATION_BYTES) throw new AuthFailure('invalid_request', 'the Authorization header is too large');
    const m = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/.exec(authorization.trim());
    if (!m) throw new AuthFailure('invalid_request', 'expected "Authorization: Bearer <token>"');
    const token = m[1]!;
    if (isApiKey(token)) {
      // Not cached: a hash and a map lookup are cheap, and revocation and IP allow-lists apply at once.
      if (!this.apiKeys) throw new AuthFailure('invalid_token', 'API keys are not enabled');
      return this.apiKeys.verify(token, remoteIp).principal;
    }
    const key = tokenKey(token);
    const cached = this.cache.get(key);
    if (cached) return cached;

    let verified: { principal: Principal; expiresAt: number };
    if (token.split('.').length === 3) {
      verified = await this.verifyJwt(token);
    } else if (this.cfg.oauth?.introspection) {
      const i = this.cfg.oauth.introspection;
      verified = await introspect(token, { ...i, audience: this.cfg.resource, rolesClaim: this.cfg.rolesClaim, tenantClaim: this.cfg.tenantClaim });
    } else {
      throw new AuthFailure('invalid_token', 'the token is not a JWT and introspection is not configured');
    }
    bindCredential(verified.principal, token);
    this.cache.set(key, verified.principal, Math.min(verified.expiresAt, Date.now() + this.cfg.cacheMaxSec * 1000));
    return verified.principal;
  }

  /** Route by the token's own `iss` (unverified, used only to pick the verifier that then checks it). */
  private async verifyJwt(token: string) {
    let iss: unknown;
    try {
      decodeProtectedHeader(token);
      iss = decodeJwt(token).iss;
    } catch {
      throw new AuthFailure('invalid_token', 'the token is malformed');
    }
    if (this.builtin && iss === this.cfg.builtin.issuer) return this.builtin.verify(token);
    if (this.oauth) return this.oauth.verify(token);
    throw new AuthFailure('invalid_token', 'the token comes from an untrusted issuer');
  }

  /** RFC 9728 protected-resource metadata. */
  metadata(): Record<string, unknown> {
    const servers = this.cfg.oauth ? [this.cfg.oauth.issuer] : this.cfg.builtin.enabled ? [this.cfg.builtin.issuer] : [];
    return {
      resource: this.cfg.resource,
      authorization_servers: servers,
      bearer_methods_supported: ['header'],
      scopes_supported: this.cfg.scopesSupported,
      resource_name: 'Portcullis MCP gateway',
    };
  }

  /** `WWW-Authenticate` for a failure (RFC 6750 §3, RFC 9728 §5.1). */
  challenge(failure: AuthFailure, metadataUrl: string, scope?: string): string {
    const parts = [`resource_metadata="${metadataUrl}"`];
    if (failure.code !== 'invalid_request' || failure.description !== 'authentication required') {
      parts.push(`error="${failure.code}"`, `error_description="${failure.description.replace(/["\\]/g, '')}"`);
    }
    if (scope !== undefined) parts.push(`scope="${scope}"`);
    return `Bearer ${parts.join(', ')}`;
  }
}
