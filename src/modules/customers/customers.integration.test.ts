import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import { query } from '../../platform/db/database.js';

let t: TestApp;
let reader: { authorization: string };
let writer: { authorization: string };
beforeAll(async () => {
  // The customers module's own timeline and records, exactly: loyalty's entries (points earned per order) are its tests' business.
  t = await createTestApp({}, { loyalty: false });
  reader = await t.keyWith(['customers:read']);
  writer = await t.keyWith(['customers:read', 'customers:write']);
});
afterAll(async () => t?.close());

const post = (url: string, payload: unknown, headers: { authorization: string } = t.admin) =>
  t.app.inject({ method: 'POST', url, headers, payload: payload as object });
const get = (url: string, headers: { authorization: string } = t.admin) => t.app.inject({ method: 'GET', url, headers });
const count = async (table: string) =>
  Number((await query<{ n: number }>(t.kemai.database.db, sql.raw(`select count(*)::int as n from ${table}`)))[0]!.n);

async function upsert(body: Record<string, unknown>): Promise<string> {
  const res = await post('/api/v1/customers', body);
  expect(res.statusCode, res.body).toBeLessThan(300);
  return res.json().id;
}

describe('customer upsert', () => {
  it('creates, reports unchanged on replay, and lets explicit attributes replace stored ones', async () => {
    const body = {
      phone: '138 0013 8000',
      name: '王芳',
      gender: 'female',
      birthday: '1990-03-08',
      city: '上海',
      familyStage: 'new_parent',
      tags: ['vip'],
      attributes: { shoeSize: 37 },
      consents: [{ channel: 'sms', purpose: 'marketing', status: 'granted', recordedAt: '2025-01-01T10:00:00+08:00' }],
    };
    const a = await post('/api/v1/customers', body, writer);
    expect(a.statusCode).toBe(201);
    expect(a.json()).toEqual({ index: 0, status: 'created', id: expect.any(String) });
    const b = await post('/api/v1/customers', body, writer);
    expect(b.statusCode).toBe(200);
    expect(b.json()).toEqual({ index: 0, status: 'unchanged', id: a.json().id });
    const c = await post('/api/v1/customers', { phone: '+86 13800138000', city: '杭州', tags: ['vip', 'mom'], attributes: { skin: 'dry' } }, writer);
    expect(c.json()).toEqual({ index: 0, status: 'updated', id: a.json().id });
    const got = (await get(`/api/v1/customers/${a.json().id}`)).json();
    expect(got.profile).toMatchObject({
      name: '王芳',
      gender: 'female',
      birthday: '1990-03-08',
      city: '杭州',
      familyStage: 'new_parent',
      tags: ['vip', 'mom'],
      attributes: { shoeSize: 37, skin: 'dry' },
      source: 'api',
    });
    expect(got.consents.history).toEqual([
      { channel: 'sms', purpose: 'marketing', status: 'granted', source: 'api', recordedAt: '2025-01-01T02:00:00.000Z' },
    ]);
  });

  it('reports bad batch items with field paths and writes only the good ones', async () => {
    const before = await count('customers.customers');
    const res = await post(
      '/api/v1/customers/batch',
      {
        items: [
          { email: 'Good.One@Example.com', name: '好人' },
          { phone: '12345', name: '坏电话' },
          { name: '没有标识' },
          { memberNo: 'M-BAD', consents: [{ channel: 'fax', purpose: 'marketing', status: 'granted' }] },
          { email: 'no-at-sign' },
        ],
      },
      writer,
    );
    expect(res.statusCode).toBe(200);
    const json = res.json();
    expect(json.summary).toEqual({ created: 1, updated: 0, unchanged: 0, error: 4 });
    expect(json.results.map((r: { error?: { issues: Array<{ path: string }> } }) => r.error?.issues[0]?.path)).toEqual([
      undefined,
      'items.1.phone',
      'items.2.phone',
      'items.3.consents.0.channel',
      'items.4.email',
    ]);
    expect(json.results[1].error).toMatchObject({ code: 'validation_failed', message: 'items.1.phone: is not a valid phone number' });
    expect(await count('customers.customers')).toBe(before + 1);
    const single = await post('/api/v1/customers', { phone: '110' }, writer);
    expect(single.statusCode).toBe(400);
    expect(single.json().error).toMatchObject({ code: 'validation_failed', details: { issues: [{ path: 'phone', message: 'is not a valid phone number' }] } });
  });

  it('keeps consent history append-only; the latest decision is current and a repeat adds nothing', async () => {
    const id = await upsert({ email: 'consent@example.com' });
    const grant = { channel: 'email', purpose: 'marketing', status: 'granted', recordedAt: '2025-02-01T09:00:00' };
    const withdraw = { channel: 'email', purpose: 'marketing', status: 'withdrawn', source: 'unsubscribe_link', recordedAt: '2025-03-01T09:00:00' };
    expect((await post(`/api/v1/customers/${id}/consents`, { consents: [grant, withdraw] }, writer)).json()).toEqual({ customerId: id, recorded: 2 });
    expect((await post(`/api/v1/customers/${id}/consents`, { consents: [withdraw] }, writer)).json()).toEqual({ customerId: id, recorded: 0 });
    const c = (await get(`/api/v1/customers/${id}`)).json().consents;
    expect(c.current).toEqual([
      { channel: 'email', purpose: 'marketing', status: 'withdrawn', source: 'unsubscribe_link', recordedAt: '2025-03-01T01:00:00.000Z' },
    ]);
    expect(c.history.map((h: { status: string }) => h.status)).toEqual(['withdrawn', 'granted']);
  });
});

