/** `portcullis policy check --config FILE --sub NAME --roles a,b --tool server__tool --args JSON`: explain one decision. */
import { loadConfigFile, formatProblems } from '../config/load.js';
import { compilePolicy } from '../policy/compile.js';
import { decide } from '../policy/decide.js';
import { Router } from '../upstream/route.js';
import type { Principal } from '../pipeline/types.js';
import { parse } from './args.js';

export async function runPolicy(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values } = parse(rest, {
    config: { type: 'string', short: 'c' }, sub: { type: 'string', default: 'anonymous' }, roles: { type: 'string', default: '' },
    scopes: { type: 'string', default: '' }, tenant: { type: 'string' }, tool: { type: 'string' }, args: { type: 'string', default: '{}' },
    annotations: { type: 'string', default: '{}' }, 'authenticated-by': { type: 'string', default: 'anonymous' },
  });
  if (sub !== 'check' || !values.config || !values.tool) {
    process.stderr.write('usage: portcullis policy check --config FILE --sub NAME --roles a,b [--scopes "s1 s2"] --tool server__tool [--args JSON] [--annotations JSON]\n');
    return 2;
  }
  const loaded = await loadConfigFile(values.config);
  if (!loaded.ok) {
    process.stderr.write(formatProblems(loaded.problems) + '\n');
    return 1;
  }
  const c = loaded.config;
  let callArgs: unknown;
  let annotations: unknown;
  try {
    callArgs = JSON.parse(values.args);
    annotations = JSON.parse(values.annotations);
  } catch {
    process.stderr.write('portcullis policy check: --args and --annotations must be JSON\n');
    return 2;
  }
  const target = new Router(c.routing.separator, new Set(Object.keys(c.upstreams)), c.routing.passthrough).resolveName('tool', values.tool);
  if (!target) {
    process.stdout.write(JSON.stringify({ decision: 'deny', rule: 'unknown_target', reason: `"${values.tool}" names no configured upstream` }, null, 2) + '\n');
    return 0;
  }
  const principal: Principal = {
    subject: values.sub,
    roles: values.roles.split(',').map((r) => r.trim()).filter(Boolean),
    scopes: values.scopes.split(/\s+/).filter(Boolean),
    authenticatedBy: values['authenticated-by'] as Principal['authenticatedBy'],
    ...(values.tenant !== undefined ? { tenant: values.tenant } : {}),
  };
  const d = decide(compilePolicy(c.policy), principal, target, callArgs, { annotations });
  const out = { decision: d.allowed ? 'allow' : 'deny', rule: d.rule, reason: d.reason, upstream: target.upstream, tool: target.name, failedConditions: d.failed, ...(d.requiredScope ? { requiredScope: d.requiredScope } : {}), ...(d.limits ? { limits: d.limits } : {}) };
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
  return 0;
}
