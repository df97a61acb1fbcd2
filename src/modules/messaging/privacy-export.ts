import { sql } from 'drizzle-orm';
import { exportRows, type ExportParticipant } from '../customers/privacy-export.js';

/** A data subject access export's messaging section: messages sent to the person, their delivery events, guide tasks about them. */
export const messagingExportParticipant: ExportParticipant = {
  name: 'messaging',
  collect: async (db, id) => ({
    messages: await exportRows(db, sql`select * from messaging.messages where customer_id = ${id} order by created_at, id`),
    deliveryEvents: await exportRows(
      db,
      sql`select * from messaging.delivery_events where customer_id = ${id} order by occurred_at, id`,
    ),
    guideTasks: await exportRows(db, sql`select * from messaging.guide_tasks where customer_id = ${id} order by created_at, id`),
  }),
};