describe('customer search', () => {
  let ids: Record<string, string>;
  beforeAll(async () => {
    ids = {
      li: await upsert({ phone: '13912345678', email: 'Li.Lei@Example.com', memberNo: 'vip-009', name: '李雷', city: '北京', tags: ['student'] }),
      han: await upsert({ phone: '13987654321', name: '韩梅梅', city: '北京', tags: ['student', 'vip'] }),
      lin: await upsert({ email: 'lin@example.com', name: '李琳', city: '成都', tags: ['vip'] }),
    };
  });

  const search = async (qs: string) => (await get(`/api/v1/customers?${qs}`)).json();

  it('finds a customer by phone in any format, email, member number and name prefix', async () => {
    for (const q of ['139 1234 5678', '+8613912345678', '008613912345678', 'li.lei@example.com', 'LI.LEI@EXAMPLE.COM', 'VIP-009', 'vip-009']) {
      const r = await search(`q=${encodeURIComponent(q)}`);
      expect(r.items.map((i: { id: string }) => i.id), q).toEqual([ids.li]);
    }
    const byName = await search(`q=${encodeURIComponent('李')}`);
    expect(byName.items.map((i: { id: string }) => i.id)).toEqual([ids.lin, ids.li]);
    expect(byName.items[1]).toMatchObject({ name: '李雷', phone: '+8613912345678', email: 'li.lei@example.com', memberNo: 'VIP-009', city: '北京' });
    expect((await search(`q=${encodeURIComponent('%')}`)).items).toEqual([]);
  });

  it('filters by city and tag and pages with a cursor', async () => {
    const page1 = await search(`city=${encodeURIComponent('北京')}&tag=student&limit=1`);
    expect(page1.items.map((i: { id: string }) => i.id)).toEqual([ids.han]);
    const page2 = await search(`city=${encodeURIComponent('北京')}&tag=student&limit=1&cursor=${page1.nextCursor}`);
    expect(page2.items.map((i: { id: string }) => i.id)).toEqual([ids.li]);
    expect(page2.nextCursor).toBeNull();
    expect((await search('tag=student')).items.map((i: { id: string }) => i.id)).toEqual([ids.han, ids.li]);
    expect((await search(`city=${encodeURIComponent('成都')}`)).items.map((i: { id: string }) => i.id)).toEqual([ids.lin]);
  });

  it('masks phone, email and name for a caller without pii:read', async () => {
    const r = (await get(`/api/v1/customers?q=13912345678`, reader)).json();
    expect(r.items[0]).toMatchObject({ name: '李*', phone: '139****5678', email: 'l***@example.com', memberNo: 'VIP-009' });
    const c = (await get(`/api/v1/customers/${ids.li}`, reader)).json();
    expect(c.profile.name).toBe('李*');
    expect(c.identifiers.map((i: { type: string; value: string }) => `${i.type}:${i.value}`)).toEqual([
      'email:l***@example.com',
      'member_no:VIP-009',
      'phone:139****5678',
    ]);
    const full = (await get(`/api/v1/customers/${ids.li}`)).json();
    expect(full.identifiers.map((i: { value: string }) => i.value)).toEqual(['li.lei@example.com', 'VIP-009', '+8613912345678']);
  });
});

