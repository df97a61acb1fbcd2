import { sql, type SQL } from 'drizzle-orm';
import { pgArray } from '../../../platform/db/arrays.js';
import { query, queryOne, type Db } from '../../../platform/db/database.js';
import { invalid, notFound } from '../../../platform/errors.js';
import { publishMany } from '../../../platform/events/event-bus.js';
import { newId } from '../../../platform/ids.js';
import type { CustomerSummary, TimelineItemInput } from '../../customers/index.js';

export const RHYTHM_CHANGED = 'insights.rhythm.changed';
export const RHYTHM_TIMELINE_KIND = 'insights.rhythm_changed';
/** Changes per insights.rhythm.changed event (its payload's `changes`). */
export const CHANGES_PER_EVENT = 1000;

export type CycleLevel = 'leaf' | 'top';
export type RhythmKind = 'slowing' | 'stopped' | 'speeding' | 'stage_change';
export const RHYTHM_KINDS: readonly RhythmKind[] = ['slowing', 'stopped', 'speeding', 'stage_change'];

/**
 * Sibling categories in the order a child grows through them, per parent category path: buying moves from one to the
 * next (a stage change). The demo brand's diaper sizes and formula stages.
 */
export const DEFAULT_STAGES: Readonly<Record<string, readonly string[]>> = {
  '母婴/纸尿裤': ['NB', 'S', 'M', 'L', 'XL', '拉拉裤'],
  '母婴/奶粉': ['1段', '2段', '3段'],
};

export interface CycleParams {
  /** Slowing: the latest gap (or the days since the last purchase, if longer) above this × the median … */
  slowFactor: number;
  /** … and at least this many days. */
  slowMinDays: number;
  /** Stopped: days since the last purchase ≥ this × the median. */
  stopFactor: number;
  /** Speeding: the last two gaps both below this × the median. */
  speedFactor: number;
  /** A stage change is raised when the move up happened within this many days of the as-of date. */
  stageWindowDays: number;
  stages: Record<string, string[]>;
}

export const DEFAULT_PARAMS: CycleParams = {
  slowFactor: 1.8,
  slowMinDays: 14,
  stopFactor: 3,
  speedFactor: 0.5,
  stageWindowDays: 90,
  stages: Object.fromEntries(Object.entries(DEFAULT_STAGES).map(([k, v]) => [k, [...v]])),
};

export interface CycleRunInput extends Partial<CycleParams> {
  /** A business date (default: the day of the latest order). */
  asOf?: string | undefined;
  level?: CycleLevel | undefined;
}

export interface CycleRun {
  id: string;
  asOf: string;
  level: CycleLevel;
  params: CycleParams;
  cycles: number;
  established: number;
  changesRaised: number;
  seconds: number | null;
  createdBy: string;
  createdAt: string;
}

export interface CustomerCycle {
  category: string;
  purchases: number;
  firstPurchase: string;
  lastPurchase: string;
  /** Median days between purchase days; null with fewer than 3 purchase days (2 gaps). */
  medianDays: number | null;
  latestGapDays: number;
  previousGapDays: number | null;
  expectedNext: string | null;
  daysOverdue: number | null;
  change: Exclude<RhythmKind, 'stage_change'> | null;
}

export interface RhythmChange {
  id: string;
  customerId: string;
  category: string;
  kind: RhythmKind;
  /** The last purchase day (for a stage change: the first day in the new stage). */
  anchorDay: string;
  asOf: string;
  medianDays: number | null;
  latestGapDays: number | null;
  daysSinceLast: number;
  fromCategory: string | null;
  toCategory: string | null;
  raisedAt: string;
}

export interface CategoryCycle {
  category: string;
  /** Customers with 2 or more purchase days in the category. */
  repeatCustomers: number;
  /** Customers with a cycle (3 or more purchase days), and the quartiles of their median days. */
  customers: number;
  medianDays: number | null;
  p25Days: number | null;
  p75Days: number | null;
  overdue: number;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const isDate = (d: string) => DATE.test(d) && !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) === d;

/**
 * Repurchase cycles per customer × category from the order lines, and the rhythm changes they show (slowing, stopped,
 * speeding, moving to the next stage of an ordered set of sibling categories). Each run replaces the cycles and raises
 * each change once: insights.rhythm.changed through the outbox and an item on the customer's timeline.
 */
