import { sql } from 'drizzle-orm';
import { countRows, profileIdsParam, type ErasureParticipant } from '../customers/privacy-erase.js';

/**
 * Erasure in promotions: coupons, reservations, redemptions and uses stay as they are (a promotion's budget, limits
 * and results count them; they hold codes, SKUs and amounts, no personal values) under the erased profile's id; only
 * free-text void reasons go.
 */
export const promotionsErasureParticipant: ErasureParticipant = {
  name: 'promotions',
  async erase(tx, _id, ctx) {
    return {
      coupons: await countRows(
        tx,
        sql`update promotions.coupons set void_reason = null, updated_at = now()
            where customer_id = any(${profileIdsParam(ctx)}) and void_reason is not null`,
      ),
    };
  },
};
