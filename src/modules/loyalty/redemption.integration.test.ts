import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../platform/db/database.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import { LedgerService } from './ledger.service.js';
import { ProgramService } from './program.service.js';
import { RedemptionService } from './redemption.service.js';

const onPostgres = !!process.env.TEST_DATABASE_URL;

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

const post = (url: string, payload: unknown) => t.app.inject({ method: 'POST', url, headers: t.admin, payload: payload as object });
const get = (url: string) => t.app.inject({ method: 'GET', url, headers: t.admin });
const rows = <T = Record<string, unknown>>(s: ReturnType<typeof sql>) => query<T>(t.kemai.database.db, s);

/** A member with `yuan` spent on one 2025 order (10 points per ¥100, available at once). */
async function memberWith(phone: string, yuan: number) {
  const r = await post('/api/v1/orders', {
    channel: 'pos',
    externalId: `O-${phone}`,
    placedAt: '2025-06-18T20:15:00+08:00',
    customer: { phone },
    lines: [{ sku: 'A1', quantity: 1, unitPrice: `${yuan}.00` }],
  });
  expect(r.statusCode, r.body).toBe(201);
  await t.kemai.events.drain();
  return r.json().customerId as string;
}

async function consistent(customerId: string) {
  const [r] = await rows<{ available: string; pending: string; held: string; sum_points: string; sum_pending: string; lots: string; open_holds: string }>(
    sql`select a.available, a.pending, a.held,
               (select coalesce(sum(points), 0) from loyalty.ledger_entries e where e.customer_id = a.customer_id) as sum_points,
               (select coalesce(sum(pending_points), 0) from loyalty.ledger_entries e where e.customer_id = a.customer_id) as sum_pending,
               (select coalesce(sum(remaining), 0) from loyalty.lots l where l.customer_id = a.customer_id) as lots,
               (select coalesce(sum(points), 0) from loyalty.holds h where h.customer_id = a.customer_id and h.status = 'held') as open_holds
        from loyalty.accounts a where a.customer_id = ${customerId}`,
  );
  return {
    available: Number(r!.available),
    held: Number(r!.held),
    ok: Number(r!.available) === Number(r!.sum_points) && Number(r!.pending) === Number(r!.sum_pending) && Number(r!.held) === Number(r!.open_holds),
    lots: Number(r!.lots),
  };
}

describe('rewards and cash', () => {
  it('catalogue CRUD with field errors; cash quote at the rate in force', async () => {
    const bad = await post('/api/v1/loyalty/rewards', { code: 'CASH10', kind: 'cash', name: '¥10 抵扣', points: 1000 });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.issues.map((i: { path: string }) => i.path)).toEqual(['value']);
    const badPoints = await post('/api/v1/loyalty/rewards', { code: 'X', kind: 'goods', name: 'x', points: -1, sku: 'S' });
    expect(badPoints.json().error.details.issues.map((i: { path: string }) => i.path)).toEqual(['points']);
    expect((await get('/api/v1/loyalty/rewards')).json().items).toEqual([]);

    const cash = await post('/api/v1/loyalty/rewards', { code: 'CASH10', kind: 'cash', name: '¥10 抵扣', points: 1000, value: '10.00' });
    expect(cash.statusCode, cash.body).toBe(201);
    expect(cash.json()).toEqual({ code: 'CASH10', kind: 'cash', name: '¥10 抵扣', points: 1000, value: '10.00', sku: null, stock: null, active: true, attributes: {} });
    expect((await post('/api/v1/loyalty/rewards', { code: 'MUG', kind: 'goods', name: '马克杯', points: 30, sku: 'MUG-01', stock: 1 })).statusCode).toBe(201);
    expect((await post('/api/v1/loyalty/rewards', { code: 'MUG', kind: 'goods', name: '马克杯', points: 30, sku: 'MUG-01' })).statusCode).toBe(409);
    const patched = await t.app.inject({ method: 'PATCH', url: '/api/v1/loyalty/rewards/CASH10', headers: t.admin, payload: { name: '¥10 现金券' } });
    expect(patched.json()).toMatchObject({ code: 'CASH10', name: '¥10 现金券', value: '10.00' });
    expect((await get('/api/v1/loyalty/rewards')).json().items.map((r: { code: string }) => r.code)).toEqual(['CASH10', 'MUG']);

    expect((await get('/api/v1/loyalty/cash-quote?points=250')).json()).toEqual({ points: 250, value: '2.50', pointsPerYuanCash: 100, ruleVersion: 0 });
    expect((await get('/api/v1/loyalty/cash-quote?points=-1')).statusCode).toBe(400);
  });

  it('a goods reward with stock 1: the second hold is refused; a cancel gives the stock back', async () => {
    const a = await memberWith('13910000001', 500);
    const b = await memberWith('13910000002', 500);
    const h1 = await post('/api/v1/loyalty/holds', { customerId: a, rewardCode: 'MUG', idempotencyKey: 'mug-a', reference: 'CHK-1' });
    expect(h1.statusCode, h1.body).toBe(201);
    expect(h1.json()).toMatchObject({ points: 30, status: 'held', rewardCode: 'MUG', reference: 'CHK-1' });
    const h2 = await post('/api/v1/loyalty/holds', { customerId: b, rewardCode: 'MUG', idempotencyKey: 'mug-b' });
    expect(h2.statusCode).toBe(409);
    expect(h2.json().error.code).toBe('loyalty.reward_out_of_stock');
    expect((await post(`/api/v1/loyalty/holds/${h1.json().id}/cancel`, {})).json().status).toBe('cancelled');
    expect((await post('/api/v1/loyalty/holds', { customerId: b, rewardCode: 'MUG', idempotencyKey: 'mug-b' })).statusCode).toBe(201);
  });
});

