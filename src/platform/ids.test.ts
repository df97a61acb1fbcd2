import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../tests/support/test-db.js';
import { query, type Database } from './db/database.js';
import { guestCustomerId, isGuestCustomerId, newId } from './ids.js';

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase({ poolSize: 1 });
});
afterAll(async () => database?.close());

describe('guest customer ids (ADR 0014)', () => {
  it('are name-based UUIDv3 in Kemai’s namespace: stable, distinct per sale, never a real id', () => {
    expect(guestCustomerId('pos', 'R1')).toBe('f7c4f9ba-7fba-358b-b35b-782183052522');
    expect(guestCustomerId('pos', 'R1')).toBe(guestCustomerId('pos', 'R1'));
    expect(guestCustomerId('pos', 'R1')).not.toBe(guestCustomerId('online', 'R1'));
    expect(guestCustomerId('pos', 'R1')).not.toBe(guestCustomerId('pos', 'R2'));
    expect(isGuestCustomerId(guestCustomerId('mini_program', '订单-7'))).toBe(true);
    expect(isGuestCustomerId(newId())).toBe(false);
  });

  it('PostgreSQL computes the same id (platform.guest_customer_id), so backfills and SQL inserts agree with the code', async () => {
    const names: Array<[string, string]> = [['pos', 'R1'], ['online', 'SO-2026-000001'], ['mini_program', '订单-7'], ['pos', ''], ['pos', "it's:a:b"]];
    for (const [channel, externalId] of names) {
      const [row] = await query<{ id: string }>(database.db, sql`select platform.guest_customer_id(${channel}, ${externalId})::text as id`);
      expect(row!.id, `${channel}:${externalId}`).toBe(guestCustomerId(channel, externalId));
    }
  });
});
