/**
 * Prometheus metrics, derived from the audit events the runner already produces (one per message), so
 * the numbers and the trail can never disagree. Upstream health and audit queue depth are gauges read
 * at scrape time.
 */
import { Gauge, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import { FastCounter, FastHistogram } from './cells.js';
import type { AuditEvent, AuditSink } from '../pipeline/types.js';

const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface MetricsSources {
  upstreamHealth(): Array<{ upstream: string; up: boolean }>;
  auditStats(): { queued: number; lost: number; healthy: boolean } | undefined;
  sessions(): number;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly messages = new FastCounter('portcullis_messages_total', 'Messages by method, upstream, outcome and direction', ['method', 'upstream', 'outcome', 'direction']);
  private readonly denials = new FastCounter('portcullis_denials_total', 'Refused messages by reason and rule', ['reason', 'rule']);
  private readonly latency = new FastHistogram('portcullis_request_duration_seconds', 'Request latency through the gateway, per method and upstream', ['method', 'upstream'], LATENCY_BUCKETS);
  private readonly stageLatency = new FastHistogram('portcullis_stage_duration_seconds', 'Time spent in each pipeline stage', ['stage'], LATENCY_BUCKETS);
  private readonly findings = new FastCounter(
    'portcullis_content_findings_total',
    'What the content checks found and did, by check (secrets, pii, injection, sanitize, output-schema, limits, arguments…), kind and action',
    ['check', 'kind', 'action'],
  );

  constructor(sources: MetricsSources) {
    collectDefaultMetrics({ register: this.registry, prefix: 'portcullis_process_' });
    for (const m of [this.messages, this.denials, this.latency, this.stageLatency, this.findings]) this.registry.registerMetric(m as unknown as Metric);
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
      help: 'Audit records that could not be written (a trail in async mode, or a plain file or log sink whose output failed); any increase deserves an alert',
      registers: [this.registry],
      collect() {
        this.set(sources.auditStats()?.lost ?? 0);
      },
    });
    new Gauge({ name: 'portcullis_sessions', help: 'Open legacy agent sessions', registers: [this.registry], collect() { this.set(sources.sessions()); } });
  }

  /**
   * Every label here is bounded, since each label set is a series kept for the life of the process:
   * methods outside the protocol's are counted as "(other)" (an agent chooses the method name, so it
   * must not choose the number of series); upstreams, stages, rules and finding kinds come from the config.
   */
  observe(e: AuditEvent): void {
    const method = methodLabel(e.method);
    const upstream = e.upstream ?? '';
    this.messages.at(method, upstream, e.outcome, e.direction).inc();
    if (e.outcome === 'denied' || e.outcome === 'invalid') this.denials.at(e.reason ?? 'unknown', e.rule ?? '').inc();
    if (e.kind === 'request') this.latency.at(method, upstream).observe(e.latencyMs / 1000);
    for (const s of e.stages) this.stageLatency.at(s.stage).observe(s.ms / 1000);
    if (e.findings) for (const f of e.findings) this.findings.at(f.check, f.kind, f.action).inc(f.count);
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
