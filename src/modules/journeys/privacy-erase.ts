import { sql } from 'drizzle-orm';
import { countRows, profileIdsParam, type ErasureParticipant } from '../customers/privacy-erase.js';

/**
 * Erasure in journeys: enrollments stay for the journeys' statistics (holdout, conversion, revenue) without what the
 * trigger knew (`context`) or what the steps recorded (`detail`); a live pass ends as exited with reason
 * `customer_erased`, so no further step runs for the person.
 */
export const journeysErasureParticipant: ErasureParticipant = {
  name: 'journeys',
  async erase(tx, _id, ctx) {
    const ids = profileIdsParam(ctx);
    const at = sql`${ctx.erasedAt.toISOString()}::timestamptz`;
    return {
      stepRuns: await countRows(
        tx,
        sql`update journeys.step_runs set detail = '{}'::jsonb
            where customer_id = any(${ids}) and detail <> '{}'::jsonb`,
      ),
      enrollments: await countRows(
        tx,
        sql`update journeys.enrollments
            set context = '{}'::jsonb,
                status = case when status in ('active', 'held_out') then 'exited' else status end,
                end_reason = case when status in ('active', 'held_out') then 'customer_erased' else end_reason end,
                ended_at = case when status in ('active', 'held_out') then ${at} else ended_at end,
                next_run_at = case when status in ('active', 'held_out') then null else next_run_at end,
                lease_until = null
            where customer_id = any(${ids})`,
      ),
    };
  },
};
