import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { query } from '../../platform/db/database.js';
import { OrderInput } from '../orders/index.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

const post = (url: string, payload: object, headers = t.admin) => t.app.inject({ method: 'POST', url, headers, payload });
const get = (url: string, headers = t.admin) => t.app.inject({ method: 'GET', url, headers });

async function count(statement: ReturnType<typeof sql>): Promise<number> {
  const [row] = await query<{ n: number }>(t.kemai.database.db, statement);
  return Number(row!.n);
}
const profiles = () => count(sql`select count(*) as n from customers.customers`);
/** Identified and anonymous events together (customer_id null for anonymous ones). */
const allEvents = sql`(select id, customer_id, anonymous_id, device_id, type, occurred_at, properties, source, external_id from activity.events
  union all select id, null::uuid, anonymous_id, device_id, type, occurred_at, properties, source, external_id from activity.anonymous_events)`;
const eventsOf = (column: 'anonymous_id' | 'device_id', value: string) =>
  query<{ type: string; customer_id: string | null }>(
    t.kemai.database.db,
    sql`select type, customer_id from ${allEvents} e where ${sql.identifier(column)} = ${value} order by occurred_at`,
  );

describe('anonymous events', () => {
  it('keeps anonymous events without a profile and gives them all to the person once identified', async () => {
    const before = await profiles();
    const anon = await post('/api/v1/events/batch', {
      items: [
        { type: 'view', occurredAt: '2025-11-01T09:00:00+08:00', customer: { anonymousId: 'visitor-7' }, sku: 'A100' },
        { type: 'add_to_cart', occurredAt: '2025-11-01T09:05:00+08:00', customer: { anonymousId: 'visitor-7' }, sku: 'A100' },
        { type: 'favorite', occurredAt: '2025-11-01T09:06:00+08:00', customer: { anonymousId: 'visitor-7' }, sku: 'B200' },
        { type: 'view', occurredAt: '2025-11-01T09:07:00+08:00', customer: { anonymousId: 'visitor-8' } },
        { type: 'store_visit', occurredAt: '2025-11-01T09:08:00+08:00', customer: { deviceId: 'pad-3' }, storeCode: 'SH01' },
      ],
    });
    expect(anon.statusCode).toBe(200);
    expect(anon.json().summary).toEqual({ created: 5, updated: 0, unchanged: 0, error: 0 });
    expect(anon.json().results.map((r: { customerId: string | null }) => r.customerId)).toEqual([null, null, null, null, null]);
    expect(await profiles()).toBe(before);

    const login = await post('/api/v1/events', {
      type: 'login',
      occurredAt: '2025-11-01T09:10:00+08:00',
      channel: 'miniprogram',
      customer: { anonymousId: 'visitor-7', phone: '13800138000', name: '王芳' },
    });
    expect(login.statusCode).toBe(201);
    const customerId = login.json().customerId as string;
    expect(customerId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await profiles()).toBe(before + 1);

    expect(await eventsOf('anonymous_id', 'visitor-7')).toEqual([
      { type: 'view', customer_id: customerId },
      { type: 'add_to_cart', customer_id: customerId },
      { type: 'favorite', customer_id: customerId },
      { type: 'login', customer_id: customerId },
    ]);
    expect(await eventsOf('anonymous_id', 'visitor-8')).toEqual([{ type: 'view', customer_id: null }]);
    expect(await eventsOf('device_id', 'pad-3')).toEqual([{ type: 'store_visit', customer_id: null }]);

    // Later anonymous-only events of that id resolve to the profile straight away.
    const later = await post('/api/v1/events', { type: 'share', occurredAt: '2025-11-02T20:00:00+08:00', customer: { anonymousId: 'visitor-7' } });
    expect(later.json()).toMatchObject({ status: 'created', customerId });
    const timeline = await get(`/api/v1/events?customerId=${customerId}`);
    expect(timeline.json().items.map((e: { type: string }) => e.type)).toEqual(['share', 'login', 'favorite', 'add_to_cart', 'view']);
    expect(await profiles()).toBe(before + 1);
  });

  it('attributes the anonymous events of one batch to the identifying event in the same batch', async () => {
    const before = await profiles();
    const res = await post('/api/v1/events/batch', {
      items: [
        { type: 'view', occurredAt: '2025-11-03T10:00:00+08:00', customer: { deviceId: 'phone-x' } },
        { type: 'sign_up', occurredAt: '2025-11-03T10:01:00+08:00', customer: { deviceId: 'phone-x', memberNo: 'm-9001' } },
        { type: 'view', occurredAt: '2025-11-03T10:02:00+08:00', customer: { deviceId: 'phone-x' } },
      ],
    });
    const ids = res.json().results.map((r: { customerId: string | null }) => r.customerId);
    expect(ids[1]).toMatch(/^[0-9a-f-]{36}$/);
    expect(ids).toEqual([ids[1], ids[1], ids[1]]);
    expect(await eventsOf('device_id', 'phone-x')).toEqual([
      { type: 'view', customer_id: ids[1] },
      { type: 'sign_up', customer_id: ids[1] },
      { type: 'view', customer_id: ids[1] },
    ]);
    expect(await profiles()).toBe(before + 1);
  });

  it('gives an anonymous id’s events to the profile another record identified it on, once the outbox delivers', async () => {
    const first = await post('/api/v1/events', { type: 'view', occurredAt: '2025-11-04T08:00:00+08:00', customer: { anonymousId: 'visitor-9' } });
    expect(first.json().customerId).toBeNull();
    // The server drains after each write; let that finish so the state below is the outbox's doing.
    await t.kemai.events.drain();
    // A record that is not an event (here a profile resolution as an order would do) identifies it.
    const [resolved] = await t.kemai.database.db.transaction((tx) =>
      t.kemai.customers.resolveCustomers(tx, [{ anonymousId: 'visitor-9', memberNo: 'm-7777' }], { source: 'test' }),
    );
    expect(await eventsOf('anonymous_id', 'visitor-9')).toEqual([{ type: 'view', customer_id: null }]);
    expect(await t.kemai.events.drain()).toBeGreaterThanOrEqual(1);
    expect(await eventsOf('anonymous_id', 'visitor-9')).toEqual([{ type: 'view', customer_id: resolved!.customerId }]);
    const next = await post('/api/v1/events', { type: 'view', occurredAt: '2025-11-04T09:00:00+08:00', customer: { anonymousId: 'visitor-9' } });
    expect(next.json().customerId).toBe(resolved!.customerId);
    expect(await eventsOf('anonymous_id', 'visitor-9')).toEqual([
      { type: 'view', customer_id: resolved!.customerId },
      { type: 'view', customer_id: resolved!.customerId },
    ]);
  });
});

