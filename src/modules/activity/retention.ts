import { sql, type SQL } from 'drizzle-orm';
import { appendAudit } from '../../platform/audit.js';
import { localDate, parseInstant } from '../../platform/clock.js';
import { query, queryOne, type Db } from '../../platform/db/database.js';
import { moveCustomerRows } from '../../platform/db/move-rows.js';
import { invalid } from '../../platform/errors.js';

/**
 * The retention policy for behaviour events: events that occurred before the start of the month `months` months back
 * (months in the business time zone) are counted into activity.event_rollups (customer, month, type, channel, store) —
 * anonymous events into activity.anonymous_event_rollups (month, type, channel, store) — and deleted, with their
 * idempotency keys (activity.event_keys). Each batch is one statement in one transaction — the batch's rows of both
 * tables are locked, deleted and their counts added to the rollups together — so an event is counted exactly once
 * however often the policy runs or is stopped.
 */

export const RETENTION_BATCH_SIZE = 10_000;
export const RETENTION_MAX_MONTHS = 1200;

export interface RetentionOptions {
  /** Keep events from the start of the month this many months back; older ones are rolled up. A whole number ≥ 1. */
  months: number;
  /** The instant the cutoff is counted from; the service clock's now when absent. */
  now?: Date;
  /** Count what would be rolled up, change nothing. */
  dryRun?: boolean;
  /** Events per transaction (default 10,000). */
  batchSize?: number;
  /** Who ran it, for the audit entry (`system` for the nightly job, `cli:<user>`, `staff:<id>`). */
  actor?: string;
}

export interface RetentionResult {
  months: number;
  /** Events that occurred before this instant were (or, on a dry run, would be) rolled up. */
  cutoff: string;
  dryRun: boolean;
  /** Events rolled up and deleted (on a dry run: that would be). */
  events: number;
  /** Transactions used (0 on a dry run). */
  batches: number;
  /** Per business-zone month (YYYY-MM), oldest first. */
  byMonth: Array<{ month: string; events: number }>;
}

/** A bad `months` is refused naming the option, before anything is read or changed. */
export function checkRetentionMonths(months: unknown, name = 'months'): number {
  if (typeof months !== 'number' || !Number.isInteger(months) || months < 1 || months > RETENTION_MAX_MONTHS) {
    const message = `a whole number of months from 1 to ${RETENTION_MAX_MONTHS} (got ${String(months)})`;
    throw invalid('activity.invalid_retention', `${name}: ${message}`, [{ path: name, message }]);
  }
  return months;
}

/** The start (local midnight) of the month `months` months before `now`'s month, in the business time zone. */
export function retentionCutoff(months: number, now: Date, timeZone: string): Date {
  const [y, m] = localDate(now, timeZone).split('-').map(Number) as [number, number];
  const index = y * 12 + (m - 1) - months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  return parseInstant(`${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-01`, timeZone)!;
}

const monthOf = (column: SQL, timeZone: string) => sql`to_char(${column} at time zone ${timeZone}, 'YYYY-MM')`;

