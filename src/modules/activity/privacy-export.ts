import { sql } from 'drizzle-orm';
import { exportRows, type ExportParticipant } from '../customers/privacy-export.js';

/**
 * A data subject access export's activity section: every behaviour event attributed to the person, and the monthly
 * counts of their events the retention policy rolled up (the events themselves are gone).
 */
export const activityExportParticipant: ExportParticipant = {
  name: 'activity',
  collect: async (db, id) => ({
    events: await exportRows(db, sql`select * from activity.events where customer_id = ${id} order by occurred_at, id`),
    rollups: await exportRows(
      db,
      sql`select month, type, channel, store_code, events, first_at, last_at, updated_at from activity.event_rollups
          where customer_id = ${id} order by month, type collate "C", channel collate "C" nulls first, store_code collate "C" nulls first`,
    ),
  }),
};