export class CyclesService {
  constructor(
    private readonly db: Db,
    private readonly deps: {
      timeZone: string;
      customers: {
        addTimelineItems(tx: Db, items: readonly TimelineItemInput[]): Promise<void>;
        summaries(ids: string[]): Promise<Map<string, CustomerSummary>>;
      };
    },
  ) {}

  async run(input: CycleRunInput, actor: string): Promise<CycleRun> {
    const level = input.level ?? 'leaf';
    if (level !== 'leaf' && level !== 'top') throw invalid('insights.invalid_level', 'level must be leaf or top', [{ path: 'level', message: 'leaf or top' }]);
    const params = paramsOf(input);
    if (input.asOf !== undefined && !isDate(input.asOf)) throw invalid('insights.invalid_as_of', 'asOf must be a date YYYY-MM-DD', [{ path: 'asOf', message: 'a date YYYY-MM-DD' }]);
    const asOf = input.asOf ?? (await this.latestOrderDay());
    if (!asOf) throw invalid('insights.no_orders', 'No orders yet: there are no purchases to find cycles in', []);
    const started = performance.now();
    const id = newId();
    const tz = this.deps.timeZone;
    const end = sql`((${asOf}::date + 1)::timestamp at time zone ${tz})`;
    const counted = sql`not l.guest and l.status <> 'cancelled' and l.returned_quantity < l.quantity and l.placed_at < ${end}`;
    const category = level === 'top' ? sql`l.category_path[1]` : sql`array_to_string(l.category_path, '/')`;
    const stages = Object.entries(params.stages).flatMap(([parent, leaves]) => leaves.map((leaf, rank) => ({ parent, leaf, rank })));

    const raised = await this.db.transaction(async (tx) => {
      await tx.execute(sql`truncate insights.repurchase_cycles`);
      await tx.execute(sql`
        insert into insights.repurchase_cycles (customer_id, category, run_id, purchases, first_purchase, last_purchase, median_days,
                                                latest_gap_days, previous_gap_days, expected_next, days_overdue, change_kind)
        with d as (
          select distinct l.customer_id, ${category} as category, (l.placed_at at time zone ${tz})::date as day
          from orders.line_facts l
          where ${counted} and cardinality(l.category_path) > 0
        ), g as (
          select customer_id, category, day,
                 day - lag(day) over (partition by customer_id, category order by day) as gap,
                 row_number() over (partition by customer_id, category order by day desc) as rn
          from d
        ), c as (
          select customer_id, category, count(*)::int as purchases, min(day) as first_day, max(day) as last_day,
                 case when count(*) >= 3 then percentile_cont(0.5) within group (order by gap) end as median,
                 max(gap) filter (where rn = 1) as latest_gap, max(gap) filter (where rn = 2) as previous_gap,
                 ${asOf}::date - max(day) as since
          from g group by 1, 2 having count(*) >= 2
        ), st as (
          select s.parent || '/' || s.leaf as category, s.parent, s.rank from json_to_recordset(${JSON.stringify(stages)}::json) as s(parent text, leaf text, rank int)
        ), moved as (
          -- A stage the customer has bought past (S after M) no longer slows or stops: the stage change says why.
          select distinct c.customer_id, c.category
          from c
          join st s1 on s1.category = c.category
          join st s2 on s2.parent = s1.parent and s2.rank > s1.rank
          join d on d.customer_id = c.customer_id and d.category = s2.category and d.day > c.last_day
        )
        select c.customer_id, c.category, ${id}, purchases, first_day, last_day, median, latest_gap, previous_gap,
               last_day + round(median::numeric)::int, case when median is not null then greatest(${asOf}::date - (last_day + round(median::numeric)::int), 0) end,
               case when median is null then null
                    when m.customer_id is not null then null
                    when since >= ${params.stopFactor}::float8 * median then 'stopped'
                    when greatest(latest_gap, since) > ${params.slowFactor}::float8 * median and greatest(latest_gap, since) >= ${params.slowMinDays}::int then 'slowing'
                    when latest_gap < ${params.speedFactor}::float8 * median and previous_gap < ${params.speedFactor}::float8 * median then 'speeding'
               end
        from c left join moved m on m.customer_id = c.customer_id and m.category = c.category`);
      const rows = await query<ChangeRow>(
        tx,
        sql`insert into insights.rhythm_changes (id, customer_id, category, kind, anchor_day, run_id, as_of, median_days, latest_gap_days, days_since_last)
            select gen_random_uuid(), customer_id, category, change_kind, last_purchase, ${id}, ${asOf}::date, median_days, latest_gap_days, ${asOf}::date - last_purchase
            from insights.repurchase_cycles where change_kind is not null
            on conflict (customer_id, category, kind, anchor_day) do nothing
            returning ${CHANGE_COLUMNS}`,
      );
      if (stages.length > 0)
        rows.push(
          ...(await query<ChangeRow>(
            tx,
            sql`insert into insights.rhythm_changes (id, customer_id, category, kind, anchor_day, run_id, as_of, latest_gap_days, days_since_last, from_category, to_category)
                with st as (select * from json_to_recordset(${JSON.stringify(stages)}::json) as s(parent text, leaf text, rank int)),
                d as (
                  select l.customer_id, st.parent, (l.placed_at at time zone ${tz})::date as day, max(st.rank) as rank
                  from orders.line_facts l
                  join st on st.parent = array_to_string(l.category_path[1:cardinality(l.category_path) - 1], '/')
                         and st.leaf = l.category_path[cardinality(l.category_path)]
                  where ${counted}
                  group by 1, 2, 3
                ), s as (
                  select customer_id, parent, day, rank,
                         lag(rank) over w as prev_rank, lag(day) over w as prev_day,
                         first_value(rank) over (partition by customer_id, parent order by day desc) as last_rank,
                         max(day) over (partition by customer_id, parent) as last_day
                  from d window w as (partition by customer_id, parent order by day)
                ), t as (
                  select distinct on (customer_id, parent) * from s where rank > prev_rank order by customer_id, parent, day desc
                )
                select gen_random_uuid(), t.customer_id, t.parent, 'stage_change', t.day, ${id}, ${asOf}::date, t.day - t.prev_day, ${asOf}::date - t.last_day,
                       t.parent || '/' || f.leaf, t.parent || '/' || n.leaf
                from t
                join st f on f.parent = t.parent and f.rank = t.prev_rank
                join st n on n.parent = t.parent and n.rank = t.rank
                where t.rank = t.last_rank and t.day > ${asOf}::date - ${params.stageWindowDays}::int
                on conflict (customer_id, category, kind, anchor_day) do nothing
                returning ${CHANGE_COLUMNS}`,
          )),
        );
      const changes = rows.map(toChange);
      await this.deps.customers.addTimelineItems(
        tx,
        changes.map((c) => ({
          customerId: c.customerId,
          occurredAt: new Date(c.raisedAt),
          kind: RHYTHM_TIMELINE_KIND,
          refId: c.id,
          summary: { category: c.category, kind: c.kind, medianDays: c.medianDays, latestGapDays: c.latestGapDays, daysSinceLast: c.daysSinceLast, fromCategory: c.fromCategory, toCategory: c.toCategory },
        })),
      );
      const payloads = [];
      for (let i = 0; i < changes.length; i += CHANGES_PER_EVENT)
        payloads.push({ runId: id, asOf, level, changes: changes.slice(i, i + CHANGES_PER_EVENT).map(eventChange) });
      await publishMany(tx, RHYTHM_CHANGED, payloads);
      const counts = await queryOne<{ cycles: number; established: number }>(
        tx,
        sql`select count(*)::int as cycles, count(median_days)::int as established from insights.repurchase_cycles`,
      );
      await tx.execute(sql`
        insert into insights.cycle_runs (id, as_of, level, params, cycles, established, changes_raised, seconds, created_by)
        values (${id}, ${asOf}::date, ${level}, ${JSON.stringify(params)}::jsonb, ${counts!.cycles}, ${counts!.established}, ${changes.length},
                ${(performance.now() - started) / 1000}, ${actor})`);
      return changes.length;
    });
    const run = (await this.runById(id))!;
    return { ...run, changesRaised: raised };
  }

