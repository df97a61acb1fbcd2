import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';

/**
 * Six baskets counted by hand (business zone Asia/Shanghai, the default):
 *   O1 {A,B}      S01 pos     2026-03-01 00:00 (2026-02-28T16:00Z)  VIP
 *   O2 {A,B}      S01 pos     2026-03-02
 *   O3 {A,B,C}    S01 online  2026-03-03                            VIP
 *   O4 {A,C,E}    S02 pos     2026-03-04
 *   O5 {B,D}      S02 online  2026-03-06 00:30 (2026-03-05T16:30Z)  VIP
 *   O6 {A,B}      S01 pos     2026-03-10 (its D line fully returned)
 *   O7 {A,D}      S01 pos     cancelled
 * Counts: A 5, B 5, C 2, D 1, E 1; {A,B} 4, {A,C} 2, {B,C} 1, {B,D} 1, {A,B,C} 1.
 * Categories (leaves): A 茶, B 牛奶, C 茶, D 酸奶, E none. Brands: A, C Leaf; B, D Moo.
 */
let t: TestApp;
const send = async (method: 'POST' | 'GET', url: string, payload?: unknown, headers = t.admin) =>
  t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

async function order(externalId: string, placedAt: string, skus: string[], o: { store: string; channel: string; phone?: string; status?: string }) {
  const res = await send('POST', '/api/v1/orders', {
    channel: o.channel,
    externalId,
    storeCode: o.store,
    placedAt,
    ...(o.status ? { status: o.status } : {}),
    ...(o.phone ? { customer: { phone: o.phone } } : {}),
    lines: skus.map((sku) => ({ sku, quantity: 1, unitPrice: '10.00' })),
  });
  expect(res.statusCode, res.body).toBe(201);
}

beforeAll(async () => {
  t = await createTestApp({}, { loyalty: false });
  const products = await send('POST', '/api/v1/products/batch', {
    items: [
      { sku: 'A', name: '龙井', category: '食品/饮料/茶', brand: 'Leaf' },
      { sku: 'B', name: '牛奶', category: '食品/乳品/牛奶', brand: 'Moo' },
      { sku: 'C', name: '普洱', category: '食品/饮料/茶', brand: 'Leaf' },
      { sku: 'D', name: '酸奶', category: '食品/乳品/酸奶', brand: 'Moo' },
      { sku: 'E', name: '袋子' },
    ],
  });
  expect(products.statusCode, products.body).toBe(200);
  for (const phone of ['13900000001', '13900000003', '13900000005']) {
    const c = await send('POST', '/api/v1/customers', { phone, tags: ['vip'] });
    expect(c.statusCode, c.body).toBeLessThan(300);
  }
  await order('O1', '2026-02-28T16:00:00Z', ['A', 'B'], { store: 'S01', channel: 'pos', phone: '13900000001' });
  await order('O2', '2026-03-02T03:00:00Z', ['A', 'B'], { store: 'S01', channel: 'pos', phone: '13900000002' });
  await order('O3', '2026-03-03T03:00:00Z', ['A', 'B', 'C'], { store: 'S01', channel: 'online', phone: '13900000003' });
  await order('O4', '2026-03-04T03:00:00Z', ['A', 'C', 'E'], { store: 'S02', channel: 'pos' });
  await order('O5', '2026-03-05T16:30:00Z', ['B', 'D'], { store: 'S02', channel: 'online', phone: '13900000005' });
  await order('O6', '2026-03-10T03:00:00Z', ['A', 'B', 'D'], { store: 'S01', channel: 'pos' });
  await order('O7', '2026-03-10T04:00:00Z', ['A', 'D'], { store: 'S01', channel: 'pos', status: 'cancelled' });
  const ret = await send('POST', '/api/v1/returns', {
    channel: 'pos',
    externalId: 'R6',
    order: { channel: 'pos', externalId: 'O6' },
    returnedAt: '2026-03-11T03:00:00Z',
    lines: [{ sku: 'D', quantity: 1 }],
  });
  expect(ret.statusCode, ret.body).toBe(201);
  await t.kemai.events.drain();
  const seg = await send('POST', '/api/v1/segments', { code: 'vip', name: 'VIP', rule: { kind: 'tag', tags: ['vip'] } });
  expect(seg.statusCode, seg.body).toBe(201);
  expect(seg.json().refresh).toMatchObject({ size: 3 });
});
afterAll(async () => t?.close());

const rules = async (body: Record<string, unknown>) => {
  const res = await send('POST', '/api/v1/basket/rules', body);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};
