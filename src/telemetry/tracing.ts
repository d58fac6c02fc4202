/**
 * OpenTelemetry tracing: one span per message, after the semantic conventions for MCP
 * (https://opentelemetry.io/docs/specs/semconv/gen-ai/mcp/). A request from an agent is a SERVER span
 * with one INTERNAL child per stage and one CLIENT child for the upstream call; a notification, a
 * malformed message or an answer to a server→client request is one span of its own.
 *
 * The trace id of every span is the one the audit record carries (ctx.traceId), so a trace and the
 * trail answer the same question for the same call. When tracing is off nothing here runs: the runner
 * and the dispatcher test one optional field (ctx.trace) and no span object is ever created.
 *
 * Trace context from agents is untrusted input: a traceparent is accepted only in the exact W3C form,
 * its sampled flag neither forces nor suppresses our sampling (the configured ratio decides), and what
 * goes upstream is always a traceparent the gateway formatted itself.
 */
import { performance } from 'node:perf_hooks';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { BasicTracerProvider, IdGenerator } from '@opentelemetry/sdk-trace-base';
import type { Config, UpstreamConfig } from '../config/schema.js';
import type { JsonRpcRequest, JsonRpcResponse, Params } from '../protocol/jsonrpc.js';
import type { AuditEvent, Ctx, StageRecord, Target } from '../pipeline/types.js';
import type { UpstreamReply } from '../upstream/link.js';
import type { Logger } from './log.js';

// ---- W3C trace context -----------------------------------------------------------------------------

/** The parent an agent named: its span id and sampled flag (the trace id becomes ctx.traceId). */
export interface RemoteParent {
  readonly traceId: string;
  readonly spanId: string;
  readonly sampled: boolean;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/**
 * A W3C traceparent, or undefined for anything else: lower-case hex only, no all-zero ids, version ff
 * refused, version 00 exactly 55 characters, later versions may append fields (the spec's forward
 * compatibility). Bounded, so a huge header costs nothing.
 */
export function parseTraceparent(value: unknown): RemoteParent | undefined {
  if (typeof value !== 'string' || value.length < 55 || value.length > 256) return undefined;
  const m = TRACEPARENT.exec(value);
  if (!m) return undefined;
  const [, version, traceId, spanId, flags, rest] = m as unknown as [string, string, string, string, string, string | undefined];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 };
}

