import { sql, type SQL } from 'drizzle-orm';
import { query, queryOne, type Db } from '../../platform/db/database.js';
import { parseInstant } from '../../platform/clock.js';
import { invalid } from '../../platform/errors.js';

import type { CompareKind, Figure, Overview, OverviewQuery, Period, TrendPoint } from './insights.contract.js';

export type { CompareKind, Figure, Overview, OverviewQuery, Period, TrendPoint, KpiKey } from './insights.contract.js';

/** Active members: bought within this many days up to the end of the period. */
export const ACTIVE_DAYS = 90;
/** Longest period one overview covers. */
export const MAX_DAYS = 731;
/** Periods longer than this are drawn in weekly buckets. */
export const DAILY_MAX_DAYS = 92;
const DEFAULT_DAYS = 30;
const TOP_STORES = 10;
const DAY = 86_400_000;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const toDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const dayMs = (d: string) => Date.parse(`${d}T00:00:00Z`);
const addDays = (d: string, n: number) => toDay(dayMs(d) + n * DAY);
/** The same calendar day a year earlier; 29 February becomes the 28th. */
function yearBefore(d: string): string {
  const [y, m, day] = d.split('-').map(Number) as [number, number, number];
  const leapDay = m === 2 && day === 29;
  return `${String(y - 1).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(leapDay ? 28 : day).padStart(2, '0')}`;
}
/** Days from `from` to `to`, both included. */
export const periodDays = (from: string, to: string) => (dayMs(to) - dayMs(from)) / DAY + 1;
function validDay(d: string): boolean {
  return DATE.test(d) && !Number.isNaN(dayMs(d)) && toDay(dayMs(d)) === d;
}

interface Window {
  from: string;
  to: string;
  start: string;
  end: string;
}

/**
 * The dashboard's figures. Reads only the published views orders.order_facts,
 * customers.customer_facts and catalog.store_facts; cancelled orders count nowhere.
 */
export class InsightsService {
  constructor(
    private readonly db: Db,
    private readonly deps: { timeZone: string },
  ) {}

  async overview(q: OverviewQuery): Promise<Overview> {
    const period = await this.period(q);
    const comparison = this.comparisonOf(period, q.compare);
    const step = period.days > DAILY_MAX_DAYS ? 7 : 1;
    const cur = this.window(period);
    const cmp = this.window(comparison);
    const [kpiCur, kpiCmp, people, channels, stores] = await Promise.all([
      this.salesFigures(cur),
      this.salesFigures(cmp),
      this.memberFigures(cur, cmp),
      this.byChannel(cur, cmp),
      this.byStore(cur, cmp),
    ]);
    const [trendCur, trendCmp] = await Promise.all([
      this.trend(cur, step, Math.ceil(period.days / step), people.newCur),
      this.trend(cmp, step, Math.ceil(comparison.days / step), people.newCmp),
    ]);
    const fig = (c: number | null, p: number | null): Figure => ({ current: c, comparison: p });
    const ratio = (a: number, b: number) => (b === 0 ? null : a / b);
    const aov = (k: SalesRow) => (k.orders === 0 ? null : Math.round(k.revenue / k.orders));
    return {
      period,
      comparison: { ...comparison, kind: q.compare },
      timeZone: this.deps.timeZone,
      granularity: step === 1 ? 'day' : 'week',
      kpis: {
        members: fig(people.members_cur, people.members_cmp),
        activeMembers: fig(people.active_cur, people.active_cmp),
        newMembers: fig(people.new_cur, people.new_cmp),
        buyers: fig(kpiCur.buyers, kpiCmp.buyers),
        repurchaseRate: fig(ratio(kpiCur.repeat_buyers, kpiCur.buyers), ratio(kpiCmp.repeat_buyers, kpiCmp.buyers)),
        orders: fig(kpiCur.orders, kpiCmp.orders),
        revenueFen: fig(kpiCur.revenue, kpiCmp.revenue),
        averageOrderValueFen: fig(aov(kpiCur), aov(kpiCmp)),
        memberSalesShare: fig(ratio(kpiCur.member_revenue, kpiCur.revenue), ratio(kpiCmp.member_revenue, kpiCmp.revenue)),
      },
      byChannel: channels,
      byStore: stores,
      trend: { current: trendCur, comparison: trendCmp },
    };
  }

  /** The requested period; `to` defaults to the day of the latest order, `from` to `days` (30) days ending on `to`. */
  private async period(q: OverviewQuery): Promise<Period> {
    for (const field of ['from', 'to'] as const) {
      const v = q[field];
      if (v !== undefined && !validDay(v)) throw invalid('validation_failed', `${field}: must be a date YYYY-MM-DD`, [{ path: field, message: 'must be a date YYYY-MM-DD' }]);
    }
    const to = q.to ?? (await this.latestOrderDay());
    const from = q.from ?? addDays(to, -((q.days ?? DEFAULT_DAYS) - 1));
    if (from > to) throw invalid('validation_failed', 'from: must be on or before to', [{ path: 'from', message: 'must be on or before to' }]);
    const days = periodDays(from, to);
    if (days > MAX_DAYS) throw invalid('validation_failed', `from: a period covers at most ${MAX_DAYS} days`, [{ path: 'from', message: `a period covers at most ${MAX_DAYS} days` }]);
    return { from, to, days };
  }