describe('recording events', () => {
  it('stores a replay of (source, externalId) once and applies a corrected replay as an update', async () => {
    const body = {
      type: 'review',
      occurredAt: '2025-11-05T12:00:00+08:00',
      customer: { phone: '13900139000' },
      sku: 'A100',
      properties: { rating: 4 },
      source: 'tmall',
      externalId: 'rv-1001',
    };
    const a = await post('/api/v1/events', body);
    expect(a.statusCode).toBe(201);
    const b = await post('/api/v1/events', body);
    expect(b.statusCode).toBe(200);
    expect(b.json()).toEqual({ status: 'unchanged', id: a.json().id, customerId: a.json().customerId });
    const c = await post('/api/v1/events', { ...body, properties: { rating: 5 } });
    expect(c.json()).toEqual({ status: 'updated', id: a.json().id, customerId: a.json().customerId });
    const batch = await post('/api/v1/events/batch', { items: [{ ...body, properties: { rating: 5 } }, { ...body, externalId: 'rv-1002' }] });
    expect(batch.json().summary).toEqual({ created: 1, updated: 0, unchanged: 1, error: 0 });
    expect(batch.json().results[0].id).toBe(a.json().id);
    const stored = await query<{ external_id: string; properties: unknown }>(
      t.kemai.database.db,
      sql`select external_id, properties from ${allEvents} e where source = 'tmall' order by external_id`,
    );
    expect(stored).toEqual([
      { external_id: 'rv-1001', properties: { rating: 5 } },
      { external_id: 'rv-1002', properties: { rating: 4 } },
    ]);
  });

  it('stores each event once when the same feed is sent twice at the same time, in any order', async () => {
    const items = Array.from({ length: 60 }, (_, i) => ({
      type: 'view',
      occurredAt: `2025-11-09T10:${String(i).padStart(2, '0')}:00+08:00`,
      customer: i % 2 ? { memberNo: `race-${i % 7}` } : { anonymousId: `race-visitor-${i % 5}` },
      source: 'race',
      externalId: `r-${i}`,
    }));
    const [a, b] = await Promise.all([
      post('/api/v1/events/batch', { items }),
      post('/api/v1/events/batch', { items: [...items].reverse() }),
    ]);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    const sa = a.json().summary;
    const sb = b.json().summary;
    expect(sa.created + sb.created).toBe(60);
    expect(sa.unchanged + sb.unchanged).toBe(60);
    expect(sa.error + sb.error + sa.updated + sb.updated).toBe(0);
    expect(await count(sql`select count(*) as n from ${allEvents} e where source = 'race'`)).toBe(60);
    // Odd items name a member, even ones an anonymous visitor: 30 each, one key per event.
    expect(await count(sql`select count(*) as n from activity.events where source = 'race'`)).toBe(30);
    expect(await count(sql`select count(*) as n from activity.anonymous_events where source = 'race'`)).toBe(30);
    expect(await count(sql`select count(*) as n from activity.event_keys where source = 'race'`)).toBe(60);
    const idsA = new Map(a.json().results.map((r: { index: number; id: string }) => [r.index, r.id]));
    const idsB = b.json().results.map((r: { index: number; id: string }) => [59 - r.index, r.id]);
    for (const [i, id] of idsB) expect(idsA.get(i)).toBe(id);
  });

  it('stores the good items of a batch and names the field of each bad one', async () => {
    const before = await count(sql`select count(*) as n from ${allEvents} e`);
    const ok = { type: 'try_on', occurredAt: '2025-11-06T15:00:00+08:00', customer: { phone: '13700137000' }, storeCode: 'SH01', sku: 'A100' };
    const res = await post('/api/v1/events/batch', {
      items: [
        ok,
        { ...ok, occurredAt: 'yesterday' },
        { ...ok, customer: { phone: '12345' } },
        { ...ok, customer: { id: '0190c0de-0000-7000-8000-000000000000' } },
        { ...ok, properties: { note: 'bad\u0000byte' } },
        { ...ok, type: 'Add To Cart' },
        { ...ok, customer: { name: '只有名字' } },
        { ...ok, type: 'survey', properties: { nps: 9 } },
      ],
    });
    expect(res.statusCode).toBe(200);
    const json = res.json();
    expect(json.summary).toEqual({ created: 2, updated: 0, unchanged: 0, error: 6 });
    expect(json.results.map((r: { index: number; status: string }) => [r.index, r.status])).toEqual([
      [0, 'created'],
      [1, 'error'],
      [2, 'error'],
      [3, 'error'],
      [4, 'error'],
      [5, 'error'],
      [6, 'error'],
      [7, 'created'],
    ]);
    const firstPath = (i: number) => json.results[i].error.issues[0].path;
    expect([1, 2, 3, 4, 5, 6].map(firstPath)).toEqual([
      'items.1.occurredAt',
      'items.2.customer.phone',
      'items.3.customer.id',
      'items.4.properties.note',
      'items.5.type',
      'items.6.customer',
    ]);
    expect(json.results[3].error.issues[0].message).toBe('no customer has this id');
    expect(await count(sql`select count(*) as n from ${allEvents} e`)).toBe(before + 2);
    expect(json.results[0].customerId).toBe(json.results[7].customerId);
  });

  it('keeps properties exactly, whatever characters they hold', async () => {
    const properties = {
      query: '连衣裙 "真丝" \\ 50% off, {sale}',
      tags: ['a,b', '{x}', '', null],
      nested: { depth: [1, 2.5, -3], ok: true, none: null },
      emoji: '👗',
    };
    const items = [
      { type: 'search', occurredAt: '2025-11-10T10:00:00+08:00', customer: { memberNo: 'props-1' }, properties },
      { type: 'view', occurredAt: '2025-11-10T10:01:00+08:00', customer: { memberNo: 'props-1' } },
    ];
    const res = await post('/api/v1/events/batch', { items });
    const customerId = res.json().results[0].customerId as string;
    const listed = (await get(`/api/v1/events?customerId=${customerId}`)).json().items;
    expect(listed.map((e: { type: string; properties: unknown }) => [e.type, e.properties])).toEqual([
      ['view', {}],
      ['search', properties],
    ]);
  });

  it('validates the event type and accepts the brand’s own lower_snake_case types', async () => {
    const base = { occurredAt: '2025-11-07T10:00:00+08:00', customer: { phone: '13700137000' } };
    for (const type of ['AddToCart', 'add-to-cart', '1st_visit', 'x']) {
      const bad = await post('/api/v1/events', { ...base, type });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error).toMatchObject({ code: 'validation_failed', details: { issues: [{ path: 'type' }] } });
    }
    const custom = await post('/api/v1/events', { ...base, type: 'live_stream_watch', properties: { minutes: 12 } });
    expect(custom.statusCode).toBe(201);
    const missing = await post('/api/v1/events', { type: 'view', customer: { phone: '13700137000' } });
    expect(missing.json().error.details.issues[0].path).toBe('occurredAt');
  });

  it('reads a local time in the business zone and filters by local days', async () => {
    const r = await post('/api/v1/events', {
      type: 'check_in',
      occurredAt: '2025-12-01T00:30:00',
      customer: { memberNo: 'tz-1' },
      storeCode: 'BJ02',
    });
    const customerId = r.json().customerId as string;
    await post('/api/v1/events', { type: 'check_in', occurredAt: '2025-12-02', customer: { memberNo: 'tz-1' } });
    const all = await get(`/api/v1/events?customerId=${customerId}&type=check_in`);
    expect(all.json().items.map((e: { occurredAt: string }) => e.occurredAt)).toEqual(['2025-12-01T16:00:00.000Z', '2025-11-30T16:30:00.000Z']);
    const dayOne = await get(`/api/v1/events?customerId=${customerId}&from=2025-12-01&to=2025-12-01`);
    expect(dayOne.json().items.map((e: { storeCode: string }) => e.storeCode)).toEqual(['BJ02']);
    const bad = await get(`/api/v1/events?customerId=${customerId}&from=soon`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.issues[0].path).toBe('querystring.from');
  });

  it('pages through a customer’s events with a cursor', async () => {
    const items = Array.from({ length: 5 }, (_, i) => ({
      type: 'view',
      occurredAt: `2025-10-0${i + 1}T12:00:00+08:00`,
      customer: { memberNo: 'pager-1' },
      sku: `P${i}`,
    }));
    const res = await post('/api/v1/events/batch', { items });
    const customerId = res.json().results[0].customerId as string;
    const seen: string[] = [];
    let url = `/api/v1/events?customerId=${customerId}&limit=2`;
    for (;;) {
      const page = (await get(url)).json();
      seen.push(...page.items.map((e: { sku: string }) => e.sku));
      if (!page.nextCursor) break;
      url = `/api/v1/events?customerId=${customerId}&limit=2&cursor=${page.nextCursor}`;
    }
    expect(seen).toEqual(['P4', 'P3', 'P2', 'P1', 'P0']);
    const broken = await get(`/api/v1/events?customerId=${customerId}&cursor=nonsense`);
    expect(broken.statusCode).toBe(400);
  });

  it('needs events:write to record and events:read to list', async () => {
    const reader = await t.keyWith(['events:read']);
    const writer = await t.keyWith(['events:write']);
    const body = { type: 'view', occurredAt: '2025-11-08T10:00:00+08:00', customer: { anonymousId: 'scope-test' } };
    const denied = await post('/api/v1/events', body, reader);
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error).toMatchObject({ code: 'auth.missing_scope', details: { scope: 'events:write' } });
    const deniedBatch = await post('/api/v1/events/batch', { items: [body] }, reader);
    expect(deniedBatch.statusCode).toBe(403);
    const deniedRead = await get('/api/v1/events', writer);
    expect(deniedRead.json().error).toMatchObject({ code: 'auth.missing_scope', details: { scope: 'events:read' } });
    const anonymous = await t.app.inject({ method: 'POST', url: '/api/v1/events', payload: body });
    expect(anonymous.statusCode).toBe(401);
    expect(await count(sql`select count(*) as n from ${allEvents} e where anonymous_id = 'scope-test'`)).toBe(0);
    expect((await post('/api/v1/events', body, writer)).statusCode).toBe(201);
  });
});

