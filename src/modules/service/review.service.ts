import { sql, type SQL } from 'drizzle-orm';
import { systemClock, type Clock } from '../../platform/clock.js';
import { query, type Db } from '../../platform/db/database.js';
import { invalid } from '../../platform/errors.js';
import { SLA_TARGETS, type SlaTarget } from './service.contract.js';

export const REVIEW_DIMENSIONS = ['root_cause', 'category', 'sku', 'store', 'month'] as const;
export type ReviewDimension = (typeof REVIEW_DIMENSIONS)[number];

/** A target's record in a group: met by its due instant, missed (met late, or not met and already due), the rate met / (met + missed). */
export interface SlaFigure {
  met: number;
  missed: number;
  rate: number | null;
}

export interface ReviewFigures {
  tickets: number;
  complaints: number;
  resolved: number;
  /** Median wall-clock minutes from received to resolved (pending time included), over the resolved tickets. */
  medianResolutionMinutes: number | null;
  sla: Record<SlaTarget, SlaFigure>;
  /** Money value (fen) of the executed compensations on these tickets, and how many. */
  compensationFen: number;
  compensations: number;
}

export interface ReviewGroup extends ReviewFigures {
  /** The root cause, category, SKU, store code or month (YYYY-MM); null: none given. */
  key: string | null;
  /** The product's or store's name from the catalog, when known. */
  name: string | null;
  /** The root cause's or category's labels from the taxonomy ({"zh-CN": …, "en": …}), when known. */
  labels: Record<string, string> | null;
  /** tickets / all tickets of the period (a ticket with two root causes counts in both groups). */
  share: number;
}

export interface TopCauses {
  key: string;
  name: string | null;
  tickets: number;
  causes: Array<{ code: string; labels: Record<string, string> | null; tickets: number }>;
}

export interface ReviewReport {
  from: string;
  to: string;
  asOf: string;
  by: ReviewDimension;
  timeZone: string;
  resolutionMinutes: 'wall';
  totals: ReviewFigures;
  groups: ReviewGroup[];
  /** The top root causes (3) of the products and stores with the most tickets (10), and of each month. */
  topCauses: { bySku: TopCauses[]; byStore: TopCauses[]; byPeriod: TopCauses[] };
}

type Row = Record<string, unknown>;
const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;
const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

/**
 * The root-cause review: tickets received in [from, to) grouped by root cause, category, SKU, store or month, each
 * group's complaints, median resolution (wall-clock minutes), SLA met rate per target (from the tickets' due and met
 * columns) and the compensation paid; with the top causes by product, store and period.
 */
export class ReviewService {
  private clock: Clock = systemClock;

  constructor(
    private readonly db: Db,
    private readonly opts: { timeZone: string },
  ) {}

  useClock(clock: Clock): void {
    this.clock = clock;
  }

