import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../platform/db/database.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import { DemoService, type DemoSummary } from './index.js';

/**
 * 200 people of seed "1" through the real services on a real database. Every figure below follows
 * from the generator's determinism, so they are exact; the generator's own prediction of golden
 * profiles (connected strong identifiers) must equal what identity resolution produced.
 */
const OPTIONS = { customers: 200, seed: '1', until: '2025-11-30' };
const SLOW = 300_000;

let t: TestApp;
let demo: DemoService;
let first: DemoSummary;

const count = async (statement: ReturnType<typeof sql>) => Number((await query<{ n: number }>(t.kemai.database.db, statement))[0]!.n);

beforeAll(async () => {
  t = await createTestApp();
  demo = new DemoService({ ...t.kemai, strongIdentifiers: t.kemai.config.strongIdentifiers });
  expect(await demo.isEmpty()).toBe(true);
  first = await demo.seed(OPTIONS);
}, SLOW);
afterAll(async () => t?.close());

describe('demo seeding', () => {
  it('writes the brand through the services and reports exact counts', () => {
    expect({ ...first, seconds: 0 }).toEqual({
      seed: '1',
      window: { from: '2023-12-02', to: '2025-11-30' },
      stores: 10,
      products: 500,
      people: 200,
      members: 138,
      customers: 199,
      expectedCustomers: 199,
      orders: 738,
      guestOrders: 23,
      lines: 1268,
      returns: 36,
      events: 1215,
      anonymousEvents: 202,
      duplicateCandidates: 1,
      promotions: 11,
      seconds: 0,
    });
  });

  it('leaves exactly those rows in the database', async () => {
    expect(await count(sql`select count(*)::int as n from customers.customers where status = 'active'`)).toBe(199);
    expect(await count(sql`select count(*)::int as n from orders.orders where source = 'demo'`)).toBe(738);
    expect(await count(sql`select count(*)::int as n from orders.orders where guest`)).toBe(23);
    expect(await count(sql`select count(*)::int as n from orders.order_lines`)).toBe(1268);
    expect(await count(sql`select count(*)::int as n from orders.returns`)).toBe(36);
    expect(await count(sql`select (select count(*) from activity.events where source = 'demo') + (select count(*) from activity.anonymous_events where source = 'demo') as n`)).toBe(1215);
    expect(await count(sql`select count(*)::int as n from catalog.products`)).toBe(500);
    expect(await demo.isEmpty()).toBe(false);
  });

  it('merged the same people seen through different channels, and kept the look-alikes for review', async () => {
    // Records that arrived before the linking one (an online order without a phone, say) made
    // their own profiles, which identity resolution then merged on a shared strong identifier.
    expect(await count(sql`select count(*)::int as n from customers.merges where undone_at is null`)).toBe(5);
    expect(await count(sql`select count(*)::int as n from customers.customers where status = 'merged'`)).toBe(5);
    expect(
      await count(sql`select count(*)::int as n from (select customer_id from orders.orders where not guest
                        group by customer_id having count(distinct channel) = 3) x`),
    ).toBe(10);
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/customers/duplicates', headers: t.admin });
    expect(res.statusCode).toBe(200);
    const items = res.json().items as Array<{ reason: string }>;
    expect(items.map((i) => i.reason)).toEqual(['same_name_birthday_city']);
  });

  it('attributes anonymous browsing to the person once they sign in', async () => {
    expect(await count(sql`select count(*)::int as n from activity.events where anonymous_id is not null and customer_id is not null`)).toBe(257);
    expect(await count(sql`select count(*)::int as n from activity.anonymous_events`)).toBe(63);
  });

  it('shows the customer 360 of a shopper who uses all three channels', async () => {
    const [row] = await query<{ id: string }>(
      t.kemai.database.db,
      sql`select customer_id as id from orders.orders where not guest
          group by customer_id having count(distinct channel) = 3 order by count(*) desc, customer_id limit 1`,
    );
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/customers/${row!.id}`, headers: t.admin });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.stats.channels.map((c: { channel: string }) => c.channel).sort()).toEqual(['miniprogram', 'online', 'pos']);
    const types = new Set(body.identifiers.map((i: { type: string }) => i.type));
    for (const type of ['phone', 'ecom_user_id', 'wechat_unionid']) expect(types.has(type)).toBe(true);
  });

  it('makes the shopping festivals and the Spring Festival dip visible', async () => {
    const day = (d: string) => count(sql`select count(*)::int as n from orders.orders where (placed_at at time zone 'Asia/Shanghai')::date = ${d}::date`);
    const week = (from: string) =>
      count(sql`select count(*)::int as n from orders.orders where (placed_at at time zone 'Asia/Shanghai')::date between ${from}::date and ${from}::date + 6`);
    expect(await day('2025-11-11')).toBe(9);
    expect(await day('2024-11-11')).toBe(5);
    // 738 orders over 730 days is about one a day: seven a week in an ordinary March week, two
    // over the Spring Festival, sixteen in the week up to 618.
    expect(await week('2025-03-04')).toBe(8);
    expect(await week('2025-01-28')).toBe(2);
    expect(await week('2025-06-12')).toBe(16);
  });

  it('runs the brand\'s promotions on SKUs and categories of its catalogue', async () => {
    const active = await t.kemai.promotions.active(new Date('2025-12-01T12:00:00+08:00'));
    expect(active.map((a) => a.code).sort()).toEqual([
      'DEMO-BIRTHDAY',
      'DEMO-FLASH-NUTS',
      'DEMO-GIFT399',
      'DEMO-MEMBER-SERUM',
      'DEMO-MJ300',
      'DEMO-NEW30',
      'DEMO-PICKUP10',
      'DEMO-REPEAT2',
      'DEMO-WOMEN-2PCS',
    ]);
    expect((await t.kemai.promotions.active(new Date('2025-12-04T12:00:00+08:00'))).map((a) => a.code)).not.toContain('DEMO-FLASH-NUTS');
    const { items } = await t.kemai.promotions.list({ limit: 50 });
    expect(items.map((p) => p.status).sort()).toEqual(['active', 'active', 'active', 'active', 'active', 'active', 'active', 'active', 'active', 'draft', 'ended']);
    const skus = items.flatMap((p) => {
      const r = p.definition.rule;
      return r.kind === 'price' ? r.prices.map((x) => x.sku) : r.kind === 'gift' ? r.gifts.map((g) => g.sku) : [];
    });
    expect(skus).toHaveLength(5);
    const listed = await query<{ sku: string; list_price_fen: number }>(t.kemai.database.db, sql`select sku, list_price_fen from catalog.products where sku = any(${`{${skus.join(',')}}`}::text[])`);
    expect(listed).toHaveLength(5);
    const price = new Map(listed.map((r) => [r.sku, Number(r.list_price_fen)]));
    for (const p of items) {
      const r = p.definition.rule;
      if (r.kind === 'price') for (const x of r.prices) expect(x.priceFen).toBeLessThan(price.get(x.sku)!);
    }
    // 女装 2件8折 on two dresses of the catalogue, priced by the preview.
    const dresses = await query<{ sku: string; list_price_fen: number }>(t.kemai.database.db, sql`select sku, list_price_fen from catalog.products where category_path[2] = '女装' order by sku collate "C" limit 2`);
    const women = items.find((p) => p.code === 'DEMO-WOMEN-2PCS')!;
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/promotions/preview',
      headers: t.admin,
      payload: { promotion: { name: women.name, definition: women.definition }, cart: { lines: dresses.map((d) => ({ sku: d.sku, quantity: 1 })) } },
    });
    const subtotal = dresses.reduce((s, d) => s + Number(d.list_price_fen), 0);
    expect(res.json()).toMatchObject({ subtotalFen: subtotal, discountFen: Math.floor(subtotal / 5) });
  });

  it(
    'changes nothing when run again with the same seed and window',
    async () => {
      const again = await demo.seed(OPTIONS);
      expect({ ...again, seconds: 0 }).toEqual({ ...first, seconds: 0 });
      expect(await count(sql`select count(*)::int as n from orders.orders where version > 1`)).toBe(0);
      expect(await count(sql`select (select count(*) from activity.events) + (select count(*) from activity.anonymous_events) as n`)).toBe(1215);
      expect(await count(sql`select count(*)::int as n from customers.customers where status = 'active'`)).toBe(199);
      expect(await count(sql`select count(*)::int as n from promotions.promotions where version = 1 and created_by = 'system:demo'`)).toBe(11);
    },
    SLOW,
  );
});
