import type { Logger } from 'pino';
import type { Jobs } from '../../../platform/jobs/jobs.js';
import type { ChurnModelService } from './churn-model.service.js';

export const CHURN_REFIT_JOB = 'insights.churn-refit-nightly';
/** 01:45 in the business zone, after the CLV refit (01:00) and the repurchase cycles (01:30). */
export const CHURN_REFIT_CRON = '45 1 * * *';

/**
 * Re-trains with the latest run's horizon as of the day of the latest order, replacing the scores. Nothing happens
 * before a first run: the horizon is the brand's choice.
 */
export async function refitChurnModel(churn: ChurnModelService, log: Logger): Promise<boolean> {
  const last = await churn.latestRun();
  if (!last) return false;
  const run = await churn.train({ horizonDays: last.horizonDays }, 'system:churn-nightly');
  log.info({ runId: run.id, asOf: run.asOf, customers: run.customers, auc: run.evaluation.model.auc, seconds: run.seconds }, 'churn model re-trained');
  return true;
}

export async function scheduleChurnRefit(jobs: Jobs, churn: ChurnModelService, log: Logger, opts: { timeZone: string }): Promise<void> {
  await jobs.work(CHURN_REFIT_JOB, async () => void (await refitChurnModel(churn, log)), 60);
  await jobs.schedule(CHURN_REFIT_JOB, CHURN_REFIT_CRON, opts.timeZone);
}
