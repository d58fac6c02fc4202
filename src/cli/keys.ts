/** `portcullis keys create|list|revoke --config FILE …`: API keys for service clients (only hashes stored). */
import { loadConfigFile, formatProblems } from '../config/load.js';
import { ApiKeyStore } from '../identity/apikeys.js';
import { parseTtl } from '../identity/builtin.js';
import { parse } from './args.js';

const USAGE = `usage:
  portcullis keys create --config FILE --name NAME [--roles a,b] [--scopes "s1 s2"] [--ttl 90d] [--tenant T] [--allow-ip IP,IP]
  portcullis keys list   --config FILE [--json]
  portcullis keys revoke --config FILE --id ID
`;

export async function runKeys(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values } = parse(rest, {
    config: { type: 'string', short: 'c' }, name: { type: 'string' }, roles: { type: 'string', default: '' }, scopes: { type: 'string', default: '' },
    ttl: { type: 'string' }, tenant: { type: 'string' }, 'allow-ip': { type: 'string' }, id: { type: 'string' }, json: { type: 'boolean', default: false },
  });
  if (!sub || !['create', 'list', 'revoke'].includes(sub) || !values.config) {
    process.stderr.write(USAGE);
    return 2;
  }
  const loaded = await loadConfigFile(values.config);
  if (!loaded.ok) {
    process.stderr.write(formatProblems(loaded.problems) + '\n');
    return 1;
  }
  const file = loaded.config.identity?.apiKeys?.file;
  if (!file) {
    process.stderr.write('portcullis keys: configure identity.apiKeys.file first\n');
    return 1;
  }
  const store = new ApiKeyStore(file);
  if (sub === 'create') {
    if (!values.name) {
      process.stderr.write(USAGE);
      return 2;
    }
    const ttl = values.ttl === undefined ? undefined : parseTtl(values.ttl);
    if (values.ttl !== undefined && ttl === undefined) {
      process.stderr.write('portcullis keys create: --ttl like 90d, 12h, 30m\n');
      return 2;
    }
    const { key, record } = store.create({
      name: values.name,
      roles: values.roles.split(',').map((r) => r.trim()).filter(Boolean),
      scopes: values.scopes.split(/\s+/).filter(Boolean),
      ...(values.tenant !== undefined ? { tenant: values.tenant } : {}),
      ...(ttl !== undefined ? { ttlSec: ttl } : {}),
      ...(values['allow-ip'] !== undefined ? { allowIps: values['allow-ip'].split(',').map((s) => s.trim()).filter(Boolean) } : {}),
    });
    process.stderr.write(`created key ${record.id} (${record.name}); it is shown once, store it now:\n`);
    process.stdout.write(key + '\n');
    return 0;
  }
  if (sub === 'list') {
    const keys = store.list().map(({ sha256: _hash, ...rest }) => rest);
    if (values.json) process.stdout.write(JSON.stringify(keys, null, 2) + '\n');
    else for (const k of keys) process.stdout.write(`${k.id}  ${k.name.padEnd(20)} roles=${k.roles.join(',') || '-'} expires=${k.expiresAt ?? 'never'}${k.revokedAt ? ` REVOKED ${k.revokedAt}` : ''}\n`);
    return 0;
  }
  if (!values.id) {
    process.stderr.write(USAGE);
    return 2;
  }
  if (!store.revoke(values.id)) {
    process.stderr.write(`portcullis keys revoke: no active key "${values.id}"\n`);
    return 1;
  }
  process.stdout.write(`revoked ${values.id}\n`);
  return 0;
}
