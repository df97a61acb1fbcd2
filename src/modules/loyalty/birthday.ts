import type { Logger } from 'pino';
import { localDate } from '../../platform/clock.js';
import type { Jobs } from '../../platform/jobs/jobs.js';
import type { TiersService } from './tiers.service.js';

export const TIERS_DAILY_JOB = 'loyalty.tiers-daily';
/** Daily at 00:20 in the business time zone: birthdays are granted on the day, early, before stores open. */
export const TIERS_DAILY_CRON = '20 0 * * *';

/**
 * The daily run: on the set's review day (MM-DD) the yearly tier review, on other days the
 * settlement (graces that ran out, manual assignments that ended); then birthday points for
 * birthdays today (and earlier this month if a run was missed).
 */
export async function runTiersDaily(tiers: TiersService, now: Date, log: Logger): Promise<void> {
  const today = localDate(now, tiers.timeZone);
  const set = await tiers.activeSet();
  const review = today.slice(5) === set.definition.review.monthDay;
  const counts = await tiers.reviewTiers(now, { mode: review ? 'review' : 'settle' });
  log.info({ counts, review }, 'loyalty tiers settled');
  try {
    const birthdays = await tiers.grantBirthdays(today);
    log.info({ birthdays }, 'loyalty birthday points granted');
  } catch (err) {
    log.error({ err }, 'loyalty birthday points failed');
  }
}

/** pg-boss runs the schedule once across all processes. */
export async function scheduleTiersDaily(
  jobs: Jobs,
  tiers: TiersService,
  log: Logger,
  opts: { timeZone: string; pollingIntervalSeconds?: number },
): Promise<void> {
  await jobs.work(TIERS_DAILY_JOB, () => runTiersDaily(tiers, new Date(), log), opts.pollingIntervalSeconds ?? 60);
  await jobs.schedule(TIERS_DAILY_JOB, TIERS_DAILY_CRON, opts.timeZone);
}
