import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import { OrderInput } from '../orders/index.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import { formatWeeklyReport } from './kpis/report-format.js';
import type { KpiRow } from './kpis/kpis.service.js';

/**
 * A hand-built world: stores S1 (guides g1, g2) and S2 (guide g3), week 2026-W45 = [2026-11-02, 2026-11-09) in
 * Asia/Shanghai. Every expected value below is worked out by hand in the comments.
 */
let t: TestApp;
const db = () => t.kemai.database.db;
const PW = 'a-long-password-1';
const ids: Record<string, string> = {};
const c: Record<string, string> = {};
const W = '2026-W45';

const at = (local: string) => `${local}+08:00`;

async function session(username: string): Promise<Record<string, string>> {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password: PW }, headers: { origin: 'http://localhost' } });
  expect(res.statusCode, res.body).toBe(200);
  return { cookie: (res.headers['set-cookie'] as string).split(';')[0]!, origin: 'http://localhost' };
}

let orderNo = 0;
const order = (customer: string, storeCode: string, staffCode: string | null, placedAt: string, yuan: string) =>
  OrderInput.parse({
    channel: 'pos',
    externalId: `K-${++orderNo}`,
    placedAt: at(placedAt),
    storeCode,
    ...(staffCode ? { staffCode } : {}),
    customer: { id: c[customer] },
    lines: [{ sku: 'SKU-A', quantity: 1, unitPrice: yuan }],
  });

const get = (url: string, headers: Record<string, string> = t.admin) => t.app.inject({ url, headers });

