import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { query } from '../../platform/db/database.js';
import { guestCustomerId, newId } from '../../platform/ids.js';
import { CustomerUpsertInput } from '../customers/index.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import { CheckoutService, inHoldout, parseCart, type NewPromotion, type Quote } from './index.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  await rows(
    sql`insert into catalog.products (id, sku, name, category_path, brand, list_price_fen) values
          (${newId()}, 'CK-DRESS', '连衣裙', array['服装','女装'], 'Kemai', 20000),
          (${newId()}, 'CK-TEE', 'T恤', array['服装','男装'], 'Kemai', 10000),
          (${newId()}, 'CK-BAG', '包', array['配饰'], 'Other', 40000),
          (${newId()}, 'CK-NOPRICE', '无价', array['配饰'], null, null)`,
  );
});
afterAll(async () => {
  await t?.close();
});
// Every test starts with no running promotion.
afterEach(async () => {
  await rows(sql`update promotions.promotions set status = 'ended' where status <> 'ended'`);
  t.kemai.promotions.invalidate();
});

const AT = '2026-06-15T12:00:00+08:00';
const db = () => t.kemai.database.db;
const rows = (s: ReturnType<typeof sql>) => query(t.kemai.database.db, s);
let seq = 0;

async function customer(opts: { birthday?: string; tier?: string; points?: number; segment?: string } = {}): Promise<string> {
  seq += 1;
  const [r] = await t.kemai.customers.upsertCustomers(
    [{ index: 0, value: CustomerUpsertInput.parse({ memberNo: `CK-${seq}-${newId().slice(-6)}`, ...(opts.birthday ? { birthday: opts.birthday } : {}) }) }],
    { source: 'api', actor: 'test', prefix: () => '' } as never,
  );
  const id = (r as { id: string }).id;
  if (opts.tier) await rows(sql`insert into loyalty.accounts (customer_id, tier_code) values (${id}, ${opts.tier}) on conflict (customer_id) do update set tier_code = excluded.tier_code`);
  if (opts.points) await t.kemai.ledger.adjust({ customerId: id, points: opts.points, reason: 'test', idempotencyKey: `ck-${id}`, actor: 'test' });
  if (opts.segment) await rows(sql`insert into segments.members (segment_id, customer_id, entered_at) values (${opts.segment}, ${id}, now())`);
  return id;
}

async function promo(code: string, p: Partial<NewPromotion> & Pick<NewPromotion, 'definition'>) {
  return t.kemai.promotions.create({ code, name: code, status: 'active', ...p }, 'test');
}

async function price(body: Record<string, unknown>): Promise<Quote> {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/checkout/price', headers: t.admin, payload: { at: AT, ...body } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as Quote;
}

const applied = (q: Quote) => q.applied.map((a) => a.code).sort();
const reasons = (q: Quote, prefix: string) => Object.fromEntries(q.notApplied.filter((n) => n.code.startsWith(prefix)).map((n) => [n.code, n.reason]));
const sumsExact = (q: Quote) => q.lines.every((l) => l.allocations.reduce((s, a) => s + a.amountFen, 0) === l.discountFen && l.paidFen === l.amountFen - l.discountFen);