export async function applyRetention(db: Db, timeZone: string, opts: RetentionOptions & { now: Date }): Promise<RetentionResult> {
  const months = checkRetentionMonths(opts.months);
  const batchSize = opts.batchSize ?? RETENTION_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw invalid('activity.invalid_retention', 'batchSize: a whole number ≥ 1', [{ path: 'batchSize', message: 'a whole number ≥ 1' }]);
  const cutoff = retentionCutoff(months, opts.now, timeZone);
  const at = cutoff.toISOString();

  if (opts.dryRun) {
    const rows = await query<{ month: string; events: number | string }>(
      db,
      sql`select ${monthOf(sql`occurred_at`, timeZone)} as month, count(*) as events
          from (select occurred_at from activity.events union all select occurred_at from activity.anonymous_events) e
          where occurred_at < ${at}::timestamptz group by 1 order by 1`,
    );
    const byMonth = rows.map((r) => ({ month: r.month, events: Number(r.events) }));
    return { months, cutoff: at, dryRun: true, events: byMonth.reduce((s, r) => s + r.events, 0), batches: 0, byMonth };
  }

  const totals = new Map<string, number>();
  let batches = 0;
  for (;;) {
    // Lock a batch (skipping rows another run holds), delete it and add its counts, all in one statement: either the
    // events are gone and counted, or neither. No order: the oldest-first sort would scan every old row per batch.
    const rows = await db.transaction((tx) =>
      query<{ month: string; events: number | string }>(
        tx,
        sql`with batch as (
              select customer_id, id from activity.events where occurred_at < ${at}::timestamptz limit ${batchSize} for update skip locked
            ), anonymous_batch as (
              select id from activity.anonymous_events where occurred_at < ${at}::timestamptz
              limit greatest(${batchSize} - (select count(*) from batch), 0) for update skip locked
            ), gone as (
              delete from activity.events e using batch b where e.customer_id = b.customer_id and e.id = b.id
              returning e.id, e.customer_id, e.type, e.channel, e.store_code, e.occurred_at, e.source, e.external_id
            ), anonymous_gone as (
              delete from activity.anonymous_events e using anonymous_batch b where e.id = b.id
              returning e.id, e.type, e.channel, e.store_code, e.occurred_at, e.source, e.external_id
            ), keys as (
              delete from activity.event_keys k
              using (select id, source, external_id from gone union all select id, source, external_id from anonymous_gone) g
              where g.external_id is not null and k.external_id = g.external_id and k.source = g.source and k.event_id = g.id
              returning 1
            ), counted as (
              select (date_trunc('month', occurred_at at time zone ${timeZone}))::date as month, customer_id, type, channel, store_code,
                     count(*)::int as events, min(occurred_at) as first_at, max(occurred_at) as last_at
              from gone group by 1, 2, 3, 4, 5
            ), anonymous_counted as (
              select (date_trunc('month', occurred_at at time zone ${timeZone}))::date as month, type, channel, store_code,
                     count(*)::int as events, min(occurred_at) as first_at, max(occurred_at) as last_at
              from anonymous_gone group by 1, 2, 3, 4
            ), added as (
              insert into activity.event_rollups as r (customer_id, month, type, channel, store_code, events, first_at, last_at)
              select customer_id, month, type, channel, store_code, events, first_at, last_at from counted
              on conflict (customer_id, month, type, channel, store_code) do update set
                events = r.events + excluded.events, first_at = least(r.first_at, excluded.first_at),
                last_at = greatest(r.last_at, excluded.last_at), updated_at = now()
              returning 1
            ), anonymous_added as (
              insert into activity.anonymous_event_rollups as r (month, type, channel, store_code, events, first_at, last_at)
              select month, type, channel, store_code, events, first_at, last_at from anonymous_counted
              on conflict (month, type, channel, store_code) do update set
                events = r.events + excluded.events, first_at = least(r.first_at, excluded.first_at),
                last_at = greatest(r.last_at, excluded.last_at), updated_at = now()
              returning 1
            )
            select to_char(month, 'YYYY-MM') as month, sum(events) as events
            from (select month, events from counted union all select month, events from anonymous_counted) c
            where (select count(*) from added) + (select count(*) from anonymous_added) + (select count(*) from keys) >= 0
            group by 1 order by 1`,
      ),
    );
    const n = rows.reduce((s, r) => s + Number(r.events), 0);
    if (n === 0) break;
    batches++;
    for (const r of rows) totals.set(r.month, (totals.get(r.month) ?? 0) + Number(r.events));
    if (n < batchSize) break;
  }
  const byMonth = [...totals.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([month, events]) => ({ month, events }));
  const events = byMonth.reduce((s, r) => s + r.events, 0);
  if (events > 0) {
    await appendAudit(db, {
      actor: opts.actor ?? 'system',
      action: 'activity.retention',
      targetType: 'activity_events',
      targetId: 'retention',
      details: { months, cutoff: at, events, batches, firstMonth: byMonth[0]!.month, lastMonth: byMonth.at(-1)!.month },
    });
  }
  return { months, cutoff: at, dryRun: false, events, batches, byMonth };
}

export interface RetentionStatus {
  /** The configured policy: months kept (0 = kept forever). */
  months: number;
  /** Events before this instant are rolled up by the next run (null when the policy is off). */
  cutoff: string | null;
  oldestEventAt: string | null;
  /** Events still kept that the next run would roll up. */
  dueEvents: number;
  /** The rollup: months (YYYY-MM) covered and events counted in it. */
  rollup: { firstMonth: string | null; lastMonth: string | null; events: number };
}

