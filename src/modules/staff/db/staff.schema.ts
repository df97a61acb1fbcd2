import { sql } from 'drizzle-orm';
import { bigint, boolean, check, doublePrecision, index, jsonb, pgSchema, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export const staffSchema = pgSchema('staff');

/** Why an assignment was opened. */
export const ASSIGNMENT_REASONS = ['first_purchase', 'rule', 'manual', 'merge'] as const;
export type AssignmentReason = (typeof ASSIGNMENT_REASONS)[number];

/**
 * Which guide looks after a customer, over time: one open row (ended_at null) per customer, closed rows are the history.
 * `staff_id` null = the store's pool (no guide). `staff_id` names access.staff.id (read through SQL, no foreign key across
 * modules).
 */
export const assignments = staffSchema.table(
  'assignments',
  {
    id: uuid('id').notNull(),
    customerId: uuid('customer_id').notNull(),
    staffId: uuid('staff_id'),
    storeCode: text('store_code'),
    reason: text('reason').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    /** `system:first-purchase`, `staff:<id>`, `key:<id>`, `cli:<user>`. */
    actor: text('actor').notNull(),
    /** Why, in the assigner's words (manual reassignments); never shown outside the customer's history. */
    note: text('note'),
  },
  (t) => [
    // Keyed by customer first: distributable by customer_id on Citus (docs/adr/0014-citus-distribution.md).
    primaryKey({ columns: [t.customerId, t.id] }),
    index('assignments_id_idx').on(t.id),
    uniqueIndex('assignments_open_uq').on(t.customerId).where(sql`${t.endedAt} is null`),
    index('assignments_customer_idx').on(t.customerId, t.startedAt),
    index('assignments_staff_open_idx').on(t.staffId).where(sql`${t.endedAt} is null`),
    check('assignments_reason_ck', sql`${t.reason} in ('first_purchase', 'rule', 'manual', 'merge')`),
  ],
);

/** KPIs a reward rule or a leaderboard may use (see the README's KPI table). */
export const KPI_METRICS = [
  'customersServed',
  'orders',
  'netSalesFen',
  'memberEnrolments',
  'repurchaseRate',
  'referralRate',
  'csat',
  'nps',
  'couponRedemptions',
  'firstResponseSeconds',
  'resolutionRate',
  'taskCompletionRate',
] as const;
export type KpiMetric = (typeof KPI_METRICS)[number];

/**
 * A reward rule: a guide whose `metric` over a closed `period` (ISO week or calendar month) is `op` (gte | lte) the
 * `threshold` earns `bonus_fen` (a cash bonus in fen, written to staff.rewards for payroll; guides are not loyalty
 * members). Archived rules (`active` false) are skipped by runs and kept for the ledger's history.
 */
export const rewardRules = staffSchema.table(
  'reward_rules',
  {
    id: uuid('id').primaryKey(),
    code: text('code').notNull(),
    name: text('name').notNull(),
    metric: text('metric').notNull(),
    op: text('op').notNull().default('gte'),
    threshold: doublePrecision('threshold').notNull(),
    period: text('period').notNull(),
    bonusFen: bigint('bonus_fen', { mode: 'number' }).notNull(),
    active: boolean('active').notNull().default(true),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('reward_rules_code_uq').on(t.code),
    check('reward_rules_op_ck', sql`${t.op} in ('gte', 'lte')`),
    check('reward_rules_period_ck', sql`${t.period} in ('week', 'month')`),
    check('reward_rules_bonus_ck', sql`${t.bonusFen} >= 0`),
  ],
);

/**
 * The rewards ledger: one row per (rule, guide, period) — a run repeated awards nothing the second time. `value` is the
 * KPI value that met the rule; `run_by` who ran it (`system:weekly`, `staff:<id>`, `key:<id>`, `cli:<user>`).
 */
export const rewards = staffSchema.table(
  'rewards',
  {
    id: uuid('id').primaryKey(),
    ruleId: uuid('rule_id').notNull(),
    staffId: uuid('staff_id').notNull(),
    storeCode: text('store_code'),
    period: text('period').notNull(),
    metric: text('metric').notNull(),
    value: doublePrecision('value').notNull(),
    bonusFen: bigint('bonus_fen', { mode: 'number' }).notNull(),
    runBy: text('run_by').notNull(),
    awardedAt: timestamp('awarded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('rewards_rule_staff_period_uq').on(t.ruleId, t.staffId, t.period), index('rewards_period_idx').on(t.period, t.staffId)],
);

/** The weekly report kept by the weekly job (and `kemai staff report --save`): the whole brand's KPIs of one ISO week. */
export const reports = staffSchema.table('reports', {
  week: text('week').primaryKey(),
  fromAt: timestamp('from_at', { withTimezone: true }).notNull(),
  toAt: timestamp('to_at', { withTimezone: true }).notNull(),
  body: jsonb('body').notNull(),
  generatedAt: timestamp('generated_at', { withTimezone: true }).notNull().defaultNow(),
});