describe('pricing a cart', () => {
  it('takes prices, categories and brands from the catalogue; an unknown SKU without a price is a 400 naming the line', async () => {
    const bad = await t.app.inject({ method: 'POST', url: '/api/v1/checkout/price', headers: t.admin, payload: { channel: 'pos', lines: [{ sku: 'CK-TEE', quantity: 1 }, { sku: 'NOPE', quantity: 1 }] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.issues).toEqual([{ path: 'lines.1.sku', message: 'unknown SKU NOPE: give unitPrice (and categoryPath, brand) or add it to the catalogue' }]);
    const noPrice = await t.app.inject({ method: 'POST', url: '/api/v1/checkout/price', headers: t.admin, payload: { channel: 'pos', lines: [{ sku: 'CK-NOPRICE', quantity: 1 }] } });
    expect(noPrice.json().error.details.issues[0].path).toBe('lines.0.unitPrice');
    await promo('CK-WOMEN', { definition: { scope: { kind: 'categories', paths: ['服装/女装'] }, rule: { kind: 'percent', percent: 10 } } });
    await promo('CK-BRAND', { definition: { scope: { kind: 'brands', brands: ['Other'] }, rule: { kind: 'fixed', offFen: 1000 } } });
    const q = await price({ channel: 'pos', lines: [{ sku: 'CK-DRESS', quantity: 1 }, { sku: 'CK-BAG', quantity: 1 }, { sku: 'CK-TEE', quantity: 1, unitPrice: '88.00' }] });
    expect(q.lines.map((l) => [l.sku, l.unitPriceFen, l.discountFen])).toEqual([
      ['CK-DRESS', 20000, 2000],
      ['CK-BAG', 40000, 1000],
      ['CK-TEE', 8800, 0],
    ]);
    expect(applied(q)).toEqual(['CK-BRAND', 'CK-WOMEN']);
  });

  it('满300减50: allocations sum exactly to each line, and the cashier reads the explanation', async () => {
    const m = await promo('CK-M300', { name: '满300减50', definition: { rule: { kind: 'threshold', tiers: [{ minFen: 30000, offFen: 5000 }] } } });
    const q = await price({ channel: 'pos', lines: [{ sku: 'CK-DRESS', quantity: 1 }, { sku: 'CK-SHIRT', quantity: 1, unitPrice: '150.00' }] });
    expect(q).toMatchObject({ subtotalFen: 35000, discountFen: 5000, totalFen: 30000, payableFen: 30000, gifts: [], search: 'exact' });
    expect(q.lines).toEqual([
      { lineNo: 1, sku: 'CK-DRESS', name: '连衣裙', quantity: 1, unitPriceFen: 20000, amountFen: 20000, discountFen: 2857, paidFen: 17143, allocations: [{ kind: 'promotion', id: m.id, code: 'CK-M300', amountFen: 2857 }] },
      { lineNo: 2, sku: 'CK-SHIRT', name: null, quantity: 1, unitPriceFen: 15000, amountFen: 15000, discountFen: 2143, paidFen: 12857, allocations: [{ kind: 'promotion', id: m.id, code: 'CK-M300', amountFen: 2143 }] },
    ]);
    expect(q.applied).toEqual([{ kind: 'promotion', id: m.id, code: 'CK-M300', name: '满300减50', discountFen: 5000, giftValueFen: 0, gifts: [], step: '≥ ¥300.00' }]);
    expect(q.explanation['zh-CN']).toEqual(['满300减50: −¥50.00 (≥ ¥300.00)', '合计 ¥350.00，优惠 −¥50.00，应付 ¥300.00']);
    expect(q.explanation.en).toEqual(['满300减50: −¥50.00 (≥ ¥300.00)', 'Subtotal ¥350.00, discounts −¥50.00, total ¥300.00']);
    // Three lines whose shares do not divide evenly.
    const odd = await price({ channel: 'pos', lines: [1, 2, 3].map((n) => ({ sku: `CK-ODD${n}`, quantity: n, unitPrice: '33.33' })) });
    expect(odd.discountFen).toBe(0);
    const q3 = await price({ channel: 'pos', lines: [1, 2, 3, 4].map((n) => ({ sku: `CK-ODD${n}`, quantity: n, unitPrice: '33.33' })) });
    expect(q3.lines.map((l) => l.discountFen)).toEqual([500, 1000, 1500, 2000]);
    expect(sumsExact(q3)).toBe(true);
    const q7 = await price({ channel: 'pos', lines: [{ sku: 'A7', quantity: 1, unitPrice: '100.01' }, { sku: 'B7', quantity: 1, unitPrice: '100.01' }, { sku: 'C7', quantity: 1, unitPrice: '100.01' }] });
    expect(q7.lines.map((l) => l.discountFen)).toEqual([1667, 1667, 1666]);
    expect(sumsExact(q7)).toBe(true);
  });

  it('conditions: channel, store, tier price, birthday month, new customer, second purchase, pick-up', async () => {
    await promo('CK-C-TIER', { priority: 10, definition: { rule: { kind: 'price', prices: [{ sku: 'CK-TEE', priceFen: 8000 }] } }, conditions: { tiers: ['gold'] } });
    await promo('CK-C-CHANNEL', { definition: { rule: { kind: 'fixed', offFen: 100 } }, conditions: { channels: ['pos'] } });
    await promo('CK-C-STORE', { definition: { rule: { kind: 'fixed', offFen: 200 } }, conditions: { stores: ['S1'] } });
    await promo('CK-C-BDAY', { definition: { rule: { kind: 'fixed', offFen: 300 } }, conditions: { birthdayMonth: true } });
    await promo('CK-C-NEW', { definition: { rule: { kind: 'fixed', offFen: 400 } }, conditions: { audience: 'new' } });
    await promo('CK-C-SECOND', { definition: { rule: { kind: 'fixed', offFen: 500 } }, conditions: { priorOrders: { min: 1, max: 1 } } });
    await promo('CK-C-PICKUP', { definition: { rule: { kind: 'fixed', offFen: 600 } }, conditions: { fulfillment: ['pickup'] } });
    const gold = await customer({ birthday: '1990-06-03', tier: 'gold' });
    const again = await customer({ birthday: '1990-01-20' });
    const [placed] = await t.kemai.orders.ingestOrders(
      [{ channel: 'online', externalId: `CK-PRIOR-${again}`, placedAt: '2026-05-01T10:00:00+08:00', customer: { id: again }, lines: [{ sku: 'CK-TEE', quantity: 1, unitPrice: 10000 }], currency: 'CNY' }],
      { source: 'test' },
    );
    expect(placed!.status).toBe('created');
    const cart = { lines: [{ sku: 'CK-TEE', quantity: 2 }] };

    const all = await price({ ...cart, customerId: gold, channel: 'pos', storeCode: 'S1', fulfillment: 'pickup' });
    expect(applied(all)).toEqual(['CK-C-BDAY', 'CK-C-CHANNEL', 'CK-C-NEW', 'CK-C-PICKUP', 'CK-C-STORE', 'CK-C-TIER']);
    expect(all.applied.find((a) => a.code === 'CK-C-TIER')).toMatchObject({ discountFen: 4000, step: 'special price' });
    expect(all).toMatchObject({ subtotalFen: 20000, discountFen: 5600, totalFen: 14400 });
    expect(reasons(all, 'CK-C-')).toEqual({ 'CK-C-SECOND': 'prior_orders' });

    const second = await price({ ...cart, customerId: again, channel: 'online', fulfillment: 'delivery' });
    expect(applied(second)).toEqual(['CK-C-SECOND']);
    expect(second.discountFen).toBe(500);
    expect(reasons(second, 'CK-C-')).toEqual({
      'CK-C-TIER': 'tier',
      'CK-C-CHANNEL': 'channel',
      'CK-C-STORE': 'store',
      'CK-C-BDAY': 'birthday_month',
      'CK-C-NEW': 'new_customers_only',
      'CK-C-PICKUP': 'fulfillment',
    });

    const guest = await price({ ...cart, channel: 'pos', storeCode: 'S1' });
    expect(applied(guest)).toEqual(['CK-C-CHANNEL', 'CK-C-STORE']);
    expect(reasons(guest, 'CK-C-')).toEqual({
      'CK-C-TIER': 'members_only',
      'CK-C-BDAY': 'members_only',
      'CK-C-NEW': 'new_customers_only',
      'CK-C-SECOND': 'members_only',
      'CK-C-PICKUP': 'fulfillment',
    });
  });

  it('segments target a promotion', async () => {
    const seg = newId();
    await promo('CK-SEG', { definition: { rule: { kind: 'fixed', offFen: 900 } }, conditions: { segments: [seg] } });
    const inSeg = await customer({ segment: seg });
    const outSeg = await customer();
    expect(applied(await price({ customerId: inSeg, channel: 'app', lines: [{ sku: 'CK-TEE', quantity: 1 }] }))).toEqual(['CK-SEG']);
    expect(reasons(await price({ customerId: outSeg, channel: 'app', lines: [{ sku: 'CK-TEE', quantity: 1 }] }), 'CK-SEG')).toEqual({ 'CK-SEG': 'segment' });
  });

  it('stacking groups and exclusivity through the API', async () => {
    const cart = { channel: 'online', lines: [{ sku: 'CK-BAG', quantity: 1 }] };
    await promo('CK-S-G30', { definition: { rule: { kind: 'threshold', tiers: [{ minFen: 30000, offFen: 3000 }] } }, stackGroup: 'order' });
    await promo('CK-S-G50', { definition: { rule: { kind: 'threshold', tiers: [{ minFen: 30000, offFen: 5000 }] } }, stackGroup: 'order' });
    await promo('CK-S-FIX', { definition: { rule: { kind: 'fixed', offFen: 1000 } } });
    const x = await promo('CK-S-EXCL', { definition: { rule: { kind: 'percent', percent: 20 } }, exclusive: true });
    const alone = await price(cart);
    expect(applied(alone)).toEqual(['CK-S-EXCL']);
    expect(alone.discountFen).toBe(8000);
    expect(reasons(alone, 'CK-S-')).toEqual({ 'CK-S-G30': 'not_best', 'CK-S-G50': 'not_best', 'CK-S-FIX': 'not_best' });
    await t.kemai.promotions.setStatus(x.id, 'paused', 'test');
    const stacked = await price(cart);
    expect(applied(stacked)).toEqual(['CK-S-FIX', 'CK-S-G50']);
    expect(stacked.discountFen).toBe(6000);
    expect(reasons(stacked, 'CK-S-')).toEqual({ 'CK-S-G30': 'not_best' });
    expect(sumsExact(stacked)).toBe(true);
    // A threshold not reached is not a candidate.
    expect(reasons(await price({ channel: 'online', lines: [{ sku: 'CK-TEE', quantity: 1 }] }), 'CK-S-G')).toEqual({ 'CK-S-G30': 'no_effect', 'CK-S-G50': 'no_effect' });
  });

  it('a coupon that does not combine with promotions is priced alone', async () => {
    await promo('CK-CP-FIX', { definition: { rule: { kind: 'fixed', offFen: 1000 } } });
    const who = await customer();
    const tmpl = await t.kemai.coupons.createTemplate(
      { code: 'CK-TPL-30', name: '无门槛30', definition: { rule: { kind: 'fixed', offFen: 3000 } }, validDays: 30, withPromotions: false } as never,
      'test',
    );
    const { coupon } = await t.kemai.coupons.issueToCustomer(tmpl.id, { customerId: who });
    const now = new Date().toISOString();
    const q = await price({ at: now, customerId: who, channel: 'app', couponCodes: [coupon.code], lines: [{ sku: 'CK-TEE', quantity: 1 }] });
    expect(q.applied.map((a) => [a.kind, a.code, a.discountFen])).toEqual([['coupon', coupon.code, 3000]]);
    expect(q.lines[0]!.allocations).toEqual([{ kind: 'coupon', id: coupon.id, code: coupon.code, amountFen: 3000 }]);
    expect(reasons(q, 'CK-CP-')).toEqual({ 'CK-CP-FIX': 'not_best' });
    const unknown = await price({ at: now, customerId: who, channel: 'app', couponCodes: ['NOSUCHCODE'], lines: [{ sku: 'CK-TEE', quantity: 1 }] });
    expect(unknown.notApplied.filter((n) => n.kind === 'coupon')).toEqual([{ kind: 'coupon', code: 'NOSUCHCODE', name: null, reason: 'unknown_code' }]);

    // Reserve takes the coupon; commit redeems it; the whole order returned gives it back (template policy restore).
    const r = await t.kemai.checkout.reserve(parseCart({ customerId: who, channel: 'app', couponCodes: [coupon.code], lines: [{ sku: 'CK-TEE', quantity: 1 }] }));
    expect((await t.kemai.coupons.getCoupon(coupon.code)).status).toBe('reserved');
    const done = await t.kemai.checkout.commit(r.reservation.id, { order: { externalId: `CK-CP-${who}` } });
    expect((await t.kemai.coupons.getCoupon(coupon.code)).status).toBe('redeemed');
    const [ret] = await t.kemai.orders.recordReturns([
      { channel: 'app', externalId: `CK-CP-RET-${who}`, order: { channel: 'app', externalId: `CK-CP-${who}` }, returnedAt: new Date().toISOString(), lines: [{ lineNo: 1, quantity: 1 }] },
    ]);
    expect(ret).toMatchObject({ status: 'created', refundFen: 7000 });
    await t.kemai.events.drain();
    expect((await t.kemai.coupons.getCoupon(coupon.code)).status).toBe('issued');
    const [red] = await rows(sql`select refunded_fen, status from promotions.redemptions where reservation_id = ${done.id}`);
    expect(red).toMatchObject({ status: 'committed' });
    expect(Number(red!.refunded_fen)).toBe(3000);
  });

  it('held-out customers never get a promotion with a holdout; guests are never held out', async () => {
    const h = await promo('CK-HOLD', { definition: { rule: { kind: 'fixed', offFen: 700 } }, holdoutPercent: 50 });
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await customer());
    const held = ids.filter((id) => inHoldout(h.id, id, 50));
    const treated = ids.filter((id) => !inHoldout(h.id, id, 50));
    expect(held.length).toBeGreaterThan(0);
    expect(treated.length).toBeGreaterThan(0);
    const cart = { channel: 'pos', lines: [{ sku: 'CK-TEE', quantity: 1 }] };
    for (const id of held) expect(reasons(await price({ ...cart, customerId: id }), 'CK-HOLD')).toEqual({ 'CK-HOLD': 'holdout' });
    for (const id of treated) expect(applied(await price({ ...cart, customerId: id }))).toEqual(['CK-HOLD']);
    expect(applied(await price(cart))).toEqual(['CK-HOLD']);
  });
});

describe('points as cash', () => {
  it('quotes what can be used, holds on reserve, gives back on cancel, keeps on commit', async () => {
    const who = await customer({ points: 5000 });
    const cart = { customerId: who, channel: 'pos', lines: [{ sku: 'CK-TEE', quantity: 1 }] };
    const q = await price({ ...cart, points: 3000 });
    expect(q.points).toEqual({ balance: 5000, usableMax: 5000, usableMaxFen: 5000, pointsPerYuanCash: 100, used: 3000, valueFen: 3000 });
    expect(q.payableFen).toBe(7000);
    expect(q.explanation['zh-CN'].at(-1)).toBe('积分抵现 3000 分: −¥30.00，还需支付 ¥70.00');
    const tooMany = await t.app.inject({ method: 'POST', url: '/api/v1/checkout/price', headers: t.admin, payload: { ...cart, points: 6000 } });
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().error.details.issues[0]).toEqual({ path: 'points', message: 'at most 5000 can be used on this cart (balance 5000)' });
    // Cart total caps it: ¥100 is 10,000 points, the balance 5,000.
    const small = await price({ ...cart, lines: [{ sku: 'X-SMALL', quantity: 1, unitPrice: '12.34' }] });
    expect(small.points).toMatchObject({ usableMax: 1234, usableMaxFen: 1234 });

    const avail = async () => Number((await rows(sql`select available from loyalty.accounts where customer_id = ${who}`))[0]!.available);
    const r1 = await t.kemai.checkout.reserve(parseCart({ ...cart, points: 3000 }));
    expect(r1.reservation).toMatchObject({ pointsUsed: 3000, pointsFen: 3000, payableFen: 7000 });
    expect(await avail()).toBe(2000);
    await t.kemai.checkout.cancel(r1.reservation.id);
    expect(await avail()).toBe(5000);
    expect((await t.kemai.redemption.getHold(r1.reservation.pointsHoldId!)).status).toBe('cancelled');
    const r2 = await t.kemai.checkout.reserve(parseCart({ ...cart, points: 4000 }));
    const done = await t.kemai.checkout.commit(r2.reservation.id, { order: { externalId: `CK-PTS-${who}` } });
    expect(done.status).toBe('committed');
    expect((await t.kemai.redemption.getHold(r2.reservation.pointsHoldId!)).status).toBe('committed');
    expect(await avail()).toBe(1000);
    // Beyond the balance: refused, and nothing is left held or counted.
    const over = await t.app.inject({ method: 'POST', url: '/api/v1/checkout/reservations', headers: t.admin, payload: { ...cart, points: 2000 } });
    expect(over.statusCode).toBe(400);
    expect(over.json().error.details.issues[0]).toEqual({ path: 'points', message: 'the customer has 1000 points' });
  });
});

