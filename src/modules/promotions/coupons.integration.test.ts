import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import type { CheckoutContext } from './domain/eligibility.js';
import type { CouponTemplateInput } from './promotions.schemas.js';
import type { CouponsService, CouponTemplate } from './coupons.service.js';

let t: TestApp;
let coupons: CouponsService;
beforeAll(async () => {
  t = await createTestApp();
  coupons = t.kemai.coupons;
});
afterAll(async () => t?.close());

const db = () => t.kemai.database.db;
const rows = <T = Record<string, unknown>>(s: ReturnType<typeof sql>) => query<T>(db(), s);

/** Customers as fixture rows (created `createdAt`, default long ago so they are not new members). */
async function newCustomers(n: number, createdAt = '2024-01-01T00:00:00Z'): Promise<string[]> {
  const ids = Array.from({ length: n }, () => newId());
  for (let i = 0; i < ids.length; i += 5000) {
    const part = ids.slice(i, i + 5000);
    await rows(sql`insert into customers.customers (id, created_at) select unnest(${sql.param(part)}::uuid[]), ${createdAt}::timestamptz`);
  }
  return ids;
}

let seq = 0;
const template = (over: Partial<CouponTemplateInput> = {}) =>
  coupons.createTemplate(
    {
      code: `T${++seq}`,
      name: `满100减10 #${seq}`,
      definition: { scope: { kind: 'order' }, rule: { kind: 'threshold', tiers: [{ minFen: 10000, offFen: 1000 }] } },
      validDays: 30,
      ...over,
    } as CouponTemplateInput,
    'test',
  );

const ctx = (customerId: string | null, over: Partial<CheckoutContext> = {}): CheckoutContext => ({
  channel: 'pos',
  storeCode: 'S1',
  fulfillment: 'in_store',
  subtotalFen: 20000,
  month: 11,
  customer: customerId ? { id: customerId, tierCode: null, segmentIds: new Set(), birthdayMonth: null, priorOrders: 2 } : null,
  ...over,
});

const AT = new Date('2026-11-24T04:00:00Z'); // 12:00 in Shanghai

