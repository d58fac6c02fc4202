/**
 * The composition root: builds the upstream pools, the stages and the runner from one config, and
 * implements the handler both downstream adapters call. THE ORDER OF STAGES LIVES HERE AND NOWHERE ELSE.
 */
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { newTraceId } from './telemetry/trace-id.js';
import type { Config } from './config/schema.js';
import { Runner } from './pipeline/runner.js';
import { PASS, type AuditSink, type Ctx, type Era, type Principal, type Stage } from './pipeline/types.js';
import { isDurable, type DurableAuditSink } from './audit/port.js';
import { reject } from './errors.js';
import { successResponse, type JsonRpcNotification, type JsonRpcRequest, type JsonRpcResponse, type Params } from './protocol/jsonrpc.js';
import { Dispatcher, resolveTarget, type DispatchView } from './dispatch.js';
import { Router } from './upstream/route.js';
import { UpstreamPool, defaultLinkFactory, type LinkFactory, type PoolEvents } from './upstream/pool.js';
import type { CatalogKind } from './upstream/catalog.js';
import { GATEWAY_INFO, META } from './upstream/link.js';
import { authorizeStage } from './stages/authorize/stage.js';
import { compilePolicy } from './policy/compile.js';
import type { AgentRequestChannel, AgentSession } from './downstream/agent.js';
import type { InvalidMessage, Listener, MessageHandler } from './downstream/handler.js';
import type { Logger } from './telemetry/log.js';
import { agentTraceContext, type RemoteParent, type Tracing } from './telemetry/tracing.js';
import type { PinGuard } from './pins/guard.js';
import { pinsStage, type DefinitionLookup } from './stages/pins/stage.js';
import { ApprovalService } from './approvals/service.js';
import { approvalStage } from './stages/approval/stage.js';
import { contentStage } from './stages/content/stage.js';
import { argumentsStage } from './stages/arguments/stage.js';
import { quarantineStoreFor } from './quarantine/open.js';
import { openState, type StateBackends } from './state/open.js';
import { flowStageFor, needsState } from './stages/flow/build.js';
import { rateLimitStageFor } from './stages/ratelimit/build.js';
import { ConcurrencyLimits } from './stages/ratelimit/concurrency.js';

/**
 * The request stages, in order (each call below says why it sits where it does):
 *   audit gate        — sync audit only: a call that cannot be recorded never starts;
 *   authorize (policy) — first, so nothing below ever spends effort or quota on a call that is not allowed;
 *   content           — response-only: screens results before any later stage reads their labels;
 *   pins              — only trusted tool definitions are listed or callable;
 *   argument checks   — refuse possible exfiltration before it touches session history or quota;
 *   flow rules        — sequence rules refine an allowed call, they never grant one;
 *   rate limits       — after every deny-stage, so a denied call spends no quota;
 *   approval          — last, so a person is asked only about calls that would otherwise pass.
 * Response stages run in the same array order on the way back.
 */
export function buildStages(config: Config, audit?: AuditSink, pins?: { guard: PinGuard; lookup: DefinitionLookup }, approvals?: ApprovalService, state?: StateBackends): Stage[] {
  const stages: Stage[] = [];
  // A call that cannot be recorded must not reach an upstream (sync audit only). It recovers by itself:
  // its own denials are records the trail is asked to write.
  if (audit && isDurable(audit) && audit.mode === 'sync') stages.push(auditGate(audit));
  stages.push(authorizeStage(compilePolicy(config.policy)));
  // Response-only (but for released quarantined results): right after authorize, so on the way back it
  // screens results before any later stage (flow rules) reads the labels it sets.
  stages.push(contentStage(config.content, { quarantine: quarantineStoreFor(config.storage) }));
  // Only definitions whose pin is trusted are listed or callable (after authorize: an unauthorized
  // caller learns nothing about what awaits approval).
  if (pins) stages.push(pinsStage(pins.guard, pins.lookup));
  // Argument checks (possible exfiltration) refuse a call on its merits: before flow rules and rate
  // limits, so a refused leak neither enters the session's history nor spends quota, and long before
  // approval, so a person is never asked about a call that would leak.
  const args = argumentsStage(config.content);
  if (args) stages.push(args);
  // Flow rules refine an allowed call (never grant one); then rate limits and budgets, after every
  // stage that refuses a call on its merits, so a refused call spends no quota (test/e2e/ratelimit-order).
  const shared = state ?? (needsState(config) ? openState({ ...config.storage, redis: undefined, postgres: undefined, path: ':memory:' }) : undefined);
  // Adjacent, so the flow stage may do the rate-limit stage's store work in its own round trip.
  const limits = shared && rateLimitStageFor(config, shared);
  const flow = shared && flowStageFor(config, shared, limits);
  if (flow) stages.push(flow);
  if (limits) stages.push(limits);
  // LAST: a person is asked only about calls every other stage lets through. Always present, so a call
  // that needs approval is refused (not let through) where no approvals service was given.
  stages.push(approvalStage(approvals));
  return stages;
}

