import type { Logger } from 'pino';
import type { Db } from '../../../platform/db/database.js';
import type { Jobs } from '../../../platform/jobs/jobs.js';
import type { LedgerService } from '../ledger.service.js';
import type { RedemptionService } from '../redemption.service.js';

export const POINTS_NIGHTLY_JOB = 'loyalty.points-nightly';
/** 00:05 in the business zone: lots expire at local midnight, so the night's run catches the day's. */
export const POINTS_NIGHTLY_CRON = '5 0 * * *';

/** Release due pending lots, put stale holds back, expire lots past their date. */
export async function runPointsNightly(db: Db, ledger: LedgerService, redemption: RedemptionService, at: Date) {
  const released = await db.transaction((tx) => ledger.releaseDue(tx, at));
  const holds = await redemption.expireHolds(at);
  const expired = await ledger.expire(at);
  return { released, holds, expired };
}

export async function schedulePointsNightly(
  jobs: Jobs,
  db: Db,
  ledger: LedgerService,
  redemption: RedemptionService,
  log: Logger,
  opts: { timeZone: string },
): Promise<void> {
  await jobs.work(
    POINTS_NIGHTLY_JOB,
    async () => {
      const out = await runPointsNightly(db, ledger, redemption, new Date());
      log.info({ released: out.released, holds: out.holds, members: out.expired.members, points: out.expired.points }, 'loyalty points nightly');
    },
    60,
  );
  await jobs.schedule(POINTS_NIGHTLY_JOB, POINTS_NIGHTLY_CRON, opts.timeZone);
}
