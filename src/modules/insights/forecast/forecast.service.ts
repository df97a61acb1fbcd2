import { sql, type SQL } from 'drizzle-orm';
import { query, queryOne, type Db } from '../../../platform/db/database.js';
import { invalid, notFound } from '../../../platform/errors.js';
import { addDays } from './holidays.js';
import { LEVELS, type Granularity, type IntervalLevel } from './model.js';
import { DEFAULT_HORIZON, MAX_HORIZON, runForecast, type ForecastResult } from './run.js';

/** What a series adds up: one SKU, a category (a path prefix, `食品/饮料`), a store, or everything. */
export type ForecastLevel = 'sku' | 'category' | 'store' | 'total';
export const FORECAST_LEVELS = ['sku', 'category', 'store', 'total'] as const;

export interface ForecastQuery {
  level: ForecastLevel;
  /** SKU, category path (levels joined by `/`) or store code; none for total. */
  key?: string | undefined;
  granularity?: Granularity | undefined;
  horizon?: number | undefined;
  /** History's first business day (default: the series' first sale, at most {@link MAX_HISTORY_DAYS} before `to`). */
  from?: string | undefined;
  /** History's last business day (default: the day of the latest order). */
  to?: string | undefined;
  backtest?: boolean | undefined;
  origins?: number | undefined;
  holidays?: boolean | undefined;
  coverage?: IntervalLevel | undefined;
}

export interface SeriesQuery {
  level: Exclude<ForecastLevel, 'total'>;
  /** Category path depth (default 1: top-level categories). */
  depth?: number | undefined;
  from?: string | undefined;
  to?: string | undefined;
  limit?: number | undefined;
}

export interface SeriesSummary {
  key: string;
  name: string | null;
  units: number;
  salesFen: number;
  /** Business days with sales. */
  days: number;
}

export type DbForecast = ForecastResult & { level: ForecastLevel; key: string | null };

/** Three years: enough for yearly seasonality twice over, bounded so one request reads a bounded range. */
export const MAX_HISTORY_DAYS = 1096;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const isDate = (d: string) => DATE.test(d) && !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) === d;
const bad = (path: string, message: string) => invalid('insights.invalid_forecast', `${path}: ${message}`, [{ path, message }]);
const days = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1;

/**
 * Demand forecasts from the orders: daily units and net sales (paid − refunded) per business day (`KEMAI_TIMEZONE`)
 * summed in SQL over `orders.line_facts` for one SKU, category, store or the total, cancelled orders left out, then
 * forecast and backtested in TypeScript (forecast/model.ts). Units are the quantities ordered: a return is not less
 * demand on the day it was bought. Reads only; stores nothing.
 */
export class ForecastService {
  constructor(
    private readonly db: Db,
    private readonly deps: { timeZone: string },
  ) {}

  async forecast(q: ForecastQuery): Promise<DbForecast> {
    if (!FORECAST_LEVELS.includes(q.level)) throw bad('level', `one of ${FORECAST_LEVELS.join(', ')}`);
    const key = q.key?.trim() || undefined;
    if (q.level !== 'total' && !key) throw bad('key', `the ${q.level === 'sku' ? 'SKU' : q.level === 'store' ? 'store code' : 'category path'} to forecast`);
    if (q.level === 'total' && key) throw bad('key', 'the total has no key');
    const granularity = q.granularity ?? 'day';
    if (granularity !== 'day' && granularity !== 'week') throw bad('granularity', 'day or week');
    const horizon = q.horizon ?? DEFAULT_HORIZON[granularity];
    if (!Number.isInteger(horizon) || horizon < 1 || horizon > MAX_HORIZON[granularity]) throw bad('horizon', `a whole number of ${granularity}s from 1 to ${MAX_HORIZON[granularity]}`);
    if (q.origins !== undefined && (!Number.isInteger(q.origins) || q.origins < 1 || q.origins > 12)) throw bad('origins', 'a whole number from 1 to 12');
    if (q.coverage !== undefined && !(q.coverage in LEVELS)) throw bad('coverage', '0.8, 0.9 or 0.95');
    const { from: lower, to } = await this.period(q.from, q.to, MAX_HISTORY_DAYS);
    const filter = this.filter(q.level, key);
    const rows = await query<{ d: string; units: number; sales: number }>(
      this.db,
      sql`select (f.placed_at at time zone ${this.deps.timeZone})::date::text as d, sum(f.quantity)::float8 as units,
            sum(f.paid_fen - f.refunded_fen)::float8 as sales
          from orders.line_facts f
          where f.status <> 'cancelled' and ${filter}
            and f.placed_at >= (${lower}::date::timestamp at time zone ${this.deps.timeZone})
            and f.placed_at < ((${to}::date + 1)::timestamp at time zone ${this.deps.timeZone})
          group by 1 order by 1`,
    );
    const sold = rows.filter((r) => r.units > 0);
    if (!sold.length) throw notFound('insights.no_sales', `No sales for ${q.level}${key ? ` ${key}` : ''} from ${lower} to ${to}`);
    const from = q.from ?? sold[0]!.d;
    const units = new Map(rows.map((r) => [r.d, r.units]));
    const sales = new Map(rows.map((r) => [r.d, r.sales]));
    const result = runForecast(units, from, to, { granularity, horizon, backtest: q.backtest, origins: q.origins, holidays: q.holidays, coverage: q.coverage }, sales);
    return { level: q.level, key: key ?? null, ...result };
  }

