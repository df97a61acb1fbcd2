import { sql } from 'drizzle-orm';
import { query, queryOne, type Db } from '../../../platform/db/database.js';
import { invalid, notFound } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import { fitBgnbd } from '../clv/bgnbd.js';
import { pAlive } from '../clv/predict.js';
import { customerSummarySql } from '../predictions/summary.sql.js';
import { churnFeaturesSql } from './features.sql.js';
import { contributions, fitLogistic, predict, type LogisticModel } from './logistic.js';
import { evaluate, type Evaluation } from './metrics.js';

/** The model's inputs, in this order; keys are the API's, labels what the console and CLI show. */
export const CHURN_FEATURES = [
  'recency_days',
  'orders_90d',
  'orders_365d',
  'net_spend_365d',
  'trend_90d',
  'mean_gap_days',
  'overdue_ratio',
  'one_time_buyer',
  'return_share',
  'events_30d',
  'events_90d',
  'tenure_days',
] as const;
export type ChurnFeature = (typeof CHURN_FEATURES)[number];

export const CHURN_FEATURE_LABELS: Record<ChurnFeature, { en: string; 'zh-CN': string }> = {
  recency_days: { en: 'Days since the last order', 'zh-CN': '距上次购买天数' },
  orders_90d: { en: 'Orders in the last 90 days', 'zh-CN': '近 90 天订单数' },
  orders_365d: { en: 'Orders in the last 365 days', 'zh-CN': '近 365 天订单数' },
  net_spend_365d: { en: 'Net spend in the last 365 days (yuan)', 'zh-CN': '近 365 天净消费（元）' },
  trend_90d: { en: 'Orders in the last 90 days minus the 90 days before', 'zh-CN': '近 90 天订单数较前 90 天变化' },
  mean_gap_days: { en: 'Mean days between purchases', 'zh-CN': '平均购买间隔天数' },
  overdue_ratio: { en: 'Days since the last order ÷ mean gap', 'zh-CN': '距上次购买天数 ÷ 平均间隔' },
  one_time_buyer: { en: 'Bought on one day only', 'zh-CN': '仅购买过一天' },
  return_share: { en: 'Share of the last 365 days’ spend refunded', 'zh-CN': '近 365 天退款占比' },
  events_30d: { en: 'Behaviour events in the last 30 days', 'zh-CN': '近 30 天互动事件数' },
  events_90d: { en: 'Behaviour events in the last 90 days', 'zh-CN': '近 90 天互动事件数' },
  tenure_days: { en: 'Days since the first order', 'zh-CN': '首次购买至今天数' },
};

/** L2 penalty on the standardised coefficients: a light shrinkage that keeps correlated features (orders 90/365 days) stable. */
export const CHURN_LAMBDA = 1;
export const CHURN_TOP_FACTORS = 3;
const MIN_CUSTOMERS = 20;
const MIN_PER_CLASS = 5;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export interface ChurnModelInput {
  /** Scoring date, a business date (default: the day of the latest order). */
  asOf?: string | undefined;
  /** Churn = no order in this many days after a cutoff (default 90). */
  horizonDays?: number | undefined;
}

export interface ChurnFactor {
  feature: ChurnFeature;
  /** The customer's value of the feature (imputed features show the imputed value). */
  value: number;
  /** Its push on the log-odds of churning relative to an average customer: coefficient × standardised value. */
  contribution: number;
}

export interface ChurnModelRun {
  id: string;
  asOf: string;
  horizonDays: number;
  lambda: number;
  /** The model that scored the customers: trained at asOf − horizon with the labels up to asOf. */
  model: ModelSummary;
  evaluation: {
    /** Trained at trainCutoff (labels up to testCutoff), tested at testCutoff (labels up to asOf). */
    trainCutoff: string;
    testCutoff: string;
    train: { customers: number; churners: number };
    model: Evaluation & { coefficients: ModelSummary };
    /** BG/NBD fitted on the purchases up to testCutoff, scored 1 − P(alive), on the same customers; null when it cannot be fitted. */
    baseline: (Evaluation & { params: Record<string, number> }) | null;
  };
  customers: number;
  seconds: number | null;
  createdBy: string;
  createdAt: string;
}

export interface ModelSummary {
  intercept: number;
  features: Array<{ feature: ChurnFeature; coefficient: number; mean: number; sd: number; impute: number | null }>;
}

