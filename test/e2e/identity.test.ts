// Identity end to end, against a real authorization server: oidc-provider on 127.0.0.1 issues real
// RS256 access tokens (client credentials, RFC 8707 resource indicators). Each attack test would pass
// if the control it names were missing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import { join } from 'node:path';
import Provider from 'oidc-provider';
import { exportJWK, jwtVerify, SignJWT, UnsecuredJWT } from 'jose';
import { ECHO_HEADERS, freePort, post, startGateway, startHttpFixture, stopAll, tempDir, textOf, waitFor, type Gateway } from './helpers.js';

const RESOURCE = 'http://127.0.0.1/mcp';
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
let issuer = '';
let as: Server;
let signingKey: KeyObject;
let gw: Gateway;
let deadJwksGw: Gateway;
let downJwksGw: Gateway;
let closedPort = 0;
let hangingJwks: Server;

async function tokenFor(scope: string, resource = RESOURCE, client = 'agent'): Promise<string> {
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client}:${client}-secret`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', resource, scope }),
  });
  const body = (await res.json()) as { access_token?: string; error?: string };
  if (!body.access_token) throw new Error(`token request failed: ${JSON.stringify(body)}`);
  return body.access_token;
}

/** A token signed with the AS's own key but with chosen claims (what a misbehaving or misconfigured AS could issue). */
function signed(claims: Record<string, unknown>, key: KeyObject = signingKey, kid = 'test-key'): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ scope: 'mcp:read', client_id: 'agent', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'at+jwt' })
    .setIssuer((claims.iss as string | undefined) ?? issuer)
    .setAudience((claims.aud as string | undefined) ?? RESOURCE)
    .setSubject('agent')
    .setIssuedAt(now)
    .setExpirationTime((claims.exp as number | undefined) ?? now + 300)
    .sign(key);
}

const INIT = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'id-test', version: '0' } } };
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

async function session(token: string): Promise<string> {
  const r = await post(gw.url, INIT, bearer(token));
  expect(r.status).toBe(200);
  return r.headers.get('mcp-session-id')!;
}

function call(sid: string, token: string, name: string, args: Record<string, unknown> = {}, id = 7) {
  return post(gw.url, { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } }, { ...bearer(token), 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25' });
}

beforeAll(async () => {
  const port = await freePort();
  issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  signingKey = privateKey;
  const jwk = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
  const provider = new Provider(issuer, {
    jwks: { keys: [jwk] },
    clients: [
      { client_id: 'agent', client_secret: 'agent-secret', grant_types: ['client_credentials'], redirect_uris: [], response_types: [] },
      { client_id: 'other', client_secret: 'other-secret', grant_types: ['client_credentials'], redirect_uris: [], response_types: [] },
      { client_id: 'gateway', client_secret: 'gateway-secret', grant_types: ['client_credentials', TOKEN_EXCHANGE], redirect_uris: [], response_types: [] },
    ],
    features: {
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => ({ scope: 'mcp:read mcp:write', audience: resource, accessTokenTTL: 300, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } }),
      },
    },
    scopes: ['mcp:read', 'mcp:write'],
  });
  // oidc-provider has no built-in RFC 8693 grant; this registers one on the real server: it verifies the
  // subject token it issued itself and returns a token for the requested audience that still names the
  // subject, with the exchanging client as the actor.
  provider.registerGrantType(
    TOKEN_EXCHANGE,
    async (ctx: { oidc: { params: Record<string, string | undefined>; client: { clientId: string } }; body: unknown }) => {
      const { subject_token: subject, audience, scope } = ctx.oidc.params;
      const { payload } = await jwtVerify(subject ?? '', createPublicKey(signingKey), { issuer, audience: RESOURCE });
      const token = await new SignJWT({ scope: scope ?? payload.scope, client_id: ctx.oidc.client.clientId, act: { sub: ctx.oidc.client.clientId } })
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key', typ: 'at+jwt' })
        .setIssuer(issuer).setAudience(audience ?? '').setSubject(String(payload.sub)).setIssuedAt().setExpirationTime('5m')
        .sign(signingKey);
      ctx.body = { access_token: token, issued_token_type: 'urn:ietf:params:oauth:token-type:access_token', token_type: 'Bearer', expires_in: 300 };

    },
    ['subject_token', 'subject_token_type', 'audience', 'scope', 'requested_token_type'],
  );
  as = provider.listen(port, '127.0.0.1');
  await new Promise((r) => as.once('listening', r));

  const echo = await startHttpFixture(ECHO_HEADERS, []);
  gw = await startGateway({
    listen: { host: '127.0.0.1', port: 0 },
    identity: { resource: RESOURCE, oauth: { issuer, jwksUri: `${issuer}/jwks`, clockToleranceSec: 0 }, rolesClaim: 'roles' },
    upstreams: { echo: { http: { url: echo.url, allowLoopbackHttp: true } } },
    policy: {
      allow: [{ upstream: 'echo', tools: ['headers'] }],
      roles: {},
      tiers: { read: 'mcp:read', write: 'mcp:write' },
      toolTiers: [{ upstream: 'echo', tools: ['headers'], tier: 'read' }],
    },
  });

  // A gateway whose JWKS endpoint is down, and one whose JWKS endpoint never answers.
  const deadPort = await freePort();
  closedPort = deadPort;
  hangingJwks = createServer(() => undefined).listen(0, '127.0.0.1');
  await new Promise((r) => hangingJwks.once('listening', r));
  const hangPort = (hangingJwks.address() as { port: number }).port;
  deadJwksGw = await startGateway({
    listen: { host: '127.0.0.1', port: 0 },
    identity: { resource: RESOURCE, oauth: { issuer: `http://127.0.0.1:${hangPort}`, jwksUri: `http://127.0.0.1:${hangPort}/jwks`, jwksTimeoutMs: 500 } },
    upstreams: { echo: { http: { url: echo.url, allowLoopbackHttp: true } } },
    policy: { allow: [{ upstream: 'echo', tools: ['headers'] }] },
  });
  downJwksGw = await startGateway({
    listen: { host: '127.0.0.1', port: 0 },
    identity: { resource: RESOURCE, oauth: { issuer: `http://127.0.0.1:${deadPort}`, jwksUri: `http://127.0.0.1:${deadPort}/jwks`, jwksTimeoutMs: 500 } },
    upstreams: { echo: { http: { url: echo.url, allowLoopbackHttp: true } } },
    policy: { allow: [{ upstream: 'echo', tools: ['headers'] }] },
  });
}, 60_000);

