import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgCode, query } from '../../platform/db/database.js';
import { guestCustomerId, newId } from '../../platform/ids.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import { withJobs } from '../../../tests/support/jobs.js';
import { COUPONS_NIGHTLY_JOB, scheduleCouponsNightly } from './coupons.jobs.js';
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

  it('two checkouts racing for one coupon: the row lock lets one reserve it, the other is told it is reserved', async () => {
    const c = (await coupons.issueToCustomer(tpl.id, { customerId: alice, at: AT })).coupon;
    const race = () =>
      db().transaction(async (tx) => {
        const found = await coupons.candidatesForCheckout(tx, { customerId: alice, codes: [c.code], at: AT, ctx: ctx(alice) });
        if (found.candidates.length === 0) return found.refused.map((r) => r.reason).join();
        await new Promise((r) => setTimeout(r, 50));
        await coupons.reserve(tx, [found.candidates[0]!.couponId], newId(), alice);
        return 'reserved it';
      });
    expect((await Promise.all([race(), race(), race()])).sort()).toEqual(['reserved', 'reserved', 'reserved it']);
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

    // The row's owner (customer_id, never null) and the key table follow: the synthetic pool owner until assigned.
    const couponId = two.candidates[0]!.couponId;
    const poolOwner = guestCustomerId('coupon-pool', couponId);
    const stored = async () => [
      ...(await rows(sql`select customer_id, assigned from promotions.coupons where id = ${couponId}`)),
      ...(await rows(sql`select coupon_id, customer_id from promotions.coupon_codes where code = ${a}`)),
    ];
    expect(await stored()).toEqual([{ customer_id: poolOwner, assigned: false }, { coupon_id: couponId, customer_id: poolOwner }]);
    const r = newId();
    await db().transaction((tx) => coupons.reserve(tx, [couponId], r, carol!));
    expect(await coupons.getCoupon(a)).toMatchObject({ status: 'reserved', customerId: carol, issuedAt: null });
    expect(await stored()).toEqual([{ customer_id: carol, assigned: true }, { coupon_id: couponId, customer_id: carol }]);
    expect((await coupons.wallet(carol!)).map((x) => x.code)).toEqual([a]);
    await db().transaction((tx) => coupons.release(tx, r));
    expect(await coupons.getCoupon(a)).toMatchObject({ status: 'available', customerId: null });
    expect(await stored()).toEqual([{ customer_id: poolOwner, assigned: false }, { coupon_id: couponId, customer_id: poolOwner }]);
    expect(await coupons.wallet(carol!)).toEqual([]);

    const r2 = newId();
    await db().transaction((tx) => coupons.reserve(tx, [two.candidates[0]!.couponId], r2, carol!));
    await db().transaction((tx) => coupons.commit(tx, r2, newId(), AT));
    // Issued at commit: 7 days from 24 November, to the end of 1 December in Shanghai.
    expect(await coupons.getCoupon(a)).toMatchObject({ status: 'redeemed', customerId: carol, issuedAt: AT, validTo: new Date('2026-12-01T16:00:00Z') });
    expect(await stored()).toEqual([{ customer_id: carol, assigned: true }, { coupon_id: couponId, customer_id: carol }]);
    expect((await coupons.listCoupons({ customerId: carol! })).items.map((x) => [x.code, x.status])).toEqual([[a, 'redeemed']]);
    const csv = (await coupons.exportCodes(pool.id)).trim().split('\n').slice(1).map((l) => l.split(',').slice(0, 3).join(','));
    expect(csv.sort()).toEqual([`${a},redeemed,${carol}`, `${b},available,`, `${c},available,`].sort());
    const next = await db().transaction((tx) => coupons.candidatesForCheckout(tx, { customerId: carol!, codes: [c], at: AT, ctx: ctx(carol!) }));
    expect(next.refused.map((x) => x.reason)).toEqual(['per_customer_limit']);
  });

  it('reserve moves several pool codes (each from its own pool owner) with the customer’s issued coupon; release moves each back, the row intact', async () => {
    const pool = await template({ validDays: 7 });
    await coupons.generateCodes(pool.id, { count: 3, prefix: 'MIX' });
    const items = (await coupons.listCodes(pool.id)).items;
    const [dave, erin] = await newCustomers(2);
    const own = (await coupons.issueToCustomer((await template()).id, { customerId: dave!, at: AT })).coupon;
    const ids = [items[0]!.id, items[1]!.id, own.id];
    const snapshot = () =>
      rows(
        sql`select id, template_id, code, customer_id, assigned, status, batch, source, issued_at, valid_from, valid_to, reservation_id, order_id, created_at
            from promotions.coupons where id = any(${sql.param(ids)}::uuid[]) order by id`,
      );
    const keys = () => rows(sql`select coupon_id, customer_id from promotions.coupon_codes where coupon_id = any(${sql.param(ids)}::uuid[]) order by coupon_id`);
    const before = await snapshot();
    const keysBefore = await keys();
    expect(before.map((c) => [c.id, c.customer_id, c.assigned, c.status])).toEqual(
      [...ids].sort().map((id) => (id === own.id ? [id, dave, true, 'issued'] : [id, guestCustomerId('coupon-pool', id), false, 'available'])),
    );
    expect(keysBefore).toEqual(before.map((c) => ({ coupon_id: c.id, customer_id: c.customer_id })));

    const r = newId();
    await db().transaction((tx) => coupons.reserve(tx, ids, r, dave!));
    expect(await snapshot()).toEqual(before.map((c) => ({ ...c, customer_id: dave, assigned: true, status: 'reserved', reservation_id: r })));
    expect(await keys()).toEqual(before.map((c) => ({ coupon_id: c.id, customer_id: dave })));
    expect((await coupons.wallet(dave!)).map((x) => x.code).sort()).toEqual(before.map((c) => c.code).sort());

    expect(await db().transaction((tx) => coupons.release(tx, r))).toBe(3);
    expect(await snapshot()).toEqual(before);
    expect(await keys()).toEqual(keysBefore);
    expect((await coupons.wallet(dave!)).map((x) => x.code)).toEqual([own.code]);

    // A code bound by another checkout meanwhile: the whole reserve is refused, nothing moves.
    await db().transaction((tx) => coupons.reserve(tx, [items[2]!.id], newId(), erin!));
    await expect(db().transaction((tx) => coupons.reserve(tx, [items[0]!.id, items[2]!.id], newId(), dave!))).rejects.toMatchObject({
      code: 'promotions.coupon_unavailable',
    });
    expect(await snapshot()).toEqual(before);
    expect(await rows(sql`select customer_id, status from promotions.coupons where id = ${items[2]!.id}`)).toEqual([{ customer_id: erin, status: 'reserved' }]);
  });
});

