import { sql } from 'drizzle-orm';
import { exportRows, type ExportParticipant } from '../customers/privacy-export.js';

/**
 * A data subject access export's activity section: every behaviour event attributed to the person, the anonymous events
 * still stored under one of the person's anonymous or device ids (none once the id is identified, as those move to the
 * person; a race can leave some), and the monthly counts of their events the retention policy rolled up (the events
 * themselves are gone).
 */
export const activityExportParticipant: ExportParticipant = {
  name: 'activity',
  collect: async (db, id) => {
    const events = await exportRows(db, sql`select * from activity.events where customer_id = ${id} order by occurred_at, id`);
    const anonymousEvents = await exportRows(
      db,
      sql`select a.* from activity.anonymous_events a
          where a.anonymous_id in (select value from customers.identifiers where customer_id = ${id} and type = 'anonymous_id')
             or a.device_id in (select value from customers.identifiers where customer_id = ${id} and type = 'device_id')
          order by a.occurred_at, a.id`,
    );
    const rollups = await exportRows(
      db,
      sql`select month, type, channel, store_code, events, first_at, last_at, updated_at from activity.event_rollups
          where customer_id = ${id} order by month, type collate "C", channel collate "C" nulls first, store_code collate "C" nulls first`,
    );
    // The anonymous section appears only when there is something in it.
    return anonymousEvents.length > 0 ? { events, anonymousEvents, rollups } : { events, rollups };
  },
};