  private comparisonOf(p: Period, kind: CompareKind): Period {
    if (kind === 'year') {
      const from = yearBefore(p.from);
      const to = yearBefore(p.to);
      return { from, to, days: periodDays(from, to) };
    }
    return { from: addDays(p.from, -p.days), to: addDays(p.from, -1), days: p.days };
  }

  /** The day (business zone) of the latest order, else today. */
  private async latestOrderDay(): Promise<string> {
    const row = await queryOne<{ day: string | null }>(
      this.db,
      sql`select (max(placed_at) at time zone ${this.deps.timeZone})::date::text as day from orders.order_facts where status <> 'cancelled'`,
    );
    return row?.day ?? new Intl.DateTimeFormat('en-CA', { timeZone: this.deps.timeZone }).format(new Date());
  }

  /** Instants bounding a period: midnight of `from` up to (excluding) midnight after `to`, in the business zone. */
  private window(p: Period): Window {
    const at = (d: string) => parseInstant(d, this.deps.timeZone)!.toISOString();
    return { from: p.from, to: p.to, start: at(p.from), end: at(addDays(p.to, 1)) };
  }

  private async salesFigures(w: Window): Promise<SalesRow> {
    const row = await queryOne<Record<keyof SalesRow, string | number>>(
      this.db,
      sql`with o as (
            select customer_id, guest, paid_fen from orders.order_facts
            where status <> 'cancelled' and placed_at >= ${w.start}::timestamptz and placed_at < ${w.end}::timestamptz),
          b as (select customer_id, count(*) as n from o where not guest group by customer_id)
          select (select count(*) from o)::int as orders,
                 (select coalesce(sum(paid_fen), 0) from o)::bigint as revenue,
                 (select coalesce(sum(paid_fen), 0) from o where not guest)::bigint as member_revenue,
                 (select count(*) from b)::int as buyers,
                 (select count(*) from b where n >= 2)::int as repeat_buyers`,
    );
    return {
      orders: Number(row!.orders),
      revenue: Number(row!.revenue),
      member_revenue: Number(row!.member_revenue),
      buyers: Number(row!.buyers),
      repeat_buyers: Number(row!.repeat_buyers),
    };
  }

  /**
   * Members: golden profiles (not merged away, not erased) known by the end of the period — their
   * member-since (created, or first bought if that was earlier) before it ends. New members: member
   * since within the period. Active members: an order in the ACTIVE_DAYS days up to and including
   * the period's last day. Member counts are range counts on customers_member_since_idx.
   */
  private async memberFigures(cur: Window, cmp: Window) {
    const activeStart = (w: Window) => parseInstant(addDays(w.to, -(ACTIVE_DAYS - 1)), this.deps.timeZone)!.toISOString();
    // Separate statements, so PostgreSQL runs them side by side on the pool's connections.
    const count = async (statement: SQL) => Number((await queryOne<{ n: number }>(this.db, sql`select ${statement} as n`))!.n);
    // A distinct subquery is a hash aggregate; count(distinct) would sort.
    const active = (w: Window) =>
      sql`(select count(*) from (select distinct customer_id from orders.order_facts where status <> 'cancelled' and not guest
             and placed_at >= ${activeStart(w)}::timestamptz and placed_at < ${w.end}::timestamptz) a)::int`;
    const [members, active_cur, active_cmp, days] = await Promise.all([
      queryOne<{ cur: number; cmp: number }>(
        this.db,
        sql`select (count(*) filter (where member_since < ${cur.end}::timestamptz))::int as cur,
                   (count(*) filter (where member_since < ${cmp.end}::timestamptz))::int as cmp
            from customers.customer_facts where status = 'active'`,
      ),
      count(active(cur)),
      count(active(cmp)),
      query<{ cur: boolean; day: string; n: number }>(
        this.db,
        sql`select cur, (member_since at time zone ${this.deps.timeZone})::date::text as day, count(*)::int as n
            from (select true as cur, member_since from customers.customer_facts where status = 'active' and ${within(cur, 'member_since')}
                  union all
                  select false as cur, member_since from customers.customer_facts where status = 'active' and ${within(cmp, 'member_since')}) m
            group by 1, 2`,
      ),
    ]);
    /** New members per day (business zone) of each period. */
    const byDay = (isCur: boolean) => new Map(days.filter((d) => d.cur === isCur).map((d) => [d.day, Number(d.n)]));
    const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
    const newCur = byDay(true);
    const newCmp = byDay(false);
    return { members_cur: Number(members!.cur), members_cmp: Number(members!.cmp), new_cur: total(newCur), new_cmp: total(newCmp), active_cur, active_cmp, newCur, newCmp };
  }

