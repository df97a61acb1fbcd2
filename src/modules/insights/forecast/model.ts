import { solveSpd } from '../math/solve-spd.js';
import { addDays, calendarCovers, holidayDates, HOLIDAYS } from './holidays.js';

/**
 * Demand forecasting for one series (pure, deterministic): a ridge regression on log1p(units) with a linear trend,
 * day-of-week dummies (daily), yearly Fourier terms and Chinese retail holiday windows; Croston (SBA) for intermittent
 * series; the seasonal naive when the history is too short for either. Backtest by rolling origin with MASE against
 * the seasonal naive (Hyndman & Koehler 2006).
 */

export type Granularity = 'day' | 'week';
/** Interval coverage: the normal quantile for each level offered. */
export const LEVELS = { 0.8: 1.2815515655446004, 0.9: 1.6448536269514722, 0.95: 1.959963984540054 } as const;
export type IntervalLevel = 0.8 | 0.9 | 0.95;

/** A series of whole periods: `start` is the first day (a Monday for weeks), values one per day or per week. */
export interface Series {
  granularity: Granularity;
  start: string;
  values: number[];
}

export interface ForecastOptions {
  horizon: number;
  /** Chinese retail holiday regressors (default true; false for data from elsewhere). */
  holidays?: boolean;
  coverage?: IntervalLevel;
}

export interface ForecastPoint {
  date: string;
  units: number;
  lower: number;
  upper: number;
}

export type Method = 'regression' | 'croston' | 'seasonal-naive' | 'mean';

export interface ModelDescription {
  method: Method;
  /** Regression terms used (intercept, trend, dow, fourier:K, holiday names). */
  terms: string[];
  fourierK: number;
  holidays: string[];
  /** Regression coefficients by term (log1p scale); Croston's demand size and interval. */
  coefficients: Record<string, number>;
  /** Residual standard deviation (log1p scale for the regression, units otherwise). */
  sigma: number;
  /** Why a term or the method was chosen when the history is short or sparse. */
  notes: string[];
  periods: number;
  /** The intervals' coverage. */
  coverage: IntervalLevel;
}

export interface Forecast {
  forecast: ForecastPoint[];
  model: ModelDescription;
}

/** The seasonal period of the naive benchmark: a week of days, a year of weeks. */
export const seasonalPeriod = (g: Granularity) => (g === 'day' ? 7 : 52);
/** The period's date: day i, or the Monday of week i. */
export const periodDate = (s: Series, i: number) => addDays(s.start, i * (s.granularity === 'day' ? 1 : 7));

