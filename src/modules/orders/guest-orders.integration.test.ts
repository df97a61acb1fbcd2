import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../platform/db/database.js';
import { guestCustomerId } from '../../platform/ids.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';

/**
 * Guest sales under Citus's key rules (docs/adr/0014-citus-distribution.md, items 1, 2 and 5): a sale without a member
 * is stored under guestCustomerId(channel, external id) with guest = true, children carry their parent's customer_id,
 * and the feeds' idempotency key lives in orders.external_keys.
 */

let t: TestApp;
let writer: { authorization: string };
beforeAll(async () => {
  t = await createTestApp();
  writer = await t.keyWith(['orders:write']);
});
afterAll(async () => t?.close());

const post = (url: string, payload: unknown) => t.app.inject({ method: 'POST', url, headers: writer, payload: payload as object });
const rows = <T = Record<string, unknown>>(statement: ReturnType<typeof sql>) => query<T>(t.kemai.database.db, statement);

function order(externalId: string, extra: Record<string, unknown> = {}) {
  return {
    channel: 'pos',
    externalId,
    storeCode: 'G01',
    placedAt: '2025-06-18T20:15:00+08:00',
    lines: [
      { sku: 'G-1', quantity: 2, unitPrice: '50.00' },
      { sku: 'G-2', quantity: 1, unitPrice: '30.00' },
    ],
    ...extra,
  };
}

/** Where an order and everything keyed by its customer are stored. */
async function placement(orderId: string) {
  const [o] = await rows<{ customer_id: string; guest: boolean; channel: string; external_id: string }>(
    sql`select customer_id, guest, channel, external_id from orders.orders where id = ${orderId}`,
  );
  const owners = async (statement: ReturnType<typeof sql>) => (await rows<{ c: string }>(statement)).map((r) => r.c);
  return {
    order: { customerId: o!.customer_id, guest: o!.guest },
    lines: await owners(sql`select customer_id as c from orders.order_lines where order_id = ${orderId} order by line_no`),
    versions: await owners(sql`select customer_id as c from orders.order_versions where order_id = ${orderId} order by version`),
    returns: await rows<{ c: string; guest: boolean }>(sql`select customer_id as c, guest from orders.returns where order_id = ${orderId} order by id`),
    returnLines: await owners(
      sql`select rl.customer_id as c from orders.return_lines rl join orders.returns r on r.id = rl.return_id
          where r.order_id = ${orderId} order by rl.return_id, rl.order_line_no`,
    ),
    keys: await rows<{ kind: string; c: string }>(
      sql`select k.kind, k.customer_id as c from orders.external_keys k
          where (k.kind = 'order' and k.id = ${orderId})
             or (k.kind = 'return' and k.id in (select id from orders.returns where order_id = ${orderId}))
          order by k.kind, k.external_id`,
    ),
  };
}

