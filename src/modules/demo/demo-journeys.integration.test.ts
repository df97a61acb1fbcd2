import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../platform/db/database.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import { NearbyStoresProvider } from '../messaging/variables/index.js';
import { DemoService, type DemoSummary } from './index.js';

/** The demo with its journeys: 200 people of seed "1", the ready-made journeys installed, five run over 30 days. */
const OPTIONS = { customers: 200, seed: '1', until: '2025-11-30', journeys: true };
const SLOW = 300_000;

let t: TestApp;
let demo: DemoService;
let first: DemoSummary;

beforeAll(async () => {
  t = await createTestApp();
  demo = new DemoService({ ...t.kemai, strongIdentifiers: t.kemai.config.strongIdentifiers });
  first = await demo.seed(OPTIONS);
}, SLOW);
afterAll(async () => t?.close());

describe('demo journeys', () => {
  it('installs the nine blueprints, publishes five and runs them over the last 30 days', async () => {
    const j = first.journeys!;
    expect({ installed: j.installed, published: j.published, days: j.days }).toEqual({ installed: 9, published: 5, days: 30 });
    const rows = await query<{ code: string; status: string }>(t.kemai.database.db, sql`select code, status from journeys.journeys order by code collate "C"`);
    expect(rows.map((r) => [r.code, r.status])).toEqual([
      ['birthday', 'active'],
      ['birthday_call', 'draft'],
      ['complaint_care', 'draft'],
      ['quarterly_callback', 'draft'],
      ['referral', 'draft'],
      ['second_purchase', 'active'],
      ['tier_upgrade', 'active'],
      ['welcome', 'active'],
      ['win_back', 'active'],
    ]);
    // Who enters and converts follows from the data; who is held out from the draw on each journey's (random) id.
    expect(j.results.map((r) => [r.code, r.entered, r.converted])).toEqual([
      ['welcome', 11, 0],
      ['second_purchase', 11, 0],
      ['win_back', 11, 0],
      ['birthday', 12, 1],
      ['tier_upgrade', 0, 0],
    ]);
    for (const r of j.results) expect(r.heldOut).toBeLessThanOrEqual(r.entered);
    // Nobody from the two years before the window entered: every entry is inside the last 30 days.
    const [early] = await query<{ n: number }>(t.kemai.database.db, sql`select count(*)::int as n from journeys.enrollments where entered_at < '2025-11-01T00:00:00+08:00'`);
    expect(early!.n).toBe(0);
    // The simulated days sent their messages at the simulated time (the demo's channels log them): none expired unsent.
    const statuses = await query<{ status: string; n: number; in_window: number }>(
      t.kemai.database.db,
      sql`select status, count(*)::int as n, count(*) filter (where sent_at >= '2025-11-01T00:00:00+08:00' and sent_at < '2025-12-01T00:00:00+08:00')::int as in_window
            from messaging.messages group by status order by status collate "C"`,
    );
    // How many were held out follows from each journey's random id, so the counts are checked against the engine's own
    // record: one message per send step a treated person ran, each sent inside the window, blocked, or (the last
    // evening's) still held by quiet hours — none expired unsent.
    const [planned] = await query<{ n: number }>(t.kemai.database.db, sql`select count(*)::int as n from journeys.step_runs where detail ? 'dedupeKey'`);
    const by = Object.fromEntries(statuses.map((r) => [r.status, r]));
    expect(Object.keys(by).filter((k) => !['blocked', 'queued', 'sent'].includes(k))).toEqual([]);
    expect(statuses.reduce((a, r) => a + r.n, 0)).toBe(planned!.n);
    expect(by.sent!.n).toBe(by.sent!.in_window);
    expect(by.sent!.n).toBeGreaterThan(by.blocked!.n);
    expect(by.queued?.n ?? 0).toBeLessThanOrEqual(5);
  });

  it('gives members locations near the demo stores and stated channels', async () => {
    const [c] = await query<{ located: number; preferred: number; active: number }>(
      t.kemai.database.db,
      sql`select count(*) filter (where attributes ? 'location')::int as located, count(*) filter (where attributes ? 'preferredChannel')::int as preferred,
                 count(*)::int as active from customers.customers where status = 'active'`,
    );
    expect(c).toEqual({ located: 44, preferred: 33, active: 199 });
    const ids = await query<{ id: string }>(t.kemai.database.db, sql`select id::text as id from customers.customers where attributes ? 'location'`);
    const near = await new NearbyStoresProvider().load(t.kemai.database.db, ids.map((r) => r.id), () => 'zh-CN');
    // 0.3–5 km from a store: most within 3 km.
    expect([near.size, ids.length]).toEqual([33, 44]);
  });

  it('changes nothing when run again', async () => {
    const again = await demo.seed(OPTIONS);
    expect(again.journeys!.published).toBe(0);
    expect(again.journeys!.days).toBe(0);
    expect(again.journeys!.results).toEqual(first.journeys!.results);
  }, SLOW);
});
