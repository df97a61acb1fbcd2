import { sql } from 'drizzle-orm';
import { pgArray } from '../../platform/db/arrays.js';
import { query, type Db } from '../../platform/db/database.js';
import { invalid, notFound } from '../../platform/errors.js';
import { inHoldout } from './domain/eligibility.js';
import { sample, twoProportionInterval, welchInterval, type Interval, type WelchInterval } from './domain/stats.js';
import type { PromotionsService } from './promotions.service.js';

/** One side of a holdout comparison: its customers, how many bought, their revenue (paid − refunded) in the period. */
export interface GroupResult {
  customers: number;
  /** Customers with at least one order in the period. */
  converted: number;
  conversionRate: number | null;
  revenueFen: number;
  /** Revenue ÷ customers, to the fen. */
  revenuePerCustomerFen: number | null;
}

/** Treated against holdout: the differences (treated − holdout) with their 95 % intervals, and the incremental revenue. */
export interface HoldoutComparison {
  treated: GroupResult;
  holdout: GroupResult;
  /** Difference of conversion rates, normal-approximation (Wald) interval. */
  conversion: Interval;
  /** Difference of revenue per customer in fen (bounds to the fen), Welch's interval. */
  revenuePerCustomer: { differenceFen: number; lowFen: number | null; highFen: number | null; df: number | null };
  /** Revenue-per-customer difference × treated customers, to the fen, with the interval's bounds × treated customers. */
  incrementalRevenueFen: number;
  incrementalRevenueLowFen: number | null;
  incrementalRevenueHighFen: number | null;
}

export interface PromotionResults {
  promotion: { id: string; code: string; name: string; status: string; holdoutPercent: number };
  from: string;
  to: string;
  /** Committed redemptions of the promotion whose order was placed in the window. */
  uses: number;
  customers: number;
  /** Discount given minus the part returns took back. */
  discountFen: number;
  /** Orders that used it: their count and revenue (paid − refunded). */
  orders: number;
  revenueFen: number;
  averageOrder: { withFen: number | null; withoutFen: number | null; ordersWith: number; ordersWithout: number };
  /** Null when the promotion has no holdout. */
  holdout: (HoldoutComparison & { population: 'segment_members' | 'buyers' }) | null;
}

export interface IssueRunSummary {
  id: string;
  template: { id: string; code: string; name: string };
  segment: { id: string; name: string } | null;
  holdoutPercent: number;
  issued: number;
  heldOut: number;
  skipped: number;
  actor: string;
  createdAt: string;
}

export interface IssueRunResults {
  run: IssueRunSummary;
  /** The period after issue the groups are compared over: from the run until `to`. */
  from: string;
  to: string;
  issued: number;
  /** Coupons of the run redeemed by a committed checkout. */
  redeemed: number;
  redemptionRate: number | null;
  orders: number;
  revenueFen: number;
  discountFen: number;
  comparison: HoldoutComparison;
}

interface Customer {
  customer_id: string;
  orders: number;
  revenue: string | number;
}

const ORDER_LIVE = sql`o.status <> 'cancelled'`;
const iso = (v: Date | string) => new Date(v).toISOString();
const rounded = (v: number | null) => (v === null ? null : Math.round(v));

/** The groups' figures and their comparison. */
function compare(treated: readonly Customer[], holdout: readonly Customer[]): HoldoutComparison {
  const group = (cs: readonly Customer[]): GroupResult => {
    const revenue = cs.reduce((s, c) => s + Number(c.revenue), 0);
    const converted = cs.filter((c) => c.orders > 0).length;
    return {
      customers: cs.length,
      converted,
      conversionRate: cs.length ? converted / cs.length : null,
      revenueFen: revenue,
      revenuePerCustomerFen: cs.length ? Math.round(revenue / cs.length) : null,
    };
  };
  const t = group(treated);
  const h = group(holdout);
  const conversion = twoProportionInterval(t.converted, t.customers, h.converted, h.customers);
  const welch: WelchInterval = welchInterval(sample(treated.map((c) => Number(c.revenue))), sample(holdout.map((c) => Number(c.revenue))));
  const times = (v: number | null) => (v === null || t.customers === 0 || h.customers === 0 ? null : Math.round(v * t.customers));
  return {
    treated: t,
    holdout: h,
    conversion,
    revenuePerCustomer: { differenceFen: Math.round(welch.difference), lowFen: rounded(welch.low), highFen: rounded(welch.high), df: welch.df },
    incrementalRevenueFen: times(welch.difference) ?? 0,
    incrementalRevenueLowFen: times(welch.low),
    incrementalRevenueHighFen: times(welch.high),
  };
}

/**
 * Measurement of promotions and coupon issue runs: uses, customers, discount cost (committed redemptions minus what
 * returns took back), the revenue of the orders that used them, and — against the holdout — conversion and revenue
 * per customer with the difference's 95 % interval and the incremental revenue. Reads only.
 */
