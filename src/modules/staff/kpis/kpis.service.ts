import { sql, type SQL } from 'drizzle-orm';
import { appendAudit } from '../../../platform/audit.js';
import { systemClock, type Clock } from '../../../platform/clock.js';
import { pgArray } from '../../../platform/db/arrays.js';
import { query, queryOne, type Db } from '../../../platform/db/database.js';
import { conflict, invalid, notFound } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import { KPI_METRICS, type KpiMetric } from '../db/staff.schema.js';
import { isoWeekOf, parsePeriodKey, type Period } from './periods.js';

/** The seeds' targets (product brief §8): satisfaction ≥ 90 %, first response ≤ 1 minute, resolution ≥ 90 %. */
export const KPI_TARGETS = {
  csat: { op: 'gte', value: 90 },
  firstResponseSeconds: { op: 'lte', value: 60 },
  resolutionRate: { op: 'gte', value: 90 },
} as const;
export type TargetName = keyof typeof KPI_TARGETS;

/** Metrics where less is better: leaderboards sort them ascending. */
const LOWER_IS_BETTER: ReadonlySet<KpiMetric> = new Set(['firstResponseSeconds']);

export type GroupBy = 'guide' | 'store';

export interface TargetResult {
  target: number;
  /** null when there is nothing to judge (no responses, no tickets). */
  met: boolean | null;
}

/** One guide's or one store's KPIs over [from, to). Rates are percentages with one decimal; null when the denominator is 0. */
export interface KpiRow {
  /** The staff id (groupBy guide) or the store code (groupBy store). */
  key: string;
  staffId: string | null;
  username: string | null;
  displayName: string | null;
  storeCode: string | null;
  customersServed: number;
  orders: number;
  netSalesFen: number;
  memberEnrolments: number;
  assignedCustomers: number;
  buyers: number;
  repeatBuyers: number;
  repurchaseRate: number | null;
  referrers: number;
  referralRate: number | null;
  csatResponses: number;
  csatSatisfied: number;
  csat: number | null;
  npsResponses: number;
  nps: number | null;
  couponRedemptions: number;
  tickets: number;
  firstResponseSeconds: number | null;
  resolvedTickets: number;
  resolutionRate: number | null;
  resolutionHours: number | null;
  tasksDue: number;
  tasksDone: number;
  taskCompletionRate: number | null;
  targets: Record<TargetName, TargetResult>;
}

export interface KpiReport {
  from: string;
  to: string;
  period: string | null;
  groupBy: GroupBy;
  store: string | null;
  targets: typeof KPI_TARGETS;
  items: KpiRow[];
}

export interface LeaderboardEntry {
  rank: number;
  key: string;
  staffId: string | null;
  username: string | null;
  displayName: string | null;
  storeCode: string | null;
  value: number;
}

export interface RewardRule {
  id: string;
  code: string;
  name: string;
  metric: KpiMetric;
  op: 'gte' | 'lte';
  threshold: number;
  period: 'week' | 'month';
  bonusFen: number;
  active: boolean;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface RewardRuleInput {
  code: string;
  name: string;
  metric: KpiMetric;
  op?: 'gte' | 'lte' | undefined;
  threshold: number;
  period: 'week' | 'month';
  bonusFen: number;
  active?: boolean | undefined;
}

export interface Reward {
  id: string;
  ruleId: string;
  ruleCode: string;
  staffId: string;
  username: string | null;
  storeCode: string | null;
  period: string;
  metric: string;
  value: number;
  bonusFen: number;
  runBy: string;
  awardedAt: string;
}

export interface WeeklyReport {
  week: string;
  from: string;
  to: string;
  store: string | null;
  targets: typeof KPI_TARGETS;
  stores: KpiRow[];
  guides: KpiRow[];
  /** Per leaderboard metric: the best and the worst guides (up to 3 each). */
  leaderboards: Array<{ metric: KpiMetric; top: LeaderboardEntry[]; bottom: LeaderboardEntry[] }>;
}

/** The metrics the weekly report ranks guides by. */
export const REPORT_METRICS: KpiMetric[] = ['customersServed', 'netSalesFen', 'repurchaseRate', 'csat', 'resolutionRate', 'taskCompletionRate'];

const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const numOrNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));
/** n/d as a percentage with one decimal; null when d is 0. */
const pct = (n: number, d: number) => (d === 0 ? null : Math.round((1000 * n) / d) / 10);
const iso = (v: Date | string) => new Date(v).toISOString();
const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;

