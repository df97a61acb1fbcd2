import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import { OrderInput, ReturnInput } from '../orders/index.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import { inHoldout } from './domain/eligibility.js';
import { CartInput, type CouponTemplateInput } from './promotions.schemas.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ KEMAI_TIMEZONE: 'Asia/Shanghai' }, { loyalty: false });
});
afterAll(async () => t?.close());

const close = (actual: number | null | undefined, expected: number) => {
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - expected)).toBeLessThan(1e-9);
};

async function newCustomers(n: number): Promise<string[]> {
  const ids = Array.from({ length: n }, () => newId());
  await query(t.kemai.database.db, sql`insert into customers.customers (id, created_at) select unnest(${sql.param(ids)}::uuid[]), '2025-01-01T00:00:00Z'::timestamptz`);
  return ids;
}

let orderNo = 0;
/** One order of one line at `amount` (yuan text); answers its id. */
async function order(customerId: string, placedAt: string, amount: string, over: Partial<Record<string, unknown>> = {}): Promise<string> {
  const [r] = await t.kemai.orders.ingestOrders(
    [OrderInput.parse({ channel: 'pos', externalId: `R-${++orderNo}`, placedAt, customer: { id: customerId }, lines: [{ sku: 'SKU-A', quantity: 1, unitPrice: amount }], ...over })],
    { source: 'api' },
  );
  expect(r!.status).toBe('created');
  return r!.id!;
}

/** Price, reserve and commit a cart at `at` (the order placed then); answers the reservation. */
async function checkout(customerId: string, at: string, lines: Array<{ sku: string; quantity: number; unitPrice: string }>, couponCodes: string[] = []) {
  const { reservation } = await t.kemai.checkout.reserve(CartInput.parse({ customerId, channel: 'pos', at, lines, couponCodes }));
  return t.kemai.checkout.commit(reservation.id, { order: { externalId: `R-${++orderNo}`, placedAt: at } });
}

async function refund(externalId: string, amount: string, returnedAt: string) {
  const [r] = await t.kemai.orders.recordReturns([
    ReturnInput.parse({ channel: 'pos', externalId: `RET-${externalId}`, order: { channel: 'pos', externalId }, returnedAt, lines: [{ lineNo: 1, quantity: 1, refundAmount: amount }] }),
  ]);
  expect(r!.status).toBe('created');
}

/** The first `treated` customers out of the holdout and the first `held` in it, for the salt at 50 %. */
function split(ids: readonly string[], salt: string, treated: number, held: number) {
  const T = ids.filter((c) => !inHoldout(salt, c, 50)).slice(0, treated);
  const H = ids.filter((c) => inHoldout(salt, c, 50)).slice(0, held);
  expect([T.length, H.length]).toEqual([treated, held]);
  return { T, H };
}

