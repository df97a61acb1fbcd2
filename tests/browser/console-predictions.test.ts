import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { sql } from 'drizzle-orm';
import type { TestApp } from '../support/test-app.js';
import { SHOTS, skipReason, type Browser } from '../support/browser.js';
import { demoBrowser, signIn, type DemoBrowser } from '../support/demo-browser.js';
import { query } from '../../src/platform/db/database.js';

/**
 * The Churn & CLV page and the 360's prediction card on the demo brand, in Debian's chromium against the real server:
 * the empty state, a fit from the form, the KPIs and the churn-risk list against the API's own answers (and the
 * customers and P(alive) against figures computed here from the orders and the BG/NBD formula), the band filter and
 * paging, a customer's 360, English and Chinese.
 */
if (skipReason) console.warn(`predictions browser tests skipped: ${skipReason}`);

const ADMIN = { username: 'clv.admin', displayName: '预测管理员', password: 'Kemai-Predict-2026', role: 'admin' as const };
/** insights:read without insights:admin. */
const MANAGER = { username: 'clv.manager', displayName: '店长', password: 'Kemai-Manager-2026', role: 'store_manager' as const };

interface Run {
  asOf: string;
  model: string;
  horizonDays: number;
  discountRate: number;
  customers: number;
  repeatBuyers: number;
  params: { frequency: Record<string, number>; spend: Record<string, number> | null };
}
interface Item {
  customerId: string;
  frequency: number;
  recency: number;
  age: number;
  pAlive: number;
  expectedPurchases: number;
  clvFen: number | null;
  expectedAvgValueFen: number | null;
  churnRisk: 'high' | 'medium' | 'low';
  spendFen: number;
}
interface ChurnPage {
  total: number;
  items: Item[];
}
interface Distribution {
  churn: Array<{ risk: string; customers: number }>;
  clvDeciles: Array<{ sumFen: number }>;
}

/** BG/NBD P(alive | x, t_x, T) (Fader, Hardie & Lee 2005, eq. 13); 1 without a repeat purchase. */
function bgnbdPAlive(p: Record<string, number>, x: number, tx: number, T: number): number {
  if (x === 0) return 1;
  return 1 / (1 + (p.a! / (p.b! + x - 1)) * Math.pow((p.alpha! + T) / (p.alpha! + tx), p.r! + x));
}