  /** The series with the most units at a level in a period (default the last 365 days of orders), for picking one. */
  async series(q: SeriesQuery): Promise<{ level: SeriesQuery['level']; depth: number | null; from: string; to: string; items: SeriesSummary[] }> {
    if (!['sku', 'category', 'store'].includes(q.level)) throw bad('level', 'one of sku, category, store');
    const depth = q.depth ?? 1;
    if (!Number.isInteger(depth) || depth < 1 || depth > 10) throw bad('depth', 'a whole number from 1 to 10');
    const limit = q.limit ?? 20;
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw bad('limit', 'a whole number from 1 to 500');
    const to = q.to ?? (await this.latestOrderDay());
    const { from } = await this.period(q.from ?? (to ? addDays(to, -364) : undefined), to, MAX_HISTORY_DAYS);
    const keyExpr =
      q.level === 'sku' ? sql`f.sku` : q.level === 'store' ? sql`f.store_code` : sql`array_to_string(f.category_path[1:${depth}::int], '/')`;
    const name = q.level === 'sku' ? sql`max(f.product_name)` : sql`null::text`;
    const extra = q.level === 'category' ? sql`and cardinality(f.category_path) >= ${depth}` : sql``;
    const items = await query<SeriesSummary>(
      this.db,
      sql`select * from (
            select ${keyExpr} as key, ${name} as name, sum(f.quantity)::float8 as units, sum(f.paid_fen - f.refunded_fen)::float8 as "salesFen",
              count(distinct (f.placed_at at time zone ${this.deps.timeZone})::date)::int as days
            from orders.line_facts f
            where f.status <> 'cancelled' and ${keyExpr} is not null ${extra}
              and f.placed_at >= (${from}::date::timestamp at time zone ${this.deps.timeZone})
              and f.placed_at < ((${to}::date + 1)::timestamp at time zone ${this.deps.timeZone})
            group by 1) s
          order by units desc, key collate "C" limit ${limit}`,
    );
    return { level: q.level, depth: q.level === 'category' ? depth : null, from, to: to!, items };
  }

  private filter(level: ForecastLevel, key: string | undefined): SQL {
    if (level === 'sku') return sql`f.sku = ${key}`;
    if (level === 'store') return sql`f.store_code = ${key}`;
    if (level === 'category') {
      const n = key!.split('/').length;
      return sql`array_to_string(f.category_path[1:${n}::int], '/') = ${key}`;
    }
    return sql`true`;
  }

  /** Validated dates; `to` defaults to the day of the latest order, `from` to `max` days before it. */
  private async period(fromIn: string | undefined, toIn: string | undefined, max: number): Promise<{ from: string; to: string }> {
    if (fromIn !== undefined && !isDate(fromIn)) throw bad('from', 'a date YYYY-MM-DD');
    if (toIn !== undefined && !isDate(toIn)) throw bad('to', 'a date YYYY-MM-DD');
    const to = toIn ?? (await this.latestOrderDay());
    if (!to) throw notFound('insights.no_sales', 'No orders yet: there is nothing to forecast from');
    const from = fromIn ?? addDays(to, -(max - 1));
    if (from > to) throw bad('from', 'must be on or before to');
    if (days(from, to) > max) throw bad('from', `a history covers at most ${max} days`);
    return { from, to };
  }

  private async latestOrderDay(): Promise<string | undefined> {
    const row = await queryOne<{ day: string | null }>(
      this.db,
      sql`select (max(placed_at) at time zone ${this.deps.timeZone})::date::text as day from orders.order_facts where status <> 'cancelled'`,
    );
    return row?.day ?? undefined;
  }
}