export class PromoResultsService {
  constructor(
    private readonly db: Db,
    private readonly deps: { promotions: PromotionsService },
  ) {}

  /**
   * A promotion's results over [from, to): default from its start (or creation) to its end or now, whichever is
   * earlier. With a holdout, the customers it targeted are its segments' members when its conditions name segments,
   * else the customers who bought in the window (on its channels, stores and fulfilment when it names them); each is
   * held out or treated by the same stable draw checkout uses (`inHoldout(promotion id, customer id, percent)`).
   */
  async promotion(idOrCode: string, window: { from?: Date | undefined; to?: Date | undefined } = {}, now: Date = new Date()): Promise<PromotionResults> {
    const p = await this.deps.promotions.get(idOrCode);
    const from = window.from ?? new Date(p.startsAt ?? p.createdAt);
    const end = p.endsAt ? new Date(p.endsAt) : now;
    const to = window.to ?? (end < now ? end : now);
    if (!(from < to)) throw invalid('promotions.invalid_window', 'to: must be after from', [{ path: 'to', message: 'must be after from' }]);

    // A guest checkout's redemption carries a synthetic customer_id: it is a use, not a customer.
    const used = sql`select coalesce(r.order_id, v.order_id) as order_id, case when r.guest then null else r.customer_id end as customer_id,
                            r.discount_fen - r.refunded_fen as cost
                     from promotions.redemptions r join promotions.reservations v on v.customer_id = r.customer_id and v.id = r.reservation_id
                     where r.promotion_id = ${p.id} and r.status = 'committed'`;
    const [uses] = await query<{ uses: number; customers: number; cost: string | number }>(
      this.db,
      sql`select count(*)::int as uses, count(distinct u.customer_id)::int as customers, coalesce(sum(u.cost), 0)::bigint as cost
          from (${used}) u join orders.orders o on o.id = u.order_id
          where o.placed_at >= ${from} and o.placed_at < ${to}`,
    );
    const byUse = await query<{ used: boolean; orders: number; revenue: string | number }>(
      this.db,
      sql`select exists (select 1 from (${used}) u where u.order_id = o.id) as used, count(*)::int as orders,
                 coalesce(sum(o.paid_fen - o.refunded_fen), 0)::bigint as revenue
          from orders.orders o
          where ${ORDER_LIVE} and o.placed_at >= ${from} and o.placed_at < ${to}
          group by 1`,
    );
    const withUse = byUse.find((r) => r.used);
    const without = byUse.find((r) => !r.used);
    const avg = (r: { orders: number; revenue: string | number } | undefined) => (r && r.orders > 0 ? Math.round(Number(r.revenue) / r.orders) : null);

    let holdout: PromotionResults['holdout'] = null;
    if (p.holdoutPercent > 0) {
      const c = p.conditions;
      const segments = c.segments ?? [];
      const orderIn = sql`o.customer_id = t.customer_id and ${ORDER_LIVE} and o.placed_at >= ${from} and o.placed_at < ${to}`;
      const targeted = segments.length
        ? sql`select distinct m.customer_id from segments.members m where m.segment_id = any(${pgArray(segments, 'uuid')})`
        : sql`select distinct o.customer_id from orders.orders o
              where o.customer_id is not null and not o.guest and ${ORDER_LIVE} and o.placed_at >= ${from} and o.placed_at < ${to}
                ${c.channels?.length ? sql`and o.channel = any(${pgArray(c.channels, 'text')})` : sql``}
                ${c.stores?.length ? sql`and o.store_code = any(${pgArray(c.stores, 'text')})` : sql``}
                ${c.fulfillment?.length ? sql`and o.fulfillment = any(${pgArray(c.fulfillment, 'text')})` : sql``}`;
      const customers = await query<Customer>(
        this.db,
        sql`select t.customer_id, count(o.id)::int as orders, coalesce(sum(o.paid_fen - o.refunded_fen), 0)::bigint as revenue
            from (${targeted}) t left join orders.orders o on ${orderIn}
            group by t.customer_id`,
      );
      const treated: Customer[] = [];
      const held: Customer[] = [];
      for (const cu of customers) (inHoldout(p.id, cu.customer_id, p.holdoutPercent) ? held : treated).push(cu);
      holdout = { population: segments.length ? 'segment_members' : 'buyers', ...compare(treated, held) };
    }

    return {
      promotion: { id: p.id, code: p.code, name: p.name, status: p.status, holdoutPercent: p.holdoutPercent },
      from: from.toISOString(),
      to: to.toISOString(),
      uses: uses?.uses ?? 0,
      customers: uses?.customers ?? 0,
      discountFen: Number(uses?.cost ?? 0),
      orders: withUse?.orders ?? 0,
      revenueFen: Number(withUse?.revenue ?? 0),
      averageOrder: { withFen: avg(withUse), withoutFen: avg(without), ordersWith: withUse?.orders ?? 0, ordersWithout: without?.orders ?? 0 },
      holdout,
    };
  }

