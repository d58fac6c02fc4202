/**
 * The gateway as an OAuth client: one form POST to a token or introspection endpoint with client
 * credentials in HTTP Basic (RFC 6749 §2.3.1), bounded in time, never following redirects.
 */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64')}`;
}

export interface FormReply {
  ok: boolean;
  status: number;
  json: Record<string, unknown>;
}

/** Throws only when the endpoint cannot be reached; an error answer comes back as `ok: false`. */
export async function postForm(url: string, clientId: string, clientSecret: string, body: URLSearchParams, timeoutMs: number): Promise<FormReply> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', authorization: basicAuthorization(clientId, clientSecret) },
    body,
    signal: AbortSignal.timeout(timeoutMs),
    redirect: 'error',
  });
  const json = (await res.json().catch(() => undefined)) as unknown;
  return { ok: res.ok, status: res.status, json: typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as Record<string, unknown>) : {} };
}