  async latestRun(): Promise<CycleRun | undefined> {
    const row = await queryOne<{ id: string }>(this.db, sql`select id from insights.cycle_runs order by created_at desc, id desc limit 1`);
    return row ? this.runById(row.id) : undefined;
  }

  private async runById(id: string): Promise<CycleRun | undefined> {
    const r = await queryOne<Record<string, unknown>>(
      this.db,
      sql`select id, as_of::text as as_of, level, params, cycles, established, changes_raised, seconds, created_by, created_at from insights.cycle_runs where id = ${id}`,
    );
    if (!r) return undefined;
    return {
      id: String(r.id),
      asOf: String(r.as_of),
      level: r.level as CycleLevel,
      params: r.params as CycleParams,
      cycles: Number(r.cycles),
      established: Number(r.established),
      changesRaised: Number(r.changes_raised),
      seconds: r.seconds === null ? null : Number(r.seconds),
      createdBy: String(r.created_by),
      createdAt: new Date(r.created_at as string).toISOString(),
    };
  }

  private async requireRun(): Promise<CycleRun> {
    const run = await this.latestRun();
    if (!run) throw notFound('insights.no_cycle_run', 'No repurchase-cycle run yet: run POST /api/v1/insights/repurchase-cycles/runs first');
    return run;
  }

