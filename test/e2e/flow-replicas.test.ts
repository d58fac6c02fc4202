// Two gateway processes sharing one Redis: a session's history written through one replica governs
// the next call through the other. 2026-07-28 calls carry no transport session, so the session is the
// principal (anonymous here) and any replica may serve any call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { LEGACY, startGateway, stdioUpstream, stopAll, type Gateway } from './helpers.js';
import { callModern, isOk } from './flow-helpers.js';

const REDIS_URL = process.env.PORTCULLIS_TEST_REDIS_URL;
const prefix = `pce2e-flow-${randomBytes(6).toString('hex')}:`;

describe.skipIf(!REDIS_URL)('flow rules across replicas sharing Redis', () => {
  let a: Gateway;
  let b: Gateway;

  beforeAll(async () => {
    const config = {
      storage: { path: ':memory:', redis: { url: REDIS_URL, prefix } },
      upstreams: {
        vault: stdioUpstream(LEGACY, ['--stdio', '--name', 'vault', '--tools', '2']),
        mail: stdioUpstream(LEGACY, ['--stdio', '--name', 'mail', '--tools', '2']),
      },
      policy: {
        allow: [
          { upstream: 'vault', tools: ['*'] },
          { upstream: 'mail', tools: ['*'] },
        ],
        labels: [
          { upstream: 'vault', tools: ['tool_0'], labels: ['secret'] },
          { upstream: 'mail', tools: ['tool_1'], labels: ['external-egress'] },
        ],
        flow: [{ name: 'no-egress-after-secret', after: ['secret'], deny: { labels: ['external-egress'] } }],
      },
    };
    [a, b] = await Promise.all([startGateway(config), startGateway(config)]);
  }, 60_000);

  afterAll(async () => {
    await stopAll();
    if (!REDIS_URL) return;
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('a secret read on replica A refuses the egress call on replica B, naming the call on A', async () => {
    expect(isOk(await callModern(b.url, 'mail__tool_1', { to: 'x@example.com' }))).toBe(true);
    expect(isOk(await callModern(a.url, 'vault__tool_0'))).toBe(true);
    const r = await callModern(b.url, 'mail__tool_1', { to: 'x@example.com' });
    expect(r.json?.error?.data).toMatchObject({ reason: 'flow_denied', rule: 'no-egress-after-secret', trigger: { tool: 'vault__tool_0' } });
    const readOnA = a.audit().find((e) => e.target === 'tool_0' && e.outcome === 'allowed');
    expect(r.json?.error?.data?.trigger).toMatchObject({ auditId: readOnA!.id });
    // And through A as well.
    expect((await callModern(a.url, 'mail__tool_1')).json?.error?.data?.reason).toBe('flow_denied');
  });
});
