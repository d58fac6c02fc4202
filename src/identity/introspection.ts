/**
 * RFC 7662 introspection for opaque access tokens, where configured. The answer must say the token is
 * active, for this resource, and unexpired; anything else (including an unreachable endpoint) fails closed.
 */
import type { Principal } from '../pipeline/types.js';
import { AuthFailure } from './errors.js';
import { principalFromClaims, type ClaimMapping } from './claims.js';
import { postForm } from './oauth-client.js';

export interface IntrospectionOptions extends ClaimMapping {
  url: string;
  clientId: string;
  clientSecret: string;
  audience: string;
  timeoutMs: number;
}

export async function introspect(token: string, o: IntrospectionOptions): Promise<{ principal: Principal; expiresAt: number }> {
  let reply;
  try {
    reply = await postForm(o.url, o.clientId, o.clientSecret, new URLSearchParams({ token, token_type_hint: 'access_token' }), o.timeoutMs);
  } catch {
    throw new AuthFailure('temporarily_unavailable', 'token introspection is unavailable');
  }
  if (!reply.ok) throw new AuthFailure('temporarily_unavailable', `token introspection answered HTTP ${reply.status}`);
  const body = reply.json;
  if (body.active !== true) throw new AuthFailure('invalid_token', 'the token is not active');
  const aud = body.aud;
  const audiences = Array.isArray(aud) ? aud : typeof aud === 'string' ? [aud] : [];
  if (!audiences.includes(o.audience)) throw new AuthFailure('invalid_token', 'the token was not issued for this resource');
  const exp = typeof body.exp === 'number' ? body.exp * 1000 : Date.now() + 60_000;
  if (exp <= Date.now()) throw new AuthFailure('invalid_token', 'the token has expired');
  return { principal: principalFromClaims(body, 'oauth', o), expiresAt: exp };
}
