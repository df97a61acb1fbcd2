import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../platform/db/database.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import { moveRowsTo } from '../../platform/db/move-rows.js';

/**
 * Loyalty's merge participants move rows with moveCustomerRows (delete + insert, never `update … set customer_id`:
 * customer_id is the distribution column, ADR 0014). A merge moves every ledger entry, lot, lot draw, hold, growth entry
 * and badge award (but a badge and period the survivor holds) column for column; an unmerge puts back exactly those.
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

const post = (url: string, payload: unknown) => t.app.inject({ method: 'POST', url, headers: t.admin, payload: payload as object });
const rows = <T = Record<string, unknown>>(s: ReturnType<typeof sql>) => query<T>(t.kemai.database.db, s);

async function customer(phone: string): Promise<string> {
  const r = await post('/api/v1/customers', { phone });
  expect(r.statusCode, r.body).toBe(201);
  return r.json().id as string;
}

const TABLES = ['ledger_entries', 'lots', 'lot_draws', 'holds', 'growth_entries', 'badge_awards'] as const;

/** Every row of every moved table held by the customers, as text, in a stable order. */
async function snapshot(ids: string[]): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of TABLES) {
    const r = await rows<{ r: string }>(
      sql`select t::text as r from ${sql.raw(`loyalty.${table}`)} t where t.customer_id = any(${sql.param(ids)}::uuid[]) order by t::text collate "C"`,
    );
    out[table] = r.map((x) => x.r);
  }
  return out;
}

const count = async (table: string, id: string) =>
  Number((await rows<{ n: string | number }>(sql`select count(*) as n from ${sql.raw(`loyalty.${table}`)} where customer_id = ${id}`))[0]!.n);