  /** Segment issue runs, the latest first. */
  async runs(q: { limit?: number; templateId?: string | undefined } = {}): Promise<IssueRunSummary[]> {
    const rows = await query<RunRow>(
      this.db,
      sql`${RUN_SELECT} ${q.templateId ? sql`where r.template_id = ${q.templateId}` : sql``}
          order by r.created_at desc, r.id desc limit ${q.limit ?? 50}`,
    );
    return rows.map(runOf);
  }

  async run(id: string): Promise<IssueRunSummary> {
    const [row] = await query<RunRow>(this.db, sql`${RUN_SELECT} where r.id = ${id}`);
    if (!row) throw notFound('promotions.run_not_found', `no issue run ${id}`);
    return runOf(row);
  }

  /**
   * An issue run's results: its coupons redeemed by committed checkouts (any time), the revenue of those orders and
   * the discount they cost; and its treated against its holdout recipients over [the run, `to`) — conversion and
   * revenue per customer (paid − refunded, orders not cancelled), the difference with its 95 % interval, the
   * incremental revenue. Skipped recipients are in neither group.
   */
  async runResults(id: string, opts: { to?: Date | undefined } = {}, now: Date = new Date()): Promise<IssueRunResults> {
    const run = await this.run(id);
    const from = new Date(run.createdAt);
    const to = opts.to ?? now;
    if (!(from < to)) throw invalid('promotions.invalid_window', 'to: must be after the run', [{ path: 'to', message: 'must be after the run' }]);
    const [red] = await query<{ redeemed: number; orders: number; revenue: string | number; cost: string | number }>(
      this.db,
      sql`with u as (
            select r.coupon_id, coalesce(r.order_id, v.order_id) as order_id, r.discount_fen - r.refunded_fen as cost
            from promotions.issue_recipients ir
            join promotions.redemptions r on r.coupon_id = ir.coupon_id and r.status = 'committed'
            join promotions.reservations v on v.customer_id = r.customer_id and v.id = r.reservation_id
            where ir.run_id = ${id} and ir.grp = 'treated')
          select (select count(distinct coupon_id)::int from u) as redeemed,
                 (select coalesce(sum(cost), 0)::bigint from u) as cost,
                 count(o.id)::int as orders, coalesce(sum(o.paid_fen - o.refunded_fen), 0)::bigint as revenue
          from orders.orders o where o.id in (select order_id from u) and ${ORDER_LIVE}`,
    );
    const groups = await query<Customer & { grp: string }>(
      this.db,
      sql`select ir.grp, ir.customer_id, count(o.id)::int as orders, coalesce(sum(o.paid_fen - o.refunded_fen), 0)::bigint as revenue
          from promotions.issue_recipients ir
          left join orders.orders o on o.customer_id = ir.customer_id and ${ORDER_LIVE} and o.placed_at >= ${from} and o.placed_at < ${to}
          where ir.run_id = ${id} and ir.grp in ('treated', 'holdout')
          group by ir.grp, ir.customer_id`,
    );
    const redeemed = red?.redeemed ?? 0;
    return {
      run,
      from: from.toISOString(),
      to: to.toISOString(),
      issued: run.issued,
      redeemed,
      redemptionRate: run.issued > 0 ? redeemed / run.issued : null,
      orders: red?.orders ?? 0,
      revenueFen: Number(red?.revenue ?? 0),
      discountFen: Number(red?.cost ?? 0),
      comparison: compare(
        groups.filter((g) => g.grp === 'treated'),
        groups.filter((g) => g.grp === 'holdout'),
      ),
    };
  }
}

interface RunRow {
  id: string;
  template_id: string;
  template_code: string;
  template_name: string;
  segment_id: string | null;
  segment_name: string | null;
  holdout_percent: number;
  issued: number;
  held_out: number;
  skipped: number;
  actor: string;
  created_at: Date | string;
}

const RUN_SELECT = sql`select r.id, r.template_id, t.code as template_code, t.name as template_name, r.segment_id, s.name as segment_name,
                              r.holdout_percent, r.issued, r.held_out, r.skipped, r.actor, r.created_at
                       from promotions.issue_runs r
                       join promotions.coupon_templates t on t.id = r.template_id
                       left join segments.segments s on s.id = r.segment_id`;

const runOf = (r: RunRow): IssueRunSummary => ({
  id: r.id,
  template: { id: r.template_id, code: r.template_code, name: r.template_name },
  segment: r.segment_id ? { id: r.segment_id, name: r.segment_name ?? '' } : null,
  holdoutPercent: Number(r.holdout_percent),
  issued: Number(r.issued),
  heldOut: Number(r.held_out),
  skipped: Number(r.skipped),
  actor: r.actor,
  createdAt: iso(r.created_at),
});
