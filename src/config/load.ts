/**
 * load → interpolate → validate → freeze. Every problem is reported as `path: message`, all at once.
 */
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { ConfigSchema, crossCheck, type Config } from './schema.js';
import { compilePolicy, PolicyError } from '../policy/compile.js';
import { resolveSecrets } from '../secrets/resolve.js';

export interface ConfigProblem {
  path: string;
  message: string;
}

export type LoadResult = { ok: true; config: Config } | { ok: false; problems: ConfigProblem[] };

const REF = /\$\{([^}]*)\}/g;

/** Replace `${NAME}` and `${NAME:-default}` with the environment. `${secret:...}` is left for the secrets resolver. */
function interpolate(value: unknown, path: string, env: NodeJS.ProcessEnv, problems: ConfigProblem[]): unknown {
  if (typeof value === 'string') {
    return value.replace(REF, (whole, body: string) => {
      if (body.startsWith('secret:')) return whole;
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s.exec(body);
      if (!m) {
        problems.push({ path, message: `invalid reference "${whole}"` });
        return whole;
      }
      const v = env[m[1]!];
      if (v !== undefined && v !== '') return v;
      if (m[2] !== undefined) return m[2];
      problems.push({ path, message: `environment variable ${m[1]} is not set` });
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, `${path}.${i}`, env, problems));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolate(v, path ? `${path}.${k}` : k, env, problems);
    return out;
  }
  return value;
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const child of Object.values(v as object)) deepFreeze(child);
  }
  return v;
}

export function parseConfigText(text: string, env: NodeJS.ProcessEnv = process.env): LoadResult {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => ({
        path: e.linePos ? `line ${e.linePos[0].line}:${e.linePos[0].col}` : '(yaml)',
        message: e.message.split('\n')[0] ?? e.message,
      })),
    };
  }
  const raw: unknown = doc.toJS() ?? {};
  const problems: ConfigProblem[] = [];
  const interpolated = interpolate(raw, '', env, problems);
  const parsed = ConfigSchema.safeParse(interpolated);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      // Bad upstream names get a specific message from crossCheck instead of zod's generic one.
      if (issue.code === 'invalid_key') continue;
      problems.push({ path: issue.path.length ? issue.path.join('.') : '(root)', message: issue.message });
    }
  }
  problems.push(...crossCheck(interpolated));
  if (problems.length === 0 && parsed.success) {
    // Conditions compile here too, so `validate` and a reload refuse an invalid expression by its path.
    try {
      compilePolicy(parsed.data.policy);
    } catch (err) {
      if (err instanceof PolicyError) problems.push(...err.problems);
      else throw err;
    }
  }
  if (problems.length > 0 || !parsed.success) return { ok: false, problems };
  return { ok: true, config: deepFreeze(parsed.data) };
}

export async function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env, opts: { resolveSecrets?: boolean } = {}): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return { ok: false, problems: [{ path: file, message: `cannot read config: ${(err as NodeJS.ErrnoException).code ?? String(err)}` }] };
  }
  const parsed = parseConfigText(text, env);
  if (!parsed.ok || opts.resolveSecrets === false) return parsed;
  // Secrets are resolved last, on the validated config, so their values never meet a schema error message.
  // The Vault settings may themselves hold env/file references (its token): resolve them first.
  const secretsSection = await resolveSecrets(structuredClone(parsed.config.secrets ?? {}), env, undefined, 'secrets');
  const vault = (secretsSection.value as Config['secrets'])?.vault;
  const { value, problems } = await resolveSecrets({ ...structuredClone(parsed.config), secrets: secretsSection.value }, env, vault);
  if (secretsSection.problems.length > 0 || problems.length > 0) return { ok: false, problems: [...secretsSection.problems, ...problems] };
  return { ok: true, config: deepFreeze(value as Config) };
}

export function formatProblems(problems: ConfigProblem[]): string {
  return problems.map((p) => `${p.path}: ${p.message}`).join('\n');
}
