import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../../platform/db/database.js';
import { createTestApp, type TestApp } from '../../../../tests/support/test-app.js';

/** 1,001 members who each bought wipes on 1, 11 and 21 March 2024 and then stopped: 1,001 changes in one run. */
const MEMBERS = 1001;
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ KEMAI_TIMEZONE: 'Asia/Shanghai' }, { loyalty: false });
  const post = async (url: string, payload: object) => {
    const res = await t.app.inject({ method: 'POST', url, headers: t.admin, payload });
    expect(res.statusCode, res.body).toBeLessThan(300);
  };
  await post('/api/v1/products/batch', { items: [{ sku: 'W1', name: '婴儿湿巾 80抽', category: '母婴/湿巾' }] });
  const orders = Array.from({ length: MEMBERS }, (_, m) =>
    ['01', '11', '21'].map((d) => ({
      channel: 'online',
      externalId: `M${m}-${d}`,
      placedAt: `2024-03-${d}T12:00:00+08:00`,
      customer: { memberNo: `EV-${m}` },
      lines: [{ sku: 'W1', quantity: 1, unitPrice: '30.00' }],
    })),
  ).flat();
  for (let i = 0; i < orders.length; i += 1000) await post('/api/v1/orders/batch', { items: orders.slice(i, i + 1000) });
}, 300_000);
afterAll(async () => t?.close());

describe('insights.rhythm.changed', () => {
  it('carries at most 1,000 changes an event: 1,001 changes are two events, each change once', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/insights/repurchase-cycles/runs', headers: t.admin, payload: { asOf: '2024-06-30' } });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ cycles: MEMBERS, established: MEMBERS, changesRaised: MEMBERS });
    const events = await query<{ n: number; customers: number; kinds: string[] }>(
      t.kemai.database.db,
      sql`select jsonb_array_length(payload->'changes') as n,
                 (select count(distinct c->>'customerId')::int from jsonb_array_elements(payload->'changes') c) as customers,
                 (select array_agg(distinct c->>'kind') from jsonb_array_elements(payload->'changes') c) as kinds
          from platform.outbox where name = 'insights.rhythm.changed' order by n desc`,
    );
    expect(events).toEqual([
      { n: 1000, customers: 1000, kinds: ['stopped'] },
      { n: 1, customers: 1, kinds: ['stopped'] },
    ]);
    const all = await query<{ n: number }>(
      t.kemai.database.db,
      sql`select count(distinct c->>'changeId')::int as n from platform.outbox o, jsonb_array_elements(o.payload->'changes') c where o.name = 'insights.rhythm.changed'`,
    );
    expect(all).toEqual([{ n: MEMBERS }]);
    expect(await query(t.kemai.database.db, sql`select count(*)::int as n from customers.timeline_items where kind = 'insights.rhythm_changed'`)).toEqual([{ n: MEMBERS }]);
  }, 120_000);
});
