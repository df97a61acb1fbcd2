import type { Logger } from 'pino';
import type { Jobs } from '../../../platform/jobs/jobs.js';
import type { StaffKpisService } from '../kpis/kpis.service.js';

export const STAFF_WEEKLY_JOB = 'staff.weekly-report';
/** Mondays at 06:30 in the business time zone: the week just ended is complete (imports run at night). */
export const STAFF_WEEKLY_CRON = '30 6 * * 1';

/**
 * The weekly staff report: on Monday, last ISO week's KPIs per store and guide with targets and leaderboards are kept
 * in staff.reports (`kemai staff report --week W`, `GET /api/v1/staff/reports/{week}` read them), and the weekly reward
 * rules are run for that week (idempotent: a repeated or late run awards nothing twice).
 */
export async function scheduleStaffWeekly(jobs: Jobs, kpis: StaffKpisService, log: Logger, opts: { timeZone: string; pollingIntervalSeconds?: number }): Promise<void> {
  await jobs.work(
    STAFF_WEEKLY_JOB,
    async () => {
      const week = kpis.lastWeekKey();
      const report = await kpis.saveWeeklyReport(week);
      const run = await kpis.runRewards(week, 'system:weekly');
      log.info({ week, stores: report.stores.length, guides: report.guides.length, awarded: run.awarded }, 'staff weekly report kept');
    },
    opts.pollingIntervalSeconds ?? 60,
  );
  await jobs.schedule(STAFF_WEEKLY_JOB, STAFF_WEEKLY_CRON, opts.timeZone);
}
