import { sql } from 'drizzle-orm';
import { exportRows, type ExportParticipant } from '../customers/privacy-export.js';

/** A data subject access export's service section: the person's tickets, their events and compensations. */
export const serviceExportParticipant: ExportParticipant = {
  name: 'service',
  collect: async (db, id) => ({
    tickets: await exportRows(db, sql`select * from service.tickets where customer_id = ${id} order by created_at, id`),
    ticketEvents: await exportRows(
      db,
      sql`select e.* from service.ticket_events e join service.tickets t on t.id = e.ticket_id
          where t.customer_id = ${id} order by e.at, e.id`,
    ),
    compensations: await exportRows(
      db,
      sql`select c.* from service.compensations c join service.tickets t on t.id = c.ticket_id
          where t.customer_id = ${id} order by c.proposed_at, c.id`,
    ),
  }),
};
