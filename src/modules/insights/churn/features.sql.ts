import { sql, type SQL } from 'drizzle-orm';

/**
 * Every customer with a non-cancelled order by the end of `cutoff` (a business date in `timeZone`), with what was known
 * of them then, from the views other modules publish (orders.order_facts, orders.return_facts, activity.event_facts).
 * Windows are whole business days ending on the cutoff: "90 days" = cutoff − 89 … cutoff.
 * - recency_days: cutoff − last order day; tenure_days: cutoff − first order day; purchase_days: days with an order;
 * - orders_90d, orders_365d: orders in the window; orders_prev_90d: in the 90 days before the last 90;
 * - paid_365d_fen and refunded_365d_fen: paid for the window's orders and refunded by returns recorded in the window
 *   (returns by their date, not the order's current refunded amount, so nothing after the cutoff leaks in);
 * - mean_gap_days: (last − first order day) / (purchase days − 1), null for a one-time buyer;
 * - events_30d, events_90d: the customer's behaviour events (any type) in the window;
 * - churned (only with `horizonDays`): no non-cancelled order in the `horizonDays` days after the cutoff.
 * Ordered by customer id so that every run reads the rows in the same order.
 */
export function churnFeaturesSql(cutoff: string, timeZone: string, horizonDays?: number): SQL {
  const dayStart = (offset: number) => sql`((${cutoff}::date + ${offset}::int)::timestamp at time zone ${timeZone})`;
  const label =
    horizonDays === undefined
      ? sql`null::boolean`
      : sql`not exists (select 1 from orders.order_facts n where n.customer_id = b.customer_id and n.status <> 'cancelled'
                          and n.placed_at >= ${dayStart(1)} and n.placed_at < ${dayStart(horizonDays + 1)})`;
  return sql`with o as (
      select o.customer_id, (o.placed_at at time zone ${timeZone})::date as day, o.paid_fen
      from orders.order_facts o
      where o.status <> 'cancelled' and not o.guest and o.placed_at < ${dayStart(1)}),
    b as (
      select customer_id, min(day) as first_day, max(day) as last_day, count(distinct day)::int as purchase_days,
             count(*) filter (where day > ${cutoff}::date - 90)::int as orders_90d,
             count(*) filter (where day > ${cutoff}::date - 180 and day <= ${cutoff}::date - 90)::int as orders_prev_90d,
             count(*) filter (where day > ${cutoff}::date - 365)::int as orders_365d,
             coalesce(sum(paid_fen) filter (where day > ${cutoff}::date - 365), 0)::float8 as paid_365d_fen
      from o group by customer_id),
    r as (
      select customer_id, sum(refund_fen)::float8 as refunded_fen from orders.return_facts
      where not guest and returned_at >= ${dayStart(-364)} and returned_at < ${dayStart(1)}
      group by customer_id),
    e as (
      select customer_id, count(*) filter (where occurred_at >= ${dayStart(-29)})::int as events_30d, count(*)::int as events_90d
      from activity.event_facts
      where customer_id is not null and occurred_at >= ${dayStart(-89)} and occurred_at < ${dayStart(1)}
      group by customer_id)
    select b.customer_id, (${cutoff}::date - b.last_day)::int as recency_days, (${cutoff}::date - b.first_day)::int as tenure_days,
           b.purchase_days, b.orders_90d, b.orders_prev_90d, b.orders_365d, b.paid_365d_fen, coalesce(r.refunded_fen, 0) as refunded_365d_fen,
           case when b.purchase_days > 1 then (b.last_day - b.first_day)::float8 / (b.purchase_days - 1) end as mean_gap_days,
           coalesce(e.events_30d, 0) as events_30d, coalesce(e.events_90d, 0) as events_90d,
           ${label} as churned
    from b left join r on r.customer_id = b.customer_id left join e on e.customer_id = b.customer_id
    order by b.customer_id`;
}
