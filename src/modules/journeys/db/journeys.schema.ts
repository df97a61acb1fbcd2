import { sql } from 'drizzle-orm';
import { bigint, check, index, integer, jsonb, pgSchema, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export const journeysSchema = pgSchema('journeys');

/**
 * A lifecycle journey (or a one-off campaign: a journey whose trigger is a schedule over an audience). What it does is
 * in its versions; `current_version` is the one new entrants follow, and people already inside finish the version they
 * entered. A stable random share (`holdout_percent`, sha256 of journey id + customer id) enters but is never treated,
 * so the goal's conversion and revenue can be compared. Re-entry: never | after_exit | cooldown (`reentry_days`).
 */
export const journeys = journeysSchema.table(
  'journeys',
  {
    id: uuid('id').primaryKey(),
    code: text('code').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    kind: text('kind').notNull().default('journey'), // journey | campaign
    status: text('status').notNull().default('draft'), // draft | active | paused | archived
    currentVersion: integer('current_version').notNull().default(1),
    holdoutPercent: integer('holdout_percent').notNull().default(10),
    reentry: text('reentry').notNull().default('never'),
    reentryDays: integer('reentry_days'),
    /** The ready-made journey this was made from (welcome, second_purchase, win_back…), if any. */
    blueprint: text('blueprint'),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('journeys_code_uq').on(t.code), check('journeys_holdout_ck', sql`${t.holdoutPercent} between 0 and 90`)],
);

/** A journey's definition at one version: trigger, steps (a graph of step ids), goal — validated by the module's zod schema. */
export const versions = journeysSchema.table(
  'versions',
  {
    journeyId: uuid('journey_id').notNull(),
    version: integer('version').notNull(),
    definition: jsonb('definition').notNull(),
    note: text('note'),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    publishedAt: timestamp('published_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.journeyId, t.version] })],
);

/**
 * One person's pass through a journey. The runner claims rows whose `next_run_at` has come (status active, SKIP LOCKED)
 * and runs their current step for the whole group at once. `entry_key` makes entry idempotent (the triggering event's
 * id, the date for date triggers, the run for schedules). Holdout entrants have `holdout` set and status held_out:
 * they take no step but their goal is still tracked until `goal_until`.
 * Statuses: active → completed | exited | converted | failed; held_out → converted | completed (window over).
 */
export const enrollments = journeysSchema.table(
  'enrollments',
  {
    id: uuid('id').notNull(),
    journeyId: uuid('journey_id').notNull(),
    version: integer('version').notNull(),
    customerId: uuid('customer_id').notNull(),
    entryKey: text('entry_key').notNull(),
    holdout: integer('holdout').notNull().default(0), // 0 | 1 (an integer sums into counts without a cast)
    status: text('status').notNull().default('active'),
    currentStep: text('current_step'),
    /** How many steps this enrollment has run: with the step id, the idempotency key of what a step does. */
    stepSeq: integer('step_seq').notNull().default(0),
    nextRunAt: timestamp('next_run_at', { withTimezone: true }),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    enteredAt: timestamp('entered_at', { withTimezone: true }).notNull(),
    goalUntil: timestamp('goal_until', { withTimezone: true }),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    endReason: text('end_reason'),
    convertedAt: timestamp('converted_at', { withTimezone: true }),
    conversionOrderId: uuid('conversion_order_id'),
    /** Revenue from the goal window's orders (fen), summed when the window closes or on conversion. */
    revenueFen: bigint('revenue_fen', { mode: 'number' }).notNull().default(0),
    /** What the trigger knew (the order, the segment, the tier…), for templates and branches. */
    context: jsonb('context').notNull().default({}),
  },
  (t) => [
    // Keyed by customer first: distributable by customer_id on Citus (docs/adr/0014-citus-distribution.md).
    primaryKey({ columns: [t.customerId, t.id] }),
    index('enrollments_id_idx').on(t.id),
    uniqueIndex('enrollments_entry_uq').on(t.journeyId, t.customerId, t.entryKey),
    // At most one live pass per person per journey.
    uniqueIndex('enrollments_live_uq').on(t.journeyId, t.customerId).where(sql`${t.status} in ('active', 'held_out')`),
    index('enrollments_due_idx').on(t.nextRunAt).where(sql`${t.status} = 'active'`),
    index('enrollments_customer_idx').on(t.customerId, t.status),
    index('enrollments_journey_idx').on(t.journeyId, t.status, t.currentStep),
    index('enrollments_goal_idx').on(t.goalUntil).where(sql`${t.status} in ('active', 'held_out', 'completed', 'exited') and ${t.convertedAt} is null`),
    check('enrollments_holdout_ck', sql`${t.holdout} in (0, 1)`),
  ],
);

/**
 * What each step did for each enrollment (entered, waited, branch taken, message planned, coupon issued…): the stats and
 * the person's history. `customer_id` is the enrollment's (written with every row), so the rows live with their customer
 * on Citus (docs/adr/0014-citus-distribution.md).
 */
export const stepRuns = journeysSchema.table(
  'step_runs',
  {
    customerId: uuid('customer_id').notNull(),
    enrollmentId: uuid('enrollment_id').notNull(),
    seq: integer('seq').notNull(),
    stepId: text('step_id').notNull(),
    journeyId: uuid('journey_id').notNull(),
    outcome: text('outcome').notNull(), // done | branch:<id> | skipped | failed | exited
    detail: jsonb('detail').notNull().default({}),
    ranAt: timestamp('ran_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    // Keyed by customer first: distributable by customer_id on Citus (docs/adr/0014-citus-distribution.md).
    primaryKey({ columns: [t.customerId, t.enrollmentId, t.seq] }),
    index('step_runs_enrollment_idx').on(t.enrollmentId, t.seq),
    index('step_runs_journey_idx').on(t.journeyId, t.stepId),
  ],
);

/** Where the date, inactivity and schedule triggers' scans got to, per journey (the next scan starts after it). */
export const triggerState = journeysSchema.table('trigger_state', {
  journeyId: uuid('journey_id').primaryKey(),
  lastScanAt: timestamp('last_scan_at', { withTimezone: true }),
  lastScanDate: text('last_scan_date'),
  runs: integer('runs').notNull().default(0),
  detail: jsonb('detail').notNull().default({}),
});
