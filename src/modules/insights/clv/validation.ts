import { conditionalExpected, expectedRepeats, type FrequencyModel } from './predict.js';
import { cumulativeRepeatsByWeek, dayNumber, PERIOD_DAYS, type CustomerSummary, type Period, type PurchaseLog } from './summary.js';

/** One row of the holdout comparison: customers with a given calibration frequency. */
export interface FrequencyBucket {
  /** "0" … "6", "7+". */
  frequency: string;
  customers: number;
  /** Mean repeat purchases in the holdout period. */
  actual: number;
  /** Mean of E[Y(holdout length) | x, t_x, T]. */
  predicted: number;
}

/** Calibration vs holdout for a fitted frequency model. */
export interface ValidationReport {
  calibrationEnd: string;
  holdoutEnd: string;
  /** Holdout length in periods. */
  holdoutPeriods: number;
  byFrequency: FrequencyBucket[];
  /** Holdout repeat purchases of all customers: actual and the sum of the conditional expectations. */
  totals: { actual: number; predicted: number };
  /** Mean over customers of |E[Y] − actual holdout purchases|. */
  mae: number;
  /** Mean over the buckets of |predicted − actual| (the bucket means). */
  bucketMae: number;
  /**
   * Cumulative repeat purchases by week from the first day of the cohort to the holdout end: actual, and the
   * expected Σᵢ E[X(tᵢ)] with tᵢ the time from customer i's first purchase to the last day of the week.
   */
  tracking: Array<{ week: number; actual: number; predicted: number }>;
  /** Mean over the weeks of |predicted − actual| in the cumulative tracking. */
  trackingMae: number;
}

const BUCKETS = ['0', '1', '2', '3', '4', '5', '6', '7+'];

/**
 * The validation report: customers' calibration summaries (with their holdout counts, from {@link summarize} with a
 * holdout end) against the model's predictions over the holdout period.
 */
export function validate(m: FrequencyModel, customers: CustomerSummary[], log: PurchaseLog, o: { calibrationEnd: string; holdoutEnd: string; period: Period }): ValidationReport {
  const len = PERIOD_DAYS[o.period];
  const end = dayNumber(o.calibrationEnd);
  const hEnd = dayNumber(o.holdoutEnd);
  const horizon = (hEnd - end) / len;
  const acc = BUCKETS.map(() => ({ n: 0, actual: 0, predicted: 0 }));
  let absErr = 0;
  const totals = { actual: 0, predicted: 0 };
  for (const c of customers) {
    const e = conditionalExpected(m, horizon, c.x, c.tx, c.T);
    const b = acc[Math.min(c.x, 7)]!;
    b.n++;
    b.actual += c.xHoldout;
    b.predicted += e;
    absErr += Math.abs(e - c.xHoldout);
    totals.actual += c.xHoldout;
    totals.predicted += e;
  }
  const byFrequency = BUCKETS.map((frequency, i) => {
    const b = acc[i]!;
    return { frequency, customers: b.n, actual: b.n ? b.actual / b.n : 0, predicted: b.n ? b.predicted / b.n : 0 };
  });
  const filled = byFrequency.filter((b) => b.customers > 0);
  // Tracking: customers grouped by their first day; week w ends on day start + 7w − 1.
  const byFirst = new Map<number, number>();
  for (const c of customers) {
    const f = dayNumber(c.firstPurchase);
    byFirst.set(f, (byFirst.get(f) ?? 0) + 1);
  }
  const start = Math.min(...byFirst.keys());
  const weeks = Math.floor((hEnd - start + 1) / 7);
  const actual = cumulativeRepeatsByWeek(log, customers.map((c) => c.customerId), start, weeks);
  const tracking = actual.map((a, i) => {
    const lastDay = start + 7 * (i + 1) - 1;
    let predicted = 0;
    for (const [first, n] of byFirst) predicted += n * expectedRepeats(m, (lastDay - first) / len);
    return { week: i + 1, actual: a, predicted };
  });
  return {
    calibrationEnd: o.calibrationEnd,
    holdoutEnd: o.holdoutEnd,
    holdoutPeriods: horizon,
    byFrequency,
    totals,
    mae: customers.length ? absErr / customers.length : 0,
    bucketMae: filled.length ? filled.reduce((s, b) => s + Math.abs(b.predicted - b.actual), 0) / filled.length : 0,
    tracking,
    trackingMae: tracking.length ? tracking.reduce((s, t) => s + Math.abs(t.predicted - t.actual), 0) / tracking.length : 0,
  };
}
