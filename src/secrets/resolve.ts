/**
 * `${secret:env:NAME}`, `${secret:file:PATH}` and `${secret:vault:PATH#FIELD}` references, resolved at
 * start and on every reload. A reference that cannot be resolved is a config problem named by its
 * path — never by its value; resolved values live only in the frozen config the gateway runs on.
 */
import { readFile } from 'node:fs/promises';
import type { Config } from '../config/schema.js';

export interface SecretProblem {
  path: string;
  message: string;
}

const REF = /\$\{secret:(env|file|vault):([^}]{1,512})\}/g;
const MAX_FILE_BYTES = 64 * 1024;

type VaultConfig = NonNullable<NonNullable<Config['secrets']>['vault']>;

async function fromVault(vault: VaultConfig | undefined, ref: string): Promise<string> {
  if (!vault) throw new Error('no secrets.vault is configured');
  const [path, field] = ref.split('#');
  if (!path || !field) throw new Error('vault references look like ${secret:vault:path/to/secret#field}');
  const url = `${vault.address.replace(/\/$/, '')}/v1/${encodeURIComponent(vault.mount)}/data/${path.split('/').map(encodeURIComponent).join('/')}`;
  let res: Response;
  try {
    res = await fetch(url, { headers: { 'x-vault-token': vault.token, ...(vault.namespace ? { 'x-vault-namespace': vault.namespace } : {}) }, signal: AbortSignal.timeout(vault.timeoutMs), redirect: 'error' });
  } catch {
    throw new Error('Vault is unreachable');
  }
  if (!res.ok) throw new Error(`Vault answered HTTP ${res.status}`);
  const body = (await res.json().catch(() => undefined)) as { data?: { data?: Record<string, unknown> } } | undefined;
  const value = body?.data?.data?.[field];
  if (typeof value !== 'string') throw new Error(`Vault secret has no string field "${field}"`);
  return value;
}

async function resolveOne(kind: string, ref: string, env: NodeJS.ProcessEnv, vault: VaultConfig | undefined): Promise<string> {
  switch (kind) {
    case 'env': {
      const v = env[ref];
      if (v === undefined || v === '') throw new Error(`environment variable ${ref} is not set`);
      return v;
    }
    case 'file': {
      let text: string;
      try {
        text = await readFile(ref, 'utf8');
      } catch (err) {
        throw new Error(`cannot read ${ref} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      }
      if (text.length > MAX_FILE_BYTES) throw new Error(`${ref} is larger than ${MAX_FILE_BYTES} bytes`);
      return text.replace(/\r?\n$/, '');
    }
    default:
      return fromVault(vault, ref);
  }
}

/** Resolve every reference in place (on a mutable copy); returns the problems, by path. */
export async function resolveSecrets(value: unknown, env: NodeJS.ProcessEnv, vault: VaultConfig | undefined, path = ''): Promise<{ value: unknown; problems: SecretProblem[] }> {
  const problems: SecretProblem[] = [];
  const walk = async (v: unknown, at: string): Promise<unknown> => {
    if (typeof v === 'string') {
      if (!v.includes('${secret:')) return v;
      let out = '';
      let last = 0;
      for (const m of v.matchAll(REF)) {
        out += v.slice(last, m.index);
        try {
          out += await resolveOne(m[1]!, m[2]!, env, vault);
        } catch (err) {
          problems.push({ path: at, message: `secret ${m[1]}:${m[1] === 'env' ? m[2] : '…'} could not be resolved: ${(err as Error).message}` });
        }
        last = m.index + m[0].length;
      }
      return out + v.slice(last);
    }
    if (Array.isArray(v)) return Promise.all(v.map((x, i) => walk(x, `${at}.${i}`)));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = await walk(x, at ? `${at}.${k}` : k);
      return out;
    }
    return v;
  };
  const resolved = await walk(value, path);
  return { value: resolved, problems };
}
