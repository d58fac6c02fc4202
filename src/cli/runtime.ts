/**
 * What `serve` and `stdio` share: load the config (refusing to start on any problem), build the
 * gateway, reload on SIGHUP or file change (a bad file keeps the old config serving), and shut down
 * gracefully on SIGTERM/SIGINT.
 */
import { watch } from 'node:fs';
import { formatProblems, loadConfigFile } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { Gateway } from '../gateway.js';
import { createLogger, type Logger } from '../telemetry/log.js';
import { FileAuditSink, LogAuditSink, MemoryAuditSink, NO_AUDIT } from '../audit/sinks.js';
import type { AuditSink } from '../pipeline/types.js';
import { Authenticator } from '../identity/authenticator.js';

export interface Running {
  gateway: Gateway;
  authenticator: Authenticator | undefined;
  log: Logger;
  config: Config;
  onShutdown(fn: () => Promise<void>): void;
}

function auditSink(config: Config, log: Logger): AuditSink {
  switch (config.audit.sink) {
    case 'log':
      return new LogAuditSink(log);
    case 'file':
      return new FileAuditSink(config.audit.path!);
    case 'memory':
      return new MemoryAuditSink();
    case 'none':
      return NO_AUDIT;
  }
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
  const gateway = new Gateway(config, { log, audit: auditSink(config, log) });
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
      log.flush();
      process.exit(0);
    })();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return { gateway, authenticator, log, config, onShutdown: (fn) => hooks.push(fn) };
}
