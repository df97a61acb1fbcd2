/**
 * From a transaction log to the per-customer summary the CLV models read: x (repeat purchases), t_x (time of the
 * last purchase since the first), T (time from the first purchase to the end of the calibration period), the mean
 * value of the repeat purchases, and the holdout-period counts used by the validation report.
 *
 * Purchases are counted in days: every transaction one customer makes on one day is one purchase (their values are
 * added), as Fader & Hardie do with CDNOW — the models describe purchase occasions, and the log has no time of day.
 */

/** customer → day number (days since 1970-01-01) → total value bought that day. */
export type PurchaseLog = Map<string, Map<number, number>>;

/** The models' time unit. */
export type Period = 'day' | 'week';

/** Days in one model period. */
export const PERIOD_DAYS: Record<Period, number> = { day: 1, week: 7 };

/** Day number of a YYYY-MM-DD date (days since 1970-01-01). */
export function dayNumber(date: string): number {
  return Math.round(Date.parse(`${date}T00:00:00Z`) / 86_400_000);
}

/** YYYY-MM-DD of a day number. */
export function dayDate(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

/** Adds a transaction to the log (same customer, same day: one purchase of the summed value). */
export function addTransaction(log: PurchaseLog, customer: string, day: number, value: number): void {
  let days = log.get(customer);
  if (!days) log.set(customer, (days = new Map()));
  days.set(day, (days.get(day) ?? 0) + value);
}

/** One customer's calibration summary (times in periods). */
export interface CustomerSummary {
  customerId: string;
  /** Day of the first purchase (YYYY-MM-DD). */
  firstPurchase: string;
  /** Repeat purchases (purchase days after the first) up to and including the calibration end. */
  x: number;
  /** Periods from the first purchase to the last one in the calibration period (0 when x = 0). */
  tx: number;
  /** Periods from the first purchase to the calibration end. */
  T: number;
  /** Mean value of the repeat purchases in the calibration period (0 when x = 0). */
  zbar: number;
  /** Value of the first purchase. */
  firstValue: number;
  /** Repeat purchases after the calibration end up to the holdout end (0 without a holdout). */
  xHoldout: number;
}

/** Calibration (and optional holdout) period of {@link summarize}. */
export interface SummaryOptions {
  /** Last day of the calibration period (included), YYYY-MM-DD. */
  calibrationEnd: string;
  /** Last day of the holdout period (included); purchases after it are ignored. */
  holdoutEnd?: string;
  period: Period;
}

/**
 * The calibration summary of every customer whose first purchase is on or before the calibration end (later
 * customers are not yet in the base and are left out), sorted by customer id (numerically when every id is a number).
 * T = (calibration end − first purchase day) / period days, t_x likewise with the last calibration purchase day.
 */
export function summarize(log: PurchaseLog, o: SummaryOptions): CustomerSummary[] {
  const end = dayNumber(o.calibrationEnd);
  const hEnd = o.holdoutEnd ? dayNumber(o.holdoutEnd) : end;
  const len = PERIOD_DAYS[o.period];
  const out: CustomerSummary[] = [];
  for (const [customerId, days] of log) {
    let first = Infinity;
    for (const d of days.keys()) if (d < first) first = d;
    if (first > end) continue;
    let x = 0;
    let last = first;
    let sum = 0;
    let xHoldout = 0;
    for (const [d, v] of days) {
      if (d === first) continue;
      if (d <= end) {
        x++;
        sum += v;
        if (d > last) last = d;
      } else if (d <= hEnd) xHoldout++;
    }
    out.push({ customerId, firstPurchase: dayDate(first), x, tx: (last - first) / len, T: (end - first) / len, zbar: x > 0 ? sum / x : 0, firstValue: days.get(first)!, xHoldout });
  }
  const numeric = out.every((c) => /^\d+$/.test(c.customerId));
  out.sort(numeric ? (a, b) => Number(a.customerId) - Number(b.customerId) || a.customerId.localeCompare(b.customerId) : (a, b) => (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0));
  return out;
}

/** Distinct (x, t_x, T) triples with the number of customers sharing each. */
export interface AggregatedTriples {
  x: Float64Array;
  tx: Float64Array;
  T: Float64Array;
  weight: Float64Array;
}

/**
 * Collapses identical (x, t_x, T) triples into one with a weight. The models' log-likelihood is a sum of one term
 * per customer that depends only on the triple, so the weighted sum over distinct triples is the same number and a
 * fit on the aggregate gives the same estimates. With purchase days, the triples are few compared with customers
 * (T and t_x take one value per day), which is what makes a million-customer fit fast.
 */
export function aggregateTriples(x: ArrayLike<number>, tx: ArrayLike<number>, T: ArrayLike<number>): AggregatedTriples {
  const index = new Map<string, number>();
  const ox: number[] = [];
  const otx: number[] = [];
  const oT: number[] = [];
  const w: number[] = [];
  for (let i = 0; i < x.length; i++) {
    const key = `${x[i]},${tx[i]},${T[i]}`;
    const k = index.get(key);
    if (k === undefined) {
      index.set(key, ox.length);
      ox.push(x[i]!);
      otx.push(tx[i]!);
      oT.push(T[i]!);
      w.push(1);
    } else w[k]!++;
  }
  return { x: Float64Array.from(ox), tx: Float64Array.from(otx), T: Float64Array.from(oT), weight: Float64Array.from(w) };
}

/**
 * Cumulative repeat purchases of the customers in `customers` (their purchases after their first day) by week:
 * element w−1 counts purchase days before start + 7w, for weeks 1..weeks from `start` (default the earliest first
 * purchase). This is the "tracking" series of the validation report.
 */
export function cumulativeRepeatsByWeek(log: PurchaseLog, customers: Iterable<string>, start: number, weeks: number): number[] {
  const perWeek = new Array<number>(weeks).fill(0);
  for (const c of customers) {
    const days = log.get(c);
    if (!days) continue;
    let first = Infinity;
    for (const d of days.keys()) if (d < first) first = d;
    for (const d of days.keys()) {
      if (d === first) continue;
      const w = Math.floor((d - start) / 7);
      if (w >= 0 && w < weeks) perWeek[w]!++;
    }
  }
  let acc = 0;
  return perWeek.map((v) => (acc += v));
}
