import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../../tests/support/test-app.js';

/**
 * Each kind of condition on a small hand-made brand, through the preview API, as of 2026-06-15 12:00 in
 * Shanghai. P1 王芳 (female, born 1990-03-10, 杭州, vip, registered in the mini-program, SMS opt-in; a dress at
 * S1 on 06-10 and a T-shirt online on 04-01; advocate tier; RFM champion). P2 李雷 (male, born 2006-06-20, 上海,
 * student; opted in on all channels, then out of SMS; two T-shirts in the mini-program on 06-14 and a cancelled
 * dress on 06-13; 150 points; two store visits; RFM new). P3 (nothing but a dress ordered after as-of). P4 (vip)
 * is merged into P1 and never appears.
 */
let t: TestApp;
const AS_OF = '2026-06-15T12:00:00+08:00';
const id: Record<'P1' | 'P2' | 'P3' | 'P4', string> = { P1: '', P2: '', P3: '', P4: '' };

const send = async (method: 'POST' | 'GET' | 'PUT', url: string, payload?: unknown) =>
  t.app.inject({ method, url, headers: t.admin, ...(payload === undefined ? {} : { payload: payload as object }) });
const ok = async (method: 'POST' | 'GET' | 'PUT', url: string, payload?: unknown) => {
  const res = await send(method, url, payload);
  expect(res.statusCode, res.body).toBeLessThan(300);
  return res.json();
};

let seq = 0;
const order = (phone: string, at: string, sku: string, quantity: number, price: string, extra: Record<string, unknown> = {}) =>
  ok('POST', '/api/v1/orders', {
    channel: 'pos',
    externalId: `X-${++seq}`,
    placedAt: at,
    customer: { phone },
    lines: [{ sku, quantity, unitPrice: price }],
    ...extra,
  });

beforeAll(async () => {
  t = await createTestApp({ KEMAI_TIMEZONE: 'Asia/Shanghai' }, { loyalty: false });
  await ok('POST', '/api/v1/products/batch', {
    items: [
      { sku: 'DRESS-1', name: '真丝连衣裙', category: '服装/女装/连衣裙', brand: 'Lumi' },
      { sku: 'TEE-1', name: '棉T恤', category: '服装/男装/T恤', brand: 'Basic' },
    ],
  });
  id.P1 = (
    await ok('POST', '/api/v1/customers', {
      phone: '13900000001',
      name: '王芳',
      gender: 'female',
      birthday: '1990-03-10',
      city: '杭州',
      tags: ['vip'],
      attributes: { registeredChannel: 'miniprogram' },
      consents: [{ channel: 'sms', purpose: 'marketing', status: 'granted', recordedAt: '2026-01-01T00:00:00+08:00' }],
    })
  ).id;
  id.P2 = (
    await ok('POST', '/api/v1/customers', {
      phone: '13900000002',
      name: '李雷',
      gender: 'male',
      birthday: '2006-06-20',
      city: '上海',
      tags: ['student'],
      consents: [
        { channel: 'all', purpose: 'marketing', status: 'granted', recordedAt: '2026-01-01T00:00:00+08:00' },
        { channel: 'sms', purpose: 'marketing', status: 'withdrawn', recordedAt: '2026-05-01T00:00:00+08:00' },
      ],
    })
  ).id;
  id.P4 = (await ok('POST', '/api/v1/customers', { phone: '13900000004', tags: ['vip'] })).id;
  await order('13900000001', '2026-06-10T15:00:00+08:00', 'DRESS-1', 1, '299.00', { storeCode: 'S1' });
  await order('13900000001', '2026-04-01T10:00:00+08:00', 'TEE-1', 1, '99.00', { channel: 'online' });
  await order('13900000002', '2026-06-14T20:00:00+08:00', 'TEE-1', 2, '99.00', { channel: 'miniprogram' });
  await order('13900000002', '2026-06-13T20:00:00+08:00', 'DRESS-1', 1, '299.00', { status: 'cancelled' });
  id.P3 = (await order('13900000003', '2026-06-16T09:00:00+08:00', 'DRESS-1', 1, '299.00')).customerId;
  for (const at of ['2026-06-12T10:00:00+08:00', '2026-06-14T10:00:00+08:00'])
    await ok('POST', '/api/v1/events', { type: 'store_visit', occurredAt: at, customer: { phone: '13900000002' }, storeCode: 'S1' });
  await ok('POST', '/api/v1/events', { type: 'view', occurredAt: '2026-05-01T10:00:00+08:00', customer: { phone: '13900000001' } });
  await ok('POST', `/api/v1/loyalty/members/${id.P2}/adjustments`, { points: 150, reason: 'welcome', idempotencyKey: 'seg-test-1' });
  await ok('PUT', `/api/v1/loyalty/members/${id.P1}/tier`, { code: 'advocate', until: '2027-12-31', reason: 'VIP' });
  await ok('POST', `/api/v1/customers/${id.P1}/merge`, { otherId: id.P4, reason: 'same person' });
  await t.kemai.database.db.execute(sql`insert into segments.rfm_scores (customer_id, as_of, recency_days, frequency, monetary_fen, r, f, m, value_class, segment, value_quadrant, computed_at)
    values (${id.P1}, '2026-06-15', 5, 2, 39800, 5, 4, 5, 'high_value', 'champions', 'strategic', now()),
           (${id.P2}, '2026-06-15', 1, 1, 19800, 4, 1, 2, 'potential', 'new', null, now())`);
  await t.kemai.events.drain();
});
afterAll(async () => t?.close());

