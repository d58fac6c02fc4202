/**
 * OAuth 2.1 access tokens as JWTs, verified against the issuer's JWKS: signature, issuer, audience
 * (the gateway's canonical resource URI, RFC 8707), expiry and not-before, with a fixed list of
 * asymmetric algorithms (so `alg: none` and HMAC-with-the-public-key tricks never verify).
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey, type KeyObject } from 'jose';
import type { Principal } from '../pipeline/types.js';
import { AuthFailure } from './errors.js';
import { principalFromClaims, type ClaimMapping } from './claims.js';

export interface JwtVerifierOptions extends ClaimMapping {
  issuer: string;
  audience: string;
  algorithms: string[];
  clockToleranceSec: number;
  by: Principal['authenticatedBy'];
}

export interface Verified {
  principal: Principal;
  expiresAt: number;
}

export function remoteKeys(jwksUri: string, timeoutMs: number): JWTVerifyGetKey {
  return createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: timeoutMs, cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
}

export class JwtVerifier {
  constructor(
    private readonly keys: JWTVerifyGetKey | KeyObject,
    private readonly opts: JwtVerifierOptions,
  ) {}

  async verify(token: string): Promise<Verified> {
    try {
      const { payload } = await jwtVerify(token, this.keys as JWTVerifyGetKey, {
        issuer: this.opts.issuer,
        audience: this.opts.audience,
        algorithms: this.opts.algorithms,
        clockTolerance: this.opts.clockToleranceSec,
        requiredClaims: ['exp'],
      });
      return { principal: principalFromClaims(payload, this.opts.by, this.opts), expiresAt: (payload.exp ?? 0) * 1000 };
    } catch (err) {
      throw mapJoseError(err);
    }
  }
}

function mapJoseError(err: unknown): AuthFailure {
  if (err instanceof AuthFailure) return err;
  if (err instanceof errors.JWKSTimeout) return new AuthFailure('temporarily_unavailable', 'the authorization server\'s keys could not be fetched in time');
  if (err instanceof errors.JWTExpired) return new AuthFailure('invalid_token', 'the token has expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return new AuthFailure('invalid_token', 'the token is not yet valid');
    if (err.claim === 'aud') return new AuthFailure('invalid_token', 'the token was not issued for this resource');
    if (err.claim === 'iss') return new AuthFailure('invalid_token', 'the token comes from an untrusted issuer');
    return new AuthFailure('invalid_token', `the token's ${err.claim} claim is invalid`);
  }
  if (err instanceof errors.JWSSignatureVerificationFailed || err instanceof errors.JWKSNoMatchingKey) {
    return new AuthFailure('invalid_token', 'the token signature does not verify');
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return new AuthFailure('invalid_token', 'the token uses an algorithm that is not accepted');
  if (err instanceof errors.JWTInvalid || err instanceof errors.JWSInvalid || err instanceof errors.JOSENotSupported) {
    return new AuthFailure('invalid_token', 'the token is malformed');
  }
  // Network failures reaching the JWKS endpoint: fail closed, but say it is temporary.
  return new AuthFailure('temporarily_unavailable', 'token verification is unavailable');
}
