import { HttpDownstream } from '../downstream/http.js';
import { parse } from './args.js';
import { boot } from './runtime.js';
import { AdminServer } from '../admin/server.js';
import { ApprovalsApi } from '../approvals/admin-api.js';

/** `portcullis serve --config FILE [--port N] [--host H]` */
export async function runServe(args: string[]): Promise<number> {
  const { values } = parse(args, { config: { type: 'string', short: 'c' }, port: { type: 'string', short: 'p' }, host: { type: 'string' } });
  if (!values.config) {
    process.stderr.write('usage: portcullis serve --config FILE [--port N] [--host H]\n');
    return 2;
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
    process.stderr.write(`portcullis: --port must be 0-65535, got "${values.port}"\n`);
    return 2;
  }
  const running = await boot(values.config, (c) => ({ ...c, listen: { ...c.listen, port: port ?? c.listen.port, host: values.host ?? c.listen.host } }));
  if (typeof running === 'number') return running;
  const { gateway, config, log } = running;
  const timeouts = Object.values(config.upstreams).map((u) => u.timeoutMs);
  const http = new HttpDownstream({
    listen: config.listen,
    handler: gateway,
    askTimeoutMs: Math.max(60_000, ...timeouts),
    ...(running.authenticator ? { authenticator: running.authenticator } : {}),
  });
  let address;
  try {
    address = await http.listen();
  } catch (err) {
    process.stderr.write(`portcullis: cannot listen on ${config.listen.host}:${config.listen.port}: ${(err as Error).message}\n`);
    await gateway.close();
    return 1;
  }
  running.onShutdown(() => http.close(10_000));
  running.setSessionCount(() => http.sessionCount);
  if (config.admin.enabled) {
    const admin = new AdminServer({
      host: config.admin.host,
      port: config.admin.port,
      metrics: running.metrics,
      ready: () => (running.auditHealthy() ? { ready: true } : { ready: false, reason: 'the audit trail is not accepting records' }),
      approvals: new ApprovalsApi(gateway.approvals, running.authenticator),
    });
    try {
      const a = await admin.listen();
      log.info({ url: `http://${a.address}:${a.port}/metrics` }, 'admin listener ready');
      running.onShutdown(() => admin.close());
    } catch (err) {
      // /mcp keeps serving; the operator sees why metrics are missing.
      log.error({ host: config.admin.host, port: config.admin.port, error: (err as Error).message }, 'admin listener could not start');
    }
  }
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  process.stdout.write(`listening on http://${host}:${address.port}${config.listen.path}\n`);
  log.info({ host, port: address.port, upstreams: Object.keys(config.upstreams) }, 'gateway ready');
  return -1; // keep running until a signal
}
