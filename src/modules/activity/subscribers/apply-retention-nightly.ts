import type { Logger } from 'pino';
import type { Jobs } from '../../../platform/jobs/jobs.js';
import type { ActivityService } from '../activity.service.js';

export const RETENTION_NIGHTLY_JOB = 'activity.retention-nightly';
/** 03:15 in the business zone: a quiet hour, after the segment refresh and the model refits. */
export const RETENTION_NIGHTLY_CRON = '15 3 * * *';

/**
 * The events retention policy, daily: events older than KEMAI_RETENTION_EVENTS_MONTHS months (from the start of a
 * month) are rolled up and deleted. Always scheduled, so turning the policy off (0) needs no unscheduling: the run then
 * does nothing.
 */
export async function scheduleRetentionNightly(jobs: Jobs, activity: ActivityService, log: Logger, opts: { timeZone: string }): Promise<void> {
  await jobs.work(
    RETENTION_NIGHTLY_JOB,
    async () => {
      const months = activity.retentionMonths;
      if (months <= 0) return;
      const r = await activity.applyRetention({ months, actor: 'system' });
      log.info({ months, cutoff: r.cutoff, events: r.events, batches: r.batches }, 'events retention applied');
    },
    60,
  );
  await jobs.schedule(RETENTION_NIGHTLY_JOB, RETENTION_NIGHTLY_CRON, opts.timeZone);
}
