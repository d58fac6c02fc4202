/**
 * Which session a call belongs to, for flow history and budgets. A legacy (2025-11-25) agent has a
 * transport session: its id. A 2026-07-28 agent has none: the token's `sid` claim names its session
 * (bound to the subject and tenant, so one caller cannot write into another's history); without a
 * claim, every request of the principal shares one history — stricter, never looser.
 */
import { createHash } from 'node:crypto';
import type { Ctx } from '../pipeline/types.js';

export function sessionKeyOf(ctx: Pick<Ctx, 'session' | 'principal'>): string {
  if (ctx.session !== undefined) return `s:${ctx.session}`;
  const p = ctx.principal;
  const who = `${p.tenant ?? ''}:${p.subject}`;
  const key = p.sessionClaim !== undefined ? `c:${who}:${p.sessionClaim}` : `p:${who}`;
  // Subjects and claims come from tokens: keep storage keys short and free of odd characters.
  return key.length <= 128 && /^[\x21-\x7e]+$/.test(key) ? key : `h:${createHash('sha256').update(key).digest('hex')}`;
}
