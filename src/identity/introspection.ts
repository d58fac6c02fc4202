/**
 * RFC 7662 introspection for opaque access tokens, where configured. The answer must say the token is
 * active, for this resource, and unexpired; anything else (including an unreachable endpoint) fails closed.
 */
import type { Principal } from '../pipeline/types.js';
import { AuthFailure } from './errors.js';
import { principalFromClaims, type ClaimMapping } from './claims.js';

export interface IntrospectionOptions extends ClaimMapping {
  url: string;
  clientId: string;
  clientSecret: string;
  audience: string;
  timeoutMs: number;
}

export async function introspect(token: string, o: IntrospectionOptions): Promise<{ principal: Principal; expiresAt: number }> {
  let res: Response;
  try {
    res = await fetch(o.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(o.clientId)}:${encodeURIComponent(o.clientSecret)}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
      signal: AbortSignal.timeout(o.timeoutMs),
      redirect: 'error',
    });
  } catch {
    throw new AuthFailure('temporarily_unavailable', 'token introspection is unavailable');
  }
  if (!res.ok) throw new AuthFailure('temporarily_unavailable', `token introspection answered HTTP ${res.status}`);
  let body: Record<string, unknown>;
  try {
    body = (await res.json()) as Record<string, unknown>;
  } catch {
    throw new AuthFailure('temporarily_unavailable', 'token introspection answered something that is not JSON');
  }
  if (body.active !== true) throw new AuthFailure('invalid_token', 'the token is not active');
  const aud = body.aud;
  const audiences = Array.isArray(aud) ? aud : typeof aud === 'string' ? [aud] : [];
  if (!audiences.includes(o.audience)) throw new AuthFailure('invalid_token', 'the token was not issued for this resource');
  const exp = typeof body.exp === 'number' ? body.exp * 1000 : Date.now() + 60_000;
  if (exp <= Date.now()) throw new AuthFailure('invalid_token', 'the token has expired');
  return { principal: principalFromClaims(body, 'oauth', o), expiresAt: exp };
}
