import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../../tests/support/test-db.js';
import { query, type Database } from '../db/database.js';
import { newId } from '../ids.js';
import { createLogger } from '../logger.js';
import { OUTBOX_PRUNE_JOB, pruneOutbox, scheduleOutboxPrune } from './outbox-prune.js';
import { finishedState, withJobs } from '../../../tests/support/jobs.js';

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => database?.close());
beforeEach(async () => {
  await database.db.execute(sql`delete from platform.event_deliveries`);
  await database.db.execute(sql`delete from platform.outbox`);
});

/** An outbox row delivered `age` ago (null: not delivered), with deliveries for these subscribers. */
async function event(label: string, age: string | null, subscribers: string[]): Promise<string> {
  const id = newId();
  const delivered = age === null ? sql`null` : sql`now() - ${age}::interval`;
  await database.db.execute(sql`insert into platform.outbox (id, name, occurred_at, payload, delivered_at)
    values (${id}, 'test.thing.happened', now() - interval '30 days', ${JSON.stringify({ label })}::jsonb, ${delivered})`);
  for (const s of subscribers) await database.db.execute(sql`insert into platform.event_deliveries (event_id, subscriber) values (${id}, ${s})`);
  return id;
}

const remaining = async () => ({
  events: (await query<{ label: string }>(database.db, sql`select payload->>'label' as label from platform.outbox order by id`)).map((r) => r.label),
  deliveries: (
    await query<{ label: string | null; subscriber: string }>(
      database.db,
      sql`select o.payload->>'label' as label, d.subscriber from platform.event_deliveries d
          left join platform.outbox o on o.id = d.event_id order by d.event_id, d.subscriber`,
    )
  ).map((r) => `${r.label ?? 'orphan'}:${r.subscriber}`),
});

describe('pruneOutbox', () => {
  it('deletes delivered events older than seven days with their deliveries, and nothing else', async () => {
    await event('old-1', '8 days', ['a', 'b']);
    await event('recent', '6 days', ['a']);
    await event('failing', null, ['a']);
    await event('old-2', '10 days', ['a']);
    await event('just-inside', '7 days -1 minute', ['b']);
    await event('just-outside', '7 days 1 minute', ['a', 'b']);
    await event('old-3', '30 days', []);
    await database.db.execute(sql`insert into platform.event_deliveries (event_id, subscriber) values (${newId()}, 'x')`);

    // Batches of two: the loop must go on until a batch comes back short.
    expect(await pruneOutbox(database.db, { batchSize: 2 })).toEqual({ events: 4, deliveries: 5 });
    expect(await remaining()).toEqual({
      events: ['recent', 'failing', 'just-inside'],
      deliveries: ['recent:a', 'failing:a', 'just-inside:b', 'orphan:x'],
    });
    expect(await pruneOutbox(database.db)).toEqual({ events: 0, deliveries: 0 });
  });

  it('keeps a different retention when asked', async () => {
    await event('two-days', '2 days', ['a']);
    await event('half-day', '12 hours', ['a']);
    expect(await pruneOutbox(database.db, { retentionDays: 1 })).toEqual({ events: 1, deliveries: 1 });
    expect(await remaining()).toEqual({ events: ['half-day'], deliveries: ['half-day:a'] });
  });
});

describe(`the daily prune job on ${process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'PGlite'}`, () => {
  it('is scheduled in the business time zone and prunes when it runs', async () => {
    await withJobs(database, async (jobs) => {
      await scheduleOutboxPrune(jobs, database.db, createLogger('silent'), { timeZone: 'Asia/Shanghai', pollingIntervalSeconds: 0.5 });
      const schedules = await query(database.db, sql`select name, cron, timezone from pgboss.schedule where name = ${OUTBOX_PRUNE_JOB}`);
      expect(schedules).toEqual([{ name: 'platform.outbox-prune', cron: '30 4 * * *', timezone: 'Asia/Shanghai' }]);

      await event('old', '9 days', ['a']);
      await event('new', '1 day', ['a']);
      const id = await jobs.send(OUTBOX_PRUNE_JOB, {});
      // Wait for the worker to finish the job; the test's own timeout bounds the wait.
      expect(await finishedState(jobs, OUTBOX_PRUNE_JOB, id!)).toBe('completed');
      expect(await remaining()).toEqual({ events: ['new'], deliveries: ['new:a'] });
    });
  });
});
