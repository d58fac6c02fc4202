// One contract for every session-history adapter: atomic bounded reservations (concurrent calls can
// never overshoot a maxCalls bound), first-writer-wins labels, bounded history, expiry.
import { afterAll, describe, expect, it } from 'vitest';
import { MemorySessionStore, type SessionStore } from '../../src/state/sessions.js';
import { SqlSessionStore } from '../../src/state/sql-sessions.js';
import { RedisSessionStore } from '../../src/state/redis-sessions.js';
import { HISTORY_MAX, type Reservation } from '../../src/state/session-state.js';
import { POSTGRES_URL, REDIS_URL, dropPostgresSchema, openSql, openSqlite, sleep, tempSqlite, testRedis, uniqueName } from './helpers.js';

const TTL = 60_000;
const call = (id: string, at = Date.now()) => ({ tool: 'mail__send', at, id });
const reservation = (id: string, counts: Reservation['counts'], distinct: Reservation['distinct'] = []): Reservation => ({ call: call(id), counts, distinct });

function contract(name: string, make: () => Promise<SessionStore>, cleanup: () => Promise<void>) {
  describe(`session store: ${name}`, () => {
    let store: SessionStore;
    const key = () => uniqueName('sess');
    afterAll(async () => {
      await store?.close();
      await cleanup();
    });

    it('opens', async () => {
      store = await make();
      expect((await store.load(key(), true)).history).toEqual([]);
    });

    it('a bounded reservation is refused at the bound and leaves the state unchanged', async () => {
      const k = key();
      expect(await store.reserve(k, reservation('a-1', [{ rule: 'r', max: 2 }]), TTL)).toEqual({ ok: true });
      expect(await store.reserve(k, reservation('a-2', [{ rule: 'r', max: 2 }]), TTL)).toEqual({ ok: true });
      expect(await store.reserve(k, reservation('a-3', [{ rule: 'r', max: 2 }, { rule: 'other' }]), TTL)).toEqual({ ok: false, rule: 'r' });
      const s = await store.load(k);
      expect(s.counts.r).toEqual({ n: 2, last: expect.objectContaining({ id: 'a-2' }) });
      expect(s.counts.other).toBeUndefined();
      // Without a max the count simply grows.
      expect(await store.reserve(k, reservation('a-4', [{ rule: 'r' }]), TTL)).toEqual({ ok: true });
      expect((await store.load(k)).counts.r!.n).toBe(3);
    });

    it('concurrent reservations never overshoot the bound', async () => {
      const k = key();
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => store.reserve(k, reservation(`c-${i}`, [{ rule: 'cap', max: 5 }]), TTL)));
      expect(results.filter((r) => r.ok)).toHaveLength(5);
      expect((await store.load(k)).counts.cap!.n).toBe(5);
    });

    it('distinct targets: known values pass, a new one past the bound is refused', async () => {
      const k = key();
      expect(await store.reserve(k, reservation('d-1', [], [{ rule: 'to', values: ['a', 'b'], max: 2 }]), TTL)).toEqual({ ok: true });
      expect(await store.reserve(k, reservation('d-2', [], [{ rule: 'to', values: ['a'], max: 2 }]), TTL)).toEqual({ ok: true });
      expect(await store.reserve(k, reservation('d-3', [], [{ rule: 'to', values: ['a', 'c'], max: 2 }]), TTL)).toEqual({ ok: false, rule: 'to' });
      const s = await store.load(k);
      expect(s.distinct.to!.values.sort()).toEqual(['a', 'b']);
      expect(s.distinct.to!.last.id).toBe('d-2');
    });

    it('guards: a deny rule refuses in the step that would take its counters, when all its conditions hold', async () => {
      const k = key();
      const take = (id: string, guards: Reservation['guards']) => store.reserve(k, { ...reservation(id, [{ rule: 'n' }]), guards }, TTL);
      // Label conditions: none read yet, so nothing fires (and the count is taken).
      expect(await take('g-1', [{ rule: 'after', after: ['secret', 'pii'] }, { rule: 'all', afterAll: ['secret', 'untrusted'] }])).toEqual({ ok: true });
      await store.record(k, { entry: { ...call('read-1'), labels: ['pii'] }, seen: [] }, TTL);
      expect(await take('g-2', [{ rule: 'all', afterAll: ['pii', 'untrusted'] }])).toEqual({ ok: true });
      expect(await take('g-3', [{ rule: 'after', after: ['secret', 'pii'] }])).toEqual({ ok: false, rule: 'after' });
      await store.record(k, { entry: { ...call('read-2'), labels: ['untrusted'] }, seen: [] }, TTL);
      expect(await take('g-4', [{ rule: 'all', afterAll: ['pii', 'untrusted'] }])).toEqual({ ok: false, rule: 'all' });
      // requiresBefore fires until a call satisfied it; conditions combine (all must hold).
      expect(await take('g-5', [{ rule: 'rb', requiresBefore: true }])).toEqual({ ok: false, rule: 'rb' });
      expect(await take('g-6', [{ rule: 'rb', requiresBefore: true, after: ['secret'] }])).toEqual({ ok: true });
      await store.record(k, { entry: call('a-1'), seen: ['rb'] }, TTL);
      expect(await take('g-7', [{ rule: 'rb', requiresBefore: true }])).toEqual({ ok: true });
      // maxCalls reads the rule's own count: n has been taken 4 times.
      expect(await take('g-8', [{ rule: 'n', maxCalls: 5 }])).toEqual({ ok: true });
      expect(await take('g-9', [{ rule: 'n', maxCalls: 5, after: ['pii'] }])).toEqual({ ok: false, rule: 'n' });
      expect((await store.load(k)).counts.n!.n).toBe(5); // refused steps took nothing
      // The first guard that fires is named.
      expect(await take('g-10', [{ rule: 'quiet', after: ['secret'] }, { rule: 'b', maxCalls: 0 }, { rule: 'c', maxCalls: 0 }])).toEqual({ ok: false, rule: 'b' });
    });

    it('guards: distinct targets fire only on a new value past the bound', async () => {
      const k = key();
      const take = (id: string, values: string[]) => store.reserve(k, { call: call(id), guards: [{ rule: 'to', distinct: { values, max: 2 } }], counts: [], distinct: values.length > 0 ? [{ rule: 'to', values }] : [] }, TTL);
      expect(await take('t-1', ['a', 'b', 'a'])).toEqual({ ok: true });
      expect(await take('t-2', ['b'])).toEqual({ ok: true });
      expect(await take('t-3', [])).toEqual({ ok: true });
      expect(await take('t-4', ['a', 'c'])).toEqual({ ok: false, rule: 'to' });
      expect((await store.load(k)).distinct.to!.values.sort()).toEqual(['a', 'b']);
    });

    it('concurrent steps under a guard never overshoot it', async () => {
      const k = key();
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => store.reserve(k, { ...reservation(`q-${i}`, [{ rule: 'cap' }]), guards: [{ rule: 'cap', maxCalls: 5 }] }, TTL)));
      expect(results.filter((r) => r.ok)).toHaveLength(5);
      expect((await store.load(k)).counts.cap!.n).toBe(5);
    });

    it('admit shows the judge the state just before its own step', async () => {
      const k = key();
      const judge = (s: { counts: Record<string, { n: number }> }) => s.counts.c?.n ?? 0;
      const seen = await Promise.all(Array.from({ length: 6 }, (_, i) => store.admit(k, { ...reservation(`j-${i}`, [{ rule: 'c' }]), guards: [{ rule: 'c', maxCalls: 4 }] }, TTL, judge)));
      // Each step saw the count its own check read: 0..3 for the four that took, 4 for the refused ones.
      expect(seen.filter((a) => a.flow.ok).map((a) => a.judged).sort()).toEqual([0, 1, 2, 3]);
      expect(seen.filter((a) => !a.flow.ok).map((a) => a.judged)).toEqual([4, 4]);
    });

    it('a step that takes no counter writes nothing: the expiry stays where it was', async () => {
      const k = key();
      await store.record(k, { entry: { ...call('e-1'), labels: ['secret'] }, seen: [] }, 150);
      expect(await store.reserve(k, { call: call('e-2'), guards: [{ rule: 'never', after: ['pii'] }], counts: [], distinct: [] }, TTL)).toEqual({ ok: true });
      await sleep(450);
      expect((await store.load(k)).labels).toEqual({});
    });

    it('records labels (first call wins), requiresBefore marks and a bounded history', async () => {
      const k = key();
      await store.record(k, { entry: { ...call('r-1', 1000), labels: ['secret'] }, seen: [] }, TTL);
      await store.record(k, { entry: { ...call('r-2', 2000), labels: ['secret', 'pii'], targets: { to: 'h1' } }, seen: ['needs-read'] }, TTL);
      const s = await store.load(k, true);
      expect(s.labels.secret).toEqual({ tool: 'mail__send', at: 1000, id: 'r-1' });
      expect(s.labels.pii).toEqual({ tool: 'mail__send', at: 2000, id: 'r-2' });
      expect(s.seen['needs-read']!.id).toBe('r-2');
      expect(s.history.map((h) => h.id)).toEqual(['r-1', 'r-2']);
      expect(s.history[1]!.targets).toEqual({ to: 'h1' });
      for (let i = 0; i < HISTORY_MAX + 5; i++) await store.record(k, { entry: call(`h-${i}`), seen: [] }, TTL);
      const after = await store.load(k, true);
      expect(after.history).toHaveLength(HISTORY_MAX);
      expect(after.history.at(-1)!.id).toBe(`h-${HISTORY_MAX + 4}`);
      expect(after.labels.secret!.id).toBe('r-1'); // labels outlive the trimmed history
    });

    it('sessions are independent and expire after their ttl', async () => {
      const a = key();
      const b = key();
      await store.record(a, { entry: { ...call('x-1'), labels: ['secret'] }, seen: [] }, 80);
      expect((await store.load(b)).labels).toEqual({});
      expect((await store.load(a)).labels.secret).toBeDefined();
      await sleep(400);
      expect((await store.load(a)).labels).toEqual({});
      // A write after expiry starts afresh.
      expect(await store.reserve(a, reservation('x-2', [{ rule: 'r', max: 1 }]), TTL)).toEqual({ ok: true });
      expect((await store.load(a)).counts.r!.n).toBe(1);
    });
  });
}