describe('loyalty merge participants (moveCustomerRows)', () => {
  it('move entries, lots, draws, holds, growth and awards to the survivor, column for column, and back on unmerge', async () => {
    const a = await customer('13900000301');
    const b = await customer('13900000302');
    const order = await post('/api/v1/orders', {
      channel: 'pos',
      externalId: 'MV-1',
      storeCode: 'SH01',
      placedAt: '2025-06-18T20:15:00+08:00',
      customer: { phone: '13900000302' },
      lines: [{ sku: 'A1', quantity: 1, unitPrice: '300.00' }],
    });
    expect(order.statusCode, order.body).toBe(201);
    await t.kemai.events.drain();
    for (const [id, points, key] of [
      [a, 40, 'mv-a'],
      [b, 100, 'mv-b'],
    ] as const) {
      const r = await post(`/api/v1/loyalty/members/${id}/adjustments`, { points, reason: '补偿', idempotencyKey: key });
      expect(r.statusCode, r.body).toBe(201);
    }
    const committed = await post('/api/v1/loyalty/holds', { customerId: b, points: 30, idempotencyKey: 'mv-h1' });
    expect(committed.statusCode, committed.body).toBe(201);
    expect((await post(`/api/v1/loyalty/holds/${committed.json().id}/commit`, {})).statusCode).toBe(200);
    const open = await post('/api/v1/loyalty/holds', { customerId: b, points: 10, idempotencyKey: 'mv-h2' });
    expect(open.statusCode, open.body).toBe(201);
    await rows(
      sql`insert into loyalty.badge_awards (customer_id, badge_code, period, progress, detail, awarded_at) values
            (${a}, 'MV-BADGE', '2025', 3, '{}', '2025-03-01T00:00:00Z'),
            (${b}, 'MV-BADGE', '2025', 5, '{}', '2025-04-01T00:00:00Z'),
            (${b}, 'MV-BADGE', '2024', 4, '{}', '2024-04-01T00:00:00Z')`,
    );
    const before = await snapshot([a, b]);
    const beforeB = await snapshot([b]);
    expect(beforeB.lot_draws!.length).toBeGreaterThan(0);
    expect(beforeB.growth_entries!.length).toBeGreaterThan(0);
    expect(beforeB.holds).toHaveLength(2);
    const bAccount = await t.kemai.ledger.account(t.kemai.database.db, b);
    const aAccount = await t.kemai.ledger.account(t.kemai.database.db, a);

    const merged = await post(`/api/v1/customers/${a}/merge`, { otherId: b, reason: 'test' });
    expect(merged.statusCode, merged.body).toBe(200);
    await t.kemai.events.drain();
    // Everything of b is a's now, the rows otherwise unchanged; b keeps only the award a already had for 2025.
    for (const table of TABLES) expect(await count(table, b), table).toBe(table === 'badge_awards' ? 1 : 0);
    const after = await snapshot([a, b]);
    const asA = (list: string[]) => list.map((r) => r.replaceAll(b, a)).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    for (const table of ['ledger_entries', 'lots', 'lot_draws', 'holds', 'growth_entries'] as const) {
      expect(asA(after[table]!), table).toEqual(asA(before[table]!));
    }
    expect(
      (await rows<{ customer_id: string; period: string; progress: string | number }>(
        sql`select customer_id, period, progress from loyalty.badge_awards where badge_code = 'MV-BADGE' order by period, customer_id`,
      )).map((r) => [r.customer_id, r.period, Number(r.progress)]),
    ).toEqual([
      [a, '2024', 4],
      ...([
        [a, '2025', 3],
        [b, '2025', 5],
      ] as Array<[string, string, number]>).sort((x, y) => (x[0] < y[0] ? -1 : 1)),
    ]);
    expect(await t.kemai.ledger.account(t.kemai.database.db, a)).toMatchObject({
      available: aAccount.available + bAccount.available,
      held: 10,
      lifetimeEarned: aAccount.lifetimeEarned + bAccount.lifetimeEarned,
    });
    expect(await t.kemai.ledger.account(t.kemai.database.db, b)).toMatchObject({ available: 0, held: 0, lifetimeEarned: 0 });
    // What the merge recorded for unmerge: ids of entries, lots and holds; growth entry ids; award keys under the survivor.
    const [m] = await rows<{ moved: { participants: Record<string, string[]> } }>(sql`select moved from customers.merges where id = ${merged.json().mergeId}`);
    const ledgerIds = m!.moved.participants['loyalty.ledger']!;
    expect(ledgerIds.filter((i) => i.startsWith('e:'))).toHaveLength(beforeB.ledger_entries!.length);
    expect(ledgerIds.filter((i) => i.startsWith('l:'))).toHaveLength(beforeB.lots!.length);
    expect(ledgerIds.filter((i) => i.startsWith('h:'))).toHaveLength(2);
    expect(m!.moved.participants['loyalty-growth']).toHaveLength(beforeB.growth_entries!.length);
    expect(m!.moved.participants['loyalty.badges']).toEqual([JSON.stringify([a, 'MV-BADGE', '2024'])]);

    const un = await post(`/api/v1/customers/${a}/unmerge`, { mergeId: merged.json().mergeId });
    expect(un.statusCode, un.body).toBe(200);
    expect(await snapshot([a, b])).toEqual(before);
    expect(await t.kemai.ledger.account(t.kemai.database.db, a)).toMatchObject({ available: aAccount.available, held: 0, lifetimeEarned: aAccount.lifetimeEarned });
    expect(await t.kemai.ledger.account(t.kemai.database.db, b)).toMatchObject({ available: bAccount.available, held: 10, lifetimeEarned: bAccount.lifetimeEarned });
  });

  it('moveRowsTo brings rows back from whoever holds them now, and names every holder', async () => {
    const [x, y, z] = [await customer('13900000311'), await customer('13900000312'), await customer('13900000313')];
    await rows(
      sql`insert into loyalty.badge_awards (customer_id, badge_code, period, progress, detail, awarded_at) values
            (${x}, 'MV-2', 'a', 1, '{}', now()), (${y}, 'MV-2', 'b', 2, '{}', now()), (${z}, 'MV-2', 'c', 3, '{}', now()), (${y}, 'MV-2', 'd', 4, '{}', now())`,
    );
    const holders = await t.kemai.database.db.transaction((tx) => moveRowsTo(tx, 'loyalty.badge_awards', sql`t.badge_code = 'MV-2' and t.period <> 'd'`, z));
    expect(holders.sort()).toEqual([x, y, z].sort());
    expect(
      (await rows<{ customer_id: string; period: string }>(sql`select customer_id, period from loyalty.badge_awards where badge_code = 'MV-2' order by period`)).map((r) => [
        r.period,
        r.customer_id,
      ]),
    ).toEqual([
      ['a', z],
      ['b', z],
      ['c', z],
      ['d', y],
    ]);
  });
});
