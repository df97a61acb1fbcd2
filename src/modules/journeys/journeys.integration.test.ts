import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query, queryOne } from '../../platform/db/database.js';
import { publish } from '../../platform/events/event-bus.js';
import { newId } from '../../platform/ids.js';
import { OrderInput } from '../orders/index.js';
import { inHoldout, type CouponTemplateInput } from '../promotions/index.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import { enter, type LiveJourney } from './entry.js';
import { waitSql } from './runner.js';
import type { NewJourney } from './journeys.schemas.js';
import { uplift } from './stats.js';

let t: TestApp;
let now = new Date('2026-03-01T10:00:00+08:00');
const at = (iso: string) => (now = new Date(iso));
const db = () => t.kemai.database.db;

beforeAll(async () => {
  t = await createTestApp({ KEMAI_TIMEZONE: 'Asia/Shanghai' }, { loyalty: false });
  t.kemai.journeys.useClock({ now: () => now });
  for (const code of ['welcome_msg', 'coupon_msg', 'msg_a', 'msg_b', 'bday_msg'])
    await query(
      db(),
      sql`insert into messaging.templates (id, code, name, purpose, contents, created_by)
          values (${newId()}::uuid, ${code}, ${code}, 'marketing', ${JSON.stringify({ sms: { 'zh-CN': { body: `${code} {{couponCode}}` }, en: { body: `${code} {{couponCode}}` } } })}::jsonb, 'test')`,
    );
  await t.kemai.coupons.createTemplate({ code: 'THANKS10', name: '感谢券', definition: { rule: { kind: 'fixed', offFen: 1000 } }, validDays: 30 } as CouponTemplateInput, 'test');
});
afterAll(async () => t?.close());

async function newCustomers(n: number, extra: { birthday?: string } = {}): Promise<string[]> {
  const ids = Array.from({ length: n }, () => newId());
  await query(
    db(),
    sql`insert into customers.customers (id, created_at, birthday) select unnest(${sql.param(ids)}::uuid[]), '2025-01-01T00:00:00Z'::timestamptz, ${extra.birthday ?? null}::date`,
  );
  return ids;
}

let orderNo = 0;
async function order(customerId: string, placedAt: string, amount: string): Promise<string> {
  const [r] = await t.kemai.orders.ingestOrders(
    [OrderInput.parse({ channel: 'pos', externalId: `J-${++orderNo}`, placedAt, customer: { id: customerId }, lines: [{ sku: 'SKU-A', quantity: 1, unitPrice: amount }] })],
    { source: 'api' },
  );
  expect(r!.status).toBe('created');
  await t.kemai.events.drain();
  return r!.id!;
}

async function create(j: Record<string, unknown>, publish = true) {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/journeys', headers: t.admin, payload: { holdoutPercent: 0, ...j } });
  expect(res.statusCode, res.body).toBe(201);
  const journey = res.json() as { id: string; code: string };
  if (publish) {
    const p = await t.app.inject({ method: 'POST', url: `/api/v1/journeys/${journey.code}/publish`, headers: t.admin, payload: {} });
    expect(p.statusCode, p.body).toBe(200);
  }
  return journey;
}

const enrollmentsOf = (journeyId: string) =>
  query<{ id: string; customer_id: string; status: string; current_step: string | null; step_seq: number; holdout: number; version: number; converted_at: Date | null; revenue_fen: string; entry_key: string }>(
    db(),
    sql`select * from journeys.enrollments where journey_id = ${journeyId}::uuid order by entered_at, customer_id`,
  );

