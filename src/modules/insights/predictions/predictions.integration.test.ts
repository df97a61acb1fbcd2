import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../../platform/db/database.js';
import { createTestApp, type TestApp } from '../../../../tests/support/test-app.js';
import { bgnbdConditionalExpected, bgnbdPAlive } from '../clv/bgnbd.js';
import { customerSummarySql } from './summary.sql.js';
import { CLV_REFIT_JOB, refitClv, scheduleClvRefit } from './refit-clv-nightly.js';
import { createLogger } from '../../../platform/logger.js';
import { withJobs } from '../../../../tests/support/jobs.js';

/**
 * Fits from the database on the real CDNOW 1/10 sample (2,357 customers, 6,919 purchases 1997-01 … 1998-06, Fader,
 * Hardie & Lee 2005), sent through the orders API as one order per row: with the 39-week calibration ending
 * 1997-09-30 the BG/NBD parameters are the published r = 0.243, α = 4.414, a = 0.793, b = 2.426 (LL −9582.4).
 */
const FIXTURE = ['tests/fixtures/cdnow/CDNOW_sample.txt', '/tmp/shared/data/cdnow/CDNOW_sample.txt'].find((f) => fs.existsSync(f))!;

let t: TestApp;
const rows: Array<{ sampleId: string; date: string; dollars: string }> = [];
beforeAll(async () => {
  t = await createTestApp({ KEMAI_TIMEZONE: 'Asia/Shanghai' }, { loyalty: false });
  for (const line of fs.readFileSync(path.resolve(FIXTURE), 'utf8').split(/\r?\n/)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 5) continue;
    rows.push({ sampleId: f[1]!, date: `${f[2]!.slice(0, 4)}-${f[2]!.slice(4, 6)}-${f[2]!.slice(6, 8)}`, dollars: f[4]! });
  }
  for (let i = 0; i < rows.length; i += 1000) {
    const items = rows.slice(i, i + 1000).map((r, j) => ({
      channel: 'online',
      externalId: `CD-${i + j + 1}`,
      placedAt: `${r.date}T12:00:00+08:00`,
      customer: { memberNo: `CDNOW-${r.sampleId}` },
      lines: [{ sku: 'CD', quantity: 1, unitPrice: r.dollars }],
    }));
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/orders/batch', headers: t.admin, payload: { items } });
    expect(res.statusCode, res.body).toBe(200);
  }
}, 300_000);
afterAll(async () => t?.close());

const send = (method: 'GET' | 'POST', url: string, payload?: unknown, headers = t.admin) =>
  t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
const sig3 = (v: number) => Number(v.toPrecision(3));
const idOf = async (sampleId: string) =>
  (await query<{ customer_id: string }>(t.kemai.database.db, sql`select customer_id from customers.identifiers where type = 'member_no' and value = ${`CDNOW-${sampleId}`}`))[0]!.customer_id;

