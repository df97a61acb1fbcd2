import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../tests/support/test-app.js';
import { addDays } from './holidays.js';

/**
 * Ten weeks of orders, Monday 2026-01-05 to Sunday 2026-03-15 (Asia/Shanghai):
 *   S01: one order a day with SKU A (茶, 食品/饮料/茶) × the weekday's pattern, ¥10 each;
 *   S02: an order every Monday with SKU B (牛奶, 食品/乳品/牛奶) × 2, ¥5 each;
 *   a cancelled order of 100 A on 2026-02-02 (counts nowhere).
 */
const PATTERN = [10, 12, 14, 16, 30, 50, 40];
const FIRST = '2026-01-05';
let t: TestApp;
const get = (url: string, headers = t.admin) => t.app.inject({ method: 'GET', url, headers });

beforeAll(async () => {
  t = await createTestApp({}, { loyalty: false });
  const products = await t.app.inject({
    method: 'POST',
    url: '/api/v1/products/batch',
    headers: t.admin,
    payload: { items: [{ sku: 'A', name: '龙井', category: '食品/饮料/茶' }, { sku: 'B', name: '牛奶', category: '食品/乳品/牛奶' }] },
  });
  expect(products.statusCode, products.body).toBe(200);
  const items = [];
  for (let i = 0; i < 70; i++) {
    const day = addDays(FIRST, i);
    items.push({ channel: 'pos', externalId: `A-${day}`, storeCode: 'S01', placedAt: `${day}T12:00:00+08:00`, lines: [{ sku: 'A', quantity: PATTERN[i % 7]!, unitPrice: '10.00' }] });
    if (i % 7 === 0) items.push({ channel: 'pos', externalId: `B-${day}`, storeCode: 'S02', placedAt: `${day}T00:30:00+08:00`, lines: [{ sku: 'B', quantity: 2, unitPrice: '5.00' }] });
  }
  items.push({ channel: 'pos', externalId: 'X', storeCode: 'S01', status: 'cancelled', placedAt: '2026-02-02T12:00:00+08:00', lines: [{ sku: 'A', quantity: 100, unitPrice: '10.00' }] });
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/orders/batch', headers: t.admin, payload: { items } });
  expect(res.statusCode, res.body).toBe(200);
}, 120_000);
afterAll(async () => t?.close());