  async report(input: { from?: Date; to?: Date; by?: ReviewDimension; kind?: string }): Promise<ReviewReport> {
    const asOf = this.clock.now();
    const to = input.to ?? asOf;
    const from = input.from ?? new Date(to.getTime() - 30 * 86_400_000);
    if (from.getTime() >= to.getTime()) throw invalid('service.invalid_period', 'from: must be before to', [{ path: 'from', message: 'must be before to' }]);
    if (to.getTime() - from.getTime() > 3 * 366 * 86_400_000)
      throw invalid('service.invalid_period', 'from: the period is at most 3 years', [{ path: 'from', message: 'the period is at most 3 years' }]);
    const by = input.by ?? 'root_cause';
    const tz = this.opts.timeZone;
    const month = sql`to_char(tk.received_at at time zone ${tz}, 'YYYY-MM')`;
    const tk = sql`tk as (
      select t.*,
        coalesce((select sum(c.total_fen) from service.compensations c where c.ticket_id = t.id and c.status = 'executed'), 0) as comp_fen,
        (select count(*) from service.compensations c where c.ticket_id = t.id and c.status = 'executed') as comp_n
      from service.tickets t
      where t.received_at >= ${from.toISOString()}::timestamptz and t.received_at < ${to.toISOString()}::timestamptz
        and (${input.kind ?? null}::text is null or t.kind = ${input.kind ?? null}))`;
    const at = sql`${asOf.toISOString()}::timestamptz`;
    const target = (due: string, met: string, name: string) => {
      const d = sql.raw(`g.${due}`);
      const m = sql.raw(`g.${met}`);
      return sql`count(*) filter (where ${d} is not null and ${m} is not null and ${m} <= ${d})::int as ${sql.raw(`${name}_met`)},
        count(*) filter (where ${d} is not null and ((${m} is not null and ${m} > ${d}) or (${m} is null and ${d} <= ${at})))::int as ${sql.raw(`${name}_missed`)}`;
    };
    const figures = sql`count(*)::int as tickets,
      count(*) filter (where g.kind = 'complaint')::int as complaints,
      count(g.resolved_at)::int as resolved,
      percentile_cont(0.5) within group (order by extract(epoch from (g.resolved_at - g.received_at)) / 60) filter (where g.resolved_at is not null) as median_minutes,
      ${target('ack_due_at', 'acked_at', 'ack')},
      ${target('first_reply_due_at', 'first_replied_at', 'first_reply')},
      ${target('resolve_due_at', 'resolved_at', 'resolve')},
      coalesce(sum(g.comp_fen), 0)::bigint as comp_fen,
      coalesce(sum(g.comp_n), 0)::int as comp_n`;
    const keyOf: Record<ReviewDimension, SQL> = {
      root_cause: sql`rc.code`,
      category: sql`tk.category`,
      sku: sql`tk.sku`,
      store: sql`tk.store_code`,
      month,
    };
    const unnest = by === 'root_cause' ? sql`cross join lateral unnest(case when cardinality(tk.root_causes) = 0 then array[null::text] else tk.root_causes end) as rc(code)` : sql``;
    const [totalRow] = await query(this.db, sql`with ${tk} select ${figures} from tk g`);
    const rows = await query(this.db, sql`with ${tk}, g as (select ${keyOf[by]} as key, tk.* from tk ${unnest}) select g.key, ${figures} from g group by g.key`);
    const totals = this.figures(totalRow!);

    const names = await this.names(by, rows.map((r) => r.key as string | null).filter((k): k is string => k !== null));
    const groups: ReviewGroup[] = rows.map((r) => {
      const key = (r.key as string | null) ?? null;
      const n = key === null ? undefined : names.get(key);
      return {
        key,
        name: typeof n === 'string' ? n : null,
        labels: n && typeof n === 'object' ? n : null,
        share: totals.tickets === 0 ? 0 : round(Number(r.tickets) / totals.tickets, 4),
        ...this.figures(r),
      };
    });
    groups.sort((a, b) =>
      by === 'month'
        ? (a.key ?? '').localeCompare(b.key ?? '')
        : b.tickets - a.tickets || (a.key === null ? 1 : b.key === null ? -1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
    );

    const top = async (key: SQL, dim: ReviewDimension, limit: number, chronological: boolean): Promise<TopCauses[]> => {
      const keyed = await query<{ key: string; tickets: number }>(
        this.db,
        sql`with ${tk} select ${key} as key, count(*)::int as tickets from tk where ${key} is not null group by 1
            order by ${chronological ? sql`1` : sql`2 desc, 1`} limit ${limit}`,
      );
      if (keyed.length === 0) return [];
      const keys = keyed.map((k) => k.key);
      const causes = await query<{ key: string; code: string; tickets: number }>(
        this.db,
        sql`with ${tk} select ${key} as key, rc as code, count(*)::int as tickets from tk cross join lateral unnest(tk.root_causes) rc
            where ${key} = any(${sql.param(keys)}::text[]) group by 1, 2 order by 1, 3 desc, 2`,
      );
      const causeLabels = await this.names('root_cause', [...new Set(causes.map((c) => c.code))]);
      const dimNames = await this.names(dim, keys);
      return keyed.map((k) => ({
        key: k.key,
        name: typeof dimNames.get(k.key) === 'string' ? (dimNames.get(k.key) as string) : null,
        tickets: Number(k.tickets),
        causes: causes
          .filter((c) => c.key === k.key)
          .slice(0, 3)
          .map((c) => ({ code: c.code, labels: (causeLabels.get(c.code) as Record<string, string> | undefined) ?? null, tickets: Number(c.tickets) })),
      }));
    };

    return {
      from: from.toISOString(),
      to: to.toISOString(),
      asOf: asOf.toISOString(),
      by,
      timeZone: tz,
      resolutionMinutes: 'wall',
      totals,
      groups,
      topCauses: {
        bySku: await top(sql`tk.sku`, 'sku', 10, false),
        byStore: await top(sql`tk.store_code`, 'store', 10, false),
        byPeriod: await top(month, 'month', 120, true),
      },
    };
  }

  private figures(r: Row): ReviewFigures {
    const sla = {} as Record<SlaTarget, SlaFigure>;
    for (const t of SLA_TARGETS) {
      const met = Number(r[`${t}_met`] ?? 0);
      const missed = Number(r[`${t}_missed`] ?? 0);
      sla[t] = { met, missed, rate: met + missed === 0 ? null : round(met / (met + missed), 4) };
    }
    return {
      tickets: Number(r.tickets ?? 0),
      complaints: Number(r.complaints ?? 0),
      resolved: Number(r.resolved ?? 0),
      medianResolutionMinutes: r.median_minutes == null ? null : round(Number(r.median_minutes), 2),
      sla,
      compensationFen: Number(r.comp_fen ?? 0),
      compensations: Number(r.comp_n ?? 0),
    };
  }

  /** Names for keys: products' and stores' names from the catalog, root causes' and categories' labels from the taxonomy. */
  private async names(by: ReviewDimension, keys: string[]): Promise<Map<string, string | Record<string, string>>> {
    if (keys.length === 0 || by === 'month') return new Map();
    const param = sql`${sql.param(keys)}::text[]`;
    const rows =
      by === 'sku'
        ? await query<{ key: string; name: unknown }>(this.db, sql`select sku as key, name from catalog.products where sku = any(${param})`)
        : by === 'store'
          ? await query<{ key: string; name: unknown }>(this.db, sql`select code as key, name from catalog.stores where code = any(${param})`)
          : await query<{ key: string; name: unknown }>(this.db, sql`select code as key, labels as name from service.taxonomy where kind = ${by} and code = any(${param})`);
    return new Map(rows.map((r) => [r.key, typeof r.name === 'string' && by !== 'sku' && by !== 'store' ? json<Record<string, string>>(r.name) : (r.name as string | Record<string, string>)]));
  }
}
