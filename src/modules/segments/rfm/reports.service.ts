import { sql, type SQL } from 'drizzle-orm';
import { appendAudit } from '../../../platform/audit.js';
import { query, queryOne, type Db } from '../../../platform/db/database.js';
import { invalid, notFound } from '../../../platform/errors.js';

export const REPORT_GROUPINGS = ['segment', 'class', 'quadrant'] as const;
export type ReportGrouping = (typeof REPORT_GROUPINGS)[number];
export const REPORT_DIMENSIONS = ['store', 'channel'] as const;
export type ReportDimension = (typeof REPORT_DIMENSIONS)[number];

const GROUP_COLUMN: Record<ReportGrouping, string> = { segment: 'segment', class: 'value_class', quadrant: 'value_quadrant' };

interface SegmentRow {
  id: string;
  code: string;
  name: string;
  kind: string;
  definition: Record<string, unknown>;
}

/**
 * Reports over the latest RFM run and any segment: customers and revenue by RFM segment / class / value quadrant ×
 * store or channel, a comparison of segments, and a CSV export of a segment's members with their scores.
 * Revenue is net paid (paid − refunded) of the not-cancelled orders of the run's window up to its as-of date.
 */
export class SegmentReportsService {
  constructor(
    private readonly db: Db,
    private readonly deps: { timeZone: string },
  ) {}

  private async runWindow(): Promise<{ start: SQL; end: SQL }> {
    const run = await queryOne<{ as_of: string; window_days: number | null }>(
      this.db,
      sql`select as_of::text as as_of, window_days from segments.rfm_runs order by created_at desc, id desc limit 1`,
    );
    if (!run) throw notFound('segments.no_rfm_run', 'No RFM run yet: run POST /api/v1/segments/rfm/runs (or kemai segments rfm) first');
    const tz = this.deps.timeZone;
    const asOf = sql`${run.as_of}::date`;
    return {
      end: sql`((${asOf} + 1)::timestamp at time zone ${tz})`,
      start: run.window_days === null ? sql`'-infinity'::timestamptz` : sql`((${asOf} - ${Number(run.window_days) - 1}::int)::timestamp at time zone ${tz})`,
    };
  }

  /** Customers and net revenue per (group, store or channel); orders without a store are under store null. */
  async breakdown(by: ReportGrouping, dimension: ReportDimension) {
    const w = await this.runWindow();
    const dim = dimension === 'store' ? sql`o.store_code` : sql`o.channel`;
    const rows = await query<{ key: string; dim: string | null; customers: number; orders: number; revenue: string }>(
      this.db,
      sql`select * from (
            select s.${sql.identifier(GROUP_COLUMN[by])} as key, ${dim} as dim, count(distinct o.customer_id)::int as customers,
                   count(*)::int as orders, sum(o.paid_fen - o.refunded_fen)::text as revenue
            from segments.rfm_scores s join orders.order_facts o on o.customer_id = s.customer_id
            where o.status <> 'cancelled' and o.placed_at >= ${w.start} and o.placed_at < ${w.end}
            group by 1, 2) t
          order by key collate "C", dim collate "C" nulls last`,
    );
    return {
      by,
      dimension,
      rows: rows.map((r) => ({ key: r.key, [dimension]: r.dim, customers: r.customers, orders: r.orders, revenueFen: Number(r.revenue) })),
    };
  }

  async segmentByCode(code: string): Promise<SegmentRow> {
    const s = await queryOne<SegmentRow>(this.db, sql`select id, code, name, kind, definition from segments.segments where code = ${code}`);
    if (!s) throw notFound('segments.not_found', `No segment ${code}`);
    return s;
  }

  /** The customer ids of a segment: RFM and value segments from the latest scores, the others from their members. */
  membersSql(s: SegmentRow): SQL {
    const d = s.definition;
    if (s.kind === 'rfm' && typeof d.class === 'string') return sql`select customer_id from segments.rfm_scores where value_class = ${d.class}`;
    if (s.kind === 'rfm' && typeof d.segment === 'string') return sql`select customer_id from segments.rfm_scores where segment = ${d.segment}`;
    if (s.kind === 'value' && typeof d.quadrant === 'string') return sql`select customer_id from segments.rfm_scores where value_quadrant = ${d.quadrant}`;
    return sql`select customer_id from segments.members where segment_id = ${s.id}`;
  }

