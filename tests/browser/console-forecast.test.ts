import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { TestApp } from '../support/test-app.js';
import { SHOTS, skipReason, type Browser } from '../support/browser.js';
import { demoBrowser, signIn, type DemoBrowser } from '../support/demo-browser.js';

/**
 * The demand forecast page on the demo brand, in Debian's chromium against the real server: the total forecast and
 * backtest as the API gives them, a category picked from the series list, weekly, and the page in Chinese.
 */
if (skipReason) console.warn(`forecast browser tests skipped: ${skipReason}`);

const ANALYST = { username: 'forecast.analyst', displayName: '计划员', password: 'Kemai-Forecast-2026', role: 'store_manager' as const };

interface Forecast {
  key: string | null;
  horizon: number;
  forecast: Array<{ units: number }>;
  model: { method: string; holidays: string[] };
  backtest: { mase: number; maseNaive: number; ratio: number; origins: number; byOrigin: Array<{ date: string }> } | null;
}

describe.skipIf(skipReason)('forecast console in a browser', () => {
  let d: DemoBrowser;
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let page: Page;
  const dec = (locale: string, v: number, digits: number) => new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(v);
  const get = async <T>(url: string): Promise<T> => {
    const r = await t.app.inject({ method: 'GET', url, headers: t.admin });
    expect(r.statusCode, r.body).toBe(200);
    return r.json() as T;
  };
  const kpi = (id: string) => page.getByTestId(id).innerText();

  beforeAll(async () => {
    d = await demoBrowser({ seed: 'forecast-browser', staff: [ANALYST] });
    ({ t, base, browser, page } = d);
  }, 240_000);

  afterAll(async () => d?.close());

  it('forecasts all sales with the backtest the API gives (insights:read is enough)', async () => {
    await signIn(page, base, ANALYST);
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('link', { name: 'Demand forecast' }).click();
    await page.getByRole('heading', { name: 'Demand forecast', level: 1 }).waitFor();
    const api = await get<Forecast>('/api/v1/insights/forecasts?level=total&granularity=day&backtest=true&holidays=true');
    expect(api.horizon).toBe(28);
    await page.getByTestId('forecast-backtest').waitFor();
    expect(await kpi('forecast-total')).toBe(dec('en', api.forecast.reduce((s, p) => s + p.units, 0), 0));
    expect(await kpi('forecast-mase')).toBe(dec('en', api.backtest!.mase, 2));
    expect(await kpi('forecast-ratio')).toBe(dec('en', api.backtest!.ratio, 2));
    expect(await page.locator('[data-testid=forecast-backtest] tbody tr').count()).toBe(api.backtest!.byOrigin.length);
    await page.getByTestId('forecast-chart').locator('canvas').waitFor();
    await browser.shot('insights-forecast-total-en');
  }, 90_000);

  it('picks a category from the series list, then weekly', async () => {
    const series = await get<{ items: Array<{ key: string; units: number }> }>('/api/v1/insights/forecasts/series?level=category&depth=2&limit=50');
    expect(series.items.length).toBeGreaterThan(2);
    await page.locator('select[name=level]').selectOption('category');
    const second = series.items[1]!.key;
    await page.locator('select[name=key]').selectOption(second);
    await page.getByTestId('forecast-chart').getByRole('heading', { name: second }).waitFor();
    const daily = await get<Forecast>(`/api/v1/insights/forecasts?level=category&key=${encodeURIComponent(second)}&granularity=day&backtest=true&holidays=true`);
    await expect.poll(() => kpi('forecast-total'), { timeout: 15_000 }).toBe(dec('en', daily.forecast.reduce((s, p) => s + p.units, 0), 0));

    await page.locator('select[name=granularity]').selectOption('week');
    const weekly = await get<Forecast>(`/api/v1/insights/forecasts?level=category&key=${encodeURIComponent(second)}&granularity=week&backtest=true&holidays=true`);
    expect(weekly.horizon).toBe(12);
    await expect.poll(() => kpi('forecast-total'), { timeout: 15_000 }).toBe(dec('en', weekly.forecast.reduce((s, p) => s + p.units, 0), 0));
    await browser.shot('insights-forecast-category-weekly-en');

    await page.locator('input[name=horizon]').fill('500');
    await page.getByRole('alert').filter({ hasText: 'horizon' }).waitFor();
    await page.locator('input[name=horizon]').fill('');
  }, 90_000);

  it('reads in Chinese', async () => {
    await page.getByRole('button', { name: '中文' }).click();
    await page.getByRole('heading', { name: '需求预测', level: 1 }).waitFor();
    await page.locator('select[name=level]').selectOption('total');
    await page.getByTestId('forecast-backtest').getByRole('heading', { name: '回测：过去做出的预测与实际对比' }).waitFor();
    expect(await page.getByTestId('forecast-terms').innerText()).toMatch(/^模型使用的节假日项：|^未使用节假日项/);
    await page.getByTestId('forecast-chart').locator('canvas').waitFor();
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(SHOTS, 'insights-forecast-total-zh.png'), fullPage: true });
  }, 90_000);
});
