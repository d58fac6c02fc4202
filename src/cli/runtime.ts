/**
 * What `serve` and `stdio` share: load the config (refusing to start on any problem), build the
 * gateway, reload on SIGHUP or file change (a bad file keeps the old config serving), and shut down
 * gracefully on SIGTERM/SIGINT.
 */
import { watch } from 'node:fs';
import { formatProblems, loadConfigFile } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { Gateway } from '../gateway.js';
import { createLogger, stderrWritable, type Logger } from '../telemetry/log.js';
import { FileAuditSink, LogAuditSink, MemoryAuditSink, NO_AUDIT, trailOptions } from '../audit/sinks.js';
import type { AuditSink } from '../pipeline/types.js';
import { Authenticator } from '../identity/authenticator.js';
import { openAuditTrail } from '../audit/trail.js';
import { AuditTrailError } from '../audit/store.js';
import { AuditKeyError } from '../audit/keys.js';
import { applyRetention } from '../audit/retention.js';
import { isDurable, type DurableAuditSink } from '../audit/port.js';
import { Metrics, withMetrics } from '../telemetry/metrics.js';
import { startTracing } from '../telemetry/tracing.js';
import { withOtelLogs } from '../telemetry/otel-logs.js';
import { GATEWAY_INFO } from '../upstream/link.js';
import { openPinGuard } from '../pins/open.js';
import { StorageError } from '../storage/sql.js';


export interface Running {
  gateway: Gateway;
  metrics: Metrics;
  /** Let the metrics read the open session count once the downstream exists. */
  setSessionCount(fn: () => number): void;
  auditHealthy(): boolean;
  authenticator: Authenticator | undefined;
  log: Logger;
  config: Config;
  onShutdown(fn: () => Promise<void>): void;
}

async function auditSink(config: Config, log: Logger): Promise<AuditSink> {
  const a = config.audit;
  switch (a.sink) {
    case 'sqlite':
    case 'jsonl':
    case 'postgres': {
      const alog = log.child({ component: 'audit' });
      const options = trailOptions(config, alog);
      if (!options) throw new AuditTrailError(`audit.sink ${a.sink}: no location configured`);
      const sink = await openAuditTrail(options);
      if (a.retention) scheduleRetention(sink, a.retention, alog);
      return sink;
    }
    case 'log':
      return new LogAuditSink(log, stderrWritable);
    case 'file':
      return new FileAuditSink(config.audit.path!, log.child({ component: 'audit' }));
    case 'memory':
      return new MemoryAuditSink();
    case 'none':
      return NO_AUDIT;
  }
}

function scheduleRetention(sink: DurableAuditSink, r: NonNullable<Config['audit']['retention']>, log: Logger): void {
  const policy = { ...(r.maxRecords ? { maxRecords: r.maxRecords } : {}), ...(r.maxAgeDays ? { maxAgeMs: r.maxAgeDays * 86_400_000 } : {}) };
  setInterval(() => {
    applyRetention(sink, policy).then(
      (cut) => {
        if (cut) log.info({ cut: { fromSeq: cut.fromSeq, auditSeq: cut.auditSeq } }, 'audit retention cut');
      },
      (err: unknown) => log.error({ err: (err as Error).message }, 'audit retention failed'),
    );
  }, r.checkEveryMs).unref();
}