export function formatTraceparent(traceId: string, spanId: string, sampled: boolean): string {
  return `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;
}

/**
 * The trace context an agent sent with a message: `params._meta.traceparent` (SEP-414: the context of
 * this one MCP message) before the HTTP `traceparent` header (the context of the HTTP request that
 * carried it). Anything malformed counts as absent.
 */
export function agentTraceContext(params: Params | undefined, header?: string): RemoteParent | undefined {
  const meta = params?._meta;
  const fromMeta = meta !== null && typeof meta === 'object' && !Array.isArray(meta) ? parseTraceparent((meta as Params).traceparent) : undefined;
  return fromMeta ?? (header === undefined ? undefined : parseTraceparent(header));
}

/** The same params with `_meta.traceparent` set (the other `_meta` keys untouched). */
export function withMetaTraceparent(params: Params, traceparent: string): Params {
  const meta = params._meta !== null && typeof params._meta === 'object' && !Array.isArray(params._meta) ? (params._meta as Params) : {};
  return { ...params, _meta: { ...meta, traceparent } };
}

// ---- spans -----------------------------------------------------------------------------------------

/** JSON-RPC codes that mean the caller sent something the server could not serve: not server errors. */
const CALLER_ERRORS = new Set([-32700, -32600, -32601, -32602, -32002]);

const epochMs = (perfMs: number): number => performance.timeOrigin + perfMs;

/** The target in a span name: tool or prompt names only (resource URIs are high-cardinality). */
function spanName(method: string, params: Params | undefined): string {
  if ((method === 'tools/call' || method === 'prompts/get') && typeof params?.name === 'string') return `${method} ${params.name}`;
  return method;
}

function requestAttributes(ctx: Ctx, req: JsonRpcRequest): Attributes {
  const a: Attributes = {
    'mcp.method.name': req.method,
    'jsonrpc.request.id': String(req.id),
    'network.transport': ctx.transport === 'http' ? 'tcp' : 'pipe',
    'portcullis.era': ctx.era,
  };
  if (ctx.transport === 'http') a['network.protocol.name'] = 'http';
  if (ctx.session !== undefined) a['mcp.session.id'] = ctx.session;
  const name = req.params?.name;
  if (req.method === 'tools/call' && typeof name === 'string') {
    a['gen_ai.operation.name'] = 'execute_tool';
    a['gen_ai.tool.name'] = name;
  } else if (req.method === 'prompts/get' && typeof name === 'string') a['gen_ai.prompt.name'] = name;
  else if (typeof req.params?.uri === 'string') a['mcp.resource.uri'] = req.params.uri;
  return a;
}

/** What the audit record says about the outcome, on the span that covered it. */
function finish(span: Span, e: AuditEvent, out?: JsonRpcResponse): void {
  span.setAttribute('portcullis.outcome', e.outcome);
  if (e.upstream !== undefined) span.setAttribute('portcullis.upstream', e.upstream);
  if (e.rule !== undefined) span.setAttribute('portcullis.rule', e.rule);
  if (e.reason !== undefined) span.setAttribute('portcullis.reason', e.reason);
  let failed = e.outcome === 'denied' || e.outcome === 'failed';
  let message = e.reason;
  if (out && 'error' in out) {
    span.setAttribute('rpc.response.status_code', String(out.error.code));
    span.setAttribute('error.type', String(out.error.code));
    failed ||= !CALLER_ERRORS.has(out.error.code);
    message = out.error.message;
  } else if (e.result?.isError) {
    span.setAttribute('error.type', 'tool_error');
    failed = true;
  } else if (e.outcome === 'invalid' && e.reason !== undefined) {
    span.setAttribute('error.type', e.reason);
  }
  if (failed) span.setStatus(message === undefined ? { code: SpanStatusCode.ERROR } : { code: SpanStatusCode.ERROR, message });
  span.end();
}

/** server.address/port of an HTTP upstream, parsed once per URL rather than once per call. */
const servers = new Map<string, { address: string; port: number }>();
function serverOf(href: string): { address: string; port: number } {
  let s = servers.get(href);
  if (!s) {
    const url = new URL(href);
    s = { address: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)) };
    if (servers.size > 1000) servers.clear(); // upstream URLs come from the config: a handful, but never unbounded
    servers.set(href, s);
  }
  return s;
}

/** One stage's span; ended with the stage's verdict. */
export class StageTrace {
  constructor(private readonly span: Span) {}

  end(rec: StageRecord): void {
    this.span.setAttribute('portcullis.verdict', rec.verdict);
    if (rec.reason !== undefined) this.span.setAttribute('portcullis.reason', rec.reason);
    if (rec.verdict === 'deny') this.span.setStatus({ code: SpanStatusCode.ERROR, message: rec.reason ?? 'denied' });
    this.span.end();
  }
}

/** The upstream call's span, and the traceparent that names it to the upstream. */
export class UpstreamTrace {
  readonly traceparent: string;

  constructor(private readonly span: Span) {
    const sc = span.spanContext();
    this.traceparent = formatTraceparent(sc.traceId, sc.spanId, (sc.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED);
  }

  end(reply: UpstreamReply): void {
    if (!reply.ok) {
      this.span.setAttribute('rpc.response.status_code', String(reply.error.code));
      this.span.setAttribute('error.type', String(reply.error.code));
      this.span.setStatus({ code: SpanStatusCode.ERROR, message: reply.error.message });
    } else if (reply.result.isError === true) {
      this.span.setAttribute('error.type', 'tool_error');
      this.span.setStatus({ code: SpanStatusCode.ERROR });
    }
    this.span.end();
  }

  fail(err: unknown): void {
    const reason = err !== null && typeof err === 'object' && 'reason' in err && typeof err.reason === 'string' ? err.reason : 'internal';
    this.span.setAttribute('error.type', reason);
    this.span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : reason });
    this.span.end();
  }
}

/** The span of one request from an agent, and the parent of its stage and upstream spans. */
export class RequestTrace {
  private readonly parent: Context;

  constructor(
    private readonly tracer: Tracer,
    readonly span: Span,
  ) {
    this.parent = trace.setSpan(ROOT_CONTEXT, span);
  }

  /** The context message spans of this request (progress, server→client requests) hang under. */
  get context(): Context {
    return this.parent;
  }

  stage(name: string): StageTrace {
    return new StageTrace(this.tracer.startSpan(`stage ${name}`, { kind: SpanKind.INTERNAL, attributes: { 'portcullis.stage': name } }, this.parent));
  }

  upstream(target: Target, method: string, cfg: UpstreamConfig): UpstreamTrace {
    const a: Attributes = { 'mcp.method.name': method, 'portcullis.upstream': target.upstream };
    if (target.kind === 'tool') {
      a['gen_ai.tool.name'] = target.name;
      if (method === 'tools/call') a['gen_ai.operation.name'] = 'execute_tool';
    } else if (target.kind === 'prompt') a['gen_ai.prompt.name'] = target.name;
    else a['mcp.resource.uri'] = target.name;
    if (cfg.http) {
      const server = serverOf(cfg.http.url);
      a['network.transport'] = 'tcp';
      a['network.protocol.name'] = 'http';
      a['server.address'] = server.address;
      a['server.port'] = server.port;
    } else a['network.transport'] = 'pipe';
    const name = target.kind === 'resource' ? method : `${method} ${target.name}`;
    return new UpstreamTrace(this.tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes: a }, this.parent));
  }

  end(e: AuditEvent, out: JsonRpcResponse): void {
    finish(this.span, e, out);
  }
}

/**
 * Root spans must carry the trace id the audit record already has. The SDK asks its id generator for a
 * trace id only when a span has no parent, synchronously inside startSpan: the id is set just before
 * that call and cleared right after, so it can never leak into another span.
 */
class AuditTraceIds implements IdGenerator {
  next: string | undefined;
  constructor(private readonly random: IdGenerator) {}
  generateTraceId(): string {
    const id = this.next ?? this.random.generateTraceId();
    this.next = undefined;
    return id;
  }
  generateSpanId(): string {
    return this.random.generateSpanId();
  }
}

export class Tracing {
  constructor(
    private readonly provider: BasicTracerProvider,
    private readonly tracer: Tracer,
    private readonly ids: AuditTraceIds,
  ) {}

  /** A request from an agent: its SERVER span, child of the agent's span when it named one. */
  request(ctx: Ctx, req: JsonRpcRequest): RequestTrace {
    const opts = { kind: SpanKind.SERVER, attributes: requestAttributes(ctx, req), startTime: epochMs(ctx.startedAt) };
    return new RequestTrace(this.tracer, this.start(spanName(req.method, req.params), opts, ctx));
  }

  /**
   * Any other message (a notification either way, a malformed message, the agent's answer to a
   * server→client request): one span from arrival to its record. Inbound messages are served (SERVER),
   * messages the gateway sends are initiated (CLIENT), as the MCP conventions have it.
   */
  message(ctx: Ctx, e: AuditEvent): void {
    const a: Attributes = { 'mcp.method.name': ctx.method, 'network.transport': ctx.transport === 'http' ? 'tcp' : 'pipe', 'portcullis.kind': e.kind };
    if (ctx.session !== undefined) a['mcp.session.id'] = ctx.session;
    if (e.requestId !== undefined && e.requestId !== null) a['jsonrpc.request.id'] = String(e.requestId);
    const kind = e.direction === 'inbound' ? SpanKind.SERVER : SpanKind.CLIENT;
    finish(this.start(ctx.method, { kind, attributes: a, startTime: epochMs(ctx.startedAt) }, ctx), e);
  }

  private start(name: string, opts: { kind: SpanKind; attributes: Attributes; startTime: number }, ctx: Ctx): Span {
    let parent = ROOT_CONTEXT;
    if (ctx.trace) parent = ctx.trace.context;
    else if (ctx.remoteParent) {
      parent = trace.setSpanContext(ROOT_CONTEXT, { traceId: ctx.traceId, spanId: ctx.remoteParent.spanId, traceFlags: ctx.remoteParent.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE, isRemote: true });
    }
    this.ids.next = ctx.traceId;
    try {
      return this.tracer.startSpan(name, opts, parent);
    } finally {
      this.ids.next = undefined;
    }
  }

  /** Export what is still queued, then stop. */
  async shutdown(): Promise<void> {
    await this.provider.shutdown().catch(() => undefined);
  }
}

/**
 * Build the tracer from the config, or nothing when tracing is off. The SDK is loaded only here, so a
 * gateway without tracing never loads it.
 */
export async function startTracing(cfg: Config['telemetry']['tracing'], log: Logger, version: string): Promise<Tracing | undefined> {
  if (!cfg.enabled) return undefined;
  const [{ BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler, RandomIdGenerator, TraceIdRatioBasedSampler }, { OTLPTraceExporter }, { defaultResource, resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  const ratio = new TraceIdRatioBasedSampler(cfg.sampleRatio);
  // The agent's sampled flag is advice from an untrusted party: the configured ratio decides for every
  // request; spans inside one request follow their request span.
  const sampler = new ParentBasedSampler({ root: ratio, remoteParentSampled: ratio, remoteParentNotSampled: ratio });
  const ids = new AuditTraceIds(new RandomIdGenerator());
  const exporter = reportFailures(new OTLPTraceExporter({ url: cfg.endpoint, headers: cfg.headers }), log.child({ component: 'tracing' }), 'trace export');
  const provider = new BasicTracerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ 'service.name': cfg.serviceName, 'service.version': version })),
    sampler,
    idGenerator: ids,
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  return new Tracing(provider, provider.getTracer('portcullis', version), ids);
}

/** What the OTLP exporters share: export a batch, report the result. */
interface Exporter<T> {
  export(items: T[], done: (result: { code: number; error?: Error }) => void): void;
  shutdown(): Promise<void>;
  forceFlush(): Promise<void>;
}

/** A collector that is down must be visible in our logs, once a minute at most — never per item. */
export function reportFailures<T>(inner: Exporter<T>, log: Logger, what: string): Exporter<T> {
  let lastWarn = 0;
  return {
    export(items, done) {
      inner.export(items, (result) => {
        if (result.code !== 0 && Date.now() - lastWarn > 60_000) {
          lastWarn = Date.now();
          log.warn({ items: items.length, error: result.error?.message }, `${what} failed; items are dropped while the collector is unreachable`);
        }
        done(result);
      });
    },
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush(),
  };
}