function judge(name: TargetName, value: number | null): TargetResult {
  const t = KPI_TARGETS[name];
  return { target: t.value, met: value === null ? null : t.op === 'gte' ? value >= t.value : value <= t.value };
}

type Counts = Map<string, Record<string, unknown>>;

/**
 * Staff and store KPIs over a period, leaderboards, reward rules and their runs, the weekly report. Reads other
 * modules' published views (orders.order_facts, customers.customer_facts, loyalty.referral_facts) and, where a module
 * publishes none, its tables read-only (surveys.responses, service.tickets, promotions.coupons, messaging.guide_tasks,
 * access.staff); writes only staff.reward_rules, staff.rewards and staff.reports. Definitions: the module README.
 */
export class StaffKpisService {
  private readonly timeZone: string;
  private readonly clock: Clock;

  constructor(
    private readonly db: Db,
    opts: { timeZone?: string; clock?: Clock } = {},
  ) {
    this.timeZone = opts.timeZone ?? 'Asia/Shanghai';
    this.clock = opts.clock ?? systemClock;
  }

  get timeZoneName(): string {
    return this.timeZone;
  }

  period(key: string, field = 'period'): Period {
    return parsePeriodKey(key, this.timeZone, field);
  }

  /** The ISO week key of the last full week before now (what the weekly job reports on Monday). */
  lastWeekKey(now = this.clock.now()): string {
    return isoWeekOf(new Date(now.getTime() - 7 * 86_400_000).toLocaleDateString('en-CA', { timeZone: this.timeZone }));
  }

  /** KPIs per guide (guides and store managers, by their home store when `store` is given) or per store. */
  async kpis(period: Period, opts: { groupBy: GroupBy; store?: string | null | undefined }): Promise<KpiReport> {
    const store = opts.store ?? null;
    const items = opts.groupBy === 'guide' ? await this.guideRows(period, store) : await this.storeRows(period, store);
    return { from: iso(period.from), to: iso(period.to), period: period.key, groupBy: opts.groupBy, store, targets: KPI_TARGETS, items };
  }

  async leaderboard(
    period: Period,
    opts: { metric: string; groupBy: GroupBy; store?: string | null | undefined; limit: number },
  ): Promise<{ metric: KpiMetric; order: 'asc' | 'desc'; from: string; to: string; items: LeaderboardEntry[] }> {
    const metric = checkMetric(opts.metric);
    const report = await this.kpis(period, opts);
    const items = rank(report.items, metric).slice(0, opts.limit);
    return { metric, order: LOWER_IS_BETTER.has(metric) ? 'asc' : 'desc', from: report.from, to: report.to, items };
  }

  // ---- KPI queries ----------------------------------------------------------------------------------------------

  private async guideRows(p: Period, store: string | null): Promise<KpiRow[]> {
    const guides = await query<{ id: string; username: string; display_name: string | null; store_code: string | null }>(
      this.db,
      sql`select s.id, s.username, s.display_name, s.store_code from access.staff s
          where s.role in ('guide', 'store_manager') ${store === null ? sql`` : sql`and s.store_code = ${store}`}
          order by s.store_code nulls last, s.username`,
    );
    if (guides.length === 0) return [];
    const ids = guides.map((g) => g.id);
    const idList = pgArray(ids, 'uuid');
    const { from, to } = p;
    const [sales, enrol, book, surveys, coupons, tickets, tasks] = await Promise.all([
      this.counts(sql`
        select s.id::text as k, count(distinct o.customer_id) filter (where not o.guest)::int as served, count(*)::int as orders,
               coalesce(sum(o.paid_fen - o.refunded_fen), 0)::bigint as net
        from orders.order_facts o join access.staff s on s.username = o.staff_code
        where s.id = any(${idList}) and o.status <> 'cancelled' and o.placed_at >= ${ts(from)} and o.placed_at < ${ts(to)}
        group by s.id`),
      this.counts(sql`
        select f.staff_id::text as k, count(*)::int as enrolments
        from customers.customer_facts c
        cross join lateral (select a.staff_id from staff.assignments a where a.customer_id = c.id order by a.started_at, a.id limit 1) f
        where c.status = 'active' and c.member_since >= ${ts(from)} and c.member_since < ${ts(to)} and f.staff_id = any(${idList})
        group by f.staff_id`),
      this.bookCounts(sql`a.staff_id::text`, sql`a.staff_id = any(${idList})`, p),
      this.counts(sql`
        select r.guide_id::text as k, count(r.csat)::int as n_csat, count(*) filter (where r.csat >= 4)::int as sat,
               count(r.nps)::int as n_nps, count(*) filter (where r.nps >= 9)::int as promoters,
               count(*) filter (where r.nps <= 6)::int as detractors
        from surveys.responses r
        where r.guide_id = any(${idList}) and r.submitted_at >= ${ts(from)} and r.submitted_at < ${ts(to)}
        group by r.guide_id`),
      this.counts(sql`
        select s.id::text as k, count(*)::int as redeemed
        from promotions.coupons c join orders.order_facts o on o.id = c.order_id join access.staff s on s.username = o.staff_code
        where s.id = any(${idList}) and c.status = 'redeemed' and c.redeemed_at >= ${ts(from)} and c.redeemed_at < ${ts(to)}
        group by s.id`),
      this.ticketCounts(sql`t.assignee_id::text`, sql`t.assignee_id = any(${idList})`, p),
      this.taskCounts(sql`t.assignee_staff_id::text`, sql`t.assignee_staff_id = any(${idList})`, p),
    ]);
    return guides.map((g) =>
      row({ key: g.id, staffId: g.id, username: g.username, displayName: g.display_name, storeCode: g.store_code }, [sales, enrol, book, surveys, coupons, tickets, tasks]),
    );
  }