describe('CLV from the database', () => {
  it('loads the sample: 6,919 purchases of 2,357 customers', async () => {
    expect(rows.length).toBe(6919);
    const [n] = await query<{ orders: number; customers: number }>(
      t.kemai.database.db,
      sql`select count(*)::int as orders, count(distinct customer_id)::int as customers from orders.order_facts`,
    );
    expect(n).toEqual({ orders: 6919, customers: 2357 });
  });

  it('fits BG/NBD on the 39-week calibration to the published parameters and predicts every customer', async () => {
    const res = await send('POST', '/api/v1/insights/clv/runs', { asOf: '1997-09-30', horizonDays: 273 });
    expect(res.statusCode, res.body).toBe(201);
    const run = res.json();
    expect(run).toMatchObject({ model: 'bgnbd', asOf: '1997-09-30', period: 'week', horizonDays: 273, discountRate: 0.1, customers: 2357, repeatBuyers: 946 });
    const f = run.params.frequency;
    expect([sig3(f.r), sig3(f.alpha), sig3(f.a), sig3(f.b)]).toEqual([0.243, 4.41, 0.793, 2.43]);
    expect(run.logLik).toBeCloseTo(-9582.43, 1);
    expect(Object.keys(run.standardErrors.frequency).sort()).toEqual(['a', 'alpha', 'b', 'r']);
    // Gamma-Gamma on the 946 repeat buyers' mean repeat spend: Fader & Hardie's p = 6.25, q = 3.74, γ = 15.44.
    const g = run.params.spend;
    expect([sig3(g.p), sig3(g.q), sig3(g.gamma)]).toEqual([6.25, 3.74, 15.4]);
    expect(run.spendLogLik).toBeCloseTo(-4055.92, 1);

    // Customer 1 of the sample: x = 2, t_x = 30.43, T = 38.86 weeks; its stored figures are the model's at the fit.
    const id = await idOf('0001');
    const one = await send('GET', `/api/v1/insights/customers/${id}/prediction`);
    expect(one.statusCode, one.body).toBe(200);
    const p = one.json();
    expect(p).toMatchObject({ customerId: id, frequency: 2, asOf: '1997-09-30', period: 'week', horizonDays: 273 });
    expect(p.recency).toBeCloseTo(213 / 7, 10);
    expect(p.age).toBeCloseTo(272 / 7, 10);
    expect(p.pAlive).toBeCloseTo(bgnbdPAlive(f, 2, 213 / 7, 272 / 7), 12);
    expect(p.expectedPurchases).toBeCloseTo(bgnbdConditionalExpected(f, 39, 2, 213 / 7, 272 / 7), 12);
    // Hardie's spreadsheet: E[Y(39)] = 1.226 for x = 2, t_x = 30.43, T = 38.86 at the published parameters.
    expect(p.expectedPurchases).toBeCloseTo(1.226, 2);
    // E(M | x = 2, m̄) = p(γ + 2m̄)/(2p + q − 1), in fen; CLV = the discounted expected purchases × E(M).
    const [{ mbar }] = (await query<{ mbar: number }>(
      t.kemai.database.db,
      sql`select (sum(o.paid_fen) - min(o.paid_fen) filter (where o.placed_at = (select min(placed_at) from orders.order_facts where customer_id = ${id})))::float8 / 2 as mbar
          from orders.order_facts o where o.customer_id = ${id} and o.placed_at < '1997-10-01T00:00:00+08:00'`,
    )) as [{ mbar: number }];
    expect(p.expectedAvgValueFen).toBe(Math.round((g.p * (g.gamma * 100 + 2 * mbar)) / (2 * g.p + g.q - 1)));
    expect(p.clvFen).toBeGreaterThan(0);
    expect(p.clvFen).toBeLessThan(p.expectedPurchases * p.expectedAvgValueFen);

    const [stored] = await query<{ n: number; high: number }>(
      t.kemai.database.db,
      sql`select count(*)::int as n, count(*) filter (where churn_risk = 'high')::int as high from insights.customer_predictions`,
    );
    expect(stored!.n).toBe(2357);
    const [check] = await query<{ n: number }>(t.kemai.database.db, sql`select count(*)::int as n from insights.customer_predictions where p_alive < 0.3`);
    expect(stored!.high).toBe(check!.n);
  });

  it('serves the churn-risk list, the distribution, and predictions in segment rules', async () => {
    const list = await send('GET', '/api/v1/insights/churn-risk?risk=high&minFrequency=1&limit=5');
    expect(list.statusCode, list.body).toBe(200);
    const body = list.json();
    expect(body.items).toHaveLength(5);
    for (const item of body.items) {
      expect(item.customer.id).toBe(item.customerId);
      expect(item.customer.memberNo).toMatch(/^CDNOW-\d{4}$/);
      expect(item.churnRisk).toBe('high');
      expect(item.pAlive).toBeLessThan(0.3);
      expect(item.frequency).toBeGreaterThanOrEqual(1);
    }
    const spends = body.items.map((i: { spendFen: number }) => i.spendFen);
    expect(spends).toEqual([...spends].sort((a, b) => b - a));
    const [total] = await query<{ n: number }>(
      t.kemai.database.db,
      sql`select count(*)::int as n from insights.customer_predictions where churn_risk = 'high' and frequency >= 1`,
    );
    expect(body.total).toBe(total!.n);

    const dist = await send('GET', '/api/v1/insights/clv/distribution');
    expect(dist.statusCode, dist.body).toBe(200);
    expect(dist.json().churn.map((c: { customers: number }) => c.customers).reduce((a: number, b: number) => a + b, 0)).toBe(2357);
    const [sums] = await query<{ purchases: number }>(t.kemai.database.db, sql`select sum(expected_purchases)::float8 as purchases from insights.customer_predictions`);
    expect(dist.json().churn.reduce((a: number, c: { expectedPurchases: number }) => a + c.expectedPurchases, 0)).toBeCloseTo(sums!.purchases, 6);

    const seg = await send('POST', '/api/v1/segments', { code: 'slipping', name: 'Slipping away', rule: { kind: 'prediction', model: 'churn', op: 'gt', value: 0.7 } });
    expect(seg.statusCode, seg.body).toBe(201);
    const [want] = await query<{ n: number }>(t.kemai.database.db, sql`select count(*)::int as n from insights.customer_predictions where 1 - p_alive > 0.7`);
    expect(seg.json().refresh.size).toBe(want!.n);
    expect(want!.n).toBeGreaterThan(0);

    // A later fit (three more months of history) changes the predictions: the segment follows at once.
    const later = await send('POST', '/api/v1/insights/clv/runs', { asOf: '1997-12-31', horizonDays: 273 });
    expect(later.statusCode, later.body).toBe(201);
    const [now] = await query<{ n: number }>(t.kemai.database.db, sql`select count(*)::int as n from insights.customer_predictions where 1 - p_alive > 0.7`);
    expect(now!.n).not.toBe(want!.n);
    const [members] = await query<{ n: number }>(
      t.kemai.database.db,
      sql`select count(*)::int as n from segments.members m join segments.segments s on s.id = m.segment_id where s.code = 'slipping'`,
    );
    expect(members!.n).toBe(now!.n);
  });

  it('fits Pareto/NBD to the published parameters', async () => {
    const res = await send('POST', '/api/v1/insights/clv/runs', { model: 'pareto', asOf: '1997-09-30' });
    expect(res.statusCode, res.body).toBe(201);
    const f = res.json().params.frequency;
    expect([sig3(f.r), sig3(f.alpha), sig3(f.s)]).toEqual([0.553, 10.6, 0.606]);
    expect(f.beta).toBeGreaterThan(11.6);
    expect(f.beta).toBeLessThan(11.7);
    expect(res.json().logLik).toBeCloseTo(-9594.98, 1);
  });

  it('re-fits nightly with the latest run\'s settings as of the latest order day, on a schedule', async () => {
    const before = await send('GET', '/api/v1/insights/clv/runs/latest');
    expect(before.statusCode).toBe(200);
    expect(await refitClv(t.kemai.predictions, createLogger('silent'))).toBe(true);
    const after = (await send('GET', '/api/v1/insights/clv/runs/latest')).json();
    const prev = before.json();
    expect(after).toMatchObject({ model: prev.model, period: prev.period, horizonDays: prev.horizonDays, discountRate: prev.discountRate, asOf: '1998-06-30', createdBy: 'system:clv-nightly' });
    expect(after.id).not.toBe(prev.id);
    await withJobs(t.kemai.database, async (jobs) => {
      await scheduleClvRefit(jobs, t.kemai.predictions, createLogger('silent'), { timeZone: 'Asia/Shanghai' });
      expect(await query(t.kemai.database.db, sql`select name, cron, timezone from pgboss.schedule where name = ${CLV_REFIT_JOB}`)).toEqual([
        { name: 'insights.clv-refit-nightly', cron: '0 1 * * *', timezone: 'Asia/Shanghai' },
      ]);
    });
  });

  it('validates calibration against holdout from the orders: the published holdout actuals by frequency', async () => {
    const res = await send('POST', '/api/v1/insights/clv/validation', { calibrationEnd: '1997-09-30', holdoutEnd: '1998-06-30' });
    expect(res.statusCode, res.body).toBe(200);
    const v = res.json();
    expect(v).toMatchObject({ model: 'bgnbd', period: 'week', customers: 2357, holdoutPeriods: 39 });
    expect(v.logLik).toBeCloseTo(-9582.43, 1);
    // BTYD walkthrough's "act" row: mean holdout repeat transactions by calibration frequency 0 … 6, 7+.
    expect(v.byFrequency.map((b: { customers: number }) => b.customers)).toEqual([1411, 439, 214, 100, 62, 38, 29, 64]);
    expect(v.byFrequency.map((b: { actual: number }) => Number(b.actual.toFixed(3)))).toEqual([0.237, 0.697, 1.393, 1.56, 2.532, 2.947, 3.862, 6.359]);
    // 1,882 repeat purchases in the holdout; 4,339 in all by week 78 (btyd_cdnow_cu_tracking).
    expect(v.totals.actual).toBe(1882);
    expect(v.tracking.at(-1)).toMatchObject({ week: 78, actual: 4339 });
    // The report's prediction is the sum of each customer's E[Y(39 weeks)] at the fitted parameters.
    const triples = await query<{ x: number; tx_days: number; t_days: number }>(t.kemai.database.db, customerSummarySql('1997-09-30', 'Asia/Shanghai'));
    const expected = triples.reduce((sum, c) => sum + bgnbdConditionalExpected(v.params, 39, c.x, c.tx_days / 7, c.t_days / 7), 0);
    expect(v.totals.predicted).toBeCloseTo(expected, 6);
    expect(v.mae).toBeGreaterThan(0);
    const bad = await send('POST', '/api/v1/insights/clv/validation', { calibrationEnd: '1997-09-30', holdoutEnd: '1997-09-01' });
    expect(bad.statusCode).toBe(400);
    expect(JSON.stringify(bad.json().error.details)).toContain('holdoutEnd');
  });

  it('refuses bad input naming the field and changes nothing; needs the insights scopes', async () => {
    const before = await query(t.kemai.database.db, sql`select count(*)::int as n from insights.clv_runs`);
    for (const [payload, field] of [
      [{ asOf: '1997-02-30' }, 'asOf'],
      [{ model: 'magic' }, 'model'],
      [{ horizonDays: 0 }, 'horizonDays'],
      [{ discountRate: 2 }, 'discountRate'],
      [{ colour: 'red' }, 'colour'],
    ] as const) {
      const res = await send('POST', '/api/v1/insights/clv/runs', payload);
      expect(res.statusCode, res.body).toBe(400);
      expect(JSON.stringify(res.json().error.details)).toContain(field);
    }
    const badBand = await send('GET', '/api/v1/insights/churn-risk?risk=high,extreme');
    expect(badBand.statusCode, badBand.body).toBe(400);
    expect(JSON.stringify(badBand.json().error.details)).toContain('risk');
    const badLimit = await send('GET', '/api/v1/insights/churn-risk?limit=0');
    expect(badLimit.statusCode).toBe(400);
    expect(JSON.stringify(badLimit.json().error.details)).toContain('limit');
    const early = await send('POST', '/api/v1/insights/clv/runs', { asOf: '1997-01-01' });
    expect(early.statusCode, early.body).toBe(400);
    expect(early.json().error.code).toBe('insights.too_few_customers');
    expect(await query(t.kemai.database.db, sql`select count(*)::int as n from insights.clv_runs`)).toEqual(before);

    const reader = await t.keyWith(['insights:read']);
    expect((await send('POST', '/api/v1/insights/clv/runs', {}, reader)).statusCode).toBe(403);
    expect((await send('GET', '/api/v1/insights/churn-risk', undefined, reader)).statusCode).toBe(200);
    expect((await send('GET', '/api/v1/insights/churn-risk', undefined, await t.keyWith(['orders:read']))).statusCode).toBe(403);
  });
});
