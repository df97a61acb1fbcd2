import { sql } from 'drizzle-orm';
import { countRows, profileIdsParam, type ErasureParticipant } from '../customers/privacy-erase.js';

/**
 * Erasure in activity: the person's events stay as counts (type, time, channel, store, SKU) under the erased profile,
 * without the anonymous and device ids that could tie new visits back to them, or the sender's properties.
 */
export const activityErasureParticipant: ErasureParticipant = {
  name: 'activity',
  async erase(tx, _id, ctx) {
    return {
      events: await countRows(
        tx,
        sql`update activity.events set anonymous_id = null, device_id = null, properties = '{}'::jsonb
            where customer_id = any(${profileIdsParam(ctx)})`,
      ),
    };
  },
};