  /** Side by side: size, share of the scored customers, revenue, average R/F/M figures of each segment. */
  async compare(codes: string[]) {
    if (codes.length < 1 || codes.length > 20) throw invalid('segments.invalid_codes', 'codes: 1 to 20 segment codes', [{ path: 'codes', message: '1 to 20 segment codes' }]);
    const segs = [];
    for (const code of codes) segs.push(await this.segmentByCode(code));
    const total = await queryOne<{ n: number; revenue: string | null }>(this.db, sql`select count(*)::int as n, sum(monetary_fen)::text as revenue from segments.rfm_scores`);
    const out = [];
    for (const s of segs) {
      const r = await queryOne<{ customers: number; scored: number; revenue: string | null; rd: number | null; fr: number | null; mo: number | null; r: number | null; f: number | null; m: number | null }>(
        this.db,
        sql`select count(*)::int as customers, count(sc.customer_id)::int as scored, sum(sc.monetary_fen)::text as revenue,
                   avg(sc.recency_days)::float8 as rd, avg(sc.frequency)::float8 as fr, avg(sc.monetary_fen)::float8 as mo,
                   avg(sc.r)::float8 as r, avg(sc.f)::float8 as f, avg(sc.m)::float8 as m
            from (${this.membersSql(s)}) mem left join segments.rfm_scores sc on sc.customer_id = mem.customer_id`,
      );
      const r1 = (v: number | null | undefined) => (v === null || v === undefined ? null : Math.round(v * 100) / 100);
      const revenue = Number(r?.revenue ?? 0);
      out.push({
        code: s.code,
        name: s.name,
        kind: s.kind,
        customers: r?.customers ?? 0,
        scoredCustomers: r?.scored ?? 0,
        shareOfScored: total?.n ? Math.round(((r?.scored ?? 0) / total.n) * 10000) / 10000 : 0,
        monetaryFen: revenue,
        shareOfMonetary: Number(total?.revenue ?? 0) ? Math.round((revenue / Number(total!.revenue)) * 10000) / 10000 : 0,
        avgRecencyDays: r1(r?.rd),
        avgFrequency: r1(r?.fr),
        avgMonetaryFen: r?.mo === null || r?.mo === undefined ? null : Math.round(r.mo),
        avgR: r1(r?.r),
        avgF: r1(r?.f),
        avgM: r1(r?.m),
      });
    }
    return { segments: out };
  }

  /**
   * CSV of a segment's members with their latest scores (ids and figures only: no personal data). Each export writes
   * an `export.segment` audit entry (the segment and the number of rows) by `actor` (`staff:<id>`, `key:<id>`, `system`).
   */
  async exportCsv(code: string, actor = 'system'): Promise<string> {
    const s = await this.segmentByCode(code);
    const rows = await query<Record<string, unknown>>(
      this.db,
      sql`select mem.customer_id, sc.as_of::text as as_of, sc.recency_days, sc.frequency, sc.monetary_fen, sc.r, sc.f, sc.m, sc.value_class, sc.segment,
                 sc.current_value_fen, sc.potential_value_fen, sc.value_quadrant
          from (${this.membersSql(s)}) mem left join segments.rfm_scores sc on sc.customer_id = mem.customer_id
          order by mem.customer_id`,
    );
    const cols = ['customer_id', 'as_of', 'recency_days', 'frequency', 'monetary_fen', 'r', 'f', 'm', 'value_class', 'segment', 'current_value_fen', 'potential_value_fen', 'value_quadrant'];
    const lines = [cols.join(',')];
    for (const r of rows) lines.push(cols.map((c) => (r[c] === null || r[c] === undefined ? '' : String(r[c]))).join(','));
    await appendAudit(this.db, { actor, action: 'export.segment', targetType: 'segment', targetId: s.code, details: { segmentId: s.id, rows: rows.length } });
    return `${lines.join('\n')}\n`;
  }
}