export async function retentionStatus(db: Db, timeZone: string, months: number, now: Date): Promise<RetentionStatus> {
  const cutoff = months > 0 ? retentionCutoff(months, now, timeZone) : null;
  const kept = sql`(select occurred_at from activity.events union all select occurred_at from activity.anonymous_events)`;
  const live = await queryOne<{ oldest: string | Date | null; due: number | string }>(
    db,
    sql`select min(occurred_at) as oldest,
               ${cutoff ? sql`(select count(*) from ${kept} k where occurred_at < ${cutoff.toISOString()}::timestamptz)` : sql`0`} as due
        from ${kept} e`,
  );
  const rolled = await queryOne<{ first: string | null; last: string | null; events: number | string | null }>(
    db,
    sql`select to_char(min(month), 'YYYY-MM') as first, to_char(max(month), 'YYYY-MM') as last, sum(events) as events
        from (select month, events from activity.event_rollups union all select month, events from activity.anonymous_event_rollups) r`,
  );
  const oldest = live?.oldest ? new Date(live.oldest).toISOString() : null;
  return {
    months,
    cutoff: cutoff?.toISOString() ?? null,
    oldestEventAt: oldest,
    dueEvents: Number(live?.due ?? 0),
    rollup: { firstMonth: rolled?.first ?? null, lastMonth: rolled?.last ?? null, events: Number(rolled?.events ?? 0) },
  };
}

/** One customer's events per month and type: rolled-up months and kept events added together, newest month first. */
export async function monthlyCounts(db: Db, timeZone: string, customerId: string): Promise<Array<{ month: string; type: string; events: number }>> {
  const rows = await query<{ month: string; type: string; events: number | string }>(
    db,
    sql`select month, type, sum(events) as events from (
          select to_char(month, 'YYYY-MM') as month, type, events from activity.event_rollups where customer_id = ${customerId}
          union all
          select ${monthOf(sql`occurred_at`, timeZone)}, type, 1 from activity.events where customer_id = ${customerId}
        ) x group by month, type order by month desc, type collate "C"`,
  );
  return rows.map((r) => ({ month: r.month, type: r.type, events: Number(r.events) }));
}

/**
 * Give rollup rows — all of customer `from`'s, or the rows `ids` wherever they are — to `toId`: a row whose key `toId`
 * already has is added into that row and deleted; the others change hands (moveCustomerRows: delete + insert, never
 * `update … set customer_id`, ADR 0014). Answers the ids of the rows that changed hands (an unmerge can move those back;
 * counts added into the survivor's rows stay with it).
 */
export async function moveRollups(tx: Db, rows: { from: string } | { ids: string[] }, toId: string): Promise<string[]> {
  const which = 'from' in rows ? sql`f.customer_id = ${rows.from}::uuid` : sql`f.id = any(${sql.param(rows.ids)}::uuid[])`;
  await query(
    tx,
    sql`with src as (
          select * from activity.event_rollups f where ${which} and f.customer_id is distinct from ${toId}::uuid
        ), added as (
          update activity.event_rollups t set events = t.events + s.events, first_at = least(t.first_at, s.first_at),
                 last_at = greatest(t.last_at, s.last_at), updated_at = now()
          from src s
          where t.customer_id = ${toId}::uuid and t.month = s.month and t.type = s.type
            and t.channel is not distinct from s.channel and t.store_code is not distinct from s.store_code
          returning s.id
        )
        delete from activity.event_rollups d using added a where d.id = a.id`,
  );
  // The rest change hands: per current holder (by id, the rows may be anyone's), with updated_at = now() as before.
  const owners =
    'from' in rows
      ? [rows.from]
      : (
          await query<{ customer_id: string }>(
            tx,
            sql`select distinct customer_id from activity.event_rollups where id = any(${sql.param(rows.ids)}::uuid[]) order by customer_id`,
          )
        ).map((r) => r.customer_id);
  const moved: string[] = [];
  for (const owner of owners) {
    if (owner === toId) continue;
    const done = await moveCustomerRows<{ id: string }>(tx, 'activity.event_rollups', owner, toId, {
      ...('ids' in rows ? { where: sql`t.id = any(${sql.param(rows.ids)}::uuid[])` } : {}),
      set: { updated_at: sql`now()` },
      returning: ['id'],
    });
    moved.push(...done.map((m) => m.id));
  }
  return moved;
}
