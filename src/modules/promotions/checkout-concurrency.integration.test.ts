import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { query } from '../../platform/db/database.js';
import { CustomerUpsertInput } from '../customers/index.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import { parseCart, type NewPromotion, type Reservation } from './index.js';

/**
 * Limits under a rush: many reservations at once through the service (Promise.all over the pool). PostgreSQL runs the
 * full size (500 checkouts for a first-100 offer); PGlite, one connection, a smaller run of the same shape.
 */
const PG = !!process.env.TEST_DATABASE_URL;
const CHANNELS = ['pos', 'online', 'miniprogram', 'app', 'wechat'] as const;

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({}, { loyalty: false, poolSize: PG ? 20 : 5 });
});
afterAll(async () => {
  await t?.close();
});
afterEach(async () => {
  await query(t.kemai.database.db, sql`update promotions.promotions set status = 'ended' where status <> 'ended'`);
  t.kemai.promotions.invalidate();
});

let batch = 0;
async function customers(n: number): Promise<string[]> {
  batch += 1;
  const items = Array.from({ length: n }, (_, i) => ({ index: i, value: CustomerUpsertInput.parse({ memberNo: `RUSH-${batch}-${i}` }) }));
  const out = await t.kemai.customers.upsertCustomers(items, { source: 'api', actor: 'test', prefix: () => '' } as never);
  return out.map((r) => (r as { id: string }).id);
}

const promo = (code: string, p: Partial<NewPromotion> & Pick<NewPromotion, 'definition'>) => t.kemai.promotions.create({ code, name: code, status: 'active', ...p }, 'test');
const got = (r: Reservation, code: string) => r.quote.applied.some((a) => a.code === code);
const counters = async (id: string) => {
  const [c] = await query(t.kemai.database.db, sql`select uses, customers, discount_fen from promotions.promotion_counters where promotion_id = ${id}`);
  return { uses: Number(c!.uses), customers: Number(c!.customers), discountFen: Number(c!.discount_fen) };
};
const reserve = (body: Record<string, unknown>) => t.kemai.checkout.reserve(parseCart({ lines: [{ sku: 'RUSH-1', quantity: 1, unitPrice: '100.00' }], ...body }));

describe('limits under concurrency', () => {
  it(`first ${PG ? 100 : 20} customers: ${PG ? 500 : 60} concurrent checkouts give it to exactly that many; cancelled places go to the next`, async () => {
    const N = PG ? 500 : 60;
    const F = PG ? 100 : 20;
    const p = await promo('RUSH-FIRST', { definition: { rule: { kind: 'fixed', offFen: 1000 } }, firstN: F });
    const ids = await customers(N);
    const rs = await Promise.all(ids.map((customerId, i) => reserve({ customerId, channel: CHANNELS[i % CHANNELS.length] })));
    const winners = rs.filter((r) => got(r.reservation, 'RUSH-FIRST'));
    expect(winners.length).toBe(F);
    expect(rs.filter((r) => r.reservation.quote.notApplied.some((n) => n.code === 'RUSH-FIRST' && n.reason === 'limit_reached')).length).toBe(N - F);
    expect(await counters(p.id)).toEqual({ uses: F, customers: F, discountFen: F * 1000 });
    // Five winners cancel; ten of the others try again at once: exactly five get the freed places.
    await Promise.all(winners.slice(0, 5).map((r) => t.kemai.checkout.cancel(r.reservation.id)));
    const losers = rs.filter((r) => !got(r.reservation, 'RUSH-FIRST')).slice(0, 10);
    const again = await Promise.all(losers.map((r) => reserve({ customerId: r.reservation.customerId, channel: 'online' })));
    expect(again.filter((r) => got(r.reservation, 'RUSH-FIRST')).length).toBe(5);
    expect(await counters(p.id)).toEqual({ uses: F, customers: F, discountFen: F * 1000 });
  }, 180_000);

  it('a total quantity is never exceeded', async () => {
    const Q = PG ? 25 : 10;
    const N = PG ? 150 : 30;
    const p = await promo('RUSH-QTY', { definition: { rule: { kind: 'fixed', offFen: 500 } }, totalQuantity: Q });
    const rs = await Promise.all(Array.from({ length: N }, (_, i) => reserve({ channel: CHANNELS[i % CHANNELS.length] })));
    expect(rs.filter((r) => got(r.reservation, 'RUSH-QTY')).length).toBe(Q);
    expect(await counters(p.id)).toEqual({ uses: Q, customers: 0, discountFen: Q * 500 });
  }, 120_000);

  it('a budget is never exceeded: equal discounts fill it exactly, unequal ones stop where the next would not fit', async () => {
    const fixed = await promo('RUSH-BUDGET', { definition: { rule: { kind: 'fixed', offFen: 5000 } }, budgetFen: 23000 });
    const rs = await Promise.all(Array.from({ length: PG ? 60 : 20 }, () => reserve({ channel: 'pos' })));
    expect(rs.filter((r) => got(r.reservation, 'RUSH-BUDGET')).length).toBe(4);
    expect(await counters(fixed.id)).toMatchObject({ uses: 4, discountFen: 20000 });
    await t.kemai.promotions.setStatus(fixed.id, 'ended', 'test');

    const budget = 100_000;
    const pct = await promo('RUSH-PCT', { definition: { rule: { kind: 'percent', percent: 10 } }, budgetFen: budget });
    const prices = Array.from({ length: PG ? 80 : 30 }, (_, i) => 10_000 + ((i * 7919) % 90) * 1000);
    const out = await Promise.all(prices.map((fen, i) => t.kemai.checkout.reserve(parseCart({ channel: CHANNELS[i % 5], lines: [{ sku: 'RUSH-2', quantity: 1, unitPrice: fen / 100 }] }))));
    const given = out.filter((r) => got(r.reservation, 'RUSH-PCT')).map((r) => r.reservation.quote.discountFen);
    const spent = given.reduce((s, x) => s + x, 0);
    expect((await counters(pct.id)).discountFen).toBe(spent);
    expect(spent).toBeLessThanOrEqual(budget);
    // Every checkout refused would not have fit in what is left.
    const refused = out.filter((r) => !got(r.reservation, 'RUSH-PCT')).map((r) => Math.floor(r.reservation.quote.subtotalFen / 10));
    expect(refused.length).toBeGreaterThan(0);
    for (const d of refused) expect(spent + d).toBeGreaterThan(budget);
  }, 120_000);

  it('a per-customer limit holds across channels', async () => {
    const p = await promo('RUSH-PER', { definition: { rule: { kind: 'fixed', offFen: 800 } }, perCustomerLimit: 2 });
    const [who] = await customers(1);
    const rs = await Promise.all(Array.from({ length: 12 }, (_, i) => reserve({ customerId: who, channel: CHANNELS[i % CHANNELS.length] })));
    expect(rs.filter((r) => got(r.reservation, 'RUSH-PER')).length).toBe(2);
    expect(await counters(p.id)).toEqual({ uses: 2, customers: 1, discountFen: 1600 });
    const [u] = await query(t.kemai.database.db, sql`select uses from promotions.customer_uses where promotion_id = ${p.id} and customer_id = ${who}`);
    expect(Number(u!.uses)).toBe(2);
  }, 120_000);
});