beforeAll(async () => {
  t = await createTestApp({ KEMAI_TIMEZONE: 'Asia/Shanghai' }, { loyalty: false });
  for (const [username, storeCode] of [
    ['g1', 'S1'],
    ['g2', 'S1'],
    ['g3', 'S2'],
  ] as const) {
    ids[username] = (await t.kemai.access.createStaff({ username, displayName: username.toUpperCase(), role: 'guide', storeCode, password: PW })).staff.id;
  }
  // c2 and c5 become known inside the week (enrolments); the rest long before.
  const created: Record<string, string> = { c1: '2026-01-01T00:00:00', c2: '2026-11-04T00:00:00', c3: '2026-01-01T00:00:00', c4: '2026-01-01T00:00:00', c5: '2026-11-08T00:00:00', c6: '2026-01-01T00:00:00', c7: '2026-01-01T00:00:00' };
  for (const [k, when] of Object.entries(created)) {
    c[k] = newId();
    await query(db(), sql`insert into customers.customers (id, created_at) values (${c[k]}::uuid, ${at(when)}::timestamptz)`);
  }
  const orders = [
    order('c1', 'S1', 'g1', '2026-11-03T10:00:00', '100.00'), // K-1
    order('c1', 'S1', 'g1', '2026-11-05T10:00:00', '50.00'), // K-2
    order('c2', 'S1', 'g1', '2026-11-04T10:00:00', '80.00'), // K-3
    order('c2', 'S1', 'g1', '2026-11-06T10:00:00', '999.00'), // K-4, cancelled below
    order('c3', 'S1', 'g2', '2026-11-02T00:00:00', '30.00'), // K-5, the week's first instant: in
    order('c3', 'S1', 'g2', '2026-11-09T00:00:00', '40.00'), // K-6, the next week's first instant: out
    order('c4', 'S2', 'g3', '2026-11-06T10:00:00', '200.00'), // K-7
    order('c4', 'S2', 'g3', '2026-11-07T10:00:00', '20.00'), // K-8
    order('c4', 'S2', 'g3', '2026-11-01T23:59:59', '10.00'), // K-9, before the week
    order('c6', 'S2', null, '2026-11-03T10:00:00', '60.00'), // K-10, no guide named
    order('c6', 'S2', 'g1', '2026-11-04T10:00:00', '10.00'), // K-11, g1 selling at S2
  ];
  await t.kemai.orders.ingestOrders(orders, { source: 'api' });
  await t.kemai.events.drain();
  await query(db(), sql`update orders.orders set status = 'cancelled' where external_id = 'K-4'`);
  const orderId = async (ext: string) => (await query<{ id: string }>(db(), sql`select id from orders.orders where external_id = ${ext}`))[0]!.id;

  // Assignments by hand (the first-purchase ones replaced): c3 moved from g2 to g1 on 11-05; c6 in S2's pool.
  await query(db(), sql`delete from staff.assignments`);
  const assign = async (cust: string, staff: string | null, store: string, from: string, to: string | null = null) =>
    query(
      db(),
      sql`insert into staff.assignments (id, customer_id, staff_id, store_code, reason, started_at, ended_at, actor)
          values (${newId()}, ${c[cust]}::uuid, ${staff === null ? null : ids[staff]}::uuid, ${store}, 'manual', ${at(from)}::timestamptz,
                  ${to === null ? null : at(to)}::timestamptz, 'test')`,
    );
  await assign('c1', 'g1', 'S1', '2026-06-01T00:00:00');
  await assign('c2', 'g1', 'S1', '2026-11-04T00:00:00');
  await assign('c3', 'g2', 'S1', '2026-06-01T00:00:00', '2026-11-05T00:00:00');
  await assign('c3', 'g1', 'S1', '2026-11-05T00:00:00');
  await assign('c4', 'g3', 'S2', '2026-01-01T00:00:00');
  await assign('c5', 'g3', 'S2', '2026-11-08T00:00:00');
  await assign('c6', null, 'S2', '2026-01-01T00:00:00');

  // Referrals: c4 refers c5 in the week; c5's rejected one and c1's after the week do not count.
  const referral = (referrer: string, referee: string, status: string, when: string) =>
    query(
      db(),
      sql`insert into loyalty.referrals (referee_id, id, referrer_id, code, status, created_at)
          values (${c[referee]}::uuid, ${newId()}, ${c[referrer]}::uuid, 'R', ${status}, ${at(when)}::timestamptz)`,
    );
  await referral('c4', 'c5', 'pending', '2026-11-06T12:00:00');
  await referral('c5', 'c7', 'rejected', '2026-11-07T12:00:00');
  await referral('c1', 'c7', 'pending', '2026-11-09T00:00:00');

  // Coupons redeemed on orders: K-1 (g1, S1), K-7 (g3, S2), K-11 (g1, S2) in the week; K-9's before it.
  for (const [ext, when] of [
    ['K-1', '2026-11-03T10:00:00'],
    ['K-7', '2026-11-06T10:00:00'],
    ['K-11', '2026-11-04T10:00:00'],
    ['K-9', '2026-11-01T23:59:59'],
  ] as const) {
    await query(
      db(),
      sql`insert into promotions.coupons (id, customer_id, assigned, template_id, code, status, source, order_id, redeemed_at)
          values (${newId()}, ${newId()}, true, ${newId()}, ${`CP-${ext}`}, 'redeemed', 'issue', ${await orderId(ext)}::uuid, ${at(when)}::timestamptz)`,
    );
  }

  // Survey responses: g1 CSAT 5, 4, 3 / NPS 10, 9, 5; g3 CSAT 5, 5 / NPS 10, 7; g2's one falls on the next week.
  const response = (guide: string, store: string, csat: number, nps: number, when: string) =>
    query(
      db(),
      sql`insert into surveys.responses (id, survey_id, customer_id, guide_id, store_code, answers, csat, nps, submitted_at)
          values (${newId()}, ${newId()}, ${newId()}, ${ids[guide]}::uuid, ${store}, '{}'::jsonb, ${csat}, ${nps}, ${at(when)}::timestamptz)`,
    );
  await response('g1', 'S1', 5, 10, '2026-11-03T12:00:00');
  await response('g1', 'S1', 4, 9, '2026-11-04T12:00:00');
  await response('g1', 'S1', 3, 5, '2026-11-05T12:00:00');
  await response('g3', 'S2', 5, 10, '2026-11-06T12:00:00');
  await response('g3', 'S2', 5, 7, '2026-11-07T12:00:00');
  await response('g2', 'S1', 2, 3, '2026-11-09T00:00:00');

  // Tickets (first reply after n seconds, resolved after h hours or at an instant).
  const ticket = async (assignee: string | null, store: string, received: string, replySec: number | null, resolved: string | number | null) => {
    const r = new Date(at(received));
    const reply = replySec === null ? null : new Date(r.getTime() + replySec * 1000).toISOString();
    const done = resolved === null ? null : typeof resolved === 'number' ? new Date(r.getTime() + resolved * 3_600_000).toISOString() : at(resolved);
    await query(
      db(),
      sql`insert into service.tickets (id, kind, channel, status, subject, store_code, assignee_id, received_at, first_replied_at, resolved_at, created_by)
          values (${newId()}, 'inquiry', 'api', ${done ? 'resolved' : 'open'}, 'T', ${store}, ${assignee === null ? null : ids[assignee]}::uuid,
                  ${r.toISOString()}::timestamptz, ${reply}::timestamptz, ${done}::timestamptz, 'test')`,
    );
  };
  await ticket('g1', 'S1', '2026-11-03T10:00:00', 30, 2); // resolved
  await ticket('g1', 'S1', '2026-11-04T10:00:00', 90, null);
  await ticket('g1', 'S1', '2026-11-05T10:00:00', 40, '2026-11-09T00:00:00'); // resolved after the week
  await ticket('g3', 'S2', '2026-11-06T10:00:00', 120, 1);
  await ticket('g3', 'S2', '2026-11-07T10:00:00', 60, 3);
  await ticket(null, 'S2', '2026-11-07T11:00:00', null, null); // nobody's, unanswered

  // Guide tasks: g1 3 due (1 done in the week, 1 open, 1 done after it) + 1 cancelled; g3 1 done; S2 one nobody's, open.
  const task = (assignee: string | null, store: string, due: string, status: string, doneAt: string | null) =>
    query(
      db(),
      sql`insert into messaging.guide_tasks (id, customer_id, store_code, assignee_staff_id, title, due_at, status, done_at)
          values (${newId()}, ${c.c1}::uuid, ${store}, ${assignee === null ? null : ids[assignee]}::uuid, 'call', ${at(due)}::timestamptz, ${status},
                  ${doneAt === null ? null : at(doneAt)}::timestamptz)`,
    );
  await task('g1', 'S1', '2026-11-03T18:00:00', 'done', '2026-11-03T17:00:00');
  await task('g1', 'S1', '2026-11-04T18:00:00', 'open', null);
  await task('g1', 'S1', '2026-11-05T18:00:00', 'cancelled', null);
  await task('g1', 'S1', '2026-11-06T18:00:00', 'done', '2026-11-10T10:00:00');
  await task('g3', 'S2', '2026-11-07T18:00:00', 'done', '2026-11-07T12:00:00');
  await task(null, 'S2', '2026-11-07T18:00:00', 'open', null);
}, 120_000);
afterAll(async () => t?.close());

