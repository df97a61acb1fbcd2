import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from './api-client';
import type { DbForecast, ForecastLevel, SeriesSummary } from '../../../src/modules/insights/forecast/forecast.service';

/**
 * Demand forecasts (/api/v1/insights/forecasts…, src/modules/insights/http/forecast.routes.ts): one series' history,
 * forecast with its interval, the model and the backtest; and the series worth picking at a level. The types are the
 * service's own.
 */
export type { DbForecast, ForecastLevel, SeriesSummary } from '../../../src/modules/insights/forecast/forecast.service';

const I = '/api/v1/insights';

export interface ForecastRequest {
  level: ForecastLevel;
  key?: string | undefined;
  granularity: 'day' | 'week';
  horizon?: number | undefined;
  backtest: boolean;
  holidays: boolean;
}

export function useForecast(q: ForecastRequest, enabled = true) {
  return useQuery({
    queryKey: ['insights', 'forecast', q] as const,
    queryFn: ({ signal }) =>
      api<DbForecast>(`${I}/forecasts`, {
        query: { level: q.level, key: q.key, granularity: q.granularity, horizon: q.horizon, backtest: String(q.backtest), holidays: String(q.holidays) },
        signal,
      }),
    placeholderData: keepPreviousData,
    enabled,
  });
}

export function useForecastSeries(level: Exclude<ForecastLevel, 'total'>, enabled = true) {
  return useQuery({
    queryKey: ['insights', 'forecast-series', level] as const,
    queryFn: ({ signal }) =>
      api<{ items: SeriesSummary[] }>(`${I}/forecasts/series`, { query: { level, limit: 50, ...(level === 'category' ? { depth: 2 } : {}) }, signal }),
    enabled,
  });
}
