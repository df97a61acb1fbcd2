import { twoProportionInterval, welchInterval, type Sample } from '../promotions/index.js';

/** One arm's goal figures: entrants, conversions, and revenue per entrant (n, sum, sum of squares in fen). */
export interface ArmTotals {
  customers: number;
  converted: number;
  revenueFen: number;
  revenueSquaresFen: number;
}

export interface ArmResult {
  customers: number;
  converted: number;
  conversionRate: number | null;
  revenueFen: number;
  revenuePerCustomerFen: number | null;
}

export interface Uplift {
  treated: ArmResult;
  holdout: ArmResult;
  /** Treated − holdout conversion rate, with its 95 % interval (two proportions, normal approximation). */
  conversion: { difference: number; low: number | null; high: number | null };
  /** Treated − holdout revenue per customer (fen), with Welch's 95 % interval. */
  revenuePerCustomer: { differenceFen: number; lowFen: number | null; highFen: number | null; df: number | null };
  /** (rate difference) × treated customers; (revenue per customer difference) × treated customers. */
  incrementalConversions: number;
  incrementalRevenueFen: number;
}

function sampleOf(a: ArmTotals): Sample {
  const n = a.customers;
  if (n === 0) return { n: 0, mean: 0, variance: 0 };
  const mean = a.revenueFen / n;
  const variance = n > 1 ? Math.max(0, (a.revenueSquaresFen - (a.revenueFen * a.revenueFen) / n) / (n - 1)) : 0;
  return { n, mean, variance };
}

function arm(a: ArmTotals): ArmResult {
  return {
    customers: a.customers,
    converted: a.converted,
    conversionRate: a.customers ? a.converted / a.customers : null,
    revenueFen: a.revenueFen,
    revenuePerCustomerFen: a.customers ? a.revenueFen / a.customers : null,
  };
}

/** Treated against holdout: the uplift of conversion and of revenue per customer, with 95 % intervals. Pure. */
export function uplift(treated: ArmTotals, holdout: ArmTotals): Uplift {
  const conv = twoProportionInterval(treated.converted, treated.customers, holdout.converted, holdout.customers);
  const rev = welchInterval(sampleOf(treated), sampleOf(holdout));
  return {
    treated: arm(treated),
    holdout: arm(holdout),
    conversion: { difference: conv.difference, low: conv.low, high: conv.high },
    revenuePerCustomer: { differenceFen: rev.difference, lowFen: rev.low, highFen: rev.high, df: rev.df },
    incrementalConversions: conv.difference * treated.customers,
    incrementalRevenueFen: rev.difference * treated.customers,
  };
}