describe('holds', () => {
  it('hold → commit keeps the points spent; hold → cancel puts them back into the same lots; replays answer the first hold', async () => {
    const c = await memberWith('13910000011', 800);
    const h = await post('/api/v1/loyalty/holds', { customerId: c, points: 30, idempotencyKey: 'h-1' });
    expect(h.statusCode).toBe(201);
    expect(await consistent(c)).toMatchObject({ available: 50, held: 30, ok: true, lots: 50 });
    const replay = await post('/api/v1/loyalty/holds', { customerId: c, points: 30, idempotencyKey: 'h-1' });
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toMatchObject({ id: h.json().id, created: false });
    const commit = await post(`/api/v1/loyalty/holds/${h.json().id}/commit`, {});
    expect(commit.json()).toMatchObject({ status: 'committed' });
    expect((await post(`/api/v1/loyalty/holds/${h.json().id}/commit`, {})).statusCode).toBe(200);
    expect((await post(`/api/v1/loyalty/holds/${h.json().id}/cancel`, {})).statusCode).toBe(409);
    expect(await consistent(c)).toMatchObject({ available: 50, held: 0, ok: true });

    const h2 = await post('/api/v1/loyalty/holds', { customerId: c, points: 50, idempotencyKey: 'h-2' });
    expect(await consistent(c)).toMatchObject({ available: 0, held: 50, lots: 0 });
    expect((await post('/api/v1/loyalty/holds', { customerId: c, points: 1, idempotencyKey: 'h-3' })).json().error.code).toBe('loyalty.insufficient_points');
    expect((await post(`/api/v1/loyalty/holds/${h2.json().id}/cancel`, {})).json().status).toBe('cancelled');
    expect(await consistent(c)).toMatchObject({ available: 50, held: 0, ok: true, lots: 50 });
    const kinds = await rows<{ kind: string; points: string }>(sql`select kind, points from loyalty.ledger_entries where customer_id = ${c} order by occurred_at, created_at, id`);
    expect(kinds.map((k) => [k.kind, Number(k.points)])).toEqual([['earn', 80], ['redeem', -30], ['redeem', -50], ['reverse', 50]]);
    const tl = (await t.app.inject({ method: 'GET', url: `/api/v1/customers/${c}/timeline?limit=50`, headers: t.admin })).json().items as Array<{
      itemKind?: string;
      summary?: { points: number };
    }>;
    // Newest first; the reverse (a cancelled hold) is not a timeline item.
    expect(tl.filter((i) => i.itemKind?.startsWith('loyalty.points')).map((i) => [i.itemKind, i.summary!.points])).toEqual([
      ['loyalty.points_redeemed', -50],
      ['loyalty.points_redeemed', -30],
      ['loyalty.points_earned', 80],
    ]);
    const ev = await rows<{ name: string; points: number }>(
      sql`select o.name, (e->>'points')::int as points from platform.outbox o cross join jsonb_array_elements(o.payload->'entries') e
          where e->>'customerId' = ${c} and o.name like 'loyalty.points.%' order by o.name collate "C", 2`,
    );
    expect(ev).toEqual([
      { name: 'loyalty.points.earned', points: 80 },
      { name: 'loyalty.points.redeemed', points: -50 },
      { name: 'loyalty.points.redeemed', points: -30 },
      { name: 'loyalty.points.reversed', points: 50 },
    ]);
  });

  it('bad input → 400 naming the field, nothing written', async () => {
    const c = await memberWith('13910000012', 100);
    const before = await rows(sql`select count(*)::int as n from loyalty.holds`);
    const both = await post('/api/v1/loyalty/holds', { customerId: c, points: 5, rewardCode: 'MUG', idempotencyKey: 'bad-1' });
    expect(both.statusCode).toBe(400);
    expect(both.json().error.details.issues[0].path).toBe('points');
    const noKey = await post('/api/v1/loyalty/holds', { customerId: c, points: 5 });
    expect(noKey.json().error.details.issues.map((i: { path: string }) => i.path)).toEqual(['idempotencyKey']);
    const frac = await post('/api/v1/loyalty/holds', { customerId: c, points: 1.5, idempotencyKey: 'bad-2' });
    expect(frac.json().error.details.issues.map((i: { path: string }) => i.path)).toEqual(['points']);
    expect(await rows(sql`select count(*)::int as n from loyalty.holds`)).toEqual(before);
  });

  it('stale holds are put back when their ttl has passed', async () => {
    const c = await memberWith('13910000013', 300);
    const h = await post('/api/v1/loyalty/holds', { customerId: c, points: 20, idempotencyKey: 'stale-1', ttl: 60 });
    expect(h.statusCode).toBe(201);
    // Five minutes later: past this hold's 60 s, not the 900 s of the reward hold above.
    const later = { now: () => new Date(Date.now() + 300_000) };
    const program = new ProgramService(t.kemai.database.db, later);
    const ledger = new LedgerService(t.kemai.database.db, { customers: t.kemai.customers, program, timeZone: 'Asia/Shanghai', clock: later });
    const redemption = new RedemptionService(t.kemai.database.db, { ledger, program });
    expect(await redemption.expireHolds()).toBe(1);
    expect((await get(`/api/v1/loyalty/holds/${h.json().id}`)).json().status).toBe('expired');
    expect(await consistent(c)).toMatchObject({ available: 30, held: 0, ok: true, lots: 30 });
    expect((await post(`/api/v1/loyalty/holds/${h.json().id}/commit`, {})).statusCode).toBe(409);
  });

  it.skipIf(!onPostgres)('200 parallel holds on one member never overspend (PostgreSQL; PGlite has one connection, so nothing runs in parallel there)', async () => {
    const c = await memberWith('13910000014', 10_000);
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        t.kemai.redemption.createHold({ customerId: c, points: 7, idempotencyKey: `par-${i}`, ttlSeconds: 600 }, 'test').then(
          () => 'ok',
          (e: { code?: string }) => e.code ?? 'error',
        ),
      ),
    );
    expect(results.filter((r) => r === 'ok')).toHaveLength(142);
    expect(results.filter((r) => r === 'loyalty.insufficient_points')).toHaveLength(58);
    expect(await consistent(c)).toEqual({ available: 6, held: 994, ok: true, lots: 6 });
  });
});