export interface ChurnExplanation {
  customerId: string;
  runId: string;
  asOf: string;
  horizonDays: number;
  probability: number;
  factors: Array<ChurnFactor & { label: { en: string; 'zh-CN': string } }>;
}

interface FeatureRow {
  customer_id: string;
  recency_days: number;
  tenure_days: number;
  purchase_days: number;
  orders_90d: number;
  orders_prev_90d: number;
  orders_365d: number;
  paid_365d_fen: number;
  refunded_365d_fen: number;
  mean_gap_days: number | null;
  events_30d: number;
  events_90d: number;
  churned: boolean | null;
}

/** The gap features of one-time buyers (who have no gap) take the training repeat buyers' mean; one_time_buyer flags them. */
interface Imputation {
  meanGap: number;
  overdue: number;
}

/**
 * A supervised churn model: L2 logistic regression on RFM, trend, gap, returns and engagement features computed in SQL
 * as of a cutoff, labelled by whether the customer ordered in the following `horizonDays`. Each run
 * - evaluates out of time: trains at T1 = asOf − 2h (labels in (T1, T2]) and tests at T2 = asOf − h (labels in (T2, asOf]),
 *   against BG/NBD's 1 − P(alive) fitted as of T2 on the same customers (AUC, Brier, calibration bins);
 * - re-trains at T2 (the most recent labels) and scores every customer with an order by asOf, storing the probability
 *   and the three features that push it up the most (insights.churn_scores, replaced by each run).
 */
export class ChurnModelService {
  private trained: ((run: ChurnModelRun) => Promise<unknown>) | undefined;

  constructor(
    private readonly db: Db,
    private readonly deps: { timeZone: string },
  ) {}

  /** Called after each run's transaction: the app refreshes the segments whose rules read predictions (model churn_model). */
  onTrained(hook: (run: ChurnModelRun) => Promise<unknown>): void {
    this.trained = hook;
  }

  async train(input: ChurnModelInput, actor: string): Promise<ChurnModelRun> {
    const horizonDays = input.horizonDays ?? 90;
    if (!Number.isInteger(horizonDays) || horizonDays < 7 || horizonDays > 365)
      throw invalid('insights.invalid_horizon', 'horizonDays must be a whole number of days from 7 to 365', [{ path: 'horizonDays', message: '7–365 days' }]);
    const asOf = input.asOf ?? (await this.latestOrderDay());
    if (!asOf) throw invalid('insights.no_orders', 'No orders yet: there is nothing to train a churn model on', []);
    if (!isDate(asOf)) throw invalid('insights.invalid_as_of', 'asOf must be a date YYYY-MM-DD', [{ path: 'asOf', message: 'a date YYYY-MM-DD' }]);
    const started = performance.now();
    const testCutoff = addDays(asOf, -horizonDays);
    const trainCutoff = addDays(asOf, -2 * horizonDays);

    const trainRows = await this.features(trainCutoff, horizonDays);
    const testRows = await this.features(testCutoff, horizonDays);
    enough(trainRows, trainCutoff, horizonDays);
    enough(testRows, testCutoff, horizonDays);

    const trainImpute = imputation(trainRows);
    const evalModel = fitLogistic(
      trainRows.map((r) => vector(r, trainImpute)),
      trainRows.map(label),
      { lambda: CHURN_LAMBDA },
    );
    const y = testRows.map(label);
    const modelEval = evaluate(
      testRows.map((r) => predict(evalModel, vector(r, trainImpute))),
      y,
    );
    const baseline = await this.baseline(testCutoff, testRows, y);

    const scoreImpute = imputation(testRows);
    const scorer = fitLogistic(
      testRows.map((r) => vector(r, scoreImpute)),
      y,
      { lambda: CHURN_LAMBDA },
    );
    const scored = (await this.features(asOf)).map((r) => {
      const x = vector(r, scoreImpute);
      return { c: r.customer_id, p: predict(scorer, x), f: topFactors(scorer, x) };
    });

    const id = newId();
    const run: Omit<ChurnModelRun, 'id' | 'createdAt' | 'createdBy' | 'seconds'> = {
      asOf,
      horizonDays,
      lambda: CHURN_LAMBDA,
      model: summary(scorer, scoreImpute),
      evaluation: {
        trainCutoff,
        testCutoff,
        train: { customers: trainRows.length, churners: trainRows.filter((r) => r.churned).length },
        model: { ...modelEval, coefficients: summary(evalModel, trainImpute) },
        baseline,
      },
      customers: scored.length,
    };
    await this.db.transaction(async (tx) => {
      await tx.execute(sql`truncate insights.churn_scores`);
      await tx.execute(sql`
        insert into insights.churn_scores (customer_id, run_id, probability, top_factors, updated_at)
        select t.c, ${id}, t.p, t.f, now() from json_to_recordset(${JSON.stringify(scored)}::json) as t(c uuid, p float8, f jsonb)`);
      await tx.execute(sql`
        insert into insights.churn_model_runs (id, as_of, horizon_days, train_cutoff, test_cutoff, lambda, model, evaluation, customers, seconds, created_by)
        values (${id}, ${asOf}::date, ${horizonDays}, ${trainCutoff}::date, ${testCutoff}::date, ${CHURN_LAMBDA}, ${JSON.stringify(run.model)}::jsonb,
                ${JSON.stringify(run.evaluation)}::jsonb, ${scored.length}, ${(performance.now() - started) / 1000}, ${actor})`);
    });
    const stored = (await this.run(id))!;
    await this.trained?.(stored);
    return stored;
  }

