import { sql } from 'drizzle-orm';
import { countRows, profileIdsParam, type ErasureParticipant } from '../customers/privacy-erase.js';

/**
 * Erasure in insights: the person's predictions, churn score, repurchase cycles and raised rhythm changes are
 * profiling about them and go. Model runs hold population figures only and stay.
 */
export const insightsErasureParticipant: ErasureParticipant = {
  name: 'insights',
  async erase(tx, _id, ctx) {
    const ids = profileIdsParam(ctx);
    return {
      predictions: await countRows(tx, sql`delete from insights.customer_predictions where customer_id = any(${ids})`),
      churnScores: await countRows(tx, sql`delete from insights.churn_scores where customer_id = any(${ids})`),
      cycles: await countRows(tx, sql`delete from insights.repurchase_cycles where customer_id = any(${ids})`),
      rhythmChanges: await countRows(tx, sql`delete from insights.rhythm_changes where customer_id = any(${ids})`),
    };
  },
};