  private async storeRows(p: Period, store: string | null): Promise<KpiRow[]> {
    const codes = await query<{ code: string }>(
      this.db,
      sql`select code from (
            select code from catalog.store_facts
            union select store_code from access.staff where role in ('guide', 'store_manager') and store_code is not null
          ) x ${store === null ? sql`` : sql`where code = ${store}`} order by code`,
    );
    if (codes.length === 0) return [];
    const list = pgArray(codes.map((c) => c.code), 'text');
    const { from, to } = p;
    const [sales, enrol, book, surveys, coupons, tickets, tasks] = await Promise.all([
      this.counts(sql`
        select o.store_code as k, count(distinct o.customer_id) filter (where not o.guest)::int as served, count(*)::int as orders,
               coalesce(sum(o.paid_fen - o.refunded_fen), 0)::bigint as net
        from orders.order_facts o
        where o.store_code = any(${list}) and o.status <> 'cancelled' and o.placed_at >= ${ts(from)} and o.placed_at < ${ts(to)}
        group by o.store_code`),
      this.counts(sql`
        select f.store_code as k, count(*)::int as enrolments
        from customers.customer_facts c
        cross join lateral (select a.store_code from staff.assignments a where a.customer_id = c.id order by a.started_at, a.id limit 1) f
        where c.status = 'active' and c.member_since >= ${ts(from)} and c.member_since < ${ts(to)} and f.store_code = any(${list})
        group by f.store_code`),
      this.bookCounts(sql`a.store_code`, sql`a.store_code = any(${list})`, p),
      this.counts(sql`
        select r.store_code as k, count(r.csat)::int as n_csat, count(*) filter (where r.csat >= 4)::int as sat,
               count(r.nps)::int as n_nps, count(*) filter (where r.nps >= 9)::int as promoters,
               count(*) filter (where r.nps <= 6)::int as detractors
        from surveys.responses r
        where r.store_code = any(${list}) and r.submitted_at >= ${ts(from)} and r.submitted_at < ${ts(to)}
        group by r.store_code`),
      this.counts(sql`
        select o.store_code as k, count(*)::int as redeemed
        from promotions.coupons c join orders.order_facts o on o.id = c.order_id
        where o.store_code = any(${list}) and c.status = 'redeemed' and c.redeemed_at >= ${ts(from)} and c.redeemed_at < ${ts(to)}
        group by o.store_code`),
      this.ticketCounts(sql`t.store_code`, sql`t.store_code = any(${list})`, p),
      this.taskCounts(sql`t.store_code`, sql`t.store_code = any(${list})`, p),
    ]);
    return codes.map((c) => row({ key: c.code, staffId: null, username: null, displayName: null, storeCode: c.code }, [sales, enrol, book, surveys, coupons, tickets, tasks]));
  }