describe('customer 360', () => {
  let id: string;
  beforeAll(async () => {
    for (const p of [
      { sku: 'A100', name: '真丝连衣裙', category: '服装/女装/连衣裙', listPrice: '199.00' },
      { sku: 'B200', name: '婴儿配方奶粉 900g', category: '母婴/奶粉/一段', listPrice: '268.00' },
      { sku: 'C300', name: '坚果礼盒', category: '食品/零食', listPrice: '10.00' },
    ]) {
      expect((await post('/api/v1/products', p)).statusCode).toBeLessThan(300);
    }
    const store = await post('/api/v1/stores', { code: 'SH01', name: '上海南京西路店', city: '上海', district: '静安区', lat: 31.229, lng: 121.452 });
    expect(store.statusCode).toBe(201);
    id = await upsert({ phone: '13700007777', name: '陈晨', city: '上海' });
    const orders = [
      { channel: 'pos', externalId: 'SH01-1', storeCode: 'SH01', placedAt: '2025-03-01T10:00:00+08:00', lines: [{ sku: 'A100', quantity: 2, unitPrice: '199.00' }] },
      {
        channel: 'online',
        externalId: 'WEB-1',
        placedAt: '2025-06-18T20:00:00+08:00',
        lines: [
          { sku: 'B200', quantity: 1, unitPrice: '268.00' },
          { sku: 'A100', quantity: 1, unitPrice: '199.00', discount: '20.00' },
        ],
      },
      { channel: 'pos', externalId: 'SH01-2', storeCode: 'SH01', placedAt: '2025-11-01T10:00:00+08:00', lines: [{ sku: 'C300', quantity: 3, unitPrice: '10.00' }] },
    ];
    for (const o of orders) {
      const r = await post('/api/v1/orders', { ...o, customer: { phone: '+86 137 0000 7777' } });
      expect(r.statusCode, r.body).toBe(201);
      expect(r.json().customerId).toBe(id);
    }
    const ret = await post('/api/v1/returns', {
      channel: 'online',
      externalId: 'WEB-1-R1',
      order: { channel: 'online', externalId: 'WEB-1' },
      returnedAt: '2025-06-20T12:00:00+08:00',
      reason: '尺码不合适',
      lines: [{ sku: 'B200', quantity: 1 }],
    });
    expect(ret.statusCode, ret.body).toBe(201);
    for (const e of [
      { type: 'view', occurredAt: '2025-10-01T09:00:00+08:00', customer: { phone: '13700007777' }, channel: 'app', sku: 'A100' },
      { type: 'add_to_cart', occurredAt: '2025-10-01T09:05:00+08:00', customer: { phone: '13700007777' }, channel: 'app', sku: 'A100' },
    ]) {
      const r = await post('/api/v1/events', e);
      expect(r.statusCode, r.body).toBe(201);
    }
  });

  it('gives profile, identifiers, lifetime stats and a timeline newest first', async () => {
    const res = await get(`/api/v1/customers/${id}?timelineLimit=4`);
    expect(res.statusCode).toBe(200);
    const c = res.json();
    expect(c.id).toBe(id);
    expect(c.mergedInto).toBeUndefined();
    expect(c.identifiers).toEqual([
      { type: 'phone', value: '+8613700007777', primary: true, source: 'api', createdAt: expect.any(String), lastSeenAt: expect.any(String) },
    ]);
    expect(c.stats).toEqual({
      firstOrderAt: '2025-03-01T02:00:00.000Z',
      lastOrderAt: '2025-11-01T02:00:00.000Z',
      orders: 3,
      gross: '875.00',
      refunded: '268.00',
      netSpend: '607.00',
      averageOrderValue: '202.33',
      returns: 1,
      events: 2,
      lastEventAt: '2025-10-01T01:05:00.000Z',
      channels: [
        { channel: 'pos', orders: 2, netSpend: '428.00' },
        { channel: 'online', orders: 1, netSpend: '179.00' },
      ],
      favouriteCategories: [
        { category: ['服装', '女装'], orders: 2, quantity: 3, netSpend: '577.00' },
        { category: ['食品', '零食'], orders: 1, quantity: 3, netSpend: '30.00' },
        { category: ['母婴', '奶粉'], orders: 1, quantity: 0, netSpend: '0.00' },
      ],
      favouriteStores: [{ storeCode: 'SH01', name: '上海南京西路店', city: '上海', orders: 2, netSpend: '428.00', lastVisitAt: '2025-11-01T02:00:00.000Z' }],
    });
    const tl = c.timeline;
    expect(tl.items.map((i: { kind: string; at: string }) => `${i.kind}@${i.at}`)).toEqual([
      'order@2025-11-01T02:00:00.000Z',
      'event@2025-10-01T01:05:00.000Z',
      'event@2025-10-01T01:00:00.000Z',
      'return@2025-06-20T04:00:00.000Z',
    ]);
    expect(tl.items[0]).toMatchObject({
      channel: 'pos',
      externalId: 'SH01-2',
      storeCode: 'SH01',
      paid: '30.00',
      lines: [{ lineNo: 1, sku: 'C300', productName: '坚果礼盒', category: ['食品', '零食'], quantity: 3, paid: '30.00', returnedQuantity: 0, refunded: '0.00' }],
    });
    expect(tl.items[1]).toMatchObject({ type: 'add_to_cart', channel: 'app', sku: 'A100' });
    expect(tl.items[3]).toMatchObject({ externalId: 'WEB-1-R1', refund: '268.00', reason: '尺码不合适' });
    const next = (await get(`/api/v1/customers/${id}/timeline?limit=4&cursor=${tl.nextCursor}`)).json();
    expect(next.items.map((i: { kind: string; externalId: string }) => `${i.kind}:${i.externalId}`)).toEqual(['order:WEB-1', 'order:SH01-1']);
    expect(next.nextCursor).toBeNull();
  });

  it('names favourite stores from the catalog, a store only an order named by its code', async () => {
    const shopper = await upsert({ phone: '13700008888' });
    for (const [externalId, storeCode, placedAt] of [
      ['GZ09-1', 'GZ09', '2025-04-01T10:00:00+08:00'],
      ['GZ09-2', 'GZ09', '2025-04-02T10:00:00+08:00'],
      ['SH01-9', 'SH01', '2025-04-03T10:00:00+08:00'],
    ] as const) {
      const r = await post('/api/v1/orders', {
        channel: 'pos',
        externalId,
        storeCode,
        placedAt,
        customer: { phone: '13700008888' },
        lines: [{ sku: 'C300', quantity: 1, unitPrice: '10.00' }],
      });
      expect(r.statusCode, r.body).toBe(201);
    }
    expect((await get(`/api/v1/customers/${shopper}`)).json().stats.favouriteStores).toEqual([
      { storeCode: 'GZ09', name: 'GZ09', city: null, orders: 2, netSpend: '20.00', lastVisitAt: '2025-04-02T02:00:00.000Z' },
      { storeCode: 'SH01', name: '上海南京西路店', city: '上海', orders: 1, netSpend: '10.00', lastVisitAt: '2025-04-03T02:00:00.000Z' },
    ]);
  });

  it('answers 404 customers.not_found for an unknown or malformed id', async () => {
    for (const bad of ['01890000-0000-7000-8000-000000000000', 'nope']) {
      const res = await get(`/api/v1/customers/${bad}`);
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('customers.not_found');
    }
  });
});