const DAY0 = Date.parse('2000-01-01T00:00:00Z');
const yearPhase = (date: string, offsetDays: number) => (2 * Math.PI * ((Date.parse(`${date}T00:00:00Z`) - DAY0) / 86_400_000 + offsetDays)) / 365.25;
/** Days since 1970-01-01. */
const dayNo = (date: string) => Date.parse(`${date}T00:00:00Z`) / 86_400_000;
/** 0 = Monday … 6 = Sunday. */
const weekday = (date: string) => (new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7;

/** Syntetos–Boylan: mean interval between demands above this is intermittent (Croston's domain). */
export const INTERMITTENT_ADI = 1.32;
const CROSTON_ALPHA = 0.1;
const RIDGE = 1;

/** Solves (XᵀX + diag(λ)) β = Xᵀy by Cholesky; λ is 0 for unpenalised columns. */
function ridge(X: number[][], y: number[], penalty: number[]): number[] {
  const p = penalty.length;
  const A = Array.from({ length: p }, () => new Array<number>(p).fill(0));
  const b = new Array<number>(p).fill(0);
  for (let r = 0; r < X.length; r++) {
    const x = X[r]!;
    for (let i = 0; i < p; i++) {
      if (x[i] === 0) continue;
      b[i]! += x[i]! * y[r]!;
      for (let j = 0; j <= i; j++) A[i]![j]! += x[i]! * x[j]!;
    }
  }
  // A tiny jitter keeps a column that is all zeros in the fit window (a weekday never seen) solvable, at 0.
  for (let i = 0; i < p; i++) A[i]![i]! += penalty[i]! + 1e-9;
  return solveSpd(A, b, { clamp: true });
}

interface Design {
  terms: string[];
  penalty: number[];
  fourierK: number;
  holidays: string[];
  row(i: number): number[];
}

/**
 * Which terms the history supports, and the design row for period i (negative or beyond the history for forecasts).
 * Short history drops terms rather than extrapolating them: no yearly terms under a year (3 pairs from one year, 6 from
 * two), no trend under 8 weeks (daily) or 16 weeks, no weekday dummies under 2 weeks.
 */
function design(s: Series, n: number, horizon: number, useHolidays: boolean, notes: string[]): Design {
  const daily = s.granularity === 'day';
  const days = n * (daily ? 1 : 7);
  const fourierK = days >= 730 ? 6 : days >= 364 ? 3 : 0;
  if (!fourierK) notes.push(`no yearly seasonality: ${days} days of history, a year is needed`);
  else if (fourierK === 3) notes.push('yearly seasonality with 3 Fourier pairs (6 from two years of history)');
  const trend = daily ? n >= 56 : n >= 16;
  if (!trend) notes.push(`no trend: ${daily ? `${n} days` : `${n} weeks`} of history`);
  const dow = daily && n >= 14;
  if (daily && !dow) notes.push(`no weekday effects: ${n} days of history, two weeks are needed`);
  const last = periodDate(s, n + horizon - 1);
  const end = daily ? last : addDays(last, 6);
  const histEnd = daily ? periodDate(s, n - 1) : addDays(periodDate(s, n - 1), 6);
  const hol: Array<{ name: string; days: Set<number> }> = [];
  if (useHolidays) {
    if (!calendarCovers(s.start, end)) notes.push('holiday table covers 2010–2030: lunar holidays outside it are not modelled');
    for (const h of HOLIDAYS) {
      const dates = [...holidayDates(h, s.start, end)];
      // A holiday the history never saw has no coefficient to learn.
      if (dates.some((d) => d <= histEnd)) hol.push({ name: h.name, days: new Set(dates.map(dayNo)) });
    }
  }
  const terms = ['intercept', ...(trend ? ['trend'] : []), ...(dow ? ['tue', 'wed', 'thu', 'fri', 'sat', 'sun'] : [])];
  for (let k = 1; k <= fourierK; k++) terms.push(`sin${k}`, `cos${k}`);
  terms.push(...hol.map((h) => h.name));
  const penalty = terms.map((t) => (t === 'intercept' || (dow && ['tue', 'wed', 'thu', 'fri', 'sat', 'sun'].includes(t)) ? 0 : RIDGE));
  const scale = Math.max(n - 1, 1);
  return {
    terms,
    penalty,
    fourierK,
    holidays: hol.map((h) => h.name),
    row(i: number) {
      const date = periodDate(s, i);
      const r = [1];
      if (trend) r.push(i / scale);
      if (dow) {
        const w = weekday(date);
        for (let d = 1; d < 7; d++) r.push(w === d ? 1 : 0);
      }
      // Weeks: the phase of the week's middle day.
      const phase = yearPhase(date, daily ? 0 : 3);
      for (let k = 1; k <= fourierK; k++) r.push(Math.sin(k * phase), Math.cos(k * phase));
      const day = dayNo(date);
      for (const h of hol) {
        if (daily) r.push(h.days.has(day) ? 1 : 0);
        else {
          let c = 0;
          for (let d = 0; d < 7; d++) if (h.days.has(day + d)) c++;
          r.push(c / 7);
        }
      }
      return r;
    },
  };
}

/** Weekdays with no demand in the whole history (a closed day: the Online Retail shop never sells on Saturdays). */
function closedWeekdays(s: Series): Set<number> {
  const open = new Set<number>();
  const seen = new Set<number>();
  for (let i = 0; i < s.values.length; i++) {
    const w = weekday(periodDate(s, i));
    seen.add(w);
    if (s.values[i]! > 0) open.add(w);
  }
  // Only a weekday seen at least twice can be called closed.
  const closed = new Set<number>();
  if (s.values.length >= 14) for (const w of seen) if (!open.has(w)) closed.add(w);
  return closed;
}

/** The mean interval between non-zero periods (on open days). */
export function averageDemandInterval(values: number[]): number {
  const nz = values.filter((v) => v > 0).length;
  return nz ? values.length / nz : Infinity;
}

/** Croston with the Syntetos–Boylan bias correction: a flat rate of size / interval × (1 − α/2). */
function croston(values: number[]): { rate: number; size: number; interval: number; sigma: number } {
  let size = 0;
  let interval = 0;
  let q = 1;
  let started = false;
  let sq = 0;
  let m = 0;
  for (const v of values) {
    if (started) {
      const f = (size / interval) * (1 - CROSTON_ALPHA / 2);
      sq += (v - f) ** 2;
      m++;
    }
    if (v > 0) {
      if (!started) {
        size = v;
        interval = q;
        started = true;
      } else {
        size += CROSTON_ALPHA * (v - size);
        interval += CROSTON_ALPHA * (q - interval);
      }
      q = 1;
    } else q++;
  }
  const rate = started ? (size / interval) * (1 - CROSTON_ALPHA / 2) : 0;
  return { rate, size, interval, sigma: m > 1 ? Math.sqrt(sq / (m - 1)) : 0 };
}

/** The seasonal naive forecast: each period the value one season before (the last season repeated). */
export function seasonalNaive(values: number[], m: number, horizon: number): number[] {
  const n = values.length;
  return Array.from({ length: horizon }, (_, h) => values[n + h - m * Math.ceil((h + 1) / m)]!);
}

/** Forecasts one series `horizon` periods past its end. */
export function forecastSeries(s: Series, o: ForecastOptions): Forecast {
  const coverage = o.coverage ?? 0.8;
  const z = LEVELS[coverage];
  const n = s.values.length;
  const notes: string[] = [];
  const daily = s.granularity === 'day';
  const m = seasonalPeriod(s.granularity);
  const dates = Array.from({ length: o.horizon }, (_, h) => periodDate(s, n + h));
  const base = { fourierK: 0, holidays: [] as string[], periods: n, coverage, notes };

  if (n < (daily ? 14 : 8)) {
    notes.push(`${n} ${daily ? 'days' : 'weeks'} of history: too short for a model`);
    const useNaive = n >= m;
    const point = useNaive ? seasonalNaive(s.values, m, o.horizon) : new Array<number>(o.horizon).fill(n ? s.values.reduce((a, b) => a + b, 0) / n : 0);
    const mean = n ? s.values.reduce((a, b) => a + b, 0) / n : 0;
    const sigma = n > 1 ? Math.sqrt(s.values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1)) : 0;
    return {
      forecast: dates.map((date, h) => ({ date, units: point[h]!, lower: Math.max(0, point[h]! - z * sigma), upper: point[h]! + z * sigma })),
      model: { ...base, method: useNaive ? 'seasonal-naive' : 'mean', terms: [], coefficients: {}, sigma },
    };
  }

  const closed = daily ? closedWeekdays(s) : new Set<number>();
  const open = (i: number) => !closed.has(weekday(periodDate(s, i)));
  const openValues = s.values.filter((_, i) => open(i));
  const adi = averageDemandInterval(openValues);
  if (adi > INTERMITTENT_ADI) {
    const c = croston(openValues);
    notes.push(
      `intermittent: demand in ${openValues.filter((v) => v > 0).length} of ${openValues.length} ${daily ? 'open days' : 'weeks'} (mean interval ${adi.toFixed(2)} > ${INTERMITTENT_ADI}): Croston (SBA, α ${CROSTON_ALPHA}), a flat rate without seasonality`,
    );
    if (closed.size) notes.push(`no demand ever on ${[...closed].map((w) => WEEKDAYS[w]).join(', ')}: forecast 0 then`);
    return {
      forecast: dates.map((date, h) => {
        const shut = closed.has(weekday(date)) || !open(n + h);
        const u = shut ? 0 : c.rate;
        return { date, units: u, lower: shut ? 0 : Math.max(0, u - z * c.sigma), upper: shut ? 0 : u + z * c.sigma };
      }),
      model: { ...base, method: 'croston', terms: ['size', 'interval'], coefficients: { size: c.size, interval: c.interval, rate: c.rate }, sigma: c.sigma },
    };
  }

  const d = design(s, n, o.horizon, o.holidays !== false, notes);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    X.push(d.row(i));
    y.push(Math.log1p(Math.max(0, s.values[i]!)));
  }
  const beta = ridge(X, y, d.penalty);
  const fitted = (r: number[]) => r.reduce((a, x, j) => a + x * beta[j]!, 0);
  let rss = 0;
  for (let i = 0; i < n; i++) rss += (y[i]! - fitted(X[i]!)) ** 2;
  const sigma = Math.sqrt(rss / Math.max(1, n - d.terms.length));
  return {
    forecast: dates.map((date, h) => {
      if (daily && closed.has(weekday(date))) return { date, units: 0, lower: 0, upper: 0 };
      const f = fitted(d.row(n + h));
      // The median on the original scale: expm1 of the log-scale mean (the mean would add σ²/2 and miss exact patterns).
      return { date, units: Math.max(0, Math.expm1(f)), lower: Math.max(0, Math.expm1(f - z * sigma)), upper: Math.max(0, Math.expm1(f + z * sigma)) };
    }),
    model: {
      ...base,
      method: 'regression',
      terms: d.terms,
      fourierK: d.fourierK,
      holidays: d.holidays,
      coefficients: Object.fromEntries(d.terms.map((t, j) => [t, beta[j]!])),
      sigma,
    },
  };
}

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** Hyndman's MASE scale: the in-sample MAE of the seasonal naive (period m) on the training series; null when 0. */
export function maseScale(train: number[], m: number): number | null {
  if (train.length <= m) return null;
  let s = 0;
  for (let i = m; i < train.length; i++) s += Math.abs(train[i]! - train[i - m]!);
  const scale = s / (train.length - m);
  return scale > 0 ? scale : null;
}