describe('guest orders', () => {
  it('stores a guest sale under guestCustomerId with guest = true, its lines and key with it, and answers no customer', async () => {
    const res = await post('/api/v1/orders', order('G-100'));
    expect(res.statusCode).toBe(201);
    const created = res.json();
    expect(created).toEqual({ id: expect.any(String), customerId: null, status: 'created' });
    const guestId = guestCustomerId('pos', 'G-100');
    expect(await placement(created.id)).toEqual({
      order: { customerId: guestId, guest: true },
      lines: [guestId, guestId],
      versions: [],
      returns: [],
      returnLines: [],
      keys: [{ kind: 'order', c: guestId }],
    });
    // The SQL twin agrees with the code.
    expect(await rows(sql`select platform.guest_customer_id('pos', 'G-100')::text as id`)).toEqual([{ id: guestId }]);
    // Read back, it is still an order without a customer.
    const detail = await t.app.inject({ method: 'GET', url: `/api/v1/orders/${created.id}`, headers: t.admin });
    expect(detail.json()).toMatchObject({ id: created.id, customerId: null, lines: [{ lineNo: 1 }, { lineNo: 2 }] });
    expect(await rows(sql`select guest from orders.order_facts where id = ${created.id}`)).toEqual([{ guest: true }]);
    expect(await rows(sql`select count(*)::int as n, bool_and(guest) as guest from orders.line_facts where order_id = ${created.id}`)).toEqual([
      { n: 2, guest: true },
    ]);
  });

  it('answers a re-sent guest order unchanged (the key table finds it) and writes nothing', async () => {
    const first = (await post('/api/v1/orders', order('G-101'))).json();
    const count = async () =>
      (
        await rows<{ o: number; l: number; k: number }>(
          sql`select (select count(*) from orders.orders)::int as o, (select count(*) from orders.order_lines)::int as l,
                     (select count(*) from orders.external_keys)::int as k`,
        )
      )[0];
    const before = await count();
    const again = await post('/api/v1/orders', order('G-101'));
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ id: first.id, customerId: null, status: 'unchanged' });
    expect(await count()).toEqual(before);
  });

  it('keeps one order for an external id repeated in a batch, and one key row', async () => {
    const res = await post('/api/v1/orders/batch', {
      items: [order('G-102'), order('G-102', { lines: [{ sku: 'G-1', quantity: 3, unitPrice: '50.00' }] }), order('G-103')],
    });
    expect(res.statusCode).toBe(200);
    const results = res.json().results as Array<{ index: number; status: string; id: string; customerId: string | null }>;
    expect(results.map((r) => [r.index, r.status, r.customerId])).toEqual([
      [0, 'created', null],
      [1, 'created', null],
      [2, 'created', null],
    ]);
    expect(results[0]!.id).toBe(results[1]!.id);
    expect(results[2]!.id).not.toBe(results[0]!.id);
    expect(await rows(sql`select count(*)::int as n, sum(line_count)::int as lines from orders.orders where external_id = 'G-102'`)).toEqual([
      { n: 1, lines: 1 },
    ]);
    expect(await rows(sql`select kind, customer_id::text as c from orders.external_keys where external_id = 'G-102'`)).toEqual([
      { kind: 'order', c: guestCustomerId('pos', 'G-102') },
    ]);
  });

  it('refuses to record a second order under a key another transaction holds (the key table is the unique key)', async () => {
    const guestId = guestCustomerId('pos', 'G-104');
    // A key without its order, as a concurrent transaction that inserted it first would leave it until commit.
    await rows(sql`insert into orders.external_keys (kind, channel, external_id, customer_id, id) values ('order', 'pos', 'G-104', ${guestId}, gen_random_uuid())`);
    await expect(t.kemai.orders.ingestOrders([order('G-104') as never], { source: 'api' })).rejects.toThrow('order created concurrently');
    expect(await rows(sql`select count(*)::int as n from orders.orders where external_id = 'G-104'`)).toEqual([{ n: 0 }]);
    await rows(sql`delete from orders.external_keys where external_id = 'G-104'`);
  });

  it('moves a guest order to the member who claims it: lines, versions, returns, return lines and keys follow, guest clears', async () => {
    const created = (await post('/api/v1/orders', order('G-200'))).json();
    const ret = await post('/api/v1/returns', {
      channel: 'pos',
      externalId: 'G-200-R',
      order: { channel: 'pos', externalId: 'G-200' },
      returnedAt: '2025-06-20',
      lines: [{ lineNo: 1, quantity: 1 }],
    });
    expect(ret.statusCode).toBe(201);
    expect(ret.json()).toMatchObject({ customerId: null, status: 'created' });
    const guestId = guestCustomerId('pos', 'G-200');
    expect((await placement(created.id)).returns).toEqual([{ c: guestId, guest: true }]);

    // The receipt re-sent with the member's phone: the same order, now the member's.
    const claimed = await post('/api/v1/orders', order('G-200', { customer: { phone: '13900139000' } }));
    expect(claimed.statusCode).toBe(200);
    const { customerId, status, id } = claimed.json();
    expect(status).toBe('updated');
    expect(id).toBe(created.id);
    expect(customerId).toEqual(expect.any(String));
    expect(await placement(created.id)).toEqual({
      order: { customerId, guest: false },
      lines: [customerId, customerId],
      versions: [customerId],
      returns: [{ c: customerId, guest: false }],
      returnLines: [customerId],
      keys: [
        { kind: 'order', c: customerId },
        { kind: 'return', c: customerId },
      ],
    });
    expect(await rows(sql`select count(*)::int as n from orders.order_lines where customer_id = ${guestId}`)).toEqual([{ n: 0 }]);
    // The returned quantity survived the move.
    expect(await rows(sql`select line_no, returned_quantity from orders.order_lines where order_id = ${created.id} order by line_no`)).toEqual([
      { line_no: 1, returned_quantity: 1 },
      { line_no: 2, returned_quantity: 0 },
    ]);
    const detail = (await t.app.inject({ method: 'GET', url: `/api/v1/orders/${created.id}`, headers: t.admin })).json();
    expect(detail).toMatchObject({ customerId, version: 2, versions: [{ version: 1, previous: { customerId: null } }] });
    expect(detail.returns).toHaveLength(1);

    // A re-sent return of the claimed order is still found by its key.
    const replay = await post('/api/v1/returns', {
      channel: 'pos',
      externalId: 'G-200-R',
      order: { channel: 'pos', externalId: 'G-200' },
      returnedAt: '2025-06-20',
      lines: [{ lineNo: 1, quantity: 1 }],
    });
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toMatchObject({ status: 'unchanged', customerId });
  });

  it('moves versions and keys with a merge, and back on unmerge', async () => {
    const a = (await post('/api/v1/orders', order('G-300', { customer: { phone: '13700137000' } }))).json();
    const b = (await post('/api/v1/orders', order('G-301', { customer: { phone: '13600136000' } }))).json();
    // A changed replay gives b a version.
    await post('/api/v1/orders', order('G-301', { customer: { phone: '13600136000' }, lines: [{ sku: 'G-1', quantity: 1, unitPrice: '50.00' }] }));
    await post('/api/v1/returns', { channel: 'pos', externalId: 'G-301-R', order: { channel: 'pos', externalId: 'G-301' }, returnedAt: '2025-06-20', lines: [{ lineNo: 1, quantity: 1 }] });
    const merged = await t.kemai.customers.mergeCustomers(a.customerId, b.customerId, { actor: 'staff:test', reason: 'same person' });
    const under = (c: string) => ({
      order: { customerId: c, guest: false },
      lines: [c],
      versions: [c],
      returns: [{ c, guest: false }],
      returnLines: [c],
      keys: [
        { kind: 'order', c },
        { kind: 'return', c },
      ],
    });
    expect(await placement(b.id)).toEqual(under(a.customerId));
    await t.kemai.customers.unmergeCustomers(merged.mergeId, 'staff:test');
    expect(await placement(b.id)).toEqual(under(b.customerId));
  });

  it('a batch moves several orders at once, each from its own owner: guest sales claimed by members, a member’s order re-sent as a guest', async () => {
    const g1 = (await post('/api/v1/orders', order('G-400'))).json();
    const g2 = (await post('/api/v1/orders', order('G-401'))).json();
    // G-401 gets a version (a changed replay, still a guest) and a return.
    await post('/api/v1/orders', order('G-401', { lines: [{ sku: 'G-1', quantity: 2, unitPrice: '50.00' }] }));
    const ret = await post('/api/v1/returns', { channel: 'pos', externalId: 'G-401-R', order: { channel: 'pos', externalId: 'G-401' }, returnedAt: '2025-06-20', lines: [{ lineNo: 1, quantity: 1 }] });
    expect(ret.statusCode).toBe(201);
    const m = (await post('/api/v1/orders', order('G-402', { customer: { phone: '13500135000' } }))).json();

    const res = await post('/api/v1/orders/batch', {
      items: [
        order('G-400', { customer: { phone: '13500135000' } }),
        order('G-401', { customer: { phone: '13500135001' }, lines: [{ sku: 'G-1', quantity: 2, unitPrice: '50.00' }] }),
        order('G-402'),
      ],
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().summary).toEqual({ created: 0, updated: 3, unchanged: 0, error: 0 });
    const [r1, r2, r3] = res.json().results as Array<{ id: string; customerId: string | null }>;
    expect([r1!.id, r2!.id, r3!.id]).toEqual([g1.id, g2.id, m.id]);
    const c1 = m.customerId as string;
    const c2 = r2!.customerId as string;
    expect(r1!.customerId).toBe(c1);
    expect(r3!.customerId).toBeNull();
    expect(c2).not.toBe(c1);
    expect(await placement(g1.id)).toEqual({ order: { customerId: c1, guest: false }, lines: [c1, c1], versions: [c1], returns: [], returnLines: [], keys: [{ kind: 'order', c: c1 }] });
    expect(await placement(g2.id)).toEqual({
      order: { customerId: c2, guest: false },
      lines: [c2],
      versions: [c2, c2],
      returns: [{ c: c2, guest: false }],
      returnLines: [c2],
      keys: [
        { kind: 'order', c: c2 },
        { kind: 'return', c: c2 },
      ],
    });
    const g3 = guestCustomerId('pos', 'G-402');
    expect(await placement(m.id)).toEqual({ order: { customerId: g3, guest: true }, lines: [g3, g3], versions: [g3], returns: [], returnLines: [], keys: [{ kind: 'order', c: g3 }] });
    // Nothing stays behind under the old owners, nothing is copied twice.
    const left = [guestCustomerId('pos', 'G-400'), guestCustomerId('pos', 'G-401')];
    expect(
      await rows(sql`select (select count(*)::int from orders.orders where customer_id = any(${sql.param(left)}::uuid[])) as orders,
                            (select count(*)::int from orders.order_lines where customer_id = any(${sql.param(left)}::uuid[])) as lines,
                            (select count(*)::int from orders.order_versions where customer_id = any(${sql.param(left)}::uuid[])) as versions,
                            (select count(*)::int from orders.returns where customer_id = any(${sql.param(left)}::uuid[])) as returns,
                            (select count(*)::int from orders.return_lines where customer_id = any(${sql.param(left)}::uuid[])) as return_lines,
                            (select count(*)::int from orders.orders where customer_id = ${c1} and id = ${m.id}) as member_order`),
    ).toEqual([{ orders: 0, lines: 0, versions: 0, returns: 0, return_lines: 0, member_order: 0 }]);
    expect(await rows(sql`select line_no, quantity, returned_quantity from orders.order_lines where order_id = ${g2.id} order by line_no`)).toEqual([
      { line_no: 1, quantity: 2, returned_quantity: 1 },
    ]);
  });

  it('a merge moves all the customer’s orders in one move (only some with versions or returns); unmerge moves exactly those back', async () => {
    const a = (await post('/api/v1/orders', order('G-500', { customer: { phone: '13400134000' } }))).json();
    const b1 = (await post('/api/v1/orders', order('G-501', { customer: { phone: '13400134001' } }))).json();
    const b2 = (await post('/api/v1/orders', order('G-502', { customer: { phone: '13400134001' } }))).json();
    await post('/api/v1/orders', order('G-502', { customer: { phone: '13400134001' }, lines: [{ sku: 'G-2', quantity: 3, unitPrice: '30.00' }] }));
    await post('/api/v1/returns', { channel: 'pos', externalId: 'G-502-R', order: { channel: 'pos', externalId: 'G-502' }, returnedAt: '2025-06-20', lines: [{ lineNo: 1, quantity: 2 }] });
    const A = a.customerId as string;
    const B = b1.customerId as string;
    const plain = (c: string) => ({ order: { customerId: c, guest: false }, lines: [c, c], versions: [], returns: [], returnLines: [], keys: [{ kind: 'order', c }] });
    const full = (c: string) => ({
      order: { customerId: c, guest: false },
      lines: [c],
      versions: [c],
      returns: [{ c, guest: false }],
      returnLines: [c],
      keys: [
        { kind: 'order', c },
        { kind: 'return', c },
      ],
    });
    const merged = await t.kemai.customers.mergeCustomers(A, B, { actor: 'staff:test', reason: 'same person' });
    expect([await placement(a.id), await placement(b1.id), await placement(b2.id)]).toEqual([plain(A), plain(A), full(A)]);
    await t.kemai.customers.unmergeCustomers(merged.mergeId, 'staff:test');
    expect([await placement(a.id), await placement(b1.id), await placement(b2.id)]).toEqual([plain(A), plain(B), full(B)]);
    expect(await rows(sql`select count(*)::int as n from orders.order_lines where order_id = any(${sql.param([a.id, b1.id, b2.id])}::uuid[])`)).toEqual([{ n: 5 }]);
  });

  it('does not count a guest sale as a customer: RFM scores and the dashboard\'s buyers are members only', async () => {
    const fresh = await createTestApp();
    try {
      const key = await fresh.keyWith(['orders:write']);
      const send = (payload: unknown) => fresh.app.inject({ method: 'POST', url: '/api/v1/orders', headers: key, payload: payload as object });
      const member = (await send(order('R-1', { customer: { phone: '13500135000' } }))).json();
      await send(order('R-2'));
      await send(order('R-3', { placedAt: '2025-06-19T10:00:00+08:00' }));
      const db = fresh.kemai.database.db;
      expect(await query(db, sql`select count(*)::int as n, count(*) filter (where guest)::int as guests from orders.orders`)).toEqual([{ n: 3, guests: 2 }]);

      const run = await fresh.kemai.segments.rfm.run({ asOf: '2025-06-30' }, 'staff:test');
      expect(run).toMatchObject({ customers: 1 });
      expect(await query(db, sql`select customer_id::text as id, frequency from segments.rfm_scores`)).toEqual([{ id: member.customerId, frequency: 1 }]);

      const overview = await fresh.kemai.insights.overview({ from: '2025-06-01', to: '2025-06-30', compare: 'previous' });
      expect(overview.kpis.buyers.current).toBe(1);
      expect(overview.kpis.orders.current).toBe(3);
      expect(overview.trend.current.reduce((s, p) => s + p.buyers, 0)).toBe(1);
    } finally {
      await fresh.close();
    }
  });
});
