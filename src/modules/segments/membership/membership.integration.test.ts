import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { query } from '../../../platform/db/database.js';
import { MembershipService } from './membership.service.js';
import { createTestApp, type TestApp } from '../../../../tests/support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({}, { loyalty: false });
  const res = await send('POST', '/api/v1/products/batch', {
    items: [
      { sku: 'DRESS-1', name: '真丝连衣裙', category: '服装/女装/连衣裙', brand: 'Lumi' },
      { sku: 'TEE-1', name: '棉T恤', category: '服装/男装/T恤', brand: 'Basic' },
    ],
  });
  expect(res.statusCode, res.body).toBe(200);
});
afterAll(async () => t?.close());

const DAY = 86_400_000;
const send = async (method: 'POST' | 'GET' | 'PATCH' | 'DELETE', url: string, payload?: unknown, headers = t.admin) =>
  t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
const rows = <T = Record<string, unknown>>(s: ReturnType<typeof sql>) => query<T>(t.kemai.database.db, s);

let seq = 0;
async function order(phone: string, sku: string, daysAgo: number) {
  seq += 1;
  const res = await send('POST', '/api/v1/orders', {
    channel: 'pos',
    externalId: `M-${seq}`,
    storeCode: 'S01',
    placedAt: new Date(Date.now() - daysAgo * DAY).toISOString(),
    customer: { phone },
    lines: [{ sku, quantity: 1, unitPrice: '299.00' }],
  });
  expect(res.statusCode, res.body).toBe(201);
  await t.kemai.events.drain();
  return (res.json() as { customerId: string }).customerId;
}

async function customer(phone: string, extra: Record<string, unknown> = {}) {
  const res = await send('POST', '/api/v1/customers', { phone, ...extra });
  expect(res.statusCode, res.body).toBeLessThan(300);
  return (res.json() as { id: string }).id;
}

const membersOf = async (code: string) =>
  (await rows<{ customer_id: string }>(sql`select m.customer_id from segments.members m join segments.segments s on s.id = m.segment_id where s.code = ${code} order by 1`)).map(
    (r) => r.customer_id,
  );
const published = (name: string, code: string) =>
  rows<{ payload: { segmentId: string; code: string; customerIds: string[]; reason: string } }>(
    sql`select payload from platform.outbox where name = ${name} and payload->>'code' = ${code} order by id`,
  );

