import { bigint, date, doublePrecision, index, integer, jsonb, pgSchema, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export const insightsSchema = pgSchema('insights');

/**
 * A fit of the purchase-frequency model (BG/NBD or Pareto/NBD) and the Gamma-Gamma spend model on the orders up to
 * `as_of` (the calibration end, a business date), with what it was asked to predict (horizon, discount rate).
 * `params` = {frequency: {r, alpha, a, b} | {r, alpha, s, beta}, spend: {p, q, gamma} | null}; `standard_errors` the
 * same shape; log-likelihoods of both models. The predictions it wrote are in customer_predictions.
 */
export const clvRuns = insightsSchema.table(
  'clv_runs',
  {
    id: uuid('id').primaryKey(),
    model: text('model').notNull(),
    asOf: date('as_of').notNull(),
    /** Days per model period (7: weeks, as Fader and Hardie; 1: days). */
    periodDays: integer('period_days').notNull(),
    horizonDays: integer('horizon_days').notNull(),
    /** Yearly discount rate for CLV (0.1 = 10 % a year). */
    discountRate: doublePrecision('discount_rate').notNull(),
    params: jsonb('params').notNull(),
    standardErrors: jsonb('standard_errors').notNull(),
    logLik: doublePrecision('log_lik').notNull(),
    spendLogLik: doublePrecision('spend_log_lik'),
    customers: integer('customers').notNull(),
    repeatBuyers: integer('repeat_buyers').notNull(),
    seconds: doublePrecision('seconds'),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('clv_runs_created_idx').on(t.createdAt)],
);

/**
 * The latest run's prediction for every customer who had bought by its as-of date (one row per customer, replaced by
 * each run). Periods are the run's periods; money in fen. `churn_risk`: high when p_alive < 0.3, medium < 0.6, else low.
 */
export const customerPredictions = insightsSchema.table(
  'customer_predictions',
  {
    customerId: uuid('customer_id').primaryKey(),
    runId: uuid('run_id').notNull(),
    /** Repeat purchase days (x), the last one's time since the first (t_x) and the time since the first (T). */
    frequency: integer('frequency').notNull(),
    recency: doublePrecision('recency').notNull(),
    age: doublePrecision('age').notNull(),
    pAlive: doublePrecision('p_alive').notNull(),
    /** Expected purchases in the run's horizon. */
    expectedPurchases: doublePrecision('expected_purchases').notNull(),
    /** Gamma-Gamma's expected value of a purchase (repeat buyers' own history shrunk to the population's). */
    expectedAvgValueFen: bigint('expected_avg_value_fen', { mode: 'number' }),
    /** Discounted expected purchases × expected value over the horizon. */
    clvFen: bigint('clv_fen', { mode: 'number' }),
    /** Days until one more purchase is expected (E[X(t)] = 1); null when that is not within 10 years. */
    expectedDaysToNext: doublePrecision('expected_days_to_next'),
    churnRisk: text('churn_risk').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('customer_predictions_p_alive_idx').on(t.pAlive), index('customer_predictions_clv_idx').on(t.clvFen)],
);

/**
 * A repurchase-cycle run: the cycles computed as of `as_of` (a business date) at a category level, and the rhythm
 * changes it raised. `params` = {slowFactor, slowMinDays, stopFactor, speedFactor, stageWindowDays, stages} — what the
 * nightly run repeats. Code: src/modules/insights/cycles/.
 */
export const cycleRuns = insightsSchema.table(
  'cycle_runs',
  {
    id: uuid('id').primaryKey(),
    asOf: date('as_of').notNull(),
    /** 'leaf' (the whole category path) or 'top' (its first level). */
    level: text('level').notNull(),
    params: jsonb('params').notNull(),
    /** Customer × category rows stored (2 or more purchase days) and those with a cycle (3 or more). */
    cycles: integer('cycles').notNull(),
    established: integer('established').notNull(),
    changesRaised: integer('changes_raised').notNull(),
    seconds: doublePrecision('seconds'),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('cycle_runs_created_idx').on(t.createdAt)],
);

/**
 * The latest run's repurchase cycle of every customer × category with 2 or more purchase days (replaced by each run).
 * A purchase is a business day with a line of the category in an order that is not cancelled, the line not wholly
 * returned. `median_days` needs 3 purchase days (2 gaps); `change_kind` is the rhythm the run saw (slowing, stopped,
 * speeding) or null.
 */
export const repurchaseCycles = insightsSchema.table(
  'repurchase_cycles',
  {
    customerId: uuid('customer_id').notNull(),
    category: text('category').notNull(),
    runId: uuid('run_id').notNull(),
    purchases: integer('purchases').notNull(),
    firstPurchase: date('first_purchase').notNull(),
    lastPurchase: date('last_purchase').notNull(),
    medianDays: doublePrecision('median_days'),
    latestGapDays: integer('latest_gap_days').notNull(),
    previousGapDays: integer('previous_gap_days'),
    expectedNext: date('expected_next'),
    daysOverdue: integer('days_overdue'),
    changeKind: text('change_kind'),
  },
  (t) => [primaryKey({ columns: [t.customerId, t.category] }), index('repurchase_cycles_category_idx').on(t.category)],
);

/**
 * Every rhythm change raised (insights.rhythm.changed): one per customer × category × kind × anchor day (the last
 * purchase day; for a stage change the day the customer moved up), so a change is raised once, not every night.
 * `category` is the parent category for a stage change, with `from_category` → `to_category`.
 */
export const rhythmChanges = insightsSchema.table(
  'rhythm_changes',
  {
    id: uuid('id').notNull(),
    customerId: uuid('customer_id').notNull(),
    category: text('category').notNull(),
    kind: text('kind').notNull(),
    anchorDay: date('anchor_day').notNull(),
    runId: uuid('run_id').notNull(),
    asOf: date('as_of').notNull(),
    medianDays: doublePrecision('median_days'),
    latestGapDays: integer('latest_gap_days'),
    daysSinceLast: integer('days_since_last').notNull(),
    fromCategory: text('from_category'),
    toCategory: text('to_category'),
    raisedAt: timestamp('raised_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Keyed by customer first: distributable by customer_id on Citus (docs/adr/0014-citus-distribution.md).
    primaryKey({ columns: [t.customerId, t.id] }),
    uniqueIndex('rhythm_changes_key').on(t.customerId, t.category, t.kind, t.anchorDay),
    index('rhythm_changes_raised_idx').on(t.raisedAt),
  ],
);

/**
 * A supervised churn model run (code: src/modules/insights/churn/): logistic regression trained at as_of − horizon on
 * whether each customer ordered in the next `horizon_days`, evaluated out of time (trained at `train_cutoff`, tested at
 * `test_cutoff`) against BG/NBD's 1 − P(alive). `model` = {intercept, features: [{feature, coefficient, mean, sd,
 * impute}]} (the scoring model); `evaluation` = {trainCutoff, testCutoff, train, model: {auc, brier, calibration,
 * coefficients…}, baseline: {auc, brier, calibration, params} | null}.
 */
export const churnModelRuns = insightsSchema.table(
  'churn_model_runs',
  {
    id: uuid('id').primaryKey(),
    asOf: date('as_of').notNull(),
    horizonDays: integer('horizon_days').notNull(),
    trainCutoff: date('train_cutoff').notNull(),
    testCutoff: date('test_cutoff').notNull(),
    lambda: doublePrecision('lambda').notNull(),
    model: jsonb('model').notNull(),
    evaluation: jsonb('evaluation').notNull(),
    customers: integer('customers').notNull(),
    seconds: doublePrecision('seconds'),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('churn_model_runs_created_idx').on(t.createdAt)],
);

/**
 * The latest churn model run's score of every customer with an order by its as-of date (replaced by each run):
 * the probability of no order in the run's horizon and `top_factors` = up to 3 [{feature, value, contribution}] that push
 * it up the most (contribution = coefficient × standardised value, in log-odds).
 */
export const churnScores = insightsSchema.table(
  'churn_scores',
  {
    customerId: uuid('customer_id').primaryKey(),
    runId: uuid('run_id').notNull(),
    probability: doublePrecision('probability').notNull(),
    topFactors: jsonb('top_factors').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('churn_scores_probability_idx').on(t.probability)],
);