describe('checkout interface', () => {
  let tpl: CouponTemplate;
  let alice: string;
  let bob: string;
  beforeAll(async () => {
    const ids = await newCustomers(2);
    alice = ids[0]!;
    bob = ids[1]!;
    tpl = await template({ stackGroup: null, priority: 300, conditions: { channels: ['pos', 'app'], minSubtotalFen: 15000 } });
  });

  it('a valid issued coupon is a candidate with its promotion; each refusal has its exact reason', async () => {
    const mine = (await coupons.issueToCustomer(tpl.id, { customerId: alice, at: AT })).coupon;
    const bobs = (await coupons.issueToCustomer(tpl.id, { customerId: bob, at: AT })).coupon;
    const voided = (await coupons.issueToCustomer(tpl.id, { customerId: alice, at: AT })).coupon;
    await coupons.voidCoupon(voided.code, 'issued by mistake');
    const later = await template({ validFrom: '2026-12-01T00:00:00+08:00', validTo: '2026-12-31T00:00:00+08:00', validDays: null });
    const notYet = (await coupons.issueToCustomer(later.id, { customerId: alice, at: AT })).coupon;
    const short = await template({ validDays: 1 });
    const old = (await coupons.issueToCustomer(short.id, { customerId: alice, at: new Date('2026-11-01T04:00:00Z') })).coupon;
    const paused = await template();
    const p = (await coupons.issueToCustomer(paused.id, { customerId: alice, at: AT })).coupon;
    await coupons.setTemplateStatus(paused.id, 'paused');

    const out = await db().transaction((tx) =>
      coupons.candidatesForCheckout(tx, {
        customerId: alice,
        codes: [mine.code.toLowerCase(), bobs.code, voided.code, notYet.code, old.code, p.code, 'NOPE', mine.code],
        at: AT,
        ctx: ctx(alice),
      }),
    );
    expect(out.candidates).toEqual([
      {
        couponId: mine.id,
        code: mine.code,
        templateId: tpl.id,
        templateCode: tpl.code,
        name: tpl.name,
        withPromotions: true,
        promotion: {
          id: `coupon:${mine.code}`,
          name: tpl.name,
          scope: { kind: 'order' },
          rule: { kind: 'threshold', tiers: [{ minFen: 10000, offFen: 1000 }] },
          excludedSkus: [],
          capFen: null,
          priority: 300,
          group: 'coupon',
          exclusive: false,
        },
      },
    ]);
    expect(out.refused.map((r) => [r.code, r.reason])).toEqual([
      [mine.code, 'duplicate_code'],
      [bobs.code, 'not_yours'],
      [voided.code, 'void'],
      [notYet.code, 'not_yet_valid'],
      [old.code, 'expired'],
      [p.code, 'template_paused'],
      ['NOPE', 'unknown_code'],
    ]);
    expect(out.refused[1]!.message).toBe("the coupon is another customer's");

    // Conditions: the template's channels and minimum spend.
    const cond = await db().transaction((tx) =>
      Promise.all([
        coupons.candidatesForCheckout(tx, { customerId: alice, codes: [mine.code], at: AT, ctx: ctx(alice, { channel: 'web' }) }),
        coupons.candidatesForCheckout(tx, { customerId: alice, codes: [mine.code], at: AT, ctx: ctx(alice, { subtotalFen: 14999 }) }),
        coupons.candidatesForCheckout(tx, { customerId: null, codes: [mine.code], at: AT, ctx: ctx(null) }),
      ]),
    );
    expect(cond.map((c) => c.refused.map((r) => r.reason))).toEqual([['channel'], ['min_subtotal'], ['not_yours']]);
  });

  it('reserve → commit → restore; reserve → release; a changed coupon is 409 coupon_unavailable', async () => {
    const c = (await coupons.issueToCustomer(tpl.id, { customerId: bob, at: AT })).coupon;
    const r1 = newId();
    await db().transaction(async (tx) => {
      const { candidates } = await coupons.candidatesForCheckout(tx, { customerId: bob, codes: [c.code], at: AT, ctx: ctx(bob) });
      await coupons.reserve(tx, candidates.map((x) => x.couponId), r1, bob);
    });
    expect((await coupons.getCoupon(c.code)).status).toBe('reserved');
    // Held by this checkout: another checkout is told so.
    const again = await db().transaction((tx) => coupons.candidatesForCheckout(tx, { customerId: bob, codes: [c.code], at: AT, ctx: ctx(bob) }));
    expect(again.refused.map((r) => r.reason)).toEqual(['reserved']);
    await expect(db().transaction((tx) => coupons.reserve(tx, [c.id], newId(), bob))).rejects.toMatchObject({ code: 'promotions.coupon_unavailable' });

    expect(await db().transaction((tx) => coupons.release(tx, r1))).toBe(1);
    expect(await coupons.getCoupon(c.code)).toMatchObject({ status: 'issued', customerId: bob, reservationId: null });

    const r2 = newId();
    const order = newId();
    await db().transaction((tx) => coupons.reserve(tx, [c.id], r2, bob));
    expect(await db().transaction((tx) => coupons.commit(tx, r2, order, AT))).toBe(1);
    expect(await coupons.getCoupon(c.code)).toMatchObject({ status: 'redeemed', orderId: order, redeemedAt: AT });
    const used = await db().transaction((tx) => coupons.candidatesForCheckout(tx, { customerId: bob, codes: [c.code], at: AT, ctx: ctx(bob) }));
    expect(used.refused.map((r) => r.reason)).toEqual(['redeemed']);
    // A return: restored while valid (policy restore), not after its validTo.
    expect(await db().transaction((tx) => coupons.restoreForReturn(tx, c.id, AT))).toBe(true);
    expect(await coupons.getCoupon(c.code)).toMatchObject({ status: 'issued', orderId: null });
    expect(await db().transaction((tx) => coupons.restoreForReturn(tx, c.id, AT))).toBe(false);

    const keep = await template({ returnPolicy: 'keep' });
    const k = (await coupons.issueToCustomer(keep.id, { customerId: bob, at: AT })).coupon;
    const r3 = newId();
    await db().transaction(async (tx) => {
      await coupons.reserve(tx, [k.id], r3, bob);
      await coupons.commit(tx, r3, newId(), AT);
    });
    expect(await db().transaction((tx) => coupons.restoreForReturn(tx, k.id, AT))).toBe(false);
    expect((await coupons.getCoupon(k.code)).status).toBe('redeemed');

    const r4 = newId();
    await db().transaction(async (tx) => {
      await coupons.reserve(tx, [c.id], r4, bob);
      await coupons.commit(tx, r4, newId(), AT);
    });
    expect(await db().transaction((tx) => coupons.restoreForReturn(tx, c.id, c.validTo!))).toBe(false);
  });

  it('a pool code: any identified customer, once; bound at reserve, unbound at release, the customer’s at commit', async () => {
    const pool = await template({ validDays: 7 });
    await coupons.generateCodes(pool.id, { count: 3, prefix: 'VIP' });
    const codes = (await coupons.listCodes(pool.id)).items.map((c) => c.code);
    expect(codes).toHaveLength(3);
    const [a, b, c] = codes as [string, string, string];
    const [carol] = await newCustomers(1);
    const anon = await db().transaction((tx) => coupons.candidatesForCheckout(tx, { customerId: null, codes: [a], at: AT, ctx: ctx(null) }));
    expect(anon.refused.map((r) => r.reason)).toEqual(['customer_required']);
    const two = await db().transaction((tx) => coupons.candidatesForCheckout(tx, { customerId: carol!, codes: [a, b], at: AT, ctx: ctx(carol!) }));
    expect(two.candidates.map((x) => x.code)).toEqual([a]);
    expect(two.refused).toEqual([{ code: b, reason: 'per_customer_limit', message: 'the customer has used as many of these coupons as allowed' }]);

    const r = newId();
    await db().transaction((tx) => coupons.reserve(tx, [two.candidates[0]!.couponId], r, carol!));
    expect(await coupons.getCoupon(a)).toMatchObject({ status: 'reserved', customerId: carol, issuedAt: null });
    await db().transaction((tx) => coupons.release(tx, r));
    expect(await coupons.getCoupon(a)).toMatchObject({ status: 'available', customerId: null });

    const r2 = newId();
    await db().transaction((tx) => coupons.reserve(tx, [two.candidates[0]!.couponId], r2, carol!));
    await db().transaction((tx) => coupons.commit(tx, r2, newId(), AT));
    // Issued at commit: 7 days from 24 November, to the end of 1 December in Shanghai.
    expect(await coupons.getCoupon(a)).toMatchObject({ status: 'redeemed', customerId: carol, issuedAt: AT, validTo: new Date('2026-12-01T16:00:00Z') });
    const next = await db().transaction((tx) => coupons.candidatesForCheckout(tx, { customerId: carol!, codes: [c], at: AT, ctx: ctx(carol!) }));
    expect(next.refused.map((x) => x.reason)).toEqual(['per_customer_limit']);
  });
});