/** Symmetric MAPE in percent, a period where both actual and forecast are 0 counting as 0. */
export const smapeTerm = (a: number, f: number) => (a === 0 && f === 0 ? 0 : (200 * Math.abs(a - f)) / (Math.abs(a) + Math.abs(f)));

export interface OriginResult {
  /** First forecast period's date. */
  date: string;
  trainPeriods: number;
  method: Method;
  mase: number | null;
  maseNaive: number | null;
  mae: number;
  maeNaive: number;
  smape: number;
}

export interface Backtest {
  /** Mean over the origins of the model's MASE. */
  mase: number | null;
  /** The same for the seasonal naive forecasts (near 1 when the test periods behave like the training ones). */
  maseNaive: number | null;
  /** mase / maseNaive: below 1 the model beats the seasonal naive. */
  ratio: number | null;
  smape: number;
  smapeNaive: number;
  mae: number;
  maeNaive: number;
  /** The benchmark's season: 7 days or 52 weeks, 1 (the naive) when the training windows are not longer than that. */
  seasonalPeriod: number;
  horizon: number;
  origins: number;
  byOrigin: OriginResult[];
}

/** Training periods an origin keeps at least. */
export const minTrain = (g: Granularity) => (g === 'day' ? 28 : 13);

/**
 * Rolling origin over the last `origins` horizons: origin i trains on everything before the i-th last block of
 * `horizon` periods and forecasts that block. Origins that would leave less than {@link minTrain} are dropped, so the
 * count says how many were used. MASE per origin is scaled by the in-sample seasonal-naive MAE of its own training
 * window; the figures are means over origins (MAE and sMAPE over all forecast periods).
 */
