import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../../platform/db/database.js';
import { createTestApp, type TestApp } from '../../../../tests/support/test-app.js';
import { clustersTable } from '../../../cli/segments-clusters.commands.js';

/**
 * Three groups of ten customers, each with one order a month in January, February and March 2026,
 * one in each channel (pos, online, mini-program: the channel mix is the same for everyone):
 * - price-sensitive P0…P9: 2 × 服装 CHEAP at 50.00 with 30.00 off the line (paid 70.00, 35.00 a unit);
 * - quality-seeking Q0…Q9: 1 × 服装 LUX at 300.00, no discount;
 * - social S0…S9: 1 × 美妆 GLOW at 120.00, no discount, 4 share events (4/3 an order) and one referral each.
 * Customer i of a group orders on day 10 + i of each month. As of 2026-03-31.
 * 服装's median unit price: 30 lines at 35.00 and 30 at 300.00 → (35 + 300) / 2 = 167.50; 美妆's 120.00.
 */
const AS_OF = '2026-03-31';
const GROUPS = {
  P: { sku: 'CHEAP', quantity: 2, unitPrice: '50.00', discount: '30.00', shares: 0 },
  Q: { sku: 'LUX', quantity: 1, unitPrice: '300.00', discount: undefined, shares: 0 },
  S: { sku: 'GLOW', quantity: 1, unitPrice: '120.00', discount: undefined, shares: 4 },
} as const;
type Group = keyof typeof GROUPS;
const phone = (g: Group, i: number) => `1390000${'PQS'.indexOf(g)}0${i}`.padEnd(11, '0');

let t: TestApp;
let admin: { authorization: string };
let reader: { authorization: string };
const ids: Record<string, string> = {};

beforeAll(async () => {
  t = await createTestApp();
  admin = t.admin;
  reader = await t.keyWith(['segments:read']);
  const post = async (url: string, payload: object) => {
    const res = await t.app.inject({ method: 'POST', url, headers: admin, payload });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json();
  };
  await post('/api/v1/products/batch', {
    items: [
      { sku: 'CHEAP', name: '基础T恤', category: '服装/上衣' },
      { sku: 'LUX', name: '羊绒大衣', category: '服装/外套' },
      { sku: 'GLOW', name: '精华液', category: '美妆/护肤' },
    ],
  });
  const orders: object[] = [];
  const events: object[] = [];
  for (const g of ['P', 'Q', 'S'] as Group[]) {
    const spec = GROUPS[g];
    for (let i = 0; i < 10; i++) {
      (['pos', 'online', 'miniprogram'] as const).forEach((channel, m) => {
        orders.push({
          channel,
          externalId: `${g}${i}-${m}`,
          ...(channel === 'pos' ? { storeCode: 'SH01' } : {}),
          placedAt: `2026-0${m + 1}-${10 + i}T12:00:00+08:00`,
          customer: { phone: phone(g, i) },
          lines: [{ sku: spec.sku, quantity: spec.quantity, unitPrice: spec.unitPrice, ...(spec.discount ? { discount: spec.discount } : {}) }],
        });
      });
      for (let s = 0; s < spec.shares; s++)
        events.push({ type: 'share', occurredAt: `2026-03-0${s + 1}T20:00:00+08:00`, customer: { phone: phone(g, i) }, channel: 'miniprogram' });
    }
  }
  const r = await post('/api/v1/orders/batch', { items: orders });
  expect(r.summary.error, JSON.stringify(r.results)).toBe(0);
  const e = await post('/api/v1/events/batch', { items: events });
  expect(e.summary?.error ?? 0).toBe(0);
  const rows = await query<{ id: string; phone: string }>(
    t.kemai.database.db,
    sql`select customer_id as id, value as phone from customers.identifiers where type = 'phone'`,
  );
  for (const row of rows) for (const g of ['P', 'Q', 'S'] as Group[]) for (let i = 0; i < 10; i++) if (row.phone.endsWith(phone(g, i))) ids[`${g}${i}`] = row.id;
  expect(Object.keys(ids)).toHaveLength(30);
  // Each social customer refers a new person (without orders: the referees are not clustered themselves).
  for (let i = 0; i < 10; i++) {
    const code = (await t.app.inject({ method: 'GET', url: `/api/v1/loyalty/members/${ids[`S${i}`]}/referral`, headers: admin })).json().code;
    await post('/api/v1/loyalty/referrals', { code, referee: { phone: `1391111000${i}` }, referredAt: '2026-02-01T10:00:00+08:00' });
  }
  await t.kemai.events.drain();
});
afterAll(async () => t?.close());

const run = (payload: object, headers = admin) => t.app.inject({ method: 'POST', url: '/api/v1/segments/clusters/runs', headers, payload });
const get = (url: string, headers = reader) => t.app.inject({ method: 'GET', url, headers });

interface Profile {
  cluster: number;
  name: string;
  size: number;
  segmentCode: string;
  distinguishing: Array<{ feature: string; direction: string }>;
  centroid: Record<string, { z: number; value: number }>;
}

