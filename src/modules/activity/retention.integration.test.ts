import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { listAudit, verifyAuditChain } from '../../platform/audit.js';
import type { Clock } from '../../platform/clock.js';
import { query } from '../../platform/db/database.js';
import { AppError } from '../../platform/errors.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import { withJobs } from '../../../tests/support/jobs.js';
import { EventInput } from './activity.schemas.js';
import { RETENTION_NIGHTLY_JOB, retentionCutoff, scheduleRetentionNightly } from './index.js';

let t: TestApp;
let p1: string;
let p2: string;
// The fake clock: 25 November 2026, 10:00 in Shanghai. 24 months kept → events before 2024-11-01 00:00 +08:00 go.
const clock: Clock = { now: () => new Date('2026-11-25T02:00:00Z') };

const db = () => t.kemai.database.db;
const get = (url: string, headers = t.admin) => t.app.inject({ method: 'GET', url, headers });
const post = (url: string, payload: object, headers = t.admin) => t.app.inject({ method: 'POST', url, headers, payload });

async function record(items: object[]): Promise<Array<string | null>> {
  const r = await t.kemai.activity.recordEvents(items.map((i) => EventInput.parse(i)));
  return r.map((x) => (x.status === 'error' ? `error: ${x.error.message}` : x.customerId));
}

const rollups = () =>
  query<{ month: string; customer_id: string | null; type: string; channel: string | null; store_code: string | null; events: number; first_at: string; last_at: string }>(
    db(),
    sql`select to_char(month, 'YYYY-MM-DD') as month, customer_id, type, channel, store_code, events,
               to_char(first_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as first_at, to_char(last_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as last_at
        from (select month, customer_id, type, channel, store_code, events, first_at, last_at from activity.event_rollups
              union all select month, null, type, channel, store_code, events, first_at, last_at from activity.anonymous_event_rollups) r
        order by month, customer_id nulls first, type, channel nulls first, store_code nulls first`,
  );
const kept = async () =>
  (await query<{ at: string; type: string }>(db(), sql`select to_char(occurred_at at time zone 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI') as at, type from (select occurred_at, type from activity.events union all select occurred_at, type from activity.anonymous_events) e order by occurred_at, type`)).map(
    (r) => `${r.at} ${r.type}`,
  );

beforeAll(async () => {
  t = await createTestApp({ KEMAI_TIMEZONE: 'Asia/Shanghai' }, { loyalty: false });
  [p1, p2] = (await record([
    { type: 'login', occurredAt: '2026-11-01T09:00:00+08:00', customer: { phone: '13800138001' } },
    { type: 'login', occurredAt: '2026-11-02T09:00:00+08:00', customer: { phone: '13800138002' } },
  ])) as [string, string];
  expect(
    await record([
      { type: 'view', occurredAt: '2024-03-05T10:00:00+08:00', customer: { id: p1 }, channel: 'web' },
      { type: 'view', occurredAt: '2024-03-06T11:00:00+08:00', customer: { id: p1 }, channel: 'web', sku: 'A1' },
      { type: 'view', occurredAt: '2024-03-20T12:00:00+08:00', customer: { id: p1 }, channel: 'web', storeCode: 'S1' },
      // The last minutes of October in Shanghai (15:30 UTC): rolled up into 2024-10.
      { type: 'store_visit', occurredAt: '2024-10-31T23:30:00+08:00', customer: { id: p1 }, storeCode: 'S1' },
      // The cutoff itself and an October UTC instant that is already November in Shanghai: kept.
      { type: 'store_visit', occurredAt: '2024-11-01T00:00:00+08:00', customer: { id: p1 }, storeCode: 'S1' },
      { type: 'view', occurredAt: '2024-10-31T20:00:00Z', customer: { id: p1 }, channel: 'web' },
      // New Year's Eve in Shanghai, still 2023 there (15:00 UTC).
      { type: 'login', occurredAt: '2023-12-31T23:00:00+08:00', customer: { id: p2 }, channel: 'app' },
      { type: 'view', occurredAt: '2024-01-10T08:00:00+08:00', customer: { anonymousId: 'visitor-1' }, channel: 'web' },
    ]),
  ).toEqual([p1, p1, p1, p1, p1, p1, p2, null]);
}, 60_000);
afterAll(async () => t?.close());

