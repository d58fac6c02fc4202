/**
 * Prometheus metrics, derived from the audit events the runner already produces (one per message), so
 * the numbers and the trail can never disagree. Upstream health and audit queue depth are gauges read
 * at scrape time.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuditEvent, AuditSink } from '../pipeline/types.js';

const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface MetricsSources {
  upstreamHealth(): Array<{ upstream: string; up: boolean }>;
  auditStats(): { queued: number; lost: number; healthy: boolean } | undefined;
  sessions(): number;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly messages: Counter<'method' | 'upstream' | 'outcome' | 'direction'>;
  private readonly denials: Counter<'reason' | 'rule'>;
  private readonly latency: Histogram<'method' | 'upstream'>;
  private readonly stageLatency: Histogram<'stage'>;
  private readonly findings: Counter<'check' | 'kind' | 'action'>;

  constructor(sources: MetricsSources) {
    collectDefaultMetrics({ register: this.registry, prefix: 'portcullis_process_' });
    this.messages = new Counter({ name: 'portcullis_messages_total', help: 'Messages by method, upstream, outcome and direction', labelNames: ['method', 'upstream', 'outcome', 'direction'], registers: [this.registry] });
    this.denials = new Counter({ name: 'portcullis_denials_total', help: 'Refused messages by reason and rule', labelNames: ['reason', 'rule'], registers: [this.registry] });
    this.latency = new Histogram({ name: 'portcullis_request_duration_seconds', help: 'Request latency through the gateway, per method and upstream', labelNames: ['method', 'upstream'], buckets: LATENCY_BUCKETS, registers: [this.registry] });
    this.stageLatency = new Histogram({ name: 'portcullis_stage_duration_seconds', help: 'Time spent in each pipeline stage', labelNames: ['stage'], buckets: LATENCY_BUCKETS, registers: [this.registry] });
    this.findings = new Counter({ name: 'portcullis_content_findings_total', help: 'What the content checks found and did, by check (secrets, pii, injection, sanitize, output-schema, limits, arguments…), kind and action', labelNames: ['check', 'kind', 'action'], registers: [this.registry] });
    new Gauge({
      name: 'portcullis_upstream_up',
      help: '1 when the upstream connection is up',
      labelNames: ['upstream'],
      registers: [this.registry],
      collect() {
        for (const u of sources.upstreamHealth()) this.set({ upstream: u.upstream }, u.up ? 1 : 0);
      },
    });
    new Gauge({
      name: 'portcullis_audit_queue_depth',
      help: 'Audit records waiting to be written',
      registers: [this.registry],
      collect() {
        this.set(sources.auditStats()?.queued ?? 0);
      },
    });
    new Gauge({
      name: 'portcullis_audit_lost_records',
      help: 'Audit records that could not be written (async mode); any increase deserves an alert',
      registers: [this.registry],
      collect() {
        this.set(sources.auditStats()?.lost ?? 0);
      },
    });
    new Gauge({ name: 'portcullis_sessions', help: 'Open legacy agent sessions', registers: [this.registry], collect() { this.set(sources.sessions()); } });
  }

  /**
   * Labelled children are looked up once per label set and kept: prom-client hashes the label object on
   * every inc/observe otherwise, and this runs for every message. Every key here is bounded: methods
   * outside the protocol's are counted as "(other)" (an agent chooses the method name, so it must not
   * choose the number of series), upstreams, stages, rules and finding kinds come from the config.
   */
  private readonly children = new Map<string, { inc(v?: number): void } & { observe?(v: number): void }>();

  private child<T extends { inc?(v?: number): void; observe?(v: number): void }>(key: string, make: () => T): T {
    let c = this.children.get(key) as T | undefined;
    if (!c) {
      c = make();
      this.children.set(key, c as never);
    }
    return c;
  }

  observe(e: AuditEvent): void {
    const method = methodLabel(e.method);
    const upstream = e.upstream ?? '';
    const { outcome, direction } = e;
    this.child(`m\0${method}\0${upstream}\0${outcome}\0${direction}`, () => this.messages.labels({ method, upstream, outcome, direction })).inc();
    if (outcome === 'denied' || outcome === 'invalid') {
      const reason = e.reason ?? 'unknown';
      const rule = e.rule ?? '';
      this.child(`d\0${reason}\0${rule}`, () => this.denials.labels({ reason, rule })).inc();
    }
    if (e.kind === 'request') this.child(`l\0${method}\0${upstream}`, () => this.latency.labels({ method, upstream })).observe(e.latencyMs / 1000);
    for (const s of e.stages) this.child(`s\0${s.stage}`, () => this.stageLatency.labels({ stage: s.stage })).observe(s.ms / 1000);
    if (e.findings) {
      for (const f of e.findings) {
        const { check, kind, action } = f;
        this.child(`f\0${check}\0${kind}\0${action}`, () => this.findings.labels({ check, kind, action })).inc(f.count);
      }
    }
  }
}

/** The protocol's methods (both eras) and the gateway's own record names; anything else is "(other)". */
const METHOD_LABELS = new Set([
  'initialize', 'ping', 'server/discover', 'subscriptions/listen', 'logging/setLevel', 'completion/complete',
  'tools/list', 'tools/call', 'prompts/list', 'prompts/get',
  'resources/list', 'resources/templates/list', 'resources/read', 'resources/subscribe', 'resources/unsubscribe',
  'sampling/createMessage', 'elicitation/create', 'roots/list',
  'notifications/initialized', 'notifications/cancelled', 'notifications/progress', 'notifications/message',
  'notifications/roots/list_changed', 'notifications/tools/list_changed', 'notifications/prompts/list_changed',
  'notifications/resources/list_changed', 'notifications/resources/updated',
  'config/reload', '(none)',
]);

function methodLabel(method: string | undefined): string {
  if (method === undefined) return '(none)';
  if (METHOD_LABELS.has(method)) return method;
  // Gateway-side records (pins/…, approvals/…, quarantine/…, audit/…) are named by us, never by an agent.
  return /^(pins|approvals|quarantine|audit|admin)\/[a-z-]{1,40}$/.test(method) ? method : '(other)';
}

/** An audit sink that also feeds the metrics: the runner writes once, both see it. */
export function withMetrics(sink: AuditSink, metrics: Metrics): AuditSink {
  return {
    append(e) {
      metrics.observe(e);
      return sink.append(e);
    },
    close: () => sink.close(),
  };
}