describe('rule segment membership', () => {
  it('a customer enters "bought a dress in 30 days" when the order is placed, and exits once the window has passed', async () => {
    const created = await send('POST', '/api/v1/segments', {
      code: 'dress_30d',
      name: 'Bought a dress in 30 days',
      rule: { all: [{ kind: 'purchase', days: 30, category: ['连衣裙'] }] },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().refresh).toMatchObject({ size: 0, entered: 0, exited: 0 });
    const segmentId = created.json().segment.id as string;

    const tee = await order('13800000001', 'TEE-1', 2);
    expect(await membersOf('dress_30d')).toEqual([]);
    const buyer = await order('13800000002', 'DRESS-1', 2);
    expect(await membersOf('dress_30d')).toEqual([buyer]);
    expect(tee).not.toBe(buyer);

    const entered = await published('segments.customer.entered', 'dress_30d');
    expect(entered.map((e) => e.payload)).toEqual([expect.objectContaining({ segmentId, code: 'dress_30d', customerIds: [buyer], reason: 'update' })]);
    const shown = await send('GET', '/api/v1/segments/dress_30d');
    expect(shown.json()).toMatchObject({ code: 'dress_30d', kind: 'rule', size: 1, definition: { version: 1, rule: { all: [{ kind: 'purchase', days: 30 }] } } });

    // 29 days on, the order (2 days old today) is 31 days old: the nightly refresh lets the buyer go.
    const later = new Date(Date.now() + 29 * DAY).toISOString();
    const refreshed = await send('POST', '/api/v1/segments/dress_30d/refresh', { asOf: later });
    expect(refreshed.statusCode, refreshed.body).toBe(200);
    expect(refreshed.json()).toEqual({ segmentId, code: 'dress_30d', size: 0, entered: 0, exited: 1 });
    expect(await membersOf('dress_30d')).toEqual([]);
    const exited = await published('segments.customer.exited', 'dress_30d');
    expect(exited.map((e) => e.payload)).toEqual([expect.objectContaining({ customerIds: [buyer], reason: 'refresh' })]);

    const log = await rows<{ customer_id: string; open: boolean }>(
      sql`select customer_id, exited_at is null as open from segments.membership_log where segment_id = ${segmentId}`,
    );
    expect(log).toEqual([{ customer_id: buyer, open: false }]);
    const history = await send('GET', '/api/v1/segments/dress_30d/history');
    expect(history.json().items.map((h: { size: number; entered: number; exited: number }) => [h.size, h.entered, h.exited])).toEqual([
      [0, 0, 0],
      [0, 0, 1],
    ]);

    // A new dress order brings the buyer back (a second stay in the log).
    await order('13800000002', 'DRESS-1', 0);
    expect(await membersOf('dress_30d')).toEqual([buyer]);
    const stays = await send('GET', `/api/v1/segments/customers/${buyer}`);
    expect(stays.json().items.map((s: { code: string; exitedAt: string | null }) => [s.code, s.exitedAt === null])).toEqual([
      ['dress_30d', true],
      ['dress_30d', false],
    ]);
  });

  it('a merged-away customer leaves; the survivor is recomputed', async () => {
    const a = await customer('13800000011', { tags: ['vip'] });
    const b = await customer('13800000012', { tags: ['vip'] });
    // Their customers.profiles.changed events delivered first: on PostgreSQL a drain in the background could otherwise
    // add one of them between the segment's insert and its first refresh (entered by 'update', not 'created').
    await t.kemai.events.drain();
    const created = await send('POST', '/api/v1/segments', { code: 'vip_tag', name: 'VIP', rule: { kind: 'tag', tags: ['vip'] } });
    expect(created.json().refresh).toMatchObject({ size: 2, entered: 2 });
    expect((await membersOf('vip_tag')).sort()).toEqual([a, b].sort());
    const merged = await send('POST', `/api/v1/customers/${a}/merge`, { otherId: b, reason: 'same person' });
    expect(merged.statusCode, merged.body).toBe(200);
    await t.kemai.events.drain();
    expect(await membersOf('vip_tag')).toEqual([a]);
    const exited = await published('segments.customer.exited', 'vip_tag');
    expect(exited.map((e) => e.payload)).toEqual([expect.objectContaining({ customerIds: [b], reason: 'update' })]);
    expect((await send('GET', '/api/v1/segments/vip_tag')).json().size).toBe(1);
  });

  it('a profile edit or a consent moves the customer at once (customers.profiles.changed)', async () => {
    const id = await customer('13800000041', { city: '上海' });
    const created = await send('POST', '/api/v1/segments', {
      code: 'hz_sms',
      name: 'Hangzhou, SMS allowed',
      rule: { all: [{ kind: 'profile', field: 'city', in: ['杭州'] }, { kind: 'consent', channel: 'sms', purpose: 'marketing' }] },
    });
    expect(created.statusCode, created.body).toBe(201);
    await t.kemai.events.drain();
    expect(await membersOf('hz_sms')).toEqual([]);
    await customer('13800000041', { city: '杭州' });
    await t.kemai.events.drain();
    expect(await membersOf('hz_sms')).toEqual([]);
    const consent = await send('POST', `/api/v1/customers/${id}/consents`, { consents: [{ channel: 'sms', purpose: 'marketing', status: 'granted' }] });
    expect(consent.statusCode, consent.body).toBeLessThan(300);
    await t.kemai.events.drain();
    expect(await membersOf('hz_sms')).toEqual([id]);
    await customer('13800000041', { city: '上海' });
    await t.kemai.events.drain();
    expect(await membersOf('hz_sms')).toEqual([]);
    const exited = await published('segments.customer.exited', 'hz_sms');
    expect(exited.map((e) => e.payload)).toEqual([expect.objectContaining({ customerIds: [id], reason: 'update' })]);
  });

  it('a first update in a new process, inside the event transaction, does not wait on itself (the embedded server stalled)', async () => {
    // A new service knows nothing yet: it must look up whether predictions exist through the caller's transaction.
    // On PGlite a read on its own handle inside that transaction waited for the transaction's end, for ever.
    const id = await customer('13800000031');
    // The new profile's customers.profiles.changed delivered now: delivered after the tag below, the segments
    // subscriber would enter the customer itself and the update under test would find nothing to do.
    await t.kemai.events.drain();
    const created = await send('POST', '/api/v1/segments', { code: 'stall_tag', name: 'Stall', rule: { kind: 'tag', tags: ['stall'] } });
    expect(created.json().refresh).toMatchObject({ size: 0 });
    // The tag written directly (no customers.profiles.changed event, which a background drain could deliver first).
    await rows(sql`update customers.customers set tags = array['stall'] where id = ${id}`);
    expect(await membersOf('stall_tag')).toEqual([]);
    const fresh = new MembershipService(t.kemai.database.db, { timeZone: 'Asia/Shanghai' });
    let timer: NodeJS.Timeout | undefined;
    const stalled = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the update inside the transaction did not finish within 20 s')), 20_000);
    });
    const update = t.kemai.database.db.transaction((tx) => fresh.update(tx, [id], ['all']));
    const request = send('GET', '/api/v1/segments/stall_tag');
    try {
      expect(await Promise.race([update, stalled])).toEqual({ entered: 1, exited: 0 });
      expect((await Promise.race([request, stalled])).statusCode).toBe(200);
    } finally {
      clearTimeout(timer);
    }
    expect(await membersOf('stall_tag')).toEqual([id]);
  });

  it('behaviour events recorded update "did E at least twice in 7 days"', async () => {
    const c = await customer('13800000021');
    const created = await send('POST', '/api/v1/segments', {
      code: 'two_visits',
      name: 'Two store visits this week',
      rule: { kind: 'event', type: ['store_visit'], days: 7, value: 2 },
    });
    expect(created.statusCode, created.body).toBe(201);
    const visit = async (daysAgo: number) => {
      const res = await send('POST', '/api/v1/events', {
        type: 'store_visit',
        occurredAt: new Date(Date.now() - daysAgo * DAY).toISOString(),
        customer: { phone: '13800000021' },
      });
      expect(res.statusCode, res.body).toBeLessThan(300);
      await t.kemai.events.drain();
    };
    await visit(1);
    expect(await membersOf('two_visits')).toEqual([]);
    await visit(3);
    expect(await membersOf('two_visits')).toEqual([c]);
  });
});