export async function boot(file: string, override?: (c: Config) => Config): Promise<Running | number> {
  const loaded = await loadConfigFile(file);
  if (!loaded.ok) {
    process.stderr.write(`portcullis: ${file} is not valid:\n${formatProblems(loaded.problems)}\n`);
    return 1;
  }
  const config = override ? override(loaded.config) : loaded.config;
  const log = createLogger(config.log.level);
  let authenticator: Authenticator | undefined;
  try {
    authenticator = config.identity ? new Authenticator(config.identity) : undefined;
  } catch (err) {
    process.stderr.write(`portcullis: identity: ${(err as Error).message}\n`);
    return 1;
  }
  if (!authenticator) log.warn('no identity configured: every caller is anonymous (fine for local use, not for a shared gateway)');
  let audit: AuditSink;
  try {
    audit = await auditSink(config, log);
  } catch (err) {
    // A corrupt or unreadable trail refuses to start rather than silently beginning a new chain.
    if (err instanceof AuditTrailError || err instanceof AuditKeyError) {
      process.stderr.write(`portcullis: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  let sessionCount = () => 0;
  const durable = isDurable(audit) ? audit : undefined;
  // What the audit sink says of itself, for /readyz and the audit metrics: the trail's queue and health,
  // or whether a plain sink's output still takes records.
  const auditStatus = (): { queued: number; healthy: boolean; lost: number } | undefined => {
    if (audit instanceof FileAuditSink || audit instanceof LogAuditSink) return { queued: 0, healthy: audit.healthy(), lost: audit.lost };
    if (!durable) return undefined;
    const st = durable.stats();
    return { queued: st.queued, healthy: st.healthy, lost: st.lost.overflow + st.lost.write + st.lost.invalid + st.lost.closed };
  };
  const metrics: Metrics = new Metrics({
    upstreamHealth: (): Array<{ upstream: string; up: boolean }> => [...gateway.pools.values()].map((p) => ({ upstream: p.name, up: p.healthy })),
    auditStats: auditStatus,
    sessions: () => sessionCount(),
  });
  // The pin guard is opened before the gateway exists; its callbacks reach the gateway through this.
  const ref: { gateway?: Gateway } = {};
  let pins: Awaited<ReturnType<typeof openPinGuard>>;
  try {
    pins = await openPinGuard(() => ref.gateway?.config ?? config, {
      event: (e) => {
        log[e.method === 'pins/first-use' ? 'debug' : 'warn']({ upstream: e.upstream, by: e.by }, `${e.method}: ${e.detail}`);
        ref.gateway?.auditAdmin(e.method, `${e.upstream}: ${e.detail}`, e.by);
      },
      decision: () => ref.gateway?.relist(),
      error: (err) => log.error({ error: err instanceof Error ? err.message : String(err) }, 'could not read tool pins; the last known decisions stay in force'),
    });
  } catch (err) {
    if (err instanceof StorageError) {
      process.stderr.write(`portcullis: storage: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  // OpenTelemetry (process settings, applied at start): spans when tracing is on; each audit record also
  // exported as a log record when a logs endpoint is set.
  const tracing = await startTracing(config.telemetry.tracing, log, GATEWAY_INFO.version);
  const logs = config.telemetry.logs;
  const exported = logs ? await withOtelLogs(audit, logs, config.telemetry.tracing.serviceName, GATEWAY_INFO.version, log) : audit;
  const gateway: Gateway = new Gateway(config, { log, audit: withMetrics(exported, metrics), durableAudit: durable, pins: pins?.guard, tracing });
  ref.gateway = gateway;
  await gateway.start();

  let reloading: Promise<void> = Promise.resolve();
  const reload = (why: string) => {
    reloading = reloading.then(async () => {
      const next = await loadConfigFile(file);
      if (!next.ok) {
        log.error({ problems: next.problems }, `config reload refused (${why}); the previous config keeps serving`);
        return;
      }
      await gateway.reload(override ? override(next.config) : next.config);
      log.info({ why }, 'config reloaded');
    });
  };
  process.on('SIGHUP', () => reload('SIGHUP'));
  let debounce: NodeJS.Timeout | undefined;
  try {
    watch(file, () => {
      clearTimeout(debounce);
      debounce = setTimeout(() => reload('file changed'), 200);
    }).unref();
  } catch {
    log.warn({ file }, 'cannot watch the config file; reload with SIGHUP');
  }

  const hooks: Array<() => Promise<void>> = [];
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const hard = setTimeout(() => process.exit(1), 45_000);
    hard.unref();
    void (async () => {
      for (const fn of hooks) await fn().catch(() => undefined);
      await gateway.close();
      await pins?.close().catch(() => undefined);
      log.flush();
      process.exit(0);
    })();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return {
    gateway,
    authenticator,
    log,
    config,
    metrics,
    setSessionCount: (fn) => (sessionCount = fn),
    auditHealthy: () => auditStatus()?.healthy ?? true,
    onShutdown: (fn) => hooks.push(fn),
  };
}
