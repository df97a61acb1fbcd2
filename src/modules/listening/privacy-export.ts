import { sql } from 'drizzle-orm';
import { exportRows, type ExportParticipant } from '../customers/privacy-export.js';

/** A data subject access export's listening section: mentions linked to the person, and crises that affected them. */
export const listeningExportParticipant: ExportParticipant = {
  name: 'listening',
  collect: async (db, id) => ({
    mentions: await exportRows(db, sql`select * from listening.mentions where customer_id = ${id} order by posted_at, id`),
    crisesAffected: await exportRows(db, sql`select * from listening.crisis_affected where customer_id = ${id} order by crisis_id`),
  }),
};
