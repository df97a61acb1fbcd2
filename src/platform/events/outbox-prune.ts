import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { query, type Db } from '../db/database.js';
import type { Jobs } from '../jobs/jobs.js';

export const OUTBOX_PRUNE_JOB = 'platform.outbox-prune';
export const OUTBOX_RETENTION_DAYS = 7;
/** Daily at 04:30 in the business time zone, when stores are closed and feeds are quiet. */
export const OUTBOX_PRUNE_CRON = '30 4 * * *';

export interface OutboxPruned {
  events: number;
  deliveries: number;
}

/**
 * Delete delivered outbox events older than the retention together with their delivery records.
 * Oldest first in batches of one statement each, so a large backlog never holds locks for long;
 * undelivered events stay whatever their age, as they still have a subscriber to reach.
 */
export async function pruneOutbox(db: Db, opts: { retentionDays?: number; batchSize?: number } = {}): Promise<OutboxPruned> {
  const days = opts.retentionDays ?? OUTBOX_RETENTION_DAYS;
  const limit = opts.batchSize ?? 5000;
  const total: OutboxPruned = { events: 0, deliveries: 0 };
  for (;;) {
    const [batch] = await query<OutboxPruned>(
      db,
      sql`with gone as (
            delete from platform.outbox where id in (
              select id from platform.outbox
              where delivered_at < now() - make_interval(days => ${days}::int)
              order by id limit ${limit}::int)
            returning id),
          handled as (
            delete from platform.event_deliveries where event_id in (select id from gone) returning 1)
          select (select count(*) from gone)::int as events, (select count(*) from handled)::int as deliveries`,
    );
    total.events += Number(batch!.events);
    total.deliveries += Number(batch!.deliveries);
    if (Number(batch!.events) < limit) return total;
  }
}

/**
 * Prune the outbox daily (pg-boss runs a schedule once across all processes). A daily job need
 * not be polled for every few seconds.
 */
export async function scheduleOutboxPrune(
  jobs: Jobs,
  db: Db,
  log: Logger,
  opts: { timeZone: string; pollingIntervalSeconds?: number },
): Promise<void> {
  await jobs.work(
    OUTBOX_PRUNE_JOB,
    async () => {
      const pruned = await pruneOutbox(db);
      log.info({ pruned }, 'outbox pruned');
    },
    opts.pollingIntervalSeconds ?? 60,
  );
  await jobs.schedule(OUTBOX_PRUNE_JOB, OUTBOX_PRUNE_CRON, opts.timeZone);
}