  async latestRun(): Promise<ChurnModelRun | undefined> {
    const row = await queryOne<{ id: string }>(this.db, sql`select id from insights.churn_model_runs order by created_at desc, id desc limit 1`);
    return row ? this.run(row.id) : undefined;
  }

  async run(id: string): Promise<ChurnModelRun | undefined> {
    const r = await queryOne<Record<string, unknown>>(
      this.db,
      sql`select id, as_of::text as as_of, horizon_days, lambda, model, evaluation, customers, seconds, created_by, created_at
          from insights.churn_model_runs where id = ${id}`,
    );
    if (!r) return undefined;
    return {
      id: String(r.id),
      asOf: String(r.as_of),
      horizonDays: Number(r.horizon_days),
      lambda: Number(r.lambda),
      model: r.model as ModelSummary,
      evaluation: r.evaluation as ChurnModelRun['evaluation'],
      customers: Number(r.customers),
      seconds: r.seconds === null ? null : Number(r.seconds),
      createdBy: String(r.created_by),
      createdAt: new Date(r.created_at as string).toISOString(),
    };
  }

  /** A customer's churn probability from the latest run and the features that push it up the most. */
  async explanation(customerId: string): Promise<ChurnExplanation> {
    const run = await this.latestRun();
    if (!run) throw notFound('insights.no_churn_model_run', 'No churn model yet: run POST /api/v1/insights/churn-model/runs first');
    const r = await queryOne<{ probability: number; top_factors: ChurnFactor[] }>(
      this.db,
      sql`select probability, top_factors from insights.churn_scores where customer_id = ${customerId}`,
    );
    if (!r) throw notFound('insights.no_churn_score', `No churn score for customer ${customerId}: no order by ${run.asOf}`);
    return {
      customerId,
      runId: run.id,
      asOf: run.asOf,
      horizonDays: run.horizonDays,
      probability: Number(r.probability),
      factors: r.top_factors.map((f) => ({ ...f, label: CHURN_FEATURE_LABELS[f.feature] })),
    };
  }

  private async features(cutoff: string, horizonDays?: number): Promise<FeatureRow[]> {
    return query<FeatureRow>(this.db, churnFeaturesSql(cutoff, this.deps.timeZone, horizonDays));
  }

  /** BG/NBD (weeks) on the purchases up to the test cutoff, each test customer scored 1 − P(alive). */
  private async baseline(cutoff: string, rows: FeatureRow[], y: number[]): Promise<ChurnModelRun['evaluation']['baseline']> {
    const summary = await query<{ customer_id: string; x: number; tx_days: number; t_days: number }>(
      this.db,
      sql`select customer_id, x, tx_days, t_days from (${customerSummarySql(cutoff, this.deps.timeZone)}) s`,
    );
    if (summary.length < 10 || summary.filter((s) => s.x > 0).length < 2) return null;
    const triples = new Map<string, { x: number; tx: number; T: number; n: number }>();
    for (const s of summary) {
      const key = `${s.x}:${s.tx_days}:${s.t_days}`;
      const t = triples.get(key) ?? { x: s.x, tx: s.tx_days / 7, T: s.t_days / 7, n: 0 };
      t.n++;
      triples.set(key, t);
    }
    // In one order whatever order the database returned the rows in: the optimiser's sums then do not depend on it.
    const list = [...triples.values()].sort((a, b) => a.x - b.x || a.tx - b.tx || a.T - b.T);
    const fit = fitBgnbd({
      x: Float64Array.from(list, (t) => t.x),
      tx: Float64Array.from(list, (t) => t.tx),
      T: Float64Array.from(list, (t) => t.T),
      weight: Float64Array.from(list, (t) => t.n),
    });
    const fitted = { kind: 'bgnbd' as const, p: fit.p };
    const score = new Map(summary.map((s) => [s.customer_id, 1 - pAlive(fitted, s.x, s.tx_days / 7, s.t_days / 7)]));
    // The same customers by construction (an order by the cutoff that is not cancelled); one missing would be a bug.
    const p = rows.map((r) => score.get(r.customer_id)!);
    return { ...evaluate(p, y), params: { ...fit.p } };
  }