describe('clustering customers by behaviour', () => {
  it('chooses k = 3 by silhouette and names the clusters price-sensitive, quality-seeking, social', async () => {
    const res = await run({ asOf: AS_OF, seed: 7 });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ asOf: AS_OF, k: 3, seed: 7, chosenBy: 'silhouette', kRange: { min: 2, max: 8 }, customers: 30, silhouetteExact: true, silhouetteScored: 30 });
    expect(body.silhouetteByK.map((s: { k: number }) => s.k)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    const best = Math.max(...body.silhouetteByK.map((s: { silhouette: number }) => s.silhouette));
    expect(body.silhouetteByK.find((s: { k: number }) => s.k === 3).silhouette).toBe(best);
    expect(body.features.map((f: { key: string }) => f.key)).toEqual([
      'recency_days',
      'orders',
      'net_spend',
      'discount_share',
      'price_ratio',
      'store_share',
      'online_share',
      'miniprogram_share',
      'shares',
      'referrals',
      'category:服装',
      'category:美妆',
    ]);

    const clusterOf = async (key: string) => (await get(`/api/v1/segments/clusters/customers/${ids[key]}`)).json();
    const nameOf = new Map<string, string>();
    for (const g of ['P', 'Q', 'S'] as Group[]) {
      const names = new Set<string>();
      for (let i = 0; i < 10; i++) names.add((await clusterOf(`${g}${i}`)).name);
      expect([...names], g).toHaveLength(1);
      nameOf.set(g, [...names][0]!);
    }
    expect(Object.fromEntries(nameOf)).toEqual({ P: 'price_sensitive', Q: 'quality_seeking', S: 'social' });

    const profiles = body.clusters as Profile[];
    expect(profiles.map((p) => [p.name, p.size, p.segmentCode])).toEqual(
      expect.arrayContaining([
        ['price_sensitive', 10, 'cluster_price_sensitive'],
        ['quality_seeking', 10, 'cluster_quality_seeking'],
        ['social', 10, 'cluster_social'],
      ]),
    );
    const social = profiles.find((p) => p.name === 'social')!;
    // Shares, referrals and the 美妆 share are all the social group's alone (z = √2 each); 服装 is the other groups' (−√2).
    for (const x of social.distinguishing) expect(['shares', 'referrals', 'category:美妆', 'category:服装']).toContain(x.feature);
    expect(social.centroid.shares!.z).toBeCloseTo(Math.SQRT2, 12);
    expect(social.centroid.shares!.value).toBeCloseTo(4 / 3, 12);
    const cheap = profiles.find((p) => p.name === 'price_sensitive')!;
    expect(cheap.centroid.discount_share!.value).toBeCloseTo(0.3, 12);
    expect(cheap.centroid.price_ratio!.value).toBeCloseTo(35 / 167.5, 12);

    // The CLI's table: one line per cluster with its centroid in original units (recency 12…21 days → 16 back from the log).
    const table = clustersTable(body).split('\n');
    expect(table[0]).toMatch(/^Clusters as of 2026-03-31: 30 customers, k = 3 \(best silhouette of k 2\.\.8\), seed 7, silhouette 0\.\d{3}, [\d.]+ s$/);
    expect(table).toHaveLength(5);
    const line = table.find((l) => l.includes(' price_sensitive '))!;
    expect(line.split(/\s+/).slice(3, 13)).toEqual(['10', '33%', expect.stringMatching(/^0\.\d\d$/), '16', '3.0', '210', '30%', '0.21', '33%', '33%']);
  });

  it("answers a customer's features in original units", async () => {
    const p0 = (await get(`/api/v1/segments/clusters/customers/${ids.P0}`)).json();
    const v = (k: string) => p0.features[k].value;
    // P0 ordered 01-10, 02-10, 03-10: 21 days before 03-31; 3 × 70.00; 90.00 off 300.00 list.
    expect([v('recency_days'), v('orders'), v('net_spend'), v('discount_share'), v('store_share'), v('online_share'), v('miniprogram_share'), v('shares')]).toEqual([
      21, 3, 210, 0.3, 1 / 3, 1 / 3, 1 / 3, 0,
    ]);
    expect(v('price_ratio')).toBeCloseTo(35 / 167.5, 14);
    expect(v('category:服装')).toBe(1);
    expect(v('category:美妆')).toBe(0);
    const s0 = (await get(`/api/v1/segments/clusters/customers/${ids.S0}`)).json();
    expect([s0.features.shares.value, s0.features.referrals.value, s0.features.price_ratio.value]).toEqual([4 / 3, 1, 1]);
    expect(s0.features.referrals.z).toBeGreaterThan(0);
  });

  it('keeps one cluster segment per cluster with its members', async () => {
    const rows = await query<{ code: string; kind: string; size: number; active: boolean; members: number | string; definition: { cluster: number } }>(
      t.kemai.database.db,
      sql`select s.code, s.kind, s.size, s.active, s.definition, (select count(*) from segments.members m where m.segment_id = s.id) as members
          from segments.segments s where s.kind = 'cluster' order by s.code collate "C"`,
    );
    expect(rows.map((r) => [r.code, r.size, Number(r.members), r.active])).toEqual([
      ['cluster_price_sensitive', 10, 10, true],
      ['cluster_quality_seeking', 10, 10, true],
      ['cluster_social', 10, 10, true],
    ]);    // Entries went through the membership machinery: logged, published for journeys, size history written.
    const entered = await query<{ code: string; customers: number | string; reason: string }>(
      t.kemai.database.db,
      sql`select * from (
            select payload->>'code' as code, sum(jsonb_array_length(payload->'customerIds')) as customers, min(payload->>'reason') as reason
            from platform.outbox where name = 'segments.customer.entered' and payload->>'code' like 'cluster%' group by 1) t
          order by code collate "C"`,
    );
    expect(entered.map((e) => [e.code, Number(e.customers), e.reason])).toEqual([
      ['cluster_price_sensitive', 10, 'created'],
      ['cluster_quality_seeking', 10, 'created'],
      ['cluster_social', 10, 'created'],
    ]);
    const log = await query<{ open: number | string; history: number | string }>(
      t.kemai.database.db,
      sql`select (select count(*) from segments.membership_log l join segments.segments s on s.id = l.segment_id where s.kind = 'cluster' and l.exited_at is null) as open,
                 (select count(*) from segments.size_history h join segments.segments s on s.id = h.segment_id where s.kind = 'cluster' and h.size = 10) as history`,
    );
    expect([Number(log[0]!.open), Number(log[0]!.history)]).toEqual([30, 3]);
  });

  it('gives the same clusters for the same seed and data', async () => {
    const latest = (await get('/api/v1/segments/clusters/latest')).json();
    const again = (await run({ asOf: AS_OF, seed: 7 })).json();
    expect(again.id).not.toBe(latest.id);
    expect(again.clusters).toEqual(latest.clusters.map((c: Profile) => c));
    expect(again.silhouette).toBe(latest.silhouette);
    expect(again.features).toEqual(latest.features);
    const other = (await run({ asOf: AS_OF, seed: 12345, k: 3 })).json();
    expect(other.clusters.map((c: Profile) => [c.name, c.size])).toEqual(latest.clusters.map((c: Profile) => [c.name, c.size]));
  });

  it('with k = 2 names two clusters and deactivates the cluster segment it no longer has', async () => {
    const res = await run({ asOf: AS_OF, k: 2 });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ k: 2, chosenBy: 'given', kRange: null, silhouetteByK: [] });
    const names = res.json().clusters.map((c: Profile) => c.name);
    expect(new Set(names).size).toBe(2);
    const rows = await query<{ code: string; size: number; active: boolean; members: number | string }>(
      t.kemai.database.db,
      sql`select s.code, s.size, s.active, (select count(*) from segments.members m where m.segment_id = s.id) as members
          from segments.segments s where s.kind = 'cluster' and not s.active`,
    );
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(rows.every((r) => r.size === 0 && Number(r.members) === 0)).toBe(true);
    const total = await query<{ n: number | string }>(
      t.kemai.database.db,
      sql`select count(*) as n from segments.members m join segments.segments s on s.id = m.segment_id where s.kind = 'cluster'`,
    );
    expect(Number(total[0]!.n)).toBe(30);
  });

  it('refuses bad input naming the field, and runs only with segments:admin', async () => {
    const cases: Array<[object, string]> = [
      [{ k: 1 }, 'k'],
      [{ k: 3, kRange: { min: 2, max: 4 } }, 'kRange'],
      [{ kRange: { min: 5, max: 3 } }, 'kRange.max'],
      [{ seed: -1 }, 'seed'],
      [{ asOf: '2026-02-30' }, 'asOf'],
      [{ sample: 10 }, 'sample'],
      [{ colour: 'red' }, '(root)'],
      [{ k: 21 }, 'k'],
    ];
    const before = await query<{ n: number | string }>(t.kemai.database.db, sql`select count(*) as n from segments.cluster_runs`);
    for (const [payload, path] of cases) {
      const res = await run(payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.details.issues.map((i: { path: string }) => i.path), JSON.stringify(payload)).toContain(path);
    }
    const after = await query<{ n: number | string }>(t.kemai.database.db, sql`select count(*) as n from segments.cluster_runs`);
    expect(Number(after[0]!.n)).toBe(Number(before[0]!.n));
    expect((await run({ k: 2 }, reader)).statusCode).toBe(403);
    expect((await get(`/api/v1/segments/clusters/customers/00000000-0000-7000-8000-000000000000`)).json().error.code).toBe('segments.customer_not_clustered');
  });

  it('documents the routes in the OpenAPI description', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    const post = doc.paths['/api/v1/segments/clusters/runs'].post;
    expect(Object.keys(post.requestBody.content['application/json'].schema.properties).sort()).toEqual(['asOf', 'k', 'kRange', 'sample', 'seed']);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/segments/clusters/latest', '/api/v1/segments/clusters/runs/{runId}', '/api/v1/segments/clusters/customers/{customerId}']),
    );
  });
});
