import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { query, type Database } from '../../src/platform/db/database.js';
import { Jobs } from '../../src/platform/jobs/jobs.js';
import { createLogger } from '../../src/platform/logger.js';
import { openTestDatabase } from '../support/test-db.js';

// pg-boss runs on PGlite through its `db` option and on PostgreSQL with its own pool; one file
// covers both because pg-boss's first start (creating its schema) is the slow part.
let database: Database;
let jobs: Jobs;

beforeAll(async () => {
  database = await openTestDatabase();
  jobs = new Jobs(database, createLogger('silent'), (database as Database & { url?: string }).url);
  await jobs.start();
});
afterAll(async () => {
  await jobs?.stop();
  await database?.close();
});

/** A promise with its resolver, to wait for a worker without guessing how long it takes. */
function signal<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe(`jobs on ${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'PGlite'}`, () => {
  it('processes a sent job exactly once and marks it completed', async () => {
    const seen: Array<{ orderId: string }> = [];
    const done = new Map<string, ReturnType<typeof signal<void>>>([
      ['o-1', signal<void>()],
      ['o-2', signal<void>()],
    ]);
    await jobs.work<{ orderId: string }>(
      'test-recalculate',
      async (data) => {
        seen.push(data);
        done.get(data.orderId)?.resolve();
      },
      0.5,
    );
    const first = await jobs.send('test-recalculate', { orderId: 'o-1' });
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    await done.get('o-1')!.promise;
    // A second job after the first: once it is through, the first cannot still be pending.
    await jobs.send('test-recalculate', { orderId: 'o-2' });
    await done.get('o-2')!.promise;

    expect(seen).toEqual([{ orderId: 'o-1' }, { orderId: 'o-2' }]);
    // The worker completes a fetched job before it fetches the next, so o-1 is done by now.
    const job = await jobs.getJob('test-recalculate', first!);
    expect(job).toMatchObject({ name: 'test-recalculate', data: { orderId: 'o-1' }, state: 'completed', retryCount: 0 });
  });

  it('creates a cron schedule in the business time zone', async () => {
    await jobs.schedule('test-daily-rfm', '0 3 * * *', 'Asia/Shanghai');
    const rows = await query<{ name: string; cron: string; timezone: string }>(
      database.db,
      sql`select name, cron, timezone from pgboss.schedule where name = 'test-daily-rfm'`,
    );
    expect(rows).toEqual([{ name: 'test-daily-rfm', cron: '0 3 * * *', timezone: 'Asia/Shanghai' }]);
  });
});