describe('clawback policy deduct_from_refund', () => {
  it('records the fen to deduct from the refund instead of a negative balance', async () => {
    const c = await memberWith('13910000021', 300);
    const h = await post('/api/v1/loyalty/holds', { customerId: c, points: 25, idempotencyKey: 'dd-1' });
    await post(`/api/v1/loyalty/holds/${h.json().id}/commit`, {});
    const v = await post('/api/v1/loyalty/program/versions', { rules: { clawbackWhenSpent: 'deduct_from_refund', pointsPerYuanCash: 300 } });
    expect(v.statusCode, v.body).toBe(201);
    const r = await post('/api/v1/returns', {
      channel: 'pos',
      externalId: 'RT-dd',
      order: { channel: 'pos', externalId: 'O-13910000021' },
      returnedAt: '2025-06-20T10:00:00+08:00',
      lines: [{ lineNo: 1, quantity: 1 }],
    });
    expect(r.statusCode, r.body).toBe(201);
    await t.kemai.events.drain();
    expect(await consistent(c)).toMatchObject({ available: 0, ok: true, lots: 0 });
    const [rev] = await rows<{ points: string; detail: Record<string, unknown> }>(sql`select points, detail from loyalty.ledger_entries where customer_id = ${c} and kind = 'reverse'`);
    // 30 earned, 5 left: 5 taken, 25 were spent → 25 points at 300 per ¥1 = 8.33… fen, rounded up to 9
    expect([Number(rev!.points), rev!.detail.deductPoints, rev!.detail.deductFen, rev!.detail.policy]).toEqual([-5, 25, 9, 'deduct_from_refund']);
  });
});

