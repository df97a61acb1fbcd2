import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../../platform/db/database.js';
import { createTestApp, type TestApp } from '../../../../tests/support/test-app.js';
import { finishedState, withJobs } from '../../../../tests/support/jobs.js';
import { createLogger } from '../../../platform/logger.js';
import { scheduleSegmentsRefresh, SEGMENTS_REFRESH_RFM_JOB } from '../membership/subscribers/refresh-segments-nightly.js';
import { rescoreRfm, RFM_NIGHTLY_JOB, scheduleRfmNightly } from './rescore-rfm-nightly.js';
import { scoreCustomers, type CustomerFacts } from '../domain/rfm-score.js';

/**
 * A hand-computed dataset (business zone Asia/Shanghai, as of 2026-03-31). Ten members A–J, a guest order, a cancelled
 * order, a refund, an order the minute after as-of. Every expected figure below was worked out by hand from the rules
 * in src/modules/segments/README.md (ties: 1 + floor(5 × strictly-worse / n)).
 */
let t: TestApp;
const ids: Record<string, string> = {};

type O = [member: string | null, externalId: string, placedAt: string, yuan: string, status?: 'cancelled'];
const ORDERS: O[] = [
  ['A', 'A1', '2026-03-31T23:30:00', '500'],
  ['A', 'A2', '2026-03-01T10:00:00', '300'],
  ['A', 'A3', '2026-02-01T10:00:00', '200'],
  ['B', 'B1', '2026-03-30T10:00:00', '100'],
  ['B', 'B2', '2026-04-01T00:10:00', '700'], // after as-of: not counted
  ['C', 'C1', '2026-03-25T10:00:00', '800'],
  ['C', 'C2', '2026-01-10T10:00:00', '400'],
  ['D', 'D1', '2026-03-20T10:00:00', '50'],
  ['D', 'D2', '2026-03-10T10:00:00', '50'],
  ['D', 'D3', '2026-03-01T10:00:00', '50'],
  ['D', 'D4', '2026-02-01T10:00:00', '50'],
  ['E', 'E1', '2026-03-01T10:00:00', '1000'],
  ['F', 'F1', '2026-02-15T10:00:00', '60'],
  ['F', 'F2', '2026-01-15T10:00:00', '60'],
  ['G', 'G1', '2026-01-01T10:00:00', '300'],
  ['G', 'G2', '2025-12-01T10:00:00', '300'],
  ['G', 'G3', '2025-11-01T10:00:00', '300'],
  ['H', 'H1', '2025-12-31T10:00:00', '20'],
  ['I', 'I1', '2025-10-01T10:00:00', '2000'],
  ['I', 'I2', '2026-03-29T10:00:00', '999', 'cancelled'], // cancelled: not counted
  ['J', 'J1', '2025-06-01T10:00:00', '300'], // ¥50 refunded below
  ['J', 'J2', '2025-05-01T10:00:00', '100'],
  [null, 'GUEST1', '2026-03-31T12:00:00', '999'], // a guest: no customer, not scored
];

// customer, recency, frequency, monetary (fen), r, f, m, class, segment, current, potential, quadrant
type Row = [string, number, number, number, number, number, number, string, string, number, number, string];
const EXPECTED: Row[] = [
  ['A', 0, 3, 100000, 5, 4, 4, 'high_value', 'champions', 100000, 405555, 'strategic'],
  ['B', 1, 1, 10000, 5, 1, 1, 'potential', 'new', 10000, 40555, 'marginal'],
  ['C', 6, 2, 120000, 4, 3, 5, 'high_value', 'champions', 120000, 486666, 'strategic'],
  ['D', 11, 4, 20000, 4, 5, 2, 'potential', 'champions', 20000, 81111, 'growth'],
  ['E', 30, 1, 100000, 3, 1, 4, 'potential', 'need_attention', 100000, 405555, 'strategic'],
  ['F', 44, 2, 12000, 3, 3, 2, 'potential', 'need_attention', 12000, 48666, 'marginal'],
  ['G', 89, 3, 90000, 2, 4, 3, 'general', 'at_risk', 90000, 217549, 'strategic'],
  ['H', 90, 1, 2000, 2, 1, 1, 'low_value', 'hibernating', 2000, 8021, 'marginal'],
  ['I', 181, 1, 200000, 1, 1, 5, 'general', 'at_risk', 200000, 401098, 'strategic'],
  ['J', 303, 2, 35000, 1, 3, 3, 'general', 'at_risk', 35000, 38134, 'basic'],
];