describe('merge and unmerge', () => {
  /** The 360 minus what a merge + unmerge legitimately leaves behind: its own timeline entries and updatedAt. */
  const comparable = async (id: string) => {
    const c = (await get(`/api/v1/customers/${id}`)).json();
    delete c.profile.updatedAt;
    c.timeline.items = c.timeline.items.filter((i: { kind: string }) => i.kind !== 'merge' && i.kind !== 'unmerge');
    return c;
  };

  it('merges two profiles with all their records and restores both exactly on unmerge', async () => {
    const b = await upsert({
      email: 'b.person@example.com',
      name: '刘洋',
      city: '北京',
      tags: ['new'],
      consents: [{ channel: 'sms', purpose: 'marketing', status: 'granted', recordedAt: '2025-04-01T10:00:00+08:00' }],
    });
    const c = await upsert({ memberNo: 'M777', phone: '13655556666', birthday: '1985-07-07', occupation: 'teacher', tags: ['vip'], attributes: { size: 'L' } });
    await post('/api/v1/orders', { channel: 'online', externalId: 'B-1', placedAt: '2025-05-01T10:00:00+08:00', customer: { email: 'b.person@example.com' }, lines: [{ sku: 'A100', quantity: 1, unitPrice: '199.00' }] });
    await post('/api/v1/orders', { channel: 'pos', externalId: 'C-1', storeCode: 'BJ01', placedAt: '2025-05-02T10:00:00+08:00', customer: { memberNo: 'm777' }, lines: [{ sku: 'C300', quantity: 1, unitPrice: '10.00' }] });
    await post('/api/v1/events', { type: 'store_visit', occurredAt: '2025-05-03T10:00:00+08:00', customer: { phone: '13655556666' }, storeCode: 'BJ01' });
    await t.kemai.customers.addTimelineItem(t.kemai.database.db, {
      customerId: c,
      occurredAt: new Date('2025-05-04T02:00:00Z'),
      kind: 'loyalty.points_earned',
      refId: 'P-1',
      summary: { points: 10 },
    });
    const beforeB = await comparable(b);
    const beforeC = await comparable(c);

    const merged = await post(`/api/v1/customers/${b}/merge`, { otherId: c, reason: '同一人，客服核实' });
    expect(merged.statusCode).toBe(200);
    const { mergeId } = merged.json();
    expect(merged.json()).toEqual({ mergeId: expect.any(String), survivorId: b, absorbedId: c });

    const s = (await get(`/api/v1/customers/${b}`)).json();
    expect(s.profile).toMatchObject({ name: '刘洋', city: '北京', birthday: '1985-07-07', occupation: 'teacher', tags: ['new', 'vip'], attributes: { size: 'L' } });
    expect(s.identifiers.map((i: { type: string; value: string; primary: boolean }) => `${i.type}:${i.value}:${i.primary}`)).toEqual([
      'email:b.person@example.com:true',
      'member_no:M777:true',
      'phone:+8613655556666:true',
    ]);
    expect(s.stats).toMatchObject({ orders: 2, netSpend: '209.00', events: 1 });
    expect(s.timeline.items.filter((i: { kind: string }) => i.kind === 'item')).toEqual([
      { kind: 'item', id: expect.any(String), at: '2025-05-04T02:00:00.000Z', itemKind: 'loyalty.points_earned', refId: 'P-1', summary: { points: 10 } },
    ]);
    expect(s.timeline.items[0]).toMatchObject({ kind: 'merge', survivorId: b, absorbedId: c, actor: 'apikey:local-cli', reason: '同一人，客服核实' });
    const viaOld = (await get(`/api/v1/customers/${c}`)).json();
    expect(viaOld).toMatchObject({ id: b, requestedId: c, mergedInto: b });
    const outbox = await query<{ payload: Record<string, unknown> }>(
      t.kemai.database.db,
      sql`select payload from platform.outbox where name = 'customers.customer.merged' and payload->>'mergeId' = ${mergeId}`,
    );
    expect(outbox[0]!.payload).toMatchObject({ survivorId: b, absorbedId: c, actor: 'apikey:local-cli' });

    const undone = await post(`/api/v1/customers/${b}/unmerge`, { mergeId });
    expect(undone.statusCode).toBe(200);
    expect(await comparable(b)).toEqual(beforeB);
    expect(await comparable(c)).toEqual(beforeC);
    const again = await post(`/api/v1/customers/${b}/unmerge`, { mergeId });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('customers.merge_already_undone');
    expect(await count(`platform.outbox where name = 'customers.customer.unmerged'`)).toBe(1);

    // Staff said two people: a record carrying both identifiers no longer merges them.
    const order = await post('/api/v1/orders', { channel: 'online', externalId: 'BC-1', placedAt: '2025-07-01T10:00:00+08:00', customer: { email: 'b.person@example.com', memberNo: 'M777' }, lines: [{ sku: 'A100', quantity: 1, unitPrice: '199.00' }] });
    expect(order.json().customerId).toBe(b);
    expect((await get(`/api/v1/customers/${c}`)).json().mergedInto).toBeUndefined();
  });

  it('refuses to merge a profile with itself, a merged profile or an unknown one', async () => {
    const x = await upsert({ email: 'x@example.com' });
    const y = await upsert({ email: 'y@example.com' });
    const self = await post(`/api/v1/customers/${x}/merge`, { otherId: x });
    expect(self.statusCode).toBe(400);
    expect(self.json().error.code).toBe('customers.merge_same');
    expect((await post(`/api/v1/customers/${x}/merge`, { otherId: y })).statusCode).toBe(200);
    const twice = await post(`/api/v1/customers/${x}/merge`, { otherId: y });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().error).toMatchObject({ code: 'customers.already_merged', details: { customerId: y, mergedInto: x } });
    const unknown = await post(`/api/v1/customers/${x}/merge`, { otherId: '01890000-0000-7000-8000-000000000000' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('customers.not_found');
  });

  it('checks the merge scope', async () => {
    const x = await upsert({ email: 'scope1@example.com' });
    const y = await upsert({ email: 'scope2@example.com' });
    const denied = await post(`/api/v1/customers/${x}/merge`, { otherId: y }, writer);
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error).toMatchObject({ code: 'auth.missing_scope', details: { scope: 'customers:merge' } });
    const noWrite = await post('/api/v1/customers', { email: 'z@example.com' }, reader);
    expect(noWrite.statusCode).toBe(403);
    expect(noWrite.json().error.details).toEqual({ scope: 'customers:write' });
    expect((await get('/api/v1/customers', { authorization: 'Bearer km_nope' })).statusCode).toBe(401);
  });
});

