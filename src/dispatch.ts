/**
 * Forwarding: what happens to a request once the stages have let it through. Lists are answered from
 * the upstream catalogs (namespaced, filtered per caller, paginated with the gateway's own cursors);
 * calls go to the one upstream the name resolves to, with progress, cancellation and server→client
 * requests carried across, and with the two protocol eras translated where agent and upstream differ.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { reject, UpstreamFailure, type Rejection } from './errors.js';
import { isPlainObject, successResponse, type JsonRpcRequest, type JsonRpcResponse, type Params } from './protocol/jsonrpc.js';
import type { Forwarded } from './pipeline/runner.js';
import type { CatalogEntry, Ctx, Principal, Stage, Target, TargetKind } from './pipeline/types.js';
import type { AgentRequestChannel } from './downstream/agent.js';
import type { Router } from './upstream/route.js';
import type { Connection, UpstreamPool } from './upstream/pool.js';
import type { CatalogKind } from './upstream/catalog.js';
import { paramHeaderMismatch, paramHeadersFor } from './protocol/param-headers.js';
import { agentCredential } from './identity/credential.js';
import { screenedAsk } from './stages/content/server-requests.js';
import { formatTraceparent, withMetaTraceparent } from './telemetry/tracing.js';
import { GATEWAY_INFO, LATEST_LEGACY_VERSION, META, MODERN_VERSION, SUPPORTED_LEGACY_VERSIONS, type CallOptions, type UpstreamReply } from './upstream/link.js';
import { Cancel } from './cancel.js';

export interface DispatchView {
  readonly router: Router;
  readonly pools: ReadonlyMap<string, UpstreamPool>;
  readonly stages: readonly Stage[];
  readonly pageSize: number;
  readonly passthrough: string | undefined;
  /** Whether an upstream's instructions may reach agents (their pin is trusted). */
  readonly instructionsAllowed: (upstream: string, text: string) => boolean;
}

const LISTS: Record<string, { kind: CatalogKind; field: string; target: TargetKind }> = {
  'tools/list': { kind: 'tools', field: 'tools', target: 'tool' },
  'prompts/list': { kind: 'prompts', field: 'prompts', target: 'prompt' },
  'resources/list': { kind: 'resources', field: 'resources', target: 'resource' },
  'resources/templates/list': { kind: 'resourceTemplates', field: 'resourceTemplates', target: 'resource' },
};

export const GATEWAY_CAPABILITIES: Params = Object.freeze({
  tools: { listChanged: true },
  prompts: { listChanged: true },
  resources: { subscribe: true, listChanged: true },
  completions: {},
  logging: {},
});

const MAX_INPUT_ROUNDS = 8;
/** Envelope keys that describe one hop; each link sets its own. */
const HOP_KEYS = new Set<string>([META.protocolVersion, META.clientCapabilities, META.clientInfo]);
const PARK_TTL_MS = 10 * 60 * 1000;
const STATE_PREFIX = 'pcs1.';

/** Resolve the upstream target a request names, before any stage runs. */
export function resolveTarget(router: Router, method: string, params: Params | undefined): Target | undefined | 'unknown' {
  switch (method) {
    case 'tools/call':
      return typeof params?.name === 'string' ? router.resolveName('tool', params.name) ?? 'unknown' : 'unknown';
    case 'prompts/get':
      return typeof params?.name === 'string' ? router.resolveName('prompt', params.name) ?? 'unknown' : 'unknown';
    case 'resources/read':
    case 'resources/subscribe':
    case 'resources/unsubscribe':
      return typeof params?.uri === 'string' ? router.resolveUri(params.uri) ?? 'unknown' : 'unknown';
    case 'completion/complete': {
      const ref = params?.ref;
      if (!isPlainObject(ref)) return 'unknown';
      if (ref.type === 'ref/prompt' && typeof ref.name === 'string') return router.resolveName('prompt', ref.name) ?? 'unknown';
      if (ref.type === 'ref/resource' && typeof ref.uri === 'string') return router.resolveUri(ref.uri) ?? 'unknown';
      return 'unknown';
    }
    default:
      return undefined;
  }
}

