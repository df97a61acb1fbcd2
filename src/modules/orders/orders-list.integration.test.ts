import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import { seedInsightsBrand } from '../../../tests/support/insights-brand.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ KEMAI_TIMEZONE: 'Asia/Shanghai' });
  await seedInsightsBrand(t);
});
afterAll(async () => t?.close());

type Listed = { externalId: string; storeCode: string | null; storeName: string | null; paidAmount: string; customerId: string | null };
const list = async (qs: string) => {
  const res = await t.app.inject({ method: 'GET', url: `/api/v1/orders?${qs}`, headers: t.admin });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { items: Listed[]; total: number; nextCursor?: string | null };
};
const ids = (r: { items: Listed[] }) => r.items.map((o) => o.externalId);

describe('GET /api/v1/orders by page', () => {
  it('pages newest first by default with the total and store names', async () => {
    const first = await list('page=1&pageSize=3');
    expect(first.total).toBe(10);
    expect(ids(first)).toEqual(['G3', 'C2', 'G2']);
    expect(first.items[0]).toMatchObject({ storeCode: 'SH01', storeName: '上海南京西路店', paidAmount: '500.00', customerId: null });
    expect(first.items[1]).toMatchObject({ storeCode: null, storeName: null });
    expect(first).not.toHaveProperty('nextCursor');
    expect(ids(await list('page=2&pageSize=3'))).toEqual(['A3', 'B2', 'B1']);
    expect(ids(await list('page=4&pageSize=3'))).toEqual(['C1']);
    expect(ids(await list('page=5&pageSize=3'))).toEqual([]);
  });

  it('sorts by amount, channel and store, both ways', async () => {
    expect(ids(await list('page=1&pageSize=10&sort=paid'))).toEqual(['G1', 'C1', 'G2', 'C2', 'A1', 'B1', 'A2', 'A3', 'G3', 'B2']);
    expect(ids(await list('page=1&pageSize=3&sort=-paid'))).toEqual(['B2', 'G3', 'A3']);
    const byStore = await list('page=1&pageSize=10&sort=store');
    expect(byStore.items.map((o) => o.storeCode)).toEqual([null, null, null, 'BJ02', 'BJ02', 'SH01', 'SH01', 'SH01', 'SH01', 'SH01']);
    const byStoreDesc = await list('page=1&pageSize=10&sort=-store');
    expect(byStoreDesc.items.map((o) => o.storeCode)).toEqual(['SH01', 'SH01', 'SH01', 'SH01', 'SH01', 'BJ02', 'BJ02', null, null, null]);
    const byChannel = await list('page=1&pageSize=10&sort=channel');
    expect(byChannel.items.map((o) => (o as unknown as { channel: string }).channel)).toEqual([
      'miniprogram', 'online', 'online', 'pos', 'pos', 'pos', 'pos', 'pos', 'pos', 'pos',
    ]);
  });

  it('filters by business-zone dates, channel and store', async () => {
    const pos = await list('page=1&from=2025-11-01&to=2025-11-10&channel=pos');
    expect(pos.total).toBe(3);
    expect(ids(pos)).toEqual(['G2', 'B1', 'A2']);
    const sh = await list('page=1&from=2025-11-01&to=2025-11-10&storeCode=SH01&sort=placedAt');
    expect(ids(sh)).toEqual(['A2', 'G2']);
    expect((await list('page=1&from=2025-11-11')).total).toBe(1); // G3 at 00:10 Shanghai time
  });

  it('keeps the cursor mode for callers without page', async () => {
    const first = await list('limit=4');
    expect(ids(first)).toEqual(['G3', 'C2', 'G2', 'A3']);
    expect(first).not.toHaveProperty('total');
    const next = await list(`limit=4&cursor=${encodeURIComponent(first.nextCursor!)}`);
    expect(ids(next)).toEqual(['B2', 'B1', 'A2', 'G1']);
  });

  it('refuses an unknown sort, a page size over 200 and page 0, naming the field', async () => {
    for (const [qs, field] of [
      ['page=1&sort=customer', 'querystring.sort'],
      ['page=1&pageSize=201', 'querystring.pageSize'],
      ['page=0', 'querystring.page'],
      ['page=1&from=yesterday', 'from'],
    ]) {
      const res = await t.app.inject({ method: 'GET', url: `/api/v1/orders?${qs}`, headers: t.admin });
      expect(res.statusCode, qs).toBe(400);
      expect(res.json().error.details.issues.map((i: { path: string }) => i.path), qs).toEqual([field]);
    }
  });
});