describe('coupon issue run results', () => {
  let runId: string;
  beforeAll(async () => {
    const tpl = await t.kemai.coupons.createTemplate(
      { code: 'SPRING5', name: '春季5元券', definition: { rule: { kind: 'fixed', offFen: 500 } }, validDays: 30 } as CouponTemplateInput,
      'test',
    );
    // The run id of an idempotent issue is known before it runs, so the groups can be chosen: 4 treated, 3 held out.
    runId = (t.kemai.coupons as unknown as { runIdFor(templateId: string, key: string): string }).runIdFor(tpl.id, 'spring');
    const pool = await newCustomers(40);
    const { T, H } = split(pool, runId, 4, 3);
    const { segment } = await t.kemai.segments.lists.createStatic({ code: 'spring_list', name: '春季名单', of: 'id', content: [...T, ...H].join('\n') }, 'test');
    // Before the run: not in the period.
    await order(T[2]!, '2026-02-20T10:00:00+08:00', '999.00');
    const run = await t.kemai.coupons.issueToSegment(tpl.id, { segmentId: segment.id, holdoutPercent: 50, idempotencyKey: 'spring', at: new Date('2026-03-01T00:00:00+08:00') }, 'test');
    expect(run).toMatchObject({ id: runId, issued: 4, heldOut: 3, skipped: 0 });

    // Treated: T0 two orders (150 − its ¥5 coupon at checkout, + 50), T1 80 with 30 refunded, T2 and T3 nothing in the
    // period (T3 after it).
    const [mine] = await query<{ coupon_id: string }>(t.kemai.database.db, sql`select coupon_id from promotions.issue_recipients where run_id = ${runId} and customer_id = ${T[0]!}`);
    const coupon = await t.kemai.coupons.getCouponById(mine!.coupon_id);
    await checkout(T[0]!, '2026-03-02T10:00:00+08:00', [{ sku: 'SKU-A', quantity: 1, unitPrice: '150.00' }], [coupon.code]);
    await order(T[0]!, '2026-03-20T10:00:00+08:00', '50.00');
    await order(T[1]!, '2026-03-05T10:00:00+08:00', '80.00');
    await refund(`R-${orderNo}`, '30.00', '2026-03-06T10:00:00+08:00');
    await order(T[3]!, '2026-04-15T10:00:00+08:00', '500.00');
    // Holdout: H0 60, H1 a cancelled order only.
    await order(H[0]!, '2026-03-03T10:00:00+08:00', '60.00');
    await order(H[1]!, '2026-03-04T10:00:00+08:00', '70.00', { status: 'cancelled' });
  });

  it('compares treated and holdout over the period after issue: conversion, revenue per customer, intervals, incremental revenue', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/coupon-issue-runs/${runId}/results?to=2026-04-01`, headers: await t.keyWith(['promotions:read']) });
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json();
    expect(r).toMatchObject({
      run: { id: runId, template: { code: 'SPRING5', name: '春季5元券' }, segment: { name: '春季名单' }, holdoutPercent: 50, issued: 4, heldOut: 3, skipped: 0, actor: 'test' },
      from: '2026-02-28T16:00:00.000Z',
      to: '2026-03-31T16:00:00.000Z',
      issued: 4,
      redeemed: 1,
      redemptionRate: 0.25,
      orders: 1,
      revenueFen: 14500,
      discountFen: 500,
    });
    const c = r.comparison;
    // Treated revenue per customer [19500, 5000, 0, 0] fen: mean 6125, variance (19500² + 5000² − 4·6125²)/3 = 255,187,500/3;
    // holdout [6000, 0, 0]: mean 2000, variance 12,000,000.
    expect(c.treated).toEqual({ customers: 4, converted: 2, conversionRate: 0.5, revenueFen: 24500, revenuePerCustomerFen: 6125 });
    expect(c.holdout).toEqual({ customers: 3, converted: 1, conversionRate: 1 / 3, revenueFen: 6000, revenuePerCustomerFen: 2000 });
    // Conversion: 1/2 − 1/3 = 1/6 ± 1.959964 × √(0.25/4 + (2/9)/3).
    const se = Math.sqrt(0.25 / 4 + 2 / 9 / 3);
    close(c.conversion.difference, 1 / 6);
    close(c.conversion.standardError, se);
    close(c.conversion.low, 1 / 6 - 1.959963984540054 * se);
    close(c.conversion.high, 1 / 6 + 1.959963984540054 * se);
    // Revenue: 6125 − 2000 = 4125; se² = (255,187,500/3)/4 + 12,000,000/3; Welch df 4.0213 (scipy: CI −9801.66 … 18051.66).
    const va = 255_187_500 / 3 / 4;
    const vb = 12_000_000 / 3;
    close(c.revenuePerCustomer.df, (va + vb) ** 2 / (va ** 2 / 3 + vb ** 2 / 2));
    expect(c.revenuePerCustomer).toMatchObject({ differenceFen: 4125, lowFen: -9802, highFen: 18052 });
    expect([c.incrementalRevenueFen, c.incrementalRevenueLowFen, c.incrementalRevenueHighFen]).toEqual([16500, -39207, 72207]);
  });

  it('lists the runs, and refuses an unknown run, a bad instant and a period ending before the run', async () => {
    const h = await t.keyWith(['promotions:read']);
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/coupon-issue-runs', headers: h });
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((i: { id: string; issued: number }) => [i.id, i.issued])).toEqual([[runId, 4]]);
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/coupon-issue-runs/${newId()}/results`, headers: h })).statusCode).toBe(404);
    const bad = await t.app.inject({ method: 'GET', url: `/api/v1/coupon-issue-runs/${runId}/results?to=2026-13-01`, headers: h });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('to');
    const early = await t.app.inject({ method: 'GET', url: `/api/v1/coupon-issue-runs/${runId}/results?to=2026-02-01`, headers: h });
    expect(early.statusCode).toBe(400);
    expect(early.json().error.code).toBe('promotions.invalid_window');
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/coupon-issue-runs', headers: await t.keyWith(['loyalty:read']) })).statusCode).toBe(403);
  });
});

