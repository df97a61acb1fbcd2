import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { query } from '../../platform/db/database.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import type { NewPromotion } from './index.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t?.close();
});

const base = (code: string, extra: Partial<NewPromotion> = {}): NewPromotion => ({
  code,
  name: `Promotion ${code}`,
  definition: { rule: { kind: 'threshold', tiers: [{ minFen: 30000, offFen: 5000 }, { minFen: 50000, offFen: 10000 }] } },
  ...extra,
});

const count = async () => Number((await query<{ n: number }>(t.kemai.database.db, sql`select count(*)::int as n from promotions.promotions`))[0]!.n);

describe('PromotionsService', () => {
  it('creates a promotion with its counters row, reads it by id and code, lists it', async () => {
    const svc = t.kemai.promotions;
    const p = await svc.create(base('SVC-300-50', { budgetFen: 1_000_000, perCustomerLimit: 2, startsAt: '2026-01-01T00:00:00+08:00' }), 'test:svc');
    expect(p).toMatchObject({
      code: 'SVC-300-50',
      status: 'draft',
      version: 1,
      priority: 100,
      exclusive: false,
      stackGroup: null,
      budgetFen: 1_000_000,
      perCustomerLimit: 2,
      holdoutPercent: 0,
      startsAt: '2025-12-31T16:00:00.000Z',
      endsAt: null,
      createdBy: 'test:svc',
      definition: { scope: { kind: 'order' }, rule: { kind: 'threshold' } },
      conditions: {},
      counters: { uses: 0, customers: 0, discountFen: 0 },
    });
    const [counter] = await query(t.kemai.database.db, sql`select * from promotions.promotion_counters where promotion_id = ${p.id}`);
    expect(counter).toMatchObject({ uses: 0, customers: 0 });
    expect((await svc.get('SVC-300-50')).id).toBe(p.id);
    expect((await svc.get(p.id)).code).toBe('SVC-300-50');
    const listed = await svc.list({ q: 'svc-300', limit: 10 });
    expect(listed.items.map((x) => x.code)).toEqual(['SVC-300-50']);
  });

  it('active(at) respects the window and the status, and the cache follows a status change at once', async () => {
    const svc = t.kemai.promotions;
    const now = Date.now();
    const win = await svc.create(
      base('SVC-WINDOW', { status: 'active', startsAt: new Date(now - 3_600_000).toISOString(), endsAt: new Date(now + 3_600_000).toISOString() }),
      'test:svc',
    );
    const later = await svc.create(base('SVC-LATER', { status: 'active', startsAt: new Date(now + 7_200_000).toISOString() }), 'test:svc');
    const draft = await svc.create(base('SVC-DRAFT'), 'test:svc');
    const codes = async (at: Date) => (await svc.active(at)).map((a) => a.code).filter((c) => c.startsWith('SVC-')).sort();
    expect(await codes(new Date(now))).toEqual(['SVC-WINDOW']);
    expect(await codes(new Date(now + 3_600_000))).toEqual([]);
    expect(await codes(new Date(now + 7_200_000))).toEqual(['SVC-LATER']);
    expect(await codes(new Date(now - 7_200_000))).toEqual([]);
    const [a] = (await svc.active(new Date(now))).filter((x) => x.code === 'SVC-WINDOW');
    expect(a).toMatchObject({
      id: win.id,
      promotion: { id: win.id, scope: { kind: 'order' }, rule: { kind: 'threshold' }, excludedSkus: [], capFen: null, priority: 100, group: null, exclusive: false },
      conditions: {},
      limits: { budgetFen: null, totalQuantity: null, firstN: null, perCustomerLimit: null },
      holdoutPercent: 0,
    });
    await svc.setStatus(win.id, 'paused', 'test:svc');
    expect(await codes(new Date(now))).toEqual([]);
    await svc.setStatus(draft.id, 'active', 'test:svc');
    expect(await codes(new Date(now))).toEqual(['SVC-DRAFT']);
    await svc.setStatus(later.id, 'ended', 'test:svc');
    expect(await codes(new Date(now + 7_200_000))).toEqual(['SVC-DRAFT']);
  });

  it('pages the list newest first with a cursor and filters by status', async () => {
    const svc = t.kemai.promotions;
    for (const n of [1, 2, 3]) await svc.create(base(`PAGE-${n}`, { status: n === 2 ? 'active' : 'draft' }), 'test:svc');
    const first = await svc.list({ q: 'PAGE-', limit: 2 });
    expect(first.items.map((p) => p.code)).toEqual(['PAGE-3', 'PAGE-2']);
    const second = await svc.list({ q: 'PAGE-', limit: 2, cursor: first.nextCursor! });
    expect(second).toMatchObject({ items: [{ code: 'PAGE-1' }], nextCursor: null });
    expect((await svc.list({ q: 'page-', status: 'active', limit: 10 })).items.map((p) => p.code)).toEqual(['PAGE-2']);
    await expect(svc.list({ limit: 2, cursor: 'nonsense' })).rejects.toMatchObject({ kind: 'validation', details: { issues: [{ path: 'cursor' }] } });
  });

  it('refuses a duplicate code (409) and bad input naming the field, changing nothing', async () => {
    const svc = t.kemai.promotions;
    await svc.create(base('SVC-DUP'), 'test:svc');
    const before = await count();
    await expect(svc.create(base('SVC-DUP'), 'test:svc')).rejects.toMatchObject({ kind: 'conflict', code: 'promotions.code_exists' });
    await expect(
      svc.create(base('SVC-BAD', { definition: { rule: { kind: 'threshold', tiers: [{ minFen: 100, offFen: 200 }] } } }), 'test:svc'),
    ).rejects.toMatchObject({ kind: 'validation', details: { issues: [{ path: 'definition.rule.tiers' }] } });
    expect(await count()).toBe(before);
  });
});

