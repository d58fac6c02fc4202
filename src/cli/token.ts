/** `portcullis token mint --config FILE --sub NAME --roles a,b [--scope "…"] [--ttl 15m] [--tenant T]` */
import { loadConfigFile, formatProblems } from '../config/load.js';
import { loadOrCreateKey, mintToken, parseTtl } from '../identity/builtin.js';
import { parse } from './args.js';

export async function runToken(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'mint') {
    process.stderr.write('usage: portcullis token mint --config FILE --sub NAME --roles a,b [--scope "…"] [--ttl 15m] [--tenant T] [--session ID]\n');
    return 2;
  }
  const { values } = parse(rest, {
    config: { type: 'string', short: 'c' }, sub: { type: 'string' }, roles: { type: 'string', default: '' }, scope: { type: 'string', default: '' },
    ttl: { type: 'string', default: '15m' }, tenant: { type: 'string' }, session: { type: 'string' }, details: { type: 'string' },
  });
  if (!values.config || !values.sub) {
    process.stderr.write('portcullis token mint: --config and --sub are required\n');
    return 2;
  }
  const loaded = await loadConfigFile(values.config);
  if (!loaded.ok) {
    process.stderr.write(formatProblems(loaded.problems) + '\n');
    return 1;
  }
  const id = loaded.config.identity;
  if (!id?.builtin.enabled) {
    process.stderr.write('portcullis token mint: enable identity.builtin in the config first\n');
    return 1;
  }
  const ttl = parseTtl(values.ttl);
  if (ttl === undefined || ttl < 1 || ttl > id.builtin.maxTtlSec) {
    process.stderr.write(`portcullis token mint: --ttl must be between 1s and ${id.builtin.maxTtlSec}s (e.g. 15m)\n`);
    return 2;
  }
  let details: unknown;
  if (values.details !== undefined) {
    try {
      details = JSON.parse(values.details);
    } catch {
      process.stderr.write('portcullis token mint: --details must be JSON (authorization_details)\n');
      return 2;
    }
  }
  const keys = loadOrCreateKey({ keyFile: id.builtin.keyFile, ...(id.builtin.key !== undefined ? { key: id.builtin.key } : {}) });
  const token = await mintToken(keys, id.builtin.issuer, id.resource, {
    subject: values.sub,
    roles: values.roles.split(',').map((r) => r.trim()).filter(Boolean),
    scope: values.scope.trim(),
    ttlSec: ttl,
    ...(values.tenant !== undefined ? { tenant: values.tenant } : {}),
    ...(values.session !== undefined ? { sessionClaim: values.session } : {}),
    ...(details !== undefined ? { authorizationDetails: details } : {}),
  });
  process.stdout.write(token + '\n');
  return 0;
}
