import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../../tests/support/test-db.js';
import { query, type Database } from './database.js';
import { arrayLiteral, pgArray } from './arrays.js';

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => database?.close());

const roundTrip = async <T>(values: unknown[], type: Parameters<typeof pgArray>[1], cast: string) =>
  (await query<{ v: T }>(database.db, sql`select ${sql.raw(cast)} as v from unnest(${pgArray(values as never, type)}) with ordinality as x(v, n) order by n`)).map((r) => r.v);

describe('array parameters', () => {
  it('text survives quotes, backslashes, commas, braces, blanks, unicode, an empty string and the word NULL; null stays null', async () => {
    const values = ['a"b', 'c\\d', 'e,f', '{g}', '  h  ', '', 'NULL', 'null', '客脉 ✓', 'tab\tnew\nline', null];
    expect(await roundTrip<string | null>(values, 'text', 'x.v')).toEqual(values);
  });

  it('uuids, integers, bigints and booleans go bare; nulls kept', async () => {
    const ids = ['0190f1e2-3c4d-7e5f-8a9b-0c1d2e3f4a5b', null, '0190F1E2-3C4D-7E5F-8A9B-0C1D2E3F4A5C'];
    expect(await roundTrip<string | null>(ids, 'uuid', 'x.v::text')).toEqual([ids[0], null, ids[2]!.toLowerCase()]);
    expect(arrayLiteral([1, -2, null, 9007199254740991], 'bigint')).toBe('{1,-2,NULL,9007199254740991}');
    expect(await roundTrip<string>([1, -2, null, 9007199254740991], 'bigint', 'x.v::text')).toEqual(['1', '-2', null, '9007199254740991']);
    expect(await roundTrip<boolean | null>([true, false, null], 'boolean', 'x.v')).toEqual([true, false, null]);
  });

  it('a malformed uuid is refused by the type, never read as two elements or as NULL', async () => {
    expect(arrayLiteral(['a,b', 'NULL'], 'uuid')).toBe('{"a,b","NULL"}');
    await expect(roundTrip(['0190f1e2-3c4d-7e5f-8a9b-0c1d2e3f4a5b,0190f1e2-3c4d-7e5f-8a9b-0c1d2e3f4a5c'], 'uuid', 'x.v')).rejects.toThrow(/uuid/);
    await expect(roundTrip(['NULL'], 'uuid', 'x.v')).rejects.toThrow(/uuid/);
    expect(() => arrayLiteral([Number.NaN], 'int')).toThrow(/finite/);
  });

  it('times as instants, JSON as jsonb', async () => {
    const at = new Date('2026-02-28T16:00:00.123Z');
    expect(await roundTrip<string>([at, '2026-03-01T00:00:00+08:00', null], 'timestamptz', `to_char(x.v at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS')`)).toEqual([
      '2026-02-28T16:00:00.123',
      '2026-02-28T16:00:00.000',
      null,
    ]);
    const docs = [{ a: 'x"y\\z', n: [1, 2], u: '客' }, null, {}];
    expect(await roundTrip<unknown>(docs, 'jsonb', 'x.v')).toEqual(docs);
  });
});