describe('/api/v1/promotions', () => {
  beforeAll(async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/products/batch',
      headers: t.admin,
      payload: {
        items: [
          { sku: 'P-DRESS', name: 'Dress', category: '服装/女装/连衣裙', brand: 'Kemai', listPrice: '199.00' },
          { sku: 'P-TEE', name: 'Tee', category: '服装/男装/T恤', brand: 'Other', listPrice: '99.00' },
          { sku: 'P-NOPRICE', name: 'No price', category: '其他' },
        ],
      },
    });
    expect(res.statusCode).toBeLessThan(300);
  });

  const post = (url: string, payload: unknown, headers = t.admin) => t.app.inject({ method: 'POST', url, headers, payload: payload as object });

  it('creates, lists, reads, changes and starts a promotion', async () => {
    const created = await post('/api/v1/promotions', {
      code: 'API-300-50',
      name: '满300减50',
      definition: { scope: { kind: 'order' }, rule: { kind: 'threshold', tiers: [{ minFen: 30000, offFen: 5000 }] } },
      conditions: { channels: ['online'] },
      totalQuantity: 100,
    });
    expect(created.statusCode).toBe(201);
    const p = created.json();
    expect(p).toMatchObject({ code: 'API-300-50', status: 'draft', version: 1, totalQuantity: 100, conditions: { channels: ['online'] }, counters: { uses: 0, customers: 0, discountFen: 0 } });

    const list = await t.app.inject({ url: '/api/v1/promotions?q=API-300&limit=5', headers: t.admin });
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((x: { code: string }) => x.code)).toEqual(['API-300-50']);
    expect((await t.app.inject({ url: '/api/v1/promotions/API-300-50', headers: t.admin })).json().id).toBe(p.id);
    expect((await t.app.inject({ url: `/api/v1/promotions/${p.id}`, headers: t.admin })).json().code).toBe('API-300-50');
    expect((await t.app.inject({ url: '/api/v1/promotions/NOPE', headers: t.admin })).statusCode).toBe(404);

    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/promotions/${p.id}`,
      headers: t.admin,
      payload: { name: '满300减60', definition: { rule: { kind: 'threshold', tiers: [{ minFen: 30000, offFen: 6000 }] } } },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ name: '满300减60', version: 2, totalQuantity: 100, conditions: { channels: ['online'] }, definition: { scope: { kind: 'order' }, rule: { tiers: [{ minFen: 30000, offFen: 6000 }] } } });

    // The same definition again (keys in another order) changes nothing.
    const same = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/promotions/${p.id}`,
      headers: t.admin,
      payload: { definition: { rule: { tiers: [{ offFen: 6000, minFen: 30000 }], kind: 'threshold' }, scope: { kind: 'order' } }, totalQuantity: 100 },
    });
    expect(same.json().version).toBe(2);

    const started = await post(`/api/v1/promotions/${p.id}/status`, { status: 'active' });
    expect(started.statusCode).toBe(200);
    expect(started.json()).toMatchObject({ status: 'active', version: 2 });
    const back = await post(`/api/v1/promotions/${p.id}/status`, { status: 'draft' });
    expect(back.statusCode).toBe(409);
    expect(back.json().error.code).toBe('promotions.status_transition');

    // A running promotion may change; the change is recorded as such.
    const running = await t.app.inject({ method: 'PATCH', url: `/api/v1/promotions/${p.id}`, headers: t.admin, payload: { capFen: undefined, totalQuantity: 200 } });
    expect(running.json()).toMatchObject({ version: 3, totalQuantity: 200, status: 'active' });
    const [event] = await query<{ payload: { fields: string[]; running: boolean; version: number } }>(
      t.kemai.database.db,
      sql`select payload from platform.outbox where name = 'promotions.promotion.changed' and payload->>'id' = ${p.id} order by id desc limit 1`,
    );
    expect(event!.payload).toMatchObject({ fields: ['totalQuantity'], running: true, version: 3 });
  });

  it('answers bad input with a 400 naming the field and changes nothing; a taken code is 409', async () => {
    const before = await count();
    const bad = await post('/api/v1/promotions', { code: 'API-BAD', name: 'x', definition: { rule: { kind: 'percent', percent: 120 } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.issues[0].path).toBe('definition.rule.percent');
    const badCode = await post('/api/v1/promotions', { code: '-bad code', name: 'x', definition: { rule: { kind: 'fixed', offFen: 100 } } });
    expect(badCode.statusCode).toBe(400);
    expect(badCode.json().error.details.issues[0].path).toBe('code');
    expect(await count()).toBe(before);

    const ok = await post('/api/v1/promotions', { code: 'API-WIN', name: 'window', definition: { rule: { kind: 'fixed', offFen: 100 } }, startsAt: '2026-12-01', endsAt: '2026-12-31' });
    expect(ok.statusCode).toBe(201);
    const dup = await post('/api/v1/promotions', { code: 'API-WIN', name: 'again', definition: { rule: { kind: 'fixed', offFen: 100 } } });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.code).toBe('promotions.code_exists');
    expect(await count()).toBe(before + 1);

    const id = ok.json().id as string;
    const inverted = await t.app.inject({ method: 'PATCH', url: `/api/v1/promotions/${id}`, headers: t.admin, payload: { endsAt: '2026-11-01' } });
    expect(inverted.statusCode).toBe(400);
    expect(inverted.json().error.details.issues[0].path).toBe('endsAt');
    const renamed = await t.app.inject({ method: 'PATCH', url: `/api/v1/promotions/${id}`, headers: t.admin, payload: { code: 'OTHER' } });
    expect(renamed.statusCode).toBe(400);
    const after = (await t.app.inject({ url: `/api/v1/promotions/${id}`, headers: t.admin })).json();
    expect(after).toMatchObject({ code: 'API-WIN', version: 1, startsAt: '2026-11-30T16:00:00.000Z', endsAt: '2026-12-30T16:00:00.000Z' });
  });

  it('needs promotions:admin to write (promotions:read can list and preview only)', async () => {
    const reader = await t.keyWith(['promotions:read']);
    const denied = await post('/api/v1/promotions', { code: 'API-READER', name: 'x', definition: { rule: { kind: 'fixed', offFen: 100 } } }, reader);
    expect(denied.statusCode).toBe(403);
    expect((await t.app.inject({ url: '/api/v1/promotions', headers: reader })).statusCode).toBe(200);
    const preview = await post('/api/v1/promotions/preview', { promotion: { name: 'x', definition: { rule: { kind: 'fixed', offFen: 100 } } }, cart: { lines: [{ sku: 'P-TEE', quantity: 1 }] } }, reader);
    expect(preview.statusCode).toBe(200);
    expect((await t.app.inject({ url: '/api/v1/promotions', headers: await t.keyWith(['orders:read']) })).statusCode).toBe(403);
  });

  it('documents its routes in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ url: '/api/openapi.json' })).json();
    const methods = (path: string) => Object.keys(doc.paths[path] ?? {}).sort();
    expect(methods('/api/v1/promotions')).toEqual(['get', 'post']);
    expect(methods('/api/v1/promotions/{idOrCode}')).toEqual(['get']);
    expect(methods('/api/v1/promotions/{id}')).toEqual(['patch']);
    expect(methods('/api/v1/promotions/{id}/status')).toEqual(['post']);
    expect(methods('/api/v1/promotions/preview')).toEqual(['post']);
    const body = doc.paths['/api/v1/promotions'].post.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(expect.arrayContaining(['code', 'name', 'definition']));
    const preview = doc.paths['/api/v1/promotions/preview'].post.requestBody.content['application/json'].schema;
    expect(preview.properties.promotion.properties.definition).toBeDefined();
  });

  describe('preview of a draft on a sample cart', () => {
    const preview = async (promotion: object, lines: object[]) => {
      const res = await post('/api/v1/promotions/preview', { promotion, cart: { lines } });
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };

    it('满减 stepped: the highest tier reached, split over the lines to the fen (prices from the catalogue or the cart)', async () => {
      const r = await preview(
        { name: '满300减50 / 满500减100', definition: { rule: { kind: 'threshold', tiers: [{ minFen: 30000, offFen: 5000 }, { minFen: 50000, offFen: 10000 }] } } },
        [{ sku: 'P-DRESS', quantity: 2 }, { sku: 'P-TEE', quantity: 1, unitPrice: '129.00' }],
      );
      expect(r).toMatchObject({ applies: true, subtotalFen: 52700, discountFen: 10000, totalFen: 42700, giftValueFen: 0, gifts: [], explanation: { eligibleFen: 52700, step: '≥ 50000' } });
      expect(r.lines).toEqual([
        { sku: 'P-DRESS', quantity: 2, unitPriceFen: 19900, categoryPath: ['服装', '女装', '连衣裙'], brand: 'Kemai', amountFen: 39800, discountFen: 7552, paidFen: 32248 },
        { sku: 'P-TEE', quantity: 1, unitPriceFen: 12900, categoryPath: ['服装', '男装', 'T恤'], brand: 'Other', amountFen: 12900, discountFen: 2448, paidFen: 10452 },
      ]);
      const lower = await preview(
        { name: 'stepped', definition: { rule: { kind: 'threshold', tiers: [{ minFen: 30000, offFen: 5000 }, { minFen: 50000, offFen: 10000 }] } } },
        [{ sku: 'P-DRESS', quantity: 2 }],
      );
      expect(lower).toMatchObject({ subtotalFen: 39800, discountFen: 5000, totalFen: 34800 });
    });

    it('满赠: the gift line once the threshold is reached, nothing below it', async () => {
      const gift = { name: '满399赠帆布袋', definition: { rule: { kind: 'gift', minFen: 39900, gifts: [{ sku: 'GIFT-BAG', quantity: 1, valueFen: 2900, name: '帆布袋' }] } } };
      const below = await preview(gift, [{ sku: 'P-DRESS', quantity: 2 }]);
      expect(below).toMatchObject({ applies: false, subtotalFen: 39800, discountFen: 0, totalFen: 39800, gifts: [], giftValueFen: 0, explanation: null });
      const reached = await preview(gift, [{ sku: 'P-DRESS', quantity: 2 }, { sku: 'X-1', quantity: 1, unitPrice: '1.00' }]);
      expect(reached).toMatchObject({ applies: true, subtotalFen: 39900, discountFen: 0, totalFen: 39900, giftValueFen: 2900, explanation: { eligibleFen: 39900, step: '≥ 39900' } });
      expect(reached.gifts).toEqual([{ sku: 'GIFT-BAG', quantity: 1, valueFen: 2900, name: '帆布袋' }]);
    });

    it('price rule (member price) and 2件8折 on a category from the catalogue', async () => {
      const member = await preview({ name: '会员价', definition: { rule: { kind: 'price', prices: [{ sku: 'P-DRESS', priceFen: 15900 }] } } }, [
        { sku: 'P-DRESS', quantity: 2 },
        { sku: 'P-TEE', quantity: 1 },
      ]);
      expect(member).toMatchObject({ subtotalFen: 49700, discountFen: 8000, totalFen: 41700 });
      expect(member.lines.map((l: { discountFen: number }) => l.discountFen)).toEqual([8000, 0]);
      const twoFor = await preview({ name: '女装2件8折', definition: { scope: { kind: 'categories', paths: ['服装/女装'] }, rule: { kind: 'quantity', minUnits: 2, percent: 20 } } }, [
        { sku: 'P-DRESS', quantity: 2 },
        { sku: 'P-TEE', quantity: 1 },
      ]);
      expect(twoFor).toMatchObject({ subtotalFen: 49700, discountFen: 7960, totalFen: 41740 });
      expect(twoFor.lines.map((l: { discountFen: number }) => l.discountFen)).toEqual([7960, 0]);
    });

    it('bundle: one complete set at the bundle price, the saving split over its lines', async () => {
      const r = await preview(
        { name: '连衣裙+T恤 ¥250', definition: { rule: { kind: 'bundle', items: [{ sku: 'P-DRESS', quantity: 1 }, { sku: 'P-TEE', quantity: 1 }], priceFen: 25000 } } },
        [{ sku: 'P-DRESS', quantity: 2 }, { sku: 'P-TEE', quantity: 1 }],
      );
      expect(r).toMatchObject({ subtotalFen: 49700, discountFen: 4800, totalFen: 44900, explanation: { eligibleFen: 29800, step: '1 × 25000' } });
      expect(r.lines.map((l: { discountFen: number; paidFen: number }) => [l.discountFen, l.paidFen])).toEqual([
        [3205, 36595],
        [1595, 8305],
      ]);
    });

    it('names the field of a bad draft or cart line', async () => {
      const badRule = await post('/api/v1/promotions/preview', { promotion: { name: 'x', definition: { rule: { kind: 'quantity', minUnits: 0, percent: 20 } } }, cart: { lines: [{ sku: 'P-TEE', quantity: 1 }] } });
      expect(badRule.statusCode).toBe(400);
      expect(badRule.json().error.details.issues[0].path).toBe('promotion.definition.rule.minUnits');
      const unknown = await post('/api/v1/promotions/preview', { promotion: { name: 'x', definition: { rule: { kind: 'fixed', offFen: 100 } } }, cart: { lines: [{ sku: 'P-TEE', quantity: 1 }, { sku: 'NOT-THERE', quantity: 1 }] } });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json().error).toMatchObject({ code: 'promotions.invalid', details: { issues: [{ path: 'cart.lines.1.unitPrice' }] } });
      const noPrice = await post('/api/v1/promotions/preview', { promotion: { name: 'x', definition: { rule: { kind: 'fixed', offFen: 100 } } }, cart: { lines: [{ sku: 'P-NOPRICE', quantity: 1 }] } });
      expect(noPrice.statusCode).toBe(400);
      expect(noPrice.json().error.details.issues[0].path).toBe('cart.lines.0.unitPrice');
      const badMoney = await post('/api/v1/promotions/preview', { promotion: { name: 'x', definition: { rule: { kind: 'fixed', offFen: 100 } } }, cart: { lines: [{ sku: 'P-TEE', quantity: 1, unitPrice: '1.234' }] } });
      expect(badMoney.statusCode).toBe(400);
      expect(badMoney.json().error.details.issues[0].path).toBe('cart.lines.0.unitPrice');
    });
  });
});
