import { sql } from 'drizzle-orm';
import type { Database } from '../../src/platform/db/database.js';

/**
 * The segments benchmarks' data set (bench/segments.bench.ts header): n customers, 4n orders over
 * 2024-01-01..2025-12-30, 1–4 lines each, built in SQL so every build is the same.
 */
/** A deterministic uniform [0, 1) from a tag and the row number (md5), so every build makes the same data. */
const u = (tag: string) => sql.raw(`(('x' || substr(md5('${tag}' || g), 1, 8))::bit(32)::bigint / 4294967296.0)`);

/** The data set in SQL: customers, orders, lines (see the header), in chunks that keep statements short. */
export async function generate(database: Database, n: number): Promise<void> {
  const db = database.db;
  const chunk = 200_000;
  for (let lo = 1; lo <= n; lo += chunk) {
    const hi = Math.min(n, lo + chunk - 1);
    await db.execute(sql`insert into customers.customers (id, status, created_at, updated_at, last_seen_at)
      select md5('c' || g)::uuid, 'active', now(), now(), now() from generate_series(${lo}::int, ${hi}::int) g`);
  }
  const orders = 4 * n;
  for (let lo = 1; lo <= orders; lo += chunk) {
    const hi = Math.min(orders, lo + chunk - 1);
    await db.execute(sql`
      with o as (
        select g, case when g <= ${n}::int then g else 1 + floor(${n}::int * power(${u('c')}, 2))::int end as c,
               timestamptz '2024-01-01 00:00:00+08' + floor(${u('t')} * 730 * 86400) * interval '1 second' as at,
               case when ${u('s')} < 0.03 then 'cancelled' else 'completed' end as status,
               1 + floor(${u('l')} * 4)::int as lines, 100 + floor(${u('p')} * 50000)::bigint as paid
        from generate_series(${lo}::int, ${hi}::int) g
      ), ins as (
        insert into orders.orders (id, customer_id, channel, external_id, store_code, placed_at, status, gross_fen, discount_fen, paid_fen,
                                   refunded_fen, line_count, content_hash, source)
        select md5('o' || g)::uuid, md5('c' || c)::uuid, case when g % 3 = 0 then 'online' else 'pos' end, 'B' || g,
               case when g % 3 = 0 then null else 'S' || lpad((1 + g % 20)::text, 2, '0') end, at, status, paid, 0, paid,
               case when g % 50 = 0 then paid / 2 else 0 end, lines, md5('h' || g), 'bench'
        from o
        returning id, customer_id, paid_fen, line_count)
      insert into orders.order_lines (order_id, line_no, customer_id, sku, quantity, unit_price_fen, discount_fen, paid_fen)
      select ins.id, l, ins.customer_id, 'SKU' || lpad(((l * 7919 + ins.paid_fen) % 2000)::text, 4, '0'), 1,
             ins.paid_fen / ins.line_count, 0, ins.paid_fen / ins.line_count
      from ins cross join lateral generate_series(1, ins.line_count) l`);
    process.stderr.write(`  generated orders ${hi.toLocaleString('en')} / ${orders.toLocaleString('en')}\n`);
  }
  await db.execute(sql`analyze`);
}
