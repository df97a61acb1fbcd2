import { sql } from 'drizzle-orm';
import { query, queryOne, type Db } from '../../../platform/db/database.js';
import { AppError, invalid, notFound } from '../../../platform/errors.js';
import { newId } from '../../../platform/ids.js';
import { fitBgnbd } from '../clv/bgnbd.js';
import { fitGammaGamma, GAMMA_GAMMA_NAMES, type GammaGammaParams } from '../clv/gamma-gamma.js';
import { fitParetoNbd } from '../clv/pareto-nbd.js';
import { clvOf, conditionalExpected, daysToNextPurchase, pAlive, type FrequencyModel as Fitted } from '../clv/predict.js';
import type { CustomerSummary } from '../../customers/index.js';
import { addTransaction, aggregateTriples, dayNumber, summarize, type PurchaseLog } from '../clv/summary.js';
import { validate, type ValidationReport } from '../clv/validation.js';
import { customerSummarySql } from './summary.sql.js';

export type FrequencyModel = 'bgnbd' | 'pareto';

export interface ClvFitInput {
  /** Purchase-frequency model: BG/NBD (default) or Pareto/NBD. */
  model?: FrequencyModel | undefined;
  /** Calibration end, a business date (default: the day of the latest order). */
  asOf?: string | undefined;
  /** Model period (default week, as Fader and Hardie). */
  period?: 'week' | 'day' | undefined;
  /** Days predicted (default 365). */
  horizonDays?: number | undefined;
  /** Yearly discount rate for CLV (default 0.1). */
  discountRate?: number | undefined;
}

export interface ClvRun {
  id: string;
  model: FrequencyModel;
  asOf: string;
  period: 'week' | 'day';
  horizonDays: number;
  discountRate: number;
  params: { frequency: Record<string, number>; spend: Record<string, number> | null };
  standardErrors: { frequency: Record<string, number | null>; spend: Record<string, number | null> | null };
  logLik: number;
  spendLogLik: number | null;
  customers: number;
  repeatBuyers: number;
  seconds: number | null;
  createdBy: string;
  createdAt: string;
}

export interface CustomerPrediction {
  customerId: string;
  runId: string;
  asOf: string;
  period: 'week' | 'day';
  horizonDays: number;
  frequency: number;
  recency: number;
  age: number;
  pAlive: number;
  expectedPurchases: number;
  expectedAvgValueFen: number | null;
  clvFen: number | null;
  expectedDaysToNext: number | null;
  churnRisk: ChurnRisk;
}

export type ChurnRisk = 'high' | 'medium' | 'low';
/** P(alive) below these: high, then medium churn risk. */
export const CHURN_BANDS = { high: 0.3, medium: 0.6 } as const;
/** Expected days to the next purchase are searched this far ahead (clv/predict.ts); beyond it they are null. */
export const NEXT_PURCHASE_MAX_DAYS = 3650;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Customer-base predictions from the orders: fits a buy-till-you-die model (BG/NBD or Pareto/NBD) and the Gamma-Gamma
 * spend model on every customer's history up to a calibration date, and stores for each customer P(alive), expected
 * purchases and CLV over a horizon, expected value per purchase, days to the next purchase and a churn-risk band
 * (insights.customer_predictions, read by segments and journeys through insights.prediction_facts).
 *
 * Set-based: the customers' (x, t_x, T) triples are counted in SQL, the models fitted on the distinct triples with
 * their counts as weights (the likelihood is a sum over customers), predictions computed once per distinct triple,
 * and written for every customer by one INSERT … SELECT joining them back, Gamma-Gamma's conditional mean in SQL.
 */
export class PredictionsService {
  private fitted: ((run: ClvRun) => Promise<unknown>) | undefined;

  constructor(
    private readonly db: Db,
    private readonly deps: {
      timeZone: string;
      /** Who the listed customers are (name, phone …), masked by the route for the caller. */
      customers?: { summaries(ids: string[]): Promise<Map<string, CustomerSummary>> } | undefined;
    },
  ) {}

  /** Called after each fit's transaction: the app refreshes the segments whose rules read predictions. */
  onFitted(hook: (run: ClvRun) => Promise<unknown>): void {
    this.fitted = hook;
  }

