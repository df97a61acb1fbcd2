import { expect } from 'vitest';
import type { TestApp } from './test-app.js';

/**
 * A hand-built brand (business zone Asia/Shanghai) whose figures are worked out by hand:
 *   A 13800000001: 10-25 pos SH01 100.00 (first order) · 11-02 pos SH01 200.00 · 11-05 online 300.00
 *   B 13800000002: 11-03 pos BJ02 150.00 (first order) · 11-04 online 999.00 cancelled
 *   C 13800000003: 08-02 pos SH01 50.00 (first order) · 11-10 23:30 miniprogram 80.00 (last minute of the period)
 *   D 13800000004: a profile without orders, created today (after every period)
 *   guests: 10-30 pos BJ02 40.00 · 11-06 pos SH01 70.00 · 11-11 00:10 pos SH01 500.00 (just after the period)
 * Period 2025-11-01 – 11-10; the previous period is 10-22 – 10-31.
 */
export const INSIGHTS_ORDERS = [
  { id: 'A1', phone: '13800000001', at: '2025-10-25T12:00:00+08:00', channel: 'pos', store: 'SH01', paid: '100.00' },
  { id: 'A2', phone: '13800000001', at: '2025-11-02T12:00:00+08:00', channel: 'pos', store: 'SH01', paid: '200.00' },
  { id: 'A3', phone: '13800000001', at: '2025-11-05T12:00:00+08:00', channel: 'online', paid: '300.00' },
  { id: 'B1', phone: '13800000002', at: '2025-11-03T12:00:00+08:00', channel: 'pos', store: 'BJ02', paid: '150.00' },
  { id: 'B2', phone: '13800000002', at: '2025-11-04T12:00:00+08:00', channel: 'online', paid: '999.00', status: 'cancelled' },
  { id: 'C1', phone: '13800000003', at: '2025-08-02T12:00:00+08:00', channel: 'pos', store: 'SH01', paid: '50.00' },
  { id: 'C2', phone: '13800000003', at: '2025-11-10T23:30:00+08:00', channel: 'miniprogram', paid: '80.00' },
  { id: 'G1', at: '2025-10-30T12:00:00+08:00', channel: 'pos', store: 'BJ02', paid: '40.00' },
  { id: 'G2', at: '2025-11-06T12:00:00+08:00', channel: 'pos', store: 'SH01', paid: '70.00' },
  { id: 'G3', at: '2025-11-11T00:10:00+08:00', channel: 'pos', store: 'SH01', paid: '500.00' },
] as const;

/** Writes the stores, the orders above and D through the API. */
export async function seedInsightsBrand(t: TestApp): Promise<void> {
  const post = async (url: string, payload: object) => {
    const res = await t.app.inject({ method: 'POST', url, headers: t.admin, payload });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json();
  };
  await post('/api/v1/stores/batch', {
    items: [
      { code: 'SH01', name: '上海南京西路店', city: '上海' },
      { code: 'BJ02', name: '北京三里屯店', city: '北京' },
    ],
  });
  const r = await post('/api/v1/orders/batch', {
    items: INSIGHTS_ORDERS.map((o) => ({
      channel: o.channel,
      externalId: o.id,
      ...('store' in o ? { storeCode: o.store } : {}),
      placedAt: o.at,
      ...('phone' in o ? { customer: { phone: o.phone } } : {}),
      ...('status' in o ? { status: o.status } : {}),
      lines: [{ sku: 'SKU1', quantity: 1, unitPrice: o.paid }],
      paidAmount: o.paid,
    })),
  });
  expect(r.summary.error, JSON.stringify(r.results)).toBe(0);
  await post('/api/v1/customers', { phone: '13800000004', name: '丁' });
}
