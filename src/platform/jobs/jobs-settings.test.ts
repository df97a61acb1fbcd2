import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../../tests/support/test-db.js';
import { createLogger } from '../logger.js';
import { query, type Database } from '../db/database.js';
import { Jobs, queueSettings, scheduleWindowSeconds } from './jobs.js';

describe('queue settings', () => {
  it('gives scans a short expiry and one retry, refits hours, everything else an hour and three retries', () => {
    expect(queueSettings('service.sla-scan')).toEqual({ expireInSeconds: 300, retryLimit: 1, retryDelay: 5, retryBackoff: false });
    expect(queueSettings('insights.clv-refit-nightly')).toEqual({ expireInSeconds: 14_400, retryLimit: 2, retryDelay: 60, retryBackoff: true });
    expect(queueSettings('loyalty.points-nightly')).toEqual({ expireInSeconds: 3600, retryLimit: 3, retryDelay: 30, retryBackoff: true });
    expect(queueSettings('segments.refresh-after-rfm-run')).toEqual(queueSettings('anything.else'));
  });

  it('caps expiry and retry delay with KEMAI_JOB_EXPIRE_SECONDS (no backoff then)', () => {
    expect(queueSettings('insights.clv-refit-nightly', 12)).toEqual({ expireInSeconds: 12, retryLimit: 2, retryDelay: 12, retryBackoff: false });
    expect(queueSettings('service.sla-scan', 12)).toEqual({ expireInSeconds: 12, retryLimit: 1, retryDelay: 5, retryBackoff: false });
  });

  it('makes a scheduled job unique in a window that holds every late send of its slot', () => {
    expect(scheduleWindowSeconds('* * * * *')).toBe(60);
    expect(scheduleWindowSeconds('*/5 * * * *')).toBe(300);
    expect(scheduleWindowSeconds('*/2 * * * *')).toBe(60);
    expect(scheduleWindowSeconds('0 1 * * *')).toBe(300);
    expect(scheduleWindowSeconds('7 * * * *')).toBe(300);
    expect(scheduleWindowSeconds('45 1 * * *')).toBe(300);
    expect(scheduleWindowSeconds('30 6 * * 1')).toBe(300);
    expect(scheduleWindowSeconds('59 23 * * *')).toBe(60);
    expect(scheduleWindowSeconds('0,30 * * * *')).toBe(60);
  });
});

describe('queues and schedules in the database', () => {
  let database: Database;
  beforeAll(async () => {
    database = await openTestDatabase();
  });
  afterAll(async () => database?.close());

  it('creates queues with their settings, brings an existing queue to them, and stores the schedule window', async () => {
    const url = (database as Database & { url?: string }).url;
    // A queue made as before (pg-boss defaults), then a process with these settings.
    const old = new Jobs(database, createLogger('silent'), url);
    await old.start();
    await (old as unknown as { boss: { createQueue(name: string): Promise<void> } }).boss.createQueue('service.sla-scan');
    await old.stop();
    const jobs = new Jobs(database, createLogger('silent'), url, { expireCapSeconds: 120, maintenanceSeconds: 30 });
    await jobs.start();
    try {
      await jobs.schedule('service.sla-scan', '* * * * *', 'Asia/Shanghai');
      await jobs.schedule('insights.clv-refit-nightly', '0 1 * * *', 'Asia/Shanghai');
      const queues = await query<{ name: string; expire_seconds: number; retry_limit: number; retry_delay: number; retry_backoff: boolean }>(
        database.db,
        sql`select name, expire_seconds, retry_limit, retry_delay, retry_backoff from pgboss.queue where name in ('service.sla-scan', 'insights.clv-refit-nightly') order by name`,
      );
      expect(queues).toEqual([
        { name: 'insights.clv-refit-nightly', expire_seconds: 120, retry_limit: 2, retry_delay: 60, retry_backoff: false },
        { name: 'service.sla-scan', expire_seconds: 120, retry_limit: 1, retry_delay: 5, retry_backoff: false },
      ]);
      const schedules = await query<{ name: string; options: Record<string, unknown> }>(
        database.db,
        sql`select name, options from pgboss.schedule where name in ('service.sla-scan', 'insights.clv-refit-nightly') order by name`,
      );
      expect(schedules).toEqual([
        { name: 'insights.clv-refit-nightly', options: expect.objectContaining({ tz: 'Asia/Shanghai', singletonKey: 'insights.clv-refit-nightly', singletonSeconds: 300 }) },
        { name: 'service.sla-scan', options: expect.objectContaining({ tz: 'Asia/Shanghai', singletonKey: 'service.sla-scan', singletonSeconds: 60 }) },
      ]);
      // A job sent for the queue takes its expiry and retries.
      const id = (await jobs.send('service.sla-scan', {}))!;
      const job = await jobs.getJob('service.sla-scan', id);
      expect({ expireIn: job?.expireIn, retryLimit: job?.retryLimit }).toEqual({ expireIn: expect.anything(), retryLimit: 1 });
    } finally {
      await jobs.stop();
    }
  });
});