describe('duplicate review', () => {
  it('lists suspected duplicates, merges an accepted one and closes a rejected one for good', async () => {
    const d = await upsert({ phone: '13611112222', name: '周杰', birthday: '1990-05-01', city: '广州' });
    const e = await upsert({ phone: '13622223333', name: '周杰', birthday: '1990-05-01', city: '广州' });
    const f = await upsert({ email: 'f@example.com', name: '吴昊', birthday: '1988-01-01', city: '深圳' });
    const g = await upsert({ email: 'g@example.com', name: '吴昊', birthday: '1988-01-01', city: '深圳' });
    const list = (await get('/api/v1/customers/duplicates', reader)).json();
    const pair = (x: string, y: string) => [x, y].sort();
    expect(list.items.map((i: { customer: { id: string }; other: { id: string }; reason: string }) => [i.customer.id, i.other.id, i.reason])).toEqual([
      [...pair(f, g), 'same_name_birthday_city'],
      [...pair(d, e), 'same_name_birthday_city'],
    ]);
    expect(list.items[1].customer).toMatchObject({ name: '周*', birthday: '1990-05-01', city: '广州', phone: expect.stringMatching(/^136\*\*\*\*\d{4}$/) });

    const merger = await t.keyWith(['customers:merge']);
    const denied = await post(`/api/v1/customers/duplicates/${list.items[1].id}/accept`, {}, writer);
    expect(denied.statusCode).toBe(403);
    const accepted = await post(`/api/v1/customers/duplicates/${list.items[1].id}/accept`, {}, merger);
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json()).toEqual({ mergeId: expect.any(String), survivorId: d, absorbedId: e });
    const m = await query(t.kemai.database.db, sql`select actor, reason from customers.merges where id = ${accepted.json().mergeId}`);
    expect(m).toEqual([{ actor: 'apikey:test-customers:merge', reason: 'duplicate review: same_name_birthday_city' }]);
    const rejected = await post(`/api/v1/customers/duplicates/${list.items[0].id}/reject`, {}, merger);
    expect(rejected.json()).toEqual({ id: list.items[0].id, status: 'rejected' });
    const decided = await post(`/api/v1/customers/duplicates/${list.items[0].id}/reject`, {}, merger);
    expect(decided.statusCode).toBe(409);
    expect(decided.json().error.code).toBe('customers.duplicate_decided');

    await upsert({ email: 'g@example.com', name: '吴昊' });
    expect((await get('/api/v1/customers/duplicates')).json().items).toEqual([]);
    expect((await get(`/api/v1/customers/${g}`)).json().profile.status).toBe('active');
    expect((await get(`/api/v1/customers/${e}`)).json()).toMatchObject({ id: d, mergedInto: d });
  });
});

