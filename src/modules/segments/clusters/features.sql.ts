import { sql, type SQL } from 'drizzle-orm';
import { TOP_CATEGORIES } from './personas.js';

/**
 * Behaviour features per customer, computed on the database from the published views
 * (orders.order_facts, orders.line_facts, activity.event_facts, loyalty.referral_facts,
 * customers.customer_facts). Everything counts up to the end of the as-of day in the business time
 * zone; cancelled orders never count.
 */

/** Exclusive end of the as-of day in the business time zone. */
const endOf = (asOf: string, timeZone: string) => sql`((${asOf}::date + 1)::timestamp at time zone ${timeZone})`;

/** A line's category for the price reference: the top level of its product's category path; '' when the catalog has none. */
const CATEGORY = sql`coalesce(l.category_path[1], '')`;

/**
 * Lines of non-cancelled orders with a positive quantity and amount, placed before the end of as-of.
 * line_facts has no order status: an anti-join with the (few) cancelled orders is far cheaper than
 * joining every line to its order again.
 */
const PRICED = (end: SQL) => sql`l.placed_at < ${end} and l.quantity > 0 and l.paid_fen > 0
  and not exists (select 1 from orders.order_facts f where f.id = l.order_id and f.status = 'cancelled')`;

/**
 * Per category: the median unit price paid (paid ÷ quantity of each line, every buyer's lines,
 * anonymous ones too: the market's price level) and the spend, for the price reference and for
 * picking the brand's top categories.
 */
export function categoryStatsSql(asOf: string, timeZone: string): SQL {
  return sql`
    select ${CATEGORY} as category,
           percentile_cont(0.5) within group (order by l.paid_fen::float8 / l.quantity) as median_unit_fen,
           sum(l.paid_fen)::float8 as spend_fen
    from orders.line_facts l
    where ${PRICED(endOf(asOf, timeZone))}
    group by 1`;
}

export interface CategoryStat {
  category: string;
  median_unit_fen: number;
  spend_fen: number;
}

/** The brand's top categories by spend (the uncategorised bucket never), ties by name. */
export function topCategories(stats: CategoryStat[], n = TOP_CATEGORIES): string[] {
  return stats
    .filter((s) => s.category !== '')
    .sort((a, b) => b.spend_fen - a.spend_fen || (a.category < b.category ? -1 : a.category > b.category ? 1 : 0))
    .slice(0, n)
    .map((s) => s.category);
}

/** One row per active customer with at least one non-cancelled order, ordered by customer id. */
export interface FeatureRow {
  customer_id: string;
  recency_days: number;
  orders: number;
  net_spend: number;
  discount_share: number;
  price_ratio: number;
  store_share: number;
  online_share: number;
  miniprogram_share: number;
  shares: number;
  referrals: number;
  /** Σ paid of the customer's priced lines, and of those in each top category (in the order given; null without lines). */
  line_paid_fen: number;
  top_fen: number[] | null;
}

/**
 * The features, one statement. Channels: store = pos; online = online, app, marketplace;
 * mini-program = miniprogram, wechat (phone and other orders count in none of the three shares).
 * - discount share = Σ order discount ÷ Σ order gross (list value); 0 without a gross;
 * - price ratio = Σ paid for the lines ÷ Σ quantity × the category's median unit price: what the
 *   customer paid against what the same quantities cost at the market's typical price; 1 (neutral)
 *   for a customer without priced lines;
 * - category shares = line spend in the category ÷ all line spend (0 without lines);
 * - shares = share events per order (a rate: a heavy buyer who shares now and then is not social);
 *   referrals = referrals made that were not rejected.
 */