describe('merge participant', () => {
  it('moves a merged profile’s events to the survivor and back on unmerge', async () => {
    const res = await post('/api/v1/events/batch', {
      items: [
        { type: 'view', occurredAt: '2025-09-01T10:00:00+08:00', customer: { phone: '13500135001' } },
        { type: 'favorite', occurredAt: '2025-09-02T10:00:00+08:00', customer: { phone: '13500135001' } },
        { type: 'view', occurredAt: '2025-09-03T10:00:00+08:00', customer: { email: 'other@example.com' } },
      ],
    });
    const [r0, r1, r2] = res.json().results as Array<{ id: string; customerId: string }>;
    const absorbed = r0!.customerId;
    const survivor = r2!.customerId;
    expect(absorbed).not.toBe(survivor);

    const merge = await t.kemai.customers.mergeCustomers(survivor, absorbed, { actor: 'staff:test', reason: 'same person' });
    const ofSurvivor = (await get(`/api/v1/events?customerId=${survivor}`)).json().items.map((e: { id: string }) => e.id);
    expect(ofSurvivor.sort()).toEqual([r0!.id, r1!.id, r2!.id].sort());
    // The merged-away id follows the merge to the survivor, as the customer 360 does.
    const ofAbsorbed = (await get(`/api/v1/events?customerId=${absorbed}`)).json().items;
    expect(ofAbsorbed.map((e: { id: string; customerId: string }) => [e.id, e.customerId])).toEqual([
      [r2!.id, survivor],
      [r1!.id, survivor],
      [r0!.id, survivor],
    ]);
    const paged = (await get(`/api/v1/events?customerId=${absorbed}&type=view&limit=1`)).json();
    expect(paged.items.map((e: { id: string }) => e.id)).toEqual([r2!.id]);
    const rest = (await get(`/api/v1/events?customerId=${absorbed}&type=view&limit=1&cursor=${paged.nextCursor}`)).json();
    expect(rest).toMatchObject({ items: [{ id: r0!.id }], nextCursor: null });
    expect((await get('/api/v1/events?customerId=0190c0de-0000-7000-8000-000000000000')).json()).toEqual({ items: [], nextCursor: null });

    await t.kemai.customers.unmergeCustomers(merge.mergeId, 'staff:test');
    const back = (await get(`/api/v1/events?customerId=${absorbed}`)).json().items.map((e: { id: string }) => e.id);
    expect(back.sort()).toEqual([r0!.id, r1!.id].sort());
    expect((await get(`/api/v1/events?customerId=${survivor}`)).json().items.map((e: { id: string }) => e.id)).toEqual([r2!.id]);
  });
});

