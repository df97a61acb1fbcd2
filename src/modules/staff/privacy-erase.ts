import { sql } from 'drizzle-orm';
import { countRows, profileIdsParam, type ErasureParticipant } from '../customers/privacy-erase.js';

/**
 * Erasure in staff: the guide assignments stay (a guide's book and KPIs count them) without the assigner's note;
 * the open assignment ends, as an erased profile has nobody to look after.
 */
export const staffErasureParticipant: ErasureParticipant = {
  name: 'staff',
  async erase(tx, _id, ctx) {
    const ids = profileIdsParam(ctx);
    return {
      assignments: await countRows(
        tx,
        sql`update staff.assignments set note = null, ended_at = coalesce(ended_at, ${ctx.erasedAt.toISOString()}::timestamptz)
            where customer_id = any(${ids})`,
      ),
    };
  },
};