/** The fields a test compares, in one line per row. */
const brief = (r: KpiRow) => ({
  key: r.username ?? r.key,
  served: r.customersServed,
  orders: r.orders,
  net: r.netSalesFen,
  enrolled: r.memberEnrolments,
  book: [r.assignedCustomers, r.buyers, r.repeatBuyers, r.repurchaseRate],
  referral: [r.referrers, r.referralRate],
  csat: [r.csatResponses, r.csat, r.targets.csat.met],
  nps: [r.npsResponses, r.nps],
  coupons: r.couponRedemptions,
  tickets: [r.tickets, r.firstResponseSeconds, r.targets.firstResponseSeconds.met, r.resolvedTickets, r.resolutionRate, r.targets.resolutionRate.met, r.resolutionHours],
  tasks: [r.tasksDue, r.tasksDone, r.taskCompletionRate],
});

describe('KPIs over a week', () => {
  it('per guide, worked out by hand', async () => {
    const res = await get(`/api/v1/staff/kpis?period=${W}&groupBy=guide`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect([body.from, body.to, body.period]).toEqual(['2026-11-01T16:00:00.000Z', '2026-11-08T16:00:00.000Z', W]);
    expect(body.items.map(brief)).toEqual([
      // g1: K-1, K-2, K-3, K-11 (K-4 cancelled) = ¥240 to c1, c2, c6; c2 enrolled; book c1 (2 orders), c2, c3 (moved in) →
      // 1 repeat of 3 buyers; coupons K-1, K-11; CSAT 2 of 3 ≥ 4; NPS (2 − 1) / 3; replies 30, 90, 40 s → median 40; 1 of 3
      // resolved in the week (the third on the next week's first instant); tasks 1 of 3 (cancelled left out).
      {
        key: 'g1', served: 3, orders: 4, net: 24000, enrolled: 1, book: [3, 3, 1, 33.3], referral: [0, 0], csat: [3, 66.7, false], nps: [3, 33.3], coupons: 2,
        tickets: [3, 40, true, 1, 33.3, false, 2], tasks: [3, 1, 33.3],
      },
      // g2: K-5 at the week's first instant (K-6 on the next week's is out); c3 in the book until 11-05; a response next week.
      {
        key: 'g2', served: 1, orders: 1, net: 3000, enrolled: 0, book: [1, 1, 0, 0], referral: [0, 0], csat: [0, null, null], nps: [0, null], coupons: 0,
        tickets: [0, null, null, 0, null, null, null], tasks: [0, 0, null],
      },
      // g3: K-7, K-8 (K-9 the second before the week); c5 enrolled; book c4 (2 orders, referred c5), c5 → 1 of 2 referred.
      {
        key: 'g3', served: 1, orders: 2, net: 22000, enrolled: 1, book: [2, 1, 1, 100], referral: [1, 50], csat: [2, 100, true], nps: [2, 50], coupons: 1,
        tickets: [2, 90, false, 2, 100, true, 2], tasks: [1, 1, 100],
      },
    ]);
    expect(body.items.map((r: KpiRow) => [r.staffId, r.storeCode, r.displayName])).toEqual([
      [ids.g1, 'S1', 'G1'],
      [ids.g2, 'S1', 'G2'],
      [ids.g3, 'S2', 'G3'],
    ]);
    expect(body.targets).toEqual({ csat: { op: 'gte', value: 90 }, firstResponseSeconds: { op: 'lte', value: 60 }, resolutionRate: { op: 'gte', value: 90 } });
  });

  it('per store', async () => {
    const res = await get(`/api/v1/staff/kpis?from=2026-11-02&to=2026-11-09&groupBy=store`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().items.map(brief)).toEqual([
      // S1: K-1, K-2, K-3, K-5 = ¥260 to c1, c2, c3; coupon K-1; book c1, c2, c3.
      {
        key: 'S1', served: 3, orders: 4, net: 26000, enrolled: 1, book: [3, 3, 1, 33.3], referral: [0, 0], csat: [3, 66.7, false], nps: [3, 33.3], coupons: 1,
        tickets: [3, 40, true, 1, 33.3, false, 2], tasks: [3, 1, 33.3],
      },
      // S2: K-7, K-8, K-10, K-11 = ¥290 to c4, c6; coupons K-7, K-11; book c4, c5, c6 (pool) → c4 and c6 bought twice;
      // 3 tickets (one unanswered, unresolved) → 2 of 3; tasks 1 of 2.
      {
        key: 'S2', served: 2, orders: 4, net: 29000, enrolled: 1, book: [3, 2, 2, 100], referral: [1, 33.3], csat: [2, 100, true], nps: [2, 50], coupons: 2,
        tickets: [3, 90, false, 2, 66.7, false, 2], tasks: [2, 1, 50],
      },
    ]);
  });

  it('the next day only: the orders and the response on the next week’s first instant', async () => {
    const res = await get(`/api/v1/staff/kpis?from=2026-11-09&to=2026-11-10T00:00:00%2B08:00&groupBy=guide&store=S1`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().items.map((r: KpiRow) => [r.username, r.orders, r.netSalesFen, r.csatResponses, r.csat, r.targets.csat.met])).toEqual([
      ['g1', 0, 0, 0, null, null],
      ['g2', 1, 4000, 1, 0, false],
    ]);
  });

  it('leaderboards: best first, ties share a rank, lower-is-better metrics ascending, guides without a value left out', async () => {
    const sales = await get(`/api/v1/staff/leaderboard?metric=netSalesFen&period=${W}`);
    expect(sales.statusCode, sales.body).toBe(200);
    expect(sales.json().items.map((e: { rank: number; username: string; value: number }) => [e.rank, e.username, e.value])).toEqual([
      [1, 'g1', 24000],
      [2, 'g3', 22000],
      [3, 'g2', 3000],
    ]);
    const response = await get(`/api/v1/staff/leaderboard?metric=firstResponseSeconds&period=${W}&limit=5`);
    expect(response.json()).toMatchObject({ metric: 'firstResponseSeconds', order: 'asc' });
    expect(response.json().items.map((e: { rank: number; username: string; value: number }) => [e.rank, e.username, e.value])).toEqual([
      [1, 'g1', 40],
      [2, 'g3', 90],
    ]);
    const referral = await get(`/api/v1/staff/leaderboard?metric=referralRate&period=${W}&limit=2`);
    expect(referral.json().items.map((e: { rank: number; username: string }) => [e.rank, e.username])).toEqual([
      [1, 'g3'],
      [2, 'g1'],
    ]);
    const stores = await get(`/api/v1/staff/leaderboard?metric=orders&period=${W}&groupBy=store`);
    expect(stores.json().items.map((e: { rank: number; key: string }) => [e.rank, e.key])).toEqual([
      [1, 'S1'],
      [1, 'S2'],
    ]);
  });

  it('bad input is a 400 naming the field', async () => {
    const cases: Array<[string, string]> = [
      [`/api/v1/staff/kpis?from=2026-11-09&to=2026-11-02`, 'querystring.from'],
      [`/api/v1/staff/kpis?from=2026-11-02`, 'querystring.to'],
      [`/api/v1/staff/kpis?to=2026-11-02`, 'querystring.from'],
      [`/api/v1/staff/kpis?from=yesterday&to=2026-11-02`, 'querystring.from'],
      [`/api/v1/staff/kpis?period=2026-W54`, 'querystring.period'],
      [`/api/v1/staff/kpis?period=${W}&groupBy=city`, 'querystring.groupBy'],
      [`/api/v1/staff/leaderboard?metric=happiness&period=${W}`, 'querystring.metric'],
      [`/api/v1/staff/leaderboard?metric=csat&period=${W}&limit=0`, 'querystring.limit'],
      [`/api/v1/staff/reports/2026-11`, 'params.week'],
    ];
    for (const [url, field] of cases) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.details.issues.map((i: { path: string }) => i.path), url).toContain(field);
    }
  });
});