describe('welcome: first purchase → message → wait 7 days → branch → coupon once', () => {
  it('runs the journey with a fake clock', async () => {
    const [a, b] = await newCustomers(2);
    const j = await create({
      code: 'welcome_t',
      name: '欢迎',
      definition: {
        trigger: { type: 'event', event: 'first_purchase' },
        steps: [
          { id: 'hello', type: 'send', template: 'welcome_msg', channel: 'sms', sendAt: 'now', next: 'wait7' },
          { id: 'wait7', type: 'wait', days: 7, next: 'bought' },
          { id: 'bought', type: 'branch', branches: [{ when: [{ type: 'purchased' }], next: null }], else: 'gift' },
          { id: 'gift', type: 'coupon', template: 'THANKS10', next: 'tell' },
          { id: 'tell', type: 'send', template: 'coupon_msg', channel: 'sms', sendAt: 'now' },
        ],
        goal: { withinDays: 30, exitOnGoal: false },
      },
    });
    at('2026-03-01T10:00:00+08:00');
    const firstA = await order(a!, '2026-03-01T09:55:00+08:00', '100.00');
    await order(b!, '2026-03-01T09:56:00+08:00', '80.00');
    let es = await enrollmentsOf(j.id);
    expect(es.map((e) => [e.customer_id, e.status, e.current_step])).toEqual(
      [[a, 'active', 'hello'], [b, 'active', 'hello']].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    );
    expect(es.find((e) => e.customer_id === a)!.entry_key).toBe(`order:${firstA}`);

    const run1 = await t.kemai.journeys.runDue(now);
    expect(run1.byType).toEqual({ send: 2, wait: 2 });
    const hello = await query<{ customer_id: string; dedupe_key: string; step_id: string }>(db(), sql`select customer_id, dedupe_key, step_id from messaging.messages where journey_id = ${j.id}::uuid order by dedupe_key`);
    es = await enrollmentsOf(j.id);
    expect(hello.map((m) => m.dedupe_key).sort()).toEqual(es.map((e) => `j:${e.id}:1`).sort());
    expect(new Set(hello.map((m) => m.step_id))).toEqual(new Set(['hello']));
    expect(es.every((e) => e.current_step === 'bought' && e.step_seq === 2)).toBe(true);

    // Day 3: a buys again (the goal; no exit). Day 6 + 23 h: nothing due yet.
    at('2026-03-04T12:00:00+08:00');
    await order(a!, '2026-03-04T11:00:00+08:00', '55.50');
    at('2026-03-08T09:59:00+08:00');
    expect((await t.kemai.journeys.runDue(now)).steps).toBe(0);

    at('2026-03-08T10:01:00+08:00');
    // Two runs at once: SKIP LOCKED and the step's transaction make each step run once.
    await Promise.all([t.kemai.journeys.runDue(now), t.kemai.journeys.runDue(now)]);
    await t.kemai.journeys.runDue(now);
    es = await enrollmentsOf(j.id);
    const ea = es.find((e) => e.customer_id === a)!;
    const eb = es.find((e) => e.customer_id === b)!;
    expect([ea.status, ea.step_seq, Number(ea.revenue_fen), ea.converted_at !== null]).toEqual(['completed', 3, 5550, true]);
    expect([eb.status, eb.step_seq, Number(eb.revenue_fen), eb.converted_at]).toEqual(['completed', 5, 0, null]);
    const coupons = await query<{ code: string; customer_id: string; idempotency_key: string }>(
      db(),
      sql`select c.code, c.customer_id, c.idempotency_key from promotions.coupons c join promotions.coupon_templates t on t.id = c.template_id where t.code = 'THANKS10'`,
    );
    expect(coupons.map((c) => [c.customer_id, c.idempotency_key])).toEqual([[b, `j:${eb.id}:4`]]);
    const tell = await queryOne<{ variables: { couponCode: string }; dedupe_key: string }>(db(), sql`select variables, dedupe_key from messaging.messages where journey_id = ${j.id}::uuid and step_id = 'tell'`);
    expect([tell!.dedupe_key, tell!.variables.couponCode]).toEqual([`j:${eb.id}:5`, coupons[0]!.code]);
    const runs = await query<{ seq: number; step_id: string; outcome: string }>(db(), sql`select seq, step_id, outcome from journeys.step_runs where enrollment_id = ${eb.id}::uuid order by seq`);
    expect(runs.map((r) => `${r.seq}:${r.step_id}:${r.outcome}`)).toEqual(['1:hello:done', '2:wait7:done', '3:bought:branch:else', '4:gift:done', '5:tell:done']);
    const runsA = await query<{ outcome: string }>(db(), sql`select outcome from journeys.step_runs where enrollment_id = ${ea.id}::uuid and seq = 3`);
    expect(runsA[0]!.outcome).toBe('branch:0');
    // Every step run carries its enrollment's customer (its key on Citus, ADR 0014).
    const owners = await query<{ enrollment_id: string; customer_id: string; n: number }>(
      db(),
      sql`select enrollment_id, customer_id, count(*)::int as n from journeys.step_runs where enrollment_id in (${ea.id}::uuid, ${eb.id}::uuid) group by 1, 2 order by n`,
    );
    expect(owners).toEqual([
      { enrollment_id: ea.id, customer_id: a, n: 3 },
      { enrollment_id: eb.id, customer_id: b, n: 5 },
    ]);

    const stats = await t.app.inject({ method: 'GET', url: `/api/v1/journeys/${j.id}/stats`, headers: t.admin });
    expect(stats.statusCode).toBe(200);
    const s = stats.json();
    expect([s.entered, s.treated, s.holdout, s.messages]).toEqual([2, 2, 0, { queued: 3 }]);
    expect(s.steps.map((x: { id: string; ran: number; now: number }) => [x.id, x.ran, x.now])).toEqual([
      ['hello', 2, 0],
      ['wait7', 2, 0],
      ['bought', 2, 0],
      ['gift', 1, 0],
      ['tell', 1, 0],
    ]);
    expect(s.steps[2].outcomes).toEqual({ 'branch:0': 1, 'branch:else': 1 });

    const mine = await t.app.inject({ method: 'GET', url: `/api/v1/customers/${b}/journeys`, headers: t.admin });
    expect(mine.json().items.map((e: { journeyCode: string; steps: unknown[] }) => [e.journeyCode, e.steps.length])).toEqual([['welcome_t', 5]]);
    const page1 = await t.app.inject({ method: 'GET', url: `/api/v1/journeys/${j.id}/enrollments?status=completed&limit=1`, headers: t.admin });
    const p1 = page1.json();
    const page2 = (await t.app.inject({ method: 'GET', url: `/api/v1/journeys/${j.id}/enrollments?status=completed&limit=1&cursor=${p1.nextCursor}`, headers: t.admin })).json();
    expect([p1.items.length, page2.items.length, page2.nextCursor]).toEqual([1, 1, null]);
    expect([p1.items[0].id, page2.items[0].id].sort()).toEqual([ea.id, eb.id].sort());
    // A second first purchase cannot happen; a later order does not enter again.
    expect((await enrollmentsOf(j.id)).length).toBe(2);
    await t.app.inject({ method: 'POST', url: `/api/v1/journeys/${j.id}/archive`, headers: t.admin });
  });
});

