import { sql } from 'drizzle-orm';
import { exportRows, type ExportParticipant } from '../customers/index.js';

/** A data subject access export's staff section: the person's guide assignments, oldest first. */
export const staffExportParticipant: ExportParticipant = {
  name: 'staff',
  collect: async (db, id) => ({
    assignments: await exportRows(db, sql`select * from staff.assignments where customer_id = ${id} order by started_at, id`),
  }),
};