const brief = (r: { lhs: string[]; rhs: string; count: number; confidence: number; lift: number }) => [`{${r.lhs.join(',')}} => {${r.rhs}}`, r.count, r.confidence, r.lift];

describe('basket rules from the orders', () => {
  it('one basket per order, cancelled orders and fully returned lines left out; measures by hand', async () => {
    const r = await rules({ minSupport: 0.3, minConfidence: 0.5, minLen: 2 });
    // N = 6 (O7 cancelled); ceil(0.3 × 6) = 2 baskets; A ⇒ C has confidence 2/5 < 0.5.
    expect(r).toMatchObject({ baskets: 6, items: 5, level: 'sku', minCount: 2, minLen: 2, maxLen: 10, itemsets: 5, total: 3, sort: 'lift' });
    expect(r.rules).toEqual([
      { lhs: ['C'], rhs: 'A', count: 2, support: 2 / 6, confidence: 1, coverage: 2 / 6, lift: 12 / 10, leverage: 2 / 36, conviction: 'Infinity' },
      { lhs: ['A'], rhs: 'B', count: 4, support: 4 / 6, confidence: 4 / 5, coverage: 5 / 6, lift: 24 / 25, leverage: -1 / 36, conviction: 5 / 6 },
      { lhs: ['B'], rhs: 'A', count: 4, support: 4 / 6, confidence: 4 / 5, coverage: 5 / 6, lift: 24 / 25, leverage: -1 / 36, conviction: 5 / 6 },
    ]);
    // D is in O5 only: with O6's returned line or the cancelled O7 it would have A as a partner.
    const d = await send('GET', '/api/v1/basket/together?item=D&minSupport=0.1');
    expect(d.statusCode, d.body).toBe(200);
    expect(d.json()).toMatchObject({ item: 'D', baskets: 6, minCount: 1 });
    expect(d.json().suggestions).toEqual([{ item: 'B', because: ['D'], count: 1, support: 1 / 6, confidence: 1, lift: 6 / 5 }]);
    // minLen 1 adds {} ⇒ {A} and {} ⇒ {B} (confidence 5/6 each); sort and limit.
    const all = await rules({ minSupport: 0.3, minConfidence: 0.5, sort: 'confidence', limit: 2 });
    expect(all.total).toBe(5);
    expect(all.rules.map(brief)).toEqual([
      ['{C} => {A}', 2, 1, 1.2],
      ['{} => {A}', 5, 5 / 6, 1],
    ]);
  });

  it('store, channel, date window and segment each change the baskets', async () => {
    // S01: O1, O2, O3, O6 — A and B in all four, C once (below 2 baskets).
    const s01 = await rules({ stores: ['S01'], minSupport: 0.3, minConfidence: 0.5, minLen: 2 });
    expect(s01.baskets).toBe(4);
    expect(s01.rules.map(brief)).toEqual([
      ['{A} => {B}', 4, 1, 1],
      ['{B} => {A}', 4, 1, 1],
    ]);
    // pos: O1, O2, O4, O6 — A 4, B 3, {A,B} 3.
    const pos = await rules({ channels: ['pos'], minSupport: 0.5, minConfidence: 0.5, minLen: 2 });
    expect(pos.baskets).toBe(4);
    expect(pos.rules.map(brief)).toEqual([
      ['{B} => {A}', 3, 1, 1],
      ['{A} => {B}', 3, 3 / 4, 1],
    ]);
    // 1–5 March in Shanghai: O1 (00:00 on the 1st) to O4; O5 is 16:30 UTC on the 5th = the 6th in Shanghai.
    const march = await rules({ from: '2026-03-01', to: '2026-03-05', minSupport: 0.5, minConfidence: 0.5, minLen: 2 });
    expect(march.baskets).toBe(4);
    expect(march.rules.map(brief)).toEqual([
      ['{B} => {A}', 3, 1, 1],
      ['{C} => {A}', 2, 1, 1],
      ['{A} => {B}', 3, 3 / 4, 1],
      ['{A} => {C}', 2, 2 / 4, 1],
    ]);
    expect((await rules({ from: '2026-03-02', to: '2026-03-06', minSupport: 0.5, minConfidence: 0.5 })).baskets).toBe(4); // O2–O5
    // The VIP segment: O1, O3, O5 — A 2, B 3, {A,B} 2.
    const vip = await rules({ segment: 'vip', minSupport: 0.5, minConfidence: 0.5, minLen: 2 });
    expect(vip.baskets).toBe(3);
    expect(vip.rules.map(brief)).toEqual([
      ['{A} => {B}', 2, 1, 1],
      ['{B} => {A}', 2, 2 / 3, 1],
    ]);
    const stores = await send('GET', '/api/v1/basket/bundles?stores=S02&channels=online,pos&minSupport=1');
    expect(stores.json()).toMatchObject({ baskets: 2, bundles: [] });
  });

  it('category level (the leaf; lines without a category left out) and brand level', async () => {
    // 茶 in O1–O4, O6 (O3 and O4 hold two teas: once per basket); 牛奶 in O1–O3, O5, O6; E has no category.
    const r = await rules({ level: 'category', minSupport: 0.3, minConfidence: 0.5, minLen: 2 });
    expect(r).toMatchObject({ baskets: 6, items: 3, level: 'category' });
    expect(r.rules.map(brief)).toEqual([
      ['{牛奶} => {茶}', 4, 4 / 5, 24 / 25],
      ['{茶} => {牛奶}', 4, 4 / 5, 24 / 25],
    ]);
    // Brands: Leaf in O1–O4, O6; Moo in O1–O3, O5, O6.
    const b = await send('GET', '/api/v1/basket/bundles?level=brand&minSupport=0.5');
    expect(b.json()).toMatchObject({ baskets: 6, items: 2, level: 'brand', minCount: 3, bundles: [{ items: ['Leaf', 'Moo'], count: 4, support: 4 / 6, lift: 24 / 25 }] });
  });

  it('frequently bought together, cross-sell and bundles', async () => {
    const a = await send('GET', '/api/v1/basket/together?item=A&minSupport=0.3');
    expect(a.json().suggestions).toEqual([
      { item: 'C', because: ['A'], count: 2, support: 2 / 6, confidence: 2 / 5, lift: 12 / 10 },
      { item: 'B', because: ['A'], count: 4, support: 4 / 6, confidence: 4 / 5, lift: 24 / 25 },
    ]);
    expect((await send('GET', '/api/v1/basket/together?item=A&minSupport=0.3&minConfidence=0.5&sort=confidence')).json().suggestions.map((s: { item: string }) => s.item)).toEqual(['B']);
    expect((await send('GET', '/api/v1/basket/together?item=NOPE&minSupport=0.3')).json().suggestions).toEqual([]);

    const c = await send('POST', '/api/v1/basket/cross-sell', { cart: ['C'], minSupport: 0.3 });
    expect(c.statusCode, c.body).toBe(200);
    expect(c.json()).toMatchObject({ cart: ['C'], baskets: 6, minCount: 2, minConfidence: 0 });
    expect(c.json().suggestions).toEqual([{ item: 'A', because: ['C'], count: 2, support: 2 / 6, confidence: 1, lift: 12 / 10 }]);
    // {A,C}: B by A ⇒ B ({A,C} ⇒ B and C ⇒ B are below 2 baskets); A and C are in the cart.
    const ac = await send('POST', '/api/v1/basket/cross-sell', { cart: ['A', 'C'], minSupport: 0.3 });
    expect(ac.json().suggestions).toEqual([{ item: 'B', because: ['A'], count: 4, support: 4 / 6, confidence: 4 / 5, lift: 24 / 25 }]);

    const b = await send('GET', '/api/v1/basket/bundles?minSupport=0.3');
    expect(b.statusCode, b.body).toBe(200);
    expect(b.json().bundles).toEqual([
      { items: ['A', 'C'], count: 2, support: 2 / 6, lift: 12 / 10 },
      { items: ['A', 'B'], count: 4, support: 4 / 6, lift: 24 / 25 },
    ]);
    expect((await send('GET', '/api/v1/basket/bundles?minSupport=0.3&minLift=1')).json().bundles.map((x: { items: string[] }) => x.items)).toEqual([['A', 'C']]);
    expect((await send('GET', '/api/v1/basket/bundles?minSupport=0.3&sort=support&limit=1')).json().bundles.map((x: { items: string[] }) => x.items)).toEqual([['A', 'B']]);
  });

  it('bad input is refused naming the field; segments:read is needed', async () => {
    const cases: Array<[string, string, unknown, string]> = [
      ['POST', '/api/v1/basket/rules', { minSupport: 0, minConfidence: 0.5 }, 'minSupport'],
      ['POST', '/api/v1/basket/rules', { minSupport: 1.5, minConfidence: 0.5 }, 'minSupport'],
      ['POST', '/api/v1/basket/rules', { minSupport: 0.1, minConfidence: -0.1 }, 'minConfidence'],
      ['POST', '/api/v1/basket/rules', { minSupport: 0.1 }, 'minConfidence'],
      ['POST', '/api/v1/basket/rules', { minSupport: 0.1, minConfidence: 0.5, level: 'aisle' }, 'level'],
      ['POST', '/api/v1/basket/rules', { minSupport: 0.1, minConfidence: 0.5, channels: ['fax'] }, 'channels.0'],
      ['POST', '/api/v1/basket/rules', { minSupport: 0.1, minConfidence: 0.5, from: '2026-13-01' }, 'from'],
      ['POST', '/api/v1/basket/rules', { minSupport: 0.1, minConfidence: 0.5, from: '2026-03-05', to: '2026-03-01' }, 'from'],
      ['POST', '/api/v1/basket/rules', { minSupport: 0.1, minConfidence: 0.5, minLen: 3, maxLen: 2 }, 'maxLen'],
      ['POST', '/api/v1/basket/rules', { minSupport: 0.1, minConfidence: 0.5, segment: 'nobody' }, 'segment'],
      ['POST', '/api/v1/basket/rules', { minSupport: 0.1, minConfidence: 0.5, minSuport: 0.2 }, '(root)'],
      ['GET', '/api/v1/basket/together?minSupport=0.1', undefined, 'querystring.item'],
      ['GET', '/api/v1/basket/together?item=A&minSupport=2', undefined, 'querystring.minSupport'],
      ['GET', '/api/v1/basket/bundles?minSupport=abc', undefined, 'querystring.minSupport'],
      ['GET', '/api/v1/basket/bundles?channels=pos,fax', undefined, 'querystring.channels.1'],
      ['POST', '/api/v1/basket/cross-sell', { cart: [] }, 'cart'],
    ];
    for (const [method, url, body, path] of cases) {
      const res = await send(method as 'POST' | 'GET', url, body);
      expect(res.statusCode, `${url} ${JSON.stringify(body)}: ${res.body}`).toBe(400);
      expect(res.json().error.message, url).toContain(path);
    }
    const orders = await t.keyWith(['orders:read']);
    const denied = await send('POST', '/api/v1/basket/rules', { minSupport: 0.3, minConfidence: 0.5 }, orders);
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.details).toEqual({ scope: 'segments:read' });
    expect((await send('GET', '/api/v1/basket/bundles', undefined, orders)).statusCode).toBe(403);
    const reader = await t.keyWith(['segments:read']);
    expect((await send('GET', '/api/v1/basket/together?item=A', undefined, reader)).statusCode).toBe(200);
  });

  // Last: its orders (store S09) would change the unfiltered answers above.
  it('a partly returned line stays; an order with every line returned is no basket', async () => {
    const p1 = await send('POST', '/api/v1/orders', {
      channel: 'pos',
      externalId: 'P1',
      storeCode: 'S09',
      placedAt: '2026-03-12T03:00:00Z',
      lines: [
        { sku: 'A', quantity: 2, unitPrice: '10.00' },
        { sku: 'B', quantity: 1, unitPrice: '10.00' },
      ],
    });
    expect(p1.statusCode, p1.body).toBe(201);
    await order('P2', '2026-03-12T04:00:00Z', ['C'], { store: 'S09', channel: 'pos' });
    for (const [id, of, lines] of [
      ['RP1', 'P1', [{ sku: 'A', quantity: 1 }, { sku: 'B', quantity: 1 }]],
      ['RP2', 'P2', [{ sku: 'C', quantity: 1 }]],
    ] as const) {
      const r = await send('POST', '/api/v1/returns', { channel: 'pos', externalId: id, order: { channel: 'pos', externalId: of }, returnedAt: '2026-03-13T03:00:00Z', lines });
      expect(r.statusCode, r.body).toBe(201);
    }
    await t.kemai.events.drain();
    const s09 = await rules({ stores: ['S09'], minSupport: 1, minConfidence: 0 });
    expect(s09).toMatchObject({ baskets: 1, items: 1, total: 1 });
    expect(s09.rules.map(brief)).toEqual([['{} => {A}', 1, 1, 1]]);
  });

  it('the routes are in the OpenAPI document', async () => {
    const doc = (await send('GET', '/api/openapi.json')).json() as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/api/v1/basket/')).sort()).toEqual([
      '/api/v1/basket/bundles',
      '/api/v1/basket/cross-sell',
      '/api/v1/basket/customers/{id}/recommendations',
      '/api/v1/basket/evaluation',
      '/api/v1/basket/rules',
      '/api/v1/basket/together',
    ]);
    expect(Object.keys(doc.paths['/api/v1/basket/rules']!)).toEqual(['post']);
  });
});
