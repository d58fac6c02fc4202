/**
 * Audit records exported as OpenTelemetry log records (OTLP/HTTP, JSON): one more fan-out of the audit
 * sink, for a SIEM or log store that speaks OTLP. The tamper-evident sink stays the record of truth:
 * a record is exported only once that sink has accepted it (in sync mode: once it is durable), an
 * export that fails never touches a call, and the exporter's bounded queue drops rather than grows.
 */
import { createContextKey, ROOT_CONTEXT, TraceFlags, type Context } from '@opentelemetry/api';
import { SeverityNumber, type AnyValueMap, type Logger as OtelLogger } from '@opentelemetry/api-logs';
import type { LogRecordProcessor, SdkLogRecord } from '@opentelemetry/sdk-logs';
import type { Config } from '../config/schema.js';
import type { AuditEvent, AuditOutcome, AuditSink } from '../pipeline/types.js';
import type { Logger } from './log.js';
import { reportFailures } from './tracing.js';

const SEVERITY: Record<AuditOutcome, [SeverityNumber, string]> = {
  allowed: [SeverityNumber.INFO, 'INFO'],
  delivered: [SeverityNumber.INFO, 'INFO'],
  invalid: [SeverityNumber.WARN, 'WARN'],
  denied: [SeverityNumber.WARN, 'WARN'],
  failed: [SeverityNumber.ERROR, 'ERROR'],
};

/** Carries the record's trace id from emit() to the processor below. */
const AUDIT_TRACE_ID = createContextKey('portcullis.audit.traceId');
const TRACE_ID = /^[0-9a-f]{32}$/;

/**
 * The SDK takes a log record's trace id only from a full span context, and an audit record has the
 * trace id alone. This processor, ahead of the exporting one, stamps the trace id (no span id) so a
 * backend can join the record to its trace.
 */
class StampTraceId implements LogRecordProcessor {
  onEmit(record: SdkLogRecord, context?: Context): void {
    const id = context?.getValue(AUDIT_TRACE_ID);
    if (typeof id === 'string' && TRACE_ID.test(id)) record.spanContext = { traceId: id, spanId: '', traceFlags: TraceFlags.NONE };
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function attributesOf(e: AuditEvent): AnyValueMap {
  const a: AnyValueMap = {
    'portcullis.kind': e.kind,
    'portcullis.direction': e.direction,
    'portcullis.outcome': e.outcome,
    'portcullis.principal': e.principal.subject,
  };
  if (e.method !== undefined) a['mcp.method.name'] = e.method;
  if (e.session !== undefined) a['mcp.session.id'] = e.session;
  if (e.upstream !== undefined) a['portcullis.upstream'] = e.upstream;
  if (e.target !== undefined && e.method === 'tools/call') a['gen_ai.tool.name'] = e.target;
  if (e.rule !== undefined) a['portcullis.rule'] = e.rule;
  if (e.reason !== undefined) a['portcullis.reason'] = e.reason;
  return a;
}

/** Never throws: an export problem must not turn into a refused call. */
function emit(logger: OtelLogger, e: AuditEvent): void {
  const [severityNumber, severityText] = SEVERITY[e.outcome];
  try {
    logger.emit({
    timestamp: Date.parse(e.time),
    severityNumber,
    severityText,
    eventName: 'portcullis.audit',
    // The whole record, already redacted by the runner, as a structured body.
    body: e as unknown as AnyValueMap,
    attributes: attributesOf(e),
    context: ROOT_CONTEXT.setValue(AUDIT_TRACE_ID, e.traceId),
    });
  } catch {
    /* the trail has the record; the export is best effort */
  }
}

/** The audit sink, also exporting each record it accepts as an OpenTelemetry log record. */
export async function withOtelLogs(sink: AuditSink, cfg: NonNullable<Config['telemetry']['logs']>, serviceName: string, version: string, log: Logger): Promise<AuditSink> {
  const [{ LoggerProvider, BatchLogRecordProcessor }, { OTLPLogExporter }, { defaultResource, resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-logs'),
    import('@opentelemetry/exporter-logs-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  const exporter = reportFailures(new OTLPLogExporter({ url: cfg.endpoint, headers: cfg.headers }), log.child({ component: 'otel-logs' }), 'audit log export');
  const provider = new LoggerProvider({
    resource: defaultResource().merge(resourceFromAttributes({ 'service.name': serviceName, 'service.version': version })),
    processors: [new StampTraceId(), new BatchLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger('portcullis.audit', version);
  return {
    append(e) {
      const accepted = sink.append(e);
      if (!accepted) {
        emit(logger, e);
        return;
      }
      // A record the trail refused is not exported: the export never claims more than the trail holds.
      return accepted.then(() => emit(logger, e));
    },
    async close() {
      await sink.close();
      await provider.shutdown().catch(() => undefined);
    },
  };
}