function auditGate(audit: DurableAuditSink): Stage {
  return {
    name: 'audit-gate',
    request: () =>
      audit.stats().healthy ? PASS : { kind: 'deny', rejection: reject('audit_unavailable', 'the audit trail is not accepting records; calls are refused until it is') },
  };
}

interface Runtime {
  readonly config: Config;
  readonly pools: Map<string, UpstreamPool>;
  readonly router: Router;
  readonly stages: Stage[];
  readonly runner: Runner;
}

export interface GatewayDeps {
  log: Logger;
  audit: AuditSink;
  /** The durable trail behind `audit` (which may be wrapped, e.g. by metrics), for the sync-mode gate. */
  durableAudit?: DurableAuditSink | undefined;
  linkFactory?: LinkFactory;
  /** OpenTelemetry spans; absent when tracing is off. */
  tracing?: Tracing | undefined;
  /** Tool pinning (see src/pins): without it every definition is served as listed. */
  pins?: PinGuard | undefined;
}

const LIST_CHANGED: Record<CatalogKind, string> = {
  tools: 'notifications/tools/list_changed',
  prompts: 'notifications/prompts/list_changed',
  resources: 'notifications/resources/list_changed',
  resourceTemplates: 'notifications/resources/list_changed',
};

export class Gateway implements MessageHandler {
  private rt: Runtime;
  private readonly dispatcher: Dispatcher;
  private readonly sessions = new Set<AgentSession>();
  private readonly listeners = new Set<Listener>();
  private readonly idPrefix = randomBytes(4).toString('hex');
  private seq = 0;
  private readonly poolEvents: PoolEvents;
  /** Held calls and their decisions (the admin API and the approval stage share it). */
  readonly approvals: ApprovalService;
  /** Calls in flight per upstream (per replica), held around the forward so every ending releases. */
  private readonly concurrency = new ConcurrencyLimits();
  /** Session history and counters, opened once (from the first config that needs them). */
  private state: StateBackends | undefined;

  constructor(config: Config, private readonly deps: GatewayDeps) {
    this.poolEvents = {
      listChanged: (u, key, kinds) => this.onListChanged(u, key, kinds),
      notification: (u, key, n) => this.onUpstreamNotification(u, key, n),
      health: (u, key, up, reason) => deps.log[up ? 'info' : 'warn']({ upstream: u, connection: key, reason }, up ? 'upstream connected' : 'upstream down'),
      log: (level, message, detail) => deps.log[level](detail ?? {}, message),
      inspect: (u, next, previous, instructions) => deps.pins?.observe(u, next, previous, instructions) ?? Promise.resolve(),
    };
    // Built once from the start-up config, like the audit trail: calls held across a reload keep waiting.
    this.approvals = new ApprovalService(config.approvals, config.storage, { audit: deps.audit, log: deps.log, environment: config.environment });
    this.rt = this.build(config, new Map());
    this.dispatcher = new Dispatcher(this.view(this.rt));
  }

  get config(): Config {
    return this.rt.config;
  }

  get pools(): ReadonlyMap<string, UpstreamPool> {
    return this.rt.pools;
  }

