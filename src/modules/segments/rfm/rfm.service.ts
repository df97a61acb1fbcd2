import { sql, type SQL } from 'drizzle-orm';
import { query, queryOne, type Db } from '../../../platform/db/database.js';
import { localDate } from '../../../platform/clock.js';
import { invalid, notFound } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import {
  RFM_SEGMENTS,
  TREATMENTS,
  VALUE_CLASSES,
  VALUE_QUADRANTS,
  type RfmThresholds,
  type RfmSegment,
  type ValueClass,
  type ValueQuadrant,
} from '../domain/rfm.js';
import type { GridCell, RfmMethod } from '../domain/rfm-score.js';
import { insertScoresSql, RUN_WORK_MEM } from './rfm.sql.js';

export interface RfmRunInput {
  /** Business date (YYYY-MM-DD); default today in the business zone. */
  asOf?: string;
  /** Only orders of the last N days up to as-of (inclusive) are scored; default all history. */
  windowDays?: number | null;
  method?: 'quintiles' | 'thresholds';
  thresholds?: RfmThresholds;
}

export interface RfmRun {
  id: string;
  asOf: string;
  windowDays: number | null;
  method: 'quintiles' | 'thresholds';
  /** The cut points used: per score, the lowest and highest recency / frequency / monetary it holds (quintiles), or the fixed thresholds. */
  thresholds: unknown;
  customers: number;
  seconds: number | null;
  createdBy: string;
  createdAt: string;
}

export interface GroupSummary<K extends string> {
  key: K;
  customers: number;
  share: number;
  monetaryFen: number;
  avgRecencyDays: number | null;
  avgFrequency: number | null;
  avgMonetaryFen: number | null;
}

export interface CustomerScores {
  customerId: string;
  asOf: string;
  recencyDays: number;
  frequency: number;
  monetaryFen: number;
  r: number;
  f: number;
  m: number;
  valueClass: ValueClass;
  segment: RfmSegment;
  currentValueFen: number | null;
  potentialValueFen: number | null;
  valueQuadrant: ValueQuadrant | null;
  treatment: (typeof TREATMENTS)[ValueClass];
}

/** Codes of the system segments an RFM run keeps: one per class, per named segment, per value quadrant. */
export const systemSegmentCode = {
  class: (c: ValueClass) => `rfm_class_${c}`,
  segment: (s: RfmSegment) => `rfm_${s}`,
  quadrant: (q: ValueQuadrant) => `value_${q}`,
};

const title = (s: string) => s.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** RFM per customer as of a date, the seeds' four value classes, the named RFM segments and the value matrix. */
export class RfmService {
  constructor(
    private readonly db: Db,
    private readonly deps: { timeZone: string },
  ) {}

  get timeZone(): string {
    return this.deps.timeZone;
  }