describe('events retention', () => {
  it('cuts at the start of the month N months back in the business time zone', () => {
    expect(retentionCutoff(24, clock.now(), 'Asia/Shanghai').toISOString()).toBe('2024-10-31T16:00:00.000Z');
    expect(retentionCutoff(1, new Date('2026-01-01T00:30:00+08:00'), 'Asia/Shanghai').toISOString()).toBe('2025-11-30T16:00:00.000Z');
    expect(retentionCutoff(12, new Date('2026-03-31T20:00:00Z'), 'UTC').toISOString()).toBe('2025-03-01T00:00:00.000Z');
  });

  it('refuses a bad months value naming the option, changing nothing', async () => {
    const before = { events: await kept(), rollups: await rollups() };
    for (const months of [0, -3, 1.5, Number.NaN, '12' as unknown as number, 1201]) {
      const e = await t.kemai.activity.applyRetention({ months, now: clock.now() }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).kind).toBe('validation');
      expect((e as AppError).message).toBe(`months: a whole number of months from 1 to 1200 (got ${String(months)})`);
      expect((e as AppError).details).toEqual({ issues: [{ path: 'months', message: `a whole number of months from 1 to 1200 (got ${String(months)})` }] });
    }
    const res = await post('/api/v1/activity/retention/run', { months: 0 });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toBe('months: a whole number of months from 1 to 1200 (got 0)');
    expect({ events: await kept(), rollups: await rollups() }).toEqual(before);
  });

  it('a dry run counts per month and changes nothing', async () => {
    const before = await kept();
    const r = await t.kemai.activity.applyRetention({ months: 24, now: clock.now(), dryRun: true });
    expect(r).toEqual({
      months: 24,
      cutoff: '2024-10-31T16:00:00.000Z',
      dryRun: true,
      events: 6,
      batches: 0,
      byMonth: [
        { month: '2023-12', events: 1 },
        { month: '2024-01', events: 1 },
        { month: '2024-03', events: 3 },
        { month: '2024-10', events: 1 },
      ],
    });
    expect(await kept()).toEqual(before);
    expect(await rollups()).toEqual([]);
  });

  it('rolls old events up into monthly counts and deletes them, in batches; recent events stay', async () => {
    const r = await t.kemai.activity.applyRetention({ months: 24, now: clock.now(), batchSize: 2, actor: 'test:retention' });
    expect(r).toEqual({
      months: 24,
      cutoff: '2024-10-31T16:00:00.000Z',
      dryRun: false,
      events: 6,
      batches: 3,
      byMonth: [
        { month: '2023-12', events: 1 },
        { month: '2024-01', events: 1 },
        { month: '2024-03', events: 3 },
        { month: '2024-10', events: 1 },
      ],
    });
    expect(await rollups()).toEqual([
      { month: '2023-12-01', customer_id: p2, type: 'login', channel: 'app', store_code: null, events: 1, first_at: '2023-12-31T15:00:00Z', last_at: '2023-12-31T15:00:00Z' },
      { month: '2024-01-01', customer_id: null, type: 'view', channel: 'web', store_code: null, events: 1, first_at: '2024-01-10T00:00:00Z', last_at: '2024-01-10T00:00:00Z' },
      { month: '2024-03-01', customer_id: p1, type: 'view', channel: 'web', store_code: null, events: 2, first_at: '2024-03-05T02:00:00Z', last_at: '2024-03-06T03:00:00Z' },
      { month: '2024-03-01', customer_id: p1, type: 'view', channel: 'web', store_code: 'S1', events: 1, first_at: '2024-03-20T04:00:00Z', last_at: '2024-03-20T04:00:00Z' },
      { month: '2024-10-01', customer_id: p1, type: 'store_visit', channel: null, store_code: 'S1', events: 1, first_at: '2024-10-31T15:30:00Z', last_at: '2024-10-31T15:30:00Z' },
    ]);
    expect(await kept()).toEqual(['2024-11-01 00:00 store_visit', '2024-11-01 04:00 view', '2026-11-01 09:00 login', '2026-11-02 09:00 login']);
    // Identified months under their customer, the anonymous visitor's month in the anonymous rollup.
    expect(await query(db(), sql`select count(*)::int as rows, sum(events)::int as events from activity.event_rollups`)).toEqual([{ rows: 4, events: 5 }]);
    expect(await query(db(), sql`select to_char(month, 'YYYY-MM-DD') as month, type, channel, store_code, events from activity.anonymous_event_rollups`)).toEqual([
      { month: '2024-01-01', type: 'view', channel: 'web', store_code: null, events: 1 },
    ]);
    expect(await query(db(), sql`select count(*)::int as n from activity.anonymous_events`)).toEqual([{ n: 0 }]);

    const [entry] = (await listAudit(db(), { action: 'activity.retention', limit: 5 })).items;
    expect(entry).toMatchObject({
      actor: 'test:retention',
      targetType: 'activity_events',
      targetId: 'retention',
      details: { batches: 3, cutoff: '2024-10-31T16:00:00.000Z', events: 6, firstMonth: '2023-12', lastMonth: '2024-10', months: 24 },
    });
    expect((await verifyAuditChain(db())).ok).toBe(true);
  });

  it('running again counts nothing twice; a late old event is added to its month’s row', async () => {
    const before = await rollups();
    const again = await t.kemai.activity.applyRetention({ months: 24, now: clock.now() });
    expect(again).toMatchObject({ events: 0, batches: 0, byMonth: [] });
    expect(await rollups()).toEqual(before);
    expect((await listAudit(db(), { action: 'activity.retention' })).items).toHaveLength(1);

    expect(await record([{ type: 'view', occurredAt: '2024-03-31T23:59:00+08:00', customer: { id: p1 }, channel: 'web' }])).toEqual([p1]);
    const late = await t.kemai.activity.applyRetention({ months: 24, now: clock.now() });
    expect(late).toMatchObject({ events: 1, batches: 1, byMonth: [{ month: '2024-03', events: 1 }] });
    const after = await rollups();
    expect(after).toHaveLength(before.length);
    expect(after[2]).toEqual({ ...before[2], events: 3, last_at: '2024-03-31T15:59:00Z' });
    expect(await t.kemai.activity.applyRetention({ months: 24, now: clock.now() })).toMatchObject({ events: 0 });
    expect(await rollups()).toEqual(after);
  });

  it('a customer’s monthly counts add the rolled-up months to the kept events', async () => {
    const res = await get(`/api/v1/events/monthly?customerId=${p1}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().items).toEqual([
      { month: '2026-11', type: 'login', events: 1 },
      { month: '2024-11', type: 'store_visit', events: 1 },
      { month: '2024-11', type: 'view', events: 1 },
      { month: '2024-10', type: 'store_visit', events: 1 },
      { month: '2024-03', type: 'view', events: 4 },
    ]);
    expect((await get(`/api/v1/events/monthly?customerId=${p1}`, await t.keyWith(['orders:read']))).statusCode).toBe(403);
  });

  it('the data subject export holds the person’s rolled-up months', async () => {
    const res = await get(`/api/v1/customers/${p1}/export`);
    expect(res.statusCode, res.body).toBe(200);
    const a = res.json().sections.activity;
    expect(a.events).toHaveLength(3);
    expect(a.rollups.map((r: Record<string, unknown>) => [r.month, r.type, r.channel, r.store_code, r.events])).toEqual([
      ['2024-03-01', 'view', 'web', null, 3],
      ['2024-03-01', 'view', 'web', 'S1', 1],
      ['2024-10-01', 'store_visit', null, 'S1', 1],
    ]);
  });

  it('a merge takes the absorbed profile’s rolled-up months along and an unmerge gives them back', async () => {
    const m = await t.kemai.customers.mergeCustomers(p1, p2, { actor: 'test', reason: 'same person' });
    const owners = async () => (await rollups()).map((r) => [r.month, r.type, r.customer_id === p1 ? 'p1' : r.customer_id === p2 ? 'p2' : null, r.events]);
    expect(await owners()).toEqual([
      ['2023-12-01', 'login', 'p1', 1],
      ['2024-01-01', 'view', null, 1],
      ['2024-03-01', 'view', 'p1', 3],
      ['2024-03-01', 'view', 'p1', 1],
      ['2024-10-01', 'store_visit', 'p1', 1],
    ]);
    await t.kemai.customers.unmergeCustomers(m.mergeId, 'test');
    expect(await owners()).toEqual([
      ['2023-12-01', 'login', 'p2', 1],
      ['2024-01-01', 'view', null, 1],
      ['2024-03-01', 'view', 'p1', 3],
      ['2024-03-01', 'view', 'p1', 1],
      ['2024-10-01', 'store_visit', 'p1', 1],
    ]);

    // Both profiles with a row for the same month, type, channel and store: the merge adds p2's count into p1's row.
    expect(await record([{ type: 'view', occurredAt: '2024-03-10T10:00:00+08:00', customer: { id: p2 }, channel: 'web' }])).toEqual([p2]);
    expect(await t.kemai.activity.applyRetention({ months: 24, now: clock.now() })).toMatchObject({ events: 1 });
    const again = await t.kemai.customers.mergeCustomers(p1, p2, { actor: 'test', reason: 'same person' });
    expect(await owners()).toEqual([
      ['2023-12-01', 'login', 'p1', 1],
      ['2024-01-01', 'view', null, 1],
      ['2024-03-01', 'view', 'p1', 4],
      ['2024-03-01', 'view', 'p1', 1],
      ['2024-10-01', 'store_visit', 'p1', 1],
    ]);
    // An unmerge gives back the rows that changed hands; counts added into the survivor's row stay with it.
    await t.kemai.customers.unmergeCustomers(again.mergeId, 'test');
    expect(await owners()).toEqual([
      ['2023-12-01', 'login', 'p2', 1],
      ['2024-01-01', 'view', null, 1],
      ['2024-03-01', 'view', 'p1', 4],
      ['2024-03-01', 'view', 'p1', 1],
      ['2024-10-01', 'store_visit', 'p1', 1],
    ]);
  });

  it('states the policy and what the rollup holds', async () => {
    expect(await t.kemai.activity.retentionStatus(clock.now())).toEqual({
      months: 24,
      cutoff: '2024-10-31T16:00:00.000Z',
      oldestEventAt: '2024-10-31T16:00:00.000Z',
      dueEvents: 0,
      rollup: { firstMonth: '2023-12', lastMonth: '2024-10', events: 8 },
    });
    const res = await get('/api/v1/activity/retention', await t.keyWith(['events:read']));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ months: 24, oldestEventAt: '2024-10-31T16:00:00.000Z', rollup: { events: 8 } });
    expect((await post('/api/v1/activity/retention/run', { dryRun: true }, await t.keyWith(['events:read']))).statusCode).toBe(403);
  });

  it('is scheduled daily at 03:15 in the business zone; the configured policy (24 months) applies with the real clock', async () => {
    // An event far older than 24 months before any real "now" the job may run at.
    expect(await record([{ type: 'share', occurredAt: '2020-02-02T12:00:00+08:00', customer: { id: p2 } }])).toEqual([p2]);
    await withJobs(t.kemai.database, async (jobs) => {
      await scheduleRetentionNightly(jobs, t.kemai.activity, t.kemai.log, { timeZone: 'Asia/Shanghai' });
      expect(await query(db(), sql`select name, cron, timezone from pgboss.schedule where name = ${RETENTION_NIGHTLY_JOB}`)).toEqual([
        { name: 'activity.retention-nightly', cron: '15 3 * * *', timezone: 'Asia/Shanghai' },
      ]);
    });
    const r = await t.kemai.activity.applyRetention({ months: t.kemai.activity.retentionMonths });
    expect(r.byMonth).toEqual([{ month: '2020-02', events: 1 }]);
  });
  it('rolls up anonymous and identified events with their idempotency keys: a replay afterwards is stored as new', async () => {
    const items = [
      { type: 'view', occurredAt: '2021-05-05T10:00:00+08:00', customer: { anonymousId: 'old-visitor' }, channel: 'web', source: 'old', externalId: 'o-1' },
      { type: 'view', occurredAt: '2021-05-06T10:00:00+08:00', customer: { anonymousId: 'old-visitor' }, channel: 'web', source: 'old', externalId: 'o-2' },
      { type: 'share', occurredAt: '2021-05-07T10:00:00+08:00', customer: { id: p1 }, source: 'old', externalId: 'o-3' },
    ];
    expect(await record(items)).toEqual([null, null, p1]);
    const keys = () => query<{ n: number }>(db(), sql`select count(*)::int as n from activity.event_keys where source = 'old'`);
    expect(await keys()).toEqual([{ n: 3 }]);
    const anonymousBefore = await query<{ events: number }>(db(), sql`select coalesce(sum(events), 0)::int as events from activity.anonymous_event_rollups where month = '2021-05-01'`);
    expect(anonymousBefore).toEqual([{ events: 0 }]);
    const r = await t.kemai.activity.applyRetention({ months: 24, now: clock.now(), batchSize: 2 });
    expect(r).toMatchObject({ events: 3, batches: 2, byMonth: [{ month: '2021-05', events: 3 }] });
    expect(await keys()).toEqual([{ n: 0 }]);
    expect(await query(db(), sql`select type, channel, events from activity.anonymous_event_rollups where month = '2021-05-01'`)).toEqual([
      { type: 'view', channel: 'web', events: 2 },
    ]);
    expect(await query(db(), sql`select customer_id, type, events from activity.event_rollups where month = '2021-05-01'`)).toEqual([
      { customer_id: p1, type: 'share', events: 1 },
    ]);
    // The events and their keys are gone: a replay is stored again as new (README: "stored again as new").
    const again = await t.kemai.activity.recordEvents(items.map((i) => EventInput.parse(i)));
    expect(again.map((x) => x.status)).toEqual(['created', 'created', 'created']);
    expect(await keys()).toEqual([{ n: 3 }]);
  });
});