describe('date, inactivity and schedule triggers', () => {
  it('birthday three days before at 09:00, once', async () => {
    const [c] = await newCustomers(1, { birthday: '1990-05-10' });
    const j = await create({
      code: 'bday_t',
      name: '生日',
      definition: { trigger: { type: 'date', date: 'birthday', offsetDays: -3, at: '09:00' }, audience: {}, steps: [{ id: 'hi', type: 'send', template: 'bday_msg' }] },
    });
    at('2026-05-07T08:59:00+08:00');
    await t.kemai.journeys.scanTriggers(now);
    expect(await enrollmentsOf(j.id)).toEqual([]);
    at('2026-05-07T09:01:00+08:00');
    await t.kemai.journeys.scanTriggers(now);
    await t.kemai.journeys.scanTriggers(now);
    at('2026-05-08T09:01:00+08:00');
    await t.kemai.journeys.scanTriggers(now);
    const es = await enrollmentsOf(j.id);
    expect(es.filter((e) => e.customer_id === c).map((e) => e.entry_key)).toEqual(['birthday:2026-05-10']);
    await t.kemai.journeys.archive(j.id);
  });

  it('inactivity: 90 days after the last order, entered once per lapse', async () => {
    const [c, d] = await newCustomers(2);
    at('2026-01-01T12:00:00+08:00');
    await order(c!, '2026-01-01T10:00:00+08:00', '10.00');
    await order(d!, '2026-01-01T10:00:00+08:00', '10.00');
    await order(d!, '2026-02-01T10:00:00+08:00', '10.00');
    const j = await create({ code: 'lapse_t', name: '沉睡', reentry: 'after_exit', definition: { trigger: { type: 'inactivity', days: 90, at: '10:00' }, steps: [{ id: 'bye', type: 'exit' }] } });
    at('2026-04-01T10:30:00+08:00');
    await t.kemai.journeys.scanTriggers(now);
    at('2026-04-01T11:30:00+08:00');
    await t.kemai.journeys.scanTriggers(now);
    await t.kemai.journeys.runDue(now);
    at('2026-04-02T10:30:00+08:00');
    await t.kemai.journeys.scanTriggers(now);
    const es = (await enrollmentsOf(j.id)).filter((e) => e.customer_id === c || e.customer_id === d);
    expect(es.map((e) => [e.customer_id, e.entry_key, e.status])).toEqual([[c, 'inactive:2026-01-01', 'exited']]);
    at('2026-05-02T10:30:00+08:00');
    await t.kemai.journeys.scanTriggers(now);
    const later = (await enrollmentsOf(j.id)).filter((e) => e.customer_id === d);
    expect(later.map((e) => e.entry_key)).toEqual(['inactive:2026-02-01']);
    await t.kemai.journeys.archive(j.id);
  });

  it('a schedule campaign enters its segment once', async () => {
    const ids = await newCustomers(3);
    await t.kemai.segments.lists.createStatic({ code: 'camp_list', name: '名单', of: 'id', content: ids.join('\n') } as never, 'test');
    const j = await create({
      code: 'camp_t',
      name: '会员日',
      kind: 'campaign',
      definition: { trigger: { type: 'schedule', every: 'once', startAt: '2026-06-01T10:00:00+08:00' }, audience: { segments: ['camp_list'] }, steps: [{ id: 'go', type: 'send', template: 'msg_a', sendAt: 'now' }] },
    });
    at('2026-06-01T09:59:00+08:00');
    expect((await t.kemai.journeys.scanTriggers(now)).entered).toBe(0);
    at('2026-06-01T10:04:00+08:00');
    expect((await t.kemai.journeys.scanTriggers(now)).entered).toBe(3);
    at('2026-06-08T10:04:00+08:00');
    expect((await t.kemai.journeys.scanTriggers(now)).entered).toBe(0);
    await t.kemai.journeys.runDue(now);
    const es = await enrollmentsOf(j.id);
    expect(es.map((e) => e.status)).toEqual(['completed', 'completed', 'completed']);
    expect(new Set(es.map((e) => e.entry_key))).toEqual(new Set(['schedule:2026-06-01T02:00:00.000Z']));
    const m = await queryOne<{ n: number; kind: string }>(db(), sql`select count(*)::int as n, min(source_kind) as kind from messaging.messages where journey_id = ${j.id}::uuid`);
    expect(m).toEqual({ n: 3, kind: 'campaign' });
    await t.kemai.journeys.archive(j.id);
  });
});