  private async latestOrderDay(): Promise<string | undefined> {
    const row = await queryOne<{ d: string | null }>(
      this.db,
      sql`select to_char(max(placed_at) at time zone ${this.deps.timeZone}, 'YYYY-MM-DD') as d from orders.order_facts where status <> 'cancelled'`,
    );
    return row?.d ?? undefined;
  }
}

const label = (r: FeatureRow) => (r.churned ? 1 : 0);

function enough(rows: FeatureRow[], cutoff: string, horizonDays: number): void {
  const churners = rows.filter((r) => r.churned).length;
  if (rows.length < MIN_CUSTOMERS || churners < MIN_PER_CLASS || rows.length - churners < MIN_PER_CLASS)
    throw invalid(
      'insights.churn_too_little_data',
      `${rows.length} customer(s) with an order by ${cutoff}, ${churners} of them without an order in the ${horizonDays} days after: ` +
        `a churn model needs at least ${MIN_CUSTOMERS} customers and ${MIN_PER_CLASS} who churned and ${MIN_PER_CLASS} who did not`,
      [{ path: 'asOf', message: `too little history before ${cutoff} (the model trains ${horizonDays * 2} days before asOf)` }],
    );
}

function imputation(rows: FeatureRow[]): Imputation {
  const repeat = rows.filter((r) => r.mean_gap_days !== null);
  if (repeat.length === 0) return { meanGap: 0, overdue: 0 };
  return {
    meanGap: repeat.reduce((s, r) => s + r.mean_gap_days!, 0) / repeat.length,
    overdue: repeat.reduce((s, r) => s + r.recency_days / r.mean_gap_days!, 0) / repeat.length,
  };
}

/** The customer's features in CHURN_FEATURES order. */
function vector(r: FeatureRow, impute: Imputation): number[] {
  const paid = Number(r.paid_365d_fen);
  const refunded = Number(r.refunded_365d_fen);
  return [
    r.recency_days,
    r.orders_90d,
    r.orders_365d,
    (paid - refunded) / 100,
    r.orders_90d - r.orders_prev_90d,
    r.mean_gap_days ?? impute.meanGap,
    r.mean_gap_days === null ? impute.overdue : r.recency_days / r.mean_gap_days,
    r.purchase_days === 1 ? 1 : 0,
    paid > 0 ? Math.min(refunded / paid, 1) : 0,
    r.events_30d,
    r.events_90d,
    r.tenure_days,
  ];
}

function topFactors(model: LogisticModel, x: number[]): ChurnFactor[] {
  return contributions(model, x)
    .map((contribution, j) => ({ feature: CHURN_FEATURES[j]!, value: x[j]!, contribution }))
    .filter((f) => f.contribution > 0)
    .sort((a, b) => b.contribution - a.contribution || CHURN_FEATURES.indexOf(a.feature) - CHURN_FEATURES.indexOf(b.feature))
    .slice(0, CHURN_TOP_FACTORS);
}

function summary(m: LogisticModel, impute: Imputation): ModelSummary {
  return {
    intercept: m.intercept,
    features: CHURN_FEATURES.map((feature, j) => ({
      feature,
      coefficient: m.coefficients[j]!,
      mean: m.means[j]!,
      sd: m.sds[j]!,
      impute: feature === 'mean_gap_days' ? impute.meanGap : feature === 'overdue_ratio' ? impute.overdue : null,
    })),
  };
}

function isDate(d: string): boolean {
  return DATE.test(d) && !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) === d;
}

function addDays(d: string, days: number): string {
  return new Date(Date.parse(`${d}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
