import { sql } from 'drizzle-orm';
import { exportRows, type ExportParticipant } from '../customers/privacy-export.js';

/** A data subject access export's promotions section: coupons issued to the person and their redemptions. */
export const promotionsExportParticipant: ExportParticipant = {
  name: 'promotions',
  collect: async (db, id) => ({
    coupons: await exportRows(db, sql`select * from promotions.coupons where customer_id = ${id} order by created_at, id`),
    redemptions: await exportRows(
      db,
      sql`select * from promotions.redemptions where customer_id = ${id} order by created_at, reservation_id, seq`,
    ),
  }),
};
