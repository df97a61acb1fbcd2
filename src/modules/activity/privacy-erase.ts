import { sql } from 'drizzle-orm';
import { countRows, profileIdsParam, type ErasureParticipant } from '../customers/privacy-erase.js';

/**
 * Erasure in activity: the person's events stay as counts (type, time, channel, store, SKU) under the erased profile,
 * without the anonymous and device ids that could tie new visits back to them, or the sender's properties. Anonymous
 * events still stored under an anonymous or device id found on the person's events lose those ids and properties too
 * (they stay as anonymous counts).
 */
export const activityErasureParticipant: ErasureParticipant = {
  name: 'activity',
  async erase(tx, _id, ctx) {
    const ids = profileIdsParam(ctx);
    const anonymousEvents = await countRows(
      tx,
      sql`update activity.anonymous_events set anonymous_id = null, device_id = null, properties = '{}'::jsonb
          where anonymous_id in (select anonymous_id from activity.events where customer_id = any(${ids}) and anonymous_id is not null)
             or device_id in (select device_id from activity.events where customer_id = any(${ids}) and device_id is not null)`,
    );
    const events = await countRows(
      tx,
      sql`update activity.events set anonymous_id = null, device_id = null, properties = '{}'::jsonb
          where customer_id = any(${ids})`,
    );
    const scrubbed: Record<string, number> = { events };
    if (anonymousEvents > 0) scrubbed.anonymousEvents = anonymousEvents;
    return scrubbed;
  },
};
