import { addDays } from './holidays.js';
import { backtest, forecastSeries, periodDate, toSeries, type Backtest, type ForecastPoint, type Granularity, type IntervalLevel, type ModelDescription } from './model.js';

export interface ForecastRunOptions {
  granularity: Granularity;
  /** Periods ahead (default 28 days or 12 weeks). */
  horizon?: number | undefined;
  backtest?: boolean | undefined;
  /** Rolling origins for the backtest (default 4). */
  origins?: number | undefined;
  /** Chinese retail holiday regressors (default true). */
  holidays?: boolean | undefined;
  coverage?: IntervalLevel | undefined;
}

export interface HistoryPoint {
  date: string;
  units: number;
  /** Net sales (paid − refunded) in fen; absent for a file without amounts. */
  salesFen?: number;
}

export interface ForecastResult {
  granularity: Granularity;
  /** First and last day of the history the model saw (whole weeks for weekly). */
  from: string;
  to: string;
  horizon: number;
  history: HistoryPoint[];
  forecast: ForecastPoint[];
  model: ModelDescription;
  backtest?: Backtest | null;
}

export const DEFAULT_HORIZON = { day: 28, week: 12 } as const;
export const MAX_HORIZON = { day: 366, week: 104 } as const;
export const DEFAULT_ORIGINS = 4;

/**
 * Forecast (and optionally backtest) one series of daily units from `from` to `to`; `sales` (date → fen) only feeds
 * the history the chart draws next to the forecast.
 */
export function runForecast(units: Map<string, number>, from: string, to: string, o: ForecastRunOptions, sales?: Map<string, number>): ForecastResult {
  const horizon = o.horizon ?? DEFAULT_HORIZON[o.granularity];
  const s = toSeries(units, from, to, o.granularity);
  const opts = { horizon, holidays: o.holidays, ...(o.coverage ? { coverage: o.coverage } : {}) };
  const f = forecastSeries(s, opts);
  const history: HistoryPoint[] = s.values.map((u, i) => {
    const date = periodDate(s, i);
    if (!sales) return { date, units: u };
    let fen = 0;
    for (let d = 0; d < (o.granularity === 'day' ? 1 : 7); d++) fen += sales.get(addDays(date, d)) ?? 0;
    return { date, units: u, salesFen: fen };
  });
  const last = s.values.length ? periodDate(s, s.values.length - 1) : to;
  return {
    granularity: o.granularity,
    from: s.start,
    to: o.granularity === 'day' ? last : addDays(last, 6),
    horizon,
    history,
    forecast: f.forecast,
    model: f.model,
    ...(o.backtest ? { backtest: backtest(s, { ...opts, origins: o.origins ?? DEFAULT_ORIGINS }) } : {}),
  };
}
