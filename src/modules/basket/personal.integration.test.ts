import type { AddressInfo } from 'node:net';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import { registerBasketCommands } from '../../cli/basket.commands.js';
import type { BasketBackend } from '../../cli/basket-db.commands.js';
import { RemoteApi } from '../../cli/context.js';

/**
 * Personal recommendations from the orders (business zone Asia/Shanghai; day d = 2026-03-01 + d):
 *   P1 d0 {A,B}  d10 {B} (placed 2026-03-10T16:30Z = 00:30 on the 11th in Shanghai)
 *   P2 d0 {A,B}  d10 {B}
 *   P3 d0 {A,B,C}  d10 {B}
 *   P4 d20 {A} (placed 2026-03-20T17:00Z), and a cancelled order {D}
 *   P5 no orders
 * With the service's model defaults (rules at a count ≥ 1 = ceil(0.005 × 7), confidence ≥ 0.1, lift > 1; similarity
 * needs 2 shared baskets; an interval needs 3 repeat buyers): N = 7; A 4, B 6, C 1.
 *   rules and scores (confidence − support(y)): A ⇒ C 1/4 − 1/7 = 3/28; B ⇒ C 1/6 − 1/7 = 1/42; {A,B} ⇒ C 1/3 − 1/7 = 4/21;
 *   A ⇒ B, B ⇒ A have lift 7/8 (left out). Similar: A ~ B = 3/√24. B: bought again by P1, P2, P3 after 10 days each
 *   (interval 10, repeat rate 1).
 */
let t: TestApp;
const ids: Record<string, string> = {};
const send = async (method: 'POST' | 'GET', url: string, payload?: unknown, headers = t.admin) =>
  t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

async function order(externalId: string, placedAt: string, skus: string[], phone: string, status?: string) {
  const res = await send('POST', '/api/v1/orders', {
    channel: 'pos',
    externalId,
    storeCode: 'S01',
    placedAt,
    ...(status ? { status } : {}),
    customer: { phone },
    lines: skus.map((sku) => ({ sku, quantity: 1, unitPrice: '10.00' })),
  });
  expect(res.statusCode, res.body).toBe(201);
}

const PHONES = { P1: '13900000011', P2: '13900000012', P3: '13900000013', P4: '13900000014', P5: '13900000015' };

beforeAll(async () => {
  t = await createTestApp({}, { loyalty: false });
  const products = await send('POST', '/api/v1/products/batch', {
    items: [
      { sku: 'A', name: '龙井', category: '食品/饮料/茶', brand: 'Leaf' },
      { sku: 'B', name: '牛奶', category: '食品/乳品/牛奶', brand: 'Moo' },
      { sku: 'C', name: '普洱', category: '食品/饮料/茶', brand: 'Leaf' },
      { sku: 'D', name: '酸奶', category: '食品/乳品/酸奶', brand: 'Moo' },
    ],
  });
  expect(products.statusCode, products.body).toBe(200);
  for (const [key, phone] of Object.entries(PHONES)) {
    const c = await send('POST', '/api/v1/customers', { phone });
    expect(c.statusCode, c.body).toBeLessThan(300);
    ids[key] = (c.json() as { id: string }).id;
  }
  await order('O1', '2026-03-01T03:00:00Z', ['A', 'B'], PHONES.P1);
  await order('O2', '2026-03-10T16:30:00Z', ['B'], PHONES.P1);
  await order('O3', '2026-03-01T03:00:00Z', ['A', 'B'], PHONES.P2);
  await order('O4', '2026-03-11T03:00:00Z', ['B'], PHONES.P2);
  await order('O5', '2026-03-01T03:00:00Z', ['A', 'B', 'C'], PHONES.P3);
  await order('O6', '2026-03-11T03:00:00Z', ['B'], PHONES.P3);
  await order('O7', '2026-03-20T17:00:00Z', ['A'], PHONES.P4);
  await order('O8', '2026-03-21T03:00:00Z', ['D'], PHONES.P4, 'cancelled');
  await t.kemai.events.drain();
});
afterAll(async () => t?.close());

