import type { Logger } from 'pino';
import type { Jobs } from '../../../platform/jobs/jobs.js';
import type { PredictionsService } from './predictions.service.js';

export const CLV_REFIT_JOB = 'insights.clv-refit-nightly';
/** 01:00 in the business zone, after the night's RFM (00:15) and segment refresh (00:30). */
export const CLV_REFIT_CRON = '0 1 * * *';

/**
 * Re-fits with the latest run's model, period, horizon and discount rate, as of the day of the latest order (so the
 * day's orders count and P(alive) moves with the days that pass), replacing the predictions; the segments that read
 * them follow (the service's onFitted hook). Nothing happens before a first run: its settings are the brand's choice.
 */
export async function refitClv(predictions: PredictionsService, log: Logger): Promise<boolean> {
  const last = await predictions.latestRun();
  if (!last) return false;
  const run = await predictions.fit({ model: last.model, period: last.period, horizonDays: last.horizonDays, discountRate: last.discountRate }, 'system:clv-nightly');
  log.info({ runId: run.id, asOf: run.asOf, customers: run.customers, seconds: run.seconds }, 'CLV models re-fitted');
  return true;
}

export async function scheduleClvRefit(jobs: Jobs, predictions: PredictionsService, log: Logger, opts: { timeZone: string }): Promise<void> {
  await jobs.work(CLV_REFIT_JOB, async () => void (await refitClv(predictions, log)), 60);
  await jobs.schedule(CLV_REFIT_JOB, CLV_REFIT_CRON, opts.timeZone);
}
