import { sql } from 'drizzle-orm';
import { query, type Db } from '../../../platform/db/database.js';

/** One line of a customer's orders (not cancelled, not wholly returned), with the product's leaf category. */
export interface CustomerLine {
  orderId: string;
  placedAt: Date;
  sku: string;
  category: string | null;
  paidFen: number;
}

/** Per customer of the batch: their order lines, latest order first (one query over orders_customer_idx). */
export async function customerLines(db: Db, customerIds: readonly string[]): Promise<Map<string, CustomerLine[]>> {
  const rows = await query<{ customer_id: string; order_id: string; placed_at: string | Date; sku: string; category: string | null; paid_fen: number | string }>(
    db,
    sql`select o.customer_id::text as customer_id, o.id::text as order_id, o.placed_at, l.sku,
               p.category_path[cardinality(p.category_path)] as category, l.paid_fen
          from orders.orders o
          join orders.order_lines l on l.customer_id = o.customer_id and l.order_id = o.id
          left join catalog.products p on p.sku = l.sku
         where o.customer_id = any(${sql.param([...customerIds])}::uuid[]) and o.status <> 'cancelled' and l.quantity > l.returned_quantity
         order by o.customer_id, o.placed_at desc, o.id desc, l.line_no`,
  );
  const out = new Map<string, CustomerLine[]>();
  for (const r of rows) {
    const list = out.get(r.customer_id) ?? [];
    list.push({ orderId: r.order_id, placedAt: new Date(r.placed_at), sku: r.sku, category: r.category, paidFen: Number(r.paid_fen) });
    out.set(r.customer_id, list);
  }
  return out;
}

/** The leaf category the customer spent most on (ties: more lines, then the name in code-point order). */
export function favouriteCategory(lines: readonly CustomerLine[]): string | null {
  const by = new Map<string, { fen: number; n: number }>();
  for (const l of lines) {
    if (!l.category) continue;
    const c = by.get(l.category) ?? { fen: 0, n: 0 };
    c.fen += l.paidFen;
    c.n += 1;
    by.set(l.category, c);
  }
  let best: string | null = null;
  let bestV = { fen: -1, n: -1 };
  for (const [k, v] of by) {
    if (v.fen > bestV.fen || (v.fen === bestV.fen && (v.n > bestV.n || (v.n === bestV.n && best !== null && k < best)))) {
      best = k;
      bestV = v;
    }
  }
  return best;
}