describe('re-entry', () => {
  it('never, after_exit and cooldown', async () => {
    const [c] = await newCustomers(1);
    const def = { trigger: { type: 'event', event: 'ticket_resolved' }, steps: [{ id: 'w', type: 'wait', days: 1 }] };
    const never = await create({ code: 're_never', name: 'n', reentry: 'never', definition: def });
    const after = await create({ code: 're_after', name: 'a', reentry: 'after_exit', definition: def });
    const cool = await create({ code: 're_cool', name: 'c', reentry: 'cooldown', reentryDays: 10, definition: def });
    const ticket = async (n: number) => {
      await db().transaction(async (tx) => publish(tx, 'service.ticket.resolved', { customerId: c, ticketId: `T-${n}` }));
      await t.kemai.events.drain();
    };
    at('2026-07-01T10:00:00+08:00');
    await ticket(1);
    await t.kemai.journeys.runDue(now);
    at('2026-07-01T11:00:00+08:00');
    await ticket(2);
    at('2026-07-03T10:00:00+08:00');
    await t.kemai.journeys.runDue(now);
    await ticket(3);
    at('2026-07-14T10:00:00+08:00');
    await t.kemai.journeys.runDue(now);
    await ticket(4);
    const keys = async (id: string) => (await enrollmentsOf(id)).map((e) => e.entry_key);
    expect(await keys(never.id)).toEqual(['ticket:T-1']);
    expect(await keys(after.id)).toEqual(['ticket:T-1', 'ticket:T-3', 'ticket:T-4']);
    expect(await keys(cool.id)).toEqual(['ticket:T-1', 'ticket:T-4']);
    for (const j of [never, after, cool]) await t.kemai.journeys.archive(j.id);
  });
});