  async fit(input: ClvFitInput, actor: string): Promise<ClvRun> {
    const model = input.model ?? 'bgnbd';
    if (model !== 'bgnbd' && model !== 'pareto') throw invalid('insights.invalid_model', 'model must be bgnbd or pareto', [{ path: 'model', message: 'bgnbd or pareto' }]);
    const period = input.period ?? 'week';
    const periodDays = period === 'day' ? 1 : 7;
    const horizonDays = input.horizonDays ?? 365;
    if (!Number.isInteger(horizonDays) || horizonDays < 1 || horizonDays > 3650)
      throw invalid('insights.invalid_horizon', 'horizonDays must be a whole number of days from 1 to 3650', [{ path: 'horizonDays', message: '1–3650 days' }]);
    const discountRate = input.discountRate ?? 0.1;
    if (!Number.isFinite(discountRate) || discountRate < 0 || discountRate > 1)
      throw invalid('insights.invalid_discount_rate', 'discountRate must be a yearly rate from 0 to 1', [{ path: 'discountRate', message: 'from 0 to 1' }]);
    const asOf = input.asOf ?? (await this.latestOrderDay());
    if (!asOf || !DATE.test(asOf) || Number.isNaN(Date.parse(`${asOf}T00:00:00Z`)) || new Date(`${asOf}T00:00:00Z`).toISOString().slice(0, 10) !== asOf)
      throw asOf
        ? invalid('insights.invalid_as_of', 'asOf must be a date YYYY-MM-DD', [{ path: 'asOf', message: 'a date YYYY-MM-DD' }])
        : invalid('insights.no_orders', 'No orders yet: there is nothing to fit a model on', []);
    const started = performance.now();
    const summary = customerSummarySql(asOf, this.deps.timeZone);

    const triples = await query<{ x: number; tx_days: number; t_days: number; n: number }>(
      this.db,
      sql`with s as (${summary}) select x, tx_days, t_days, count(*)::int as n from s group by 1, 2, 3 order by 1, 2, 3`,
    );
    const customers = triples.reduce((s, r) => s + r.n, 0);
    const repeatBuyers = triples.reduce((s, r) => s + (r.x > 0 ? r.n : 0), 0);
    if (customers < 10 || repeatBuyers < 2)
      throw invalid('insights.too_few_customers', `${customers} customer(s), ${repeatBuyers} with a repeat purchase, by ${asOf}: a model needs at least 10 and 2`, [
        { path: 'asOf', message: 'too few customers with orders by this date' },
      ]);
    const data = {
      x: Float64Array.from(triples, (r) => r.x),
      tx: Float64Array.from(triples, (r) => r.tx_days / periodDays),
      T: Float64Array.from(triples, (r) => r.t_days / periodDays),
      weight: Float64Array.from(triples, (r) => r.n),
    };
    let fitted: Fitted;
    let frequency: { params: Record<string, number>; se: Record<string, number | null>; logLik: number };
    if (model === 'pareto') {
      const fit = fitParetoNbd(data);
      fitted = { kind: 'pareto', p: fit.p };
      frequency = { params: { ...fit.p }, se: standardErrorsOf(fit.names, fit.standardErrors), logLik: fit.logLik };
    } else {
      const fit = fitBgnbd(data);
      fitted = { kind: 'bgnbd', p: fit.p };
      frequency = { params: { ...fit.p }, se: standardErrorsOf(fit.names, fit.standardErrors), logLik: fit.logLik };
    }

    // Gamma-Gamma on the repeat buyers' mean repeat value (in yuan: its scale parameter γ then reads in yuan).
    const spendRows = await query<{ x: number; mbar_fen: number; n: number }>(
      this.db,
      sql`with s as (${summary}) select x, mbar_fen, count(*)::int as n from s where x > 0 and mbar_fen > 0 group by 1, 2`,
    );
    let spend: { p: GammaGammaParams; se: Record<string, number | null>; logLik: number } | null = null;
    if (spendRows.length >= 2) {
      const fit = fitGammaGamma({ x: Float64Array.from(spendRows, (r) => r.x), zbar: Float64Array.from(spendRows, (r) => r.mbar_fen / 100), weight: Float64Array.from(spendRows, (r) => r.n) });
      spend = { p: fit.p, se: standardErrorsOf(GAMMA_GAMMA_NAMES, fit.standardErrors), logLik: fit.logLik };
    }

    // Per distinct triple: P(alive), expected purchases in the horizon, the discounted expected purchases (CLV with a
    // value of 1 per purchase: clv/predict.ts's clvOf), days to the next purchase.
    const options = { period, horizonDays, discountRate };
    const rows = triples.map((r) => {
      const c = { x: r.x, tx: r.tx_days / periodDays, T: r.t_days / periodDays };
      return {
        x: r.x,
        tx_days: r.tx_days,
        t_days: r.t_days,
        p_alive: pAlive(fitted, c.x, c.tx, c.T),
        expected: conditionalExpected(fitted, horizonDays / periodDays, c.x, c.tx, c.T),
        discounted: clvOf(fitted, c, 1, options),
        next: daysToNextPurchase(fitted, c, period),
      };
    });

    // A degenerate fit (too few repeat buyers: α or a runs away) can leave the expectations without a finite value;
    // refuse the run, keeping the previous predictions, rather than store half a model.
    const broken = rows.filter((r) => ![r.p_alive, r.expected, r.discounted].every(Number.isFinite));
    if (broken.length)
      throw new AppError(
        'conflict',
        'insights.clv_degenerate_fit',
        `The ${fitted.kind} fit is degenerate on this history (${broken.length} of ${rows.length} purchase patterns have no finite ` +
          `prediction; parameters ${JSON.stringify(fitted.p)}): it needs more customers with repeat purchases or a longer ` +
          'calibration window. The previous predictions are kept.',
        { patterns: broken.length, model: fitted.kind, parameters: fitted.p },
      );

    const id = newId();
    // E(M | x, m̄) = p(γ + x·m̄) / (p·x + q − 1) in fen (γ fitted in yuan); a customer without a repeat purchase gets
    // the population mean pγ/(q − 1). Undefined when q ≤ 1 (an infinite mean): no value, no CLV.
    const g = spend?.p;
    const em =
      g && g.q > 1
        ? sql`(${g.p}::float8 * (${g.gamma * 100}::float8 + s.x * greatest(coalesce(s.mbar_fen, 0), 0)) / (${g.p}::float8 * s.x + ${g.q}::float8 - 1))`
        : sql`null::float8`;
    await this.db.transaction(async (tx) => {
      await tx.execute(sql`truncate insights.customer_predictions`);
      await tx.execute(sql`
        insert into insights.customer_predictions (customer_id, run_id, frequency, recency, age, p_alive, expected_purchases,
                                                   expected_avg_value_fen, clv_fen, expected_days_to_next, churn_risk, updated_at)
        select s.customer_id, ${id}, s.x, s.tx_days / ${periodDays}::float8, s.t_days / ${periodDays}::float8, t.p_alive, t.expected,
               round(${em})::bigint, round(t.discounted * ${em})::bigint, t.next,
               case when t.p_alive < ${CHURN_BANDS.high} then 'high' when t.p_alive < ${CHURN_BANDS.medium} then 'medium' else 'low' end, now()
        from (${summary}) s
        join json_to_recordset(${JSON.stringify(rows)}::json) as t(x int, tx_days int, t_days int, p_alive float8, expected float8, discounted float8, next float8)
          on t.x = s.x and t.tx_days = s.tx_days and t.t_days = s.t_days`);
      await tx.execute(sql`
        insert into insights.clv_runs (id, model, as_of, period_days, horizon_days, discount_rate, params, standard_errors, log_lik, spend_log_lik,
                                       customers, repeat_buyers, seconds, created_by)
        values (${id}, ${model}, ${asOf}::date, ${periodDays}, ${horizonDays}, ${discountRate},
                ${JSON.stringify({ frequency: frequency.params, spend: spend ? spend.p : null })}::jsonb,
                ${JSON.stringify({ frequency: frequency.se, spend: spend ? spend.se : null })}::jsonb,
                ${frequency.logLik}, ${spend?.logLik ?? null}, ${customers}, ${repeatBuyers}, ${(performance.now() - started) / 1000}, ${actor})`);
    });
    const run = (await this.run(id))!;
    await this.fitted?.(run);
    return run;
  }

