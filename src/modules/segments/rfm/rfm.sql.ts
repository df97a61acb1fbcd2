import { sql, type SQL } from 'drizzle-orm';
import { cellTables, MIN_SPAN_DAYS, POTENTIAL_HORIZON_DAYS } from '../domain/rfm.js';
import type { RfmMethod } from '../domain/rfm-score.js';

const CELLS = cellTables();

/** Memory for the run's hash aggregate and sorts (a million customers fit; with 4 MB they spill to disk). */
export const RUN_WORK_MEM = '256MB';
const textArray = (xs: string[]) => sql`${`{${xs.join(',')}}`}::text[]`;

/**
 * One set-based statement: RFM facts per customer from orders.order_facts (not cancelled, with a customer, placed
 * before the end of as-of in the business zone; net paid = paid − refunded), scores by ties-never-split quintiles
 * (rank, see domain/rfm.ts) or fixed thresholds, class and segment from the same lookup tables the domain code
 * builds, the value matrix against the lower medians — written into segments.rfm_scores in customer id order (the
 * primary key index then grows at its end instead of at random pages). n comes from one aggregate instead of
 * `count(*) over ()`, which made each window buffer the whole partition (10 s of 33 at a million customers).
 */

export function insertScoresSql(p: { asOf: string; windowDays: number | null; timeZone: string; how: RfmMethod }): SQL {
  const asOf = sql`${p.asOf}::date`;
  const tz = p.timeZone;
  const end = sql`((${asOf} + 1)::timestamp at time zone ${tz})`;
  const start = p.windowDays === null ? sql`'-infinity'::timestamptz` : sql`((${asOf} - ${p.windowDays - 1}::int)::timestamp at time zone ${tz})`;
  const scores =
    p.how.method === 'quintiles'
      ? sql`1 + 5 * (rank() over (order by rd desc) - 1) / st.n as r,
            1 + 5 * (rank() over (order by freq) - 1) / st.n as f,
            1 + 5 * (rank() over (order by mon) - 1) / st.n as m`
      : thresholdScoresSql(p.how.thresholds);
  return sql`
    with a as (
      select customer_id,
             max(placed_at) filter (where placed_at >= ${start}) as last_at,
             count(*) filter (where placed_at >= ${start}) as freq,
             coalesce(sum(paid_fen - refunded_fen) filter (where placed_at >= ${start}), 0) as mon,
             min(placed_at) as first_at,
             coalesce(sum(paid_fen - refunded_fen), 0) as revenue
      from orders.order_facts
      where status <> 'cancelled' and not guest and placed_at < ${end}
      group by customer_id
    ), b as (
      select a.customer_id, ${asOf} - (last_at at time zone ${tz})::date as rd, freq, mon, revenue,
             -- Potential: the insights module's predicted CLV (its latest run) where the customer has one, else the proxy.
             coalesce(p.clv_fen, floor(revenue * ${POTENTIAL_HORIZON_DAYS} / greatest(${asOf} - (first_at at time zone ${tz})::date + 1, ${MIN_SPAN_DAYS}))::bigint) as potential
      from a left join insights.customer_predictions p on p.customer_id = a.customer_id
      where freq > 0
    ), st as (
      select count(*) as n, percentile_disc(0.5) within group (order by revenue) as mc, percentile_disc(0.5) within group (order by potential) as mp from b
    ), s as (
      select b.*, ${scores} from b cross join st
    )
    insert into segments.rfm_scores (customer_id, as_of, recency_days, frequency, monetary_fen, r, f, m, value_class, segment,
                                     current_value_fen, potential_value_fen, value_quadrant, computed_at)
    select customer_id, ${asOf}, rd, freq, mon, r, f, m,
           (${textArray(CELLS.classes)})[(r - 1) * 25 + (f - 1) * 5 + m],
           (${textArray(CELLS.segments)})[(r - 1) * 25 + (f - 1) * 5 + m],
           revenue, potential,
           case when revenue >= st.mc then case when potential >= st.mp then 'strategic' else 'basic' end
                else case when potential >= st.mp then 'growth' else 'marginal' end end,
           now()
    from s cross join st
    order by customer_id`;
}

function thresholdScoresSql(t: { recencyDays: number[]; frequency: number[]; monetaryFen: number[] }): SQL {
  const count = (col: SQL, op: '>' | '>=', cuts: number[]) =>
    sql.join(
      cuts.map((c) => (op === '>' ? sql`(${col} > ${c})::int` : sql`(${col} >= ${c})::int`)),
      sql` + `,
    );
  return sql`5 - (${count(sql`rd`, '>', t.recencyDays)}) as r,
             1 + ${count(sql`freq`, '>=', t.frequency)} as f,
             1 + ${count(sql`mon`, '>=', t.monetaryFen)} as m`;
}

/** The plain aggregate the RFM run builds on (the benchmark's baseline): last order, orders, net paid per customer. */
export const baselineSql = () => sql`
  select count(*)::int as customers from (
    select customer_id, max(placed_at), count(*), sum(paid_fen - refunded_fen)
    from orders.order_facts where status <> 'cancelled' and not guest group by customer_id) t`;
