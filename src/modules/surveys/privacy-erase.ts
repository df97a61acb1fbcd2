import { sql } from 'drizzle-orm';
import { countRows, profileIdsParam, type ErasureParticipant } from '../customers/privacy-erase.js';

/**
 * Erasure in surveys: invitations stay (response rates count them); responses keep their scores (NPS, CSAT, rating and
 * choice answers, the verbatim's sentiment) for the reports, without the verbatim and without the answers to the
 * survey's free-text questions.
 */
export const surveysErasureParticipant: ErasureParticipant = {
  name: 'surveys',
  async erase(tx, _id, ctx) {
    return {
      responses: await countRows(
        tx,
        sql`update surveys.responses r
            set verbatim = null,
                answers = r.answers - coalesce((select array_agg(q->>'id') from surveys.surveys s, jsonb_array_elements(s.questions) q
                                                where s.id = r.survey_id and q->>'type' = 'text'), '{}'::text[])
            where r.customer_id = any(${profileIdsParam(ctx)})`,
      ),
    };
  },
};