const scoresOf = async () =>
  (
    await query<Record<string, unknown>>(
      t.kemai.database.db,
      sql`select customer_id, recency_days, frequency, monetary_fen::float8 as monetary_fen, r, f, m, value_class, segment,
                 current_value_fen::float8 as cur, potential_value_fen::float8 as pot, value_quadrant from segments.rfm_scores`,
    )
  )
    .map((r) => [
      Object.keys(ids).find((k) => ids[k] === r.customer_id)!,
      Number(r.recency_days),
      Number(r.frequency),
      Number(r.monetary_fen),
      Number(r.r),
      Number(r.f),
      Number(r.m),
      r.value_class,
      r.segment,
      Number(r.cur),
      Number(r.pot),
      r.value_quadrant,
    ])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));

beforeAll(async () => {
  t = await createTestApp({ KEMAI_TIMEZONE: 'Asia/Shanghai' }, { loyalty: false });
  for (const [member, externalId, placedAt, yuan, status] of ORDERS) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/orders',
      headers: t.admin,
      payload: {
        channel: member === 'C' || member === 'G' ? 'online' : 'pos',
        storeCode: member === 'C' || member === 'G' ? undefined : member! < 'E' ? 'S1' : 'S2',
        externalId,
        placedAt,
        ...(status ? { status } : {}),
        ...(member ? { customer: { memberNo: `M-${member}` } } : {}),
        lines: [{ sku: 'SKU1', quantity: 1, unitPrice: yuan }],
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    if (member) ids[member] = res.json().customerId;
  }
  const ret = await t.app.inject({
    method: 'POST',
    url: '/api/v1/returns',
    headers: t.admin,
    payload: { channel: 'pos', externalId: 'R-J1', order: { channel: 'pos', externalId: 'J1' }, returnedAt: '2025-06-05T10:00:00', lines: [{ lineNo: 1, quantity: 1, refundAmount: '50' }] },
  });
  expect(ret.statusCode, ret.body).toBe(201);
});
afterAll(async () => {
  await t?.close();
});

/** System-segment members that the latest scores do not put there, and scores whose customer is missing from the segment. */
async function membersDisagreeingWithScores() {
  return query(
    t.kemai.database.db,
    sql`with want as (
          select s.id as segment_id, r.customer_id from segments.rfm_scores r
          join segments.segments s on s.code in ('rfm_class_' || r.value_class, 'rfm_' || r.segment, 'value_' || r.value_quadrant)
        ), have as (
          select m.segment_id, m.customer_id from segments.members m join segments.segments s on s.id = m.segment_id where s.kind in ('rfm', 'value')
        )
        (select 'missing' as what, * from want except select 'missing', * from have)
        union all
        (select 'extra', * from have except select 'extra', * from want)`,
  );
}

