import { sql } from 'drizzle-orm';
import { countRows, profileIdsParam, type ErasureParticipant } from '../customers/privacy-erase.js';

/**
 * Erasure in orders: orders, lines and returns stay with every amount (financial records), still under the erased
 * profile's id; what the sender attached (`attributes`: delivery details, notes) and return reasons go, in the current
 * version and in the kept previous versions.
 */
export const ordersErasureParticipant: ErasureParticipant = {
  name: 'orders',
  async erase(tx, _id, ctx) {
    const ids = profileIdsParam(ctx);
    return {
      orders: await countRows(tx, sql`update orders.orders set attributes = '{}'::jsonb where customer_id = any(${ids})`),
      versions: await countRows(
        tx,
        sql`update orders.order_versions v set previous = jsonb_set(v.previous, '{attributes}', '{}'::jsonb)
            where v.customer_id = any(${ids}) and v.previous ? 'attributes'`,
      ),
      returns: await countRows(tx, sql`update orders.returns set reason = null where customer_id = any(${ids})`),
    };
  },
};