describe('promotion results', () => {
  let promotionId: string;
  beforeAll(async () => {
    const p = await t.kemai.promotions.create(
      {
        code: 'POS10',
        name: '门店满100减10',
        status: 'active',
        definition: { rule: { kind: 'threshold', tiers: [{ minFen: 10000, offFen: 1000 }] } },
        conditions: { channels: ['pos'] },
        startsAt: '2026-05-01T00:00:00+08:00',
        endsAt: '2026-06-01T00:00:00+08:00',
        holdoutPercent: 50,
      },
      'test',
    );
    promotionId = p.id;
    const { T, H } = split(await newCustomers(40), p.id, 3, 2);
    // Buyers on pos in May: treated T0 (200 + 100), T1 (40), T2 (90 with 90 refunded → 0); holdout H0 (120), H1 (30).
    await order(T[0]!, '2026-05-02T10:00:00+08:00', '200.00');
    await order(T[0]!, '2026-05-03T10:00:00+08:00', '100.00', { channel: 'online' });
    await order(T[1]!, '2026-05-04T10:00:00+08:00', '40.00');
    await order(T[2]!, '2026-05-05T10:00:00+08:00', '90.00');
    await refund(`R-${orderNo}`, '90.00', '2026-05-06T10:00:00+08:00');
    await order(H[0]!, '2026-05-07T10:00:00+08:00', '120.00');
    await order(H[1]!, '2026-05-08T10:00:00+08:00', '30.00');
    // Not targeted: online only in May, or pos outside the window.
    const [other, later] = await newCustomers(2);
    await order(other!, '2026-05-09T10:00:00+08:00', '700.00', { channel: 'online' });
    await order(later!, '2026-06-02T10:00:00+08:00', '700.00');
  });

  it('splits the customers it targeted into treated and holdout with the stable draw, over its window', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/promotions/POS10/results`, headers: await t.keyWith(['promotions:read']) });
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json();
    expect(r).toMatchObject({
      promotion: { id: promotionId, code: 'POS10', holdoutPercent: 50 },
      from: '2026-04-30T16:00:00.000Z',
      to: '2026-05-31T16:00:00.000Z',
      uses: 0,
      customers: 0,
      discountFen: 0,
      orders: 0,
      revenueFen: 0,
    });
    // Orders in May not cancelled: 200, 100, 40, 0 (refunded), 120, 30, 700 → 7 orders, 119,000 fen, 17,000 average.
    expect(r.averageOrder).toEqual({ withFen: null, withoutFen: 17000, ordersWith: 0, ordersWithout: 7 });
    const h = r.holdout;
    expect(h.population).toBe('buyers');
    // Treated [30000, 4000, 0]: mean 11333.33; holdout [12000, 3000]: mean 7500. All bought: conversion 1 − 1 = 0.
    expect(h.treated).toEqual({ customers: 3, converted: 3, conversionRate: 1, revenueFen: 34000, revenuePerCustomerFen: 11333 });
    expect(h.holdout).toEqual({ customers: 2, converted: 2, conversionRate: 1, revenueFen: 15000, revenuePerCustomerFen: 7500 });
    expect(h.conversion).toEqual({ difference: 0, low: 0, high: 0, standardError: 0 });
    // Variances: treated (Σx² − 3·mean²) / 2 = (916,000,000 − 34000²/3) / 2 = 796,000,000/3; holdout (4500² × 2) / 1 = 40,500,000.
    const va = 796_000_000 / 3 / 3;
    const vb = 40_500_000 / 2;
    close(h.revenuePerCustomer.df, (va + vb) ** 2 / (va ** 2 / 2 + vb ** 2 / 1));
    expect(h.revenuePerCustomer.differenceFen).toBe(3833);
    expect(h.incrementalRevenueFen).toBe(11500); // (34000/3 − 7500) × 3
  });

  it('answers no holdout section without a holdout, and refuses a window that ends before it starts', async () => {
    await t.kemai.promotions.create({ code: 'PLAIN', name: '无对照', definition: { rule: { kind: 'percent', percent: 10 } } }, 'test');
    const h = await t.keyWith(['promotions:read']);
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/promotions/PLAIN/results?from=2026-05-01&to=2026-06-01', headers: h });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ uses: 0, holdout: null, averageOrder: { withFen: null, withoutFen: 17000, ordersWith: 0, ordersWithout: 7 } });
    const bad = await t.app.inject({ method: 'GET', url: '/api/v1/promotions/PLAIN/results?from=2026-06-01&to=2026-05-01', headers: h });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('promotions.invalid_window');
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/promotions/NOPE/results', headers: h })).statusCode).toBe(404);
  });
});

describe('promotion results from checkouts', () => {
  beforeAll(async () => {
    await t.kemai.promotions.create(
      {
        code: 'JUNE10',
        name: '六月满100减10',
        status: 'active',
        definition: { rule: { kind: 'threshold', tiers: [{ minFen: 10000, offFen: 1000 }] } },
        startsAt: '2026-06-01T00:00:00+08:00',
        endsAt: '2026-07-01T00:00:00+08:00',
      },
      'test',
    );
    const [a, b] = await newCustomers(2);
    // a: 150 − 10 = 140; 2 × 60 − 10 = 110, one unit returned (55.00 back, 5.00 of the discount with it).
    await checkout(a!, '2026-06-02T10:00:00+08:00', [{ sku: 'SKU-A', quantity: 1, unitPrice: '150.00' }]);
    await checkout(a!, '2026-06-03T10:00:00+08:00', [{ sku: 'SKU-B', quantity: 2, unitPrice: '60.00' }]);
    await refund(`R-${orderNo}`, '55.00', '2026-06-04T10:00:00+08:00');
    await t.kemai.events.drain();
    // b: 80 is below the threshold (an order without it); a reservation cancelled counts nothing.
    await checkout(b!, '2026-06-05T10:00:00+08:00', [{ sku: 'SKU-A', quantity: 1, unitPrice: '80.00' }]);
    const { reservation } = await t.kemai.checkout.reserve(CartInput.parse({ customerId: b, channel: 'pos', at: '2026-06-06T10:00:00+08:00', lines: [{ sku: 'SKU-A', quantity: 3, unitPrice: '100.00' }] }));
    await t.kemai.checkout.cancel(reservation.id);
  });

  it('counts committed uses, the discount net of returns, and the revenue of the orders that used it', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/promotions/JUNE10/results', headers: await t.keyWith(['promotions:read']) });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      from: '2026-05-31T16:00:00.000Z',
      to: '2026-06-30T16:00:00.000Z',
      uses: 2,
      customers: 1,
      discountFen: 1500,
      orders: 2,
      revenueFen: 19500,
      // Without it: b's 80 and the 700 another describe placed on 2 June.
      averageOrder: { withFen: 9750, withoutFen: 39000, ordersWith: 2, ordersWithout: 2 },
      holdout: null,
    });
  });
});