describe('scopes', () => {
  it('loyalty:read reads; writing needs loyalty:write; programme, rewards and expiry need loyalty:admin', async () => {
    const c = await memberWith('13910000041', 100);
    const reader = await t.keyWith(['loyalty:read']);
    const writer = await t.keyWith(['loyalty:read', 'loyalty:write']);
    const as = (headers: { authorization: string }, method: 'GET' | 'POST', url: string, payload?: object) => t.app.inject({ method, url, headers, payload });
    expect((await as(reader, 'GET', `/api/v1/loyalty/members/${c}`)).statusCode).toBe(200);
    expect((await as(reader, 'GET', '/api/v1/loyalty/liability')).statusCode).toBe(200);
    expect((await as(reader, 'POST', `/api/v1/loyalty/members/${c}/adjustments`, { points: 5, reason: 'x', idempotencyKey: 'sc-1' })).statusCode).toBe(403);
    expect((await as(reader, 'POST', '/api/v1/loyalty/holds', { customerId: c, points: 5, idempotencyKey: 'sc-2' })).statusCode).toBe(403);
    expect((await as(writer, 'POST', '/api/v1/loyalty/holds', { customerId: c, points: 5, idempotencyKey: 'sc-2' })).statusCode).toBe(201);
    expect((await as(writer, 'POST', '/api/v1/loyalty/program/versions', { rules: {} })).statusCode).toBe(403);
    expect((await as(writer, 'POST', '/api/v1/loyalty/expire', { dryRun: true })).statusCode).toBe(403);
    expect((await as(writer, 'POST', '/api/v1/loyalty/rewards', { code: 'Z', kind: 'goods', name: 'z', points: 1, sku: 'Z' })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/loyalty/members/${c}` })).statusCode).toBe(401);
  });
});

describe('caps', () => {
  it('per order and per business day across a member’s orders, in one batch or several', async () => {
    const start = new Date(Date.now() + 2000);
    const v = await post('/api/v1/loyalty/program/versions', { rules: { caps: { perOrder: 40, perDay: 50 }, pendingDays: 0 }, effectiveFrom: start.toISOString() });
    expect(v.statusCode, v.body).toBe(201);
    const at = (s: number) => new Date(start.getTime() + s * 1000).toISOString();
    const body = (ext: string, yuan: number, s: number) => ({
      channel: 'pos', externalId: ext, placedAt: at(s), customer: { phone: '13910000031' }, lines: [{ sku: 'A1', quantity: 1, unitPrice: `${yuan}.00` }],
    });
    const first = await post('/api/v1/orders', body('CAP-1', 600, 1));
    expect(first.statusCode, first.body).toBe(201);
    const c = first.json().customerId as string;
    await t.kemai.events.drain();
    // two more in one request → one batch of events
    const batch = await post('/api/v1/orders/batch', { items: [body('CAP-2', 100, 2), body('CAP-3', 300, 3)] });
    expect(batch.statusCode, batch.body).toBeLessThan(300);
    await t.kemai.events.drain();
    const got = await rows<{ source_id: string; points: string; detail: Record<string, unknown> }>(
      sql`select source_id, points + pending_points as points, detail from loyalty.ledger_entries where customer_id = ${c} and kind = 'earn' order by occurred_at`,
    );
    // 60 → capped at 40 per order; 10 → 10 (day total 50); 30 → 0 left today
    expect(got.map((g) => [Number(g.points), g.detail.cappedBy])).toEqual([[40, 'order'], [10, null]]);
    expect(await consistent(c)).toMatchObject({ ok: true });
    expect(await t.kemai.ledger.account(t.kemai.database.db, c)).toMatchObject({ lifetimeEarned: 50 });
  });
});

describe('expiry and liability (own database)', () => {
  let u: TestApp;
  beforeAll(async () => {
    u = await createTestApp();
  });
  afterAll(async () => u?.close());

  it('a lot expiring at 2027-01-01 00:00 +08:00 is spendable at 23:59:59 on 12-31 and gone at midnight', async () => {
    const db = u.kemai.database.db;
    const [c1, c2] = await Promise.all(
      ['13920000001', '13920000002'].map(async (phone) => {
        const r = await u.app.inject({ method: 'POST', url: '/api/v1/customers', headers: u.admin, payload: { phone } });
        expect(r.statusCode, r.body).toBeLessThan(300);
        return r.json().id as string;
      }),
    );
    // Rolling 24 months: awarded on 2024-12-31 (Shanghai) → expires at the start of 2027-01-01 Shanghai.
    await db.transaction((tx) => u.kemai.ledger.award(tx, { customerId: c1!, points: 120, sourceType: 'event', idempotencyKey: 'exp-1', actor: 'test', occurredAt: new Date('2024-12-31T10:00:00+08:00') }));
    await db.transaction((tx) => u.kemai.ledger.award(tx, { customerId: c1!, points: 80, sourceType: 'event', idempotencyKey: 'exp-2', actor: 'test', occurredAt: new Date('2025-03-01T10:00:00+08:00') }));
    await db.transaction((tx) => u.kemai.ledger.award(tx, { customerId: c2!, points: 45, sourceType: 'event', idempotencyKey: 'exp-3', actor: 'test', occurredAt: new Date('2025-12-31T23:30:00+08:00') }));
    expect(await db.transaction((tx) => u.kemai.ledger.award(tx, { customerId: c2!, points: 45, sourceType: 'event', idempotencyKey: 'exp-3', actor: 'test', occurredAt: new Date() }))).toBeNull();

    const lots = await query<{ expires_at: Date | string }>(db, sql`select expires_at from loyalty.lots where customer_id = ${c1!} order by expires_at`);
    expect(lots.map((l) => new Date(l.expires_at).toISOString())).toEqual(['2026-12-31T16:00:00.000Z', '2027-03-01T16:00:00.000Z']);

    const liab = await u.app.inject({ method: 'GET', url: '/api/v1/loyalty/liability', headers: u.admin });
    expect(liab.json()).toMatchObject({
      members: 2,
      available: 245,
      pending: 0,
      held: 0,
      outstanding: 245,
      cashValue: '2.45',
      byExpiryMonth: [
        { month: '2026-12', points: 120, cashValue: '1.20' },
        { month: '2027-03', points: 80, cashValue: '0.80' },
        { month: '2027-12', points: 45, cashValue: '0.45' },
      ],
    });

    const expire = (asOf: string, dryRun = false) => u.app.inject({ method: 'POST', url: '/api/v1/loyalty/expire', headers: u.admin, payload: { asOf, dryRun } });
    expect((await expire('2026-12-31T23:59:59+08:00')).json()).toMatchObject({ members: 0, points: 0 });
    expect((await expire('2027-01-01T00:00:00+08:00', true)).json()).toMatchObject({ dryRun: true, members: 1, lots: 1, points: 120 });
    expect(await u.kemai.ledger.account(db, c1!)).toMatchObject({ available: 200 });
    expect((await expire('2027-01-01')).json()).toMatchObject({ dryRun: false, members: 1, lots: 1, points: 120, asOf: '2026-12-31T16:00:00.000Z' });
    expect(await u.kemai.ledger.account(db, c1!)).toMatchObject({ available: 80 });
    expect((await expire('2027-01-01')).json()).toMatchObject({ members: 0, points: 0 });
    expect((await expire('2026-13-01')).statusCode).toBe(400);

    const st = await u.app.inject({ method: 'GET', url: `/api/v1/loyalty/members/${c1!}/statement`, headers: u.admin });
    expect(st.json().items.map((e: { kind: string; points: number; balance: number }) => [e.kind, e.points, e.balance])).toEqual([
      ['expire', -120, 80],
      ['earn', 80, 200],
      ['earn', 120, 120],
    ]);
    const tl = (await u.app.inject({ method: 'GET', url: `/api/v1/customers/${c1!}/timeline?limit=50`, headers: u.admin })).json().items as Array<{
      itemKind?: string;
      summary?: { points: number };
    }>;
    expect(tl.filter((i) => i.itemKind === 'loyalty.points_expired').map((i) => i.summary!.points)).toEqual([-120]);
  });
});