describe('store scoping', () => {
  it('a guide reads their own store’s rows only; another store is refused', async () => {
    const s = await session('g1');
    const guides = await get(`/api/v1/staff/kpis?period=${W}&groupBy=guide`, s);
    expect(guides.statusCode, guides.body).toBe(200);
    expect(guides.json().store).toBe('S1');
    expect(guides.json().items.map((r: KpiRow) => r.username)).toEqual(['g1', 'g2']);
    const stores = await get(`/api/v1/staff/kpis?period=${W}&groupBy=store`, s);
    expect(stores.json().items.map((r: KpiRow) => r.key)).toEqual(['S1']);
    const board = await get(`/api/v1/staff/leaderboard?metric=netSalesFen&period=${W}`, s);
    expect(board.json().items.map((e: { username: string }) => e.username)).toEqual(['g1', 'g2']);
    const other = await get(`/api/v1/staff/kpis?period=${W}&store=S2`, s);
    expect(other.statusCode).toBe(403);
    expect(other.json().error.code).toBe('staff.store_out_of_scope');
    expect((await get(`/api/v1/staff/reports/${W}?store=S2`, s)).statusCode).toBe(403);
    // Reward rules and runs need staff:admin.
    expect((await get('/api/v1/staff/reward-rules', s)).statusCode).toBe(403);
  });
});

