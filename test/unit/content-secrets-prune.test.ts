// The speed pre-checks in secrets.ts (generic-api-key and curl windows skipped when the regex cannot
// match) must not lose findings: the shapes each check reasons about, on both sides of it.
import { describe, expect, it } from 'vitest';
import { findSecrets } from '../../src/detect/content/secrets.js';

const kinds = (t: string) => findSecrets(t).map((f) => f.kind);

describe('secret pre-checks keep every finding', () => {
  it('generic assignments: quoted, bare at a line end, after ==, with + or /, escaped line breaks', () => {
    expect(kinds('const api_key = "f3b9c27d1e8a4605b7c2d9e1a3f58c60";')).toContain('generic-api-key');
    expect(kinds('secret_token=9fQ2xL7pR4vK8mZ3tB6n\n')).toContain('generic-api-key');
    expect(kinds('auth_secret: ==9fQ2xL7pR4vK8mZ3tB6n ')).toContain('generic-api-key');
    expect(kinds('access_token = "aB3+dE5/gH7jK9mN1pQ3rS5t"')).toContain('generic-api-key');
    expect(kinds('"password": "Xk9mQ2pL7vR4tB8n\\n"')).toContain('generic-api-key');
  });

  it('values the regex cannot take are not findings (and are no longer matched at all)', () => {
    expect(kinds('const key = getKey1234567(options);')).toEqual([]);
    expect(kinds('token = aaaaaaaaaaaaaaaaaaaa1')).toEqual([]); // entropy below the rule's threshold
  });

  it('curl: a header or user flag after the command is found, a bare curl is not matched', () => {
    expect(kinds('curl -H "Authorization: Bearer 9fQ2xL7pR4vK8mZ3tB6nW1yC" https://api.example.com')).toContain('curl-auth-header');
    expect(kinds('curl --user admin:S3cr3tPassw0rd https://api.example.com')).toContain('curl-auth-user');
    expect(kinds('install with curl https://example.com/install.sh | sh')).toEqual([]);
  });
});