/** A legacy upstream's server→client request waiting for a 2026-07-28 agent to retry with the answer. */
interface Parked {
  principal: string;
  upstream: string;
  abort: Cancel;
  call: Promise<UpstreamReply>;
  questions: Array<{ key: string; method: string; params: Params | undefined; answer: (r: JsonRpcResponse) => void }>;
  wake: (() => void) | undefined;
  expires: number;
}

export class Dispatcher {
  private readonly parked = new Map<string, Parked>();
  private readonly stateKey = randomBytes(32);
  private nextQuestion = 1;

  constructor(private view: DispatchView) {}

  /** Policy or upstreams were reloaded: later calls see the new view; calls in flight keep theirs. */
  update(view: DispatchView): void {
    this.view = view;
  }

  async forward(ctx: Ctx, req: JsonRpcRequest, agent: AgentRequestChannel): Promise<Forwarded> {
    const list = LISTS[req.method];
    if (list) return this.list(req, agent, list.kind, list.field, list.target);
    switch (req.method) {
      case 'ping':
        return { response: successResponse(req.id, {}) };
      case 'server/discover':
        return { response: successResponse(req.id, this.discoverResult()) };
      case 'logging/setLevel':
        return this.setLevel(req, agent);
      case 'tools/call':
      case 'prompts/get':
      case 'resources/read':
      case 'completion/complete':
        return this.call(ctx, req, agent);
      case 'resources/subscribe':
      case 'resources/unsubscribe': {
        const fwd = await this.subscribe(ctx, req, agent);
        if ('response' in fwd && !('error' in fwd.response) && agent.session && typeof req.params?.uri === 'string') {
          if (req.method === 'resources/subscribe') agent.session.subscriptions.add(req.params.uri);
          else agent.session.subscriptions.delete(req.params.uri);
        }
        return fwd;
      }
      default:
        return { rejection: reject('unknown_method', `"${req.method.slice(0, 80)}" is not supported by this gateway`) };
    }
  }

  /**
   * The agent's log level: kept on its session (2026-07-28 upstreams get it per request in `_meta`) and
   * passed to the legacy upstreams this agent uses.
   */
  private async setLevel(req: JsonRpcRequest, agent: AgentRequestChannel): Promise<Forwarded> {
    const level = req.params?.level;
    if (typeof level !== 'string') return { rejection: reject('invalid_params', 'level must be a string') };
    if (agent.session) agent.session.logLevel = level;
    await Promise.all(
      [...this.view.pools.values()].map(async (pool) => {
        const conn = pool.connection(pool.keyFor(agent.principal, agent.session?.id), agent.clientCapabilities);
        const server = conn.link.server;
        if (server?.era === 'legacy' && isPlainObject(server.capabilities.logging)) {
          await conn.link.request('logging/setLevel', { level }, { timeoutMs: pool.cfg.timeoutMs }).catch(() => undefined);
        }
      }),
    );
    return { response: successResponse(req.id, {}) };
  }

  /** Legacy resources/subscribe; a 2026-07-28 upstream gets it as a listen-stream subscription instead. */
  private async subscribe(ctx: Ctx, req: JsonRpcRequest, agent: AgentRequestChannel): Promise<Forwarded> {
    const target = ctx.target;
    const pool = target && this.view.pools.get(target.upstream);
    if (target && pool) {
      const conn = pool.connection(pool.keyFor(agent.principal, agent.session?.id), agent.clientCapabilities);
      if (conn.link.server?.era === 'modern') {
        if (!conn.link.subscribe?.(target.name, req.method === 'resources/subscribe')) {
          return { rejection: reject('unknown_method', 'this upstream does not support resource subscriptions') };
        }
        return { response: successResponse(req.id, {}) };
      }
    }
    return this.call(ctx, req, agent);
  }

  initializeResult(requestedVersion: unknown): Params {
    const version = typeof requestedVersion === 'string' && (SUPPORTED_LEGACY_VERSIONS as readonly string[]).includes(requestedVersion) ? requestedVersion : LATEST_LEGACY_VERSION;
    const r: Params = { protocolVersion: version, capabilities: GATEWAY_CAPABILITIES, serverInfo: GATEWAY_INFO };
    const instructions = this.passthroughInstructions();
    if (instructions !== undefined) r.instructions = instructions;
    return r;
  }

