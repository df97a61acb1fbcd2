import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openDatabase, query, type Database } from '../../src/platform/db/database.js';
import { EventBus, publish, type DomainEvent } from '../../src/platform/events/event-bus.js';
import { createLogger } from '../../src/platform/logger.js';
import { openTestDatabase } from '../support/test-db.js';

const log = createLogger('silent');
let database: Database;

beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => database?.close());
beforeEach(async () => {
  await database.db.execute(sql`delete from platform.event_deliveries`);
  await database.db.execute(sql`delete from platform.outbox`);
});

async function publishMany(names: string[]): Promise<string[]> {
  return database.db.transaction(async (tx) => {
    const ids: string[] = [];
    for (const [i, name] of names.entries()) ids.push(await publish(tx, name, { n: i }));
    return ids;
  });
}

const outboxRow = async (id: string) =>
  (
    await query<{ delivered: boolean; attempts: number; last_error: string | null; due: boolean }>(
      database.db,
      sql`select delivered_at is not null as delivered, attempts, last_error, next_attempt_at <= now() as due
          from platform.outbox where id = ${id}`,
    )
  )[0];

describe('EventBus', () => {
  it('delivers nothing published in a transaction that rolled back', async () => {
    const bus = new EventBus(database.db, log);
    const seen: DomainEvent[] = [];
    bus.subscribe('test.order.placed', 'test.rollback', async (e) => {
      seen.push(e);
    });
    await expect(
      database.db.transaction(async (tx) => {
        await publish(tx, 'test.order.placed', { orderId: 'o-1' });
        throw new Error('the order insert failed');
      }),
    ).rejects.toThrow('the order insert failed');
    expect(await bus.drain()).toBe(0);
    expect(seen).toEqual([]);
    const [{ n }] = (await query<{ n: number }>(database.db, sql`select count(*)::int as n from platform.outbox`)) as [{ n: number }];
    expect(n).toBe(0);
  });

  it('delivers each committed event once to each subscriber, in publication order', async () => {
    const bus = new EventBus(database.db, log);
    const got: Record<string, Array<{ name: string; payload: unknown }>> = { a: [], b: [], all: [] };
    bus.subscribe('test.order.placed', 'test.a', async (e) => void got.a!.push({ name: e.name, payload: e.payload }));
    bus.subscribe('test.order.placed', 'test.b', async (e) => void got.b!.push({ name: e.name, payload: e.payload }));
    bus.subscribe('*', 'test.all', async (e) => void got.all!.push({ name: e.name, payload: e.payload }));
    const ids = await publishMany(['test.order.placed', 'test.customer.merged', 'test.order.placed']);

    expect(await bus.drain()).toBe(3);
    expect(got.a).toEqual([
      { name: 'test.order.placed', payload: { n: 0 } },
      { name: 'test.order.placed', payload: { n: 2 } },
    ]);
    expect(got.b).toEqual(got.a);
    expect(got.all!.map((e) => e.payload)).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }]);
    for (const id of ids) expect(await outboxRow(id)).toMatchObject({ delivered: true, attempts: 1, last_error: null });

    expect(await bus.drain()).toBe(0);
    expect([got.a!.length, got.b!.length, got.all!.length]).toEqual([2, 2, 3]);
  });

  it('hands a batch subscriber all events of its name in a claimed batch at once, once, and retries the whole group on failure', async () => {
    const bus = new EventBus(database.db, log, 3);
    const calls: unknown[][] = [];
    let fail = true;
    bus.subscribeBatch('test.order.placed', 'test.batch', async (events) => {
      calls.push(events.map((e) => e.payload));
      if (fail) throw new Error('ledger busy');
    });
    const ids = await publishMany(['test.order.placed', 'test.customer.merged', 'test.order.placed', 'test.order.placed']);
    // Batches of three: [placed 0, merged 1, placed 2] then [placed 3]; both groups fail.
    expect(await bus.drain()).toBe(4);
    expect(calls).toEqual([[{ n: 0 }, { n: 2 }], [{ n: 3 }]]);
    expect(await outboxRow(ids[1]!)).toMatchObject({ delivered: true, attempts: 1 });
    for (const i of [0, 2, 3]) expect(await outboxRow(ids[i]!)).toMatchObject({ delivered: false, attempts: 1, last_error: 'ledger busy', due: false });
    // Due again: the group is handed over again, and then never more.
    await database.db.execute(sql`update platform.outbox set next_attempt_at = now() where delivered_at is null`);
    fail = false;
    calls.length = 0;
    expect(await bus.drain()).toBe(3);
    expect(calls).toEqual([[{ n: 0 }, { n: 2 }, { n: 3 }]]);
    for (const id of ids) expect(await outboxRow(id)).toMatchObject({ delivered: true });
    expect(await bus.drain()).toBe(0);
    expect(calls).toHaveLength(1);
  });

  it('cuts a claimed batch at its payload budget (at least one event), leaving the rest for the next transaction', async () => {
    const bus = new EventBus(database.db, log, 500, 25);
    const calls: number[][] = [];
    bus.subscribeBatch('test.batch.imported', 'test.budget', async (events) => void calls.push(events.map((e) => (e.payload as { n: number }).n)));
    // Each payload is {"n":i} (7 characters): three fit in 25, the fourth does not.
    await publishMany(['test.batch.imported', 'test.batch.imported', 'test.batch.imported', 'test.batch.imported', 'test.batch.imported']);
    expect(await bus.drain()).toBe(5);
    expect(calls).toEqual([[0, 1, 2], [3, 4]]);
    const huge = new EventBus(database.db, log, 500, 1);
    const seen: number[][] = [];
    huge.subscribeBatch('test.batch.imported', 'test.budget-one', async (events) => void seen.push(events.map((e) => (e.payload as { n: number }).n)));
    await publishMany(['test.batch.imported', 'test.batch.imported']);
    expect(await huge.drain()).toBe(2);
    // A budget smaller than any payload: one event per transaction.
    expect(seen).toEqual([[0], [1]]);
  });

  it('keeps a handler’s writes only when it succeeds, in the same transaction as the delivery', async () => {
    await database.db.execute(sql`create table if not exists public.bus_effects (event_id uuid primary key, subscriber text not null)`);
    await database.db.execute(sql`delete from public.bus_effects`);
    const bus = new EventBus(database.db, log);
    bus.subscribe('test.order.placed', 'test.writer', async (e, tx) => {
      await tx.execute(sql`insert into public.bus_effects values (${e.id}, 'writer')`);
    });
    bus.subscribe('test.order.placed', 'test.half', async (e, tx) => {
      await tx.execute(sql`insert into public.bus_effects values (gen_random_uuid(), 'half')`);
      throw new Error('failed after writing');
    });
    const [id] = await publishMany(['test.order.placed']);
    await bus.drain();
    const effects = await query<{ event_id: string; subscriber: string }>(database.db, sql`select event_id, subscriber from public.bus_effects`);
    expect(effects).toEqual([{ event_id: id, subscriber: 'writer' }]);
  });

  it('retries a failing subscriber later without re-running the others', async () => {
    const bus = new EventBus(database.db, log);
    const calls = { before: 0, flaky: 0, after: 0 };
    let failuresLeft = 1;
    bus.subscribe('test.order.placed', 'test.before', async () => void calls.before++);
    bus.subscribe('test.order.placed', 'test.flaky', async () => {
      calls.flaky++;
      if (failuresLeft-- > 0) throw new Error('downstream unavailable');
    });
    bus.subscribe('test.order.placed', 'test.after', async () => void calls.after++);
    const [id] = (await publishMany(['test.order.placed'])) as [string];

    await bus.drain();
    expect(calls).toEqual({ before: 1, flaky: 1, after: 1 });
    expect(await outboxRow(id)).toEqual({ delivered: false, attempts: 1, last_error: 'downstream unavailable', due: false });

    // Backing off: a drain before the retry is due does nothing.
    expect(await bus.drain()).toBe(0);
    expect(calls).toEqual({ before: 1, flaky: 1, after: 1 });

    await database.db.execute(sql`update platform.outbox set next_attempt_at = now() where id = ${id}`);
    expect(await bus.drain()).toBe(1);
    expect(calls).toEqual({ before: 1, flaky: 2, after: 1 });
    expect(await outboxRow(id)).toMatchObject({ delivered: true, attempts: 2 });
  });

  it('delivers each event exactly once when two instances drain at the same time', async () => {
    const url = (database as Database & { url?: string }).url;
    // On PostgreSQL the second instance has its own pool: a real concurrent drain. PGlite has one
    // connection, so there the two drains interleave on it.
    const other = url ? await openDatabase({ databaseUrl: url, poolSize: 2 }) : database;
    try {
      const n = 450;
      await publishMany(Array.from({ length: n }, () => 'test.order.placed'));
      const handled: Array<{ bus: string; id: string }> = [];
      let releaseFirst!: () => void;
      const secondHandledOne = new Promise<void>((resolve) => (releaseFirst = resolve));
      // Batches smaller than the backlog, so the second instance finds rows the first has not claimed.
      const a = new EventBus(database.db, log, 200);
      const b = new EventBus(other.db, log, 200);
      a.subscribe('test.order.placed', 'test.counter', async (e) => {
        // Hold the first batch's row locks until the other instance has handled an event, so
        // both instances certainly drain at once.
        if (url && handled.length === 0) await secondHandledOne;
        handled.push({ bus: 'a', id: e.id });
      });
      b.subscribe('test.order.placed', 'test.counter', async (e) => {
        handled.push({ bus: 'b', id: e.id });
        releaseFirst();
      });
      const [fromA, fromB] = await Promise.all([a.drain(), b.drain()]);
      expect(fromA + fromB).toBe(n);
      expect(handled).toHaveLength(n);
      expect(new Set(handled.map((h) => h.id)).size).toBe(n);
      if (url) {
        expect(fromA).toBeGreaterThan(0);
        expect(fromB).toBeGreaterThan(0);
      }
      const [{ pending, deliveries }] = (await query<{ pending: number; deliveries: number }>(
        database.db,
        sql`select (select count(*)::int from platform.outbox where delivered_at is null) as pending,
                   (select count(*)::int from platform.event_deliveries) as deliveries`,
      )) as [{ pending: number; deliveries: number }];
      // Every subscriber handled every event: nothing to remember beyond the delivered mark.
      expect({ pending, deliveries }).toEqual({ pending: 0, deliveries: 0 });
    } finally {
      if (other !== database) await other.close();
    }
  });
});
