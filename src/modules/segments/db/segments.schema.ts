import { bigint, boolean, date, doublePrecision, index, integer, jsonb, pgSchema, primaryKey, smallint, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export const segmentsSchema = pgSchema('segments');

/**
 * A segment: a named audience. `kind` says how membership is decided:
 * - 'rule'    — `definition` is a rule tree (AND / OR / NOT over profile, tags, consent, tier,
 *               points, RFM, purchases, behaviour events, predictions), compiled to one SQL query;
 * - 'static'  — an uploaded list of ids or phones; members are written once, never recomputed;
 * - 'rfm'     — `definition` = {class} or {segment}: the customers the latest RFM run put there;
 * - 'value'   — `definition` = {quadrant}: a value-matrix quadrant;
 * - 'cluster' — `definition` = {runId, cluster}: a k-means cluster of a saved clustering run.
 * Membership is kept current on a schedule and, for rule segments, incrementally on the events
 * that matter; entries and exits are published as segments.customer.entered / exited.
 */
export const segments = segmentsSchema.table(
  'segments',
  {
    id: uuid('id').primaryKey(),
    code: text('code').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    kind: text('kind').notNull(),
    definition: jsonb('definition').notNull(),
    /** Recommended care (product.md §2): {key, channels, actions}; shown in the console, used by journeys. */
    treatment: jsonb('treatment'),
    active: boolean('active').notNull().default(true),
    size: integer('size').notNull().default(0),
    refreshedAt: timestamp('refreshed_at', { withTimezone: true }),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('segments_code_uq').on(t.code), index('segments_kind_idx').on(t.kind)],
);

/** Current members of a segment, with the time they entered. An exit deletes the row (the log keeps it). */
export const members = segmentsSchema.table(
  'members',
  {
    segmentId: uuid('segment_id').notNull(),
    customerId: uuid('customer_id').notNull(),
    enteredAt: timestamp('entered_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.segmentId, t.customerId] }), index('members_customer_idx').on(t.customerId)],
);

/** Every entry and exit: one row per stay; exited_at is null while the customer is still a member. */
export const membershipLog = segmentsSchema.table(
  'membership_log',
  {
    segmentId: uuid('segment_id').notNull(),
    customerId: uuid('customer_id').notNull(),
    enteredAt: timestamp('entered_at', { withTimezone: true }).notNull(),
    exitedAt: timestamp('exited_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.segmentId, t.customerId, t.enteredAt] }),
    index('membership_log_customer_idx').on(t.customerId, t.enteredAt),
  ],
);

/** Size of each segment after each refresh (size over time in the console). */
export const sizeHistory = segmentsSchema.table(
  'size_history',
  {
    segmentId: uuid('segment_id').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    size: integer('size').notNull(),
    entered: integer('entered').notNull().default(0),
    exited: integer('exited').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.segmentId, t.at] })],
);

/**
 * The latest RFM scores per customer (one row each), as of `as_of` over a window, written by an RFM
 * run; rule segments, the value matrix and the console read them. Recency in days, monetary in fen.
 */
export const rfmScores = segmentsSchema.table(
  'rfm_scores',
  {
    customerId: uuid('customer_id').primaryKey(),
    asOf: date('as_of').notNull(),
    recencyDays: integer('recency_days').notNull(),
    frequency: integer('frequency').notNull(),
    monetaryFen: bigint('monetary_fen', { mode: 'number' }).notNull(),
    r: smallint('r').notNull(),
    f: smallint('f').notNull(),
    m: smallint('m').notNull(),
    /** high_value | potential | general | low_value (the seeds' four classes). */
    valueClass: text('value_class').notNull(),
    /** champions | loyal | potential_loyalists | new | promising | need_attention | about_to_sleep | at_risk | cant_lose | hibernating | lost */
    segment: text('segment').notNull(),
    /** Value matrix: current value (revenue so far, fen) × potential value → strategic | growth | basic | marginal. */
    currentValueFen: bigint('current_value_fen', { mode: 'number' }),
    potentialValueFen: bigint('potential_value_fen', { mode: 'number' }),
    valueQuadrant: text('value_quadrant'),
    computedAt: timestamp('computed_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('rfm_scores_segment_idx').on(t.segment), index('rfm_scores_class_idx').on(t.valueClass), index('rfm_scores_rf_idx').on(t.r, t.f)],
);

/** One RFM run: parameters and the thresholds it used (quintile cut points or fixed), for the record. */
export const rfmRuns = segmentsSchema.table('rfm_runs', {
  id: uuid('id').primaryKey(),
  asOf: date('as_of').notNull(),
  windowDays: integer('window_days'),
  method: text('method').notNull(), // quintiles | thresholds
  thresholds: jsonb('thresholds').notNull(),
  customers: integer('customers').notNull(),
  seconds: doublePrecision('seconds'),
  createdBy: text('created_by').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** A k-means run: features, standardisation, k (chosen or by silhouette), seed, centroids and their names. */
export const clusterRuns = segmentsSchema.table('cluster_runs', {
  id: uuid('id').primaryKey(),
  asOf: date('as_of').notNull(),
  k: integer('k').notNull(),
  seed: integer('seed').notNull(),
  features: jsonb('features').notNull(),
  /** [{cluster, name, size, centroid: {feature: value}, distinguishing: [...], silhouette}] */
  clusters: jsonb('clusters').notNull(),
  silhouette: doublePrecision('silhouette'),
  createdBy: text('created_by').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const clusterAssignments = segmentsSchema.table(
  'cluster_assignments',
  {
    runId: uuid('run_id').notNull(),
    customerId: uuid('customer_id').notNull(),
    cluster: smallint('cluster').notNull(),
    features: jsonb('features'),
  },
  (t) => [primaryKey({ columns: [t.runId, t.customerId] }), index('cluster_assignments_cluster_idx').on(t.runId, t.cluster)],
);
