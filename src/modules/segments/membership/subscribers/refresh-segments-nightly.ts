import type { Logger } from 'pino';
import type { Jobs } from '../../../../platform/jobs/jobs.js';
import { summarise, type MembershipService } from '../membership.service.js';

export const SEGMENTS_REFRESH_JOB = 'segments.refresh-nightly';
/**
 * 00:30 in the business zone: windows ("bought in the last 30 days", ages, birthday months) move at local
 * midnight, so the night's full refresh lets the customers whose window passed leave (and records sizes).
 */
export const SEGMENTS_REFRESH_CRON = '30 0 * * *';

/** After an RFM run: the members of the segments that read RFM scores (queued by SegmentsService.runRfm). */
export const SEGMENTS_REFRESH_RFM_JOB = 'segments.refresh-after-rfm-run';

export async function scheduleSegmentsRefresh(jobs: Jobs, membership: MembershipService, log: Logger, opts: { timeZone: string }): Promise<void> {
  await jobs.work<{ runId: string }>(
    SEGMENTS_REFRESH_RFM_JOB,
    async ({ runId }) => {
      const results = await membership.refreshAll({ uses: 'rfm' });
      log.info(
        { runId, ...summarise(results) },
        'segments reading RFM scores refreshed after a run',
      );
    },
    2,
  );
  await jobs.work(
    SEGMENTS_REFRESH_JOB,
    async () => {
      const results = await membership.refreshAll();
      log.info(
        summarise(results),
        'segments refreshed',
      );
    },
    60,
  );
  await jobs.schedule(SEGMENTS_REFRESH_JOB, SEGMENTS_REFRESH_CRON, opts.timeZone);
}