  discoverResult(): Params {
    const r: Params = { supportedVersions: [MODERN_VERSION, ...SUPPORTED_LEGACY_VERSIONS], capabilities: GATEWAY_CAPABILITIES, serverInfo: GATEWAY_INFO };
    const instructions = this.passthroughInstructions();
    if (instructions !== undefined) r.instructions = instructions;
    return r;
  }

  /** Upstream instructions reach agents only in passthrough mode, where there is exactly one server. */
  private passthroughInstructions(): string | undefined {
    if (this.view.passthrough === undefined) return undefined;
    const pool = this.view.pools.get(this.view.passthrough);
    const text = pool?.connection('shared').link.server?.instructions;
    return text !== undefined && this.view.instructionsAllowed(this.view.passthrough, text) ? text : undefined;
  }

  // ---- lists -------------------------------------------------------------------------------------

  private async list(req: JsonRpcRequest, agent: AgentRequestChannel, kind: CatalogKind, field: string, targetKind: TargetKind): Promise<Forwarded> {
    let offset = 0;
    const cursor = req.params?.cursor;
    if (cursor !== undefined) {
      const parsed = typeof cursor === 'string' ? decodeCursor(cursor, kind) : undefined;
      if (parsed === undefined) return { rejection: reject('invalid_params', 'invalid or expired cursor') };
      offset = parsed;
    }
    const items = await this.collect(kind, targetKind, agent);
    const page = items.slice(offset, offset + this.view.pageSize);
    const result: Params = { [field]: page };
    if (offset + this.view.pageSize < items.length) result.nextCursor = encodeCursor(kind, offset + this.view.pageSize);
    return { response: successResponse(req.id, result) };
  }

  /** Every upstream's items of one kind, renamed and filtered for this caller, in config order. */
  private async collect(kind: CatalogKind, targetKind: TargetKind, agent: AgentRequestChannel): Promise<Params[]> {
    const { router, pools, stages } = this.view;
    const filters = stages.filter((s) => s.visible);
    const perUpstream = await Promise.all(
      [...pools.values()].map(async (pool) => {
        try {
          const conn = this.connectionFor(pool, agent);
          return { pool, items: (await conn.listCatalog())[kind] };
        } catch {
          return { pool, items: [] as Params[] }; // an upstream that is down lists nothing rather than failing the list
        }
      }),
    );
    const out: Params[] = [];
    for (const { pool, items } of perUpstream) {
      for (const item of items) {
        const name = kind === 'resources' ? item.uri : kind === 'resourceTemplates' ? item.uriTemplate : item.name;
        if (typeof name !== 'string') continue;
        const entry: CatalogEntry = { upstream: pool.name, kind: targetKind, name, definition: item };
        if (!visibleToAll(filters, agent.principal, entry)) continue;
        if (kind === 'resources') out.push({ ...item, uri: router.exposeUri(pool.name, name) });
        else if (kind === 'resourceTemplates') out.push({ ...item, uriTemplate: router.exposeUri(pool.name, name) });
        else out.push({ ...item, name: router.exposeName(pool.name, name) });
      }
    }
    return out;
  }

  // ---- calls -------------------------------------------------------------------------------------

  /** The caller's connection to an upstream; one that exchanges tokens learns the caller's token. */
  connectionFor(pool: UpstreamPool, agent: AgentRequestChannel): Connection {
    const conn = pool.connection(pool.keyFor(agent.principal, agent.session?.id), agent.clientCapabilities);
    if (pool.cfg.http?.auth?.tokenExchange) conn.link.setSubjectToken?.(agentCredential(agent.principal));
    return conn;
  }

