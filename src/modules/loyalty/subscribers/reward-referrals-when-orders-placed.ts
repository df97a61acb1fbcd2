import type { BatchEventHandler } from '../../../platform/events/event-bus.js';
import type { ReferralsService } from '../referrals.service.js';

export const REWARD_REFERRALS_SUBSCRIBER = 'loyalty.reward-referrals-when-orders-placed';

/**
 * A referee's purchase settles their pending referral: both sides rewarded on the first order
 * since the referral that pays the minimum, or rejected when an earlier order shows they were not
 * new. One call per claimed batch; a replayed order or a redelivered event finds the referral
 * no longer pending.
 */
export function rewardReferralsWhenOrdersPlaced(referrals: ReferralsService): {
  placed: BatchEventHandler<{ customerId: string | null }>;
  imported: BatchEventHandler<{ created: string[]; updated: string[] }>;
} {
  return {
    placed: async (events, tx) => {
      const ids = events.map((e) => e.payload.customerId).filter((id): id is string => !!id);
      await referrals.rewardFirstPurchases(tx, ids);
    },
    imported: async (events, tx) => {
      await referrals.rewardFirstPurchasesOfOrders(tx, events.flatMap((e) => [...e.payload.created, ...e.payload.updated]));
    },
  };
}