describe('holdout', () => {
  it('is the promotions draw, stable across runs, about 10 % of 10,000, and takes no step', async () => {
    const ids = await newCustomers(10_000);
    const j = await create({ code: 'hold_t', name: 'h', holdoutPercent: 10, reentry: 'after_exit', definition: { trigger: { type: 'event', event: 'ticket_resolved' }, steps: [{ id: 'w', type: 'wait', days: 1 }], goal: { withinDays: 5 } } });
    const journey = (await t.kemai.journeys.get(j.id)) as unknown as { versions: Array<{ definition: LiveJourney['definition'] }> };
    const live: LiveJourney = { id: j.id, code: 'hold_t', kind: 'journey', version: 1, holdoutPercent: 10, reentry: 'after_exit', reentryDays: null, definition: journey.versions[0]!.definition };
    at('2026-08-01T10:00:00+08:00');
    const cands = sql`select unnest(${sql.param(ids)}::uuid[]) as customer_id, 'run1' as entry_key, '{}'::jsonb as context`;
    const first = await db().transaction((tx) => enter(tx, live, cands, now));
    expect(first.entered).toBe(10_000);
    const expected = ids.filter((c) => inHoldout(j.id, c, 10));
    expect(first.heldOut).toBe(expected.length);
    expect(Math.abs(expected.length / 10_000 - 0.1)).toBeLessThanOrEqual(0.01);
    const held = await query<{ customer_id: string }>(db(), sql`select customer_id from journeys.enrollments where journey_id = ${j.id}::uuid and holdout = 1 and status = 'held_out' and current_step is null`);
    expect(held.map((h) => h.customer_id).sort()).toEqual([...expected].sort());
    // Held out: no step; after the window (5 days) the pass completes; a second run draws the same arms.
    at('2026-08-03T10:00:00+08:00');
    const r = await t.kemai.journeys.runDue(now);
    expect(r.steps).toBeGreaterThanOrEqual(10_000 - expected.length);
    const ran = await queryOne<{ n: number }>(db(), sql`select count(*)::int as n from journeys.step_runs where journey_id = ${j.id}::uuid`);
    expect(ran!.n).toBe(10_000 - expected.length);
    at('2026-08-07T10:00:00+08:00');
    expect((await t.kemai.journeys.runDue(now)).heldOutCompleted).toBe(expected.length);
    const cands2 = sql`select unnest(${sql.param(ids)}::uuid[]) as customer_id, 'run2' as entry_key, '{}'::jsonb as context`;
    const second = await db().transaction((tx) => enter(tx, live, cands2, now));
    expect([second.entered, second.heldOut]).toEqual([10_000, expected.length]);
    const again = await queryOne<{ n: number }>(
      db(),
      sql`select count(*)::int as n from journeys.enrollments a join journeys.enrollments b on a.customer_id = b.customer_id and a.journey_id = b.journey_id
          where a.journey_id = ${j.id}::uuid and a.entry_key = 'run1' and b.entry_key = 'run2' and a.holdout = b.holdout`,
    );
    expect(again!.n).toBe(10_000);
    await t.kemai.journeys.archive(j.id);
  });
});

describe('uplift', () => {
  it('the hand-computed case, pure and through the stats endpoint', async () => {
    const u = uplift({ customers: 4, converted: 2, revenueFen: 400, revenueSquaresFen: 100 * 100 + 300 * 300 }, { customers: 3, converted: 1, revenueFen: 50, revenueSquaresFen: 2500 });
    const close = (a: number | null, b: number) => expect(Math.abs(a! - b)).toBeLessThan(1e-6);
    close(u.conversion.difference, 0.16666666666666669);
    close(u.conversion.low, -0.5576562458039969);
    close(u.conversion.high, 0.8909895791373303);
    close(u.revenuePerCustomer.differenceFen, 83.33333333333333);
    close(u.revenuePerCustomer.df, 3.3271889400921655);
    close(u.revenuePerCustomer.lowFen, -135.5213206530375);
    close(u.revenuePerCustomer.highFen, 302.1879873197041);
    close(u.incrementalConversions, 0.6666666666666667);
    close(u.incrementalRevenueFen, 333.3333333333333);

    const j = await create({ code: 'uplift_t', name: 'u', definition: { trigger: { type: 'event', event: 'ticket_resolved' }, steps: [{ id: 'x', type: 'exit' }] } });
    const ids = await newCustomers(7);
    const arms = [
      [0, 100, true],
      [0, 0, false],
      [0, 300, true],
      [0, 0, false],
      [1, 0, false],
      [1, 50, true],
      [1, 0, false],
    ] as const;
    for (const [i, [holdout, revenue, converted]] of arms.entries())
      await query(
        db(),
        sql`insert into journeys.enrollments (id, journey_id, version, customer_id, entry_key, holdout, status, entered_at, goal_until, converted_at, revenue_fen)
            values (${newId()}::uuid, ${j.id}::uuid, 1, ${ids[i]!}::uuid, 'k', ${holdout}, 'completed', now(), now(), ${converted ? new Date().toISOString() : null}::timestamptz, ${revenue})`,
      );
    const s = (await t.app.inject({ method: 'GET', url: `/api/v1/journeys/${j.id}/stats`, headers: t.admin })).json();
    expect([s.treated, s.holdout, s.uplift.treated.converted, s.uplift.holdout.revenueFen]).toEqual([4, 3, 2, 50]);
    close(s.uplift.revenuePerCustomer.lowFen, -135.5213206530375);
    close(s.uplift.conversion.high, 0.8909895791373303);
    await t.kemai.journeys.archive(j.id);
  });
});

