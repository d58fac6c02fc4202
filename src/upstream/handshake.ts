/**
 * Era negotiation with an upstream. `auto` probes the 2026-07-28 `server/discover` and falls back to
 * the legacy `initialize` on any failure of the probe (the spec forbids depending on one error code).
 */
import { UpstreamFailure } from '../errors.js';
import { isPlainObject, type Params } from '../protocol/jsonrpc.js';
import { GATEWAY_INFO, LATEST_LEGACY_VERSION, META, MODERN_VERSION, SUPPORTED_LEGACY_VERSIONS, type ServerDescription, type UpstreamReply } from './link.js';

type Req = (method: string, params: Params | undefined, timeoutMs: number) => Promise<UpstreamReply>;
type Notify = (method: string, params?: Params) => void;

export function modernMeta(clientCapabilities: Params): Params {
  return {
    [META.protocolVersion]: MODERN_VERSION,
    [META.clientCapabilities]: clientCapabilities,
    [META.clientInfo]: GATEWAY_INFO,
  };
}

export async function probeModern(request: Req, clientCapabilities: Params, timeoutMs: number): Promise<ServerDescription | undefined> {
  let reply: UpstreamReply;
  try {
    reply = await request('server/discover', { _meta: modernMeta(clientCapabilities) }, timeoutMs);
  } catch (err) {
    if (err instanceof UpstreamFailure && err.reason === 'upstream_timeout') return undefined;
    throw err;
  }
  if (!reply.ok) return undefined;
  const r = reply.result;
  const versions = Array.isArray(r.supportedVersions) ? r.supportedVersions : [];
  if (!versions.includes(MODERN_VERSION)) return undefined;
  const meta = isPlainObject(r._meta) ? r._meta : {};
  const info = isPlainObject(r.serverInfo) ? r.serverInfo : isPlainObject(meta[META.serverInfo]) ? (meta[META.serverInfo] as Params) : {};
  const d: ServerDescription = {
    era: 'modern',
    protocolVersion: MODERN_VERSION,
    capabilities: isPlainObject(r.capabilities) ? r.capabilities : {},
    serverInfo: info,
  };
  if (typeof r.instructions === 'string') d.instructions = r.instructions;
  return d;
}

export async function initializeLegacy(request: Req, notify: Notify, clientCapabilities: Params, timeoutMs: number): Promise<ServerDescription> {
  const reply = await request(
    'initialize',
    { protocolVersion: LATEST_LEGACY_VERSION, capabilities: clientCapabilities, clientInfo: GATEWAY_INFO },
    timeoutMs,
  );
  if (!reply.ok) throw new UpstreamFailure('upstream_unavailable', `initialize refused: ${reply.error.message}`);
  const r = reply.result;
  const version = typeof r.protocolVersion === 'string' ? r.protocolVersion : '';
  if (!(SUPPORTED_LEGACY_VERSIONS as readonly string[]).includes(version)) {
    throw new UpstreamFailure('upstream_protocol', `upstream chose unsupported protocol version "${version.slice(0, 40)}"`);
  }
  notify('notifications/initialized');
  const d: ServerDescription = {
    era: 'legacy',
    protocolVersion: version,
    capabilities: isPlainObject(r.capabilities) ? r.capabilities : {},
    serverInfo: isPlainObject(r.serverInfo) ? r.serverInfo : {},
  };
  if (typeof r.instructions === 'string') d.instructions = r.instructions;
  return d;
}

/**
 * One deadline for the whole handshake: under `auto` the probe may use a quarter of it (at most 5 s),
 * and initialize the rest, so connecting never takes longer than `connectTimeoutMs`.
 */
export async function negotiate(
  request: Req,
  notify: Notify,
  era: 'auto' | 'legacy' | 'modern',
  clientCapabilities: Params,
  timeoutMs: number,
): Promise<ServerDescription> {
  const deadline = Date.now() + timeoutMs;
  if (era !== 'legacy') {
    const probeMs = era === 'modern' ? timeoutMs : Math.max(100, Math.min(5000, Math.floor(timeoutMs / 4)));
    const modern = await probeModern(request, clientCapabilities, probeMs);
    if (modern) return modern;
    if (era === 'modern') throw new UpstreamFailure('upstream_protocol', 'upstream does not speak 2026-07-28 (server/discover failed)');
  }
  return initializeLegacy(request, notify, clientCapabilities, Math.max(100, deadline - Date.now()));
}