const post = (url: string, payload: unknown, headers = t.admin) => t.app.inject({ method: 'POST', url, headers, payload: payload as object });
const get = (url: string, headers = t.admin) => t.app.inject({ method: 'GET', url, headers });
const put = (url: string, payload: unknown) => t.app.inject({ method: 'PUT', url, headers: t.admin, payload: payload as object });
const csvPost = (url: string, body: string) => t.app.inject({ method: 'POST', url, headers: { ...t.admin, 'content-type': 'text/csv' }, payload: body });
const issuesOf = (body: string) => (JSON.parse(body) as { error: { details?: { issues: Array<{ path: string }> } } }).error.details?.issues.map((i) => i.path);

describe('templates', () => {
  it('create, 400 naming the field, 409 on a taken code, get by id or code, list, update, status, scopes', async () => {
    const body = {
      code: 'NEW5',
      name: '新人券 ¥5',
      purpose: 'general',
      definition: { rule: { kind: 'fixed', offFen: 500 } },
      validDays: 30,
    };
    const bad = await post('/api/v1/coupon-templates', { ...body, validDays: undefined });
    expect(bad.statusCode).toBe(400);
    expect(issuesOf(bad.body)).toEqual(['validDays']);
    const badRule = await post('/api/v1/coupon-templates', { ...body, definition: { rule: { kind: 'fixed', offFen: -1 } } });
    expect(issuesOf(badRule.body)).toEqual(['definition.rule.offFen']);
    const created = await post('/api/v1/coupon-templates', body);
    expect(created.statusCode, created.body).toBe(201);
    const tpl = created.json();
    expect(tpl).toMatchObject({ code: 'NEW5', status: 'active', priority: 200, withPromotions: true, returnPolicy: 'restore', issued: 0, validDays: 30, definition: { scope: { kind: 'order' }, rule: { kind: 'fixed', offFen: 500 } } });
    expect((await post('/api/v1/coupon-templates', body)).statusCode).toBe(409);
    expect((await get(`/api/v1/coupon-templates/${tpl.id}`)).json().code).toBe('NEW5');
    expect((await get('/api/v1/coupon-templates/NEW5')).json().id).toBe(tpl.id);
    expect((await get('/api/v1/coupon-templates/NOPE')).statusCode).toBe(404);

    const renamed = await put(`/api/v1/coupon-templates/${tpl.id}`, { ...body, name: '新人券 ¥6', definition: { rule: { kind: 'fixed', offFen: 600 } } });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json()).toMatchObject({ name: '新人券 ¥6', definition: { rule: { offFen: 600 } } });
    const recode = await put(`/api/v1/coupon-templates/${tpl.id}`, { ...body, code: 'OTHER' });
    expect(recode.statusCode).toBe(400);
    expect(issuesOf(recode.body)).toEqual(['code']);

    expect((await post(`/api/v1/coupon-templates/${tpl.id}/status`, { status: 'paused' })).json().status).toBe('paused');
    const list = (await get('/api/v1/coupon-templates?status=paused')).json().items as Array<{ code: string; status: string }>;
    expect(list.map((x) => x.code)).toContain('NEW5');
    expect(new Set(list.map((x) => x.status))).toEqual(new Set(['paused']));
    expect((await post(`/api/v1/coupon-templates/${tpl.id}/status`, { status: 'ended' })).json().status).toBe('ended');
    expect((await post(`/api/v1/coupon-templates/${tpl.id}/status`, { status: 'active' })).statusCode).toBe(409);

    const reader = await t.keyWith(['promotions:read']);
    expect((await get('/api/v1/coupon-templates', reader)).statusCode).toBe(200);
    expect((await post('/api/v1/coupon-templates', { ...body, code: 'X1' }, reader)).statusCode).toBe(403);
  });
});