describe.skipIf(skipReason)('predictions console in a browser', () => {
  let d: DemoBrowser;
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let page: Page;
  /** The business day of the latest order: the default as-of date. */
  let lastDay = '';
  const enDay = () => `${lastDay.slice(5, 7)}/${lastDay.slice(8, 10)}/${lastDay.slice(0, 4)}`;

  const shot = async (name: string) => {
    await page.evaluate('window.scrollTo(0, 0)');
    await page.waitForTimeout(300);
    return browser.shot(name);
  };
  const get = async <T>(url: string): Promise<T> => {
    const r = await t.app.inject({ method: 'GET', url, headers: t.admin });
    expect(r.statusCode, r.body).toBe(200);
    return r.json() as T;
  };
  const pct = (locale: string, v: number) => new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(v);
  const dec = (locale: string, v: number, digits: number) => new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(v);
  const money = (locale: string, fen: number) => new Intl.NumberFormat(locale, { style: 'currency', currency: 'CNY', currencyDisplay: 'narrowSymbol' }).format(fen / 100);
  const rows = () =>
    page
      .getByTestId('churn-table')
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-customer')));
  /** Waits until the table lists exactly the customers of this answer (and says its total: a page of another query can list the same). */
  const tableIs = async (answer: ChurnPage, offset = 0) => {
    await expect.poll(() => page.getByTestId('churn-page').innerText(), { timeout: 15_000 }).toBe(`${offset + 1}–${offset + answer.items.length} of ${answer.total}`);
    // The rows follow once the page's request answers (the previous page's rows stay on screen until then).
    await expect.poll(() => rows(), { timeout: 15_000 }).toEqual(answer.items.map((p) => p.customerId));
  };

  beforeAll(async () => {
    d = await demoBrowser({ seed: 'predictions-browser', staff: [ADMIN, MANAGER] });
    ({ t, base, browser, page } = d);
  }, 240_000);

  afterAll(async () => d?.close());

  it('shows the empty state, fits from the form, and shows the KPIs the API and the orders give', async () => {
    await signIn(page, base, ADMIN);
    await page.getByRole('button', { name: 'English' }).click();
    expect(await page.locator('.nav-group').allTextContents()).toContain('Insights');
    await page.getByRole('link', { name: 'Churn & CLV' }).click();
    await page.getByRole('heading', { name: 'Churn & CLV', level: 1 }).waitFor();
    await page.getByTestId('clv-empty').getByText('No predictions yet').waitFor();
    expect(await page.getByTestId('clv-empty').innerText()).toContain('Fit a model with the form above');
    await shot('insights-churn-empty-en');

    // The defaults: BG/NBD, the latest order day, 365 days, 10 % a year.
    await page.getByTestId('clv-fit-button').click();
    await page.getByTestId('kpi-customers').waitFor({ timeout: 60_000 });
    const run = await get<Run>('/api/v1/insights/clv/runs/latest');
    // The as-of date defaults to the business day of the latest order that was not cancelled.
    const [latest] = await query<{ d: string }>(
      t.kemai.database.db,
      sql`select to_char(max(placed_at) at time zone 'Asia/Shanghai', 'YYYY-MM-DD') as d from orders.order_facts where status <> 'cancelled'`,
    );
    lastDay = latest!.d;
    expect(lastDay.slice(0, 8)).toBe('2025-11-');
    expect(run).toMatchObject({ asOf: lastDay, model: 'bgnbd', horizonDays: 365, discountRate: 0.1 });
    // Every customer with an order that was not cancelled is predicted.
    const [buyers] = await query<{ n: number }>(
      t.kemai.database.db,
      sql`select count(distinct customer_id)::int as n from orders.order_facts where status <> 'cancelled' and not guest`,
    );
    expect(run.customers).toBe(buyers!.n);
    expect(await page.getByTestId('clv-run').innerText()).toMatch(new RegExp(`^As of ${enDay()} · BG/NBD · ${run.customers} customers · fitted .+ by clv\\.admin$`));

    const d = await get<Distribution>('/api/v1/insights/clv/distribution');
    const high = d.churn.find((b) => b.risk === 'high')!.customers;
    expect(d.churn.reduce((s, b) => s + b.customers, 0)).toBe(run.customers);
    expect(await page.getByTestId('kpi-customers').innerText()).toBe(run.customers.toLocaleString('en'));
    expect(await page.getByTestId('kpi-high').innerText()).toBe(high.toLocaleString('en'));
    expect(await page.locator('.kpi', { has: page.getByTestId('kpi-high') }).locator('.kpi-note').innerText()).toBe(`${pct('en', high / run.customers)} of customers`);
    const bands = await page.getByTestId('clv-bands').locator('tr').evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-risk'), Number(tr.textContent)]));
    expect(bands).toEqual(d.churn.map((b) => [b.risk, b.customers]));

    // Expected purchases in the horizon: every customer's, from the list of all bands.
    const all = await get<ChurnPage>(`/api/v1/insights/churn-risk?risk=high,medium,low&limit=500`);
    expect(all.total).toBe(run.customers);
    const expected = all.items.reduce((s, p) => s + p.expectedPurchases, 0);
    await expect.poll(() => page.getByTestId('kpi-expected').innerText()).toBe(dec('en', expected, 0));
    // CLV: "—" while no spend model gives values, the deciles' total once it does.
    const clvKnown = d.clvDeciles.length > 0;
    expect(all.items.some((p) => p.clvFen !== null)).toBe(clvKnown);
    if (clvKnown) expect(await page.getByTestId('kpi-clv').innerText()).not.toBe('—');
    else {
      expect(await page.getByTestId('kpi-clv').innerText()).toBe('—');
      expect(await page.getByTestId('clv-deciles').count()).toBe(0);
    }

    // The run's parameters: BG/NBD's four.
    const summary = page.getByTestId('clv-run-summary');
    expect(await summary.locator('tr[data-param]').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-param')))).toEqual(
      expect.arrayContaining(['r', 'alpha', 'a', 'b']),
    );
    expect(await summary.locator('tr[data-param=r] td').nth(1).innerText()).toBe(dec('en', run.params.frequency.r!, 4));
    await page.locator('.chart canvas').first().waitFor();
    await shot('insights-churn-en');
  }, 120_000);

  it('lists the customers at risk as the API does, with P(alive) as the BG/NBD formula gives it; filters by band and pages', async () => {
    const run = await get<Run>('/api/v1/insights/clv/runs/latest');
    const hm = await get<ChurnPage>('/api/v1/insights/churn-risk?risk=high,medium&limit=25&offset=0');
    expect(hm.total).toBeGreaterThan(0);
    await tableIs(hm);
    const table = page.getByTestId('churn-table');
    for (const [i, p] of hm.items.entries()) {
      const row = table.locator('tbody tr').nth(i);
      expect(await row.getByTestId('p-alive').innerText()).toBe(pct('en', p.pAlive));
      expect(await row.getByTestId('expected').innerText()).toBe(dec('en', p.expectedPurchases, 2));
      expect(await row.getByTestId('spend').innerText()).toBe(money('en', p.spendFen));
      expect(await row.getByTestId('clv').innerText()).toBe(p.clvFen === null ? '—' : money('en', p.clvFen));
      expect(await row.getAttribute('data-risk')).toBe(p.pAlive < 0.3 ? 'high' : 'medium');
    }
    // The most valuable first.
    const spends = hm.items.map((p) => p.spendFen);
    expect(spends).toEqual([...spends].sort((a, b) => b - a));

    // Every customer's P(alive) is the formula's for the fitted parameters (in weeks: recency and age are in weeks), and the band follows it.
    const all = await get<ChurnPage>('/api/v1/insights/churn-risk?risk=high,medium,low&limit=500');
    for (const p of all.items) {
      expect(p.pAlive, p.customerId).toBeCloseTo(bgnbdPAlive(run.params.frequency, p.frequency, p.recency, p.age), 9);
      expect(p.churnRisk, p.customerId).toBe(p.pAlive < 0.3 ? 'high' : p.pAlive < 0.6 ? 'medium' : 'low');
    }

    // Medium off: the high-risk customers only.
    const highOnly = await get<ChurnPage>('/api/v1/insights/churn-risk?risk=high&limit=25');
    expect(highOnly.total).toBeGreaterThan(0);
    await page.getByTestId('risk-chip-medium').click();
    await tableIs(highOnly);
    expect(new Set(await table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-risk'))))).toEqual(
      new Set(highOnly.items.length ? ['high'] : []),
    );
    // Low on, at least two repeat purchases.
    const loyal = await get<ChurnPage>('/api/v1/insights/churn-risk?risk=high,low&minFrequency=2&limit=25');
    await page.getByTestId('risk-chip-low').click();
    await page.locator('input[name=minFrequency]').fill('2');
    await tableIs(loyal);
    expect(loyal.items.every((p) => p.frequency >= 2)).toBe(true);
    // Pages of 25.
    expect(loyal.total).toBeGreaterThan(25);
    const second = await get<ChurnPage>('/api/v1/insights/churn-risk?risk=high,low&minFrequency=2&limit=25&offset=25');
    await page.getByTestId('churn-next').click();
    await tableIs(second, 25);
    await page.getByRole('button', { name: 'Previous' }).click();
    await tableIs(loyal);
    expect(await page.getByTestId('churn-explain').innerText()).toContain('P(alive) is the probability');
    await shot('insights-churn-filtered-en');
  }, 120_000);

  it("opens a listed customer's 360 with the prediction card", async () => {
    const first = page.getByTestId('churn-customer').first();
    const id = (await page.getByTestId('churn-table').locator('tbody tr').first().getAttribute('data-customer'))!;
    await first.click();
    await page.waitForURL(`${base}/customers/${id}`);
    const card = page.getByTestId('prediction-card');
    await card.waitFor();
    const p = await get<Item & { horizonDays: number; expectedAvgValueFen: number | null }>(`/api/v1/insights/customers/${id}/prediction`);
    expect(await card.getByTestId('prediction-p-alive').innerText()).toBe(pct('en', p.pAlive));
    expect(await card.getByTestId('prediction-expected').innerText()).toBe(dec('en', p.expectedPurchases, 2));
    expect(await card.getByTestId('prediction-clv').innerText()).toBe(p.clvFen === null ? '—' : money('en', p.clvFen));
    expect(await card.getByTestId('prediction-avg-value').innerText()).toBe(p.expectedAvgValueFen === null ? '—' : money('en', p.expectedAvgValueFen));
    expect(await card.locator('.ins-risk').innerText()).toBe({ high: 'High risk', medium: 'Medium risk', low: 'Low risk' }[p.churnRisk]);
    expect(await card.locator('.card-head').innerText()).toContain(`as of ${enDay()}, next 365 days`);
    await shot('insights-360-en');
    await card.screenshot({ path: path.join(SHOTS, 'insights-360-card-en.png') });
  }, 60_000);

  it('reads in Chinese', async () => {
    await page.getByRole('button', { name: '中文' }).click();
    await page.getByTestId('prediction-card').getByRole('heading', { name: '预测' }).waitFor();
    await page.getByRole('link', { name: '流失与价值预测' }).click();
    await page.getByRole('heading', { name: '流失与价值预测', level: 1 }).waitFor();
    await page.getByRole('heading', { name: '流失风险客户' }).waitFor();
    expect(await page.getByTestId('clv-run').innerText()).toMatch(new RegExp(`^截至 ${lastDay.replace(/-/g, '/')} · BG/NBD · \\d+ 位客户 · clv\\.admin 于 .+ 拟合$`));
    expect(await page.getByTestId('risk-chip-high').innerText()).toBe('高风险');
    await page.locator('.chart canvas').first().waitFor();
    await shot('insights-churn-zh');
  }, 60_000);

  it('fits a tablet', async () => {
    await page.setViewportSize({ width: 768, height: 1024 });
    await page.goto(`${base}/insights/churn`);
    await page.getByTestId('churn-table').waitFor();
    await page.locator('.chart canvas').first().waitFor();
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(768);
    await shot('insights-churn-tablet-zh');
    await page.setViewportSize({ width: 1366, height: 900 });
  }, 60_000);

  it('shows CLV, its deciles and the value per purchase the fit computed', async () => {
    const d = await get<Distribution>('/api/v1/insights/clv/distribution');
    expect(d.clvDeciles).toHaveLength(10);
    const total = d.clvDeciles.reduce((s, x) => s + x.sumFen, 0);
    const [direct] = await query<{ n: string }>(t.kemai.database.db, sql`select sum(clv_fen)::text as n from insights.customer_predictions`);
    expect(total).toBe(Number(direct!.n));
    await page.goto(`${base}/insights/churn`);
    await page.getByTestId('clv-deciles').locator('canvas').waitFor();
    const shortFen =
      total >= 1_000_000
        ? new Intl.NumberFormat('zh-CN', { style: 'currency', currency: 'CNY', currencyDisplay: 'narrowSymbol', notation: 'compact', maximumFractionDigits: 1 }).format(total / 100)
        : new Intl.NumberFormat('zh-CN', { style: 'currency', currency: 'CNY', currencyDisplay: 'narrowSymbol', maximumFractionDigits: 0 }).format(Math.round(total / 100));
    expect(await page.getByTestId('kpi-clv').innerText()).toBe(shortFen);
    const hm = await get<ChurnPage>('/api/v1/insights/churn-risk?risk=high,medium&limit=25');
    await page.getByTestId('churn-table').waitFor();
    const clvs = await page.getByTestId('churn-table').getByTestId('clv').allInnerTexts();
    expect(clvs).toEqual(hm.items.map((p) => money('zh-CN', p.clvFen!)));
    await shot('insights-churn-clv-zh');

    const first = hm.items[0]!;
    await page.goto(`${base}/customers/${first.customerId}`);
    const card = page.getByTestId('prediction-card');
    await card.getByTestId('prediction-clv').filter({ hasText: money('zh-CN', first.clvFen!) }).waitFor();
    expect(await card.getByTestId('prediction-avg-value').innerText()).toBe(money('zh-CN', first.expectedAvgValueFen!));
    await card.screenshot({ path: path.join(SHOTS, 'insights-360-card-clv-zh.png') });
  }, 60_000);

  it('checks the model against a holdout: the figures and buckets the validation API gives, both charts', async () => {
    await page.goto(`${base}/insights/churn`);
    const check = page.getByTestId('clv-check');
    await check.scrollIntoViewIfNeeded();
    const holdoutEnd = await check.locator('input[name=holdoutEnd]').inputValue();
    const calibrationEnd = await check.locator('input[name=calibrationEnd]').inputValue();
    expect(holdoutEnd).toBe(lastDay);
    expect(Date.parse(`${holdoutEnd}T00:00:00Z`) - Date.parse(`${calibrationEnd}T00:00:00Z`)).toBe(182 * 86_400_000);
    const r = await t.app.inject({ method: 'POST', url: '/api/v1/insights/clv/validation', headers: t.admin, payload: { calibrationEnd, holdoutEnd, model: 'bgnbd', period: 'week' } });
    expect(r.statusCode, r.body).toBe(200);
    const report = r.json() as { customers: number; totals: { actual: number; predicted: number }; mae: number; byFrequency: Array<{ frequency: string; customers: number; actual: number }> };
    await page.getByTestId('clv-check-button').click();
    await check.getByTestId('clv-check-buckets').waitFor();
    expect(await check.getByTestId('clv-check-totals').innerText()).toBe(`实际 ${dec('zh-CN', report.totals.actual, 0)} · 预测 ${dec('zh-CN', report.totals.predicted, 0)}`);
    expect(await check.getByTestId('clv-check-mae').innerText()).toBe(dec('zh-CN', report.mae, 3));
    const rows = await check.locator('[data-testid=clv-check-buckets] tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 3).map((td) => (td as HTMLElement).innerText)),
    );
    expect(rows).toEqual(report.byFrequency.map((b) => [b.frequency, dec('zh-CN', b.customers, 0), dec('zh-CN', b.actual, 3)]));
    expect(await check.locator('canvas').count()).toBe(2);
    await check.screenshot({ path: path.join(SHOTS, 'insights-clv-check-zh.png') });

    await check.locator('input[name=holdoutEnd]').fill(calibrationEnd);
    await page.getByTestId('clv-check-button').click();
    await check.getByRole('alert').filter({ hasText: 'holdoutEnd' }).waitFor();
  }, 90_000);

  it('trains the churn model from the page: AUC and Brier of it and of BG/NBD as the API gives them, calibration, and the why on a 360', async () => {
    await page.goto(`${base}/insights/churn`);
    const card = page.getByTestId('churn-model');
    await card.scrollIntoViewIfNeeded();
    await card.getByText('尚未训练流失预测模型').waitFor();
    await card.getByTestId('churn-model-train').click();
    await card.getByTestId('churn-model-coefficients').waitFor({ state: 'attached' });
    const run = await get<{
      customers: number;
      model: { features: Array<{ feature: string; coefficient: number }> };
      evaluation: { model: { auc: number; brier: number; customers: number; churners: number }; baseline: { auc: number; brier: number } };
    }>('/api/v1/insights/churn-model/latest');
    expect(run.evaluation.model.customers).toBeGreaterThan(50);
    expect(await card.getByTestId('churn-model-auc').innerText()).toBe(dec('zh-CN', run.evaluation.model.auc, 3));
    expect(await card.getByTestId('churn-baseline-auc').innerText()).toBe(dec('zh-CN', run.evaluation.baseline.auc, 3));
    expect(await card.getByTestId('churn-model-brier').innerText()).toBe(dec('zh-CN', run.evaluation.model.brier, 3));
    const coefficients = await card.locator('[data-testid=churn-model-coefficients] tr').evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.feature));
    expect(coefficients).toEqual(run.model.features.map((x) => x.feature));
    await card.locator('canvas').nth(1).waitFor();
    expect(await card.locator('canvas').count()).toBe(2);
    await card.screenshot({ path: path.join(SHOTS, 'insights-churn-model-zh.png') });

    // The customer the model rates most likely to churn, among the scored: their 360 says why.
    const [top] = await query<{ customer_id: string }>(t.kemai.database.db, sql`select customer_id from insights.churn_scores order by probability desc, customer_id limit 1`);
    const why = await get<{ probability: number; horizonDays: number; factors: Array<{ contribution: number; label: { 'zh-CN': string } }> }>(
      `/api/v1/insights/customers/${top!.customer_id}/churn-explanation`,
    );
    await page.goto(`${base}/customers/${top!.customer_id}`);
    const factors = page.getByTestId('churn-factors');
    await factors.waitFor();
    expect(await factors.locator('h3').innerText()).toBe(`流失模型：${why.horizonDays} 天内无订单的概率为 ${pct('zh-CN', why.probability)}——原因`);
    expect(await factors.locator('li > span:first-child').allInnerTexts()).toEqual(why.factors.filter((x) => x.contribution > 0).map((x) => x.label['zh-CN']));
    await page.getByTestId('prediction-card').screenshot({ path: path.join(SHOTS, 'insights-360-churn-factors-zh.png') });
  }, 120_000);

  it('shows a store manager (insights:read) the predictions without the fit form', async () => {
    await page.getByRole('button', { name: '退出登录' }).click();
    await page.locator('input[name=username]').waitFor();
    await signIn(page, base, MANAGER);
    await page.getByRole('link', { name: '流失与价值预测' }).click();
    await page.getByTestId('kpi-customers').waitFor();
    expect(await page.getByTestId('clv-fit-button').count()).toBe(0);
    await page.getByTestId('churn-table').waitFor();

    // A customer without an order has no prediction (404 insights.no_prediction): the card says so, not an error.
    const [none] = await query<{ id: string }>(
      t.kemai.database.db,
      sql`select c.id::text as id from customers.customers c where c.status = 'active'
          and not exists (select 1 from insights.customer_predictions p where p.customer_id = c.id) order by c.id limit 1`,
    );
    const r = await t.app.inject({ method: 'GET', url: `/api/v1/insights/customers/${none!.id}/prediction`, headers: t.admin });
    expect([r.statusCode, r.json().error.code]).toEqual([404, 'insights.no_prediction']);
    await page.goto(`${base}/customers/${none!.id}`);
    await page.getByTestId('prediction-none').waitFor();
    expect(await page.getByTestId('prediction-none').innerText()).toBe('该客户暂无预测：最近一次拟合的截止日前没有订单，或尚未拟合模型。');
    expect(await page.getByTestId('prediction-card').locator('[role=alert]').count()).toBe(0);
  }, 60_000);
});
