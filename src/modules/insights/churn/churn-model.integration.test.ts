import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../../platform/db/database.js';
import { createLogger } from '../../../platform/logger.js';
import { createTestApp, type TestApp } from '../../../../tests/support/test-app.js';
import { withJobs } from '../../../../tests/support/jobs.js';
import { DemoOptionsInput, DemoService } from '../../demo/index.js';
import { CHURN_REFIT_JOB, refitChurnModel, scheduleChurnRefit } from './refit-churn-nightly.js';

/**
 * The supervised churn model on a deterministic demo brand (seed "churn", 400 people, two years to 2025-11-30): every
 * figure below is what the generator's data gives, so the counts and AUCs are exact.
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ KEMAI_TIMEZONE: 'Asia/Shanghai' }, { loyalty: false });
  await new DemoService({ ...t.kemai, strongIdentifiers: t.kemai.config.strongIdentifiers }).seed(DemoOptionsInput.parse({ customers: 400, seed: 'churn', until: '2025-11-30' }));
}, 300_000);
afterAll(async () => t?.close());

const send = (method: 'GET' | 'POST', url: string, payload?: unknown, headers = t.admin) =>
  t.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
const db = () => t.kemai.database.db;
const r4 = (v: number) => Number(v.toFixed(4));

describe('supervised churn model', () => {
  it('has nothing before a first run, and the nightly job does nothing', async () => {
    expect((await send('GET', '/api/v1/insights/churn-model/latest')).statusCode).toBe(404);
    const [someone] = await query<{ id: string }>(db(), sql`select customer_id as id from orders.order_facts where not guest limit 1`);
    const none = await send('GET', `/api/v1/insights/customers/${someone!.id}/churn-explanation`);
    expect(none.statusCode).toBe(404);
    expect(none.json().error.code).toBe('insights.no_churn_model_run');
    expect(await refitChurnModel(t.kemai.churn, createLogger('silent'))).toBe(false);
  });

  it('trains at asOf − 2h, tests at asOf − h against BG/NBD, and scores every customer', async () => {
    const res = await send('POST', '/api/v1/insights/churn-model/runs', { asOf: '2025-11-30', horizonDays: 90 });
    expect(res.statusCode, res.body).toBe(201);
    const run = res.json();
    const e = run.evaluation;
    expect(run).toMatchObject({ asOf: '2025-11-30', horizonDays: 90, lambda: 1, customers: 386 });
    expect(e).toMatchObject({ trainCutoff: '2025-06-03', testCutoff: '2025-09-01', train: { customers: 286, churners: 212 } });
    expect(e.model).toMatchObject({ customers: 333, churners: 253 });
    // The same counts straight from the orders: customers with an order by the test cutoff, and those without one after it.
    const [counted] = await query<{ n: number; churners: number }>(
      db(),
      sql`select count(*)::int as n, count(*) filter (where not exists (
            select 1 from orders.order_facts n where n.customer_id = o.customer_id and n.status <> 'cancelled'
              and n.placed_at >= '2025-09-02T00:00:00+08:00' and n.placed_at < '2025-12-01T00:00:00+08:00'))::int as churners
          from (select distinct customer_id from orders.order_facts
                where not guest and status <> 'cancelled' and placed_at < '2025-09-02T00:00:00+08:00') o`,
    );
    expect(counted).toEqual({ n: 333, churners: 253 });
    expect(r4(e.model.auc)).toBe(0.8339);
    expect(r4(e.model.brier)).toBe(0.1295);
    expect(e.model.calibration.map((b: { customers: number }) => b.customers)).toEqual([7, 7, 9, 16, 19, 23, 21, 38, 56, 137]);
    // BG/NBD gives a customer without a repeat purchase P(alive) = 1: the one-time buyers, most of this brand's churners,
    // rank as the safest, so 1 − P(alive) ranks worse than chance here.
    expect(e.baseline).toMatchObject({ customers: 333, churners: 253 });
    expect(r4(e.baseline.auc)).toBe(0.3449);
    expect(r4(e.baseline.brier)).toBe(0.6648);
    expect(e.baseline.calibration.map((b: { customers: number }) => b.customers)).toEqual([259, 31, 13, 6, 6, 7, 6, 4, 1, 0]);
    expect(Object.keys(e.baseline.params).sort()).toEqual(['a', 'alpha', 'b', 'r']);
    expect(run.model.features.map((f: { feature: string }) => f.feature)).toEqual([
      'recency_days', 'orders_90d', 'orders_365d', 'net_spend_365d', 'trend_90d', 'mean_gap_days',
      'overdue_ratio', 'one_time_buyer', 'return_share', 'events_30d', 'events_90d', 'tenure_days',
    ]);
    expect(r4(run.model.features[0].coefficient)).toBe(0.4644);
    expect(r4(run.model.intercept)).toBe(1.6019);
    expect((await send('GET', '/api/v1/insights/churn-model/latest')).json()).toEqual(run);

    // Every customer with an order by asOf is scored, and published to other modules as model churn_model.
    const [scored] = await query<{ n: number; facts: number }>(
      db(),
      sql`select (select count(*)::int from insights.churn_scores) as n,
                 (select count(*)::int from insights.prediction_facts f join insights.churn_scores s on s.customer_id = f.customer_id and s.probability = f.score where f.model = 'churn_model') as facts`,
    );
    expect(scored).toEqual({ n: 386, facts: 386 });
  });

  it('is a prediction segments can use, and a new run refreshes those segments', async () => {
    const seg = await send('POST', '/api/v1/segments', { code: 'likely_churn', name: 'Likely to churn', rule: { kind: 'prediction', model: 'churn_model', op: 'gt', value: 0.9 } });
    expect(seg.statusCode, seg.body).toBe(201);
    const members = async () =>
      (await query<{ n: number }>(db(), sql`select count(*)::int as n from segments.members m join segments.segments s on s.id = m.segment_id where s.code = 'likely_churn'`))[0]!.n;
    const [high] = await query<{ n: number }>(db(), sql`select count(*)::int as n from insights.churn_scores where probability > 0.9`);
    expect(high!.n).toBeGreaterThan(0);
    expect(await members()).toBe(high!.n);
    // A run with another horizon changes the scores; the segment follows in the run's request.
    expect((await send('POST', '/api/v1/insights/churn-model/runs', { asOf: '2025-11-30', horizonDays: 60 })).statusCode).toBe(201);
    const [after] = await query<{ n: number }>(db(), sql`select count(*)::int as n from insights.churn_scores where probability > 0.9`);
    expect(after!.n).not.toBe(high!.n);
    expect(await members()).toBe(after!.n);
    expect((await send('POST', '/api/v1/insights/churn-model/runs', { asOf: '2025-11-30', horizonDays: 90 })).statusCode).toBe(201);
  });

  it("explains a customer's score by the features that push it up the most", async () => {
    const [top] = await query<{ id: string; probability: number }>(db(), sql`select customer_id as id, probability from insights.churn_scores order by probability desc, customer_id limit 1`);
    const res = await send('GET', `/api/v1/insights/customers/${top!.id}/churn-explanation`, undefined, await t.keyWith(['insights:read']));
    expect(res.statusCode, res.body).toBe(200);
    const x = res.json();
    expect(x).toMatchObject({ customerId: top!.id, asOf: '2025-11-30', horizonDays: 90, probability: top!.probability });
    expect(r4(x.probability)).toBe(0.9864);
    expect(x.factors.map((f: { feature: string; value: number }) => [f.feature, f.value])).toEqual([
      ['recency_days', 729],
      ['orders_365d', 0],
      ['one_time_buyer', 1],
    ]);
    expect(x.factors.map((f: { contribution: number }) => r4(f.contribution))).toEqual([1.1121, 0.6726, 0.4358]);
    expect(x.factors[0].label).toEqual({ en: 'Days since the last order', 'zh-CN': '距上次购买天数' });
    // Contributions are coefficient × standardised value of the stored scoring model.
    const run = (await send('GET', '/api/v1/insights/churn-model/latest')).json();
    const f0 = run.model.features[0];
    expect(x.factors[0].contribution).toBeCloseTo((f0.coefficient * (729 - f0.mean)) / f0.sd, 12);
    // Every stored explanation lists positive contributions, largest first, at most three.
    const all = await query<{ f: Array<{ contribution: number }> }>(db(), sql`select top_factors as f from insights.churn_scores`);
    for (const { f } of all) {
      expect(f.length).toBeLessThanOrEqual(3);
      f.forEach((c, i) => {
        expect(c.contribution).toBeGreaterThan(0);
        if (i > 0) expect(c.contribution).toBeLessThanOrEqual(f[i - 1]!.contribution);
      });
    }
    const stranger = await send('GET', '/api/v1/insights/customers/01a20d5f-0000-7000-8000-000000000000/churn-explanation');
    expect(stranger.statusCode).toBe(404);
    expect(stranger.json().error.code).toBe('insights.no_churn_score');
  });

  it('refuses bad input naming the field and changes nothing; too little history is a 400 with its code; needs insights:admin', async () => {
    const before = await query(db(), sql`select count(*)::int as n from insights.churn_model_runs`);
    for (const [payload, field] of [
      [{ asOf: '2025-02-30' }, 'asOf'],
      [{ horizonDays: 3 }, 'horizonDays'],
      [{ horizonDays: 30.5 }, 'horizonDays'],
      [{ colour: 'red' }, 'colour'],
    ] as const) {
      const res = await send('POST', '/api/v1/insights/churn-model/runs', payload);
      expect(res.statusCode, res.body).toBe(400);
      expect(JSON.stringify(res.json().error.details)).toContain(field);
    }
    const early = await send('POST', '/api/v1/insights/churn-model/runs', { asOf: '2024-04-30', horizonDays: 90 });
    expect(early.statusCode, early.body).toBe(400);
    expect(early.json().error.code).toBe('insights.churn_too_little_data');
    expect(JSON.stringify(early.json().error.details)).toContain('asOf');
    const badId = await send('GET', '/api/v1/insights/customers/nope/churn-explanation');
    expect(badId.statusCode).toBe(400);
    expect(await query(db(), sql`select count(*)::int as n from insights.churn_model_runs`)).toEqual(before);
    const reader = await t.keyWith(['insights:read']);
    expect((await send('POST', '/api/v1/insights/churn-model/runs', {}, reader)).statusCode).toBe(403);
    expect((await send('GET', '/api/v1/insights/churn-model/latest', undefined, await t.keyWith(['orders:read']))).statusCode).toBe(403);
  });

  it("re-trains nightly with the latest run's horizon as of the latest order day, on a schedule after the CLV refit", async () => {
    const prev = (await send('GET', '/api/v1/insights/churn-model/latest')).json();
    expect(await refitChurnModel(t.kemai.churn, createLogger('silent'))).toBe(true);
    const after = (await send('GET', '/api/v1/insights/churn-model/latest')).json();
    const [latest] = await query<{ d: string }>(db(), sql`select to_char(max(placed_at) at time zone 'Asia/Shanghai', 'YYYY-MM-DD') as d from orders.order_facts where status <> 'cancelled'`);
    expect(after).toMatchObject({ horizonDays: prev.horizonDays, asOf: latest!.d, createdBy: 'system:churn-nightly' });
    expect(after.id).not.toBe(prev.id);
    await withJobs(t.kemai.database, async (jobs) => {
      await scheduleChurnRefit(jobs, t.kemai.churn, createLogger('silent'), { timeZone: 'Asia/Shanghai' });
      expect(await query(db(), sql`select name, cron, timezone from pgboss.schedule where name = ${CHURN_REFIT_JOB}`)).toEqual([
        { name: 'insights.churn-refit-nightly', cron: '45 1 * * *', timezone: 'Asia/Shanghai' },
      ]);
    });
  });
});
