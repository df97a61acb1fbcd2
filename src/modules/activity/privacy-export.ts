import { sql } from 'drizzle-orm';
import { exportRows, type ExportParticipant } from '../customers/privacy-export.js';

/** A data subject access export's activity section: every behaviour event attributed to the person. */
export const activityExportParticipant: ExportParticipant = {
  name: 'activity',
  collect: async (db, id) => ({
    events: await exportRows(db, sql`select * from activity.events where customer_id = ${id} order by occurred_at, id`),
  }),
};