afterAll(async () => {
  await stopAll();
  as?.close();
  hangingJwks?.close();
});

describe('OAuth resource server (RFC 9728, RFC 8707) against oidc-provider', () => {
  it('publishes protected-resource metadata naming the authorization server', async () => {
    const base = gw.url.replace(/\/mcp$/, '');
    for (const path of ['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp']) {
      const r = await fetch(base + path);
      expect(r.status).toBe(200);
      expect(await r.json()).toMatchObject({ resource: RESOURCE, authorization_servers: [issuer] });
    }
  });

  it('no token: 401 with a challenge pointing at the metadata', async () => {
    const r = await post(gw.url, INIT);
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer resource_metadata="http:\/\/127\.0\.0\.1\/\.well-known\/oauth-protected-resource\/mcp"/);
  });

  it('a real token for this resource is accepted and the call reaches the upstream', async () => {
    const t = await tokenFor('mcp:read');
    const sid = await session(t);
    const r = await call(sid, t, 'echo__headers');
    expect(r.json?.result).toBeDefined();
  });

  it('the agent\'s token never reaches the upstream (no token passthrough)', async () => {
    const t = await tokenFor('mcp:read');
    const sid = await session(t);
    const r = await call(sid, t, 'echo__headers');
    const seen = textOf(r.json?.result);
    expect(seen).not.toContain(t);
    expect(seen.toLowerCase()).not.toContain('bearer');
  });

  it('refuses a token minted for another resource (wrong audience)', async () => {
    const t = await tokenFor('mcp:read', 'https://other.example/mcp');
    const r = await post(gw.url, INIT, bearer(t));
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('refuses expired, not-yet-valid and wrong-issuer tokens', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const t of [
      await signed({ exp: now - 10, iat: now - 100 }),
      await new SignJWT({ scope: 'mcp:read' }).setProtectedHeader({ alg: 'RS256', kid: 'test-key' }).setIssuer(issuer).setAudience(RESOURCE).setSubject('agent').setNotBefore(now + 600).setExpirationTime(now + 900).sign(signingKey),
      await signed({ iss: 'https://evil.example' }),
    ]) {
      const r = await post(gw.url, INIT, bearer(t));
      expect(r.status).toBe(401);
    }
  });

  it('refuses a forged signature, alg none, and a key from another JWKS', async () => {
    const good = await tokenFor('mcp:read');
    const [h, p] = good.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...payload, sub: 'admin', scope: 'mcp:read mcp:write' })).toString('base64url')}.${good.split('.')[2]}`;
    const none = new UnsecuredJWT({ scope: 'mcp:read mcp:write' }).setIssuer(issuer).setAudience(RESOURCE).setSubject('agent').setExpirationTime('5m').encode();
    const { privateKey: otherKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const otherJwks = await signed({}, otherKey, 'test-key');
    for (const t of [forged, none, otherJwks]) {
      const r = await post(gw.url, INIT, bearer(t));
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toContain('error="invalid_token"');
    }
  });

  it('malformed Authorization headers and a 100 KB token get a clear 401 (or 431), fast', async () => {
    for (const header of ['Basic abc', 'Bearer', 'Bearer a b', `Bearer ${'a'.repeat(100 * 1024)}`]) {
      const t0 = Date.now();
      const r = await post(gw.url, INIT, { authorization: header });
      expect([400, 401, 431]).toContain(r.status); // 431: over Node's 16 KB header limit
      expect(Date.now() - t0).toBeLessThan(2000);
    }
  });

  it('a session id replayed with another principal\'s token is answered 404', async () => {
    const mine = await tokenFor('mcp:read');
    const sid = await session(mine);
    const theirs = await tokenFor('mcp:read', RESOURCE, 'other');
    const r = await call(sid, theirs, 'echo__headers');
    expect(r.status).toBe(404);
  });

  it('a token with more scope mid-session is refused as an escalation and audited', async () => {
    const narrow = await tokenFor('mcp:read');
    const sid = await session(narrow);
    const wide = await tokenFor('mcp:read mcp:write');
    const r = await call(sid, wide, 'echo__headers');
    expect(r.status).toBe(403);
    expect(r.json?.error?.data?.reason).toBe('scope_escalation');
    // The file sink writes after the answer has left: wait for the line rather than race it.
    await waitFor(() => gw.audit().some((a) => a.reason === 'scope_escalation'), 5_000, 'the scope_escalation record');
  });

  it('insufficient scope for the tool\'s tier: 403 insufficient_scope naming the scope (step-up)', async () => {
    const t = await tokenFor('mcp:write'); // the read tier needs mcp:read
    const sid = await session(t);
    const r = await call(sid, t, 'echo__headers');
    expect(r.status).toBe(403);
    expect(r.headers.get('www-authenticate')).toMatch(/error="insufficient_scope".*scope="mcp:read"/);
  });

  it('a hidden tool called by its guessed name is refused with the stable code and audited with the rule', async () => {
    const t = await tokenFor('mcp:read');
    const sid = await session(t);
    const r = await call(sid, t, 'echo__admin_reset', {}, 99);
    expect(r.json?.error).toMatchObject({ code: -32001, data: { reason: 'denied', rule: 'default-deny' } });
    await waitFor(() => gw.audit().some((a) => a.requestId === 99 && a.outcome === 'denied' && a.rule === 'default-deny'), 5_000, 'the denial record');
  });

  it('JWKS endpoint down or slow: verification fails closed with 503, no hang', async () => {
    const t = await signed({ iss: `http://127.0.0.1:${(hangingJwks.address() as { port: number }).port}` });
    const t0 = Date.now();
    const r = await post(deadJwksGw.url, INIT, bearer(t));
    expect(r.status).toBe(503);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('JWKS endpoint refusing connections: 503 at once', async () => {
    const t = await signed({ iss: `http://127.0.0.1:${closedPort}` });
    const t0 = Date.now();
    const r = await post(downJwksGw.url, INIT, bearer(t));
    expect(r.status).toBe(503);
    expect(Date.now() - t0).toBeLessThan(3000);
  });
});

