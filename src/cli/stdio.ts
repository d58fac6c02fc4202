import { StdioDownstream } from '../downstream/stdio.js';
import { parse } from './args.js';
import { boot } from './runtime.js';

/** `portcullis stdio --config FILE`: the gateway for one desktop agent over stdin/stdout. */
export async function runStdio(args: string[]): Promise<number> {
  const { values } = parse(args, { config: { type: 'string', short: 'c' } });
  if (!values.config) {
    process.stderr.write('usage: portcullis stdio --config FILE\n');
    return 2;
  }
  const running = await boot(values.config);
  if (typeof running === 'number') return running;
  const { gateway, config } = running;
  const timeouts = Object.values(config.upstreams).map((u) => u.timeoutMs);
  const principal = { subject: process.env.USER ?? 'local', roles: [], scopes: [], authenticatedBy: 'stdio' as const };
  const downstream = new StdioDownstream(gateway, principal, Math.max(60_000, ...timeouts));
  downstream.start();
  await downstream.closed;
  await gateway.close();
  return 0;
}