describe('failures, segment triggers and the held-out goal', () => {
  it('a group whose step throws fails alone; the others run in the same call', async () => {
    const [c1, c2] = await newCustomers(2);
    await query(
      db(),
      sql`insert into messaging.templates (id, code, name, purpose, contents, created_by)
          values (${newId()}::uuid, 'gone_msg', 'gone', 'marketing', ${JSON.stringify({ sms: { 'zh-CN': { body: 'x' }, en: { body: 'x' } } })}::jsonb, 'test')`,
    );
    const bad = await create({ code: 'fail_t', name: 'f', definition: { trigger: { type: 'event', event: 'ticket_resolved' }, steps: [{ id: 's', type: 'send', template: 'gone_msg', sendAt: 'now' }] } });
    const good = await create({ code: 'ok_t', name: 'o', definition: { trigger: { type: 'event', event: 'ticket_resolved' }, steps: [{ id: 's', type: 'send', template: 'msg_a', sendAt: 'now' }] } });
    await query(db(), sql`update messaging.templates set status = 'archived' where code = 'gone_msg'`);
    at('2026-11-01T10:00:00+08:00');
    await db().transaction(async (tx) => {
      await publish(tx, 'service.ticket.resolved', { customerId: c1, ticketId: 'F-1' });
      await publish(tx, 'service.ticket.resolved', { customerId: c2, ticketId: 'F-2' });
    });
    await t.kemai.events.drain();
    const r = await t.kemai.journeys.runDue(now);
    expect(r.byType).toEqual({ failed: 2, send: 2 });
    expect((await enrollmentsOf(bad.id)).map((e) => e.status)).toEqual(['failed', 'failed']);
    expect((await enrollmentsOf(good.id)).map((e) => e.status)).toEqual(['completed', 'completed']);
    const fr = await query<{ outcome: string; detail: { error: string } }>(db(), sql`select outcome, detail from journeys.step_runs where journey_id = ${bad.id}::uuid`);
    expect(fr.map((x) => x.outcome)).toEqual(['failed', 'failed']);
    expect(fr[0]!.detail.error).toContain('gone_msg');
    for (const j of [bad, good]) await t.kemai.journeys.archive(j.id);
  });

  it('segment entered enters its members; held-out entrants convert like the treated', async () => {
    const ids = await newCustomers(40);
    const j = await create({
      code: 'seg_t',
      name: 's',
      holdoutPercent: 50,
      definition: { trigger: { type: 'event', event: 'segment_entered', filter: { segment: 'seg_list' } }, steps: [{ id: 'w', type: 'wait', days: 3 }], goal: { withinDays: 10, exitOnGoal: true } },
    }, false);
    at('2026-12-01T10:00:00+08:00');
    // The segment's entered events wait in the outbox while the journey is published.
    await t.kemai.segments.lists.createStatic({ code: 'seg_list', name: '名单', of: 'id', content: ids.join('\n') } as never, 'test');
    await t.kemai.journeys.publish(j.id);
    await t.kemai.events.drain();
    const es = await enrollmentsOf(j.id);
    expect(es.length).toBe(40);
    const held = es.filter((e) => e.holdout === 1);
    expect(held.map((e) => e.customer_id).sort()).toEqual(ids.filter((c) => inHoldout(j.id, c, 50)).sort());
    const h = held[0]!;
    const tr = es.find((e) => e.holdout === 0)!;
    at('2026-12-02T10:00:00+08:00');
    await order(h.customer_id, '2026-12-02T09:00:00+08:00', '20.00');
    await order(tr.customer_id, '2026-12-02T09:30:00+08:00', '30.00');
    await order(tr.customer_id, '2026-12-03T09:30:00+08:00', '5.00');
    const after = await enrollmentsOf(j.id);
    expect([after.find((e) => e.id === h.id)!.status, Number(after.find((e) => e.id === h.id)!.revenue_fen)]).toEqual(['converted', 2000]);
    expect([after.find((e) => e.id === tr.id)!.status, Number(after.find((e) => e.id === tr.id)!.revenue_fen)]).toEqual(['converted', 3500]);
    const s = await t.kemai.journeys.stats(j.id);
    expect([s.uplift.treated.converted, s.uplift.holdout.converted, s.uplift.treated.revenueFen, s.uplift.holdout.revenueFen]).toEqual([1, 1, 3500, 2000]);
    await t.kemai.journeys.archive(j.id);
  });
});