export function featuresSql(p: { asOf: string; timeZone: string; categories: CategoryStat[]; top: string[] }): SQL {
  const end = endOf(p.asOf, p.timeZone);
  const cats = sql.param(p.categories.map((c) => c.category));
  const medians = sql.param(p.categories.map((c) => c.median_unit_fen));
  const topShares = p.top.length
    ? sql`array[${sql.join(
        p.top.map((c) => sql`coalesce(sum(lc.paid_fen) filter (where lc.category = ${c}), 0)::float8`),
        sql`, `,
      )}]`
    : sql`null::float8[]`;
  return sql`
    with o as (
      select f.customer_id,
             count(*) as orders,
             max(f.placed_at) as last_at,
             sum(f.paid_fen - f.refunded_fen)::float8 as net_fen,
             sum(f.discount_fen)::float8 as discount_fen,
             sum(f.gross_fen)::float8 as gross_fen,
             count(*) filter (where f.channel = 'pos') as store_orders,
             count(*) filter (where f.channel in ('online', 'app', 'marketplace')) as online_orders,
             count(*) filter (where f.channel in ('miniprogram', 'wechat')) as mini_orders
      from orders.order_facts f
      where f.status <> 'cancelled' and not f.guest and f.placed_at < ${end}
      group by f.customer_id
    ), lc as (
      -- Lines summed per customer and category first; the category's median then multiplies a sum of quantities
      -- (Σ quantity × median = median × Σ quantity), so the reference table meets a few rows per customer, not every line.
      select l.customer_id, ${CATEGORY} as category, sum(l.quantity) as quantity, sum(l.paid_fen) as paid_fen
      from orders.line_facts l
      where ${PRICED(end)} and not l.guest
      group by 1, 2
    ), l as (
      select lc.customer_id,
             sum(lc.paid_fen)::float8 as paid_fen,
             -- numeric: an exact sum, so a parallel plan's order of adding cannot change the last bits (same data, same result)
             sum(lc.quantity * m.median_unit_fen::numeric)::float8 as at_median_fen,
             ${topShares} as top_fen
      from lc join unnest(${cats}::text[], ${medians}::float8[]) as m(category, median_unit_fen) on m.category = lc.category
      group by lc.customer_id
    ), s as (
      select customer_id, count(*) as shares from activity.event_facts
      where type = 'share' and customer_id is not null and occurred_at < ${end}
      group by customer_id
    ), r as (
      select referrer_id as customer_id, count(*) as referrals from loyalty.referral_facts
      where status <> 'rejected' and created_at < ${end}
      group by referrer_id
    )
    select o.customer_id,
           (${p.asOf}::date - (o.last_at at time zone ${p.timeZone})::date)::float8 as recency_days,
           o.orders::float8 as orders,
           o.net_fen / 100 as net_spend,
           case when o.gross_fen > 0 then o.discount_fen / o.gross_fen else 0 end as discount_share,
           case when l.at_median_fen > 0 then l.paid_fen / l.at_median_fen else 1 end as price_ratio,
           o.store_orders::float8 / o.orders as store_share,
           o.online_orders::float8 / o.orders as online_share,
           o.mini_orders::float8 / o.orders as miniprogram_share,
           coalesce(s.shares, 0)::float8 / o.orders as shares,
           coalesce(r.referrals, 0)::float8 as referrals,
           coalesce(l.paid_fen, 0) as line_paid_fen,
           l.top_fen
    from o
    join customers.customer_facts c on c.id = o.customer_id and c.status = 'active'
    left join l on l.customer_id = o.customer_id
    left join s on s.customer_id = o.customer_id
    left join r on r.customer_id = o.customer_id
    order by o.customer_id`;
}

/** The benchmark's baseline: the per-customer order aggregate alone (the cheapest part of the feature query). */
export function orderAggregateSql(asOf: string, timeZone: string): SQL {
  return sql`
    select count(*)::int as customers from (
      select customer_id, count(*), max(placed_at), sum(paid_fen - refunded_fen), sum(discount_fen), sum(gross_fen)
      from orders.order_facts where status <> 'cancelled' and not guest and placed_at < ${endOf(asOf, timeZone)}
      group by customer_id) t`;
}