describe('reward rules and runs', () => {
  const rulesBefore = async () => (await query<{ n: number }>(db(), sql`select count(*)::int as n from staff.reward_rules`))[0]!.n;

  it('creates rules, refuses bad ones without writing, and a run awards once per (rule, guide, period)', async () => {
    const create = (payload: object) => t.app.inject({ method: 'POST', url: '/api/v1/staff/reward-rules', headers: t.admin, payload });
    const csat = await create({ code: 'csat-90', name: 'CSAT ≥ 90%', metric: 'csat', threshold: 90, period: 'week', bonusFen: 5000 });
    expect(csat.statusCode, csat.body).toBe(201);
    expect(csat.json()).toMatchObject({ code: 'csat-90', metric: 'csat', op: 'gte', threshold: 90, period: 'week', bonusFen: 5000, active: true });
    expect((await create({ code: 'served-2', name: 'Served 2+', metric: 'customersServed', threshold: 2, period: 'week', bonusFen: 2000 })).statusCode).toBe(201);
    const fast = await create({ code: 'fast', name: 'Fast replies', metric: 'firstResponseSeconds', threshold: 60, period: 'week', bonusFen: 1000, active: false });
    expect(fast.json().op).toBe('lte');
    expect((await create({ code: 'orders-month', name: 'Monthly orders', metric: 'orders', threshold: 1, period: 'month', bonusFen: 100 })).statusCode).toBe(201);

    const n = await rulesBefore();
    const unknown = await create({ code: 'x', name: 'x', metric: 'happiness', threshold: 1, period: 'week', bonusFen: 1 });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.details.issues[0].path).toBe('metric');
    const negative = await create({ code: 'y', name: 'y', metric: 'csat', threshold: 1, period: 'week', bonusFen: -1 });
    expect(negative.json().error.details.issues[0].path).toBe('bonusFen');
    const dup = await create({ code: 'csat-90', name: 'again', metric: 'csat', threshold: 1, period: 'week', bonusFen: 1 });
    expect(dup.statusCode).toBe(409);
    expect(await rulesBefore()).toBe(n);

    const run = () => t.app.inject({ method: 'POST', url: `/api/v1/staff/rewards/run?period=${W}`, headers: t.admin });
    const first = await run();
    expect(first.statusCode, first.body).toBe(200);
    // Weekly active rules: csat-90 → g3 (100); served-2 → g1 (3). `fast` is inactive; orders-month is monthly.
    expect(first.json()).toMatchObject({ period: W, rules: 2, awarded: 2 });
    expect(first.json().rewards.map((r: { ruleCode: string; username: string; value: number; bonusFen: number; storeCode: string }) => [r.ruleCode, r.username, r.value, r.bonusFen, r.storeCode])).toEqual([
      ['csat-90', 'g3', 100, 5000, 'S2'],
      ['served-2', 'g1', 3, 2000, 'S1'],
    ]);
    const second = await run();
    expect(second.json()).toMatchObject({ awarded: 0, rewards: [] });
    const ledger = await get(`/api/v1/staff/rewards?period=${W}`);
    expect(ledger.json().items).toHaveLength(2);
    expect(ledger.json().totalFen).toBe(7000);
    const audits = await query<{ details: unknown }>(db(), sql`select details from platform.audit_log where action = 'staff.rewards_run' and target_id = ${W} order by seq`);
    expect(audits.map((a) => a.details)).toEqual([
      { rules: 2, awarded: 2 },
      { rules: 2, awarded: 0 },
    ]);

    // A month runs the monthly rules: November is not over (the clock is real), October has no orders → nothing.
    const open = await t.app.inject({ method: 'POST', url: '/api/v1/staff/rewards/run?period=2099-01', headers: t.admin });
    expect(open.statusCode).toBe(409);
    expect(open.json().error.code).toBe('staff.period_open');
    const bad = await t.app.inject({ method: 'POST', url: '/api/v1/staff/rewards/run?period=W45', headers: t.admin });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.issues[0].path).toBe('querystring.period');
    expect((await get('/api/v1/staff/rewards')).json().items).toHaveLength(2);

    // A rule with awards is archived, not deleted; one without is deleted.
    const del = await t.app.inject({ method: 'DELETE', url: `/api/v1/staff/reward-rules/${csat.json().id}`, headers: t.admin });
    expect(del.json()).toEqual({ deleted: false, archived: true });
    const del2 = await t.app.inject({ method: 'DELETE', url: `/api/v1/staff/reward-rules/${fast.json().id}`, headers: t.admin });
    expect(del2.json()).toEqual({ deleted: true, archived: false });
    const patched = await t.app.inject({ method: 'PATCH', url: `/api/v1/staff/reward-rules/${csat.json().id}`, headers: t.admin, payload: { active: true, threshold: 95 } });
    expect(patched.json()).toMatchObject({ active: true, threshold: 95 });
    expect((await get('/api/v1/staff/reward-rules')).json().items.map((r: { code: string }) => r.code)).toEqual(['csat-90', 'orders-month', 'served-2']);
  });
});

