import { StdioDownstream } from '../downstream/stdio.js';
import { parse } from './args.js';
import { boot } from './runtime.js';
import type { Principal } from '../pipeline/types.js';

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
  // The desktop agent is the local user, with the roles identity.stdio gives it — or, when the launcher
  // sets PORTCULLIS_TOKEN (for example a token from `portcullis token mint`), whoever that token names.
  let principal: Principal = {
    subject: process.env.USER ?? 'local',
    roles: config.identity?.stdio.roles ?? [],
    scopes: config.identity?.stdio.scopes ?? [],
    authenticatedBy: 'stdio',
  };
  const token = process.env.PORTCULLIS_TOKEN;
  if (token !== undefined && token !== '') {
    if (!running.authenticator) {
      process.stderr.write('portcullis: PORTCULLIS_TOKEN is set but the config has no identity section\n');
      return 1;
    }
    const outcome = await running.authenticator.authenticate(`Bearer ${token}`, undefined);
    if (!outcome.ok) {
      process.stderr.write(`portcullis: PORTCULLIS_TOKEN refused: ${outcome.failure.description}\n`);
      return 1;
    }
    principal = outcome.principal;
  }
  const downstream = new StdioDownstream(gateway, principal, Math.max(60_000, ...timeouts));
  downstream.start();
  await downstream.closed;
  await gateway.close();
  return 0;
}
