import { expect } from 'vitest';

/**
 * A constructed brand for repurchase cycles (business zone Asia/Shanghai), every figure worked out by hand; as of
 * 2024-06-30:
 *   A wipes 01-01 · 01-31 (two orders, one purchase) · 03-01 00:30 (29 Feb 16:30 UTC) · 03-31; a cancelled order 05-15
 *     and a wholly returned one 06-01 do not count. Gaps 30, 30 (over 29 Feb), 30 → median 30, next 04-30, 61 days
 *     overdue; 91 days since ≥ 3 × 30: stopped.
 *   B wipes 04-01 · 04-21 · 05-11 → median 20, next 05-31, 30 overdue; 50 days since > 1.8 × 20 and ≥ 14: slowing.
 *   C face cream 02-26 · 03-27 · 04-26 · 05-26 · 06-05 · 06-15 → gaps 30, 30, 30, 10, 10, median 30; the last two
 *     < 0.5 × 30: speeding.
 *   D diapers S 04-01 · 04-15 · 04-29 then M 05-13 · 05-27 · 06-10 · 06-24: S median 14, 62 days since, but bought past
 *     (M after it), so not 'stopped'; M median 14, 6 days since: none; S → M on 05-13: a stage change of 母婴/纸尿裤.
 *   E face cream 05-01 · 06-01: two purchases, no cycle yet (median null).
 *   A guest's wipes on 06-20 count nowhere.
 * Member numbers CY-A … CY-E; phones 1390000000 1 … 5.
 */
export const CYCLES_PHONES = { A: '13900000001', B: '13900000002', C: '13900000003', D: '13900000004', E: '13900000005' } as const;
type Who = keyof typeof CYCLES_PHONES;

const at = (day: string) => `${day}T12:00:00+08:00`;
const series = (who: Who, prefix: string, sku: string, days: string[]) => days.map((d, i) => ({ id: `${prefix}${i}`, who, placedAt: at(d), sku }));
export const CYCLES_ORDERS: Array<{ id: string; who?: Who; placedAt: string; sku: string; status?: string }> = [
  ...series('A', 'A', 'W1', ['2024-01-01', '2024-01-31', '2024-03-31']),
  { id: 'A-same-day', who: 'A', placedAt: '2024-01-31T20:00:00+08:00', sku: 'W1' },
  { id: 'A-leap', who: 'A', placedAt: '2024-02-29T16:30:00Z', sku: 'W1' },
  { id: 'A-cancelled', who: 'A', placedAt: at('2024-05-15'), sku: 'W1', status: 'cancelled' },
  { id: 'A-returned', who: 'A', placedAt: at('2024-06-01'), sku: 'W1' },
  ...series('B', 'B', 'W1', ['2024-04-01', '2024-04-21', '2024-05-11']),
  ...series('C', 'C', 'F1', ['2024-02-26', '2024-03-27', '2024-04-26', '2024-05-26', '2024-06-05', '2024-06-15']),
  ...series('D', 'DS', 'DS', ['2024-04-01', '2024-04-15', '2024-04-29']),
  ...series('D', 'DM', 'DM', ['2024-05-13', '2024-05-27', '2024-06-10', '2024-06-24']),
  ...series('E', 'E', 'F1', ['2024-05-01', '2024-06-01']),
  { id: 'G1', placedAt: at('2024-06-20'), sku: 'W1' },
];

type Inject = (opts: { method: 'POST'; url: string; payload: object }) => Promise<{ statusCode: number; body: string; json(): unknown }>;

/** Writes the products, the orders above and A's return through the API. */
export async function seedCyclesBrand(inject: Inject): Promise<void> {
  const ok = async (url: string, payload: object) => {
    const res = await inject({ method: 'POST', url, payload });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json() as { summary?: { error: number }; results?: unknown };
  };
  await ok('/api/v1/products/batch', {
    items: [
      { sku: 'W1', name: '婴儿湿巾 80抽', category: '母婴/湿巾' },
      { sku: 'F1', name: '保湿面霜 50ml', category: '美妆/护肤/面霜' },
      { sku: 'DS', name: '纸尿裤 S 76片', category: '母婴/纸尿裤/S' },
      { sku: 'DM', name: '纸尿裤 M 64片', category: '母婴/纸尿裤/M' },
    ],
  });
  const r = await ok('/api/v1/orders/batch', {
    items: CYCLES_ORDERS.map((o) => ({
      channel: 'online',
      externalId: o.id,
      placedAt: o.placedAt,
      ...(o.who ? { customer: { phone: CYCLES_PHONES[o.who], memberNo: `CY-${o.who}` } } : {}),
      ...(o.status ? { status: o.status } : {}),
      lines: [{ sku: o.sku, quantity: 2, unitPrice: '50.00' }],
      paidAmount: '100.00',
    })),
  });
  expect(r.summary?.error, JSON.stringify(r.results)).toBe(0);
  await ok('/api/v1/returns', {
    channel: 'online',
    externalId: 'RA',
    order: { channel: 'online', externalId: 'A-returned' },
    returnedAt: '2024-06-05T10:00:00+08:00',
    lines: [{ lineNo: 1, quantity: 2 }],
  });
}
