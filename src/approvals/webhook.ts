/**
 * Approver notifications by webhook. Each delivery is a JSON body signed with HMAC-SHA256 over
 * `${timestamp}.${body}` (the timestamp in its own header), so a receiver can check who sent it and
 * refuse replays older than its tolerance:
 *
 *   x-portcullis-timestamp: 1767225600            (Unix seconds)
 *   x-portcullis-signature: v1=<hex HMAC-SHA256(secret, timestamp + "." + raw body)>
 *   x-portcullis-event:     approval.requested | approval.resolved
 *   x-portcullis-delivery:  a UUID, the same on every retry of one delivery
 *
 * `verifyWebhook` is the reference check for receivers written in TypeScript.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';

export interface WebhookConfig {
  url: string;
  secret: string;
  timeoutMs: number;
}

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** True when the signature matches the raw body and the timestamp is within `toleranceSec` of now. */
export function verifyWebhook(secret: string, headers: { timestamp: string | undefined; signature: string | undefined }, rawBody: string, toleranceSec = 300, nowSec = Math.floor(Date.now() / 1000)): boolean {
  if (headers.timestamp === undefined || headers.signature === undefined || !/^\d{1,12}$/.test(headers.timestamp)) return false;
  const ts = Number(headers.timestamp);
  if (Math.abs(nowSec - ts) > toleranceSec) return false;
  const expected = Buffer.from(signWebhook(secret, ts, rawBody));
  const given = Buffer.from(headers.signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export type DeliveryResult = { ok: true; status: number; attempts: number } | { ok: false; error: string; attempts: number };

const BACKOFF_MS = [0, 500, 2000];

/**
 * POST one event, with up to three attempts. Never throws: a receiver that is down is reported to the
 * caller (which audits it); the held call keeps waiting for a decision by other means or times out.
 */
export async function deliverWebhook(cfg: WebhookConfig, event: string, payload: unknown): Promise<DeliveryResult> {
  const body = JSON.stringify(payload);
  const delivery = randomUUID();
  let error = '';
  let attempts = 0;
  for (let attempt = 0; attempt < BACKOFF_MS.length; attempt++) {
    attempts++;
    if (BACKOFF_MS[attempt]! > 0) await new Promise((r) => setTimeout(r, BACKOFF_MS[attempt]));
    const ts = Math.floor(Date.now() / 1000);
    try {
      const res = await fetch(cfg.url, {
        method: 'POST',
        redirect: 'error',
        signal: AbortSignal.timeout(cfg.timeoutMs),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'portcullis-approvals',
          'x-portcullis-event': event,
          'x-portcullis-delivery': delivery,
          'x-portcullis-timestamp': String(ts),
          'x-portcullis-signature': signWebhook(cfg.secret, ts, body),
        },
        body,
      });
      await res.body?.cancel().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, attempts };
      error = `HTTP ${res.status}`;
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) break; // the receiver refuses: retrying will not help
    } catch (err) {
      error = err instanceof Error ? (err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message) : String(err);
    }
  }
  return { ok: false, error: error.slice(0, 300), attempts };
}