describe('code pools', () => {
  it('generates unique readable codes with a prefix, counted against the total quantity', async () => {
    const tpl = await template({ totalQuantity: 6000 });
    const r = await post(`/api/v1/coupon-templates/${tpl.id}/codes`, { count: 5000, prefix: 'spr', batch: 'spring' });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json()).toEqual({ batch: 'spring', count: 5000 });
    const [c] = await rows<{ n: number; distinct: number; readable: number }>(
      sql`select count(*)::int as n, count(distinct code)::int as distinct, count(*) filter (where code ~ '^SPR[2-9A-HJ-NP-Z]{10}$')::int as readable
          from promotions.coupons where template_id = ${tpl.id} and batch = 'spring' and status = 'available' and not assigned`,
    );
    expect(c).toEqual({ n: 5000, distinct: 5000, readable: 5000 });
    // Each code is in the key table, under the coupon's synthetic pool owner (nobody's, never null).
    const [k] = await rows<{ keyed: number; pool_owner: number }>(
      sql`select count(*)::int as keyed,
                 count(*) filter (where k.customer_id = platform.guest_customer_id('coupon-pool', c.id::text))::int as pool_owner
          from promotions.coupons c join promotions.coupon_codes k on k.code = c.code and k.coupon_id = c.id and k.customer_id = c.customer_id
          where c.template_id = ${tpl.id} and c.batch = 'spring'`,
    );
    expect(k).toEqual({ keyed: 5000, pool_owner: 5000 });
    expect((await coupons.getTemplate(tpl.id)).issued).toBe(5000);
    const over = await post(`/api/v1/coupon-templates/${tpl.id}/codes`, { count: 1001 });
    expect(over.statusCode).toBe(409);
    expect(over.json().error.code).toBe('promotions.template_exhausted');
    expect((await coupons.getTemplate(tpl.id)).issued).toBe(5000);
    const badPrefix = await post(`/api/v1/coupon-templates/${tpl.id}/codes`, { count: 1, prefix: 'a b' });
    expect(issuesOf(badPrefix.body)).toEqual(['prefix']);

    const page = (await get(`/api/v1/coupon-templates/${tpl.id}/codes?batch=spring&limit=3`)).json();
    expect(page.total).toBe(5000);
    expect(page.items).toHaveLength(3);
    const sorted = [...page.items.map((x: { code: string }) => x.code)].sort();
    expect(page.items.map((x: { code: string }) => x.code)).toEqual(sorted);
    const csv = await get(`/api/v1/coupon-templates/${tpl.id}/codes/export?batch=spring`);
    expect(csv.headers['content-type']).toContain('text/csv');
    const lines = csv.body.trim().split('\n');
    expect(lines[0]).toBe('code,status,customer_id,valid_to');
    expect(lines).toHaveLength(5001);
  });

  it('100,000 codes in one request, all unique', async () => {
    const tpl = await template();
    const started = Date.now();
    const out = await coupons.generateCodes(tpl.id, { count: 100_000 });
    const ms = Date.now() - started;
    expect(out.count).toBe(100_000);
    const [c] = await rows<{ n: number; distinct: number }>(sql`select count(*)::int as n, count(distinct code)::int as distinct from promotions.coupons where template_id = ${tpl.id}`);
    expect(c).toEqual({ n: 100_000, distinct: 100_000 });
    console.log(`100,000 codes in ${ms} ms`); // a figure, not an assertion: speed is measured in benchmarks
  }, 120_000);

  it('imports a CSV all or nothing: a bad line named by number, duplicates and taken codes named', async () => {
    const tpl = await template();
    const url = `/api/v1/coupon-templates/${tpl.id}/codes/import?batch=partner`;
    const bad = await csvPost(url, 'code\nPARTNER-001\nPARTNER-002\nbad code!\nPARTNER-004\n');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toContain('line 4');
    expect(issuesOf(bad.body)).toEqual(['line 4']);
    const dup = await csvPost(url, 'code\nPARTNER-001\n\nPARTNER-002\npartner-001\n');
    expect(dup.statusCode).toBe(400);
    expect(dup.json().error.message).toBe('codes given twice: PARTNER-001 (lines 2 and 5)');
    const unterminated = await csvPost(url, 'code\n"PARTNER-9\n');
    expect(unterminated.statusCode).toBe(400);
    expect((await coupons.listCodes(tpl.id)).total).toBe(0);

    const ok = await csvPost(url, 'serial,code\n1,partner-001\n2,PARTNER-002\n3,PARTNER-003\n');
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json()).toEqual({ batch: 'partner', count: 3 });
    expect((await coupons.listCodes(tpl.id, { batch: 'partner' })).items.map((c) => [c.code, c.status, c.source])).toEqual([
      ['PARTNER-001', 'available', 'imported'],
      ['PARTNER-002', 'available', 'imported'],
      ['PARTNER-003', 'available', 'imported'],
    ]);
    const taken = await csvPost(url, 'PARTNER-004\nPARTNER-002\n');
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error.message).toBe('codes already in use: PARTNER-002 (line 2)');
    expect((await coupons.listCodes(tpl.id)).total).toBe(3);
    expect((await coupons.getTemplate(tpl.id)).issued).toBe(3);
    // Codes are unique across templates (the key table promotions.coupon_codes): another template cannot take one, an
    // issued coupon's code is taken too, and the table itself refuses a second row for a code.
    const other = await template();
    const elsewhere = await csvPost(`/api/v1/coupon-templates/${other.id}/codes/import`, 'PARTNER-003\n');
    expect(elsewhere.statusCode).toBe(409);
    expect(elsewhere.json().error.message).toBe('codes already in use: PARTNER-003 (line 1)');
    const [dave] = await newCustomers(1);
    const issued = (await coupons.issueToCustomer(other.id, { customerId: dave!, at: AT })).coupon;
    const issuedCode = await csvPost(`/api/v1/coupon-templates/${tpl.id}/codes/import`, `${issued.code}\n`);
    expect(issuedCode.json().error.message).toBe(`codes already in use: ${issued.code} (line 1)`);
    const dupRow = await rows(sql`insert into promotions.coupon_codes (code, coupon_id, customer_id) values ('PARTNER-001', ${newId()}, ${dave})`).catch((e: unknown) => e);
    expect(pgCode(dupRow)).toBe('23505');
    expect(await rows(sql`select count(*)::int as n from promotions.coupon_codes where code in ('PARTNER-001', 'PARTNER-002', 'PARTNER-003', ${issued.code})`)).toEqual([{ n: 4 }]);
    expect((await coupons.listCodes(other.id)).total).toBe(1);
  });
});

