import { sql } from 'drizzle-orm';
import { queryOne } from '../../platform/db/database.js';
import { countRows, profileIdsParam, type ErasureParticipant } from '../customers/privacy-erase.js';

/**
 * Erasure in segments: the person leaves every audience (sizes follow; current stays end in the log, which keeps ids
 * and times only) and their RFM scores and clustering features go (profiling about them).
 */
export const segmentsErasureParticipant: ErasureParticipant = {
  name: 'segments',
  async erase(tx, _id, ctx) {
    const ids = profileIdsParam(ctx);
    const at = sql`${ctx.erasedAt.toISOString()}::timestamptz`;
    await tx.execute(sql`update segments.membership_log set exited_at = ${at} where customer_id = any(${ids}) and exited_at is null`);
    return {
      members: Number(
        (
          await queryOne<{ n: number }>(
            tx,
            sql`with gone as (delete from segments.members where customer_id = any(${ids}) returning segment_id),
                     per as (select segment_id, count(*)::int as n from gone group by segment_id),
                     sized as (update segments.segments s set size = greatest(s.size - per.n, 0) from per where s.id = per.segment_id returning 1)
                select count(*)::int as n from gone`,
          )
        )?.n ?? 0,
      ),
      rfmScores: await countRows(tx, sql`delete from segments.rfm_scores where customer_id = any(${ids})`),
      clusterAssignments: await countRows(
        tx,
        sql`update segments.cluster_assignments set features = null where customer_id = any(${ids}) and features is not null`,
      ),
    };
  },
};