  /**
   * "Their customers": every customer with an assignment (to the guide / in the store) that overlaps [from, to). Of
   * them, those with a non-cancelled order in the period (any store, any guide), those with two or more, and those who
   * referred someone in the period (a referral not rejected).
   */
  private bookCounts(key: SQL, where: SQL, p: Period): Promise<Counts> {
    return this.counts(sql`
      with book as (
        select distinct ${key} as k, a.customer_id from staff.assignments a
        where ${where} and a.started_at < ${ts(p.to)} and (a.ended_at is null or a.ended_at > ${ts(p.from)})
      ), bought as (
        select o.customer_id, count(*)::int as n from orders.order_facts o
        where o.customer_id in (select customer_id from book) and o.status <> 'cancelled'
          and o.placed_at >= ${ts(p.from)} and o.placed_at < ${ts(p.to)}
        group by o.customer_id
      ), referred as (
        select distinct r.referrer_id from loyalty.referral_facts r
        where r.referrer_id in (select customer_id from book) and r.status <> 'rejected'
          and r.created_at >= ${ts(p.from)} and r.created_at < ${ts(p.to)}
      )
      select b.k, count(*)::int as assigned, count(x.customer_id)::int as buyers,
             count(*) filter (where x.n >= 2)::int as repeat, count(f.referrer_id)::int as referrers
      from book b left join bought x on x.customer_id = b.customer_id left join referred f on f.referrer_id = b.customer_id
      group by b.k`);
  }

  /** Tickets received in the period: first response (median wall-clock seconds), resolved before the period's end. */
  private ticketCounts(key: SQL, where: SQL, p: Period): Promise<Counts> {
    return this.counts(sql`
      select ${key} as k, count(*)::int as tickets,
             percentile_cont(0.5) within group (order by extract(epoch from (t.first_replied_at - t.received_at)))
               filter (where t.first_replied_at is not null and t.first_replied_at < ${ts(p.to)}) as first_response,
             count(*) filter (where t.resolved_at is not null and t.resolved_at < ${ts(p.to)})::int as resolved,
             percentile_cont(0.5) within group (order by extract(epoch from (t.resolved_at - t.received_at)) / 3600.0)
               filter (where t.resolved_at is not null and t.resolved_at < ${ts(p.to)}) as resolution_hours
      from service.tickets t
      where ${where} and t.received_at >= ${ts(p.from)} and t.received_at < ${ts(p.to)}
      group by 1`);
  }

  /** Guide tasks due in the period (cancelled ones left out); done = done before the period's end. */
  private taskCounts(key: SQL, where: SQL, p: Period): Promise<Counts> {
    return this.counts(sql`
      select ${key} as k, count(*)::int as due,
             count(*) filter (where t.status = 'done' and t.done_at < ${ts(p.to)})::int as done
      from messaging.guide_tasks t
      where ${where} and t.status <> 'cancelled' and t.due_at >= ${ts(p.from)} and t.due_at < ${ts(p.to)}
      group by 1`);
  }

  private async counts(statement: SQL): Promise<Counts> {
    const rows = await query<Record<string, unknown> & { k: string | null }>(this.db, statement);
    const m: Counts = new Map();
    for (const r of rows) if (r.k !== null) m.set(String(r.k), r);
    return m;
  }

  // ---- reward rules -----------------------------------------------------------------------------------------------

  async listRules(): Promise<RewardRule[]> {
    const rows = await query<RuleRow>(this.db, sql`select * from staff.reward_rules order by code`);
    return rows.map(ruleView);
  }

  async createRule(input: RewardRuleInput, actor: string): Promise<RewardRule> {
    checkMetric(input.metric);
    return this.db.transaction(async (tx) => {
      const exists = await queryOne(tx, sql`select 1 from staff.reward_rules where code = ${input.code}`);
      if (exists) throw conflict('staff.rule_exists', `Reward rule ${input.code} already exists`);
      const id = newId();
      await tx.execute(sql`
        insert into staff.reward_rules (id, code, name, metric, op, threshold, period, bonus_fen, active, created_by)
        values (${id}, ${input.code}, ${input.name}, ${input.metric}, ${input.op ?? defaultOp(input.metric)}, ${input.threshold},
                ${input.period}, ${input.bonusFen}, ${input.active ?? true}, ${actor})`);
      await appendAudit(tx, { actor, action: 'staff.reward_rule_create', targetType: 'reward_rule', targetId: id, details: { code: input.code, metric: input.metric, bonusFen: input.bonusFen } });
      return ruleView((await queryOne<RuleRow>(tx, sql`select * from staff.reward_rules where id = ${id}::uuid`))!);
    });
  }

