import type { Logger } from 'pino';
import type { DomainEvent } from '../../platform/events/event-bus.js';
import type { Db } from '../../platform/db/database.js';
import type { Jobs } from '../../platform/jobs/jobs.js';
import type { CouponsService } from './coupons.service.js';

export const COUPONS_NIGHTLY_JOB = 'promotions.coupons-nightly';
/** 00:10 in the business zone: relative validity ends at local midnight, so the night's run catches the day's. */
export const COUPONS_NIGHTLY_CRON = '10 0 * * *';

/** Issued coupons past their validTo become 'expired', once a night. */
export async function scheduleCouponsNightly(jobs: Jobs, coupons: CouponsService, log: Logger, opts: { timeZone: string }): Promise<void> {
  await jobs.work(
    COUPONS_NIGHTLY_JOB,
    async () => {
      const out = await coupons.expireDue(new Date());
      log.info({ expired: out.expired }, 'coupons nightly');
    },
    60,
  );
  await jobs.schedule(COUPONS_NIGHTLY_JOB, COUPONS_NIGHTLY_CRON, opts.timeZone);
}

/** Subscriber name (recorded per delivered event; never rename). */
export const NEW_MEMBER_COUPON_SUBSCRIBER = 'promotions.new-member-coupon';
/** A new profile arrives as customers.profiles.changed ({customerIds}) or, made by a first order, as orders.order.placed ({customerId}). */
export const NEW_MEMBER_EVENTS = ['customers.profiles.changed', 'orders.order.placed'] as const;

/** The active new_member template's coupon, once per customer, for those who joined after it was created. */
export function issueNewMemberCouponsWhenCustomersJoin(coupons: CouponsService) {
  return async (events: Array<DomainEvent<{ customerIds?: string[]; customerId?: string | null }>>, tx: Db) => {
    const ids = new Set<string>();
    for (const e of events) {
      for (const id of e.payload.customerIds ?? []) ids.add(id);
      if (e.payload.customerId) ids.add(e.payload.customerId);
    }
    await coupons.issueNewMember([...ids], new Date(), tx);
  };
}
