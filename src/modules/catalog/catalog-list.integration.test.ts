import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  const post = async (url: string, items: unknown[]) => {
    const res = await t.app.inject({ method: 'POST', url, headers: t.admin, payload: { items } });
    expect(res.json().summary.error).toBe(0);
  };
  await post('/api/v1/stores/batch', [
    { code: 'SH01', name: '上海南京西路店', city: '上海', openedOn: '2019-05-01' },
    { code: 'SH02', name: '上海徐汇店', city: '上海', openedOn: '2021-09-18', status: 'closed' },
    { code: 'BJ01', name: '北京三里屯店', city: '北京', openedOn: '2020-01-10' },
    { code: 'HZ01', name: '杭州湖滨店', city: '杭州' },
  ]);
  await post('/api/v1/products/batch', [
    { sku: 'A100', name: '真丝衬衫', category: '服装/女装/衬衫', brand: 'Kemai', listPrice: '199.00' },
    { sku: 'A200', name: '羊绒围巾', category: '服装/配饰/围巾', brand: 'Kemai', listPrice: '399.00' },
    { sku: 'B100', name: '保湿面霜', category: '美妆/护肤/面霜', brand: 'Lumi', listPrice: '129.00' },
    { sku: 'C100', name: '有机燕麦', category: '食品/早餐/谷物' },
  ]);
});
afterAll(async () => t?.close());

const get = async (url: string) => {
  const res = await t.app.inject({ method: 'GET', url, headers: t.admin });
  return { status: res.statusCode, body: res.json() };
};

describe('catalog lists for the console (page, pageSize, sort, total)', () => {
  it('pages and sorts stores, searches code, name and city, and keeps the unpaged list as it was', async () => {
    const all = await get('/api/v1/stores');
    expect(all.body.total).toBeUndefined();
    expect(all.body.items.map((s: { code: string }) => s.code)).toEqual(['BJ01', 'HZ01', 'SH01', 'SH02']);

    const p1 = await get('/api/v1/stores?page=1&pageSize=3&sort=-openedOn');
    expect(p1.body.total).toBe(4);
    // Stores without an opening date come last either way.
    expect(p1.body.items.map((s: { code: string }) => s.code)).toEqual(['SH02', 'BJ01', 'SH01']);
    const p2 = await get('/api/v1/stores?page=2&pageSize=3&sort=-openedOn');
    expect(p2.body).toMatchObject({ total: 4, items: [{ code: 'HZ01', openedOn: null }] });

    const shanghai = await get('/api/v1/stores?page=1&pageSize=10&q=上海&sort=status');
    expect(shanghai.body.total).toBe(2);
    expect(shanghai.body.items.map((s: { code: string; status: string }) => [s.code, s.status])).toEqual([
      ['SH02', 'closed'],
      ['SH01', 'open'],
    ]);
    expect((await get('/api/v1/stores?page=1&q=bj')).body.items.map((s: { code: string }) => s.code)).toEqual(['BJ01']);
    // LIKE wildcards are searched for literally.
    expect((await get('/api/v1/stores?page=1&q=%25')).body).toEqual({ items: [], total: 0 });
  });

  it('pages and sorts products and keeps limit/offset callers as they were', async () => {
    const byPrice = await get('/api/v1/products?page=1&pageSize=2&sort=-listPrice');
    expect(byPrice.body.total).toBe(4);
    expect(byPrice.body.items.map((p: { sku: string; listPrice: string | null }) => [p.sku, p.listPrice])).toEqual([
      ['A200', '399.00'],
      ['A100', '199.00'],
    ]);
    const last = await get('/api/v1/products?page=2&pageSize=2&sort=-listPrice');
    expect(last.body.items.map((p: { sku: string }) => p.sku)).toEqual(['B100', 'C100']);

    const kemai = await get('/api/v1/products?page=1&q=kemai&sort=-sku');
    expect(kemai.body).toMatchObject({ total: 2, items: [{ sku: 'A200', category: ['服装', '配饰', '围巾'], brand: 'Kemai' }, { sku: 'A100' }] });

    const legacy = await get('/api/v1/products?q=A&limit=1&offset=1');
    expect(legacy.body).toEqual({
      items: [{ id: expect.any(String), sku: 'A200', name: '羊绒围巾', category: ['服装', '配饰', '围巾'], brand: 'Kemai', listPrice: '399.00', consumable: false, attributes: {} }],
    });
  });

  it('refuses a sort key it does not know and a page size over 200, naming the parameter', async () => {
    const bad = await get('/api/v1/stores?page=1&sort=address');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues[0]).toEqual({ path: 'querystring.sort', message: 'one of code, name, city, openedOn, status (prefix - for descending)' });
    const big = await get('/api/v1/products?page=1&pageSize=500');
    expect(big.status).toBe(400);
    expect(big.body.error.details.issues[0].path).toBe('querystring.pageSize');
  });
});
