import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import { seedInsightsBrand } from '../../../tests/support/insights-brand.js';


let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ KEMAI_TIMEZONE: 'Asia/Shanghai' });
  await seedInsightsBrand(t);
});
afterAll(async () => t?.close());

const get = (url: string, headers: Record<string, string> = t.admin) => t.app.inject({ method: 'GET', url, headers });
const zeros = (from: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    date: new Date(Date.parse(`${from}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10),
    revenueFen: 0,
    orders: 0,
    buyers: 0,
    newMembers: 0,
  }));

describe('GET /api/v1/insights/overview', () => {
  it('works out every figure for the period and the previous period', async () => {
    const res = await get('/api/v1/insights/overview?from=2025-11-01&to=2025-11-10&compare=previous');
    expect(res.statusCode, res.body).toBe(200);
    const o = res.json();
    expect(o.period).toEqual({ from: '2025-11-01', to: '2025-11-10', days: 10 });
    expect(o.comparison).toEqual({ from: '2025-10-22', to: '2025-10-31', days: 10, kind: 'previous' });
    expect(o.granularity).toBe('day');
    expect(o.timeZone).toBe('Asia/Shanghai');
    expect(o.kpis).toEqual({
      members: { current: 3, comparison: 2 }, // A, B, C by 11-10; A, C by 10-31 (D was created after both)
      activeMembers: { current: 3, comparison: 1 }, // 08-13 – 11-10: A, B, C; 08-03 – 10-31: A (C's 08-02 is a day early)
      newMembers: { current: 1, comparison: 1 }, // B; A
      buyers: { current: 3, comparison: 1 },
      repurchaseRate: { current: 1 / 3, comparison: 0 }, // A bought twice
      orders: { current: 5, comparison: 2 }, // the cancelled B2 and G3 (11-11 00:10) are out
      revenueFen: { current: 80000, comparison: 14000 },
      averageOrderValueFen: { current: 16000, comparison: 7000 },
      memberSalesShare: { current: 73000 / 80000, comparison: 10000 / 14000 },
    });
    expect(o.byChannel).toEqual([
      { channel: 'pos', orders: 3, revenueFen: 42000, comparisonRevenueFen: 14000 },
      { channel: 'online', orders: 1, revenueFen: 30000, comparisonRevenueFen: 0 },
      { channel: 'miniprogram', orders: 1, revenueFen: 8000, comparisonRevenueFen: 0 },
    ]);
    expect(o.byStore).toEqual([
      { storeCode: 'SH01', name: '上海南京西路店', orders: 2, revenueFen: 27000, comparisonRevenueFen: 10000 },
      { storeCode: 'BJ02', name: '北京三里屯店', orders: 1, revenueFen: 15000, comparisonRevenueFen: 4000 },
    ]);
    const current = zeros('2025-11-01', 10);
    Object.assign(current[1]!, { revenueFen: 20000, orders: 1, buyers: 1 });
    Object.assign(current[2]!, { revenueFen: 15000, orders: 1, buyers: 1, newMembers: 1 });
    Object.assign(current[4]!, { revenueFen: 30000, orders: 1, buyers: 1 });
    Object.assign(current[5]!, { revenueFen: 7000, orders: 1, buyers: 0 }); // a guest is no buyer
    Object.assign(current[9]!, { revenueFen: 8000, orders: 1, buyers: 1 });
    const previous = zeros('2025-10-22', 10);
    Object.assign(previous[3]!, { revenueFen: 10000, orders: 1, buyers: 1, newMembers: 1 });
    Object.assign(previous[8]!, { revenueFen: 4000, orders: 1, buyers: 0 });
    expect(o.trend).toEqual({ current, comparison: previous });
  });

  it('compares with the same dates a year earlier: empty figures are zero, ratios null', async () => {
    const o = (await get('/api/v1/insights/overview?from=2025-11-01&to=2025-11-10&compare=year')).json();
    expect(o.comparison).toEqual({ from: '2024-11-01', to: '2024-11-10', days: 10, kind: 'year' });
    expect(o.kpis.revenueFen).toEqual({ current: 80000, comparison: 0 });
    expect(o.kpis.members).toEqual({ current: 3, comparison: 0 });
    expect(o.kpis.repurchaseRate).toEqual({ current: 1 / 3, comparison: null });
    expect(o.kpis.averageOrderValueFen).toEqual({ current: 16000, comparison: null });
    expect(o.kpis.memberSalesShare).toEqual({ current: 73000 / 80000, comparison: null });
    expect(o.byChannel.map((c: { comparisonRevenueFen: number }) => c.comparisonRevenueFen)).toEqual([0, 0, 0]);
    expect(o.trend.comparison).toEqual(zeros('2024-11-01', 10));
  });

  it('draws periods over 92 days in weeks starting on the first day', async () => {
    const o = (await get('/api/v1/insights/overview?from=2025-08-01&to=2025-11-10')).json();
    expect(o.period.days).toBe(102);
    expect(o.granularity).toBe('week');
    expect(o.trend.current).toHaveLength(15);
    expect(o.trend.current[0]).toEqual({ date: '2025-08-01', revenueFen: 5000, orders: 1, buyers: 1, newMembers: 1 });
    expect(o.trend.current[14]).toEqual({ date: '2025-11-07', revenueFen: 8000, orders: 1, buyers: 1, newMembers: 0 });
    expect(o.trend.current.reduce((s: number, p: { revenueFen: number }) => s + p.revenueFen, 0)).toBe(99000);
    expect(o.comparison).toEqual({ from: '2025-04-21', to: '2025-07-31', days: 102, kind: 'previous' });
  });

  it('defaults to the 30 days ending on the day of the latest order', async () => {
    const o = (await get('/api/v1/insights/overview')).json();
    expect(o.period).toEqual({ from: '2025-10-13', to: '2025-11-11', days: 30 });
    expect(o.kpis.orders.current).toBe(8); // A1 A2 A3 B1 C2 G1 G2 G3
    const week = (await get('/api/v1/insights/overview?days=7')).json();
    expect(week.period).toEqual({ from: '2025-11-05', to: '2025-11-11', days: 7 });
    expect(week.kpis.orders).toEqual({ current: 4, comparison: 3 }); // A3 G2 C2 G3; G1 A2 B1 (10-29 – 11-04)
  });

  it('answers 400 naming the field for bad dates and a reversed period', async () => {
    const cases: Array<[string, string]> = [
      ['from=2025-11-10&to=2025-11-01', 'from'],
      ['from=2025-13-01&to=2025-11-01', 'from'],
      ['from=2025-11-01&to=11/10/2025', 'to'],
      ['from=2023-01-01&to=2025-11-10', 'from'],
      ['from=2025-02-29', 'from'],
      ['compare=month', 'compare'],
      ['days=0', 'days'],
    ];
    for (const [qs, field] of cases) {
      const res = await get(`/api/v1/insights/overview?${qs}`);
      expect(res.statusCode, qs).toBe(400);
      expect(res.json().error.details.issues.map((i: { path: string }) => i.path), qs).toEqual([`querystring.${field}`]);
    }
  });

  it('needs orders:read', async () => {
    expect((await get('/api/v1/insights/overview', await t.keyWith(['customers:read']))).statusCode).toBe(403);
    expect((await get('/api/v1/insights/overview', await t.keyWith(['orders:read']))).statusCode).toBe(200);
  });
});
