import { bgnbdConditionalExpected, bgnbdExpected, bgnbdPAlive, type BgnbdParams } from './bgnbd.js';
import { gammaGammaConditionalMean, type GammaGammaParams } from './gamma-gamma.js';
import { paretoConditionalExpected, paretoExpected, paretoPAlive, type ParetoNbdParams } from './pareto-nbd.js';
import { PERIOD_DAYS, type CustomerSummary, type Period } from './summary.js';

/** A fitted purchase-frequency model. */
export type FrequencyModel = { kind: 'bgnbd'; p: BgnbdParams } | { kind: 'pareto'; p: ParetoNbdParams };

/** P(alive at T | x, t_x, T) under the model. */
export function pAlive(m: FrequencyModel, x: number, tx: number, T: number): number {
  return m.kind === 'bgnbd' ? bgnbdPAlive(m.p, x, tx, T) : paretoPAlive(m.p, x, tx, T);
}

/** E[Y(t) | x, t_x, T]: expected purchases in the next t periods. */
export function conditionalExpected(m: FrequencyModel, t: number, x: number, tx: number, T: number): number {
  return m.kind === 'bgnbd' ? bgnbdConditionalExpected(m.p, t, x, tx, T) : paretoConditionalExpected(m.p, t, x, tx, T);
}

/** E[X(t)]: expected repeat purchases in the first t periods after a first purchase. */
export function expectedRepeats(m: FrequencyModel, t: number): number {
  if (t <= 0) return 0;
  return m.kind === 'bgnbd' ? bgnbdExpected(m.p, t) : paretoExpected(m.p, t);
}

/** Horizon, discounting and time unit of {@link predictCustomers}. */
export interface PredictOptions {
  period: Period;
  /** Days ahead for expected purchases and CLV. */
  horizonDays: number;
  /** Yearly discount rate for CLV (0.1 = 10% a year). */
  discountRate: number;
}

/** One customer's predictions. */
export interface CustomerPrediction {
  customerId: string;
  /** x: repeat purchases in the calibration period. */
  frequency: number;
  /** t_x in periods. */
  recency: number;
  /** T in periods. */
  T: number;
  pAlive: number;
  /** E[Y(horizon) | x, t_x, T]. */
  expectedPurchases: number;
  /** Gamma-Gamma E(M | x, z̄) (the population mean for x = 0). */
  expectedAvgValue: number;
  /** Discounted expected value of the purchases within the horizon (see {@link clvOf}). */
  clv: number;
  /** Days until one more purchase is expected (see {@link daysToNextPurchase}); null beyond ten years. */
  expectedDaysToNextPurchase: number | null;
}

const DAYS_PER_YEAR = 365;
const STEP_DAYS = 30;

/**
 * CLV over the horizon: the horizon is cut into 30-day steps (the last one shorter); each step's expected purchases
 * E[Y(t_k)] − E[Y(t_(k−1))] are valued at E(M) and discounted from the end of the step at the yearly rate d:
 *
 *   CLV = E(M) · Σ_k (E[Y(t_k)] − E[Y(t_(k−1))]) / (1 + d)^(t_k / 365),   t_k = min(30k, H) days.
 *
 * With d = 0 it is E(M) · E[Y(H)]. Margins are not applied: multiply by the margin for profit.
 */
export function clvOf(m: FrequencyModel, c: { x: number; tx: number; T: number }, expectedValue: number, o: PredictOptions): number {
  const len = PERIOD_DAYS[o.period];
  let total = 0;
  let before = 0;
  for (let day = Math.min(STEP_DAYS, o.horizonDays); ; day = Math.min(day + STEP_DAYS, o.horizonDays)) {
    const upTo = conditionalExpected(m, day / len, c.x, c.tx, c.T);
    total += (upTo - before) / Math.pow(1 + o.discountRate, day / DAYS_PER_YEAR);
    before = upTo;
    if (day >= o.horizonDays) break;
  }
  return total * expectedValue;
}

const TEN_YEARS = 3650;

/**
 * Expected days to the next purchase: the horizon t (in days) at which the customer's expected purchases
 * E[Y(t) | x, t_x, T] reach 1, found by bisection to 0.01 day (E[Y(t)] increases with t). Null when fewer than
 * one purchase is expected within ten years (a customer likely gone, or a very slow buyer). For an alive customer
 * buying at a steady rate λ per day this is 1/λ; the model's answer also weighs the chance they are gone.
 */
export function daysToNextPurchase(m: FrequencyModel, c: { x: number; tx: number; T: number }, period: Period): number | null {
  const len = PERIOD_DAYS[period];
  const at = (days: number) => conditionalExpected(m, days / len, c.x, c.tx, c.T);
  if (at(TEN_YEARS) < 1) return null;
  let lo = 0;
  let hi = TEN_YEARS;
  while (hi - lo > 0.01) {
    const mid = (lo + hi) / 2;
    if (at(mid) < 1) lo = mid;
    else hi = mid;
  }
  return Math.round(((lo + hi) / 2) * 100) / 100;
}

/** Predictions for every customer of a summary, with the frequency model and the Gamma-Gamma spend model. */
export function predictCustomers(customers: CustomerSummary[], m: FrequencyModel, spend: GammaGammaParams, o: PredictOptions): CustomerPrediction[] {
  const len = PERIOD_DAYS[o.period];
  return customers.map((c) => {
    const expectedAvgValue = gammaGammaConditionalMean(spend, c.x, c.zbar);
    return {
      customerId: c.customerId,
      frequency: c.x,
      recency: c.tx,
      T: c.T,
      pAlive: pAlive(m, c.x, c.tx, c.T),
      expectedPurchases: conditionalExpected(m, o.horizonDays / len, c.x, c.tx, c.T),
      expectedAvgValue,
      clv: clvOf(m, c, expectedAvgValue, o),
      expectedDaysToNextPurchase: daysToNextPurchase(m, c, o.period),
    };
  });
}
