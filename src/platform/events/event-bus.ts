import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { pgArray } from '../db/arrays.js';
import { query, type Db } from '../db/database.js';
import { newId } from '../ids.js';

/** `{id, name: '<module>.<entity>.<past verb>', occurredAt, payload}` */
export interface DomainEvent<P = unknown> {
  id: string;
  name: string;
  occurredAt: string;
  payload: P;
}

export type EventHandler<P = unknown> = (event: DomainEvent<P>, db: Db) => Promise<void>;
/** Gets every not-yet-handled event of its name in a claimed batch (in outbox order), to do set-based work. */
export type BatchEventHandler<P = unknown> = (events: Array<DomainEvent<P>>, db: Db) => Promise<void>;

type Subscription =
  | { name: string; subscriber: string; handler: EventHandler; batch?: undefined }
  | { name: string; subscriber: string; batch: BatchEventHandler; handler?: undefined };

/** Write an event to the outbox inside the caller's transaction. */
export async function publish<P>(tx: Db, name: string, payload: P, occurredAt = new Date()): Promise<string> {
  const id = newId();
  await tx.execute(
    sql`insert into platform.outbox (id, name, occurred_at, payload) values (${id}, ${name}, ${occurredAt.toISOString()}, ${JSON.stringify(payload)}::jsonb)`,
  );
  return id;
}

/** Write one event per payload to the outbox, in one statement, inside the caller's transaction. */
export async function publishMany<P>(tx: Db, name: string, payloads: P[], occurredAt = new Date()): Promise<string[]> {
  const events = payloads.map((payload) => ({ id: newId(), name, payload }));
  await publishAll(tx, events, occurredAt);
  return events.map((e) => e.id);
}

/**
 * Many events of any names in one statement. The rows travel as one json parameter read with
 * json_to_recordset and each payload cast to jsonb: a text[] of payloads costs array-literal escaping
 * on both sides, and json_to_recordset building jsonb directly is about twice as slow.
 */
export async function publishAll(tx: Db, events: ReadonlyArray<{ id?: string; name: string; payload: unknown }>, occurredAt = new Date()): Promise<void> {
  if (events.length === 0) return;
  await tx.execute(
    sql`insert into platform.outbox (id, name, occurred_at, payload)
        select x.id, x.name, ${occurredAt.toISOString()}::timestamptz, x.payload::jsonb
        from json_to_recordset(${JSON.stringify(events.map((e) => ({ id: e.id ?? newId(), name: e.name, payload: e.payload })))}::json)
          as x(id uuid, name text, payload json)`,
  );
}

/**
 * Delivers outbox events to in-process subscribers after commit. Any number of processes may
 * drain at once (rows are claimed with SKIP LOCKED). A batch is one transaction: handlers' work and
 * the delivered mark commit together, so a crash redelivers the whole batch and nothing ran twice;
 * when a handler fails, the pairs that did succeed are recorded so its retry runs only the failed ones.
 */
