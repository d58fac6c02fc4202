// An approver webhook that is down: the call still waits for a decision (here: until its deadline), and
// the failed delivery is an audit record of its own.
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LEGACY, freePort, startGateway, stdioUpstream, stopAll, tempDir, waitFor, type Gateway } from './helpers.js';
import { call, session } from './approval-helpers.js';

let gw: Gateway;

beforeAll(async () => {
  const dir = tempDir();
  const closed = await freePort(); // nothing listens here
  gw = await startGateway({
    storage: { path: join(dir, 'state.db') },
    approvals: { webhook: { url: `http://127.0.0.1:${closed}/hook`, secret: 'whsec-down-0123456789abcdef', timeoutMs: 1000 }, pollMs: 100 },
    upstreams: { legacy: stdioUpstream(LEGACY, ['--stdio']) },
    policy: { allow: [{ upstream: 'legacy', tools: ['tool_0'], approval: { timeoutMs: 4000 } }] },
  });
}, 60_000);

afterAll(stopAll);

it('a webhook that is down neither releases nor fails the held call; the failure is audited', async () => {
  const res = await call(gw.url, await session(gw.url), 'legacy__tool_0', { n: 1 });
  // It waited out its deadline (no one could be told), then was denied as timed out.
  expect(res.json?.error?.data).toMatchObject({ reason: 'denied', approval: { status: 'timed_out' } });
  const rule = String(res.json?.error?.data?.rule);
  await waitFor(() => gw.audit().some((r) => r.method === 'approval/webhook' && r.rule === rule), 10_000, 'webhook failure record');
  const failure = gw.audit().find((r) => r.method === 'approval/webhook' && r.rule === rule)!;
  expect(failure).toMatchObject({ kind: 'admin', outcome: 'failed', reason: 'webhook_failed' });
  expect(failure.detail).toContain('approval.requested not delivered after 3 attempts');
});
