/**
 * The bearer credential a principal was authenticated with, kept beside the principal (not on it), so
 * it can be exchanged for an upstream-audience token (RFC 8693) at the authorization server. It is
 * never forwarded upstream, never logged and never audited: the principal object itself carries no
 * token, and this map is only reachable through `agentCredential`.
 */
import type { Principal } from '../pipeline/types.js';

const credentials = new WeakMap<Principal, string>();

export function bindCredential(principal: Principal, token: string): void {
  credentials.set(principal, token);
}

export function agentCredential(principal: Principal): string | undefined {
  return credentials.get(principal);
}
