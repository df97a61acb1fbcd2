import { bigint, date, doublePrecision, index, integer, jsonb, pgSchema, text, timestamp, uuid } from 'drizzle-orm/pg-core';

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