describe('GET /api/v1/insights/forecasts', () => {
  it('a SKU with a pure weekly pattern: its history from the orders and an exact forecast', async () => {
    const res = await get('/api/v1/insights/forecasts?level=sku&key=A');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ level: 'sku', key: 'A', granularity: 'day', from: FIRST, to: '2026-03-15', horizon: 28 });
    expect(body.history).toHaveLength(70);
    expect(body.history[0]).toEqual({ date: FIRST, units: 10, salesFen: 10_000 });
    // The cancelled order's 100 units are not in 2026-02-02 (a Monday).
    expect(body.history[28]).toEqual({ date: '2026-02-02', units: 10, salesFen: 10_000 });
    expect(body.forecast).toHaveLength(28);
    expect(body.forecast[0].date).toBe('2026-03-16');
    body.forecast.forEach((p: { units: number; lower: number; upper: number }, h: number) => {
      expect(p.units).toBeCloseTo(PATTERN[h % 7]!, 6);
      expect(p.upper - p.lower).toBeCloseTo(0, 6);
    });
    expect(body.model).toMatchObject({ method: 'regression', fourierK: 0, coverage: 0.8, periods: 70, holidays: ['springFestivalShopping', 'springFestival', 'lantern'] });
    expect(body.backtest).toBeUndefined();
  });

  it('total by week, categories by path prefix, a store', async () => {
    const week = (await get('/api/v1/insights/forecasts?level=total&granularity=week&horizon=3')).json();
    expect(week.history).toHaveLength(10);
    expect(week.history[0]).toEqual({ date: FIRST, units: 174, salesFen: 172 * 1000 + 1000 });
    expect(week.forecast.map((p: { date: string; units: number }) => [p.date, Math.round(p.units * 1e6) / 1e6])).toEqual([
      ['2026-03-16', 174],
      ['2026-03-23', 174],
      ['2026-03-30', 174],
    ]);
    expect(week.model.notes).toEqual(['no yearly seasonality: 70 days of history, a year is needed', 'no trend: 10 weeks of history']);
    const tea = (await get(`/api/v1/insights/forecasts?level=category&key=${encodeURIComponent('食品/饮料')}&horizon=7`)).json();
    expect(tea.history.map((p: { units: number }) => p.units).slice(0, 7)).toEqual(PATTERN);
    const food = (await get(`/api/v1/insights/forecasts?level=category&key=${encodeURIComponent('食品')}&horizon=7`)).json();
    expect(food.history[0].units).toBe(12);
    expect(food.history[1].units).toBe(12);
    const store = (await get('/api/v1/insights/forecasts?level=store&key=S02&horizon=8')).json();
    expect(store.history).toHaveLength(70);
    expect(store.forecast.map((p: { units: number }) => Math.round(p.units * 1e6) / 1e6)).toEqual([2, 0, 0, 0, 0, 0, 0, 2]);
  });

  it('backtests over rolling origins', async () => {
    const res = await get('/api/v1/insights/forecasts?level=sku&key=A&horizon=7&backtest=true&origins=3&coverage=0.95&holidays=false');
    expect(res.statusCode, res.body).toBe(200);
    const { backtest, model } = res.json();
    expect(model).toMatchObject({ coverage: 0.95, holidays: [], terms: ['intercept', 'trend', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] });
    expect(backtest).toMatchObject({ origins: 3, horizon: 7, seasonalPeriod: 7, mae: expect.any(Number), maeNaive: 0 });
    expect(backtest.mae).toBeLessThan(1e-6);
    // The seasonal naive fits this series perfectly in sample: no scale, so no MASE.
    expect(backtest.mase).toBeNull();
    expect(backtest.byOrigin.map((o: { date: string; trainPeriods: number }) => [o.date, o.trainPeriods])).toEqual([
      ['2026-02-23', 49],
      ['2026-03-02', 56],
      ['2026-03-09', 63],
    ]);
  });

  it('bad input is a 400 naming the field; an unknown series a 404; another scope a 403', async () => {
    const issue = async (url: string) => {
      const res = await get(url);
      expect(res.statusCode, res.body).toBe(400);
      return res.json().error.details.issues.map((i: { path: string }) => i.path);
    };
    expect(await issue('/api/v1/insights/forecasts?level=sku')).toEqual(['key']);
    expect(await issue('/api/v1/insights/forecasts?level=sku&key=A&horizon=400')).toEqual(['horizon']);
    expect(await issue('/api/v1/insights/forecasts?level=sku&key=A&granularity=month')).toEqual(['querystring.granularity']);
    expect(await issue('/api/v1/insights/forecasts?level=brand&key=A')).toEqual(['querystring.level']);
    expect(await issue('/api/v1/insights/forecasts?level=total&from=2026-03-10&to=2026-03-01')).toEqual(['from']);
    expect(await issue('/api/v1/insights/forecasts?level=total&from=2020-01-01&to=2026-03-01')).toEqual(['from']);
    const none = await get('/api/v1/insights/forecasts?level=sku&key=ZZZ');
    expect(none.statusCode).toBe(404);
    expect(none.json().error.code).toBe('insights.no_sales');
    const other = await get('/api/v1/insights/forecasts?level=total', await t.keyWith(['orders:read']));
    expect(other.statusCode).toBe(403);
  });
});

describe('GET /api/v1/insights/forecasts/series', () => {
  it('the routes are in the OpenAPI document', async () => {
    const doc = (await get('/api/openapi.json')).json() as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/api/v1/insights/forecasts')).sort()).toEqual(['/api/v1/insights/forecasts', '/api/v1/insights/forecasts/series']);
    expect(Object.keys(doc.paths['/api/v1/insights/forecasts']!)).toEqual(['get']);
  });

  it('lists the series by units, with SKU names and category depth', async () => {
    const skus = (await get('/api/v1/insights/forecasts/series?level=sku')).json();
    expect(skus).toMatchObject({ level: 'sku', depth: null, from: '2025-03-16', to: '2026-03-15' });
    expect(skus.items).toEqual([
      { key: 'A', name: '龙井', units: 1720, salesFen: 1_720_000, days: 70 },
      { key: 'B', name: '牛奶', units: 20, salesFen: 10_000, days: 10 },
    ]);
    const cats = (await get('/api/v1/insights/forecasts/series?level=category&depth=2&limit=1')).json();
    expect(cats.items).toEqual([{ key: '食品/饮料', name: null, units: 1720, salesFen: 1_720_000, days: 70 }]);
    const stores = (await get('/api/v1/insights/forecasts/series?level=store')).json();
    expect(stores.items.map((i: { key: string }) => i.key)).toEqual(['S01', 'S02']);
    expect((await get('/api/v1/insights/forecasts/series?level=total')).statusCode).toBe(400);
  });
});