describe('the weekly report', () => {
  it('stores, guides, leaderboards; kept by the weekly job’s save; Markdown for the CLI', async () => {
    const res = await get(`/api/v1/staff/reports/${W}`);
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json();
    expect(r.stores.map((s: KpiRow) => s.key)).toEqual(['S1', 'S2']);
    expect(r.guides.map((g: KpiRow) => g.username)).toEqual(['g1', 'g2', 'g3']);
    const csat = r.leaderboards.find((b: { metric: string }) => b.metric === 'csat');
    expect(csat.top.map((e: { username: string; value: number }) => [e.username, e.value])).toEqual([
      ['g3', 100],
      ['g1', 66.7],
    ]);
    expect(csat.bottom).toEqual([]);

    await t.kemai.staff.kpis.saveWeeklyReport(W);
    await t.kemai.staff.kpis.saveWeeklyReport(W);
    const saved = await get(`/api/v1/staff/reports/${W}/saved`);
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json().report.guides).toHaveLength(3);
    expect((await query(db(), sql`select week from staff.reports`)).length).toBe(1);
    expect((await get('/api/v1/staff/reports/2026-W44/saved')).statusCode).toBe(404);

    const md = formatWeeklyReport(r);
    expect(md).toContain('# Staff and store KPIs, 2026-W45');
    expect(md).toContain('| S1 | 3 | ¥260.00 | 1 | 33.3% | 0.0% | 66.7% ✗ | 33.3 | 1 | 40.0 s ✓ | 33.3% ✗ | 33.3% |');
    expect(md).toContain('| g2 (S1) | 1 | ¥30.00 | 0 | 0.0% | 0.0% | – | – | 0 | – | – | – |');
    expect(md).toContain('- **netSalesFen** — top: 1. g1 ¥240.00, 2. g3 ¥220.00, 3. g2 ¥30.00; bottom: –');
  });

  it('lastWeekKey is the ISO week before the one now is in', () => {
    expect(t.kemai.staff.kpis.lastWeekKey(new Date('2026-11-23T00:30:00+08:00'))).toBe('2026-W47');
    expect(t.kemai.staff.kpis.lastWeekKey(new Date('2026-01-05T06:30:00+08:00'))).toBe('2026-W01');
    expect(t.kemai.staff.kpis.lastWeekKey(new Date('2026-01-04T06:30:00+08:00'))).toBe('2025-W52');
  });
});
