/**
 * Static credentials written into a client config: environment values, headers, arguments and URLs
 * that hold keys, tokens or passwords in clear. Two signals: the gitleaks-derived secret detector
 * (src/detect/content) on `NAME=value`, and a literal value under a credential-like name. References
 * (`${VAR}`, `${env:VAR}`, `${input:id}`, `$VAR`, `%VAR%`) are how a config should point at secrets,
 * so they never count; neither do obvious placeholders and file paths.
 */
import { findSecrets } from '../../../detect/content/index.js';
import { maskSecret } from '../../mask.js';
import type { ServerEntry } from '../types.js';

export interface CredentialHit {
  /** Where it was found, e.g. `env OPENAI_API_KEY`, `header Authorization`, `argument 3`, `url`. */
  readonly where: string;
  /** The detector's rule (e.g. `github-pat`) or `credential-named value`. */
  readonly kind: string;
  /** Masked; never the value. */
  readonly shown: string;
  /** The literal value, so callers can mask it wherever else it is printed. Never printed itself. */
  readonly value: string;
}

const REFERENCE = /\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*|%[A-Za-z_][A-Za-z0-9_]*%|\{\{[^}]*\}\}/g;
const CREDENTIAL_NAME = /(^|[_.-])(api[_-]?key|apikey|access[_-]?key|secret[_-]?key|private[_-]?key|client[_-]?secret|secret|token|password|passwd|pwd|pat|credentials?|auth[_-]?token|bearer)($|[_.-])|^authorization$/i;
const PLACEHOLDER = /^<[^>]*>$|^your[-_ ]|^(x{4,}|\*{3,}|\.{3,})$|changeme|placeholder|replace[-_ ]?me|^example|^dummy|^test$|^none$|^null$|^true$|^false$/i;
const FILE_PATH = /^(~|\.{1,2}[\\/]|[\\/]|[A-Za-z]:[\\/])/;
const MIN_LITERAL = 8;

/** The value with every reference removed: what is actually written in the file. */
function literalPart(value: string): string {
  return value.replace(REFERENCE, '').trim();
}

function plausibleLiteral(value: string): boolean {
  const lit = literalPart(value).replace(/^(bearer|basic|token)\s+/i, '');
  return lit.length >= MIN_LITERAL && !/\s/.test(lit) && !PLACEHOLDER.test(lit) && !FILE_PATH.test(lit);
}

/** A credential under `name` with `value`, or undefined. `sep` joins them the way the detector expects. */
function check(where: string, name: string, value: string, sep: string): CredentialHit | undefined {
  if (literalPart(value) === '') return undefined;
  const text = `${name}${sep}${value}`;
  const offset = name.length + sep.length;
  for (const f of findSecrets(text)) {
    if (f.start < offset) continue;
    const secret = text.slice(f.start, f.end);
    if (!plausibleLiteral(secret)) continue;
    return { where, kind: f.kind, shown: maskSecret(secret), value: secret };
  }
  if (CREDENTIAL_NAME.test(name) && plausibleLiteral(value)) {
    const lit = literalPart(value).replace(/^(bearer|basic|token)\s+/i, '');
    return { where, kind: 'credential-named value', shown: maskSecret(lit), value: lit };
  }
  return undefined;
}

/** Passwords in `scheme://user:pass@host` and credential-named query parameters. */
function urlHits(where: string, raw: string): CredentialHit[] {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) return [];
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return [];
  }
  const hits: CredentialHit[] = [];
  const password = decodeURIComponent(u.password);
  if (password !== '' && literalPart(password) !== '' && !PLACEHOLDER.test(password)) {
    hits.push({ where, kind: 'password in URL', shown: maskSecret(password), value: u.password });
  }
  for (const [k, v] of u.searchParams) {
    const hit = check(`${where} parameter ${k}`, k, v, '=');
    if (hit) hits.push(hit);
  }
  return hits;
}

function argHits(args: readonly string[]): CredentialHit[] {
  const hits: CredentialHit[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const where = `argument ${i + 1}`;
    const urls = urlHits(where, a);
    if (urls.length > 0) {
      hits.push(...urls);
      continue;
    }
    // --api-key=VALUE, KEY=VALUE (docker -e, env-style), --token VALUE
    const eq = /^(-{0,2}[A-Za-z_][\w.-]*)=(.*)$/s.exec(a);
    if (eq) {
      const hit = check(where, eq[1]!.replace(/^-+/, ''), eq[2]!, '=');
      if (hit) hits.push(hit);
      continue;
    }
    const next = args[i + 1];
    if (/^--?[A-Za-z]/.test(a) && next !== undefined && !next.startsWith('-') && CREDENTIAL_NAME.test(a.replace(/^-+/, ''))) {
      const hit = check(`argument ${i + 2}`, a.replace(/^-+/, ''), next, '=');
      if (hit) {
        hits.push(hit);
        i++;
        continue;
      }
    }
    // A bare token with a recognisable shape (ghp_…, sk-…, AKIA…).
    for (const f of findSecrets(a)) {
      const secret = a.slice(f.start, f.end);
      if (plausibleLiteral(secret)) hits.push({ where, kind: f.kind, shown: maskSecret(secret), value: secret });
    }
  }
  return hits;
}

export function staticCredentials(entry: ServerEntry): CredentialHit[] {
  const hits: CredentialHit[] = [];
  for (const [k, v] of Object.entries(entry.env)) {
    const hit = check(`env ${k}`, k, v, '=');
    if (hit) hits.push(hit);
  }
  for (const [k, v] of Object.entries(entry.headers)) {
    const hit = check(`header ${k}`, k, v, ': ');
    if (hit) hits.push(hit);
  }
  if (entry.url !== undefined) hits.push(...urlHits('url', entry.url));
  hits.push(...argHits(entry.args));
  return hits;
}
