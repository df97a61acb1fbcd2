import type { Logger } from 'pino';
import type { Jobs } from '../../../platform/jobs/jobs.js';
import type { ReferralsService } from '../referrals.service.js';

export const SETTLE_REFERRALS_JOB = 'loyalty.referrals-settle';
/** Nightly at 03:40 in the business time zone, after the day's imports. */
export const SETTLE_REFERRALS_CRON = '40 3 * * *';

/**
 * The safety net behind the order subscriber: every pending referral whose referee has a
 * qualifying purchase is rewarded (a purchase delivered while its buyer's referral was still
 * being recorded). Idempotent, so a run repeated or missed changes nothing.
 */
export async function scheduleSettleReferralsNightly(
  jobs: Jobs,
  referrals: ReferralsService,
  log: Logger,
  opts: { timeZone: string; pollingIntervalSeconds?: number },
): Promise<void> {
  await jobs.work(
    SETTLE_REFERRALS_JOB,
    async () => {
      const { rewarded } = await referrals.settlePendingReferrals();
      log.info({ rewarded }, 'loyalty pending referrals settled');
    },
    opts.pollingIntervalSeconds ?? 60,
  );
  await jobs.schedule(SETTLE_REFERRALS_JOB, SETTLE_REFERRALS_CRON, opts.timeZone);
}