describe('static lists', () => {
  it('from phones in any format: duplicates count once, a header and blank lines are skipped', async () => {
    const x = await customer('13800000031');
    const y = await customer('13800000032');
    const res = await send('POST', '/api/v1/segments/static', {
      code: 'event_guests',
      name: 'Event guests',
      of: 'phone',
      content: 'phone\n138 0000 0031\n\n+86-138-0000-0032\n13800000031\n',
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ lines: 3, matched: 2, duplicates: 1, segment: { kind: 'static', size: 2, definition: { source: 'phone', lines: 3, customers: 2 } } });
    expect((await membersOf('event_guests')).sort()).toEqual([x, y].sort());
    // Refreshing leaves a static list alone.
    const all = await send('POST', '/api/v1/segments/refresh', {});
    expect(all.json().items.map((i: { code: string }) => i.code)).not.toContain('event_guests');
    expect((await membersOf('event_guests')).sort()).toEqual([x, y].sort());
  });

  it('reports every line that names nobody, by line number, and creates nothing', async () => {
    await customer('13800000041');
    const res = await send('POST', '/api/v1/segments/static', {
      code: 'bad_list',
      name: 'Bad',
      of: 'phone',
      content: '13800000041\nhello\n13899999999\n',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'segments.unmatched_lines',
      details: {
        issues: [
          { path: 'line 2', message: 'line 2: not a phone number' },
          { path: 'line 3', message: 'line 3: no customer has this phone' },
        ],
      },
    });
    expect((await send('GET', '/api/v1/segments/bad_list')).statusCode).toBe(404);
    const ids = await send('POST', '/api/v1/segments/static', { code: 'bad_ids', name: 'Bad', of: 'id', content: 'not-an-id\n00000000-0000-7000-8000-000000000000' });
    expect(ids.json().error.details.issues).toEqual([
      { path: 'line 1', message: 'line 1: "not-an-id" is not a customer id' },
      { path: 'line 2', message: 'line 2: no customer has this id' },
    ]);
  });
});