  async updateRule(id: string, patch: Partial<RewardRuleInput>, actor: string): Promise<RewardRule> {
    if (patch.metric !== undefined) checkMetric(patch.metric);
    return this.db.transaction(async (tx) => {
      const cur = await queryOne<RuleRow>(tx, sql`select * from staff.reward_rules where id = ${id}::uuid for update`);
      if (!cur) throw notFound('staff.rule_not_found', `Reward rule ${id} not found`);
      if (patch.code !== undefined && patch.code !== cur.code) {
        const clash = await queryOne(tx, sql`select 1 from staff.reward_rules where code = ${patch.code}`);
        if (clash) throw conflict('staff.rule_exists', `Reward rule ${patch.code} already exists`);
      }
      await tx.execute(sql`
        update staff.reward_rules set
          code = ${patch.code ?? cur.code}, name = ${patch.name ?? cur.name}, metric = ${patch.metric ?? cur.metric},
          op = ${patch.op ?? cur.op}, threshold = ${patch.threshold ?? Number(cur.threshold)}, period = ${patch.period ?? cur.period},
          bonus_fen = ${patch.bonusFen ?? Number(cur.bonus_fen)}, active = ${patch.active ?? cur.active}, updated_at = now()
        where id = ${id}::uuid`);
      await appendAudit(tx, { actor, action: 'staff.reward_rule_update', targetType: 'reward_rule', targetId: id, details: { fields: Object.keys(patch).sort() } });
      return ruleView((await queryOne<RuleRow>(tx, sql`select * from staff.reward_rules where id = ${id}::uuid`))!);
    });
  }

  /** Deletes a rule nobody has been awarded by; a rule with awards is archived instead (active false) to keep the ledger readable. */
  async deleteRule(id: string, actor: string): Promise<{ deleted: boolean; archived: boolean }> {
    return this.db.transaction(async (tx) => {
      const cur = await queryOne<RuleRow>(tx, sql`select * from staff.reward_rules where id = ${id}::uuid for update`);
      if (!cur) throw notFound('staff.rule_not_found', `Reward rule ${id} not found`);
      const used = await queryOne(tx, sql`select 1 from staff.rewards where rule_id = ${id}::uuid limit 1`);
      if (used) await tx.execute(sql`update staff.reward_rules set active = false, updated_at = now() where id = ${id}::uuid`);
      else await tx.execute(sql`delete from staff.reward_rules where id = ${id}::uuid`);
      await appendAudit(tx, { actor, action: used ? 'staff.reward_rule_archive' : 'staff.reward_rule_delete', targetType: 'reward_rule', targetId: id, details: { code: cur.code } });
      return { deleted: !used, archived: !!used };
    });
  }

  /**
   * Awards a closed period (`2026-W47` runs the weekly rules, `2026-11` the monthly ones): every active guide whose
   * KPI meets an active rule gets one staff.rewards row per (rule, guide, period) — a second run awards nothing more.
   * One audit entry `staff.rewards_run` per run with the counts. A period not yet over is refused (409).
   */
  async runRewards(periodKey: string, actor: string): Promise<{ period: string; rules: number; awarded: number; rewards: Reward[] }> {
    const p = this.period(periodKey);
    if (p.to.getTime() > this.clock.now().getTime()) throw conflict('staff.period_open', `Period ${periodKey} is not over yet (it ends ${iso(p.to)})`);
    const rules = (await this.listRules()).filter((r) => r.active && r.period === p.kind);
    const report = rules.length ? await this.kpis(p, { groupBy: 'guide' }) : { items: [] as KpiRow[] };
    const active = new Set(
      (await query<{ id: string }>(this.db, sql`select id from access.staff where disabled_at is null and role in ('guide', 'store_manager')`)).map((r) => r.id),
    );
    const candidates: Array<{ rule: RewardRule; row: KpiRow; value: number }> = [];
    for (const rule of rules)
      for (const row of report.items) {
        const value = row[rule.metric];
        if (value === null || !active.has(row.staffId!)) continue;
        if (rule.op === 'gte' ? value >= rule.threshold : value <= rule.threshold) candidates.push({ rule, row, value });
      }
    return this.db.transaction(async (tx) => {
      const ids: string[] = [];
      for (const c of candidates) {
        const r = await queryOne<{ id: string }>(
          tx,
          sql`insert into staff.rewards (id, rule_id, staff_id, store_code, period, metric, value, bonus_fen, run_by)
              values (${newId()}, ${c.rule.id}::uuid, ${c.row.staffId}::uuid, ${c.row.storeCode}, ${periodKey}, ${c.rule.metric}, ${c.value}, ${c.rule.bonusFen}, ${actor})
              on conflict (rule_id, staff_id, period) do nothing returning id`,
        );
        if (r) ids.push(r.id);
      }
      await appendAudit(tx, { actor, action: 'staff.rewards_run', targetType: 'period', targetId: periodKey, details: { rules: rules.length, awarded: ids.length } });
      const rewards = ids.length ? await this.rewardRows(tx, sql`w.id = any(${pgArray(ids, 'uuid')})`) : [];
      return { period: periodKey, rules: rules.length, awarded: ids.length, rewards };
    });
  }