describe('identifiers attached by other records', () => {
  const anonymousVisit = async (anonymousId: string) => {
    const res = await post('/api/v1/events/batch', {
      items: [
        { type: 'view', occurredAt: '2025-08-01T10:00:00+08:00', customer: { anonymousId }, sku: 'A100' },
        { type: 'add_to_cart', occurredAt: '2025-08-01T10:02:00+08:00', customer: { anonymousId }, sku: 'A100' },
        { type: 'store_visit', occurredAt: '2025-08-01T11:00:00+08:00', customer: { deviceId: `${anonymousId}-pad` }, storeCode: 'SH01' },
      ],
    });
    expect(res.json().results.map((r: { customerId: string | null }) => r.customerId)).toEqual([null, null, null]);
    await t.kemai.events.drain();
  };

  it('gives an anonymous visitor’s events to the customer of an order carrying that anonymous id', async () => {
    await anonymousVisit('order-visitor');
    const before = await profiles();
    const [order] = await t.kemai.orders.ingestOrders(
      [
        OrderInput.parse({
          channel: 'online',
          externalId: 'WEB-ANON-1',
          placedAt: '2025-08-01T10:30:00+08:00',
          customer: { anonymousId: 'order-visitor', phone: '13600136000', name: '林悦' },
          lines: [{ sku: 'A100', quantity: 1, unitPrice: '199.00' }],
        }),
      ],
      { source: 'api' },
    );
    expect(order).toMatchObject({ status: 'created', customerId: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const customerId = (order as { customerId: string }).customerId;
    expect(await profiles()).toBe(before + 1);
    // Until the outbox delivers customers.identifier.attached the events are still unattributed.
    expect(await eventsOf('anonymous_id', 'order-visitor')).toEqual([
      { type: 'view', customer_id: null },
      { type: 'add_to_cart', customer_id: null },
    ]);
    expect(await t.kemai.events.drain()).toBeGreaterThanOrEqual(1);
    expect(await eventsOf('anonymous_id', 'order-visitor')).toEqual([
      { type: 'view', customer_id: customerId },
      { type: 'add_to_cart', customer_id: customerId },
    ]);
    // The device id was never named beside the phone: its event stays anonymous.
    expect(await eventsOf('device_id', 'order-visitor-pad')).toEqual([{ type: 'store_visit', customer_id: null }]);
    const listed = (await get(`/api/v1/events?customerId=${customerId}`)).json().items;
    expect(listed.map((e: { type: string }) => e.type)).toEqual(['add_to_cart', 'view']);
    const delivered = await query<{ delivered: boolean }>(
      t.kemai.database.db,
      sql`select o.delivered_at is not null as delivered from platform.outbox o
          where o.name = 'customers.identifier.attached' and o.payload->>'value' = 'order-visitor'`,
    );
    expect(delivered).toEqual([{ delivered: true }]);
  });

  it('gives a device’s events to the profile a customer upsert names it on', async () => {
    await anonymousVisit('upsert-visitor');
    const res = await post('/api/v1/customers', { deviceId: 'upsert-visitor-pad', memberNo: 'UPS-1' });
    expect(res.statusCode).toBe(201);
    await t.kemai.events.drain();
    expect(await eventsOf('device_id', 'upsert-visitor-pad')).toEqual([{ type: 'store_visit', customer_id: res.json().id }]);
    expect(await eventsOf('anonymous_id', 'upsert-visitor')).toEqual([
      { type: 'view', customer_id: null },
      { type: 'add_to_cart', customer_id: null },
    ]);
  });

  it('gives the events to the survivor when the profile was merged before the outbox delivered', async () => {
    await anonymousVisit('merged-visitor');
    const survivor = (await post('/api/v1/customers', { email: 'survivor@example.com' })).json().id as string;
    await t.kemai.events.drain();
    const [resolved] = await t.kemai.database.db.transaction((tx) =>
      t.kemai.customers.resolveCustomers(tx, [{ anonymousId: 'merged-visitor', phone: '13600136001' }], { source: 'test' }),
    );
    await t.kemai.customers.mergeCustomers(survivor, resolved!.customerId!, { actor: 'staff:test', reason: 'same person' });
    await t.kemai.events.drain();
    expect(await eventsOf('anonymous_id', 'merged-visitor')).toEqual([
      { type: 'view', customer_id: survivor },
      { type: 'add_to_cart', customer_id: survivor },
    ]);
  });
});

describe('activity.event_facts', () => {
  it('publishes exactly the agreed columns', async () => {
    const cols = await query<{ column_name: string }>(
      t.kemai.database.db,
      sql`select column_name from information_schema.columns where table_schema = 'activity' and table_name = 'event_facts' order by ordinal_position`,
    );
    expect(cols.map((c) => c.column_name)).toEqual(['id', 'customer_id', 'type', 'occurred_at', 'channel', 'store_code', 'sku', 'properties']);
  });
});

describe('anonymous events and idempotency keys (Citus keys, ADR 0014)', () => {
  const tally = (source: string) =>
    query<{ events: number; anonymous: number; keys: number; anonymous_keys: number }>(
      t.kemai.database.db,
      sql`select (select count(*) from activity.events where source = ${source})::int as events,
                 (select count(*) from activity.anonymous_events where source = ${source})::int as anonymous,
                 (select count(*) from activity.event_keys where source = ${source})::int as keys,
                 (select count(*) from activity.event_keys where source = ${source} and customer_id is null)::int as anonymous_keys`,
    ).then((r) => r[0]);

  it('keeps an anonymous event in anonymous_events and moves it, with its key, when the id is identified', async () => {
    const anon = await post('/api/v1/events/batch', {
      items: [
        { type: 'view', occurredAt: '2025-10-01T09:00:00+08:00', customer: { anonymousId: 'mv-visitor' }, source: 'mv', externalId: 'mv-1' },
        { type: 'add_to_cart', occurredAt: '2025-10-01T09:01:00+08:00', customer: { anonymousId: 'mv-visitor' }, source: 'mv', externalId: 'mv-2' },
        { type: 'view', occurredAt: '2025-10-01T09:02:00+08:00', customer: { anonymousId: 'mv-visitor' }, source: 'mv' },
        { type: 'view', occurredAt: '2025-10-01T09:03:00+08:00', customer: { anonymousId: 'mv-other' }, source: 'mv', externalId: 'mv-3' },
      ],
    });
    expect(anon.json().summary).toEqual({ created: 4, updated: 0, unchanged: 0, error: 0 });
    expect(await tally('mv')).toEqual({ events: 0, anonymous: 4, keys: 3, anonymous_keys: 3 });
    // The published view still counts them, without a customer.
    expect(await count(sql`select count(*) as n from activity.event_facts f join activity.anonymous_events a on a.id = f.id
                           where a.source = 'mv' and f.customer_id is null`)).toBe(4);

    const login = await post('/api/v1/events', {
      type: 'login',
      occurredAt: '2025-10-01T09:10:00+08:00',
      customer: { anonymousId: 'mv-visitor', memberNo: 'mv-member' },
      source: 'mv',
      externalId: 'mv-4',
    });
    expect(login.statusCode).toBe(201);
    const customerId = login.json().customerId as string;
    expect(await tally('mv')).toEqual({ events: 4, anonymous: 1, keys: 4, anonymous_keys: 1 });
    expect(
      await query(t.kemai.database.db, sql`select external_id, customer_id from activity.event_keys where source = 'mv' order by external_id`),
    ).toEqual([
      { external_id: 'mv-1', customer_id: customerId },
      { external_id: 'mv-2', customer_id: customerId },
      { external_id: 'mv-3', customer_id: null },
      { external_id: 'mv-4', customer_id: customerId },
    ]);
    expect(await count(sql`select count(*) as n from activity.event_facts where customer_id = ${customerId}`)).toBe(4);
    // The moved events keep their ids: a replay of one is recognised under the person.
    const replay = await post('/api/v1/events', { type: 'view', occurredAt: '2025-10-01T09:00:00+08:00', customer: { anonymousId: 'mv-visitor' }, source: 'mv', externalId: 'mv-1' });
    expect(replay.json()).toMatchObject({ status: 'unchanged', id: anon.json().results[0].id, customerId });
    expect(await tally('mv')).toEqual({ events: 4, anonymous: 1, keys: 4, anonymous_keys: 1 });
  });

  it('stores a re-sent event once, anonymous or identified, and moves an anonymous one a corrected replay attributes', async () => {
    const items = [
      { type: 'view', occurredAt: '2025-10-02T09:00:00+08:00', customer: { anonymousId: 'rs-visitor' }, source: 'rs', externalId: 'rs-1' },
      { type: 'view', occurredAt: '2025-10-02T09:01:00+08:00', customer: { memberNo: 'rs-member' }, source: 'rs', externalId: 'rs-2' },
    ];
    const first = await post('/api/v1/events/batch', { items });
    expect(first.json().summary).toEqual({ created: 2, updated: 0, unchanged: 0, error: 0 });
    const member = first.json().results[1].customerId as string;
    const again = await post('/api/v1/events/batch', { items });
    expect(again.json().summary).toEqual({ created: 0, updated: 0, unchanged: 2, error: 0 });
    expect(again.json().results.map((r: { id: string }) => r.id)).toEqual(first.json().results.map((r: { id: string }) => r.id));
    expect(await tally('rs')).toEqual({ events: 1, anonymous: 1, keys: 2, anonymous_keys: 1 });

    // Corrected replays: the anonymous one's properties, then the anonymous one naming the member (it moves).
    const fixed = await post('/api/v1/events', { ...items[0], properties: { page: 'home' } });
    expect(fixed.json()).toMatchObject({ status: 'updated', id: first.json().results[0].id, customerId: null });
    expect(await tally('rs')).toEqual({ events: 1, anonymous: 1, keys: 2, anonymous_keys: 1 });
    const named = await post('/api/v1/events', { ...items[0], customer: { memberNo: 'rs-member' }, properties: { page: 'home' } });
    expect(named.json()).toMatchObject({ status: 'updated', id: first.json().results[0].id, customerId: member });
    expect(await tally('rs')).toEqual({ events: 2, anonymous: 0, keys: 2, anonymous_keys: 0 });
    expect(
      await query(t.kemai.database.db, sql`select external_id, customer_id, properties from activity.events where source = 'rs' order by external_id`),
    ).toEqual([
      { external_id: 'rs-1', customer_id: member, properties: { page: 'home' } },
      { external_id: 'rs-2', customer_id: member, properties: {} },
    ]);
    // A replay naming only the (unheld) anonymous id keeps the customer the event has; its anonymous id comes back.
    const anonymousAgain = await post('/api/v1/events', { ...items[0], properties: { page: 'home' } });
    expect(anonymousAgain.json()).toMatchObject({ status: 'updated', customerId: member });
    expect(await count(sql`select count(*) as n from activity.events where source = 'rs' and anonymous_id = 'rs-visitor' and customer_id = ${member}`)).toBe(1);
    expect(await tally('rs')).toEqual({ events: 2, anonymous: 0, keys: 2, anonymous_keys: 0 });
  });

  it('lists anonymous events with the others when no customer is named', async () => {
    await post('/api/v1/events', { type: 'share', occurredAt: '2031-01-01T09:00:00+08:00', customer: { anonymousId: 'ls-visitor' } });
    await post('/api/v1/events', { type: 'share', occurredAt: '2031-01-01T08:00:00+08:00', customer: { memberNo: 'ls-member' } });
    const page = (await get('/api/v1/events?type=share&from=2031-01-01&limit=2')).json();
    expect(page.items.map((e: { anonymousId: string | null; customerId: string | null }) => [e.anonymousId, e.customerId === null])).toEqual([
      ['ls-visitor', true],
      [null, false],
    ]);
  });

  it('a merge moves the events’ keys to the survivor and an unmerge moves them back', async () => {
    const res = await post('/api/v1/events/batch', {
      items: [
        { type: 'view', occurredAt: '2025-10-03T10:00:00+08:00', customer: { memberNo: 'mg-a' }, source: 'mg', externalId: 'mg-1' },
        { type: 'view', occurredAt: '2025-10-03T10:01:00+08:00', customer: { memberNo: 'mg-b' }, source: 'mg', externalId: 'mg-2' },
      ],
    });
    const [a, b] = res.json().results.map((r: { customerId: string }) => r.customerId) as [string, string];
    const keys = () => query(t.kemai.database.db, sql`select external_id, customer_id from activity.event_keys where source = 'mg' order by external_id`);
    const merge = await t.kemai.customers.mergeCustomers(b, a, { actor: 'staff:test', reason: 'same person' });
    expect(await keys()).toEqual([
      { external_id: 'mg-1', customer_id: b },
      { external_id: 'mg-2', customer_id: b },
    ]);
    await t.kemai.customers.unmergeCustomers(merge.mergeId, 'staff:test');
    expect(await keys()).toEqual([
      { external_id: 'mg-1', customer_id: a },
      { external_id: 'mg-2', customer_id: b },
    ]);
  });
});

describe('a corrected replay naming another customer', () => {
  it('moves the stored event (its key along) to that customer, answers updated, then unchanged on the next replay', async () => {
    const body = { type: 'view', occurredAt: '2025-10-05T09:00:00+08:00', customer: { memberNo: 'rh-first' }, source: 'rh', externalId: 'rh-1' };
    const first = await post('/api/v1/events', body);
    expect(first.statusCode).toBe(201);
    const other = await post('/api/v1/events', { ...body, externalId: 'rh-2', customer: { memberNo: 'rh-second' } });
    const second = other.json().customerId as string;
    expect(second).not.toBe(first.json().customerId);

    const moved = await post('/api/v1/events', { ...body, customer: { memberNo: 'rh-second' } });
    expect(moved.json()).toEqual({ status: 'updated', id: first.json().id, customerId: second });
    const fixed = await post('/api/v1/events', { ...body, customer: { memberNo: 'rh-second' }, properties: { page: 'home' } });
    expect(fixed.json()).toEqual({ status: 'updated', id: first.json().id, customerId: second });
    const again = await post('/api/v1/events', { ...body, customer: { memberNo: 'rh-second' }, properties: { page: 'home' } });
    expect(again.json()).toEqual({ status: 'unchanged', id: first.json().id, customerId: second });
    expect(
      await query(
        t.kemai.database.db,
        sql`select e.external_id, e.customer_id, e.properties, k.customer_id as key_customer from activity.events e
            join activity.event_keys k on k.source = e.source and k.external_id = e.external_id where e.source = 'rh' order by e.external_id`,
      ),
    ).toEqual([
      { external_id: 'rh-1', customer_id: second, properties: { page: 'home' }, key_customer: second },
      { external_id: 'rh-2', customer_id: second, properties: {}, key_customer: second },
    ]);
  });
});
