import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GITLEAKS_SHA256, SECRET_RULES } from '../../src/detect/content/secret-rules.generated.js';
import { compileUserPattern, findSecrets, redactSecrets, scanSecrets, shannonEntropy } from '../../src/detect/content/secrets.js';

const DATA = process.env['PORTCULLIS_DATA'] ?? path.resolve(import.meta.dirname, '..', '..', '..', 'shared', 'data');
const GITLEAKS = path.join(DATA, 'gitleaks', 'gitleaks.toml');

// Tokens of the documented shapes, made up for the test (random characters, no real credentials).
const TOKENS: Array<[kind: string, token: string, context: (t: string) => string]> = [
  ['github-pat', 'ghp_a8Fj3kLm9Qw2Er5Ty7Ui0Op1As2Df3Gh4Jk5', (t) => `export GITHUB_TOKEN=${t}\n`],
  ['aws-access-token', 'AKIAZ7Q3V4N2XK5YW6RT', (t) => `aws_access_key_id = ${t}`],
  ['slack-bot-token', 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx', (t) => `{"token":"${t}"}`],
  ['stripe-access-token', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc', (t) => `Stripe secret: ${t}\n`],
  ['gitlab-pat', 'glpat-x9Kd2mQ7vR4tY8wZ1bN3', (t) => `token ${t}`],
  ['jwt', 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c', (t) => `Authorization: Bearer ${t}\n`],
  ['generic-api-key', 'a8Fj3kLm9Qw2Er5Ty7Ui', (t) => `const api_key = "${t}";`],
  ['npm-access-token', 'npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8', (t) => `//registry.npmjs.org/:_authToken=${t}\n`],
];

describe('secret detection', () => {
  it.each(TOKENS)('finds a %s with exact offsets', (kind, token, context) => {
    const text = context(token);
    const found = findSecrets(text);
    expect(found).toHaveLength(1);
    expect(found[0]!.kind).toBe(kind);
    expect(text.slice(found[0]!.start, found[0]!.end)).toBe(token);
  });

  it('finds a PEM private key across lines', () => {
    const body = 'MIIEowIBAAKCAQEA1c7+9z5Pad7OejecsQ0bu3aumHOFDj2s3iJ4Ugd4yyTJbHpL\n'.repeat(4);
    const pem = `-----BEGIN RSA PRIVATE KEY-----\n${body}-----END RSA PRIVATE KEY-----`;
    const found = findSecrets(`key:\n${pem}\n`);
    expect(found.map((f) => f.kind)).toEqual(['private-key']);
  });

  it('redacts as [REDACTED:<kind>] and keeps offsets into the input', () => {
    const text = 'first ghp_a8Fj3kLm9Qw2Er5Ty7Ui0Op1As2Df3Gh4Jk5 then AKIAZ7Q3V4N2XK5YW6RT end';
    const r = redactSecrets(text);
    expect(r.text).toBe('first [REDACTED:github-pat] then [REDACTED:aws-access-token] end');
    expect(r.findings.map((f) => text.slice(f.start, f.end))).toEqual(['ghp_a8Fj3kLm9Qw2Er5Ty7Ui0Op1As2Df3Gh4Jk5', 'AKIAZ7Q3V4N2XK5YW6RT']);
  });

  it('leaves ordinary prose and code alone', () => {
    const texts = [
      'They said the key, configuration and access rules are fine; the token budget is 4096.',
      'const visitorKeys = visitor_keys_1.visitorKeys; const api = require("api"); api.key = options.key;',
      'password: ${DB_PASSWORD}\napi_key: {{ secrets.API_KEY }}\ntoken = "changeme"',
      'The AWS docs use AKIAIOSFODNN7EXAMPLE as the example access key.',
      'Release GPG key: 3ABC01543F22DD2239285CDD818674489FBC127E',
      'https://example.com/tasks/some-long-path/with/segments?sort=asc',
    ];
    for (const t of texts) expect(findSecrets(t)).toEqual([]);
  });

  it('applies the entropy threshold', () => {
    expect(shannonEntropy('aaaaaaaa')).toBe(0);
    expect(shannonEntropy('abcd')).toBe(2);
    expect(findSecrets('api_key = "aaaaaaaaaaaaaaaa1"')).toEqual([]);
  });

  it('bounds its work on hostile input and still covers every secret (some unverified)', () => {
    const lines = Array.from({ length: 600 }, (_, i) => `api_key_${i} = "a${i}B7x9Qz3LmN2pR8sT4vW6yZ1"`);
    const text = lines.join('\n');
    const r = scanSecrets(text);
    expect(r.truncated).toBe(true);
    let at = 0;
    for (let k = 0; k < lines.length; k++) {
      const s = text.indexOf('"a', at) + 1;
      at = s;
      expect(r.findings.some((f) => f.start <= s && s < f.end), lines[k]).toBe(true);
    }
  });
});

describe('user patterns from the config', () => {
  it('accepts RE2 patterns and matches in linear time, even the classic catastrophic one', () => {
    const r = compileUserPattern('^(a+)+$');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    // a backtracking engine takes exponential time here; RE2 is linear
    expect(r.pattern.find(`${'a'.repeat(30000)}b`)).toEqual([]);
    const emp = compileUserPattern('(?i)EMP-\\d{6}');
    expect(emp.ok && emp.pattern.find('ids emp-123456 and EMP-654321')).toEqual([
      { start: 4, end: 14 },
      { start: 19, end: 29 },
    ]);
  });

  it('refuses what RE2 cannot run in linear time: backreferences, lookaround', () => {
    for (const src of ['(a+)\\1', '(?=password)\\w+', '(?<!x)y', 'a++']) {
      const r = compileUserPattern(src);
      expect(r.ok, src).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(/linear-time|RE2/);
    }
  });

  it('refuses empty and oversized patterns', () => {
    expect(compileUserPattern('').ok).toBe(false);
    expect(compileUserPattern('a'.repeat(3000)).ok).toBe(false);
    expect(compileUserPattern('((a{100}){100}){100}').ok).toBe(false);
  });
});

describe('the generated gitleaks rules', () => {
  it('compile and name their kinds', () => {
    expect(SECRET_RULES.length).toBeGreaterThan(200);
    expect(new Set(SECRET_RULES.map((r) => r.id)).size).toBe(SECRET_RULES.length);
  });

  it.skipIf(!existsSync(GITLEAKS))('are in sync with ../shared/data/gitleaks/gitleaks.toml (re-run eval/content/gen-secret-rules.mjs)', () => {
    expect(createHash('sha256').update(readFileSync(GITLEAKS)).digest('hex')).toBe(GITLEAKS_SHA256);
  });
  if (!existsSync(GITLEAKS)) it.skip(`gitleaks data absent at ${GITLEAKS}: set PORTCULLIS_DATA to check the rules are current`, () => {});
});