describe('preview and bad input', () => {
  it('counts and samples a rule; the sample is masked without pii:read', async () => {
    const rule = { all: [{ kind: 'profile', field: 'city', in: ['杭州'] }] };
    await customer('13800000051', { name: '王芳', city: '杭州' });
    const analyst = await t.keyWith(['segments:read']);
    const masked = await send('POST', '/api/v1/segments/preview', { rule }, analyst);
    expect(masked.statusCode, masked.body).toBe(200);
    expect(masked.json()).toMatchObject({ count: 1, sample: [{ name: '王*', phone: '138****0051', city: '杭州' }] });
    const open = await send('POST', '/api/v1/segments/preview', { rule });
    expect(open.json().sample[0]).toMatchObject({ name: '王芳', phone: '+8613800000051' });
  });

  it('names the path of a bad condition and saves nothing', async () => {
    const res = await send('POST', '/api/v1/segments', {
      code: 'bad_rule',
      name: 'Bad',
      rule: { all: [{ kind: 'tag', tags: ['a'] }, { any: [] }, { kind: 'purchase', days: 0 }, { kind: 'nope' }] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'segments.invalid_rule',
      message: 'rule.all[1].any must be a non-empty list of conditions or groups',
      details: {
        issues: [
          { path: 'rule.all[1].any', message: 'rule.all[1].any must be a non-empty list of conditions or groups' },
          { path: 'rule.all[2].days', message: 'rule.all[2].days must be ≥ 1' },
          { path: 'rule.all[3].kind', message: expect.stringMatching(/^rule\.all\[3\]\.kind must be one of profile, attribute, /) },
        ],
      },
    });
    expect((await send('GET', '/api/v1/segments/bad_rule')).statusCode).toBe(404);
    const dup = await send('POST', '/api/v1/segments', { code: 'dress_30d', name: 'again', rule: { kind: 'tag', tags: ['x'] } });
    expect(dup.statusCode).toBe(409);
    // Predictions exist as a view (insights.prediction_facts) but no model has been fitted here: nobody matches yet.
    const pred = await send('POST', '/api/v1/segments/preview', { rule: { kind: 'prediction', model: 'churn', op: 'gte', value: 0.5 } });
    expect(pred.statusCode, pred.body).toBe(200);
    expect(pred.json()).toMatchObject({ count: 0, sample: [] });
  });

  it('needs the segments scopes', async () => {
    const reader = await t.keyWith(['segments:read']);
    expect((await send('POST', '/api/v1/segments', { code: 'x', name: 'x', rule: { kind: 'tag', tags: ['x'] } }, reader)).statusCode).toBe(403);
    expect((await send('POST', '/api/v1/segments/refresh', {}, reader)).statusCode).toBe(403);
    expect((await send('GET', '/api/v1/segments', undefined, reader)).statusCode).toBe(200);
  });
});

describe('whose clock is "now"', () => {
  // PostgreSQL only: PGlite's clock is this process's own (it runs in it), so there is no other clock to disagree with.
  it.skipIf(!process.env.TEST_DATABASE_URL)('a process whose clock runs behind the database still lets a buyer in: "now" is the database clock', async () => {
    const created = await send('POST', '/api/v1/segments', {
      code: 'tee_7d',
      name: 'Bought a T-shirt in 7 days',
      rule: { all: [{ kind: 'purchase', days: 7, category: ['T恤'] }] },
    });
    expect(created.statusCode, created.body).toBe(201);
    // The order is placed 1 minute ago by the database's clock; this process's clock is set 10 minutes behind, so by
    // its own clock the order is in the future. (Found by the clock-jump fault run: such a worker emptied segments.)
    const real = Date.now();
    const buyer = await order('13800000777', 'TEE-1', 60_000 / DAY);
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(real - 10 * 60_000);
      const ctx = await new MembershipService(t.kemai.database.db, { timeZone: 'Asia/Shanghai' }).context();
      expect(Math.abs(ctx.asOf.getTime() - real)).toBeLessThan(60_000);
      const refreshed = await send('POST', '/api/v1/segments/tee_7d/refresh', {});
      expect(refreshed.statusCode, refreshed.body).toBe(200);
    } finally {
      vi.useRealTimers();
    }
    expect(await membersOf('tee_7d')).toContain(buyer);
  });
});
