import pg from 'pg';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storageUnavailable } from '../../src/platform/http/app.js';
import { openTestDatabase } from '../support/test-db.js';
import { query, type Database } from '../../src/platform/db/database.js';

describe('database conditions a client should retry', () => {
  it('maps disk full, restarts, overload and broken connections to 503 codes, and nothing else', () => {
    expect(storageUnavailable({ code: '53100' })?.code).toBe('storage_full');
    for (const code of ['53200', '53300', '57P01', '57P02', '57P03', '08006', '08001', 'ECONNREFUSED'])
      expect(storageUnavailable({ code })?.code, code).toBe('database_unavailable');
    // drizzle wraps the driver's error: the code is found along the causes.
    expect(storageUnavailable(Object.assign(new Error('Failed query: insert …'), { cause: { code: '53100' } }))?.code).toBe('storage_full');
    expect(storageUnavailable(new Error('Connection terminated unexpectedly'))?.code).toBe('database_unavailable');
    expect(storageUnavailable(new Error("Client has encountered a connection error and is not queryable"))?.code).toBe("database_unavailable");
    for (const code of ['23505', '40P01', '22P02', undefined]) expect(storageUnavailable({ code }), String(code)).toBeUndefined();
    expect(storageUnavailable(new Error('boom'))).toBeUndefined();
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL)('a server whose database connection is killed mid-transaction (PostgreSQL)', () => {
  let database: Database;
  let admin: pg.Client;
  beforeAll(async () => {
    database = await openTestDatabase({ poolSize: 2 });
    admin = new pg.Client({ connectionString: (database as Database & { url: string }).url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.end();
    await database.close();
  });

  it('fails that transaction with a retryable error, does not crash the process, and the next query works', async () => {
    let failure: unknown;
    await database.db
      .transaction(async (tx) => {
        const [row] = (await query<{ pid: number }>(tx, sql`select pg_backend_pid() as pid`));
        await admin.query('select pg_terminate_backend($1)', [row!.pid]);
        await new Promise((r) => setTimeout(r, 200));
        await tx.execute(sql`select 1`);
      })
      .catch((e: unknown) => (failure = e));
    expect(failure).toBeDefined();
    expect(storageUnavailable(failure)?.code).toBe('database_unavailable');
    // The pool replaced the dead client; had its 'error' event gone unhandled, this test process would have died.
    const rows = await query<{ answer: number }>(database.db, sql`select 41 + 1 as answer`);
    expect(rows[0]!.answer).toBe(42);
  });
});

