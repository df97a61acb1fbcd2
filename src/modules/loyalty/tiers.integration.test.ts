import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../platform/db/database.js';
import { localDate } from '../../platform/clock.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import { VIP_PRESET } from './domain/tiers.js';
import { TIERS_DAILY_JOB, scheduleTiersDaily } from './birthday.js';
import { createLogger } from '../../platform/logger.js';
import { finishedState, withJobs } from '../../../tests/support/jobs.js';
import { runKemai } from '../../../tests/support/kemai-process.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

const DAY = 86_400_000;
const daysFromNow = (n: number) => new Date(Date.now() + n * DAY);
const iso = (d: Date) => d.toISOString();

const send = async (method: 'POST' | 'PUT' | 'GET', url: string, payload?: unknown, headers = t.admin) => {
  const res = await t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
  return res;
};

async function rows<T = Record<string, unknown>>(statement: ReturnType<typeof sql>): Promise<T[]> {
  return query<T>(t.kemai.database.db, statement);
}

let seq = 0;
/** An order of `yuan` for the person with this phone, placed `daysAgo` days ago; answers its ids. */
async function order(phone: string, yuan: number, daysAgo = 5, extra: Record<string, unknown> = {}) {
  seq += 1;
  const res = await send('POST', '/api/v1/orders', {
    channel: 'online',
    externalId: `T-${seq}`,
    placedAt: iso(daysFromNow(-daysAgo)),
    customer: { phone },
    lines: [{ sku: 'TIER-1', quantity: 1, unitPrice: yuan.toFixed(2) }],
    ...extra,
  });
  expect(res.statusCode, res.body).toBe(201);
  await t.kemai.events.drain();
  return res.json() as { id: string; customerId: string };
}