describe('issuing', () => {
  it('to a person: idempotent by key, another customer with the key is 409; unknown customer 404', async () => {
    const tpl = await template();
    const [dan, eve] = await newCustomers(2);
    const first = await post(`/api/v1/coupon-templates/${tpl.code}/issue`, { customerId: dan, idempotencyKey: 'k-dan-1' });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({ replayed: false, coupon: { customerId: dan, status: 'issued', source: 'issue', templateCode: tpl.code } });
    const again = await post(`/api/v1/coupon-templates/${tpl.code}/issue`, { customerId: dan, idempotencyKey: 'k-dan-1' });
    expect(again.statusCode).toBe(200);
    expect(again.json().coupon.id).toBe(first.json().coupon.id);
    expect((await post(`/api/v1/coupon-templates/${tpl.code}/issue`, { customerId: eve, idempotencyKey: 'k-dan-1' })).statusCode).toBe(409);
    expect((await post(`/api/v1/coupon-templates/${tpl.code}/issue`, { customerId: newId() })).statusCode).toBe(404);
    const both = await post(`/api/v1/coupon-templates/${tpl.code}/issue`, { customerId: dan, segmentId: newId() });
    expect(issuesOf(both.body)).toEqual(['customerId']);
    expect((await coupons.getTemplate(tpl.id)).issued).toBe(1);
  });

  it('total quantity and per-customer limit hold under concurrency', async () => {
    const limited = await template({ perCustomerLimit: 2 });
    const [frank] = await newCustomers(1);
    const tries = await Promise.all(Array.from({ length: 8 }, () => coupons.issueToCustomer(limited.id, { customerId: frank! }).then(() => 'ok', (e) => e.code)));
    expect(tries.filter((x) => x === 'ok')).toHaveLength(2);
    expect(tries.filter((x) => x === 'promotions.per_customer_limit')).toHaveLength(6);
    expect((await coupons.getTemplate(limited.id)).issued).toBe(2);

    const scarce = await template({ totalQuantity: 5 });
    const people = await newCustomers(12);
    const got = await Promise.all(people.map((c) => coupons.issueToCustomer(scarce.id, { customerId: c }).then(() => 'ok', (e) => e.code)));
    expect(got.filter((x) => x === 'ok')).toHaveLength(5);
    expect(got.filter((x) => x === 'promotions.template_exhausted')).toHaveLength(7);
    const [n] = await rows<{ n: number }>(sql`select count(*)::int as n from promotions.coupons where template_id = ${scarce.id}`);
    expect(n!.n).toBe(5);
    expect((await coupons.getTemplate(scarce.id)).issued).toBe(5);

    // One key sent five times at once: one coupon, counted once; every answer is that coupon.
    const keyed = await template();
    const [gina] = await newCustomers(1);
    const answers = await Promise.all(Array.from({ length: 5 }, () => coupons.issueToCustomer(keyed.id, { customerId: gina!, idempotencyKey: 'same-key' })));
    expect(new Set(answers.map((a) => a.coupon.id)).size).toBe(1);
    expect(answers.filter((a) => !a.replayed)).toHaveLength(1);
    expect((await coupons.getTemplate(keyed.id)).issued).toBe(1);
  });

  it('validity: relative to the end of the day in the business zone (capped by validTo), or the fixed window', async () => {
    const rel = await template({ validDays: 3 });
    const [g] = await newCustomers(1);
    // 23:30 on 24 November in Shanghai → valid to the end of 27 November; 00:30 on the 25th → the end of the 28th.
    const late = await coupons.issueToCustomer(rel.id, { customerId: g!, at: new Date('2026-11-24T15:30:00Z') });
    expect(late.coupon).toMatchObject({ issuedAt: new Date('2026-11-24T15:30:00Z'), validFrom: new Date('2026-11-24T15:30:00Z'), validTo: new Date('2026-11-27T16:00:00Z') });
    const early = await coupons.issueToCustomer(rel.id, { customerId: g!, at: new Date('2026-11-24T16:30:00Z') });
    expect(early.coupon.validTo).toEqual(new Date('2026-11-28T16:00:00Z'));
    const capped = await template({ validDays: 30, validTo: '2026-12-01' });
    expect((await coupons.issueToCustomer(capped.id, { customerId: g!, at: AT })).coupon.validTo).toEqual(new Date('2026-11-30T16:00:00Z'));
    const fixed = await template({ validDays: null, validFrom: '2026-12-01', validTo: '2027-01-01T00:00:00+08:00' });
    expect((await coupons.issueToCustomer(fixed.id, { customerId: g!, at: AT })).coupon).toMatchObject({
      validFrom: new Date('2026-11-30T16:00:00Z'),
      validTo: new Date('2026-12-31T16:00:00Z'),
    });
  });

  it('to a segment: a stable holdout share, holders skipped, replay-safe, admin only', async () => {
    const tpl = await template();
    const people = await newCustomers(3000);
    const segmentId = newId();
    await rows(sql`insert into segments.segments (id, code, name, kind, definition, created_by) values (${segmentId}, ${`seg-${segmentId}`}, 'VIP', 'static', '{}'::jsonb, 'test')`);
    await rows(sql`insert into segments.members (segment_id, customer_id, entered_at) select ${segmentId}, unnest(${sql.param(people)}::uuid[]), now()`);
    const holder = (await coupons.issueToCustomer(tpl.id, { customerId: people[0]!, at: AT })).coupon;

    const writer = await t.keyWith(['promotions:read', 'promotions:write']);
    expect((await post(`/api/v1/coupon-templates/${tpl.id}/issue`, { segmentId, holdoutPercent: 10 }, writer)).statusCode).toBe(403);
    const r = await post(`/api/v1/coupon-templates/${tpl.id}/issue`, { segmentId, holdoutPercent: 10, idempotencyKey: 'winter-vip' });
    expect(r.statusCode, r.body).toBe(201);
    const run = r.json().run;
    const { inHoldout } = await import('./domain/eligibility.js');
    const expectedHoldout = people.filter((c) => inHoldout(run.id, c, 10));
    const holderHeldOut = expectedHoldout.includes(people[0]!);
    expect(run).toMatchObject({ segmentId, holdoutPercent: 10, heldOut: expectedHoldout.length, skipped: holderHeldOut ? 0 : 1, issued: 3000 - expectedHoldout.length - (holderHeldOut ? 0 : 1), replayed: false });
    expect(Math.abs(expectedHoldout.length - 300)).toBeLessThan(60);

    const groups = await rows<{ grp: string; n: number; coupons: number }>(
      sql`select grp, count(*)::int as n, count(coupon_id)::int as coupons from promotions.issue_recipients where run_id = ${run.id} group by grp order by grp collate "C"`,
    );
    expect(groups).toEqual([
      { grp: 'holdout', n: expectedHoldout.length, coupons: 0 },
      ...(holderHeldOut ? [] : [{ grp: 'skipped', n: 1, coupons: 0 }]),
      { grp: 'treated', n: run.issued, coupons: run.issued },
    ].sort((a, b) => (a.grp < b.grp ? -1 : 1)));
    const held = await rows<{ customer_id: string }>(sql`select customer_id from promotions.issue_recipients where run_id = ${run.id} and grp = 'holdout'`);
    expect(held.map((h) => h.customer_id).sort()).toEqual([...expectedHoldout].sort());
    const [issued] = await rows<{ n: number }>(sql`select count(*)::int as n from promotions.coupons where template_id = ${tpl.id} and source = 'segment' and source_ref = ${run.id}`);
    expect(issued!.n).toBe(run.issued);
    expect((await coupons.getTemplate(tpl.id)).issued).toBe(run.issued + 1);
    expect((await coupons.getCoupon(holder.code)).status).toBe('issued');

    const replay = await post(`/api/v1/coupon-templates/${tpl.id}/issue`, { segmentId, holdoutPercent: 10, idempotencyKey: 'winter-vip' });
    expect(replay.statusCode).toBe(200);
    expect(replay.json().run).toMatchObject({ id: run.id, issued: run.issued, replayed: true });
    expect((await coupons.getTemplate(tpl.id)).issued).toBe(run.issued + 1);
    // A second run without a key: everyone treated by the first already holds one and is skipped; those held out of
    // it get one now — except the earlier holder when the draw held them out (they hold one too).
    const second = await coupons.issueToSegment(tpl.id, { segmentId, holdoutPercent: 0 }, 'test');
    const newlyIssued = expectedHoldout.length - (holderHeldOut ? 1 : 0);
    expect(second).toMatchObject({ issued: newlyIssued, heldOut: 0, skipped: 3000 - newlyIssued });
    expect((await get(`/api/v1/coupon-issue-runs/${run.id}`)).json().issued).toBe(run.issued);
  }, 60_000);
});