  async listRewards(filter: { period?: string | undefined; staffId?: string | undefined; store?: string | null | undefined }): Promise<{ items: Reward[]; totalFen: number }> {
    const conds: SQL[] = [sql`true`];
    if (filter.period) conds.push(sql`w.period = ${filter.period}`);
    if (filter.staffId) conds.push(sql`w.staff_id = ${filter.staffId}::uuid`);
    if (filter.store) conds.push(sql`w.store_code = ${filter.store}`);
    const items = await this.rewardRows(this.db, sql.join(conds, sql` and `));
    return { items, totalFen: items.reduce((s, r) => s + r.bonusFen, 0) };
  }

  private async rewardRows(db: Db, where: SQL): Promise<Reward[]> {
    const rows = await query<Record<string, unknown>>(
      db,
      sql`select w.*, r.code as rule_code, s.username from staff.rewards w
          join staff.reward_rules r on r.id = w.rule_id left join access.staff s on s.id = w.staff_id
          where ${where} order by w.period, r.code, s.username`,
    );
    return rows.map((r) => ({
      id: String(r.id),
      ruleId: String(r.rule_id),
      ruleCode: String(r.rule_code),
      staffId: String(r.staff_id),
      username: (r.username as string | null) ?? null,
      storeCode: (r.store_code as string | null) ?? null,
      period: String(r.period),
      metric: String(r.metric),
      value: Number(r.value),
      bonusFen: Number(r.bonus_fen),
      runBy: String(r.run_by),
      awardedAt: iso(r.awarded_at as Date),
    }));
  }

  // ---- the weekly report ------------------------------------------------------------------------------------------

  async weeklyReport(week: string, store?: string | null, field = 'week'): Promise<WeeklyReport> {
    const p = this.period(week, field);
    if (p.kind !== 'week') throw invalid('staff.bad_period', `Not an ISO week: ${week}`, [{ path: field, message: 'must be an ISO week (YYYY-Www)' }]);
    const stores = await this.kpis(p, { groupBy: 'store', store });
    const guides = await this.kpis(p, { groupBy: 'guide', store });
    const leaderboards = REPORT_METRICS.map((metric) => {
      const ranked = rank(guides.items, metric);
      return { metric, top: ranked.slice(0, 3), bottom: ranked.length > 3 ? ranked.slice(-3).reverse() : [] };
    });
    return { week, from: stores.from, to: stores.to, store: store ?? null, targets: KPI_TARGETS, stores: stores.items, guides: guides.items, leaderboards };
  }

  /** Builds and keeps the week's whole-brand report in staff.reports (a second save of the same week replaces it). */
  async saveWeeklyReport(week: string): Promise<WeeklyReport> {
    const report = await this.weeklyReport(week);
    await this.db.execute(sql`
      insert into staff.reports (week, from_at, to_at, body) values (${week}, ${report.from}, ${report.to}, ${JSON.stringify(report)}::jsonb)
      on conflict (week) do update set from_at = excluded.from_at, to_at = excluded.to_at, body = excluded.body, generated_at = now()`);
    return report;
  }

  async savedReport(week: string): Promise<{ week: string; generatedAt: string; report: WeeklyReport } | undefined> {
    const r = await queryOne<{ week: string; generated_at: Date; body: WeeklyReport }>(this.db, sql`select week, generated_at, body from staff.reports where week = ${week}`);
    return r && { week: r.week, generatedAt: iso(r.generated_at), report: r.body };
  }
}

