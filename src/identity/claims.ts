/** Turning verified token claims into a Principal: one place, the same for every issuer. */
import type { JWTPayload } from 'jose';
import type { Principal } from '../pipeline/types.js';

export interface ClaimMapping {
  rolesClaim: string;
  tenantClaim: string;
}

function strings(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  if (typeof v === 'string') return v.split(/[\s,]+/).filter(Boolean);
  return [];
}

/** Read a dotted claim path such as `realm_access.roles`. */
function claimAt(payload: Record<string, unknown>, path: string): unknown {
  let v: unknown = payload;
  for (const k of path.split('.')) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

export function principalFromClaims(payload: JWTPayload & Record<string, unknown>, by: Principal['authenticatedBy'], m: ClaimMapping): Principal {
  const clientId = typeof payload.client_id === 'string' ? payload.client_id : typeof payload.azp === 'string' ? payload.azp : undefined;
  const tenant = claimAt(payload, m.tenantClaim);
  const p: { -readonly [K in keyof Principal]: Principal[K] } = {
    subject: typeof payload.sub === 'string' ? payload.sub : clientId ?? 'unknown',
    roles: Object.freeze(strings(claimAt(payload, m.rolesClaim))),
    scopes: Object.freeze(strings(payload.scope ?? payload.scp)),
    authenticatedBy: by,
  };
  if (clientId !== undefined) p.clientId = clientId;
  if (typeof tenant === 'string') p.tenant = tenant;
  if (payload.authorization_details !== undefined) p.authorizationDetails = payload.authorization_details;
  if (typeof payload.sid === 'string') p.sessionClaim = payload.sid;
  return Object.freeze(p);
}