  private async call(ctx: Ctx, req: JsonRpcRequest, agent: AgentRequestChannel): Promise<Forwarded> {
    const target = ctx.target;
    if (!target) return { rejection: reject('unknown_target', 'the request names no known tool, prompt or resource') };
    const pool = this.view.pools.get(target.upstream);
    if (!pool) return { rejection: reject('unknown_target', `no upstream "${target.upstream}"`) };

    const resumed = this.resume(req, agent);
    if (resumed) return this.awaitParked(req, resumed.id, resumed.parked, agent);
    if (resumed === null) return { rejection: reject('invalid_params', 'requestState is invalid, expired or belongs to another caller') };

    const conn = this.connectionFor(pool, agent);
    let params = this.upstreamParams(req.method, req.params ?? {}, target, agent.session?.logLevel);
    let server;
    try {
      server = await conn.server();
    } catch (err) {
      return { rejection: failureToRejection(target.upstream, err) };
    }
    const router = this.view.router;
    let headers: Record<string, string> | undefined;
    if (req.method === 'tools/call') {
      const def = conn.tool(target.name);
      if (def && agent.paramHeaders) {
        const mismatch = paramHeaderMismatch(def, params.arguments, agent.paramHeaders);
        if (mismatch) return { rejection: reject('header_mismatch', mismatch) };
      }
      if (def && server.era === 'modern') headers = paramHeadersFor(def, params.arguments);
    }
    const opts: CallOptions = {
      headers,
      timeoutMs: pool.cfg.timeoutMs,
      signal: agent.signal,
      owner: agent.session?.id ?? agent.principal.subject,
      clientCapabilities: agent.clientCapabilities,
      onNotification: (n) => agent.notify(n),
    };
    // The upstream learns the trace (header on HTTP, `_meta` on both transports, SEP-414): our upstream
    // span when tracing is on, otherwise the agent's own valid context passed on unchanged.
    const up = ctx.trace?.upstream(target, req.method, pool.cfg);
    const traceparent = up?.traceparent ?? (ctx.remoteParent && formatTraceparent(ctx.traceId, ctx.remoteParent.spanId, ctx.remoteParent.sampled));
    if (traceparent !== undefined) {
      opts.traceparent = traceparent;
      params = withMetaTraceparent(params, traceparent);
    }

    // A 2026-07-28 agent cannot take server→client requests: park the call and answer input_required.
    if (agent.era === 'modern' && server.era === 'legacy') {
      const abort = new Cancel();
      const parked: Parked = { principal: agent.principal.subject, upstream: target.upstream, call: undefined as unknown as Promise<UpstreamReply>, questions: [], wake: undefined, expires: 0, abort };
      // The upstream call outlives the agent's first HTTP request: it is cancelled only while the agent
      // is actually waiting on it, or when the parked call expires.
      parked.call = conn.link.request(req.method, params, { ...opts, signal: abort.signal, onServerRequest: (r) => this.enqueue(parked, r) });
      parked.call.catch(() => { /* settled through awaitParked, or dropped on expiry */ });
      if (up) parked.call.then((r) => up.end(r), (err: unknown) => up.fail(err));
      return this.awaitParked(req, randomBytes(12).toString('base64url'), parked, agent);
    }
    // Upstream text on its way to the agent (sampling, elicitation) passes the content checks first.
    const ask = agent.ask && screenedAsk(this.view.stages, ctx, agent.ask);
    if (ask) opts.onServerRequest = answeredBy(ask);
    try {
      let reply = await conn.link.request(req.method, params, opts);
      // A 2026-07-28 upstream asking for input, in front of a legacy agent: ask the agent, retry with the answers.
      for (let round = 0; server.era === 'modern' && agent.era === 'legacy' && reply.ok && reply.result.resultType === 'input_required'; round++) {
        if (round >= MAX_INPUT_ROUNDS || !ask) {
          up?.end(reply);
          return { rejection: reject('missing_capability', 'the upstream needs input this agent cannot provide') };
        }
        const answers = await this.answerInputRequests(reply.result.inputRequests, ask);
        const retry: Params = { ...params, inputResponses: answers };
        if (typeof reply.result.requestState === 'string') retry.requestState = reply.result.requestState;
        reply = await conn.link.request(req.method, retry, opts);
      }
      up?.end(reply);
      return { response: this.toAgent(req, reply, target.upstream, router, agent) };
    } catch (err) {
      up?.fail(err);
      return { rejection: failureToRejection(target.upstream, err) };
    }
  }

  private async answerInputRequests(requests: unknown, ask: NonNullable<AgentRequestChannel['ask']>): Promise<Params> {
    const answers: Params = {};
    if (!isPlainObject(requests)) return answers;
    for (const [key, r] of Object.entries(requests)) {
      if (!isPlainObject(r) || typeof r.method !== 'string') continue;
      const res = await ask(r.method, isPlainObject(r.params) ? r.params : undefined);
      if ('error' in res) throw new UpstreamFailure('upstream_failed', `the agent refused ${r.method}: ${res.error.message}`);
      answers[key] = res.result;
    }
    return answers;
  }