describe('void and expiry', () => {
  it('voids an issued coupon with a reason, not a redeemed one; expires issued coupons past validTo at a given instant', async () => {
    const tpl = await template({ validDays: 2 });
    const [h] = await newCustomers(1);
    const a = (await coupons.issueToCustomer(tpl.id, { customerId: h!, at: AT })).coupon;
    const b = (await coupons.issueToCustomer(tpl.id, { customerId: h!, at: new Date('2026-11-20T04:00:00Z') })).coupon;
    const c = (await coupons.issueToCustomer(tpl.id, { customerId: h!, at: new Date('2026-11-20T04:00:00Z') })).coupon;
    const noReason = await post(`/api/v1/coupons/${a.code}/void`, {});
    expect(issuesOf(noReason.body)).toEqual(['reason']);
    const v = await post(`/api/v1/coupons/${a.code.toLowerCase()}/void`, { reason: '发错了' });
    expect(v.statusCode, v.body).toBe(200);
    expect(v.json()).toMatchObject({ status: 'void', voidReason: '发错了' });
    expect((await post(`/api/v1/coupons/${a.code}/void`, { reason: 'again' })).json().voidReason).toBe('发错了');
    const r = newId();
    await db().transaction(async (tx) => {
      await coupons.reserve(tx, [c.id], r, h!);
      await coupons.commit(tx, r, newId(), new Date('2026-11-21T04:00:00Z'));
    });
    const redeemed = await post(`/api/v1/coupons/${c.code}/void`, { reason: 'x' });
    expect(redeemed.statusCode).toBe(409);
    expect(redeemed.json().error.code).toBe('promotions.coupon_redeemed');
    expect((await post('/api/v1/coupons/NOPE-NOPE/void', { reason: 'x' })).statusCode).toBe(404);

    // b is valid to the end of 22 November in Shanghai (16:00Z): not yet at 15:59Z, expired at 16:00Z.
    const due = async (iso: string) => (await rows<{ n: number }>(sql`select count(*)::int as n from promotions.coupons where status = 'issued' and valid_to <= ${iso}::timestamptz`))[0]!.n;
    const dueBefore = await due('2026-11-22T15:59:59Z');
    expect((await coupons.expireDue(new Date('2026-11-22T15:59:59Z'))).expired).toBe(dueBefore);
    expect((await coupons.getCoupon(b.code)).status).toBe('issued');
    expect(await due('2026-11-22T16:00:00Z')).toBe(1);
    expect((await coupons.expireDue(new Date('2026-11-22T16:00:00Z'))).expired).toBe(1);
    expect((await coupons.getCoupon(b.code)).status).toBe('expired');
    expect((await coupons.getCoupon(c.code)).status).toBe('redeemed');
    expect((await coupons.expireDue(new Date('2026-11-22T16:00:00Z'))).expired).toBe(0);
  });

  it('the nightly expiry is scheduled at 00:10 in the business zone', async () => {
    await withJobs(t.kemai.database, async (jobs) => {
      await scheduleCouponsNightly(jobs, coupons, t.kemai.log, { timeZone: 'Asia/Shanghai' });
      expect(await rows(sql`select name, cron, timezone from pgboss.schedule where name = ${COUPONS_NIGHTLY_JOB}`)).toEqual([
        { name: 'promotions.coupons-nightly', cron: '10 0 * * *', timezone: 'Asia/Shanghai' },
      ]);
    });
  });
});