describe('tier and member triggers', () => {
  it('tier_changed up to a tier by its rank; member_joined for new profiles only', async () => {
    const [up, down, old] = await newCustomers(3);
    const fresh = newId();
    at('2027-01-05T10:00:00+08:00');
    await query(db(), sql`insert into customers.customers (id, created_at) values (${fresh}::uuid, ${now.toISOString()}::timestamptz)`);
    const tier = await create({ code: 'tier_t', name: 't', definition: { trigger: { type: 'event', event: 'tier_changed', filter: { direction: 'up' } }, steps: [{ id: 'x', type: 'exit' }] } });
    const joined = await create({ code: 'join_t', name: 'j', definition: { trigger: { type: 'event', event: 'member_joined' }, steps: [{ id: 'x', type: 'exit' }] } });
    await db().transaction(async (tx) => {
      await publish(tx, 'loyalty.tier.changed', {
        changes: [
          { changeId: 'c1', customerId: up, tierSet: 'builtin', fromCode: 'explorer', toCode: 'follower', reason: 'qualified', occurredAt: now.toISOString() },
          { changeId: 'c2', customerId: down, tierSet: 'builtin', fromCode: 'advocate', toCode: 'follower', reason: 'review', occurredAt: now.toISOString() },
        ],
      });
      await publish(tx, 'customers.profiles.changed', { customerIds: [fresh, old] }, now);
    });
    await t.kemai.events.drain();
    expect((await enrollmentsOf(tier.id)).map((e) => [e.customer_id, e.entry_key])).toEqual([[up, 'tier:c1']]);
    expect((await enrollmentsOf(joined.id)).map((e) => [e.customer_id, e.entry_key])).toEqual([[fresh, 'joined']]);
    for (const j of [tier, joined]) await t.kemai.journeys.archive(j.id);
  });
});

describe('waits', () => {
  it('a duration, then until the next HH:MM in the business time zone', async () => {
    const base = sql`${'2026-03-01T10:00:00+08:00'}::timestamptz`;
    const w = async (step: Record<string, unknown>) => {
      const [r] = await query<{ at: Date }>(db(), sql`select ${waitSql({ id: 'w', type: 'wait', ...step } as never, base, 'Asia/Shanghai')} as at`);
      return new Date(r!.at).toISOString();
    };
    expect(await w({ until: '09:00' })).toBe('2026-03-02T01:00:00.000Z');
    expect(await w({ until: '20:00' })).toBe('2026-03-01T12:00:00.000Z');
    expect(await w({ days: 1, until: '20:00' })).toBe('2026-03-02T12:00:00.000Z');
    expect(await w({ hours: 2, minutes: 30 })).toBe('2026-03-01T04:30:00.000Z');
  });
});