describe('reservations', () => {
  const dressAndShirt = [{ sku: 'CK-DRESS', quantity: 1 }, { sku: 'CK-SHIRT', quantity: 2, unitPrice: '75.00' }];

  it('reserve then commit places the order with each line discounted by its allocations and the gift line at its value', async () => {
    const m = await promo('CK-R-M300', { name: '满300减50', definition: { rule: { kind: 'threshold', tiers: [{ minFen: 30000, offFen: 5000 }] } } });
    const g = await promo('CK-R-GIFT', { name: '满200赠帆布袋', definition: { rule: { kind: 'gift', minFen: 20000, gifts: [{ sku: 'CK-GIFT', quantity: 1, valueFen: 1500, name: '帆布袋' }] } } });
    const who = await customer();
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/checkout/reservations', headers: t.admin, payload: { customerId: who, channel: 'pos', storeCode: 'S1', lines: dressAndShirt } });
    expect(res.statusCode, res.body).toBe(201);
    const r = res.json();
    expect(r).toMatchObject({ status: 'reserved', created: true, customerId: who, payableFen: 30000 });
    expect(r.quote.lines.map((l: { discountFen: number }) => l.discountFen)).toEqual([2857, 2143]);
    expect(r.quote.gifts).toEqual([{ lineNo: 3, sku: 'CK-GIFT', name: '帆布袋', quantity: 1, unitValueFen: 1500, valueFen: 1500, kind: 'promotion', id: g.id, code: 'CK-R-GIFT' }]);
    expect(r.quote.explanation.en).toContain('满200赠帆布袋: free 帆布袋 × 1 (worth ¥15.00) (≥ ¥200.00)');
    const counters = async () =>
      (await rows(sql`select c.promotion_id, c.uses, c.customers, c.discount_fen from promotions.promotion_counters c where c.promotion_id in (${m.id}, ${g.id}) order by c.promotion_id`)).map(
        (x) => [x.promotion_id, Number(x.uses), Number(x.customers), Number(x.discount_fen)],
      );
    expect(Object.fromEntries((await counters()).map(([id, ...rest]) => [id, rest]))).toEqual({ [m.id]: [1, 1, 5000], [g.id]: [1, 1, 1500] });
    const reds = await rows(sql`select seq, promotion_id, discount_fen, lines, status from promotions.redemptions where reservation_id = ${r.id} order by seq`);
    expect(Object.fromEntries(reds.map((x) => [x.promotion_id, [Number(x.discount_fen), x.status]]))).toEqual({ [m.id]: [5000, 'reserved'], [g.id]: [1500, 'reserved'] });
    expect(reds.find((x) => x.promotion_id === m.id)!.lines).toEqual([
      { lineNo: 1, sku: 'CK-DRESS', quantity: 1, amountFen: 2857, refundedFen: 0 },
      { lineNo: 2, sku: 'CK-SHIRT', quantity: 2, amountFen: 2143, refundedFen: 0 },
    ]);

    const commit = await t.app.inject({ method: 'POST', url: `/api/v1/checkout/reservations/${r.id}/commit`, headers: t.admin, payload: { order: { externalId: 'CK-ORDER-1', paymentMethod: 'wechat' } } });
    expect(commit.statusCode, commit.body).toBe(200);
    const c = commit.json();
    expect(c).toMatchObject({ status: 'committed' });
    const lines = await rows(sql`select line_no, sku, quantity, unit_price_fen, discount_fen, paid_fen from orders.order_lines where order_id = ${c.orderId} order by line_no`);
    expect(lines.map((l) => [l.line_no, l.sku, l.quantity, Number(l.unit_price_fen), Number(l.discount_fen), Number(l.paid_fen)])).toEqual([
      [1, 'CK-DRESS', 1, 20000, 2857, 17143],
      [2, 'CK-SHIRT', 2, 7500, 2143, 12857],
      [3, 'CK-GIFT', 1, 1500, 1500, 0],
    ]);
    const [order] = await rows(sql`select customer_id, channel, store_code, paid_fen, payment_method from orders.orders where id = ${c.orderId}`);
    expect(order).toMatchObject({ customer_id: who, channel: 'pos', store_code: 'S1', payment_method: 'wechat' });
    expect(Number(order!.paid_fen)).toBe(30000);
    expect((await rows(sql`select distinct status, order_id from promotions.redemptions where reservation_id = ${r.id}`))).toEqual([{ status: 'committed', order_id: c.orderId }]);
    // Commit twice answers the same; cancelling a committed reservation is 409.
    const again = await t.app.inject({ method: 'POST', url: `/api/v1/checkout/reservations/${r.id}/commit`, headers: t.admin, payload: { order: { externalId: 'CK-ORDER-1' } } });
    expect(again.json()).toEqual(c);
    const cancel = await t.app.inject({ method: 'POST', url: `/api/v1/checkout/reservations/${r.id}/cancel`, headers: t.admin });
    expect(cancel.statusCode).toBe(409);
    const got = await t.app.inject({ method: 'GET', url: `/api/v1/checkout/reservations/${r.id}`, headers: t.admin });
    expect(got.json()).toEqual(c);

    // A return after the 满减 refunds exactly the line's paid share; the promotion gets its allocated discount back.
    const ret = (n: number, q: number) =>
      t.kemai.orders.recordReturns([
        { channel: 'pos', externalId: `CK-RET-${n}`, order: { channel: 'pos', externalId: 'CK-ORDER-1' }, returnedAt: new Date().toISOString(), lines: [{ lineNo: 2, quantity: q }] },
      ]);
    const [r1] = await ret(1, 1);
    expect(r1).toMatchObject({ status: 'created', refundFen: 6429 });
    await t.kemai.events.drain();
    const red = async () => {
      const [x] = await rows(sql`select refunded_fen, lines from promotions.redemptions where reservation_id = ${r.id} and promotion_id = ${m.id}`);
      return [Number(x!.refunded_fen), (x!.lines as Array<{ refundedFen: number }>)[1]!.refundedFen];
    };
    expect(await red()).toEqual([1072, 1072]);
    const [r2] = await ret(2, 1);
    expect(r2).toMatchObject({ status: 'created', refundFen: 12857 - 6429 });
    await t.kemai.events.drain();
    expect(await red()).toEqual([2143, 2143]);
    const [mc] = await rows(sql`select uses, discount_fen from promotions.promotion_counters where promotion_id = ${m.id}`);
    expect([Number(mc!.uses), Number(mc!.discount_fen)]).toEqual([1, 5000 - 2143]);
    // Delivered again (at least once): nothing changes.
    await t.kemai.checkout.applyReturns(db(), [{ returnId: String((r2 as { id: string }).id), orderId: c.orderId }]);
    expect(await red()).toEqual([2143, 2143]);
  });

  it('a return of a whole 满减 line refunds the amount less its allocation', async () => {
    await promo('CK-W-M300', { name: '满300减50', definition: { rule: { kind: 'threshold', tiers: [{ minFen: 30000, offFen: 5000 }] } } });
    const r = await t.kemai.checkout.reserve(parseCart({ channel: 'online', lines: [{ sku: 'CK-DRESS', quantity: 1 }, { sku: 'CK-SHIRT', quantity: 1, unitPrice: '150.00' }] }));
    await t.kemai.checkout.commit(r.reservation.id, { order: { externalId: 'CK-W-1' } });
    const [ret] = await t.kemai.orders.recordReturns([
      { channel: 'online', externalId: 'CK-W-RET', order: { channel: 'online', externalId: 'CK-W-1' }, returnedAt: new Date().toISOString(), lines: [{ sku: 'CK-SHIRT', quantity: 1 }] },
    ]);
    expect(ret).toMatchObject({ refundFen: 15000 - 2143 });
    await t.kemai.events.drain();
    const [x] = await rows(sql`select refunded_fen from promotions.redemptions where reservation_id = ${r.reservation.id}`);
    expect(Number(x!.refunded_fen)).toBe(2143);
  });

  it('a limit reached drops the promotion and prices without it; cancel gives the limit back', async () => {
    const one = await promo('CK-L-ONE', { definition: { rule: { kind: 'fixed', offFen: 1000 } }, totalQuantity: 1 });
    await promo('CK-L-OTHER', { definition: { rule: { kind: 'fixed', offFen: 100 } } });
    const cart = parseCart({ channel: 'pos', lines: [{ sku: 'CK-TEE', quantity: 1 }] });
    const a = await t.kemai.checkout.reserve(cart);
    expect(applied(a.reservation.quote)).toEqual(['CK-L-ONE', 'CK-L-OTHER']);
    const b = await t.kemai.checkout.reserve(cart);
    expect(applied(b.reservation.quote)).toEqual(['CK-L-OTHER']);
    expect(reasons(b.reservation.quote, 'CK-L-')).toEqual({ 'CK-L-ONE': 'limit_reached' });
    expect(b.reservation.quote.explanation.en).toContain('CK-L-ONE: limit reached');
    expect(reasons(await price({ channel: 'pos', lines: [{ sku: 'CK-TEE', quantity: 1 }] }), 'CK-L-')).toEqual({ 'CK-L-ONE': 'limit_reached' });
    const cancelled = await t.kemai.checkout.cancel(a.reservation.id);
    expect(cancelled.status).toBe('cancelled');
    expect(await t.kemai.checkout.cancel(a.reservation.id)).toEqual(cancelled);
    const [c] = await rows(sql`select uses, discount_fen from promotions.promotion_counters where promotion_id = ${one.id}`);
    expect([Number(c!.uses), Number(c!.discount_fen)]).toEqual([0, 0]);
    const d = await t.kemai.checkout.reserve(cart);
    expect(applied(d.reservation.quote)).toEqual(['CK-L-ONE', 'CK-L-OTHER']);
    const commitCancelled = await t.app.inject({ method: 'POST', url: `/api/v1/checkout/reservations/${a.reservation.id}/commit`, headers: t.admin, payload: { order: { externalId: 'CK-L-X' } } });
    expect(commitCancelled.statusCode).toBe(409);
  });

  it('expiry gives counters, customer uses and points back; commit after expiry is 409', async () => {
    const p = await promo('CK-E-FIRST', { definition: { rule: { kind: 'fixed', offFen: 1000 } }, firstN: 5, perCustomerLimit: 1 });
    const who = await customer({ points: 1000 });
    const r = await t.kemai.checkout.reserve(parseCart({ customerId: who, channel: 'pos', points: 500, lines: [{ sku: 'CK-TEE', quantity: 1 }] }), { ttlSeconds: 60 });
    const state = async () => {
      const [c] = await rows(sql`select uses, customers, discount_fen from promotions.promotion_counters where promotion_id = ${p.id}`);
      const [u] = await rows(sql`select uses from promotions.customer_uses where promotion_id = ${p.id} and customer_id = ${who}`);
      const [a] = await rows(sql`select available from loyalty.accounts where customer_id = ${who}`);
      return [Number(c!.uses), Number(c!.customers), Number(c!.discount_fen), Number(u?.uses ?? 0), Number(a!.available)];
    };
    expect(await state()).toEqual([1, 1, 1000, 1, 500]);
    expect(await t.kemai.checkout.expireDue(new Date(Date.now() + 30_000))).toEqual({ expired: 0 });
    expect(await t.kemai.checkout.expireDue(new Date(Date.now() + 61_000))).toEqual({ expired: 1 });
    expect(await state()).toEqual([0, 0, 0, 0, 1000]);
    expect((await t.kemai.checkout.get(r.reservation.id)).status).toBe('expired');
    const late = await t.app.inject({ method: 'POST', url: `/api/v1/checkout/reservations/${r.reservation.id}/commit`, headers: t.admin, payload: { order: { externalId: 'CK-E-LATE' } } });
    expect(late.statusCode).toBe(409);
    expect(late.json().error.code).toBe('promotions.reservation_expired');
    expect((await rows(sql`select count(*)::int as n from orders.orders where external_id = 'CK-E-LATE'`))[0]!.n).toBe(0);
  });

  it('a commit past the expiry expires the reservation on the spot (409) and places no order', async () => {
    const p = await promo('CK-E-SPOT', { definition: { rule: { kind: 'fixed', offFen: 1000 } }, totalQuantity: 3 });
    let clock = new Date();
    const k = t.kemai;
    const checkout = new CheckoutService(k.database.db, { promotions: k.promotions, coupons: k.coupons, orders: k.orders, redemption: k.redemption, timeZone: k.config.timeZone, now: () => clock });
    const r = await checkout.reserve(parseCart({ channel: 'pos', lines: [{ sku: 'CK-TEE', quantity: 1 }] }), { ttlSeconds: 60 });
    expect(applied(r.reservation.quote)).toEqual(['CK-E-SPOT']);
    clock = new Date(clock.getTime() + 61_000);
    await expect(checkout.commit(r.reservation.id, { order: { externalId: 'CK-E-SPOT-1' } })).rejects.toMatchObject({ code: 'promotions.reservation_expired' });
    expect((await checkout.get(r.reservation.id)).status).toBe('expired');
    expect(Number((await rows(sql`select uses from promotions.promotion_counters where promotion_id = ${p.id}`))[0]!.uses)).toBe(0);
    expect((await rows(sql`select count(*)::int as n from orders.orders where external_id = 'CK-E-SPOT-1'`))[0]!.n).toBe(0);
    // Guests cannot take an offer counted per customer.
    const first = await promo('CK-E-FIRSTN', { definition: { rule: { kind: 'fixed', offFen: 100 } }, firstN: 10 });
    expect(reasons(await price({ channel: 'pos', lines: [{ sku: 'CK-TEE', quantity: 1 }] }), 'CK-E-FIRSTN')).toEqual({ [first.code]: 'members_only' });
  });

  it("a customer stays one of a first-N offer's customers until their last use is given back", async () => {
    const p = await promo('CK-E-TWICE', { definition: { rule: { kind: 'fixed', offFen: 1000 } }, firstN: 5, perCustomerLimit: 2 });
    const who = await customer();
    const cart = parseCart({ customerId: who, channel: 'pos', lines: [{ sku: 'CK-TEE', quantity: 1 }] });
    const state = async () => {
      const [c] = await rows(sql`select uses, customers from promotions.promotion_counters where promotion_id = ${p.id}`);
      return [Number(c!.uses), Number(c!.customers)];
    };
    const a = await t.kemai.checkout.reserve(cart);
    const b = await t.kemai.checkout.reserve(cart);
    expect(await state()).toEqual([2, 1]);
    await t.kemai.checkout.cancel(a.reservation.id);
    expect(await state()).toEqual([1, 1]);
    await t.kemai.checkout.cancel(b.reservation.id);
    expect(await state()).toEqual([0, 0]);
  });

  it('the same idempotencyKey answers the same reservation and counts once', async () => {
    const p = await promo('CK-I-QTY', { definition: { rule: { kind: 'fixed', offFen: 1000 } }, totalQuantity: 10 });
    const body = { channel: 'pos', lines: [{ sku: 'CK-TEE', quantity: 1 }], idempotencyKey: 'ck-idem-1' };
    const [a, b] = await Promise.all([
      t.app.inject({ method: 'POST', url: '/api/v1/checkout/reservations', headers: t.admin, payload: body }),
      t.app.inject({ method: 'POST', url: '/api/v1/checkout/reservations', headers: t.admin, payload: body }),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 201]);
    expect(a.json().id).toBe(b.json().id);
    const c = await t.app.inject({ method: 'POST', url: '/api/v1/checkout/reservations', headers: t.admin, payload: body });
    expect(c.statusCode).toBe(200);
    expect(c.json().id).toBe(a.json().id);
    const [x] = await rows(sql`select uses from promotions.promotion_counters where promotion_id = ${p.id}`);
    expect(Number(x!.uses)).toBe(1);
  });

  it('a guest checkout is stored under its synthetic customer id; a retry with its key finds it; a member with the same key gets their own', async () => {
    const p = await promo('CK-G-QTY', { definition: { rule: { kind: 'fixed', offFen: 500 } }, totalQuantity: 10 });
    const key = `ck-guest-${newId()}`;
    const guestBody = { channel: 'pos', storeCode: 'S1', lines: [{ sku: 'CK-TEE', quantity: 1 }], idempotencyKey: key };
    const reserve = (body: Record<string, unknown>) => t.app.inject({ method: 'POST', url: '/api/v1/checkout/reservations', headers: t.admin, payload: body });
    const first = await reserve(guestBody);
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({ customerId: null, idempotencyKey: key, payableFen: 9500 });
    const retry = await reserve(guestBody);
    expect(retry.statusCode).toBe(200);
    expect(retry.json().id).toBe(first.json().id);
    const guestId = guestCustomerId('checkout', key);
    expect(await rows(sql`select customer_id, guest from promotions.reservations where id = ${first.json().id}`)).toEqual([{ customer_id: guestId, guest: true }]);
    expect(await rows(sql`select customer_id, guest, seq from promotions.redemptions where reservation_id = ${first.json().id}`)).toEqual([
      { customer_id: guestId, guest: true, seq: 1 },
    ]);
    // A member sending the same key gets a reservation of their own (keys are per customer), and their retry finds it.
    const who = await customer();
    const mine = await reserve({ ...guestBody, customerId: who });
    expect(mine.statusCode, mine.body).toBe(201);
    expect(mine.json().id).not.toBe(first.json().id);
    expect(mine.json().customerId).toBe(who);
    const mineAgain = await reserve({ ...guestBody, customerId: who });
    expect([mineAgain.statusCode, mineAgain.json().id]).toEqual([200, mine.json().id]);
    expect(await rows(sql`select customer_id, guest from promotions.reservations where idempotency_key = ${key} order by guest`)).toEqual([
      { customer_id: who, guest: false },
      { customer_id: guestId, guest: true },
    ]);
    // The guest's use counted once, and no customer's uses; cancelling gives it back.
    const [x] = await rows(sql`select uses, customers from promotions.promotion_counters where promotion_id = ${p.id}`);
    expect([Number(x!.uses), Number(x!.customers)]).toEqual([2, 1]);
    const cancelled = await t.kemai.checkout.cancel(first.json().id);
    expect(cancelled).toMatchObject({ status: 'cancelled', customerId: null });
    const [y] = await rows(sql`select uses, customers from promotions.promotion_counters where promotion_id = ${p.id}`);
    expect([Number(y!.uses), Number(y!.customers)]).toEqual([1, 1]);
    // Without a key, a guest reservation is keyed by its own id.
    const { idempotencyKey: _k, ...noKey } = guestBody;
    const anon = (await reserve(noKey)).json();
    expect(await rows(sql`select customer_id, guest from promotions.reservations where id = ${anon.id}`)).toEqual([
      { customer_id: guestCustomerId('checkout', anon.id), guest: true },
    ]);
  });

  it('needs promotions:write to reserve; promotions:read may price', async () => {
    const reader = await t.keyWith(['promotions:read']);
    const body = { channel: 'pos', lines: [{ sku: 'CK-TEE', quantity: 1 }] };
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/checkout/price', headers: reader, payload: body })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/checkout/reservations', headers: reader, payload: body })).statusCode).toBe(403);
    const bad = await t.app.inject({ method: 'POST', url: '/api/v1/checkout/reservations', headers: t.admin, payload: { channel: 'pos', lines: [] } });
    expect(bad.statusCode).toBe(400);
    expect((await rows(sql`select count(*)::int as n from promotions.reservations where cart->'lines' = '[]'::jsonb`))[0]!.n).toBe(0);
  });
});