  /**
   * Each category's typical repurchase cycle: the quartiles of its customers' median days (customers with 3 or more
   * purchase days), the most customers first. `category` keeps that category and those under it.
   */
  async categories(opts: { category?: string | undefined; limit?: number | undefined } = {}): Promise<{ run: CycleRun; items: CategoryCycle[] }> {
    const run = await this.requireRun();
    const filter = opts.category === undefined ? sql`true` : sql`(category = ${opts.category} or starts_with(category, ${`${opts.category}/`}))`;
    const rows = await query<Record<string, unknown>>(
      this.db,
      sql`select category, count(*)::int as repeat_customers, count(median_days)::int as customers,
                 percentile_cont(0.5) within group (order by median_days) as p50,
                 percentile_cont(0.25) within group (order by median_days) as p25,
                 percentile_cont(0.75) within group (order by median_days) as p75,
                 count(*) filter (where days_overdue > 0)::int as overdue
          from insights.repurchase_cycles where ${filter}
          group by category order by count(median_days) desc, count(*) desc, category collate "C" limit ${opts.limit ?? 50}`,
    );
    const num = (v: unknown) => (v === null ? null : Number(v));
    return {
      run,
      items: rows.map((r) => ({
        category: String(r.category),
        repeatCustomers: Number(r.repeat_customers),
        customers: Number(r.customers),
        medianDays: num(r.p50),
        p25Days: num(r.p25),
        p75Days: num(r.p75),
        overdue: Number(r.overdue),
      })),
    };
  }

  /** A customer's cycles in the latest run (the most overdue first) and the rhythm changes raised for them. */
  async customer(customerId: string): Promise<{ run: CycleRun; cycles: CustomerCycle[]; changes: RhythmChange[] }> {
    const run = await this.requireRun();
    const rows = await query<Record<string, unknown>>(
      this.db,
      sql`select category, purchases, first_purchase::text as first_purchase, last_purchase::text as last_purchase, median_days, latest_gap_days,
                 previous_gap_days, expected_next::text as expected_next, days_overdue, change_kind
          from insights.repurchase_cycles where customer_id = ${customerId}
          order by days_overdue desc nulls last, category collate "C"`,
    );
    const changes = await query<ChangeRow>(
      this.db,
      sql`select ${CHANGE_COLUMNS} from insights.rhythm_changes where customer_id = ${customerId} order by raised_at desc, anchor_day desc, category collate "C", kind limit 50`,
    );
    return {
      run,
      cycles: rows.map((r) => ({
        category: String(r.category),
        purchases: Number(r.purchases),
        firstPurchase: String(r.first_purchase),
        lastPurchase: String(r.last_purchase),
        medianDays: r.median_days === null ? null : Number(r.median_days),
        latestGapDays: Number(r.latest_gap_days),
        previousGapDays: r.previous_gap_days === null ? null : Number(r.previous_gap_days),
        expectedNext: (r.expected_next as string | null) ?? null,
        daysOverdue: r.days_overdue === null ? null : Number(r.days_overdue),
        change: (r.change_kind as CustomerCycle['change']) ?? null,
      })),
      changes: changes.map(toChange),
    };
  }

  /** Rhythm changes raised, the latest first, with who the customer is (masked by the route for the caller). */
  async changes(opts: { kind?: RhythmKind[] | undefined; category?: string | undefined; limit?: number | undefined; offset?: number | undefined } = {}) {
    const kinds = opts.kind ?? [...RHYTHM_KINDS];
    const where = sql`kind = any(${pgArray(kinds, 'text')})${opts.category === undefined ? sql`` : sql` and (category = ${opts.category} or starts_with(category, ${`${opts.category}/`}))`}`;
    const rows = await query<ChangeRow>(
      this.db,
      sql`select ${CHANGE_COLUMNS} from insights.rhythm_changes where ${where}
          order by raised_at desc, anchor_day desc, customer_id, category collate "C", kind limit ${opts.limit ?? 50} offset ${opts.offset ?? 0}`,
    );
    const total = await queryOne<{ n: number }>(this.db, sql`select count(*)::int as n from insights.rhythm_changes where ${where}`);
    const people = await this.deps.customers.summaries([...new Set(rows.map((r) => r.customer_id))]);
    return { total: total?.n ?? 0, items: rows.map((r) => ({ ...toChange(r), customer: people.get(r.customer_id) })) };
  }

