import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../../platform/db/database.js';
import { CYCLES_PHONES, seedCyclesBrand } from '../../../../tests/support/cycles-brand.js';
import { createTestApp, type TestApp } from '../../../../tests/support/test-app.js';
import { withJobs } from '../../../../tests/support/jobs.js';
import { CYCLES_NIGHTLY_JOB, runCyclesNightly, scheduleCyclesNightly } from './cycles-nightly.js';

/** The brand of tests/support/cycles-brand.ts: its comment works out every figure below. */
let t: TestApp;
const ids: Record<string, string> = {};
const send = (method: 'GET' | 'POST', url: string, payload?: object, headers = t.admin) =>
  t.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
const db = () => t.kemai.database.db;

beforeAll(async () => {
  t = await createTestApp({ KEMAI_TIMEZONE: 'Asia/Shanghai' }, { loyalty: false });
  await seedCyclesBrand((o) => t.app.inject({ ...o, headers: t.admin }));
  const rows = await query<{ phone: string; id: string }>(
    db(),
    sql`select i.value as phone, i.customer_id as id from customers.identifiers i where i.type = 'phone'`,
  );
  for (const [k, phone] of Object.entries(CYCLES_PHONES))
    ids[k] = rows.find((x) => x.phone.endsWith(phone))!.id;
}, 120_000);
afterAll(async () => t?.close());