  /** Scores every customer who bought in the window, replacing the previous scores, in one transaction (bench/segments.bench.ts). */
  async run(input: RfmRunInput, actor: string): Promise<RfmRun> {
    const asOf = input.asOf ?? localDate(new Date(), this.deps.timeZone);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf) || Number.isNaN(Date.parse(`${asOf}T00:00:00Z`)) || new Date(`${asOf}T00:00:00Z`).toISOString().slice(0, 10) !== asOf)
      throw invalid('segments.invalid_as_of', 'asOf must be a date (YYYY-MM-DD)', [{ path: 'asOf', message: 'not a valid date' }]);
    const windowDays = input.windowDays ?? null;
    if (windowDays !== null && (!Number.isInteger(windowDays) || windowDays < 1))
      throw invalid('segments.invalid_window', 'windowDays must be a whole number of days from 1', [{ path: 'windowDays', message: 'a whole number from 1' }]);
    const method = input.method ?? (input.thresholds ? 'thresholds' : 'quintiles');
    if (method === 'thresholds' && !input.thresholds)
      throw invalid('segments.missing_thresholds', 'method thresholds needs thresholds', [{ path: 'thresholds', message: 'required with method thresholds' }]);
    const how: RfmMethod = method === 'thresholds' ? { method, thresholds: input.thresholds! } : { method: 'quintiles' };
    const started = performance.now();
    const id = newId();
    await this.db.transaction(async (tx) => {
      await tx.execute(sql.raw(`set local work_mem = '${RUN_WORK_MEM}'`));
      // TRUNCATE, not DELETE: at a million customers the insert into a truncated table (fresh indexes) took 9–11 s, after
      // a DELETE 18–28 s (the dead entries stay in the indexes). Readers of the scores wait for the run to commit.
      await tx.execute(sql`truncate segments.rfm_scores`);
      await tx.execute(insertScoresSql({ asOf, windowDays, timeZone: this.deps.timeZone, how }));
      // One scan of the new scores for the cut points and the system segments' sizes (grouping sets).
      const groups = await query<{ r: number | null; f: number | null; m: number | null; cls: string | null; seg: string | null; quad: string | null; n: number; rd_lo: number; rd_hi: number; f_lo: number; f_hi: number; m_lo: string; m_hi: string }>(
        tx,
        sql`select r, f, m, value_class as cls, segment as seg, value_quadrant as quad, count(*)::int as n,
                   min(recency_days) as rd_lo, max(recency_days) as rd_hi, min(frequency) as f_lo, max(frequency) as f_hi,
                   min(monetary_fen)::text as m_lo, max(monetary_fen)::text as m_hi
            from segments.rfm_scores group by grouping sets ((r), (f), (m), (value_class), (segment), (value_quadrant))`,
      );
      const cutsOf = (key: 'r' | 'f' | 'm', lo: (g: (typeof groups)[number]) => number, hi: (g: (typeof groups)[number]) => number) =>
        groups
          .filter((g) => g[key] !== null)
          .map((g) => ({ score: Number(g[key]), min: lo(g), max: hi(g) }))
          .sort((a, b) => a.score - b.score);
      const cuts =
        how.method === 'thresholds'
          ? how.thresholds
          : {
              r: cutsOf('r', (g) => g.rd_lo, (g) => g.rd_hi),
              f: cutsOf('f', (g) => g.f_lo, (g) => g.f_hi),
              m: cutsOf('m', (g) => Number(g.m_lo), (g) => Number(g.m_hi)),
            };
      const counts = groups.flatMap((g) =>
        g.cls !== null ? [{ kind: 'class', key: g.cls, size: g.n }] : g.seg !== null ? [{ kind: 'segment', key: g.seg, size: g.n }] : g.quad !== null ? [{ kind: 'quadrant', key: g.quad, size: g.n }] : [],
      );
      const size = (kind: string, key: string) => counts.find((c) => c.kind === kind && c.key === key)?.size ?? 0;
      const total = VALUE_CLASSES.reduce((s, c) => s + size('class', c), 0);
      const rows: SQL[] = [
        ...VALUE_CLASSES.map((c) => this.segmentRow(systemSegmentCode.class(c), `RFM: ${title(c)}`, 'rfm', { class: c }, TREATMENTS[c], size('class', c), actor)),
        ...RFM_SEGMENTS.map((s) => this.segmentRow(systemSegmentCode.segment(s), `RFM: ${title(s)}`, 'rfm', { segment: s }, null, size('segment', s), actor)),
        ...VALUE_QUADRANTS.map((q) => this.segmentRow(systemSegmentCode.quadrant(q), `Value: ${title(q)}`, 'value', { quadrant: q }, null, size('quadrant', q), actor)),
      ];
      await tx.execute(sql`
        insert into segments.segments (id, code, name, kind, definition, treatment, size, refreshed_at, created_by)
        values ${sql.join(rows, sql`, `)}
        on conflict (code) do update set definition = excluded.definition, treatment = excluded.treatment, size = excluded.size,
          refreshed_at = excluded.refreshed_at, updated_at = now()`);
      await tx.execute(sql`
        insert into segments.rfm_runs (id, as_of, window_days, method, thresholds, customers, seconds, created_by)
        values (${id}, ${asOf}::date, ${windowDays}, ${method}, ${JSON.stringify(cuts)}::jsonb, ${total}, ${(performance.now() - started) / 1000}, ${actor})`);
    });
    return (await this.latestRun())!;
  }

  private segmentRow(code: string, name: string, kind: string, definition: unknown, treatment: unknown, size: number, actor: string): SQL {
    return sql`(${newId()}, ${code}, ${name}, ${kind}, ${JSON.stringify(definition)}::jsonb, ${treatment === null ? null : JSON.stringify(treatment)}::jsonb, ${size}, now(), ${actor})`;
  }

  async latestRun(): Promise<RfmRun | undefined> {
    const r = await queryOne<Record<string, unknown>>(
      this.db,
      sql`select id, as_of::text as as_of, window_days, method, thresholds, customers, seconds, created_by, created_at from segments.rfm_runs order by created_at desc, id desc limit 1`,
    );
    if (!r) return undefined;
    return {
      id: r.id as string,
      asOf: r.as_of as string,
      windowDays: n(r.window_days),
      method: r.method as RfmRun['method'],
      thresholds: r.thresholds,
      customers: Number(r.customers),
      seconds: n(r.seconds),
      createdBy: r.created_by as string,
      createdAt: new Date(r.created_at as string).toISOString(),
    };
  }

  private async requireRun(): Promise<RfmRun> {
    const run = await this.latestRun();
    if (!run) throw notFound('segments.no_rfm_run', 'No RFM run yet: run POST /api/v1/segments/rfm/runs (or kemai segments rfm) first');
    return run;
  }

  /** The R×F grid of the latest run: all 25 cells, R 5 → 1, F 1 → 5, with customers and monetary value. */
  async grid(): Promise<{ run: RfmRun; cells: GridCell[] }> {
    const run = await this.requireRun();
    const rows = await query<{ r: number; f: number; customers: number; monetary: string }>(
      this.db,
      sql`select r, f, count(*)::int as customers, sum(monetary_fen)::text as monetary from segments.rfm_scores group by r, f`,
    );
    const cells: GridCell[] = [];
    for (let r = 5; r >= 1; r--)
      for (let f = 1; f <= 5; f++) {
        const row = rows.find((x) => Number(x.r) === r && Number(x.f) === f);
        cells.push({ r, f, customers: row?.customers ?? 0, monetaryFen: row ? Number(row.monetary) : 0 });
      }
    return { run, cells };
  }

  private async groups<K extends string>(column: 'value_class' | 'segment' | 'value_quadrant', keys: readonly K[]): Promise<GroupSummary<K>[]> {
    const rows = await query<{ key: string; customers: number; monetary: string; rd: string | null; fr: string | null; mo: string | null }>(
      this.db,
      sql`select ${sql.identifier(column)} as key, count(*)::int as customers, sum(monetary_fen)::text as monetary,
                 avg(recency_days)::float8 as rd, avg(frequency)::float8 as fr, avg(monetary_fen)::float8 as mo
          from segments.rfm_scores group by 1`,
    );
    const total = rows.reduce((s, r) => s + r.customers, 0);
    const round1 = (v: string | null) => (v === null ? null : Math.round(Number(v) * 10) / 10);
    return keys.map((key) => {
      const r = rows.find((x) => x.key === key);
      return {
        key,
        customers: r?.customers ?? 0,
        share: total && r ? Math.round((r.customers / total) * 10000) / 10000 : 0,
        monetaryFen: r ? Number(r.monetary) : 0,
        avgRecencyDays: r ? round1(r.rd) : null,
        avgFrequency: r ? round1(r.fr) : null,
        avgMonetaryFen: r?.mo ? Math.round(Number(r.mo)) : null,
      };
    });
  }

  /** The four classes with their treatments and the 11 named segments, from the latest run. */
  async summary() {
    const run = await this.requireRun();
    const classes = (await this.groups('value_class', VALUE_CLASSES)).map((g) => ({ ...g, code: systemSegmentCode.class(g.key), treatment: TREATMENTS[g.key] }));
    const segments = (await this.groups('segment', RFM_SEGMENTS)).map((g) => ({ ...g, code: systemSegmentCode.segment(g.key) }));
    return { run, classes, segments };
  }

  /** The value matrix: current value × potential value quadrants, with the medians that split them. */
  async valueMatrix() {
    const run = await this.requireRun();
    const quadrants = await query<{ key: string; customers: number; cur: string; pot: string }>(
      this.db,
      sql`select value_quadrant as key, count(*)::int as customers, sum(current_value_fen)::text as cur, sum(potential_value_fen)::text as pot
          from segments.rfm_scores group by 1`,
    );
    const med = await queryOne<{ mc: string | null; mp: string | null }>(
      this.db,
      sql`select percentile_disc(0.5) within group (order by current_value_fen)::text as mc, percentile_disc(0.5) within group (order by potential_value_fen)::text as mp from segments.rfm_scores`,
    );
    return {
      run,
      medianCurrentValueFen: n(med?.mc),
      medianPotentialValueFen: n(med?.mp),
      quadrants: VALUE_QUADRANTS.map((q) => {
        const r = quadrants.find((x) => x.key === q);
        return { key: q, code: systemSegmentCode.quadrant(q), customers: r?.customers ?? 0, currentValueFen: r ? Number(r.cur) : 0, potentialValueFen: r ? Number(r.pot) : 0 };
      }),
    };
  }

  /** One customer's scores from the latest run (404 when the customer bought nothing in its window). */
  async customer(customerId: string): Promise<CustomerScores> {
    const r = await queryOne<Record<string, unknown>>(
      this.db,
      sql`select customer_id, as_of::text as as_of, recency_days, frequency, monetary_fen, r, f, m, value_class, segment,
                 current_value_fen, potential_value_fen, value_quadrant
          from segments.rfm_scores where customer_id = ${customerId}`,
    );
    if (!r) throw notFound('segments.no_scores', 'This customer has no RFM scores (no run yet, or no order in the run’s window)');
    return {
      customerId: r.customer_id as string,
      asOf: r.as_of as string,
      recencyDays: Number(r.recency_days),
      frequency: Number(r.frequency),
      monetaryFen: Number(r.monetary_fen),
      r: Number(r.r),
      f: Number(r.f),
      m: Number(r.m),
      valueClass: r.value_class as ValueClass,
      segment: r.segment as RfmSegment,
      currentValueFen: n(r.current_value_fen),
      potentialValueFen: n(r.potential_value_fen),
      valueQuadrant: (r.value_quadrant as ValueQuadrant | null) ?? null,
      treatment: TREATMENTS[r.value_class as ValueClass],
    };
  }
}
