import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';

/** GET /api/v1/customers?page=…: the console's list with order figures, filters, sorts and a total. */
let t: TestApp;
let analyst: { authorization: string };
beforeAll(async () => {
  t = await createTestApp();
  analyst = await t.keyWith(['customers:read']);
  const orders = [
    // 周: two orders, one cancelled (not counted); 陈: three orders, one partly refunded later; 吴: no orders.
    { externalId: 'L-1', placedAt: '2025-03-01T10:00:00+08:00', customer: { phone: '13900000001', name: '周洁' }, price: '100.00' },
    { externalId: 'L-2', placedAt: '2025-05-20T10:00:00+08:00', customer: { phone: '13900000001' }, price: '50.00' },
    { externalId: 'L-3', placedAt: '2025-05-21T10:00:00+08:00', customer: { phone: '13900000001' }, price: '999.00', status: 'cancelled' },
    { externalId: 'L-4', placedAt: '2025-04-01T00:30:00+08:00', customer: { phone: '13900000002', name: '陈立', memberNo: 'M-7' }, price: '300.00' },
    { externalId: 'L-5', placedAt: '2025-04-10T10:00:00+08:00', customer: { phone: '13900000002' }, price: '20.00' },
    { externalId: 'L-6', placedAt: '2025-06-29T23:30:00+08:00', customer: { phone: '13900000002' }, price: '80.00' },
  ];
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/orders/batch',
    headers: t.admin,
    payload: {
      items: orders.map((o) => ({
        channel: 'pos',
        externalId: o.externalId,
        placedAt: o.placedAt,
        customer: o.customer,
        status: o.status,
        lines: [{ sku: 'SKU-1', quantity: 1, unitPrice: o.price }],
      })),
    },
  });
  expect(res.statusCode, res.body).toBe(200);
  const ret = await t.app.inject({
    method: 'POST',
    url: '/api/v1/returns',
    headers: t.admin,
    payload: { channel: 'pos', externalId: 'R-1', order: { channel: 'pos', externalId: 'L-4' }, returnedAt: '2025-04-02T10:00:00+08:00', lines: [{ lineNo: 1, quantity: 1, refundAmount: '120.00' }] },
  });
  expect(ret.statusCode, ret.body).toBeLessThan(300);
  const none = await t.app.inject({ method: 'POST', url: '/api/v1/customers', headers: t.admin, payload: { phone: '13900000003', name: '吴敏', city: '杭州' } });
  expect(none.statusCode, none.body).toBe(201);
});
afterAll(async () => t?.close());

const list = async (qs: string, headers: { authorization: string } = t.admin) => {
  const res = await t.app.inject({ method: 'GET', url: `/api/v1/customers?${qs}`, headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { items: Array<Record<string, unknown>>; total: number; nextCursor: null };
};
const names = (r: { items: Array<Record<string, unknown>> }) => r.items.map((i) => i.name);

describe('customer list (page mode)', () => {
  it('shows each person with orders and net spend (cancelled orders left out, refunds deducted) and the total', async () => {
    const r = await list('page=1&pageSize=10&sort=-spend');
    expect(r.total).toBe(3);
    expect(r.nextCursor).toBeNull();
    expect(r.items.map((i) => [i.name, i.phone, i.memberNo, i.orders, i.netSpend, i.firstOrderAt, i.lastOrderAt])).toEqual([
      ['陈立', '+8613900000002', 'M-7', 3, '280.00', '2025-03-31T16:30:00.000Z', '2025-06-29T15:30:00.000Z'],
      ['周洁', '+8613900000001', null, 2, '150.00', '2025-03-01T02:00:00.000Z', '2025-05-20T02:00:00.000Z'],
      ['吴敏', '+8613900000003', null, 0, '0.00', null, null],
    ]);
  });

  it('sorts both ways on every key, pages without overlap, and searches', async () => {
    expect(names(await list('page=1&sort=orders'))).toEqual(['吴敏', '周洁', '陈立']);
    expect(names(await list('page=1&sort=-lastOrder'))).toEqual(['陈立', '周洁', '吴敏']);
    expect(names(await list('page=1&sort=lastOrder'))).toEqual(['吴敏', '周洁', '陈立']);
    const p1 = await list('page=1&pageSize=2&sort=-orders');
    const p2 = await list('page=2&pageSize=2&sort=-orders');
    expect([p1.total, p2.total]).toEqual([3, 3]);
    expect([...names(p1), ...names(p2)]).toEqual(['陈立', '周洁', '吴敏']);
    expect(names(await list('page=1&q=139 0000 0002'))).toEqual(['陈立']);
    expect(names(await list('page=1&q=M-7'))).toEqual(['陈立']);
    expect((await list('page=1&city=杭州')).items.map((i) => i.name)).toEqual(['吴敏']);
  });

  it('filters people active in the 90 days up to a date and people whose first order falls in a period (business time zone)', async () => {
    // 2025-06-30 in Shanghai: the window is 2025-04-02 00:00 to 2025-07-01 00:00 (+08:00).
    expect(names(await list('page=1&active=90d&asOf=2025-06-30&sort=name'))).toEqual(['周洁', '陈立']);
    // 30 days up to 2025-05-25 (04-26 to 05-25): 周 bought on 05-20; 陈 on 04-10 and 06-29, neither inside.
    expect(names(await list('page=1&active=30d&asOf=2025-05-25'))).toEqual(['周洁']);
    // 陈's first order is 2025-04-01 00:30 in Shanghai (still 03-31 in UTC): April counts it, March does not.
    expect(names(await list('page=1&firstOrderFrom=2025-04-01&firstOrderTo=2025-04-30'))).toEqual(['陈立']);
    expect(names(await list('page=1&firstOrderFrom=2025-03-01&firstOrderTo=2025-03-31'))).toEqual(['周洁']);
  });

  it('masks names and phones for a role without pii:read', async () => {
    const r = await list('page=1&sort=-spend', analyst);
    expect(r.items.map((i) => [i.name, i.phone])).toEqual([
      ['陈*', '139****0002'],
      ['周*', '139****0001'],
      ['吴*', '139****0003'],
    ]);
  });

  it('refuses a bad sort, a bad window and a period that ends before it starts, naming the field', async () => {
    for (const [qs, field] of [
      ['page=1&sort=phone', 'sort'],
      ['page=1&active=ninety', 'active'],
      ['page=1&firstOrderFrom=2025-05-01&firstOrderTo=2025-04-01', 'firstOrderFrom'],
      ['page=0', 'page'],
    ] as const) {
      const res = await t.app.inject({ method: 'GET', url: `/api/v1/customers?${qs}`, headers: t.admin });
      expect(res.statusCode, qs).toBe(400);
      expect(JSON.stringify(res.json().error), qs).toContain(field);
    }
  });
});
