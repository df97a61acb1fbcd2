import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../../platform/db/database.js';
import { DemoService } from '../../demo/index.js';
import { createTestApp, type TestApp } from '../../../../tests/support/test-app.js';
import { DEFAULT_STAGES } from './cycles.service.js';

/**
 * The demo brand (200 people of seed "1", whose babies grow through diaper sizes and formula stages) against an
 * independent reckoning in TypeScript from the order lines: every stored cycle and every stage change must be what a
 * plain loop over the purchase days finds.
 */
const AS_OF = '2025-11-30';
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({ KEMAI_TIMEZONE: 'Asia/Shanghai' }, { loyalty: false });
  await new DemoService({ ...t.kemai, strongIdentifiers: t.kemai.config.strongIdentifiers }).seed({ customers: 200, seed: '1', until: AS_OF });
}, 300_000);
afterAll(async () => t?.close());

type Line = { customer_id: string; path: string[]; day: string };
const dayNo = (d: string) => Date.parse(`${d}T00:00:00Z`) / 86_400_000;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = (s.length - 1) / 2;
  return (s[Math.floor(m)]! + s[Math.ceil(m)]!) / 2;
};

describe('repurchase cycles on the demo brand', () => {
  it('stores what a loop over the purchase days finds, and raises the diaper and formula stage changes', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/insights/repurchase-cycles/runs', headers: t.admin, payload: { asOf: AS_OF } });
    expect(res.statusCode, res.body).toBe(201);

    const lines = await query<Line>(
      t.kemai.database.db,
      sql`select customer_id, category_path as path, to_char(placed_at at time zone 'Asia/Shanghai', 'YYYY-MM-DD') as day
          from orders.line_facts
          where not guest and status <> 'cancelled' and returned_quantity < quantity and cardinality(category_path) > 0`,
    );
    const days = new Map<string, Set<string>>();
    for (const l of lines) {
      const key = `${l.customer_id} ${l.path.join('/')}`;
      days.set(key, (days.get(key) ?? new Set()).add(l.day));
    }
    const expected = [...days]
      .filter(([, d]) => d.size >= 2)
      .map(([key, set]) => {
        const d = [...set].sort();
        const gaps = d.slice(1).map((x, i) => dayNo(x) - dayNo(d[i]!));
        return { key, purchases: d.length, last: d.at(-1)!, median: d.length >= 3 ? median(gaps) : null };
      })
      .sort((a, b) => (a.key < b.key ? -1 : 1));
    const stored = await query<{ key: string; purchases: number; last: string; median: number | null }>(
      t.kemai.database.db,
      sql`select customer_id || ' ' || category as key, purchases, last_purchase::text as last, median_days as median
          from insights.repurchase_cycles order by (customer_id::text || ' ' || category) collate "C"`,
    );
    expect(stored.map((r) => ({ ...r, median: r.median === null ? null : Number(r.median) }))).toEqual(expected);
    expect(expected.length).toBeGreaterThan(100);

    // Stage changes: per customer × staged parent, each purchase day's highest stage; the latest move up, if the last
    // day is still at that stage and the move was within 90 days.
    const stageChanges: string[] = [];
    const byParent = new Map<string, Map<string, number>>();
    for (const l of lines) {
      const parent = l.path.slice(0, -1).join('/');
      const rank = DEFAULT_STAGES[parent]?.indexOf(l.path.at(-1)!) ?? -1;
      if (rank < 0) continue;
      const key = `${l.customer_id} ${parent}`;
      const m = byParent.get(key) ?? new Map<string, number>();
      m.set(l.day, Math.max(m.get(l.day) ?? -1, rank));
      byParent.set(key, m);
    }
    for (const [key, m] of byParent) {
      const d = [...m].sort(([a], [b]) => (a < b ? -1 : 1));
      const parent = key.slice(key.indexOf(' ') + 1);
      for (let i = d.length - 1; i > 0; i--) {
        if (d[i]![1] <= d[i - 1]![1]) continue;
        if (d[i]![1] === d.at(-1)![1] && dayNo(d[i]![0]) > dayNo(AS_OF) - 90)
          stageChanges.push(`${key} ${d[i]![0]} ${parent}/${DEFAULT_STAGES[parent]![d[i - 1]![1]]} → ${parent}/${DEFAULT_STAGES[parent]![d[i]![1]]}`);
        break;
      }
    }
    const raised = await query<{ s: string }>(
      t.kemai.database.db,
      sql`select customer_id || ' ' || category || ' ' || anchor_day::text || ' ' || from_category || ' → ' || to_category as s
          from insights.rhythm_changes where kind = 'stage_change'`,
    );
    expect(raised.map((r) => r.s).sort()).toEqual(stageChanges.sort());
    expect(stageChanges.some((s) => s.includes('母婴/纸尿裤/'))).toBe(true);
    expect(res.json().changesRaised).toBeGreaterThan(stageChanges.length);
  });
});