describe('RFM on the database', () => {
  it('scores the hand-computed dataset exactly: ties share a score, cancelled / guest / later orders left out, refunds netted', async () => {
    const run = await t.app.inject({ method: 'POST', url: '/api/v1/segments/rfm/runs', headers: t.admin, payload: { asOf: '2026-03-31' } });
    expect(run.statusCode, run.body).toBe(201);
    expect(run.json()).toMatchObject({ asOf: '2026-03-31', windowDays: null, method: 'quintiles', customers: 10 });
    expect(run.json().thresholds.f).toEqual([
      { score: 1, min: 1, max: 1 },
      { score: 3, min: 2, max: 2 },
      { score: 4, min: 3, max: 3 },
      { score: 5, min: 4, max: 4 },
    ]);
    expect(await scoresOf()).toEqual(EXPECTED);
    // Without a job queue the members of the 19 system segments follow at once: each customer enters one class, one
    // named segment and one quadrant.
    expect(run.json().members).toEqual({ status: 'done', segments: 19, entered: 30, exited: 0 });
    expect(await membersDisagreeingWithScores()).toEqual([]);
  });

  it('file mode (the domain code) gives the same table from the same facts', () => {
    const facts: CustomerFacts[] = [];
    for (const m of Object.keys(ids)) {
      const mine = ORDERS.filter((o) => o[0] === m && !o[4] && o[2] < '2026-04-01');
      const fen = (o: O) => Number(o[3]) * 100 - (o[1] === 'J1' ? 5000 : 0);
      const dates = mine.map((o) => o[2].slice(0, 10)).sort();
      const total = mine.reduce((s, o) => s + fen(o), 0);
      facts.push({ customerId: m, lastDate: dates.at(-1)!, firstDate: dates[0]!, frequency: mine.length, monetaryFen: total, revenueFen: total });
    }
    const rows = scoreCustomers(facts, '2026-03-31', { method: 'quintiles' });
    expect(rows.map((r) => [r.customerId, r.recencyDays, r.frequency, r.monetaryFen, r.r, r.f, r.m, r.valueClass, r.segment, r.currentValueFen, r.potentialValueFen, r.valueQuadrant])).toEqual(
      EXPECTED,
    );
  });

  it('serves the grid, the summaries with treatments, a customer and the value matrix', async () => {
    const grid = await t.app.inject({ method: 'GET', url: '/api/v1/segments/rfm/grid', headers: t.admin });
    expect(grid.statusCode).toBe(200);
    const cells = grid.json().cells as Array<{ r: number; f: number; customers: number; monetaryFen: number }>;
    expect(cells).toHaveLength(25);
    expect(cells.filter((c) => c.customers > 0)).toEqual([
      { r: 5, f: 1, customers: 1, monetaryFen: 10000 },
      { r: 5, f: 4, customers: 1, monetaryFen: 100000 },
      { r: 4, f: 3, customers: 1, monetaryFen: 120000 },
      { r: 4, f: 5, customers: 1, monetaryFen: 20000 },
      { r: 3, f: 1, customers: 1, monetaryFen: 100000 },
      { r: 3, f: 3, customers: 1, monetaryFen: 12000 },
      { r: 2, f: 1, customers: 1, monetaryFen: 2000 },
      { r: 2, f: 4, customers: 1, monetaryFen: 90000 },
      { r: 1, f: 1, customers: 1, monetaryFen: 200000 },
      { r: 1, f: 3, customers: 1, monetaryFen: 35000 },
    ]);

    const summary = (await t.app.inject({ method: 'GET', url: '/api/v1/segments/rfm/summary', headers: t.admin })).json();
    expect(summary.classes.map((c: { key: string; customers: number; monetaryFen: number }) => [c.key, c.customers, c.monetaryFen])).toEqual([
      ['high_value', 2, 220000],
      ['potential', 4, 142000],
      ['general', 3, 325000],
      ['low_value', 1, 2000],
    ]);
    expect(summary.classes[0].treatment.channels).toEqual(['account_manager', 'vip_channel']);
    expect(summary.classes[0].code).toBe('rfm_class_high_value');
    expect(Object.fromEntries(summary.segments.map((s: { key: string; customers: number }) => [s.key, s.customers]))).toEqual({
      champions: 3,
      loyal: 0,
      potential_loyalists: 0,
      new: 1,
      promising: 0,
      need_attention: 2,
      about_to_sleep: 0,
      at_risk: 3,
      cant_lose: 0,
      hibernating: 1,
      lost: 0,
    });

    const sys = await query<{ code: string; kind: string; size: number; definition: unknown; key: string | null }>(
      t.kemai.database.db,
      sql`select code, kind, size, definition, treatment->>'key' as key from segments.segments where kind in ('rfm', 'value') order by code collate "C"`,
    );
    expect(sys).toHaveLength(19);
    expect(sys.find((s) => s.code === 'rfm_class_potential')).toEqual({ code: 'rfm_class_potential', kind: 'rfm', size: 4, definition: { class: 'potential' }, key: 'upgrade' });
    expect(sys.find((s) => s.code === 'rfm_champions')).toEqual({ code: 'rfm_champions', kind: 'rfm', size: 3, definition: { segment: 'champions' }, key: null });
    expect(sys.find((s) => s.code === 'value_growth')).toEqual({ code: 'value_growth', kind: 'value', size: 1, definition: { quadrant: 'growth' }, key: null });

    const d = await t.app.inject({ method: 'GET', url: `/api/v1/segments/rfm/customers/${ids.D}`, headers: t.admin });
    expect(d.json()).toMatchObject({ recencyDays: 11, frequency: 4, monetaryFen: 20000, r: 4, f: 5, m: 2, valueClass: 'potential', segment: 'champions', valueQuadrant: 'growth' });
    expect(d.json().treatment.key).toBe('upgrade');

    const vm = (await t.app.inject({ method: 'GET', url: '/api/v1/segments/value-matrix', headers: t.admin })).json();
    expect(vm.medianCurrentValueFen).toBe(35000);
    expect(vm.medianPotentialValueFen).toBe(81111);
    expect(vm.quadrants.map((q: { key: string; customers: number }) => [q.key, q.customers])).toEqual([
      ['strategic', 5],
      ['growth', 1],
      ['basic', 1],
      ['marginal', 3],
    ]);
  });

  it('reports revenue by segment × store and channel, compares segments and exports one as CSV', async () => {
    const byStore = (await t.app.inject({ method: 'GET', url: '/api/v1/segments/reports/breakdown?by=class&dimension=store', headers: t.admin })).json();
    expect(byStore.rows).toEqual([
      { key: 'general', store: 'S2', customers: 2, orders: 3, revenueFen: 235000 },
      { key: 'general', store: null, customers: 1, orders: 3, revenueFen: 90000 },
      { key: 'high_value', store: 'S1', customers: 1, orders: 3, revenueFen: 100000 },
      { key: 'high_value', store: null, customers: 1, orders: 2, revenueFen: 120000 },
      { key: 'low_value', store: 'S2', customers: 1, orders: 1, revenueFen: 2000 },
      { key: 'potential', store: 'S1', customers: 2, orders: 5, revenueFen: 30000 },
      { key: 'potential', store: 'S2', customers: 2, orders: 3, revenueFen: 112000 },
    ]);
    const byChannel = (await t.app.inject({ method: 'GET', url: '/api/v1/segments/reports/breakdown?by=quadrant&dimension=channel', headers: t.admin })).json();
    expect(byChannel.rows.find((r: { key: string; channel: string }) => r.key === 'strategic' && r.channel === 'online')).toEqual({
      key: 'strategic',
      channel: 'online',
      customers: 2,
      orders: 5,
      revenueFen: 210000,
    });

    const cmp = await t.app.inject({ method: 'GET', url: '/api/v1/segments/reports/compare?codes=rfm_champions,rfm_at_risk', headers: t.admin });
    expect(cmp.statusCode, cmp.body).toBe(200);
    expect(cmp.json().segments.map((s: { code: string; customers: number; monetaryFen: number; avgRecencyDays: number; shareOfScored: number }) => [s.code, s.customers, s.monetaryFen, s.avgRecencyDays, s.shareOfScored])).toEqual([
      ['rfm_champions', 3, 240000, 5.67, 0.3],
      ['rfm_at_risk', 3, 325000, 191, 0.3],
    ]);

    const csv = await t.app.inject({ method: 'GET', url: '/api/v1/segments/rfm_class_high_value/export.csv', headers: t.admin });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    const lines = csv.body.trim().split('\n');
    expect(lines[0]).toBe('customer_id,as_of,recency_days,frequency,monetary_fen,r,f,m,value_class,segment,current_value_fen,potential_value_fen,value_quadrant');
    expect(lines.slice(1).sort()).toEqual(
      [`${ids.A},2026-03-31,0,3,100000,5,4,4,high_value,champions,100000,405555,strategic`, `${ids.C},2026-03-31,6,2,120000,4,3,5,high_value,champions,120000,486666,strategic`].sort(),
    );
  });

  it('scores a window and fixed thresholds', async () => {
    const w = await t.app.inject({ method: 'POST', url: '/api/v1/segments/rfm/runs', headers: t.admin, payload: { asOf: '2026-03-31', windowDays: 60 } });
    expect(w.statusCode, w.body).toBe(201);
    expect(w.json().customers).toBe(6);
    // Four customers bought nothing in the 60 days: they leave their class, segment and quadrant.
    expect(w.json().members).toMatchObject({ status: 'done', segments: 19 });
    expect(w.json().members.exited).toBeGreaterThanOrEqual(12);
    expect(await membersDisagreeingWithScores()).toEqual([]);
    expect(Number((await query<{ n: number }>(t.kemai.database.db, sql`select count(*)::int as n from segments.members m join segments.segments s on s.id = m.segment_id where s.kind = 'rfm'`))[0]!.n)).toBe(12);
    expect((await scoresOf()).map((r) => r.slice(0, 7))).toEqual([
      ['A', 0, 3, 100000, 5, 4, 4],
      ['B', 1, 1, 10000, 4, 1, 1],
      ['C', 6, 1, 80000, 3, 1, 3],
      ['D', 11, 4, 20000, 2, 5, 2],
      ['E', 30, 1, 100000, 1, 1, 4],
      ['F', 44, 1, 6000, 1, 1, 1],
    ]);
    const thresholds = { recencyDays: [7, 30, 90, 180], frequency: [2, 3, 4, 5], monetaryFen: [10000, 20000, 50000, 100000] };
    const th = await t.app.inject({ method: 'POST', url: '/api/v1/segments/rfm/runs', headers: t.admin, payload: { asOf: '2026-03-31', method: 'thresholds', thresholds } });
    expect(th.statusCode, th.body).toBe(201);
    expect(th.json()).toMatchObject({ method: 'thresholds', thresholds, customers: 10 });
    expect((await scoresOf()).map((r) => [r[0], r[4], r[5], r[6], r[7], r[8]])).toEqual([
      ['A', 5, 3, 5, 'high_value', 'champions'],
      ['B', 5, 1, 2, 'potential', 'potential_loyalists'],
      ['C', 5, 2, 5, 'potential', 'champions'],
      ['D', 4, 4, 3, 'high_value', 'champions'],
      ['E', 4, 1, 5, 'potential', 'loyal'],
      ['F', 3, 2, 2, 'potential', 'about_to_sleep'],
      ['G', 3, 3, 4, 'high_value', 'loyal'],
      ['H', 3, 1, 1, 'potential', 'promising'],
      ['I', 1, 1, 5, 'general', 'at_risk'],
      ['J', 1, 2, 3, 'low_value', 'at_risk'],
    ]);
  });

  it('refuses bad input with 400 naming the field, and writes nothing', async () => {
    const before = await query<{ n: number }>(t.kemai.database.db, sql`select count(*)::int as n from segments.rfm_runs`);
    const bad = async (payload: unknown, path: string) => {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/segments/rfm/runs', headers: t.admin, payload: payload as object });
      expect(res.statusCode, res.body).toBe(400);
      expect(JSON.stringify(res.json().error.details)).toContain(path);
    };
    await bad({ asOf: '2026-02-30' }, 'asOf');
    await bad({ windowDays: 0 }, 'windowDays');
    await bad({ method: 'thresholds' }, 'thresholds');
    await bad({ method: 'thresholds', thresholds: { recencyDays: [7, 7, 90, 180], frequency: [2, 3, 4, 5], monetaryFen: [1, 2, 3, 4] } }, 'recencyDays');
    await bad({ asOf: '2026-03-31', colour: 'red' }, 'colour');
    expect(await query<{ n: number }>(t.kemai.database.db, sql`select count(*)::int as n from segments.rfm_runs`)).toEqual(before);
    const q = await t.app.inject({ method: 'GET', url: '/api/v1/segments/reports/breakdown?by=tier', headers: t.admin });
    expect(q.statusCode).toBe(400);
    expect(JSON.stringify(q.json().error.details)).toContain('by');
    const cust = await t.app.inject({ method: 'GET', url: '/api/v1/segments/rfm/customers/not-a-uuid', headers: t.admin });
    expect(cust.statusCode).toBe(400);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/segments/nope/export.csv', headers: t.admin })).statusCode).toBe(404);
  });

  it('documents the routes in the OpenAPI document from their zod schemas', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    const run = doc.paths['/api/v1/segments/rfm/runs'].post;
    expect(Object.keys(run.requestBody.content['application/json'].schema.properties).sort()).toEqual(['asOf', 'method', 'thresholds', 'windowDays']);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/segments/rfm/grid',
        '/api/v1/segments/rfm/summary',
        '/api/v1/segments/rfm/customers/{customerId}',
        '/api/v1/segments/value-matrix',
        '/api/v1/segments/reports/breakdown',
        '/api/v1/segments/reports/compare',
        '/api/v1/segments/{code}/export.csv',
      ]),
    );
  });

  it('needs segments:read to read, segments:admin to run, segments:write to export', async () => {
    const reader = await t.keyWith(['segments:read']);
    const writer = await t.keyWith(['segments:read', 'segments:write']);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/segments/rfm/grid', headers: reader })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/segments/rfm/grid', headers: await t.keyWith(['loyalty:read']) })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/segments/rfm/grid' })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/segments/rfm/runs', headers: writer, payload: {} })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/segments/rfm_champions/export.csv', headers: reader })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/segments/rfm_champions/export.csv', headers: writer })).statusCode).toBe(200);
  });

  it('re-scores nightly with the latest run\'s settings, and not before a first run', async () => {
    const before = await query<{ n: number }>(t.kemai.database.db, sql`select count(*)::int as n from segments.rfm_runs`);
    const thresholds = { recencyDays: [7, 30, 90, 180], frequency: [2, 3, 4, 5], monetaryFen: [10000, 20000, 50000, 100000] };
    const last = await t.app.inject({ method: 'POST', url: '/api/v1/segments/rfm/runs', headers: t.admin, payload: { asOf: '2026-03-31', windowDays: 60, method: 'thresholds', thresholds } });
    expect(last.statusCode, last.body).toBe(201);
    expect(await rescoreRfm(t.kemai.segments, createLogger('silent'), '2026-04-10')).toBe(true);
    const run = await t.kemai.segments.rfm.latestRun();
    expect(run).toMatchObject({ asOf: '2026-04-10', windowDays: 60, method: 'thresholds', thresholds, createdBy: 'system:rfm-nightly' });
    expect(await query<{ n: number }>(t.kemai.database.db, sql`select count(*)::int as n from segments.rfm_runs`)).toEqual([{ n: before[0]!.n + 2 }]);
    expect(await membersDisagreeingWithScores()).toEqual([]);
    await withJobs(t.kemai.database, async (jobs) => {
      await scheduleRfmNightly(jobs, t.kemai.segments, createLogger('silent'), { timeZone: 'Asia/Shanghai' });
      expect(await query(t.kemai.database.db, sql`select name, cron, timezone from pgboss.schedule where name = ${RFM_NIGHTLY_JOB}`)).toEqual([
        { name: 'segments.rfm-nightly', cron: '15 0 * * *', timezone: 'Asia/Shanghai' },
      ]);
    });
  });

  it('takes potential value from the predicted CLV once the insights module has fitted it, the proxy before', async () => {
    const before = await query<{ n: number }>(t.kemai.database.db, sql`select count(*)::int as n from insights.customer_predictions`);
    expect(before).toEqual([{ n: 0 }]);
    const fit = await t.app.inject({ method: 'POST', url: '/api/v1/insights/clv/runs', headers: t.admin, payload: { asOf: '2026-03-31' } });
    expect(fit.statusCode, fit.body).toBe(201);
    const run = await t.app.inject({ method: 'POST', url: '/api/v1/segments/rfm/runs', headers: t.admin, payload: { asOf: '2026-03-31' } });
    expect(run.statusCode, run.body).toBe(201);
    const rows = await query<{ potential: string; clv: string | null }>(
      t.kemai.database.db,
      sql`select r.potential_value_fen::text as potential, p.clv_fen::text as clv from segments.rfm_scores r
          left join insights.customer_predictions p on p.customer_id = r.customer_id order by r.customer_id`,
    );
    expect(rows).toHaveLength(10);
    expect(rows.filter((r) => r.clv !== null).length).toBe(10);
    for (const r of rows) expect(r.potential).toBe(r.clv);
  });

  it('on the server, a durable job refreshes the members of the segments that read the scores after the run answers', async () => {
    await withJobs(t.kemai.database, async (jobs) => {
      await scheduleSegmentsRefresh(jobs, t.kemai.segments.membership, createLogger('silent'), { timeZone: 'Asia/Shanghai' });
      t.kemai.segments.useQueue((runId) => jobs.send(SEGMENTS_REFRESH_RFM_JOB, { runId }));
      try {
        const run = await t.app.inject({ method: 'POST', url: '/api/v1/segments/rfm/runs', headers: t.admin, payload: { asOf: '2026-03-31', windowDays: 60 } });
        expect(run.statusCode, run.body).toBe(201);
        const { members } = run.json() as { members: { status: string; jobId: string } };
        expect(members.status).toBe('queued');
        expect(await finishedState(jobs, SEGMENTS_REFRESH_RFM_JOB, members.jobId)).toBe('completed');
      } finally {
        t.kemai.segments.useQueue(undefined);
      }
    });
    expect(await membersDisagreeingWithScores()).toEqual([]);
    const rfmMembers = await query<{ n: number }>(t.kemai.database.db, sql`select count(*)::int as n from segments.members m join segments.segments s on s.id = m.segment_id where s.kind = 'rfm'`);
    expect(rfmMembers).toEqual([{ n: 12 }]);
  });
});