  /** The upstream's own names in place of the exposed ones. */
  private upstreamParams(method: string, params: Params, target: Target, logLevel?: string): Params {
    const out: Params = { ...params };
    if (method === 'tools/call' || method === 'prompts/get') out.name = target.name;
    else if (method === 'completion/complete' && isPlainObject(params.ref)) {
      out.ref = params.ref.type === 'ref/prompt' ? { ...params.ref, name: target.name } : { ...params.ref, uri: target.name };
    } else if (typeof params.uri === 'string') out.uri = target.name;
    if (isPlainObject(out._meta)) {
      // Protocol-era keys describe the agent's hop, not ours; the link sets its own.
      const meta: Params = {};
      for (const [k, v] of Object.entries(out._meta)) if (!HOP_KEYS.has(k)) meta[k] = v;
      out._meta = meta;
    }
    if (logLevel !== undefined) out._meta = { ...(isPlainObject(out._meta) ? out._meta : {}), [META.logLevel]: logLevel };
    delete out.inputResponses;
    delete out.requestState;
    if (isPlainObject(params.inputResponses)) out.inputResponses = params.inputResponses;
    if (typeof params.requestState === 'string' && !params.requestState.startsWith(STATE_PREFIX)) out.requestState = params.requestState;
    return out;
  }

  /** Map upstream URIs in a result to exposed ones, and add what a 2026-07-28 agent expects. */
  private toAgent(req: JsonRpcRequest, reply: UpstreamReply, upstream: string, router: Router, agent: AgentRequestChannel): JsonRpcResponse {
    if (!reply.ok) return { jsonrpc: '2.0', id: req.id, error: reply.error };
    let result = reply.result;
    if (this.view.passthrough === undefined) result = mapUris(req.method, result, upstream, router);
    if (agent.era === 'legacy' && result.resultType !== undefined) {
      const { resultType: _drop, ...rest } = result;
      result = rest;
    }
    return successResponse(req.id, result);
  }

  // ---- 2026-07-28 agents in front of legacy upstreams: input_required ------------------------------

  private enqueue(parked: Parked, r: JsonRpcRequest): Promise<JsonRpcResponse> {
    return new Promise<JsonRpcResponse>((resolve) => {
      parked.questions.push({ key: `q${this.nextQuestion++}`, method: r.method, params: r.params, answer: (res) => resolve({ ...res, id: r.id } as JsonRpcResponse) });
      parked.wake?.();
    });
  }

  private async awaitParked(req: JsonRpcRequest, id: string, parked: Parked, agent: AgentRequestChannel): Promise<Forwarded> {
    const questionArrived = new Promise<'question'>((resolve) => {
      parked.wake = () => resolve('question');
      if (parked.questions.length > 0) resolve('question');
    });
    const onAgentGone = () => parked.abort.abort();
    const offAgentGone = agent.signal.onAbort(onAgentGone);
    let outcome: UpstreamReply | 'question';
    try {
      outcome = await Promise.race([parked.call, questionArrived]);
    } catch (err) {
      this.parked.delete(id);
      return { rejection: failureToRejection(parked.upstream, err) };
    } finally {
      offAgentGone();
      parked.wake = undefined;
    }
    if (outcome !== 'question') {
      this.parked.delete(id);
      return { response: this.toAgent(req, outcome, parked.upstream, this.view.router, agent) };
    }
    parked.expires = Date.now() + PARK_TTL_MS;
    this.parked.set(id, parked);
    this.sweep();
    const inputRequests: Params = {};
    for (const q of parked.questions) inputRequests[q.key] = q.params === undefined ? { method: q.method } : { method: q.method, params: q.params };
    return { response: successResponse(req.id, { resultType: 'input_required', inputRequests, requestState: this.seal(id, parked.principal) }) };
  }

  /** A retry carrying our requestState: hand the answers to the waiting upstream call. */
  private resume(req: JsonRpcRequest, agent: AgentRequestChannel): { id: string; parked: Parked } | null | undefined {
    const state = req.params?.requestState;
    if (typeof state !== 'string' || !state.startsWith(STATE_PREFIX)) return undefined;
    const id = this.unseal(state, agent.principal.subject);
    const parked = id === undefined ? undefined : this.parked.get(id);
    if (!parked || id === undefined || parked.principal !== agent.principal.subject) return null;
    const responses = isPlainObject(req.params?.inputResponses) ? req.params.inputResponses : {};
    const remaining: Parked['questions'] = [];
    for (const q of parked.questions) {
      const answer = responses[q.key];
      if (isPlainObject(answer)) q.answer({ jsonrpc: '2.0', id: 0, result: answer });
      else remaining.push(q);
    }
    parked.questions = remaining;
    return { id, parked };
  }

