import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../platform/db/database.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';

/**
 * Loyalty idempotency keys are unique per customer — unique (customer_id, idempotency_key) on ledger entries, holds and
 * growth entries — so the tables can be distributed by customer_id (docs/adr/0014-citus-distribution.md). The same key
 * for two members makes two entries; a merge keeps both (the absorbed member's clashing key gets `:from:<id>`).
 */
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

const post = (url: string, payload: unknown) => t.app.inject({ method: 'POST', url, headers: t.admin, payload: payload as object });

async function customer(phone: string): Promise<string> {
  const r = await post('/api/v1/customers', { phone });
  expect(r.statusCode, r.body).toBe(201);
  return r.json().id as string;
}

const keys = (customerId: string) =>
  query<{ idempotency_key: string; points: number | string }>(
    t.kemai.database.db,
    sql`select idempotency_key, points from loyalty.ledger_entries where customer_id = ${customerId} and kind = 'adjust' order by idempotency_key collate "C"`,
  ).then((r) => r.map((e) => [e.idempotency_key, Number(e.points)]));

describe('per-customer idempotency keys', () => {
  it('the same key makes one adjustment per member; a merge keeps both and a replay on the survivor answers its own', async () => {
    const a = await customer('13900000071');
    const b = await customer('13900000072');
    const first = await post(`/api/v1/loyalty/members/${a}/adjustments`, { points: 40, reason: '补偿', idempotencyKey: 'same-key' });
    expect(first.statusCode, first.body).toBe(201);
    const other = await post(`/api/v1/loyalty/members/${b}/adjustments`, { points: 15, reason: '补偿', idempotencyKey: 'same-key' });
    expect(other.statusCode, other.body).toBe(201);
    expect(other.json()).toMatchObject({ created: true, available: 15 });
    const replay = await post(`/api/v1/loyalty/members/${b}/adjustments`, { points: 15, reason: '补偿', idempotencyKey: 'same-key' });
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toMatchObject({ entryId: other.json().entryId, created: false, available: 15 });

    const merged = await t.app.inject({ method: 'POST', url: `/api/v1/customers/${a}/merge`, headers: t.admin, payload: { otherId: b, reason: 'test' } });
    expect(merged.statusCode, merged.body).toBe(200);
    await t.kemai.events.drain();
    expect(await keys(a)).toEqual([
      ['adjust:same-key', 40],
      [`adjust:same-key:from:${b}`, 15],
    ]);
    expect(await t.kemai.ledger.account(t.kemai.database.db, a)).toMatchObject({ available: 55 });
    const again = await post(`/api/v1/loyalty/members/${a}/adjustments`, { points: 40, reason: '补偿', idempotencyKey: 'same-key' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ entryId: first.json().entryId, created: false, available: 55 });

    const un = await t.app.inject({ method: 'POST', url: `/api/v1/customers/${a}/unmerge`, headers: t.admin, payload: { mergeId: merged.json().mergeId } });
    expect(un.statusCode, un.body).toBe(200);
    expect(await keys(a)).toEqual([['adjust:same-key', 40]]);
    expect(await keys(b)).toEqual([[`adjust:same-key:from:${b}`, 15]]);
    expect(await t.kemai.ledger.account(t.kemai.database.db, b)).toMatchObject({ available: 15 });
  });

  it('holds: the same key holds for each member once', async () => {
    const c = await customer('13900000073');
    const d = await customer('13900000074');
    for (const id of [c, d]) {
      const r = await post(`/api/v1/loyalty/members/${id}/adjustments`, { points: 30, reason: '补偿', idempotencyKey: `seed-${id}` });
      expect(r.statusCode, r.body).toBe(201);
    }
    const hc = await post('/api/v1/loyalty/holds', { customerId: c, points: 10, idempotencyKey: 'hold-same' });
    expect(hc.statusCode, hc.body).toBe(201);
    const hd = await post('/api/v1/loyalty/holds', { customerId: d, points: 20, idempotencyKey: 'hold-same' });
    expect(hd.statusCode, hd.body).toBe(201);
    expect(hd.json().id).not.toBe(hc.json().id);
    const replay = await post('/api/v1/loyalty/holds', { customerId: c, points: 10, idempotencyKey: 'hold-same' });
    expect(replay.statusCode, replay.body).toBe(200);
    expect(replay.json().id).toBe(hc.json().id);
  });
});