const tierOf = async (customerId: string) => {
  const res = await send('GET', `/api/v1/loyalty/members/${customerId}/tier`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};

const changesOf = (customerId: string) =>
  rows<{ from_code: string | null; to_code: string | null; reason: string; tier_set: string; measure: number | string | null }>(
    sql`select from_code, to_code, reason, tier_set, measure from loyalty.tier_changes where customer_id = ${customerId} order by id`,
  );

describe('growth value and the built-in explorer / follower / advocate set', () => {
  it('grows 1 per ¥1 from an order, takes back a return, and shows the progress to follower', async () => {
    const o = await order('13900000001', 398);
    const member = await tierOf(o.customerId);
    expect(member).toMatchObject({
      customerId: o.customerId,
      tierSet: { code: 'membership', version: 0 },
      tier: { code: 'explorer', name: { 'zh-CN': '探索者', en: 'Explorer' } },
      measure: { type: 'growth', unit: 'growth', value: 398 },
      growth: 398,
      next: { code: 'follower', threshold: 1000, missing: 602 },
      benefits: { birthdayPoints: 100, birthdayDiscountPercent: 5 },
      manualUntil: null,
      graceUntil: null,
    });

    const ret = await send('POST', '/api/v1/returns', {
      channel: 'online',
      externalId: `R-${seq}`,
      order: { channel: 'online', externalId: `T-${seq}` },
      returnedAt: iso(daysFromNow(-1)),
      lines: [{ lineNo: 1, quantity: 1, refundAmount: '100.50' }],
    });
    expect(ret.statusCode, ret.body).toBe(201);
    await t.kemai.events.drain();
    expect((await tierOf(o.customerId)).growth).toBe(298);
    const entries = await rows<{ points: number | string; source_type: string }>(
      sql`select points, source_type from loyalty.growth_entries where customer_id = ${o.customerId} order by occurred_at`,
    );
    expect(entries.map((e) => [Number(e.points), e.source_type])).toEqual([
      [398, 'order'],
      [-100, 'return'],
    ]);
    // The entry tier is recorded, without a timeline item.
    expect((await changesOf(o.customerId)).map((c) => ({ ...c, measure: Number(c.measure) }))).toEqual([
      { from_code: null, to_code: 'explorer', reason: 'qualified', tier_set: 'membership', measure: 398 },
    ]);
  });

  it('upgrades at once when the growth crosses a threshold, with an event and a timeline item; a replayed order grows nothing', async () => {
    const first = await order('13900000002', 600);
    expect((await tierOf(first.customerId)).tier.code).toBe('explorer');
    const body = {
      channel: 'online',
      externalId: 'T-UP',
      placedAt: iso(daysFromNow(-2)),
      customer: { phone: '13900000002' },
      lines: [{ sku: 'TIER-1', quantity: 1, unitPrice: '450.00' }],
    };
    expect((await send('POST', '/api/v1/orders', body)).statusCode).toBe(201);
    await t.kemai.events.drain();
    const after = await tierOf(first.customerId);
    expect(after).toMatchObject({ tier: { code: 'follower' }, growth: 1050, next: { code: 'advocate', threshold: 5000, missing: 3950 } });
    expect(after.benefits).toEqual({ discountPercent: 3, freeShipping: true, earlyAccess: true, birthdayPoints: 200, birthdayDiscountPercent: 10 });
    expect((await changesOf(first.customerId)).map((c) => [c.from_code, c.to_code, c.reason])).toEqual([
      [null, 'explorer', 'qualified'],
      ['explorer', 'follower', 'qualified'],
    ]);
    const events = await rows<{ payload: { fromCode: string; toCode: string; reason: string } }>(
      sql`select c as payload from platform.outbox o cross join jsonb_array_elements(o.payload->'changes') c
          where o.name = 'loyalty.tier.changed' and c->>'customerId' = ${first.customerId} order by o.id`,
    );
    expect(events.map((e) => [e.payload.fromCode, e.payload.toCode, e.payload.reason])).toEqual([
      [null, 'explorer', 'qualified'],
      ['explorer', 'follower', 'qualified'],
    ]);
    const timeline = await rows<{ kind: string; summary: { from: string; to: string } }>(
      sql`select kind, summary from customers.timeline_items where customer_id = ${first.customerId} and kind like 'loyalty.tier%'`,
    );
    expect(timeline.map((i) => [i.kind, i.summary.from, i.summary.to])).toEqual([['loyalty.tier_changed', 'explorer', 'follower']]);

    // The same order again: unchanged, and no growth.
    expect((await send('POST', '/api/v1/orders', body)).statusCode).toBe(200);
    await t.kemai.events.drain();
    expect((await tierOf(first.customerId)).growth).toBe(1050);
  });

  it('follows an order\'s updates: a higher amount adds the difference, a cancellation takes it all back', async () => {
    const body = {
      channel: 'pos',
      externalId: 'T-UPD',
      placedAt: iso(daysFromNow(-3)),
      customer: { phone: '13900000005' },
      lines: [{ sku: 'TIER-1', quantity: 1, unitPrice: '250.00' }],
    };
    const first = await send('POST', '/api/v1/orders', body);
    expect(first.statusCode).toBe(201);
    await t.kemai.events.drain();
    const id = first.json().customerId as string;
    expect((await tierOf(id)).growth).toBe(250);
    expect((await send('POST', '/api/v1/orders', { ...body, lines: [{ sku: 'TIER-1', quantity: 2, unitPrice: '250.00' }] })).json().status).toBe('updated');
    await t.kemai.events.drain();
    expect((await tierOf(id)).growth).toBe(500);
    expect((await send('POST', '/api/v1/orders', { ...body, status: 'cancelled', lines: [{ sku: 'TIER-1', quantity: 2, unitPrice: '250.00' }] })).json().status).toBe('updated');
    await t.kemai.events.drain();
    expect((await tierOf(id)).growth).toBe(0);
    const entries = await rows<{ points: number | string }>(sql`select points from loyalty.growth_entries where customer_id = ${id} order by id`);
    expect(entries.map((e) => Number(e.points))).toEqual([250, 250, -500]);
  });

  it('grows from interactions the rules name (survey 20, share 5) and nothing from others', async () => {
    const o = await order('13900000003', 10);
    for (const [type, id] of [
      ['survey', 'S-1'],
      ['share', 'S-2'],
      ['view', 'S-3'],
      ['survey', 'S-1'],
    ] as const) {
      const res = await send('POST', '/api/v1/events', { type, occurredAt: iso(daysFromNow(-1)), customer: { phone: '13900000003' }, source: 'app', externalId: id });
      expect(res.statusCode, res.body).toBeLessThan(300);
    }
    await t.kemai.events.drain();
    expect((await tierOf(o.customerId)).growth).toBe(35);
    const statement = await send('GET', `/api/v1/loyalty/members/${o.customerId}/growth?limit=2`);
    expect(statement.statusCode, statement.body).toBe(200);
    expect(statement.json()).toMatchObject({ customerId: o.customerId, growth: 35 });
    expect(statement.json().items.map((i: { points: number; sourceType: string; reason: string | null }) => [i.points, i.sourceType, i.reason])).toEqual([
      [5, 'event', 'share'],
      [20, 'event', 'survey'],
    ]);
  });
});

describe('merges', () => {
  it('moves growth to the survivor, raises its tier at once, and moves it back on unmerge', async () => {
    const survivor = (await order('13900000201', 700)).customerId;
    const absorbed = (await order('13900000202', 400)).customerId;
    const merged = await send('POST', `/api/v1/customers/${survivor}/merge`, { otherId: absorbed, reason: 'same person' });
    expect(merged.statusCode, merged.body).toBe(200);
    expect(await tierOf(survivor)).toMatchObject({ growth: 1100, tier: { code: 'follower' } });
    const [gone] = await rows<{ growth: number | string }>(sql`select growth from loyalty.accounts where customer_id = ${absorbed}`);
    expect(Number(gone!.growth)).toBe(0);

    const back = await send('POST', `/api/v1/customers/${survivor}/unmerge`, { mergeId: merged.json().mergeId });
    expect(back.statusCode, back.body).toBe(200);
    expect((await tierOf(survivor)).growth).toBe(700);
    expect((await tierOf(absorbed)).growth).toBe(400);
    // Lowering waits for the yearly review.
    expect((await tierOf(survivor)).tier.code).toBe('follower');
  });
});

describe('birthday points', () => {
  async function member(phone: string, birthday: string) {
    const res = await send('POST', '/api/v1/customers', { phone, birthday });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return (await order(phone, 20)).customerId;
  }
  const granted = (customerId: string) =>
    rows<{ points: number | string; idempotency_key: string }>(
      sql`select points + pending_points as points, idempotency_key from loyalty.ledger_entries
          where customer_id = ${customerId} and source_type = 'birthday' order by idempotency_key collate "C"`,
    ).then((r) => r.map((e) => [Number(e.points), e.idempotency_key]));

  it('grants the tier\'s birthday points once a year on the birthday; 29 February on 28 February in non-leap years', async () => {
    const leapling = await member('13900000101', '1992-02-29');
    const feb28 = await member('13900000102', '1990-02-28');
    const march = await member('13900000103', '1988-03-01');
    const tiers = t.kemai.tiers;

    expect(await tiers.grantBirthdays('2027-02-27')).toEqual({ date: '2027-02-27', due: 0, granted: 0 });
    expect(await tiers.grantBirthdays('2027-02-28')).toEqual({ date: '2027-02-28', due: 2, granted: 2 });
    expect(await tiers.grantBirthdays('2027-02-28')).toEqual({ date: '2027-02-28', due: 2, granted: 0 });
    // 2028 is a leap year: the leapling waits for the 29th.
    expect(await tiers.grantBirthdays('2028-02-28')).toEqual({ date: '2028-02-28', due: 1, granted: 1 });
    expect(await tiers.grantBirthdays('2028-02-29')).toEqual({ date: '2028-02-29', due: 2, granted: 1 });
    // A missed run is caught up later in the month, never in the next one.
    expect(await tiers.grantBirthdays('2029-03-31')).toEqual({ date: '2029-03-31', due: 1, granted: 1 });
    expect(await tiers.grantBirthdays('2030-04-01')).toEqual({ date: '2030-04-01', due: 0, granted: 0 });

    expect(await granted(leapling)).toEqual([
      [100, `birthday:${leapling}:2027`],
      [100, `birthday:${leapling}:2028`],
    ]);
    expect(await granted(feb28)).toEqual([
      [100, `birthday:${feb28}:2027`],
      [100, `birthday:${feb28}:2028`],
    ]);
    expect(await granted(march)).toEqual([[100, `birthday:${march}:2029`]]);
    const items = await rows<{ occurred_at: Date | string; summary: { points: number; birthdayDiscountPercent: number } }>(
      sql`select occurred_at, summary from customers.timeline_items where customer_id = ${leapling} and kind = 'loyalty.birthday' order by occurred_at`,
    );
    expect(items.map((i) => [new Date(i.occurred_at).toISOString(), i.summary.points, i.summary.birthdayDiscountPercent])).toEqual([
      ['2027-02-27T16:00:00.000Z', 100, 5],
      ['2028-02-28T16:00:00.000Z', 100, 5],
    ]);
    await expect(tiers.grantBirthdays('2027-02-30')).rejects.toMatchObject({ code: 'loyalty.birthday_date_invalid' });
  });

  it('shows birthday-month benefits during the birthday month only', async () => {
    const today = localDate(new Date(), t.kemai.config.timeZone);
    const thisMonth = await member('13900000104', `1995-${today.slice(5, 7)}-01`);
    const otherMonth = await member('13900000105', `1995-${today.slice(5, 7) === '06' ? '07' : '06'}-01`);
    expect((await tierOf(thisMonth)).birthdayMonth).toBe(true);
    expect((await tierOf(otherMonth)).birthdayMonth).toBe(false);
  });
});

describe('the daily job', () => {
  it('is scheduled at 00:20 in the business time zone and grants today\'s birthdays when it runs', async () => {
    const today = localDate(new Date(), t.kemai.config.timeZone);
    const [born] = await rows<{ id: string }>(
      sql`select f.id from customers.customer_facts f join loyalty.accounts a on a.customer_id = f.id
          where to_char(f.birthday, 'MM') = ${today.slice(5, 7)} and a.tier_code = 'explorer'`,
    );
    await withJobs(t.kemai.database, async (jobs) => {
      await scheduleTiersDaily(jobs, t.kemai.tiers, createLogger('silent'), { timeZone: 'Asia/Shanghai', pollingIntervalSeconds: 0.5 });
      expect(await rows(sql`select name, cron, timezone from pgboss.schedule where name = ${TIERS_DAILY_JOB}`)).toEqual([
        { name: 'loyalty.tiers-daily', cron: '20 0 * * *', timezone: 'Asia/Shanghai' },
      ]);
      const id = await jobs.send(TIERS_DAILY_JOB, {});
      expect(await finishedState(jobs, TIERS_DAILY_JOB, id!)).toBe('completed');
    });
    const entries = await rows<{ idempotency_key: string }>(
      sql`select idempotency_key from loyalty.ledger_entries where customer_id = ${born!.id} and source_type = 'birthday'`,
    );
    expect(entries.map((e) => e.idempotency_key)).toEqual([`birthday:${born!.id}:${today.slice(0, 4)}`]);
  });
});

describe('bad input', () => {
  it('answers 400 naming the field and writes nothing', async () => {
    const before = await rows<{ n: string }>(sql`select (select count(*) from loyalty.tier_sets) || '/' || (select count(*) from loyalty.tier_changes) as n`);
    const badSet = await send('POST', '/api/v1/loyalty/tier-sets', {
      code: 'broken',
      definition: {
        measure: 'yearly_spend',
        tiers: [
          { code: 'a', name: { 'zh-CN': '甲', en: 'A' }, threshold: 100 },
          { code: 'b', name: { 'zh-CN': '乙', en: 'B' }, threshold: 100 },
        ],
        review: { monthDay: '01-01', graceDays: 30 },
        growth: { perYuan: 1, interactions: {} },
      },
    });
    expect(badSet.statusCode).toBe(400);
    expect(badSet.json().error.details.issues.map((i: { path: string }) => i.path)).toEqual(['definition.tiers.1.threshold']);

    const both = await send('POST', '/api/v1/loyalty/tier-sets', { code: 'x', preset: 'vip', definition: {} });
    expect(both.statusCode).toBe(400);

    const member = (await order('13900000004', 50)).customerId;
    const unknown = await send('PUT', `/api/v1/loyalty/members/${member}/tier`, { code: 'platinum', until: iso(daysFromNow(30)), reason: 'VIP guest' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.details.issues.map((i: { path: string }) => i.path)).toEqual(['code']);
    const past = await send('PUT', `/api/v1/loyalty/members/${member}/tier`, { code: 'advocate', until: iso(daysFromNow(-1)), reason: 'late' });
    expect(past.statusCode).toBe(400);
    expect(past.json().error.details.issues.map((i: { path: string }) => i.path)).toEqual(['until']);
    const noReason = await send('PUT', `/api/v1/loyalty/members/${member}/tier`, { code: 'advocate', until: iso(daysFromNow(3)) });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().error.details.issues.map((i: { path: string }) => i.path)).toEqual(['reason']);
    const badDate = await send('POST', '/api/v1/loyalty/tiers/review', { asOf: 'tomorrow' });
    expect(badDate.statusCode).toBe(400);
    expect(badDate.json().error.details.issues[0].path).toBe('asOf');

    const after = await rows<{ n: string }>(sql`select (select count(*) from loyalty.tier_sets) || '/' || (select count(*) from loyalty.tier_changes) as n`);
    // The order above placed its member as explorer: one change more, nothing else.
    const [sets, changes] = before[0]!.n.split('/').map(Number) as [number, number];
    expect(after[0]!.n).toBe(`${sets}/${changes + 1}`);
    expect((await tierOf(member)).tier.code).toBe('explorer');
  });

  it('describes the tier routes in the OpenAPI document', async () => {
    const doc = (await send('GET', '/api/openapi.json')).json();
    expect(Object.keys(doc.paths).filter((p) => p.includes('tier')).sort()).toEqual([
      '/api/v1/loyalty/members/{customerId}/tier',
      '/api/v1/loyalty/tier-sets',
      '/api/v1/loyalty/tier-sets/{code}/versions/{version}/activate',
      '/api/v1/loyalty/tiers',
      '/api/v1/loyalty/tiers/review',
    ]);
    expect(Object.keys(doc.paths['/api/v1/loyalty/members/{customerId}/tier'].get.responses['200'].content['application/json'].schema.properties)).toContain('next');
  });

  it('refuses a review without loyalty:admin and a manual tier without loyalty:write', async () => {
    const reader = await t.keyWith(['loyalty:read']);
    expect((await send('POST', '/api/v1/loyalty/tiers/review', { dryRun: true }, reader)).statusCode).toBe(403);
    expect((await send('PUT', `/api/v1/loyalty/members/${crypto.randomUUID()}/tier`, { code: 'x', until: iso(daysFromNow(1)), reason: 'r' }, reader)).statusCode).toBe(403);
    expect((await send('GET', `/api/v1/loyalty/members/${crypto.randomUUID()}/tier`, undefined, reader)).statusCode).toBe(404);
  });
});

describe('silver / gold / diamond by yearly spend', () => {
  let silver: string;
  let requal: string;
  let manual: string;

  it('activates the preset and places every member at once', async () => {
    const res = await send('POST', '/api/v1/loyalty/tier-sets', { code: 'vip', preset: 'vip', activate: true });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ code: 'vip', version: 1, name: 'Silver / Gold / Diamond', active: true, placed: { assigned: 12 } });
    const list = await send('GET', '/api/v1/loyalty/tier-sets');
    expect(list.json().items.map((s: { code: string; version: number; active: boolean }) => [s.code, s.version, s.active])).toEqual([['vip', 1, true]]);
  });

  it('upgrades at once on spend ≥ ¥10,000 and counts members per tier', async () => {
    silver = (await order('13900000010', 12_000, 300)).customerId;
    requal = (await order('13900000011', 10_500, 300)).customerId;
    manual = (await order('13900000012', 3_000, 20)).customerId;
    expect(await tierOf(silver)).toMatchObject({
      tierSet: { code: 'vip', version: 1 },
      tier: { code: 'silver', name: { 'zh-CN': '银卡', en: 'Silver' } },
      measure: { type: 'yearly_spend', unit: 'fen', value: 1_200_000 },
      next: { code: 'gold', threshold: 2_000_000, missing: 800_000 },
      benefits: { discountPercent: 5, freeShipping: true, birthdayPoints: 200, birthdayDiscountPercent: 10 },
    });
    expect((await tierOf(manual)).tier).toBeNull();
    expect((await tierOf(manual)).next).toMatchObject({ code: 'silver', missing: 700_000 });

    const counts = await send('GET', '/api/v1/loyalty/tiers');
    expect(counts.statusCode).toBe(200);
    expect(counts.json().tierSet).toEqual({ code: 'vip', version: 1, name: 'Silver / Gold / Diamond', builtIn: false });
    expect(counts.json().tiers.map((x: { code: string; memberCount: number }) => [x.code, x.memberCount])).toEqual([
      ['silver', 2],
      ['gold', 0],
      ['diamond', 0],
    ]);
    // The twelve members placed from the built-in set and the ¥3,000 one.
    expect(counts.json().withoutTier).toBe(13);
  });

  it('holds a manual tier until its end date, then the rules decide again', async () => {
    const until = daysFromNow(30);
    const res = await send('PUT', `/api/v1/loyalty/members/${manual}/tier`, { code: 'gold', until: iso(until), reason: 'flagship store opening guest' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ tier: { code: 'gold' }, manualUntil: iso(until), measure: { value: 300_000 } });
    // A yearly review before the end leaves it alone.
    expect(await t.kemai.tiers.reviewTiers(daysFromNow(29))).toMatchObject({ manualEnded: 0, downgraded: 0, graceStarted: 0 });
    expect((await tierOf(manual)).tier.code).toBe('gold');
    expect(await t.kemai.tiers.reviewTiers(daysFromNow(31), { mode: 'settle' })).toMatchObject({ manualEnded: 1, downgraded: 0 });
    expect(await tierOf(manual)).toMatchObject({ tier: null, manualUntil: null });
    expect((await changesOf(manual)).map((c) => [c.from_code, c.to_code, c.reason])).toEqual([
      [null, 'gold', 'manual'],
      ['gold', null, 'manual_ended'],
    ]);
  });

  it('lowers only at the yearly review, after a 90-day grace; a member who requalifies in the grace keeps the tier', async () => {
    // 100 days on, the orders placed 300 days ago are out of the 12-month window.
    const asOf = daysFromNow(100);
    const dry = await send('POST', '/api/v1/loyalty/tiers/review', { asOf: iso(asOf), dryRun: true });
    expect(dry.json()).toEqual({ tierSet: 'vip', asOf: iso(asOf), dryRun: true, assigned: 0, upgraded: 0, downgraded: 0, graceStarted: 2, requalified: 0, manualEnded: 0 });
    expect((await tierOf(silver)).graceUntil).toBeNull();

    // The daily settlement never starts a grace: only the review does.
    expect(await t.kemai.tiers.reviewTiers(asOf, { mode: 'settle' })).toMatchObject({ graceStarted: 0, downgraded: 0 });
    const real = await send('POST', '/api/v1/loyalty/tiers/review', { asOf: iso(asOf), dryRun: false });
    expect(real.json()).toMatchObject({ graceStarted: 2, downgraded: 0 });
    const graceUntil = iso(new Date(asOf.getTime() + 90 * DAY));
    expect(await tierOf(silver)).toMatchObject({ tier: { code: 'silver' }, graceUntil });
    expect(await tierOf(requal)).toMatchObject({ tier: { code: 'silver' }, graceUntil });

    // One member buys again (¥9,000 now, ¥19,500 in the last 12 months): still silver, the grace is cleared at once.
    await order('13900000011', 9_000, 1);
    expect(await tierOf(requal)).toMatchObject({ tier: { code: 'silver' }, graceUntil: null, measure: { value: 1_950_000 } });

    // A settlement before the grace ends changes nothing; at its end the member without spend goes down.
    expect(await t.kemai.tiers.reviewTiers(new Date(asOf.getTime() + 89 * DAY), { mode: 'settle' })).toMatchObject({ downgraded: 0 });
    expect(await tierOf(silver)).toMatchObject({ tier: { code: 'silver' } });
    expect(await t.kemai.tiers.reviewTiers(new Date(asOf.getTime() + 90 * DAY), { mode: 'settle' })).toMatchObject({ downgraded: 1, upgraded: 0 });
    expect(await tierOf(silver)).toMatchObject({ tier: null, graceUntil: null });
    expect(await tierOf(requal)).toMatchObject({ tier: { code: 'silver' } });
    expect((await changesOf(silver)).map((c) => [c.from_code, c.to_code, c.reason, Number(c.measure)])).toEqual([
      [null, 'silver', 'qualified', 1_200_000],
      ['silver', 'silver', 'grace', 0],
      ['silver', null, 'review', 0],
    ]);
    const timeline = await rows<{ kind: string }>(
      sql`select kind from customers.timeline_items where customer_id = ${silver} and kind like 'loyalty.tier%' order by occurred_at, kind`,
    );
    expect(timeline.map((i) => i.kind)).toEqual(['loyalty.tier_changed', 'loyalty.tier_grace', 'loyalty.tier_changed']);
  });

  it('versions a set: a new version waits until activated, then raises whom it lets qualify', async () => {
    const definition = { ...VIP_PRESET, tiers: VIP_PRESET.tiers.map((x) => (x.code === 'silver' ? { ...x, threshold: 500_000 } : x)) };
    const created = await send('POST', '/api/v1/loyalty/tier-sets', { code: 'vip', name: 'VIP 2027', definition });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ code: 'vip', version: 2, active: false });
    expect((await tierOf(silver)).tierSet).toEqual({ code: 'vip', version: 1, name: 'Silver / Gold / Diamond' });

    const missing = await send('POST', '/api/v1/loyalty/tier-sets/vip/versions/9/activate');
    expect(missing.statusCode).toBe(404);
    const act = await send('POST', '/api/v1/loyalty/tier-sets/vip/versions/2/activate');
    expect(act.statusCode, act.body).toBe(200);
    // Activation evaluates as of now: the member lowered at the review simulated 190 days ahead has ¥12,000 in the
    // 12 months up to today, silver again; the ¥3,000 member is still below ¥5,000.
    expect(act.json().placed).toEqual({ assigned: 0, upgraded: 1, downgraded: 0, graceStarted: 0, requalified: 0, manualEnded: 0 });
    expect((await tierOf(silver)).tier.code).toBe('silver');
    const list = await send('GET', '/api/v1/loyalty/tier-sets');
    expect(list.json().items.map((x: { code: string; version: number; active: boolean }) => [x.code, x.version, x.active])).toEqual([
      ['vip', 2, true],
      ['vip', 1, false],
    ]);
    expect((await tierOf(manual)).next).toMatchObject({ code: 'silver', threshold: 500_000, missing: 200_000 });
    await order('13900000012', 2_500, 2);
    expect(await tierOf(manual)).toMatchObject({ tierSet: { code: 'vip', version: 2, name: 'VIP 2027' }, tier: { code: 'silver' }, measure: { value: 550_000 } });
  });
});

describe('kemai loyalty review-tiers', () => {
  const run = async (args: string[]) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-tiers-cli-'));
    try {
      return await runKemai(['loyalty', 'review-tiers', ...args], { KEMAI_DATA_DIR: dir, KEMAI_LOG_LEVEL: 'silent' }, process.cwd());
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };

  it('counts a review as of a date in the business time zone, and refuses a bad date with exit code 2', async () => {
    const dry = await run(['--as-of', '2027-01-01', '--dry-run', '--json']);
    expect(dry.code, dry.err).toBe(0);
    expect(JSON.parse(dry.out)).toEqual({
      tierSet: 'membership',
      asOf: '2026-12-31T16:00:00.000Z',
      dryRun: true,
      assigned: 0,
      upgraded: 0,
      downgraded: 0,
      graceStarted: 0,
      requalified: 0,
      manualEnded: 0,
    });
    const bad = await run(['--as-of', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.err.trim()).toBe('kemai: --as-of: not a date (YYYY-MM-DD) or instant: soon');
  }, 180_000);
});