  /**
   * Connect shared upstreams, waiting at most `graceMs`: one that is slow or broken is logged and keeps
   * retrying in the background (lists skip it meanwhile); it never holds the gateway back from serving.
   */
  async start(graceMs = 5000): Promise<void> {
    const stateReady = this.state?.ready(graceMs);
    const warming = Promise.all(
      [...this.rt.pools.values()].map((p) =>
        p.warm().catch((err: unknown) => this.deps.log.warn({ upstream: p.name, error: err instanceof Error ? err.message : String(err) }, 'upstream not available at start')),
      ),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([warming, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
    clearTimeout(timer);
    if (stateReady && !(await stateReady)) this.deps.log.error({ storage: this.state?.sessions.kind }, 'shared state not reachable: calls under flow rules, rate limits or budgets are refused until it is');
  }

  private build(config: Config, previous: Map<string, UpstreamPool>): Runtime {
    const pools = new Map<string, UpstreamPool>();
    for (const [name, cfg] of Object.entries(config.upstreams)) {
      const old = previous.get(name);
      pools.set(name, old && JSON.stringify(old.cfg) === JSON.stringify(cfg) ? old : new UpstreamPool(name, cfg, this.poolEvents, this.deps.linkFactory ?? defaultLinkFactory));
    }
    const router = new Router(config.routing.separator, new Set(pools.keys()), config.routing.passthrough);
    this.concurrency.configure(config.upstreams);
    if (needsState(config)) this.state ??= openState(config.storage);
    const stages = buildStages(config, this.deps.durableAudit ?? this.deps.audit, this.deps.pins && { guard: this.deps.pins, lookup: (ctx) => this.definitionFor(pools, ctx) }, this.approvals, this.state);
    return { config, pools, router, stages, runner: new Runner(stages, this.deps.audit, config.environment, config.audit.sink !== 'none', this.deps.tracing) };
  }

  /** The definition the caller's own connection lists for a tool or prompt, reading its catalog if needed. */
  private async definitionFor(pools: Map<string, UpstreamPool>, ctx: Ctx): Promise<Params | undefined> {
    const t = ctx.target;
    const pool = t && pools.get(t.upstream);
    if (!t || !pool) return undefined;
    const conn = pool.connection(pool.keyFor(ctx.principal, ctx.session));
    const catalog = await conn.getCatalog();
    // Tools through the connection's name index (built once per catalog); prompts are few.
    return t.kind === 'tool' ? conn.tool(t.name) : catalog.prompts.find((d) => d.name === t.name);
  }

  /** Operator-side changes (pin decisions, first use) become admin records in the trail. */
  auditAdmin(method: string, detail: string, by = 'operator'): void {
    const e = this.adminEvent(method, detail);
    e.principal = { subject: by, roles: [] };
    void this.deps.audit.append(e);
  }

  /** Decisions changed what agents may see: every agent re-lists. */
  relist(): void {
    for (const kind of ['tools', 'prompts', 'resources'] as const) this.broadcast(LIST_CHANGED[kind], () => true);
  }

  private view(rt: Runtime): DispatchView {
    const pins = this.deps.pins;
    return {
      router: rt.router,
      pools: rt.pools,
      stages: rt.stages,
      pageSize: rt.config.routing.pageSize,
      passthrough: rt.config.routing.passthrough,
      instructionsAllowed: pins ? (upstream, text) => pins.allows(upstream, 'instructions', text, '') : () => true,
    };
  }

  /**
   * Swap in a new config atomically. Unchanged upstreams keep their connections; calls in flight
   * finish on the runtime they started with; removed or changed upstreams close once drained.
   */
  async reload(config: Config): Promise<void> {
    const old = this.rt;
    const next = this.build(config, old.pools);
    this.rt = next;
    this.dispatcher.update(this.view(next));
    void this.deps.audit.append(this.adminEvent('config/reload', `upstreams: ${[...next.pools.keys()].join(', ')}`));
    const retired = [...old.pools.values()].filter((p) => next.pools.get(p.name) !== p);
    await Promise.all([...next.pools.values()].filter((p) => !old.pools.has(p.name) || old.pools.get(p.name) !== p).map((p) => p.warm().catch(() => undefined)));
    // Visibility may have changed with the policy: tell every agent to re-list.
    for (const kind of ['tools', 'prompts', 'resources'] as const) this.broadcast(LIST_CHANGED[kind], () => true);
    void Promise.all(retired.map((p) => this.drainAndClose(p)));
  }

  private async drainAndClose(p: UpstreamPool, graceMs = 30_000): Promise<void> {
    const deadline = Date.now() + graceMs;
    while (p.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await p.close();
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.rt.pools.values()].map((p) => p.close()));
    await this.approvals.close();
    await this.state?.close();
    await this.deps.audit.close();
    await this.deps.tracing?.shutdown();
  }

  // ---- MessageHandler ------------------------------------------------------------------------------

  private ctx(transport: 'http' | 'stdio', era: Era, principal: Principal, session: string | undefined, method: string, remote?: RemoteParent): Ctx {
    return {
      id: `${this.idPrefix}-${++this.seq}`,
      traceId: remote?.traceId ?? newTraceId(),
      remoteParent: remote,
      // Present from the start, so every Ctx keeps one shape whether or not tracing sets it.
      trace: undefined,
      startedAt: performance.now(),
      transport,
      era,
      principal,
      session,
      method,
      target: undefined,
      stages: [],
      allowedBy: undefined,
    };
  }

  request(agent: AgentRequestChannel, req: JsonRpcRequest, transport: 'http' | 'stdio', traceparent?: string): Promise<JsonRpcResponse> {
    const rt = this.rt;
    const ctx = this.ctx(transport, agent.era, agent.principal, agent.session?.id, req.method, agentTraceContext(req.params, traceparent));
    if (req.method === 'initialize') {
      return rt.runner.run(ctx, req, async () => ({ response: successResponse(req.id, this.dispatcher.initializeResult(req.params?.protocolVersion)) }));
    }
    const target = resolveTarget(rt.router, req.method, req.params);
    if (target === 'unknown') {
      const name = typeof req.params?.name === 'string' ? req.params.name : typeof req.params?.uri === 'string' ? req.params.uri : '';
      return rt.runner.run(ctx, req, async () => ({ rejection: reject('unknown_target', `no upstream offers "${name.slice(0, 200)}"`) }));
    }
    ctx.target = target;
    if (target?.kind === 'tool' || target?.kind === 'prompt') {
      // The listed definition (its annotations) is an input to conditions: a hint, never a grant.
      const pool = rt.pools.get(target.upstream);
      // The caller's own connection (one that exchanges tokens learns the caller's token here), so a
      // stage that reads its catalog (pins) lists it as this caller.
      const conn = pool && this.dispatcher.connectionFor(pool, agent);
      if (target.kind === 'tool') ctx.definition = conn?.tool(target.name);
    }
    // Stages that talk to the agent while they decide (approval: progress, user consent) use this channel.
    const channel = this.audited(agent, ctx, rt.runner);
    ctx.agent = channel;
    const out = rt.runner.run(ctx, req, (m) => this.concurrency.around(target?.upstream, () => this.dispatcher.forward(ctx, m, channel)));
    return agent.era === 'modern' ? out.then((r) => modernize(req.method, r)) : out;
  }

  /**
   * Messages the gateway sends to the agent during a request (progress, server→client requests) are
   * messages too: each gets its own audit record, linked by trace id to the request that caused it.
   */
  private audited(agent: AgentRequestChannel, parent: Ctx, runner: Runner): AgentRequestChannel {
    const child = (method: string): Ctx => ({ ...this.ctx(parent.transport, parent.era, parent.principal, parent.session, method), traceId: parent.traceId, remoteParent: parent.remoteParent, trace: parent.trace, target: parent.target });
    const ask = agent.ask;
    return {
      ...agent,
      notify: (n) => {
        runner.noteNotification(child(n.method), n, 'outbound');
        agent.notify(n);
      },
      ask:
        ask &&
        (async (method, params) => {
          const c = child(method);
          const r = await ask(method, params);
          runner.note(c, 'response', 'outbound', 'error' in r ? 'failed' : 'delivered', { detail: `server→client ${method}`, requestId: r.id });
          return r;
        }),
    };
  }

  initializeResult(requestedVersion: unknown): Params {
    return this.dispatcher.initializeResult(requestedVersion);
  }

  invalid(m: InvalidMessage): void {
    const ctx = this.ctx(m.transport, m.era ?? 'legacy', m.principal, m.session, m.method ?? '(none)');
    this.rt.runner.note(ctx, 'invalid', 'inbound', 'invalid', { reason: m.reason, detail: m.detail, requestId: m.requestId ?? null });
  }

  notification(n: JsonRpcNotification, transport: 'http' | 'stdio', era: Era, principal: Principal, session?: string): void {
    this.rt.runner.noteNotification(this.ctx(transport, era, principal, session, n.method, agentTraceContext(n.params)), n, 'inbound');
  }

  openSession(s: AgentSession): void {
    this.sessions.add(s);
  }

  closeSession(s: AgentSession): void {
    this.sessions.delete(s);
    for (const pool of this.rt.pools.values()) {
      if (pool.cfg.share === 'per-session') void pool.release(`s:${s.id}`);
    }
  }

  addListener(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  // ---- upstream → agents ---------------------------------------------------------------------------

  /** Which agents a connection serves: everyone (shared), one principal, or one session. */
  private servedBy(upstream: string, key: string): (principal: Principal, session: string | undefined) => boolean {
    const pool = this.rt.pools.get(upstream);
    if (!pool) return () => false;
    return (principal, session) => pool.keyFor(principal, session) === key;
  }

  private onListChanged(upstream: string, key: string, kinds: CatalogKind[]): void {
    const served = this.servedBy(upstream, key);
    const methods = new Set(kinds.map((k) => LIST_CHANGED[k]));
    for (const method of methods) this.broadcast(method, served);
    const ctx = this.ctx('http', 'legacy', { subject: `upstream:${upstream}`, roles: [], scopes: [], authenticatedBy: 'anonymous' }, undefined, [...methods].join(','));
    this.rt.runner.note(ctx, 'notification', 'outbound', 'delivered', { detail: `list changed on ${upstream}: ${kinds.join(', ')}` });
  }

  private broadcast(method: string, served: (p: Principal, s: string | undefined) => boolean): void {
    const n: JsonRpcNotification = { jsonrpc: '2.0', method };
    for (const s of this.sessions) if (served(s.principal, s.id)) s.push(n);
    const flag = method.startsWith('notifications/tools') ? 'toolsListChanged' : method.startsWith('notifications/prompts') ? 'promptsListChanged' : 'resourcesListChanged';
    for (const l of this.listeners) if (l.filter[flag] && served(l.principal, undefined)) l.push(n);
  }

  private onUpstreamNotification(upstream: string, key: string, n: JsonRpcNotification): void {
    const served = this.servedBy(upstream, key);
    const ctx = this.ctx('http', 'legacy', { subject: `upstream:${upstream}`, roles: [], scopes: [], authenticatedBy: 'anonymous' }, undefined, n.method);
    if (n.method === 'notifications/resources/updated' && typeof n.params?.uri === 'string') {
      const exposed = this.rt.router.exposeUri(upstream, n.params.uri);
      const out: JsonRpcNotification = { ...n, params: { ...n.params, uri: exposed } };
      for (const s of this.sessions) if (s.subscriptions.has(exposed) && served(s.principal, s.id)) s.push(out);
      for (const l of this.listeners) if (l.filter.resourceSubscriptions.has(exposed) && served(l.principal, undefined)) l.push(out);
    } else if (n.method === 'notifications/message') {
      for (const s of this.sessions) if (served(s.principal, s.id)) s.push(n);
    }
    this.rt.runner.noteNotification(ctx, n, 'outbound');
  }

  private adminEvent(method: string, detail: string): import('./pipeline/types.js').AuditEvent {
    return {
      time: new Date().toISOString(),
      id: `${this.idPrefix}-${++this.seq}`,
      traceId: newTraceId(),
      direction: 'inbound',
      kind: 'admin',
      transport: 'admin',
      principal: { subject: 'operator', roles: [] },
      method,
      outcome: 'allowed',
      detail,
      stages: [],
      latencyMs: 0,
    };
  }
}

const CACHEABLE = new Set(['server/discover', 'tools/list', 'prompts/list', 'resources/list', 'resources/templates/list', 'resources/read']);

/**
 * What every 2026-07-28 result carries: `resultType`, the server's identity, and cache hints on
 * cacheable results. Lists are filtered per caller, so they are never `public`.
 */
function modernize(method: string, r: JsonRpcResponse): JsonRpcResponse {
  if ('error' in r) return r;
  const result: Params = { ...r.result };
  result.resultType ??= 'complete';
  const meta = typeof result._meta === 'object' && result._meta !== null ? (result._meta as Params) : {};
  result._meta = { ...meta, [META.serverInfo]: GATEWAY_INFO };
  if (CACHEABLE.has(method) && result.resultType === 'complete') {
    result.ttlMs ??= 0;
    result.cacheScope = 'private';
  }
  return { ...r, result };
}