/** Who the rule selects, by name. */
async function who(rule: unknown): Promise<string[]> {
  const res = await send('POST', '/api/v1/segments/preview', { rule, asOf: AS_OF });
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json() as { count: number; sample: Array<{ id: string }> };
  const names = body.sample.map((s) => (Object.keys(id) as Array<keyof typeof id>).find((k) => id[k] === s.id) ?? s.id).sort();
  expect(body.count).toBe(names.length);
  return names;
}

describe('each condition, exact', () => {
  it('profile, attributes, birthday month, age, member since, tags', async () => {
    expect(await who({ kind: 'profile', field: 'gender', in: ['female'] })).toEqual(['P1']);
    expect(await who({ kind: 'profile', field: 'city', in: ['上海', '北京'] })).toEqual(['P2']);
    expect(await who({ not: { kind: 'profile', field: 'city', in: ['上海'] } })).toEqual(['P1', 'P3']);
    expect(await who({ kind: 'attribute', key: 'registeredChannel', in: ['miniprogram'] })).toEqual(['P1']);
    expect(await who({ kind: 'attribute', key: 'registeredChannel' })).toEqual(['P1']);
    expect(await who({ kind: 'birthday_month', months: [3, 4] })).toEqual(['P1']);
    // P2 turns 20 on 06-20: 19 on 06-15
    expect(await who({ kind: 'age', min: 19, max: 19 })).toEqual(['P2']);
    expect(await who({ kind: 'age', min: 20, max: 35 })).toEqual([]);
    expect(await who({ kind: 'age', min: 36 })).toEqual(['P1']);
    // member since = first non-cancelled order here (the profiles were created after as-of)
    expect(await who({ kind: 'member_since', days: 2 })).toEqual(['P2']);
    expect(await who({ kind: 'member_since', from: '2026-04-01', to: '2026-04-01' })).toEqual(['P1']);
    expect(await who({ kind: 'tag', tags: ['vip', 'student'] })).toEqual(['P1', 'P2']);
    expect(await who({ kind: 'tag', tags: ['vip', 'student'], match: 'all' })).toEqual([]);
  });

  it('consent, tier, points, RFM', async () => {
    expect(await who({ kind: 'consent', channel: 'sms' })).toEqual(['P1']);
    expect(await who({ kind: 'consent', channel: 'wechat' })).toEqual(['P2']);
    expect(await who({ kind: 'consent', channel: 'wechat', purpose: 'service' })).toEqual([]);
    expect(await who({ kind: 'tier', tiers: ['advocate'] })).toEqual(['P1']);
    expect(await who({ kind: 'tier', tiers: ['advocate'], tierSet: 'vip' })).toEqual([]);
    expect(await who({ kind: 'points', op: 'gte', value: 150 })).toEqual(['P2']);
    expect(await who({ kind: 'points', op: 'lt', value: 100 })).toEqual(['P1', 'P3']);
    expect(await who({ kind: 'rfm_score', field: 'r', op: 'eq', value: 5 })).toEqual(['P1']);
    expect(await who({ kind: 'rfm_score', field: 'monetary', op: 'gte', value: 198 })).toEqual(['P1', 'P2']);
    expect(await who({ kind: 'rfm_score', field: 'monetary', op: 'gt', value: 198 })).toEqual(['P1']);
    expect(await who({ kind: 'rfm_label', field: 'segment', in: ['new'] })).toEqual(['P2']);
    expect(await who({ kind: 'rfm_label', field: 'value_quadrant', in: ['strategic', 'growth'] })).toEqual(['P1']);
  });

  it('lifetime figures up to as-of', async () => {
    expect(await who({ kind: 'lifetime', measure: 'orders', op: 'gte', value: 2 })).toEqual(['P1']);
    expect(await who({ kind: 'lifetime', measure: 'orders', op: 'eq', value: 0 })).toEqual(['P3']);
    expect(await who({ kind: 'lifetime', measure: 'net_spend', op: 'eq', value: 398 })).toEqual(['P1']);
    expect(await who({ kind: 'lifetime', measure: 'net_spend', op: 'eq', value: 198 })).toEqual(['P2']);
    expect(await who({ kind: 'lifetime', measure: 'days_since_last_order', op: 'lte', value: 1 })).toEqual(['P2']);
    expect(await who({ kind: 'lifetime', measure: 'days_since_first_order', op: 'eq', value: 75 })).toEqual(['P1']);
  });

  it('purchases: category, SKU, brand, store, channel, counts and sums in windows', async () => {
    expect(await who({ kind: 'purchase', days: 30, category: ['连衣裙'] })).toEqual(['P1']);
    expect(await who({ kind: 'purchase', days: 5, category: ['连衣裙'] })).toEqual([]); // 06-10 is the 6th day back
    expect(await who({ kind: 'purchase', days: 6, category: ['连衣裙'] })).toEqual(['P1']);
    expect(await who({ kind: 'purchase', days: 7, sku: ['TEE-1'], measure: 'quantity', op: 'gte', value: 2 })).toEqual(['P2']);
    expect(await who({ kind: 'purchase', store: ['S1'], channel: ['pos'] })).toEqual(['P1']);
    expect(await who({ kind: 'purchase', days: 30, measure: 'amount', op: 'gte', value: 250 })).toEqual(['P1']);
    expect(await who({ kind: 'purchase', brand: ['Basic'], op: 'eq', value: 0 })).toEqual(['P3']);
    expect(await who({ kind: 'purchase', from: '2026-04-01', to: '2026-04-30', channel: ['online'], measure: 'amount', op: 'eq', value: 99 })).toEqual(['P1']);
  });

  it('behaviour events, and groups', async () => {
    expect(await who({ kind: 'event', type: ['store_visit'], days: 7, value: 2 })).toEqual(['P2']);
    expect(await who({ kind: 'event', type: ['store_visit'], days: 3, value: 2 })).toEqual([]);
    expect(await who({ kind: 'event', type: ['store_visit'], store: ['S1'], days: 7, op: 'eq', value: 0 })).toEqual(['P1', 'P3']);
    expect(await who({ kind: 'event', type: ['view'], from: '2026-05-01', to: '2026-05-01' })).toEqual(['P1']);
    expect(
      await who({
        all: [
          { any: [{ kind: 'tag', tags: ['vip'] }, { kind: 'consent', channel: 'wechat' }] },
          { not: { kind: 'purchase', days: 7, category: ['T恤'] } },
        ],
      }),
    ).toEqual(['P1']);
  });
});
