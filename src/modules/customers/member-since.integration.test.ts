import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';

/**
 * A profile's first order (kept by the orders module in the transaction that writes orders) and
 * member-since (created, or first bought if earlier): through new, earlier, cancelled and moved
 * orders, a merge and its undo — and the list filters the dashboard's "new members" link uses.
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

const order = async (externalId: string, placedAt: string, phone: string, status?: string) => {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/orders',
    headers: t.admin,
    payload: { channel: 'pos', externalId, placedAt, status, customer: { phone }, lines: [{ sku: 'SKU-1', quantity: 1, unitPrice: '10.00' }] },
  });
  expect(res.statusCode, res.body).toBeLessThan(300);
  return res.json() as { customerId: string };
};
const row = async (phone: string) => {
  const res = await t.app.inject({ method: 'GET', url: `/api/v1/customers?page=1&pageSize=100&q=${phone}`, headers: t.admin });
  expect(res.statusCode, res.body).toBe(200);
  const items = (res.json() as { items: Array<{ firstOrderAt: string | null; memberSince: string; createdAt: string }> }).items;
  expect(items).toHaveLength(1);
  return items[0]!;
};
const names = async (qs: string) => {
  const res = await t.app.inject({ method: 'GET', url: `/api/v1/customers?page=1&sort=name&${qs}`, headers: t.admin });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as { items: Array<{ name: string }> }).items.map((i) => i.name);
};

describe('first order and member since', () => {
  it('follow new, earlier, cancelled and re-dated orders', async () => {
    const { customerId } = await order('MS-1', '2025-05-01T10:00:00+08:00', '13700000001');
    expect(customerId).toBeTruthy();
    expect(await row('13700000001')).toMatchObject({ firstOrderAt: '2025-05-01T02:00:00.000Z', memberSince: '2025-05-01T02:00:00.000Z' });
    await order('MS-2', '2025-07-01T10:00:00+08:00', '13700000001');
    expect((await row('13700000001')).firstOrderAt).toBe('2025-05-01T02:00:00.000Z');
    await order('MS-0', '2025-03-01T10:00:00+08:00', '13700000001');
    expect((await row('13700000001')).firstOrderAt).toBe('2025-03-01T02:00:00.000Z');
    // The earliest order is cancelled: the next one is the first again.
    await order('MS-0', '2025-03-01T10:00:00+08:00', '13700000001', 'cancelled');
    expect((await row('13700000001')).firstOrderAt).toBe('2025-05-01T02:00:00.000Z');
    // Re-dated later than the others: the first is now the July order.
    await order('MS-1', '2025-08-01T10:00:00+08:00', '13700000001');
    expect((await row('13700000001')).firstOrderAt).toBe('2025-07-01T02:00:00.000Z');
    // An order that only ever was cancelled makes nobody a buyer.
    await order('MS-9', '2025-01-01T10:00:00+08:00', '13700000009', 'cancelled');
    const never = await row('13700000009');
    expect(never.firstOrderAt).toBeNull();
    expect(never.memberSince).toBe(never.createdAt);
  });

  it('a merge takes the earlier first order; the undo gives each profile its own back', async () => {
    const a = await order('MM-1', '2025-06-01T10:00:00+08:00', '13700000011');
    const b = await order('MM-2', '2025-02-01T10:00:00+08:00', '13700000012');
    const merged = await t.app.inject({ method: 'POST', url: `/api/v1/customers/${a.customerId}/merge`, headers: t.admin, payload: { otherId: b.customerId } });
    expect(merged.statusCode, merged.body).toBe(200);
    expect((await row('13700000011')).firstOrderAt).toBe('2025-02-01T02:00:00.000Z');
    // A later order of the absorbed phone lands on the survivor and changes nothing.
    await order('MM-3', '2025-09-01T10:00:00+08:00', '13700000012');
    expect((await row('13700000011')).firstOrderAt).toBe('2025-02-01T02:00:00.000Z');
    const undone = await t.app.inject({
      method: 'POST',
      url: `/api/v1/customers/${a.customerId}/unmerge`,
      headers: t.admin,
      payload: { mergeId: (merged.json() as { mergeId: string }).mergeId },
    });
    expect(undone.statusCode, undone.body).toBe(200);
    expect((await row('13700000011')).firstOrderAt).toBe('2025-06-01T02:00:00.000Z');
    // MM-3 was placed on the survivor after the merge, so it stays there; the absorbed gets MM-2 back.
    expect((await row('13700000012')).firstOrderAt).toBe('2025-02-01T02:00:00.000Z');
  });

  it('lists people who became members in a period: first bought then, or signed up then without an earlier order', async () => {
    await t.app.inject({ method: 'POST', url: '/api/v1/orders', headers: t.admin, payload: {
      channel: 'pos', externalId: 'NM-1', placedAt: '2024-04-30T23:30:00+08:00', customer: { phone: '13700000021', name: '甲' },
      lines: [{ sku: 'SKU-1', quantity: 1, unitPrice: '10.00' }],
    } });
    await t.app.inject({ method: 'POST', url: '/api/v1/orders', headers: t.admin, payload: {
      channel: 'pos', externalId: 'NM-2', placedAt: '2024-05-31T23:30:00+08:00', customer: { phone: '13700000022', name: '乙' },
      lines: [{ sku: 'SKU-1', quantity: 1, unitPrice: '10.00' }],
    } });
    const signUp = await t.app.inject({ method: 'POST', url: '/api/v1/customers', headers: t.admin, payload: { phone: '13700000023', name: '丙' } });
    expect(signUp.statusCode, signUp.body).toBe(201);
    // Shanghai days: 甲 joined on 04-30 (16:30 UTC the 30th), 乙 on 05-31 (15:30 UTC the 31st).
    expect(await names('sinceFrom=2024-05-01&sinceTo=2024-05-31')).toEqual(['乙']);
    expect(await names('sinceFrom=2024-04-30&sinceTo=2024-04-30')).toEqual(['甲']);
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
    expect(await names(`sinceFrom=${today}&sinceTo=${today}&q=13700000023`)).toEqual(['丙']);
    const bad = await t.app.inject({ method: 'GET', url: '/api/v1/customers?page=1&sinceFrom=2024-06-01&sinceTo=2024-05-01', headers: t.admin });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('sinceFrom');
  });
});