  private async latestOrderDay(): Promise<string | undefined> {
    const row = await queryOne<{ d: string | null }>(
      this.db,
      sql`select to_char(max(placed_at) at time zone ${this.deps.timeZone}, 'YYYY-MM-DD') as d from orders.order_facts where status <> 'cancelled'`,
    );
    return row?.d ?? undefined;
  }
}

interface ChangeRow {
  id: string;
  customer_id: string;
  category: string;
  kind: RhythmKind;
  anchor_day: string;
  as_of: string;
  median_days: number | null;
  latest_gap_days: number | null;
  days_since_last: number;
  from_category: string | null;
  to_category: string | null;
  raised_at: string | Date;
}

const CHANGE_COLUMNS: SQL = sql.raw(
  'id, customer_id, category, kind, anchor_day::text as anchor_day, as_of::text as as_of, median_days, latest_gap_days, days_since_last, from_category, to_category, raised_at',
);

function toChange(r: ChangeRow): RhythmChange {
  return {
    id: r.id,
    customerId: r.customer_id,
    category: r.category,
    kind: r.kind,
    anchorDay: r.anchor_day,
    asOf: r.as_of,
    medianDays: r.median_days === null ? null : Number(r.median_days),
    latestGapDays: r.latest_gap_days === null ? null : Number(r.latest_gap_days),
    daysSinceLast: Number(r.days_since_last),
    fromCategory: r.from_category,
    toCategory: r.to_category,
    raisedAt: new Date(r.raised_at).toISOString(),
  };
}

/** A change as insights.rhythm.changed carries it (the contract journeys read; see the module README). */
function eventChange({ id, asOf: _asOf, raisedAt: _raisedAt, ...change }: RhythmChange) {
  return { changeId: id, ...change };
}

/** The run's thresholds: the input's, else the defaults; each out of range is a 400 naming it. */
function paramsOf(input: Partial<CycleParams>): CycleParams {
  const p: CycleParams = {
    slowFactor: input.slowFactor ?? DEFAULT_PARAMS.slowFactor,
    slowMinDays: input.slowMinDays ?? DEFAULT_PARAMS.slowMinDays,
    stopFactor: input.stopFactor ?? DEFAULT_PARAMS.stopFactor,
    speedFactor: input.speedFactor ?? DEFAULT_PARAMS.speedFactor,
    stageWindowDays: input.stageWindowDays ?? DEFAULT_PARAMS.stageWindowDays,
    stages: input.stages ?? DEFAULT_PARAMS.stages,
  };
  const check = (ok: boolean, path: string, message: string) => {
    if (!ok) throw invalid('insights.invalid_cycle_params', `${path}: ${message}`, [{ path, message }]);
  };
  check(Number.isFinite(p.slowFactor) && p.slowFactor > 1 && p.slowFactor <= 10, 'slowFactor', 'a factor above 1, at most 10');
  check(Number.isInteger(p.slowMinDays) && p.slowMinDays >= 0 && p.slowMinDays <= 365, 'slowMinDays', 'whole days from 0 to 365');
  check(Number.isFinite(p.stopFactor) && p.stopFactor > 1 && p.stopFactor <= 20, 'stopFactor', 'a factor above 1, at most 20');
  check(Number.isFinite(p.speedFactor) && p.speedFactor > 0 && p.speedFactor < 1, 'speedFactor', 'a factor between 0 and 1');
  check(Number.isInteger(p.stageWindowDays) && p.stageWindowDays >= 1 && p.stageWindowDays <= 3650, 'stageWindowDays', 'whole days from 1 to 3650');
  for (const [parent, leaves] of Object.entries(p.stages))
    check(
      parent.trim() !== '' && Array.isArray(leaves) && leaves.length >= 2 && leaves.every((l) => typeof l === 'string' && l.trim() !== '' && !l.includes('/')) && new Set(leaves).size === leaves.length,
      `stages.${parent}`,
      'at least 2 distinct sibling category names, in order',
    );
  return p;
}