describe('upstream credentials, never the agent\'s', () => {
  it('an upstream configured with client credentials gets the gateway\'s own token for its own audience', async () => {
    const echo = await startHttpFixture(ECHO_HEADERS, []);
    const credGw = await startGateway({
      listen: { host: '127.0.0.1', port: 0 },
      // The echo fixture returns the credential it received as its result, which the content checks
      // would redact; this test reads it, so they only record it here (redaction: content-actions).
      content: { secrets: 'log' },
      identity: { resource: RESOURCE, oauth: { issuer, jwksUri: `${issuer}/jwks` } },
      upstreams: {
        echo: { http: { url: echo.url, allowLoopbackHttp: true, auth: { clientCredentials: { tokenUrl: `${issuer}/token`, clientId: 'other', clientSecret: 'other-secret', scope: 'mcp:read' } } } },
      },
      policy: { allow: [{ upstream: 'echo', tools: ['headers'] }] },
    });
    const agentToken = await tokenFor('mcp:read');
    const init = await post(credGw.url, INIT, bearer(agentToken));
    const r = await post(credGw.url, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo__headers', arguments: {} } }, { ...bearer(agentToken), 'mcp-session-id': init.headers.get('mcp-session-id')! });
    const seen = JSON.parse(textOf(r.json?.result)) as Record<string, string>;
    const upstreamToken = (seen.authorization ?? '').replace(/^Bearer /, '');
    expect(upstreamToken).not.toBe('');
    expect(upstreamToken).not.toBe(agentToken);
    const claims = JSON.parse(Buffer.from(upstreamToken.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ client_id: 'other', aud: echo.url });
  });
});

describe('RFC 8693 token exchange', () => {
  it('the upstream gets a token for its own audience that names the agent, exchanged at the AS, never the agent\'s token', async () => {
    const echo = await startHttpFixture(ECHO_HEADERS, []);
    const teGw = await startGateway({
      content: { secrets: 'log' }, // as above: the test reads the token the upstream echoes
      listen: { host: '127.0.0.1', port: 0 },
      identity: { resource: RESOURCE, oauth: { issuer, jwksUri: `${issuer}/jwks` } },
      upstreams: {
        echo: { share: 'per-principal', http: { url: echo.url, allowLoopbackHttp: true, auth: { tokenExchange: { tokenUrl: `${issuer}/token`, clientId: 'gateway', clientSecret: 'gateway-secret', scope: 'mcp:read' } } } },
      },
      policy: { allow: [{ upstream: 'echo', tools: ['headers'] }] },
    });
    const agentToken = await tokenFor('mcp:read');
    const init = await post(teGw.url, INIT, bearer(agentToken));
    const r = await post(teGw.url, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo__headers', arguments: {} } }, { ...bearer(agentToken), 'mcp-session-id': init.headers.get('mcp-session-id')! });
    expect(r.json?.error, JSON.stringify(r.json?.error)).toBeUndefined();
    const seen = JSON.parse(textOf(r.json?.result)) as Record<string, string>;
    const upstreamToken = (seen.authorization ?? '').replace(/^Bearer /, '');
    expect(upstreamToken).not.toBe('');
    expect(upstreamToken).not.toBe(agentToken);
    const claims = JSON.parse(Buffer.from(upstreamToken.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ sub: 'agent', aud: echo.url, act: { sub: 'gateway' } });
  });
});

describe('built-in issuer and API keys', () => {
  let builtinGw: Gateway;
  let dir: string;

  beforeAll(async () => {
    dir = tempDir();
    const echo = await startHttpFixture(ECHO_HEADERS, []);
    builtinGw = await startGateway({
      listen: { host: '127.0.0.1', port: 0 },
      identity: { resource: RESOURCE, builtin: { enabled: true, keyFile: join(dir, 'issuer.key') }, apiKeys: { file: join(dir, 'keys.json') } },
      upstreams: { echo: { http: { url: echo.url, allowLoopbackHttp: true } } },
      policy: {
        roles: {
          dev: [{ upstream: 'echo', tools: ['headers'], when: 'principal.sub != "mallory"' }],
          // A grant whose condition is over the call's arguments.
          reader: [{ upstream: 'echo', tools: ['headers'], when: 'has(args.scope) && args.scope.startsWith("public/")' }],
        },
      },
    });
  }, 60_000);

  async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
    const { spawn } = await import('node:child_process');
    return new Promise((resolve) => {
      const p = spawn(process.execPath, ['dist/cli/main.js', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      p.stdout.on('data', (d: Buffer) => (out += d.toString()));
      p.stderr.on('data', (d: Buffer) => (err += d.toString()));
      p.on('exit', (code) => resolve({ code: code ?? -1, out, err }));
    });
  }

  it('token mint prints a short-lived EdDSA token the gateway accepts; roles drive the policy', async () => {
    const minted = await cli(['token', 'mint', '--config', builtinGw.configPath, '--sub', 'alice', '--roles', 'dev', '--ttl', '5m']);
    expect(minted.code).toBe(0);
    const token = minted.out.trim();
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).toMatchObject({ alg: 'EdDSA' });
    const init = await post(builtinGw.url, INIT, bearer(token));
    expect(init.status).toBe(200);
    const sid = init.headers.get('mcp-session-id')!;
    const r = await post(builtinGw.url, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo__headers', arguments: {} } }, { ...bearer(token), 'mcp-session-id': sid });
    expect(r.json?.result).toBeDefined();
    // A principal whose grant condition fails is denied with that rule.
    const mallory = (await cli(['token', 'mint', '--config', builtinGw.configPath, '--sub', 'mallory', '--roles', 'dev'])).out.trim();
    const init2 = await post(builtinGw.url, INIT, bearer(mallory));
    const r2 = await post(builtinGw.url, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'echo__headers', arguments: {} } }, { ...bearer(mallory), 'mcp-session-id': init2.headers.get('mcp-session-id')! });
    expect(r2.json?.error?.data).toMatchObject({ reason: 'denied', rule: 'policy.roles.dev[0]' });
  });

  it('an argument that breaks the grant\'s condition is refused with that rule; a conforming one passes', async () => {
    const token = (await cli(['token', 'mint', '--config', builtinGw.configPath, '--sub', 'rita', '--roles', 'reader'])).out.trim();
    const init = await post(builtinGw.url, INIT, bearer(token));
    const headers = { ...bearer(token), 'mcp-session-id': init.headers.get('mcp-session-id')! };
    const bad = await post(builtinGw.url, { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'echo__headers', arguments: { scope: 'private/hr' } } }, headers);
    expect(bad.json?.error).toMatchObject({ code: -32001, data: { reason: 'denied', rule: 'policy.roles.reader[0]' } });
    const good = await post(builtinGw.url, { jsonrpc: '2.0', id: 6, method: 'tools/call', params: { name: 'echo__headers', arguments: { scope: 'public/faq' } } }, headers);
    expect(good.json?.result).toBeDefined();
  });

  it('a session belongs to subject and tenant: the same subject of another tenant gets 404 on POST, GET and DELETE', async () => {
    const mint = async (tenant: string) => (await cli(['token', 'mint', '--config', builtinGw.configPath, '--sub', 'alice', '--roles', 'dev', '--tenant', tenant])).out.trim();
    const [a, b] = [await mint('acme'), await mint('globex')];
    const sid = (await post(builtinGw.url, INIT, bearer(a))).headers.get('mcp-session-id')!;
    const other = { ...bearer(b), 'mcp-session-id': sid };
    expect((await post(builtinGw.url, { jsonrpc: '2.0', id: 9, method: 'tools/list' }, other)).status).toBe(404);
    expect((await fetch(builtinGw.url, { headers: { ...other, accept: 'text/event-stream' } })).status).toBe(404);
    expect((await fetch(builtinGw.url, { method: 'DELETE', headers: other })).status).toBe(404);
    // …and the owner still has it.
    expect((await post(builtinGw.url, { jsonrpc: '2.0', id: 10, method: 'tools/list' }, { ...bearer(a), 'mcp-session-id': sid })).status).toBe(200);
  });

  it('the issuer key is never printed, and a TTL over the maximum is refused', async () => {
    const r = await cli(['token', 'mint', '--config', builtinGw.configPath, '--sub', 'alice', '--ttl', '48h']);
    expect(r.code).toBe(2);
    expect(r.out + r.err).not.toContain('PRIVATE KEY');
  });

  it('API keys: created once, only a hash stored, accepted, then refused after revoke', async () => {
    const created = await cli(['keys', 'create', '--config', builtinGw.configPath, '--name', 'ci', '--roles', 'dev']);
    expect(created.code).toBe(0);
    const key = created.out.trim();
    const { readFileSync } = await import('node:fs');
    const stored = readFileSync(join(dir, 'keys.json'), 'utf8');
    expect(stored).not.toContain(key);
    expect((await post(builtinGw.url, INIT, bearer(key))).status).toBe(200);
    const id = (JSON.parse(stored) as { keys: Array<{ id: string }> }).keys[0]!.id;
    expect((await cli(['keys', 'revoke', '--config', builtinGw.configPath, '--id', id])).code).toBe(0);
    const list = await cli(['keys', 'list', '--config', builtinGw.configPath, '--json']);
    expect(list.out).toContain('revokedAt');
    // The running gateway notices the revocation within a second.
    await new Promise((r) => setTimeout(r, 1200));
    expect((await post(builtinGw.url, INIT, bearer(key))).status).toBe(401);
  });

  it('policy check explains a decision as JSON', async () => {
    const r = await cli(['policy', 'check', '--config', builtinGw.configPath, '--sub', 'mallory', '--roles', 'dev', '--tool', 'echo__headers', '--args', '{}']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ decision: 'deny', rule: 'policy.roles.dev[0]', failedConditions: [{ condition: 'principal.sub != "mallory"' }] });
  });
});