contract('memory', async () => new MemorySessionStore(), async () => undefined);

const sqlite = tempSqlite();
contract('sqlite', async () => new SqlSessionStore(async () => openSqlite(sqlite.path), 'sqlite'), async () => sqlite.cleanup());

describe.skipIf(!POSTGRES_URL)('postgres', () => {
  const schema = uniqueName('pc_sessions');
  contract('postgres', async () => new SqlSessionStore(() => openSql({ path: ':memory:', postgres: { url: POSTGRES_URL!, schema } }), 'postgres'), async () => {
    if (POSTGRES_URL) await dropPostgresSchema(schema);
  });
});

describe.skipIf(!REDIS_URL)('redis', () => {
  const r = REDIS_URL ? testRedis() : undefined;
  contract('redis', async () => (await r!.ready(), new RedisSessionStore(r!.redis, r!.prefix)), async () => r?.cleanup());
});

// The SQL store keeps parsed states between a session's steps; the row's version decides whether the
// kept copy is current. Two stores on one database stand for two processes (or replicas): each must
// see the other's writes, and neither may lose a count or a label to a stale copy.
function sharedDatabase(name: string, make: () => Promise<SessionStore>, deleteRow: (key: string) => Promise<void>, cleanup: () => Promise<void>) {
  describe(`session store: ${name}, two processes on one database`, () => {
    const stores: SessionStore[] = [];
    afterAll(async () => {
      for (const s of stores) await s.close();
      await cleanup();
    });

    it('sees every write of the other, alternating and concurrent', async () => {
      stores.push(await make(), await make());
      const [a, b] = stores as [SessionStore, SessionStore];
      const k = uniqueName('shared');
      const take = (s: SessionStore, id: string) => s.reserve(k, { ...reservation(id, [{ rule: 'cap', max: 40 }]), guards: [{ rule: 'fence', after: ['secret'] }] }, TTL);
      // Alternating: each store's kept copy is one version behind after the other writes.
      for (let i = 0; i < 10; i++) expect(await take(i % 2 ? a : b, `alt-${i}`)).toEqual({ ok: true });
      expect((await a.load(k)).counts.cap!.n).toBe(10);
      expect((await b.load(k)).counts.cap!.n).toBe(10);
      // A label recorded through b fences a's very next step, whose kept copy predates it.
      await a.reserve(k, reservation('warm-a', [{ rule: 'other' }]), TTL);
      await b.record(k, { entry: { ...call('read-secret'), labels: ['secret'] }, seen: [] }, TTL);
      expect(await take(a, 'after-secret')).toEqual({ ok: false, rule: 'fence' });
      // Concurrent steps through both stores never overshoot the bound.
      const k2 = uniqueName('shared');
      const results = await Promise.all(Array.from({ length: 24 }, (_, i) => (i % 2 ? a : b).reserve(k2, reservation(`c-${i}`, [{ rule: 'cap', max: 7 }]), TTL)));
      expect(results.filter((r) => r.ok)).toHaveLength(7);
      expect((await a.load(k2)).counts.cap!.n).toBe(7);
    });

    it('a session deleted by the sweep and made again elsewhere is not mistaken for the kept one', async () => {
      const [a, b] = stores as [SessionStore, SessionStore];
      const k = uniqueName('swept');
      await a.record(k, { entry: { ...call('old-read'), labels: ['secret'] }, seen: [] }, TTL); // a keeps version 1, with the label
      await deleteRow(k); // what the expiry sweep does
      await sleep(20);
      await b.record(k, { entry: call('new-read'), seen: [] }, TTL); // a new session at version 1, without it
      const fenced = { ...reservation('egress', [{ rule: 'n' }]), guards: [{ rule: 'fence', after: ['secret'] }] };
      expect(await a.reserve(k, fenced, TTL)).toEqual({ ok: true });
    });
  });
}

const shared = tempSqlite();
sharedDatabase(
  'sqlite',
  async () => new SqlSessionStore(async () => openSqlite(shared.path), 'sqlite'),
  async (key) => {
    const db = openSqlite(shared.path);
    await db.query('DELETE FROM flow_sessions WHERE key = $1', [key]);
    await db.close();
  },
  async () => shared.cleanup(),
);

describe.skipIf(!POSTGRES_URL)('postgres, shared', () => {
  const schema = uniqueName('pc_shared');
  const open = () => openSql({ path: ':memory:', postgres: { url: POSTGRES_URL!, schema } });
  sharedDatabase(
    'postgres',
    async () => new SqlSessionStore(open, 'postgres'),
    async (key) => {
      const db = await open();
      await db.query('DELETE FROM flow_sessions WHERE key = $1', [key]);
      await db.close();
    },
    async () => {
      if (POSTGRES_URL) await dropPostgresSchema(schema);
    },
  );
});
