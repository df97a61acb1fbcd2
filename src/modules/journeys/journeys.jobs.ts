import type { Logger } from 'pino';
import type { Jobs } from '../../platform/jobs/jobs.js';
import type { JourneysService } from './journeys.service.js';

export const JOURNEYS_RUN_JOB = 'journeys.run-due';
export const JOURNEYS_SCAN_JOB = 'journeys.scan-triggers';

/** Subscriber names (recorded per delivered event; never rename). */
export const JOURNEYS_ENTRY_SUBSCRIBER = 'journeys.entry';
export const JOURNEYS_GOAL_SUBSCRIBER = 'journeys.goal';

/** The step runner every minute; the date, inactivity and schedule triggers every 5 minutes. */
export async function scheduleJourneys(jobs: Jobs, journeys: JourneysService, log: Logger, opts: { timeZone: string }): Promise<void> {
  await jobs.work(
    JOURNEYS_RUN_JOB,
    async () => {
      const out = await journeys.runDue(new Date());
      if (out.steps > 0 || out.heldOutCompleted > 0) log.info({ steps: out.steps, byType: out.byType, heldOutCompleted: out.heldOutCompleted }, 'journeys ran');
    },
    30,
  );
  await jobs.schedule(JOURNEYS_RUN_JOB, '* * * * *', opts.timeZone);
  await jobs.work(
    JOURNEYS_SCAN_JOB,
    async () => {
      const out = await journeys.scanTriggers(new Date());
      if (out.entered > 0) log.info(out, 'journeys triggers scanned');
    },
    60,
  );
  await jobs.schedule(JOURNEYS_SCAN_JOB, '*/5 * * * *', opts.timeZone);
}