  /**
   * The period's and the comparison's orders, each an index-only range scan of orders_placed_idx
   * (an OR of the two ranges would read the heap). `cur` tells which period a row is for; an order
   * in both (overlapping periods) is a row in each.
   */
  private periodOrders(cur: Window, cmp: Window, columns: SQL) {
    return sql`(select true as cur, paid_fen, ${columns} from orders.order_facts where status <> 'cancelled' and ${within(cur)}
                union all
                select false as cur, paid_fen, ${columns} from orders.order_facts where status <> 'cancelled' and ${within(cmp)})`;
  }

  private async byChannel(cur: Window, cmp: Window) {
    const rows = await query<{ channel: string; orders: number; revenue: string | number; cmp_revenue: string | number }>(
      this.db,
      sql`select channel,
                 (count(*) filter (where cur))::int as orders,
                 coalesce(sum(paid_fen) filter (where cur), 0)::bigint as revenue,
                 coalesce(sum(paid_fen) filter (where not cur), 0)::bigint as cmp_revenue
          from ${this.periodOrders(cur, cmp, sql`channel`)} o
          group by channel
          order by revenue desc, channel collate "C"`,
    );
    return rows
      .map((r) => ({ channel: r.channel, orders: Number(r.orders), revenueFen: Number(r.revenue), comparisonRevenueFen: Number(r.cmp_revenue) }))
      .filter((r) => r.orders > 0 || r.comparisonRevenueFen > 0);
  }

  /** The period's top stores by revenue (orders without a store, e.g. online, are not in it). */
  private async byStore(cur: Window, cmp: Window) {
    const rows = await query<{ store_code: string; name: string | null; orders: number; revenue: string | number; cmp_revenue: string | number }>(
      this.db,
      sql`select t.store_code, s.name, t.orders, t.revenue, t.cmp_revenue
          from (select store_code,
                       (count(*) filter (where cur))::int as orders,
                       coalesce(sum(paid_fen) filter (where cur), 0)::bigint as revenue,
                       coalesce(sum(paid_fen) filter (where not cur), 0)::bigint as cmp_revenue
                from ${this.periodOrders(cur, cmp, sql`store_code`)} o
                where store_code is not null
                group by store_code
                having count(*) filter (where cur) > 0
                order by revenue desc, store_code collate "C"
                limit ${TOP_STORES}) t
          left join catalog.store_facts s on s.code = t.store_code
          order by t.revenue desc, t.store_code collate "C"`,
    );
    return rows.map((r) => ({
      storeCode: r.store_code,
      name: r.name,
      orders: Number(r.orders),
      revenueFen: Number(r.revenue),
      comparisonRevenueFen: Number(r.cmp_revenue),
    }));
  }

  /** Revenue, orders, buyers and new members per bucket of `step` days from the period's first day; empty buckets are zeros. */
  private async trend(w: Window, step: number, buckets: number, newByDay: Map<string, number>): Promise<TrendPoint[]> {
    const sales = await query<{ b: number; orders: number; revenue: string | number; buyers: number }>(
      this.db,
      sql`select (((placed_at at time zone ${this.deps.timeZone})::date - ${w.from}::date) / ${step})::int as b,
                 count(*)::int as orders, coalesce(sum(paid_fen), 0)::bigint as revenue, count(distinct customer_id) filter (where not guest)::int as buyers
          from orders.order_facts
          where status <> 'cancelled' and ${within(w)}
          group by 1`,
    );
    const points: TrendPoint[] = Array.from({ length: buckets }, (_, i) => ({
      date: addDays(w.from, i * step),
      revenueFen: 0,
      orders: 0,
      buyers: 0,
      newMembers: 0,
    }));
    for (const r of sales) {
      const p = points[Number(r.b)];
      if (p) Object.assign(p, { revenueFen: Number(r.revenue), orders: Number(r.orders), buyers: Number(r.buyers) });
    }
    for (const [day, n] of newByDay) {
      if (day < w.from || day > w.to) continue;
      const p = points[Math.floor((dayMs(day) - dayMs(w.from)) / DAY / step)];
      if (p) p.newMembers += n;
    }
    return points;
  }
}

interface SalesRow {
  orders: number;
  revenue: number;
  member_revenue: number;
  buyers: number;
  repeat_buyers: number;
}

/** An instant column within a period (the two periods may overlap when a long one is compared with a year before). */
function within(w: Window, col = 'placed_at') {
  const c = sql.raw(col);
  return sql`(${c} >= ${w.start}::timestamptz and ${c} < ${w.end}::timestamptz)`;
}