describe('pause and versions', () => {
  it('a paused journey runs no step until resumed', async () => {
    const [c] = await newCustomers(1);
    const j = await create({ code: 'pause_t', name: 'p', definition: { trigger: { type: 'event', event: 'ticket_resolved' }, steps: [{ id: 'w', type: 'wait', hours: 1, next: 's' }, { id: 's', type: 'send', template: 'msg_a', sendAt: 'now' }] } });
    at('2026-09-01T10:00:00+08:00');
    await db().transaction(async (tx) => publish(tx, 'service.ticket.resolved', { customerId: c, ticketId: 'P-1' }));
    await t.kemai.events.drain();
    await t.kemai.journeys.runDue(now);
    await t.app.inject({ method: 'POST', url: `/api/v1/journeys/${j.id}/pause`, headers: t.admin });
    at('2026-09-01T12:00:00+08:00');
    expect((await t.kemai.journeys.runDue(now)).steps).toBe(0);
    expect((await enrollmentsOf(j.id))[0]!.current_step).toBe('s');
    await t.app.inject({ method: 'POST', url: `/api/v1/journeys/${j.id}/resume`, headers: t.admin });
    expect((await t.kemai.journeys.runDue(now)).byType).toEqual({ send: 1 });
    expect((await enrollmentsOf(j.id))[0]!.status).toBe('completed');
    await t.kemai.journeys.archive(j.id);
  });

  it('publishing a new version with migrate moves waiting enrollments whose step exists', async () => {
    const ids = await newCustomers(2);
    const v1 = { trigger: { type: 'event', event: 'ticket_resolved' }, steps: [{ id: 'w', type: 'wait', days: 1, next: 's' }, { id: 's', type: 'send', template: 'msg_a', sendAt: 'now' }] };
    const j = await create({ code: 'ver_t', name: 'v', reentry: 'after_exit', definition: v1 });
    at('2026-10-01T10:00:00+08:00');
    await db().transaction(async (tx) => publish(tx, 'service.ticket.resolved', { customerId: ids[0], ticketId: 'V-1' }));
    await t.kemai.events.drain();
    await t.kemai.journeys.runDue(now);
    // v2 names another template at s; v3 has no step s.
    const put = await t.app.inject({
      method: 'PUT',
      url: `/api/v1/journeys/${j.id}/definition`,
      headers: t.admin,
      payload: { ...v1, steps: [v1.steps[0], { id: 's', type: 'send', template: 'msg_b', sendAt: 'now' }] },
    });
    expect([put.statusCode, put.json().version]).toEqual([200, 2]);
    // Still a draft: the enrollment stays on 1; a new entrant too.
    await db().transaction(async (tx) => publish(tx, 'service.ticket.resolved', { customerId: ids[1], ticketId: 'V-2' }));
    await t.kemai.events.drain();
    expect((await enrollmentsOf(j.id)).map((e) => e.version)).toEqual([1, 1]);
    await t.kemai.journeys.runDue(now);
    const pub = await t.app.inject({ method: 'POST', url: `/api/v1/journeys/${j.id}/publish`, headers: t.admin, payload: { migrate: true } });
    expect([pub.json().currentVersion, pub.json().migrated]).toEqual([2, 2]);
    at('2026-10-02T10:01:00+08:00');
    await t.kemai.journeys.runDue(now);
    const m = await query<{ code: string }>(db(), sql`select t.code from messaging.messages m join messaging.templates t on t.id = m.template_id where m.journey_id = ${j.id}::uuid`);
    expect(m.map((x) => x.code)).toEqual(['msg_b', 'msg_b']);
    const versions = await t.app.inject({ method: 'GET', url: `/api/v1/journeys/${j.id}/versions`, headers: t.admin });
    expect(versions.json().items.map((v: { version: number; publishedAt: string | null }) => [v.version, v.publishedAt !== null])).toEqual([
      [2, true],
      [1, true],
    ]);
  });

  it('bad definitions name the field', async () => {
    const bad = { trigger: { type: 'event', event: 'ticket_resolved' }, steps: [{ id: 'a', type: 'wait', days: 1, next: 'b' }, { id: 'b', type: 'wait', days: 1, next: 'c' }, { id: 'c', type: 'wait', days: 1, next: 'x' }] };
    const v = await t.app.inject({ method: 'POST', url: '/api/v1/journeys/validate', headers: t.admin, payload: bad });
    expect(v.statusCode).toBe(400);
    expect(v.json().error.details.issues).toEqual([{ path: 'steps.2.next', message: 'no step x' }]);
    const c = await t.app.inject({ method: 'POST', url: '/api/v1/journeys', headers: t.admin, payload: { code: 'bad_t', name: 'b', definition: bad } });
    expect(c.statusCode).toBe(400);
    expect(c.json().error.details.issues).toEqual([{ path: 'definition.steps.2.next', message: 'no step x' }]);
    const j = await create({ code: 'bad_ref', name: 'b', definition: { trigger: { type: 'event', event: 'ticket_resolved' }, steps: [{ id: 's', type: 'send', template: 'nope' }, ] } }, false);
    const p = await t.app.inject({ method: 'POST', url: `/api/v1/journeys/${j.id}/publish`, headers: t.admin, payload: {} });
    expect(p.statusCode).toBe(400);
    expect(p.json().error.details.issues).toEqual([{ path: 'steps.0.template', message: 'no active message template nope' }]);
    const vr = await t.app.inject({ method: 'POST', url: '/api/v1/journeys/validate', headers: t.admin, payload: { trigger: { type: 'event', event: 'ticket_resolved' }, steps: [{ id: 'c', type: 'coupon', template: 'NOPE' }] } });
    expect(vr.json()).toMatchObject({ valid: false, issues: [{ path: 'steps.0.template', message: 'no active coupon template NOPE' }] });
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/journeys?status=draft', headers: t.admin });
    expect(list.json().items.map((x: { code: string }) => x.code)).toEqual(['bad_ref']);
    const patch = await t.app.inject({ method: 'PATCH', url: `/api/v1/journeys/${j.id}`, headers: t.admin, payload: { holdoutPercent: 95 } });
    expect([patch.statusCode, patch.json().error.details.issues[0].path]).toEqual([400, 'holdoutPercent']);
    const ok = await t.app.inject({ method: 'PATCH', url: `/api/v1/journeys/${j.id}`, headers: t.admin, payload: { holdoutPercent: 20, reentry: 'cooldown', reentryDays: 14 } });
    expect([ok.json().holdoutPercent, ok.json().reentry, ok.json().reentryDays]).toEqual([20, 'cooldown', 14]);
    const ro = await t.keyWith(['journeys:read']);
    expect((await t.app.inject({ method: 'POST', url: `/api/v1/journeys/${j.id}/pause`, headers: ro })).statusCode).toBe(403);
  });
});

export type { NewJourney };