describe('repurchase cycles and rhythm changes', () => {
  it('is a 404 before a first run, and the nightly job does nothing then', async () => {
    expect((await send('GET', '/api/v1/insights/repurchase-cycles')).statusCode).toBe(404);
    expect(await runCyclesNightly(t.kemai.cycles, t.kemai.log)).toBe(false);
  });

  it('computes each customer × category cycle: purchase days in the business zone, cancelled and returned left out', async () => {
    const res = await send('POST', '/api/v1/insights/repurchase-cycles/runs', { asOf: '2024-06-30' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ asOf: '2024-06-30', level: 'leaf', cycles: 6, established: 5, changesRaised: 4, params: { slowFactor: 1.8, slowMinDays: 14, stopFactor: 3, speedFactor: 0.5 } });

    const a = (await send('GET', `/api/v1/insights/customers/${ids.A}/repurchase-cycles`)).json();
    expect(a.cycles).toEqual([
      { category: '母婴/湿巾', purchases: 4, firstPurchase: '2024-01-01', lastPurchase: '2024-03-31', medianDays: 30, latestGapDays: 30, previousGapDays: 30, expectedNext: '2024-04-30', daysOverdue: 61, change: 'stopped' },
    ]);
    const b = (await send('GET', `/api/v1/insights/customers/${ids.B}/repurchase-cycles`)).json();
    expect(b.cycles).toEqual([
      { category: '母婴/湿巾', purchases: 3, firstPurchase: '2024-04-01', lastPurchase: '2024-05-11', medianDays: 20, latestGapDays: 20, previousGapDays: 20, expectedNext: '2024-05-31', daysOverdue: 30, change: 'slowing' },
    ]);
    const c = (await send('GET', `/api/v1/insights/customers/${ids.C}/repurchase-cycles`)).json();
    expect(c.cycles).toEqual([
      { category: '美妆/护肤/面霜', purchases: 6, firstPurchase: '2024-02-26', lastPurchase: '2024-06-15', medianDays: 30, latestGapDays: 10, previousGapDays: 10, expectedNext: '2024-07-15', daysOverdue: 0, change: 'speeding' },
    ]);
    const d = (await send('GET', `/api/v1/insights/customers/${ids.D}/repurchase-cycles`)).json();
    expect(d.cycles).toEqual([
      { category: '母婴/纸尿裤/S', purchases: 3, firstPurchase: '2024-04-01', lastPurchase: '2024-04-29', medianDays: 14, latestGapDays: 14, previousGapDays: 14, expectedNext: '2024-05-13', daysOverdue: 48, change: null },
      { category: '母婴/纸尿裤/M', purchases: 4, firstPurchase: '2024-05-13', lastPurchase: '2024-06-24', medianDays: 14, latestGapDays: 14, previousGapDays: 14, expectedNext: '2024-07-08', daysOverdue: 0, change: null },
    ]);
    const e = (await send('GET', `/api/v1/insights/customers/${ids.E}/repurchase-cycles`)).json();
    expect(e.cycles).toEqual([
      { category: '美妆/护肤/面霜', purchases: 2, firstPurchase: '2024-05-01', lastPurchase: '2024-06-01', medianDays: null, latestGapDays: 31, previousGapDays: null, expectedNext: null, daysOverdue: null, change: null },
    ]);
    expect(e.changes).toEqual([]);
  });

  it("gives each category's typical cycle as the quartiles of its customers' medians", async () => {
    const res = await send('GET', '/api/v1/insights/repurchase-cycles');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().items).toEqual([
      { category: '母婴/湿巾', repeatCustomers: 2, customers: 2, medianDays: 25, p25Days: 22.5, p75Days: 27.5, overdue: 2 },
      { category: '美妆/护肤/面霜', repeatCustomers: 2, customers: 1, medianDays: 30, p25Days: 30, p75Days: 30, overdue: 0 },
      { category: '母婴/纸尿裤/M', repeatCustomers: 1, customers: 1, medianDays: 14, p25Days: 14, p75Days: 14, overdue: 0 },
      { category: '母婴/纸尿裤/S', repeatCustomers: 1, customers: 1, medianDays: 14, p25Days: 14, p75Days: 14, overdue: 1 },
    ]);
    const diapers = (await send('GET', `/api/v1/insights/repurchase-cycles?category=${encodeURIComponent('母婴/纸尿裤')}&limit=1`)).json();
    expect(diapers.items.map((i: { category: string }) => i.category)).toEqual(['母婴/纸尿裤/M']);
  });

  it('raises each change once: one insights.rhythm.changed event and a timeline item per change', async () => {
    const events = await query<{ payload: { asOf: string; level: string; changes: Array<Record<string, unknown>> } }>(
      db(),
      sql`select payload from platform.outbox where name = 'insights.rhythm.changed'`,
    );
    expect(events).toHaveLength(1);
    const changes = events[0]!.payload.changes.map(({ changeId, ...c }) => (expect(changeId).toEqual(expect.any(String)), c));
    const key = (c: Record<string, unknown>) => `${String(c.customerId)} ${String(c.category)} ${String(c.kind)}`;
    expect(changes.sort((x, y) => (key(x) < key(y) ? -1 : 1))).toEqual(
      [
        { customerId: ids.A, category: '母婴/湿巾', kind: 'stopped', anchorDay: '2024-03-31', medianDays: 30, latestGapDays: 30, daysSinceLast: 91, fromCategory: null, toCategory: null },
        { customerId: ids.B, category: '母婴/湿巾', kind: 'slowing', anchorDay: '2024-05-11', medianDays: 20, latestGapDays: 20, daysSinceLast: 50, fromCategory: null, toCategory: null },
        { customerId: ids.C, category: '美妆/护肤/面霜', kind: 'speeding', anchorDay: '2024-06-15', medianDays: 30, latestGapDays: 10, daysSinceLast: 15, fromCategory: null, toCategory: null },
        { customerId: ids.D, category: '母婴/纸尿裤', kind: 'stage_change', anchorDay: '2024-05-13', medianDays: null, latestGapDays: 14, daysSinceLast: 6, fromCategory: '母婴/纸尿裤/S', toCategory: '母婴/纸尿裤/M' },
      ].sort((x, y) => (key(x) < key(y) ? -1 : 1)),
    );
    expect(events[0]!.payload).toMatchObject({ asOf: '2024-06-30', level: 'leaf' });
    const timeline = await query<{ customer_id: string; summary: Record<string, unknown> }>(
      db(),
      sql`select customer_id, summary from customers.timeline_items where kind = 'insights.rhythm_changed' and customer_id = ${ids.D} order by summary->>'kind'`,
    );
    expect(timeline).toEqual([
      { customer_id: ids.D, summary: { category: '母婴/纸尿裤', kind: 'stage_change', medianDays: null, latestGapDays: 14, daysSinceLast: 6, fromCategory: '母婴/纸尿裤/S', toCategory: '母婴/纸尿裤/M' } },
    ]);

    const again = (await send('POST', '/api/v1/insights/repurchase-cycles/runs', { asOf: '2024-06-30' })).json();
    expect(again.changesRaised).toBe(0);
    expect(await query(db(), sql`select count(*)::int as n from platform.outbox where name = 'insights.rhythm.changed'`)).toEqual([{ n: 1 }]);
    expect(await query(db(), sql`select count(*)::int as n from customers.timeline_items where kind = 'insights.rhythm_changed'`)).toEqual([{ n: 4 }]);
  });

  it('raises what the passing days change: B slowing → stopped, D slowing on M; the rest not again', async () => {
    const later = (await send('POST', '/api/v1/insights/repurchase-cycles/runs', { asOf: '2024-07-20' })).json();
    expect(later.changesRaised).toBe(2);
    const list = (await send('GET', '/api/v1/insights/rhythm-changes?limit=2')).json();
    expect(list.total).toBe(6);
    expect(list.items.map((i: { customerId: string; category: string; kind: string; daysSinceLast: number }) => [i.customerId, i.category, i.kind, i.daysSinceLast]).sort()).toEqual(
      [
        [ids.B, '母婴/湿巾', 'stopped', 70],
        [ids.D, '母婴/纸尿裤/M', 'slowing', 26],
      ].sort(),
    );
    const stops = (await send('GET', '/api/v1/insights/rhythm-changes?kind=stopped,stage_change&category=' + encodeURIComponent('母婴/纸尿裤'))).json();
    expect(stops.items.map((i: { kind: string; category: string }) => `${i.kind} ${i.category}`).sort()).toEqual(['stage_change 母婴/纸尿裤']);
  });

  it('masks who the customer is without pii:read', async () => {
    const reader = await t.keyWith(['insights:read']);
    const res = await send('GET', '/api/v1/insights/rhythm-changes?kind=speeding', undefined, reader);
    expect(res.statusCode, res.body).toBe(200);
    const [item] = res.json().items;
    expect(item.customerId).toBe(ids.C);
    expect(item.customer.phone).not.toContain('13900000003');
    expect(item.customer.phone).toMatch(/\*/);
    expect((await send('POST', '/api/v1/insights/repurchase-cycles/runs', {}, reader)).statusCode).toBe(403);
  });

  it('at the top level counts a purchase day of anything under the category once', async () => {
    const top = (await send('POST', '/api/v1/insights/repurchase-cycles/runs', { asOf: '2024-06-30', level: 'top', slowFactor: 2.5 })).json();
    expect(top).toMatchObject({ level: 'top', cycles: 5 });
    const d = (await send('GET', `/api/v1/insights/customers/${ids.D}/repurchase-cycles`)).json();
    expect(d.cycles).toEqual([
      { category: '母婴', purchases: 7, firstPurchase: '2024-04-01', lastPurchase: '2024-06-24', medianDays: 14, latestGapDays: 14, previousGapDays: 14, expectedNext: '2024-07-08', daysOverdue: 0, change: null },
    ]);
  });

  it('the nightly job repeats the latest run\'s level and thresholds as of the latest order day, at 01:30', async () => {
    expect(await runCyclesNightly(t.kemai.cycles, t.kemai.log)).toBe(true);
    const latest = await query<{ as_of: string; level: string; slow: number; created_by: string }>(
      db(),
      sql`select as_of::text as as_of, level, (params->>'slowFactor')::float8 as slow, created_by from insights.cycle_runs order by created_at desc limit 1`,
    );
    expect(latest).toEqual([{ as_of: '2024-06-24', level: 'top', slow: 2.5, created_by: 'system:cycles-nightly' }]);
    await withJobs(t.kemai.database, async (jobs) => {
      await scheduleCyclesNightly(jobs, t.kemai.cycles, t.kemai.log, { timeZone: 'Asia/Shanghai' });
      expect(await query(db(), sql`select name, cron, timezone from pgboss.schedule where name = ${CYCLES_NIGHTLY_JOB}`)).toEqual([
        { name: 'insights.cycles-nightly', cron: '30 1 * * *', timezone: 'Asia/Shanghai' },
      ]);
    });
  });

  it('the routes are in the OpenAPI document', async () => {
    const doc = (await send('GET', '/api/openapi.json')).json() as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths).filter((p) => p.includes('repurchase-cycles') || p.includes('rhythm-changes')).sort()).toEqual([
      '/api/v1/insights/customers/{customerId}/repurchase-cycles',
      '/api/v1/insights/repurchase-cycles',
      '/api/v1/insights/repurchase-cycles/runs',
      '/api/v1/insights/rhythm-changes',
    ]);
  });

  it('refuses bad input naming the field and changes nothing', async () => {
    const before = await query(db(), sql`select (select count(*)::int from insights.cycle_runs) as runs, (select count(*)::int from insights.rhythm_changes) as changes`);
    for (const [payload, field] of [
      [{ asOf: '2024-02-30' }, 'asOf'],
      [{ level: 'middle' }, 'level'],
      [{ slowFactor: 0.9 }, 'slowFactor'],
      [{ speedFactor: 1.5 }, 'speedFactor'],
      [{ stages: { '母婴/纸尿裤': ['S'] } }, 'stages'],
      [{ colour: 'red' }, 'colour'],
    ] as const) {
      const res = await send('POST', '/api/v1/insights/repurchase-cycles/runs', payload);
      expect(res.statusCode, res.body).toBe(400);
      expect(JSON.stringify(res.json().error.details)).toContain(field);
    }
    for (const [url, field] of [
      ['/api/v1/insights/rhythm-changes?kind=slowing,faster', 'kind'],
      ['/api/v1/insights/rhythm-changes?limit=0', 'limit'],
      ['/api/v1/insights/repurchase-cycles?limit=501', 'limit'],
      ['/api/v1/insights/customers/not-a-uuid/repurchase-cycles', 'customerId'],
    ] as const) {
      const res = await send('GET', url);
      expect(res.statusCode, res.body).toBe(400);
      expect(JSON.stringify(res.json().error.details)).toContain(field);
    }
    expect(await query(db(), sql`select (select count(*)::int from insights.cycle_runs) as runs, (select count(*)::int from insights.rhythm_changes) as changes`)).toEqual(before);
  });
});