const recommend = async (who: string, qs: string) => {
  const res = await send('GET', `/api/v1/basket/customers/${ids[who]}/recommendations?${qs}`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};

describe('personal recommendations from the orders', () => {
  it('a due consumable and a rule, with names and reasons; the model cached', async () => {
    const r = await recommend('P1', 'asOf=2026-03-21');
    expect(r).toMatchObject({ customerId: ids.P1, level: 'sku', asOf: '2026-03-21', model: { baskets: 7, customers: 4, items: 3, rules: 7 } });
    // B was last bought 10 days before (its interval): due again. A (bought 20 days before) is left out.
    expect(r.recommendations).toEqual([
      { item: 'B', name: '牛奶', kind: 'due_again', because: [{ item: 'B', name: '牛奶' }], score: 1 },
      { item: 'C', name: '普洱', kind: 'rule', because: [{ item: 'A', name: '龙井' }, { item: 'B', name: '牛奶' }], score: 1 / 3 - 1 / 7 },
    ]);
    // A day earlier B is 9 days old — 10 if the 00:30 Shanghai order were read on its UTC date — and not due.
    const upper = await send('GET', `/api/v1/basket/customers/${ids.P1!.toUpperCase()}/recommendations?asOf=2026-03-21`);
    expect(upper.json().recommendations).toEqual(r.recommendations);
    const before = await recommend('P1', 'asOf=2026-03-20');
    expect(before.recommendations.map((x: { item: string; kind: string }) => [x.item, x.kind])).toEqual([['C', 'rule']]);
    expect(before.model.builtAt).toBe(r.model.builtAt);
    const rebuilt = await recommend('P1', 'asOf=2026-03-20&rebuild=true');
    expect(rebuilt.model.builtAt >= r.model.builtAt).toBe(true);
  });

  it('a similar item, a rule, popular items for a customer without orders, and the category level', async () => {
    const p4 = await recommend('P4', 'asOf=2026-03-22');
    expect(p4.recommendations).toEqual([
      { item: 'B', name: '牛奶', kind: 'similar', because: [{ item: 'A', name: '龙井' }], score: 3 / Math.sqrt(24) },
      { item: 'C', name: '普洱', kind: 'rule', because: [{ item: 'A', name: '龙井' }], score: 1 / 4 - 1 / 7 },
    ]);
    const p5 = await recommend('P5', 'asOf=2026-03-22&limit=2');
    expect(p5.recommendations).toEqual([
      { item: 'B', name: '牛奶', kind: 'popular', because: [], score: 6 / 7 },
      { item: 'A', name: '龙井', kind: 'popular', because: [], score: 4 / 7 },
    ]);
    // Category level: 茶 (A, C) in 4 baskets, 牛奶 in 6; P5 gets both, each named by itself.
    const cat = await recommend('P5', 'asOf=2026-03-22&level=category');
    expect(cat.recommendations).toEqual([
      { item: '牛奶', name: '牛奶', kind: 'popular', because: [], score: 6 / 7 },
      { item: '茶', name: '茶', kind: 'popular', because: [], score: 4 / 7 },
    ]);
    // No personal data: the customer appears by id only.
    expect(JSON.stringify(p4)).not.toContain(PHONES.P4);
  });

  it('evaluates a time split against the popularity baseline', async () => {
    // Trained on d0 (O1, O3, O5: A 3, B 3, C 1; no rule has lift > 1; A ~ B = 1); tested on d10–d39: P1, P2, P3 each
    // buy B (P4 has no training history). With a 5-day window A and B are open again: the recommender's list is
    // [A (similar to B), B (similar to A), C (popular)], the baseline's [A, B, C]: B second, AP@10 = 1/2 each.
    const res = await send('POST', '/api/v1/basket/evaluation', { splitDate: '2026-03-11', windowDays: 30, excludeDays: 5 });
    expect(res.statusCode, res.body).toBe(200);
    expect({ ...res.json(), buildMs: 0 }).toEqual({
      level: 'sku',
      splitDate: '2026-03-11',
      windowDays: 30,
      k: 10,
      excludeDays: 5,
      trainBaskets: 3,
      testBaskets: 4,
      items: 3,
      rules: 0,
      customers: 3,
      buildMs: 0,
      recommender: { hitRate: 1, map: 1 / 2, precision: 3 / 30, recall: 1 },
      popular: { hitRate: 1, map: 1 / 2, precision: 3 / 30, recall: 1 },
    });
    // The default 365-day window leaves out A and B: only C is offered, and never bought.
    const strict = (await send('POST', '/api/v1/basket/evaluation', { splitDate: '2026-03-11', k: 1 })).json();
    expect(strict).toMatchObject({ k: 1, customers: 3, recommender: { hitRate: 0, map: 0 }, popular: { hitRate: 0, map: 0 } });
  });

  it('bad input is a 400 naming the field, an unknown customer a 404, and the scope is segments:read', async () => {
    const cases: Array<[string, string, unknown, string]> = [
      ['GET', '/api/v1/basket/customers/not-a-uuid/recommendations', undefined, 'params.id'],
      ['GET', `/api/v1/basket/customers/${ids.P1}/recommendations?limit=0`, undefined, 'querystring.limit'],
      ['GET', `/api/v1/basket/customers/${ids.P1}/recommendations?level=shelf`, undefined, 'querystring.level'],
      ['GET', `/api/v1/basket/customers/${ids.P1}/recommendations?asOf=2026-02-30`, undefined, 'querystring.asOf'],
      ['POST', '/api/v1/basket/evaluation', {}, 'splitDate'],
      ['POST', '/api/v1/basket/evaluation', { splitDate: '2026-03-11', k: 0 }, 'k'],
      ['POST', '/api/v1/basket/evaluation', { splitDate: '2026-03-11', windowDays: 'x' }, 'windowDays'],
    ];
    for (const [method, url, body, path] of cases) {
      const res = await send(method as 'POST' | 'GET', url, body);
      expect(res.statusCode, `${url} ${JSON.stringify(body)}: ${res.body}`).toBe(400);
      expect(res.json().error.message, url).toContain(path);
    }
    const missing = await send('GET', '/api/v1/basket/customers/00000000-0000-4000-8000-000000000000/recommendations');
    expect(missing.statusCode, missing.body).toBe(404);
    const orders = await t.keyWith(['orders:read']);
    expect((await send('GET', `/api/v1/basket/customers/${ids.P1}/recommendations`, undefined, orders)).statusCode).toBe(403);
    expect((await send('POST', '/api/v1/basket/evaluation', { splitDate: '2026-03-11' }, orders)).statusCode).toBe(403);
    const reader = await t.keyWith(['segments:read']);
    expect((await send('GET', `/api/v1/basket/customers/${ids.P5}/recommendations`, undefined, reader)).statusCode).toBe(200);
  });
});

describe('kemai basket evaluate (database mode)', () => {
  /** `kemai basket evaluate …` through commander with a backend: straight on the database, or through the server's API. */
  async function kemai(backend: BasketBackend, ...args: string[]): Promise<string> {
    const program = new Command('kemai').exitOverride();
    registerBasketCommands(program, backend);
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
    try {
      await program.parseAsync(['basket', ...args], { from: 'user' });
      return lines.join('\n');
    } finally {
      log.mockRestore();
    }
  }

  it('answers as the API does, straight on the database and through a running server', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const api = new RemoteApi(`http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`, t.admin.authorization.slice('Bearer '.length));
    const direct: BasketBackend = (fn) => fn({ mode: 'direct', kemai: t.kemai });
    const remote: BasketBackend = (fn) => fn({ mode: 'remote', api });
    const args = ['evaluate', '--split-date', '2026-03-11', '--exclude-days', '5', '--json'];
    const expected = { level: 'sku', customers: 3, recommender: { hitRate: 1, map: 1 / 2 }, popular: { hitRate: 1, map: 1 / 2 } };
    expect(JSON.parse(await kemai(direct, ...args))).toMatchObject(expected);
    expect(JSON.parse(await kemai(remote, ...args))).toMatchObject(expected);
    const text = await kemai(direct, 'evaluate', '--split-date', '2026-03-11', '--level', 'category', '--exclude-days', '5');
    expect(text).toContain('Split 2026-03-11, test window 30 days, K 10, bought within 5 days left out unless due: 3 customers evaluated');
    // Category level: two items, 茶 and 牛奶, similar at 1; 牛奶 (first by code unit) leads both lists: AP@10 = 1.
    expect(text).toMatch(/recommender {2}hit rate@10 100\.00% {2}MAP@10 1\.0000/);
  });
});