describe('new members and compensation', () => {
  it('the active new_member template’s coupon, once per new customer; not for customers known before it', async () => {
    const [old] = await newCustomers(1, '2020-01-01T00:00:00Z');
    const tpl = await template({ purpose: 'new_member', definition: { scope: { kind: 'order' }, rule: { kind: 'fixed', offFen: 500 } } as CouponTemplateInput['definition'] });
    const joined = await post('/api/v1/customers', { phone: '13900000001', name: '王芳' });
    expect(joined.statusCode, joined.body).toBe(201);
    const id = joined.json().id as string;
    await t.kemai.events.drain();
    expect((await post('/api/v1/customers', { phone: '13900000001', city: '上海' })).statusCode).toBe(200);
    await post('/api/v1/customers', { id: old, city: '北京' });
    await t.kemai.events.drain();
    const wallet = (await get(`/api/v1/customers/${id}/coupons`)).json().items;
    expect(wallet.map((c: { templateCode: string; source: string; status: string }) => [c.templateCode, c.source, c.status])).toEqual([[tpl.code, 'new_member', 'issued']]);
    expect(wallet[0].definition).toEqual({ scope: { kind: 'order' }, rule: { kind: 'fixed', offFen: 500 } });
    expect((await coupons.wallet(old!)).filter((c) => c.source === 'new_member')).toEqual([]);
    // Replayed directly: still one.
    expect(await coupons.issueNewMember([id])).toBe(0);
    expect((await coupons.listCoupons({ customerId: id })).total).toBe(1);
    await coupons.setTemplateStatus(tpl.id, 'ended');
  });

  it('compensation: the compensation template or a fixed amount, replay-safe per ticket', async () => {
    const [k] = await newCustomers(1);
    const none = await post('/api/v1/coupons/compensations', { customerId: k, reason: '发货延迟', reference: 'TICKET-0' });
    expect(none.statusCode).toBe(404);
    const comp = await template({ purpose: 'compensation', validDays: 60 });
    const first = await post('/api/v1/coupons/compensations', { customerId: k, reason: '发货延迟', reference: 'TICKET-1' });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json()).toMatchObject({ replayed: false, coupon: { templateCode: comp.code, source: 'compensation', sourceRef: 'TICKET-1', customerId: k } });
    const replay = await post('/api/v1/coupons/compensations', { customerId: k, reason: '发货延迟', reference: 'TICKET-1' });
    expect(replay.statusCode).toBe(200);
    expect(replay.json().coupon.id).toBe(first.json().coupon.id);
    const amount = await coupons.issueCompensation({ customerId: k!, amountFen: 1500, reason: '少发一件', reference: 'TICKET-2', at: AT });
    expect(amount.coupon).toMatchObject({ templateCode: 'COMP-1500', validTo: new Date('2027-01-23T16:00:00Z') });
    expect((await coupons.getTemplate('COMP-1500')).definition).toEqual({ scope: { kind: 'order' }, rule: { kind: 'fixed', offFen: 1500 } });
    expect((await coupons.issueCompensation({ customerId: k!, amountFen: 1500, reason: '少发一件', reference: 'TICKET-2' })).replayed).toBe(true);
    const general = await template();
    const wrong = await post('/api/v1/coupons/compensations', { customerId: k, templateCode: general.code, reason: 'x', reference: 'TICKET-3' });
    expect(issuesOf(wrong.body)).toEqual(['templateCode']);
    const listed = (await get(`/api/v1/coupons?customerId=${k}&status=issued`)).json();
    expect(listed.total).toBe(2);
  });
});

describe('openapi', () => {
  it('documents the coupon routes from their zod schemas', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    const paths = Object.keys(doc.paths).filter((p) => p.includes('coupon')).sort();
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/v1/coupon-issue-runs/{id}',
        '/api/v1/coupon-templates',
        '/api/v1/coupon-templates/{id}',
        '/api/v1/coupon-templates/{id}/codes',
        '/api/v1/coupon-templates/{id}/codes/export',
        '/api/v1/coupon-templates/{id}/codes/import',
        '/api/v1/coupon-templates/{id}/issue',
        '/api/v1/coupon-templates/{id}/status',
        '/api/v1/coupons',
        '/api/v1/coupons/compensations',
        '/api/v1/coupons/{code}',
        '/api/v1/coupons/{code}/void',
        '/api/v1/customers/{id}/coupons',
      ]),
    );
    const issue = doc.paths['/api/v1/coupon-templates/{id}/issue'].post.requestBody.content['application/json'].schema;
    expect(Object.keys(issue.properties).sort()).toEqual(['customerId', 'holdoutPercent', 'idempotencyKey', 'segmentId']);
  });
});