export function backtest(s: Series, o: ForecastOptions & { origins: number }): Backtest | null {
  const n = s.values.length;
  const H = o.horizon;
  const used = Math.min(o.origins, Math.floor((n - minTrain(s.granularity)) / H));
  if (used < 1) return null;
  const shortest = n - used * H;
  const m = shortest > seasonalPeriod(s.granularity) ? seasonalPeriod(s.granularity) : 1;
  const byOrigin: OriginResult[] = [];
  let ae = 0;
  let aeN = 0;
  let sm = 0;
  let smN = 0;
  for (let i = 0; i < used; i++) {
    const end = n - (used - i) * H;
    const train: Series = { ...s, values: s.values.slice(0, end) };
    const actual = s.values.slice(end, end + H);
    const f = forecastSeries(train, o);
    const naive = seasonalNaive(train.values, m, H);
    const scale = maseScale(train.values, m);
    let e = 0;
    let eN = 0;
    let sO = 0;
    for (let h = 0; h < H; h++) {
      e += Math.abs(actual[h]! - f.forecast[h]!.units);
      eN += Math.abs(actual[h]! - naive[h]!);
      sO += smapeTerm(actual[h]!, f.forecast[h]!.units);
      smN += smapeTerm(actual[h]!, naive[h]!);
    }
    ae += e;
    aeN += eN;
    sm += sO;
    byOrigin.push({
      date: periodDate(s, end),
      trainPeriods: end,
      method: f.model.method,
      mase: scale === null ? null : e / H / scale,
      maseNaive: scale === null ? null : eN / H / scale,
      mae: e / H,
      maeNaive: eN / H,
      smape: sO / H,
    });
  }
  const meanOf = (k: 'mase' | 'maseNaive') => (byOrigin.every((r) => r[k] !== null) ? byOrigin.reduce((a, r) => a + r[k]!, 0) / used : null);
  const mase = meanOf('mase');
  const maseNaive = meanOf('maseNaive');
  return {
    mase,
    maseNaive,
    ratio: mase !== null && maseNaive ? mase / maseNaive : null,
    smape: sm / (used * H),
    smapeNaive: smN / (used * H),
    mae: ae / (used * H),
    maeNaive: aeN / (used * H),
    seasonalPeriod: m,
    horizon: H,
    origins: used,
    byOrigin,
  };
}

/**
 * Daily values (date → units) as series: days from `from` to `to` with missing days 0, or the whole Monday-to-Sunday
 * weeks inside them (a partial first or last week would look like a drop in demand, so it is left out).
 */
export function toSeries(daily: Map<string, number>, from: string, to: string, g: Granularity): Series {
  if (g === 'day') {
    const values: number[] = [];
    for (let d = from; d <= to; d = addDays(d, 1)) values.push(daily.get(d) ?? 0);
    return { granularity: 'day', start: from, values };
  }
  const start = addDays(from, (7 - weekday(from)) % 7);
  const values: number[] = [];
  for (let w = start; addDays(w, 6) <= to; w = addDays(w, 7)) {
    let sum = 0;
    for (let d = 0; d < 7; d++) sum += daily.get(addDays(w, d)) ?? 0;
    values.push(sum);
  }
  return { granularity: 'week', start, values };
}