type RuleRow = {
  id: string;
  code: string;
  name: string;
  metric: KpiMetric;
  op: 'gte' | 'lte';
  threshold: number | string;
  period: 'week' | 'month';
  bonus_fen: number | string;
  active: boolean;
  created_by: string;
  created_at: Date | string;
  updated_at: Date | string;
};

function ruleView(r: RuleRow): RewardRule {
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    metric: r.metric,
    op: r.op,
    threshold: Number(r.threshold),
    period: r.period,
    bonusFen: Number(r.bonus_fen),
    active: r.active,
    createdBy: r.created_by,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

const defaultOp = (m: KpiMetric): 'gte' | 'lte' => (LOWER_IS_BETTER.has(m) ? 'lte' : 'gte');

export function checkMetric(metric: string, field = 'metric'): KpiMetric {
  if (!(KPI_METRICS as readonly string[]).includes(metric))
    throw invalid('staff.unknown_metric', `Unknown metric: ${metric}`, [{ path: field, message: `must be one of ${KPI_METRICS.join(', ')}` }]);
  return metric as KpiMetric;
}

/** Rows with a value for the metric, best first (ties share a rank; then by key for a stable order). */
function rank(rows: KpiRow[], metric: KpiMetric): LeaderboardEntry[] {
  const asc = LOWER_IS_BETTER.has(metric);
  const withValue = rows.filter((r) => r[metric] !== null).map((r) => ({ r, v: r[metric] as number }));
  withValue.sort((a, b) => (asc ? a.v - b.v : b.v - a.v) || ((a.r.username ?? a.r.key) < (b.r.username ?? b.r.key) ? -1 : 1));
  let prev: number | undefined;
  let rankNo = 0;
  return withValue.map(({ r, v }, i) => {
    if (v !== prev) rankNo = i + 1;
    prev = v;
    return { rank: rankNo, key: r.key, staffId: r.staffId, username: r.username, displayName: r.displayName, storeCode: r.storeCode, value: v };
  });
}

function row(id: Pick<KpiRow, 'key' | 'staffId' | 'username' | 'displayName' | 'storeCode'>, maps: Counts[]): KpiRow {
  const [sales, enrol, book, surveys, coupons, tickets, tasks] = maps.map((m) => m.get(id.key) ?? {}) as Array<Record<string, unknown>>;
  const buyers = num(book!.buyers);
  const repeat = num(book!.repeat);
  const assigned = num(book!.assigned);
  const referrers = num(book!.referrers);
  const nCsat = num(surveys!.n_csat);
  const sat = num(surveys!.sat);
  const nNps = num(surveys!.n_nps);
  const nTickets = num(tickets!.tickets);
  const resolved = num(tickets!.resolved);
  const due = num(tasks!.due);
  const done = num(tasks!.done);
  const csat = pct(sat, nCsat);
  const nps = nNps === 0 ? null : Math.round((1000 * (num(surveys!.promoters) - num(surveys!.detractors))) / nNps) / 10;
  const firstResponse = numOrNull(tickets!.first_response);
  const resolutionHours = numOrNull(tickets!.resolution_hours);
  const resolutionRate = pct(resolved, nTickets);
  return {
    ...id,
    customersServed: num(sales!.served),
    orders: num(sales!.orders),
    netSalesFen: num(sales!.net),
    memberEnrolments: num(enrol!.enrolments),
    assignedCustomers: assigned,
    buyers,
    repeatBuyers: repeat,
    repurchaseRate: pct(repeat, buyers),
    referrers,
    referralRate: pct(referrers, assigned),
    csatResponses: nCsat,
    csatSatisfied: sat,
    csat,
    npsResponses: nNps,
    nps,
    couponRedemptions: num(coupons!.redeemed),
    tickets: nTickets,
    firstResponseSeconds: firstResponse === null ? null : Math.round(firstResponse * 10) / 10,
    resolvedTickets: resolved,
    resolutionRate,
    resolutionHours: resolutionHours === null ? null : Math.round(resolutionHours * 10) / 10,
    tasksDue: due,
    tasksDone: done,
    taskCompletionRate: pct(done, due),
    targets: { csat: judge('csat', csat), firstResponseSeconds: judge('firstResponseSeconds', firstResponse), resolutionRate: judge('resolutionRate', resolutionRate) },
  };
}