  /**
   * Calibration vs holdout from the orders: fits the frequency model on the purchases up to `calibrationEnd` and
   * compares its predictions with what the same customers bought after it up to `holdoutEnd` — mean holdout purchases
   * by calibration frequency (0 … 6, 7+), weekly cumulative tracking, MAE — with the parameters, standard errors and
   * log-likelihood. Writes nothing. The customers are those with a first purchase by `calibrationEnd`.
   */
  async validation(input: { calibrationEnd: string; holdoutEnd: string; model?: FrequencyModel | undefined; period?: 'week' | 'day' | undefined }): Promise<
    ValidationReport & { model: FrequencyModel; period: 'week' | 'day'; params: Record<string, number>; standardErrors: Record<string, number | null>; logLik: number; customers: number }
  > {
    const model = input.model ?? 'bgnbd';
    const period = input.period ?? 'week';
    for (const [path, d] of [['calibrationEnd', input.calibrationEnd], ['holdoutEnd', input.holdoutEnd]] as const)
      if (!DATE.test(d) || Number.isNaN(Date.parse(`${d}T00:00:00Z`)) || new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) !== d) throw invalid('insights.invalid_date', `${path} must be a date YYYY-MM-DD`, [{ path, message: 'a date YYYY-MM-DD' }]);
    if (input.holdoutEnd <= input.calibrationEnd)
      throw invalid('insights.invalid_holdout', 'holdoutEnd must be after calibrationEnd', [{ path: 'holdoutEnd', message: 'after calibrationEnd' }]);
    const rows = await query<{ customer_id: string; day: string; fen: string | number }>(
      this.db,
      sql`select o.customer_id, to_char(o.placed_at at time zone ${this.deps.timeZone}, 'YYYY-MM-DD') as day, sum(o.paid_fen - o.refunded_fen) as fen
          from orders.order_facts o
          where o.status <> 'cancelled' and not o.guest
            and o.placed_at < ((${input.holdoutEnd}::date + 1)::timestamp at time zone ${this.deps.timeZone})
          group by 1, 2`,
    );
    const log: PurchaseLog = new Map();
    for (const r of rows) addTransaction(log, r.customer_id, dayNumber(r.day), Number(r.fen) / 100);
    const customers = summarize(log, { calibrationEnd: input.calibrationEnd, holdoutEnd: input.holdoutEnd, period });
    if (customers.length < 10 || customers.filter((c) => c.x > 0).length < 2)
      throw invalid('insights.too_few_customers', `${customers.length} customer(s) by ${input.calibrationEnd}: a model needs at least 10, 2 of them with a repeat purchase`, [
        { path: 'calibrationEnd', message: 'too few customers with orders by this date' },
      ]);
    const data = aggregateTriples(
      customers.map((c) => c.x),
      customers.map((c) => c.tx),
      customers.map((c) => c.T),
    );
    const fit = model === 'pareto' ? fitParetoNbd(data) : fitBgnbd(data);
    const fitted: Fitted = model === 'pareto' ? { kind: 'pareto', p: (fit as ReturnType<typeof fitParetoNbd>).p } : { kind: 'bgnbd', p: (fit as ReturnType<typeof fitBgnbd>).p };
    const report = validate(fitted, customers, log, { calibrationEnd: input.calibrationEnd, holdoutEnd: input.holdoutEnd, period });
    return {
      ...report,
      model,
      period,
      params: { ...fitted.p },
      standardErrors: standardErrorsOf(fit.names, fit.standardErrors),
      logLik: fit.logLik,
      customers: customers.length,
    };
  }

  async latestRun(): Promise<ClvRun | undefined> {
    const row = await queryOne<{ id: string }>(this.db, sql`select id from insights.clv_runs order by created_at desc, id desc limit 1`);
    return row ? this.run(row.id) : undefined;
  }

  async run(id: string): Promise<ClvRun | undefined> {
    const r = await queryOne<Record<string, unknown>>(
      this.db,
      sql`select id, model, as_of::text as as_of, period_days, horizon_days, discount_rate, params, standard_errors, log_lik, spend_log_lik,
                 customers, repeat_buyers, seconds, created_by, created_at from insights.clv_runs where id = ${id}`,
    );
    if (!r) return undefined;
    return {
      id: String(r.id),
      model: r.model as FrequencyModel,
      asOf: String(r.as_of),
      period: Number(r.period_days) === 1 ? 'day' : 'week',
      horizonDays: Number(r.horizon_days),
      discountRate: Number(r.discount_rate),
      params: r.params as ClvRun['params'],
      standardErrors: r.standard_errors as ClvRun['standardErrors'],
      logLik: Number(r.log_lik),
      spendLogLik: r.spend_log_lik === null ? null : Number(r.spend_log_lik),
      customers: Number(r.customers),
      repeatBuyers: Number(r.repeat_buyers),
      seconds: r.seconds === null ? null : Number(r.seconds),
      createdBy: String(r.created_by),
      createdAt: new Date(r.created_at as string).toISOString(),
    };
  }

  /** A customer's prediction from the latest run (404 when the customer had not bought by its as-of date, or no run yet). */
  async customer(customerId: string): Promise<CustomerPrediction> {
    const run = await this.latestRun();
    const r = run ? await queryOne<Record<string, unknown>>(this.db, sql`select * from insights.customer_predictions where customer_id = ${customerId}`) : undefined;
    if (!run || !r) throw notFound('insights.no_prediction', run ? `No prediction for customer ${customerId}: no order by ${run.asOf}` : 'No CLV run yet: run POST /api/v1/insights/clv/runs first');
    return { ...toPrediction(r), asOf: run.asOf, period: run.period, horizonDays: run.horizonDays };
  }

  /**
   * Customers most at risk: P(alive) in the given bands, the most valuable first (all-time net spend), with their
   * prediction. `minFrequency` keeps only customers with at least that many repeat purchases (the loyal who slip).
   */
  async churnRisk(opts: { risk?: ChurnRisk[]; minFrequency?: number; limit?: number; offset?: number } = {}) {
    const run = await this.latestRun();
    if (!run) throw notFound('insights.no_clv_run', 'No CLV run yet: run POST /api/v1/insights/clv/runs first');
    const risk = opts.risk ?? ['high'];
    const limit = opts.limit ?? 50;
    const offset = opts.offset ?? 0;
    const where = sql`p.churn_risk = any(${sql.param(risk)}::text[]) and p.frequency >= ${opts.minFrequency ?? 0}`;
    const rows = await query<Record<string, unknown>>(
      this.db,
      sql`select p.*, coalesce((select sum(o.paid_fen - o.refunded_fen) from orders.order_facts o where o.customer_id = p.customer_id and o.status <> 'cancelled'), 0)::bigint as spend_fen
          from insights.customer_predictions p where ${where}
          order by spend_fen desc, p.customer_id limit ${limit} offset ${offset}`,
    );
    const total = await queryOne<{ n: number }>(this.db, sql`select count(*)::int as n from insights.customer_predictions p where ${where}`);
    const people = this.deps.customers ? await this.deps.customers.summaries(rows.map((r) => String(r.customer_id))) : new Map<string, CustomerSummary>();
    return {
      run,
      total: Number(total?.n ?? 0),
      items: rows.map((r) => ({ ...toPrediction(r), spendFen: Number(r.spend_fen), customer: people.get(String(r.customer_id)) })),
    };
  }

  /** Customers per churn band and per CLV band (deciles of the predicted CLV), for the console. */
  async distribution() {
    const run = await this.latestRun();
    if (!run) throw notFound('insights.no_clv_run', 'No CLV run yet: run POST /api/v1/insights/clv/runs first');
    const bands = await query<{ churn_risk: string; n: number; clv: string | null; purchases: number }>(
      this.db,
      sql`select churn_risk, count(*)::int as n, sum(clv_fen)::text as clv, sum(expected_purchases)::float8 as purchases from insights.customer_predictions group by 1`,
    );
    const deciles = await query<{ decile: number; n: number; min: string | null; max: string | null; sum: string | null }>(
      this.db,
      sql`select decile, count(*)::int as n, min(clv_fen)::text as min, max(clv_fen)::text as max, sum(clv_fen)::text as sum
          from (select clv_fen, ntile(10) over (order by clv_fen) as decile from insights.customer_predictions where clv_fen is not null) d
          group by decile order by decile`,
    );
    return {
      run,
      churn: (['high', 'medium', 'low'] as const).map((k) => {
        const b = bands.find((x) => x.churn_risk === k);
        return { risk: k, customers: b?.n ?? 0, clvFen: Number(b?.clv ?? 0), expectedPurchases: b?.purchases ?? 0 };
      }),
      clvDeciles: deciles.map((d) => ({ decile: d.decile, customers: d.n, minFen: Number(d.min), maxFen: Number(d.max), sumFen: Number(d.sum) })),
    };
  }

  private async latestOrderDay(): Promise<string | undefined> {
    const row = await queryOne<{ d: string | null }>(
      this.db,
      sql`select to_char(max(placed_at) at time zone ${this.deps.timeZone}, 'YYYY-MM-DD') as d from orders.order_facts where status <> 'cancelled'`,
    );
    return row?.d ?? undefined;
  }
}

/** Standard errors by name; null where the Hessian gave none (a singular or indefinite one on a tiny data set). */
function standardErrorsOf(names: readonly string[], se: readonly number[]): Record<string, number | null> {
  return Object.fromEntries(names.map((n, i) => [n, Number.isFinite(se[i]) ? se[i]! : null]));
}

function toPrediction(r: Record<string, unknown>): Omit<CustomerPrediction, 'asOf' | 'period' | 'horizonDays'> {
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return {
    customerId: String(r.customer_id),
    runId: String(r.run_id),
    frequency: Number(r.frequency),
    recency: Number(r.recency),
    age: Number(r.age),
    pAlive: Number(r.p_alive),
    expectedPurchases: Number(r.expected_purchases),
    expectedAvgValueFen: num(r.expected_avg_value_fen),
    clvFen: num(r.clv_fen),
    expectedDaysToNext: num(r.expected_days_to_next),
    churnRisk: r.churn_risk as ChurnRisk,
  };
}