export class EventBus {
  private readonly subs: Subscription[] = [];
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<number> | undefined;
  private again = false;
  private stopping = false;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    /**
     * Events claimed per transaction; other processes take the next ones meanwhile. 2,000 rather than
     * 500: batch subscribers (loyalty's accrual) pay fixed statements per call, and a POS feed's
     * 1,000-order request is then one or two calls (drain of 3,000 orders with loyalty: 1.03 s → 0.83 s).
     */
    private readonly batchSize = 2000,
    /**
     * Payload characters handled per transaction: a file import's events name 20,000 orders each, and
     * a drain behind a big import must not become one transaction over millions of orders. The first
     * event is always handled; the ones past the budget stay for the next transaction.
     */
    private readonly batchChars = 2_000_000,
  ) {}

  subscribe<P>(name: string, subscriber: string, handler: EventHandler<P>): void {
    this.subs.push({ name, subscriber, handler: handler as EventHandler });
  }

  /**
   * Like subscribe, but the handler gets all events of `name` in a claimed batch (up to batchSize) at
   * once, after the per-event handlers of that batch. Exactly-once per (event, subscriber) as for
   * subscribe; if the handler throws, its whole group is retried later.
   */
  subscribeBatch<P>(name: string, subscriber: string, handler: BatchEventHandler<P>): void {
    this.subs.push({ name, subscriber, batch: handler as BatchEventHandler });
  }

  /** Ask for a drain soon (after a commit that published something). */
  poke(): void {
    if (this.draining) {
      this.again = true;
      return;
    }
    void this.drain().catch((err) => this.log.error({ err }, 'outbox drain failed'));
  }

  start(intervalMs = 1000): void {
    this.timer ??= setInterval(() => this.poke(), intervalMs);
    this.timer.unref();
  }

  /** Stops after the batch in hand: what is left stays in the outbox for the next process. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.stopping = true;
    await this.draining;
  }

  /** Deliver every pending event; resolves with how many were handled. */
  async drain(): Promise<number> {
    if (this.draining) {
      await this.draining;
    }
    this.draining = this.drainLoop();
    try {
      return await this.draining;
    } finally {
      this.draining = undefined;
    }
  }

  private async drainLoop(): Promise<number> {
    let total = 0;
    for (;;) {
      if (this.stopping) return total;
      this.again = false;
      const n = await this.drainBatch(this.batchSize);
      total += n;
      // Let I/O in between transactions: on PGlite every statement runs on this thread and its promises
      // resolve as microtasks, so a long drain would otherwise hold back every HTTP request until it ends.
      await new Promise((resolve) => setImmediate(resolve));
      if (n === 0 && !this.again) return total;
    }
  }

  private async drainBatch(limit: number): Promise<number> {
    return this.db.transaction(async (tx) => {
      const rows = await query<{ id: string; name: string; occurred_at: string | Date; payload: unknown }>(
        tx,
        sql`select id, name, occurred_at, payload from platform.outbox
            where delivered_at is null and next_attempt_at <= now()
            order by id limit ${limit} for update skip locked`,
      );
      let chars = 0;
      const cut = rows.findIndex((row, i) => (chars += JSON.stringify(row.payload).length) > this.batchChars && i > 0);
      if (cut > 0) rows.length = cut;
      const events: DomainEvent[] = rows.map((row) => ({
        id: row.id,
        name: row.name,
        occurredAt: new Date(row.occurred_at).toISOString(),
        payload: row.payload,
      }));
      const failures = await this.deliver(tx, events);
      // Events nobody subscribes to are marked delivered together, in one statement.
      const delivered: string[] = [];
      for (const row of rows) {
        const err = failures.get(row.id);
        if (err === undefined) {
          delivered.push(row.id);
          continue;
        }
        this.log.warn({ err, event: row.name, eventId: row.id }, 'event handler failed; will retry');
        await tx.execute(
          sql`update platform.outbox set attempts = attempts + 1, last_error = ${String((err as Error).message).slice(0, 500)},
              next_attempt_at = now() + make_interval(secs => least(3600, power(2, attempts + 1)))
              where id = ${row.id}`,
        );
      }
      if (delivered.length > 0)
        await tx.execute(
          sql`update platform.outbox set delivered_at = now(), attempts = attempts + 1 where id = any(${pgArray(delivered, 'uuid')})`,
        );
      return rows.length;
    });
  }

  /**
   * Runs the handlers of a batch; answers the first failure per event id. A (event, subscriber) pair
   * recorded in platform.event_deliveries is never run again. Pairs are recorded only for events that
   * will be retried (some handler failed): an event every subscriber handled is marked delivered in the
   * same transaction, so writing a row per pair for it (40,000 rows for a 10,000-order feed with four
   * loyalty subscribers) would buy nothing.
   */
  private async deliver(tx: Db, events: DomainEvent[]): Promise<Map<string, unknown>> {
    const failures = new Map<string, unknown>();
    const matches = (sub: Subscription, e: DomainEvent) => sub.name === e.name || sub.name === '*';
    // Events grouped by name once: a 10,000-order batch meets some twenty subscriptions, and testing each pair cost
    // more than the handlers' own bookkeeping.
    const byName = new Map<string, DomainEvent[]>();
    for (const e of events) {
      if (!this.subs.some((sub) => matches(sub, e))) continue;
      const list = byName.get(e.name);
      if (list) list.push(e);
      else byName.set(e.name, [e]);
    }
    if (byName.size === 0) return failures;
    const wanted = events.filter((e) => byName.has(e.name));
    const pair = (eventId: string, subscriber: string) => `${eventId} ${subscriber}`;
    const before = await query<{ event_id: string; subscriber: string }>(
      tx,
      sql`select d.event_id, d.subscriber from platform.event_deliveries d
          join unnest(${pgArray(wanted.map((e) => e.id), 'uuid')}) as k(id) on d.event_id = k.id`,
    );
    const done = new Set(before.map((d) => pair(d.event_id, d.subscriber)));
    const handled: Array<{ subscriber: string; events: DomainEvent[] }> = [];
    const perEvent = this.subs.filter((sub) => sub.handler);
    for (const event of wanted) {
      for (const sub of perEvent) {
        if (!matches(sub, event) || done.has(pair(event.id, sub.subscriber))) continue;
        // A savepoint per handler: a failing handler rolls back its own work only, and the
        // subscribers after it still get the event now rather than after the failing one's backoff.
        try {
          await tx.transaction((inner) => sub.handler!(event, inner));
          handled.push({ subscriber: sub.subscriber, events: [event] });
        } catch (err) {
          if (!failures.has(event.id)) failures.set(event.id, err);
        }
      }
    }
    for (const sub of this.subs) {
      if (!sub.batch) continue;
      const mine = sub.name === '*' ? wanted : (byName.get(sub.name) ?? []);
      const todo = done.size === 0 ? mine : mine.filter((e) => !done.has(pair(e.id, sub.subscriber)));
      if (todo.length === 0) continue;
      try {
        await tx.transaction((inner) => sub.batch(todo, inner));
        handled.push({ subscriber: sub.subscriber, events: todo });
      } catch (err) {
        for (const e of todo) if (!failures.has(e.id)) failures.set(e.id, err);
      }
    }
    if (failures.size === 0) return failures;
    const keep = handled.flatMap((h) => h.events.filter((e) => failures.has(e.id)).map((e) => ({ eventId: e.id, subscriber: h.subscriber })));
    if (keep.length > 0)
      await tx.execute(
        sql`insert into platform.event_deliveries (event_id, subscriber)
            select * from unnest(${pgArray(keep.map((h) => h.eventId), 'uuid')}, ${pgArray(keep.map((h) => h.subscriber), 'text')})
            on conflict do nothing`,
      );
    return failures;
  }
}
