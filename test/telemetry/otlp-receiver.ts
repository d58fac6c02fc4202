// A stand-in OpenTelemetry collector for the tests: a plain node:http server on 127.0.0.1 that accepts
// OTLP/HTTP JSON exports on /v1/traces and /v1/logs and keeps every body, flattened for assertions.
import { createServer, type Server } from 'node:http';

type AnyValue = { stringValue?: string; intValue?: number | string; boolValue?: boolean; doubleValue?: number; kvlistValue?: { values: KeyValue[] }; arrayValue?: { values: AnyValue[] } };
type KeyValue = { key: string; value: AnyValue };

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client. */
  kind: number;
  /** OTLP status code: 0 unset, 1 ok, 2 error. */
  status: { code: number; message?: string };
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
}

export interface ReceivedLog {
  traceId: string | undefined;
  severityText: string | undefined;
  eventName: string | undefined;
  attributes: Record<string, unknown>;
  body: unknown;
}

export interface OtlpReceiver {
  /** Base URL, e.g. http://127.0.0.1:PORT (append /v1/traces or /v1/logs). */
  readonly url: string;
  spans(): ReceivedSpan[];
  logs(): ReceivedLog[];
  /** How many export requests arrived (any path). */
  requests(): number;
  close(): Promise<void>;
}

function value(v: AnyValue | undefined): unknown {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue) return v.arrayValue.values.map(value);
  if (v.kvlistValue) return attrs(v.kvlistValue.values);
  return undefined;
}

function attrs(list: KeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list ?? []) out[kv.key] = value(kv.value);
  return out;
}

interface TraceBody {
  resourceSpans?: Array<{ resource?: { attributes?: KeyValue[] }; scopeSpans?: Array<{ spans?: Array<Record<string, unknown>> }> }>;
}
interface LogBody {
  resourceLogs?: Array<{ scopeLogs?: Array<{ logRecords?: Array<Record<string, unknown>> }> }>;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const traces: TraceBody[] = [];
  const logs: LogBody[] = [];
  let count = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      count++;
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
        if (req.url === '/v1/traces') traces.push(body as TraceBody);
        else if (req.url === '/v1/logs') logs.push(body as LogBody);
      } catch {
        res.writeHead(400).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests: () => count,
    spans: () =>
      traces.flatMap((b) =>
        (b.resourceSpans ?? []).flatMap((rs) =>
          (rs.scopeSpans ?? []).flatMap((ss) =>
            (ss.spans ?? []).map((s) => ({
              traceId: s.traceId as string,
              spanId: s.spanId as string,
              parentSpanId: (s.parentSpanId as string | undefined) || undefined,
              name: s.name as string,
              kind: s.kind as number,
              status: (s.status as ReceivedSpan['status'] | undefined) ?? { code: 0 },
              attributes: attrs(s.attributes as KeyValue[]),
              resource: attrs(rs.resource?.attributes),
            })),
          ),
        ),
      ),
    logs: () =>
      logs.flatMap((b) =>
        (b.resourceLogs ?? []).flatMap((rl) =>
          (rl.scopeLogs ?? []).flatMap((sl) =>
            (sl.logRecords ?? []).map((l) => ({
              traceId: (l.traceId as string | undefined) || undefined,
              severityText: l.severityText as string | undefined,
              eventName: l.eventName as string | undefined,
              attributes: attrs(l.attributes as KeyValue[]),
              body: value(l.body as AnyValue),
            })),
          ),
        ),
      ),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
