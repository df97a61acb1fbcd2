import { sql } from 'drizzle-orm';
import { exportRows, type ExportParticipant } from '../customers/privacy-export.js';

/** A data subject access export's surveys section: invitations sent to the person and their responses. */
export const surveysExportParticipant: ExportParticipant = {
  name: 'surveys',
  collect: async (db, id) => ({
    invitations: await exportRows(db, sql`select * from surveys.invitations where customer_id = ${id} order by created_at, id`),
    responses: await exportRows(db, sql`select * from surveys.responses where customer_id = ${id} order by submitted_at, id`),
  }),
};
