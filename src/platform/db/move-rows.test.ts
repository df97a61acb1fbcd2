import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../../tests/support/test-db.js';
import { query, type Database } from './database.js';
import { moveCustomerRows } from './move-rows.js';

let database: Database;
const A = '00000000-0000-7000-8000-00000000000a';
const B = '00000000-0000-7000-8000-00000000000b';
beforeAll(async () => {
  database = await openTestDatabase({ poolSize: 1 });
  await database.db.execute(sql`create schema if not exists movetest`);
  await database.db.execute(sql`create table movetest.things (customer_id uuid not null, id int not null, key text, guest boolean not null default false,
    doubled int generated always as (id * 2) stored, primary key (customer_id, id), unique (customer_id, key))`);
});
afterAll(async () => {
  await database?.db.execute(sql`drop schema if exists movetest cascade`);
  await database?.close();
});

const rows = () => query<{ customer_id: string; id: number; key: string | null; guest: boolean; doubled: number }>(database.db, sql`select customer_id::text, id, key, guest, doubled from movetest.things order by id`);

describe('moveCustomerRows (insert + delete in one statement, never update customer_id)', () => {
  it('moves exactly the rows asked for, with overrides, generated columns computed again, and answers the moved rows', async () => {
    await database.db.execute(sql`insert into movetest.things (customer_id, id, key, guest) values (${A}, 1, 'k1', true), (${A}, 2, 'k2', true), (${A}, 3, null, true), (${B}, 4, 'k9', false)`);
    const moved = await moveCustomerRows<{ id: number }>(database.db, 'movetest.things', A, B, { where: sql`t.id <> 3`, set: { guest: sql`false` }, returning: ['id'] });
    expect(moved.map((m) => m.id).sort()).toEqual([1, 2]);
    expect(await rows()).toEqual([
      { customer_id: B, id: 1, key: 'k1', guest: false, doubled: 2 },
      { customer_id: B, id: 2, key: 'k2', guest: false, doubled: 4 },
      { customer_id: A, id: 3, key: null, guest: true, doubled: 6 },
      { customer_id: B, id: 4, key: 'k9', guest: false, doubled: 8 },
    ]);
  });

  it('changes nothing when the new owner already holds a key (the statement fails whole)', async () => {
    await database.db.execute(sql`insert into movetest.things (customer_id, id, key) values (${A}, 5, 'k9')`);
    const before = await rows();
    await expect(moveCustomerRows(database.db, 'movetest.things', A, B)).rejects.toThrow();
    expect(await rows()).toEqual(before);
  });

  it('refuses a table without customer_id, an unknown column and a bad name', async () => {
    await expect(moveCustomerRows(database.db, 'movetest.things', A, B, { set: { nope: sql`1` } })).rejects.toThrow('movetest.things has no column nope');
    await expect(moveCustomerRows(database.db, 'movetest.things; drop', A, B)).rejects.toThrow('bad table name');
    await expect(moveCustomerRows(database.db, 'platform.outbox', A, B)).rejects.toThrow('platform.outbox has no customer_id');
  });
});
