import { sql, type SQL } from 'drizzle-orm';

/**
 * Every customer's purchase history up to the end of `asOf` (a business date in `timeZone`) in the form the
 * buy-till-you-die models read, computed in SQL over orders.order_facts:
 * - a purchase is a business day with at least one order that is not cancelled (several orders on one day are one
 *   purchase, as Fader and Hardie count CDNOW), its value the day's net paid (paid − refunded);
 * - x = purchase days − 1 (repeat purchases), tx_days = last − first purchase day, t_days = asOf − first purchase day;
 * - mbar_fen = the mean value of the repeat purchase days (the first purchase left out, as Gamma-Gamma reads it);
 *   null without a repeat purchase;
 * - spend_fen = all purchase days' value (for the churn-risk list's ordering).
 * Columns: customer_id, x, tx_days, t_days, mbar_fen, spend_fen.
 */
export function customerSummarySql(asOf: string, timeZone: string): SQL {
  return sql`with d as (
      select o.customer_id, (o.placed_at at time zone ${timeZone})::date as day, sum(o.paid_fen - o.refunded_fen) as fen
      from orders.order_facts o
      where o.status <> 'cancelled' and not o.guest
        and o.placed_at < ((${asOf}::date + 1)::timestamp at time zone ${timeZone})
      group by 1, 2)
    select d.customer_id, (count(*) - 1)::int as x, (max(d.day) - min(d.day))::int as tx_days, (${asOf}::date - min(d.day))::int as t_days,
           case when count(*) > 1 then ((sum(d.fen) - (array_agg(d.fen order by d.day))[1]) / (count(*) - 1))::float8 end as mbar_fen,
           sum(d.fen)::bigint as spend_fen
    from d group by d.customer_id`;
}
