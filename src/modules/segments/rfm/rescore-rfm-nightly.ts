import type { Logger } from 'pino';
import type { Jobs } from '../../../platform/jobs/jobs.js';
import type { RfmThresholds } from '../domain/rfm.js';
import { summarise } from '../membership/membership.service.js';
import type { SegmentsService } from '../segments.service.js';

export const RFM_NIGHTLY_JOB = 'segments.rfm-nightly';
/**
 * 00:15 in the business zone, before the 00:30 membership refresh: recency is counted in days, so yesterday's scores
 * are a day stale by morning.
 */
export const RFM_NIGHTLY_CRON = '15 0 * * *';

/**
 * Re-scores RFM as of today with the latest run's settings (window, quintiles or the same fixed thresholds), then
 * refreshes the segments that read the scores. Nothing happens until someone has run RFM once: the first run's
 * settings are a choice the brand makes.
 */
export async function rescoreRfm(segments: SegmentsService, log: Logger, asOf?: string): Promise<boolean> {
  const last = await segments.rfm.latestRun();
  if (!last) return false;
  const input =
    last.method === 'thresholds'
      ? { windowDays: last.windowDays, method: 'thresholds' as const, thresholds: last.thresholds as RfmThresholds }
      : { windowDays: last.windowDays, method: 'quintiles' as const };
  const run = await segments.rfm.run({ ...input, ...(asOf ? { asOf } : {}) }, 'system:rfm-nightly');
  const results = await segments.membership.refreshAll({ uses: 'rfm' });
  log.info(
    { runId: run.id, asOf: run.asOf, customers: run.customers, ...summarise(results) },
    'RFM re-scored',
  );
  return true;
}

export async function scheduleRfmNightly(jobs: Jobs, segments: SegmentsService, log: Logger, opts: { timeZone: string }): Promise<void> {
  await jobs.work(RFM_NIGHTLY_JOB, async () => void (await rescoreRfm(segments, log)), 60);
  await jobs.schedule(RFM_NIGHTLY_JOB, RFM_NIGHTLY_CRON, opts.timeZone);
}