describe('merge and unmerge of primary identifiers', () => {
  const identifiersOf = (id: string) =>
    query<{ type: string; value: string; is_primary: boolean }>(
      t.kemai.database.db,
      sql`select type, value, is_primary from customers.identifiers where customer_id = ${id} order by type, value`,
    );

  it('a moved primary stays primary unless the survivor has one of its type; the unmerge gives each its own back', async () => {
    const survivor = await upsert({ phone: '13677770001' });
    const absorbed = await upsert({ phone: '13677770002', email: 'pm.absorbed@example.com' });
    const before = await identifiersOf(absorbed);
    expect(before).toEqual([
      { type: 'email', value: 'pm.absorbed@example.com', is_primary: true },
      { type: 'phone', value: '+8613677770002', is_primary: true },
    ]);
    const { mergeId } = (await post(`/api/v1/customers/${survivor}/merge`, { otherId: absorbed, reason: 'same person' })).json();
    expect(await identifiersOf(survivor)).toEqual([
      { type: 'email', value: 'pm.absorbed@example.com', is_primary: true },
      { type: 'phone', value: '+8613677770001', is_primary: true },
      { type: 'phone', value: '+8613677770002', is_primary: false },
    ]);
    expect(await identifiersOf(absorbed)).toEqual([]);
    const [m] = await query<{ moved: { identifiers: unknown[]; consents: string[]; timelineItems: string[] } }>(
      t.kemai.database.db,
      sql`select moved from customers.merges where id = ${mergeId}`,
    );
    expect([...m!.moved.identifiers].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([
      { type: 'email', value: 'pm.absorbed@example.com', wasPrimary: true },
      { type: 'phone', value: '+8613677770002', wasPrimary: true },
    ]);
    expect((await post(`/api/v1/customers/${survivor}/unmerge`, { mergeId })).statusCode).toBe(200);
    expect(await identifiersOf(absorbed)).toEqual(before);
    expect(await identifiersOf(survivor)).toEqual([{ type: 'phone', value: '+8613677770001', is_primary: true }]);
    expect(await count(`customers.identifier_keys where value in ('+8613677770002', 'pm.absorbed@example.com') and customer_id = '${absorbed}'`)).toBe(2);
  });
});