  private seal(id: string, principal: string): string {
    const mac = createHmac('sha256', this.stateKey).update(`${id}\0${principal}`).digest('base64url');
    return `${STATE_PREFIX}${id}.${mac}`;
  }

  private unseal(state: string, principal: string): string | undefined {
    const [id, mac] = state.slice(STATE_PREFIX.length).split('.');
    if (!id || !mac) return undefined;
    const expected = createHmac('sha256', this.stateKey).update(`${id}\0${principal}`).digest();
    const given = Buffer.from(mac, 'base64url');
    return given.length === expected.length && timingSafeEqual(given, expected) ? id : undefined;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, p] of this.parked) {
      if (p.expires < now) {
        this.parked.delete(id);
        p.abort.abort();
        for (const q of p.questions) q.answer({ jsonrpc: '2.0', id: 0, error: { code: -32603, message: 'the agent did not answer in time' } });
      }
    }
  }
}

/**
 * Server→client requests of one call go to its agent. Built here, not as an arrow inside `call`: an
 * arrow there would hold `call`'s whole context, and V8 then kept every call's objects (the agent's
 * HTTP request and response included) alive through young-generation collections, promoting ≈ 6 KB
 * per call to the old generation (`node --trace-gc-nvp`: `promoted=`).
 */
function answeredBy(ask: NonNullable<AgentRequestChannel['ask']>): NonNullable<CallOptions['onServerRequest']> {
  return async (r) => ({ ...(await ask(r.method, r.params)), id: r.id }) as JsonRpcResponse;
}

function visibleToAll(filters: readonly Stage[], principal: Principal, entry: CatalogEntry): boolean {
  for (const s of filters) if (!s.visible!(principal, entry)) return false;
  return true;
}

export function failureToRejection(upstream: string, err: unknown): Rejection {
  if (err instanceof UpstreamFailure) return err.toRejection(upstream);
  return reject('upstream_failed', `${upstream}: unexpected failure`);
}

function encodeCursor(kind: CatalogKind, offset: number): string {
  return Buffer.from(JSON.stringify({ k: kind, o: offset }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string, kind: CatalogKind): number | undefined {
  if (cursor.length > 200) return undefined;
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (isPlainObject(v) && v.k === kind && typeof v.o === 'number' && Number.isInteger(v.o) && v.o >= 0 && v.o <= 1_000_000) return v.o;
  } catch {
    /* fall through */
  }
  return undefined;
}

/** resource_link and embedded resources in results point at upstream URIs; agents must see exposed ones. */
function mapUris(method: string, result: Params, upstream: string, router: Router): Params {
  const mapContent = (c: unknown): unknown => {
    if (!isPlainObject(c)) return c;
    if (c.type === 'resource_link' && typeof c.uri === 'string') return { ...c, uri: router.exposeUri(upstream, c.uri) };
    if (c.type === 'resource' && isPlainObject(c.resource) && typeof c.resource.uri === 'string') {
      return { ...c, resource: { ...c.resource, uri: router.exposeUri(upstream, c.resource.uri) } };
    }
    return c;
  };
  if (method === 'tools/call' && Array.isArray(result.content)) {
    if (!result.content.some((c) => isPlainObject(c) && (c.type === 'resource_link' || c.type === 'resource'))) return result;
    return { ...result, content: result.content.map(mapContent) };
  }
  if (method === 'resources/read' && Array.isArray(result.contents)) {
    return { ...result, contents: result.contents.map((c) => (isPlainObject(c) && typeof c.uri === 'string' ? { ...c, uri: router.exposeUri(upstream, c.uri) } : c)) };
  }
  if (method === 'prompts/get' && Array.isArray(result.messages)) {
    return { ...result, messages: result.messages.map((m) => (isPlainObject(m) ? { ...m, content: mapContent(m.content) } : m)) };
  }
  return result;
}

