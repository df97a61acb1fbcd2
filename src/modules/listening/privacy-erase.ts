import { sql } from 'drizzle-orm';
import { countRows, ERASED, profileIdsParam, type ErasureParticipant } from '../customers/privacy-erase.js';

/**
 * Erasure in listening: mentions linked to the person keep what the trends and hourly counts are made of (source,
 * time, region, store, SKU, sentiment, aspects, engagement counts) with text '[erased]', no author, author id, URL or
 * keywords; the (source, external id) key stays so a feed does not bring the text back. The crises that affected the
 * person keep them (a compensation given is a record), with no personal values in them.
 */
export const listeningErasureParticipant: ErasureParticipant = {
  name: 'listening',
  async erase(tx, _id, ctx) {
    return {
      mentions: await countRows(
        tx,
        sql`update listening.mentions
            set text = ${ERASED}, author = null, author_id = null, url = null, keywords = '{}'::text[],
                content_hash = md5('erased:' || id::text)
            where customer_id = any(${profileIdsParam(ctx)})`,
      ),
    };
  },
};
