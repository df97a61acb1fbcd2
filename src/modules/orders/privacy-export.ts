import { sql } from 'drizzle-orm';
import { exportRows, type ExportParticipant } from '../customers/privacy-export.js';

/** A data subject access export's orders section: the person's orders with their lines, and their returns with lines. */
export const ordersExportParticipant: ExportParticipant = {
  name: 'orders',
  collect: async (db, id) => ({
    orders: await exportRows(db, sql`select * from orders.orders where customer_id = ${id} order by placed_at, id`),
    lines: await exportRows(db, sql`select l.* from orders.order_lines l join orders.orders o on o.customer_id = l.customer_id and o.id = l.order_id
                                      where o.customer_id = ${id} order by o.placed_at, l.order_id, l.line_no`),
    returns: await exportRows(db, sql`select * from orders.returns where customer_id = ${id} order by created_at, id`),
    returnLines: await exportRows(db, sql`select rl.* from orders.return_lines rl join orders.returns r on r.customer_id = rl.customer_id and r.id = rl.return_id
                                            where r.customer_id = ${id} order by r.created_at, rl.return_id, rl.order_line_no`),
  }),
};
