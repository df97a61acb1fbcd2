import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { FORECAST_LEVELS, MAX_HISTORY_DAYS, type ForecastService } from '../forecast/forecast.service.js';
import { DEFAULT_ORIGINS } from '../forecast/run.js';

const tags = ['insights'];
const flag = z.enum(['true', 'false']).transform((v) => v === 'true');

const Point = z.object({ date: z.string(), units: z.number(), lower: z.number(), upper: z.number() });
const OriginResult = z.object({
  date: z.string(),
  trainPeriods: z.number().int(),
  method: z.string(),
  mase: z.number().nullable(),
  maseNaive: z.number().nullable(),
  mae: z.number(),
  maeNaive: z.number(),
  smape: z.number(),
});
const Backtest = z.object({
  mase: z.number().nullable().describe("Mean over the origins of the model's MASE (scaled by the training window's in-sample seasonal-naive MAE)"),
  maseNaive: z.number().nullable().describe('The same for the seasonal naive forecasts'),
  ratio: z.number().nullable().describe('mase / maseNaive: below 1 the model beats the seasonal naive'),
  smape: z.number(),
  smapeNaive: z.number(),
  mae: z.number(),
  maeNaive: z.number(),
  seasonalPeriod: z.number().int().describe('7 days, 52 weeks, or 1 (the naive) when no training window is longer than a season'),
  horizon: z.number().int(),
  origins: z.number().int().describe('Rolling origins used'),
  byOrigin: z.array(OriginResult),
});
const Forecast = z.object({
  level: z.enum(FORECAST_LEVELS),
  key: z.string().nullable(),
  granularity: z.enum(['day', 'week']),
  from: z.string(),
  to: z.string(),
  horizon: z.number().int(),
  history: z.array(z.object({ date: z.string(), units: z.number(), salesFen: z.number().optional() })),
  forecast: z.array(Point),
  model: z.object({
    method: z.enum(['regression', 'croston', 'seasonal-naive', 'mean']),
    terms: z.array(z.string()),
    fourierK: z.number().int(),
    holidays: z.array(z.string()),
    coefficients: z.record(z.string(), z.number()),
    sigma: z.number(),
    notes: z.array(z.string()),
    periods: z.number().int(),
    coverage: z.number(),
  }),
  backtest: Backtest.nullable().optional().describe('With backtest=true; null when the history is too short for one origin'),
});

/** Demand forecasts: one series' history, forecast and interval (and backtest), and the series worth forecasting. */
export function registerForecastRoutes(root: FastifyInstance, forecasts: ForecastService) {
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/api/v1/insights/forecasts',
    {
      config: { scope: 'insights:read' },
      schema: {
        tags,
        summary: 'Demand forecast for one SKU, category, store or the total: history, forecast with an interval, the model, and optionally a backtest',
        description:
          'Daily units (quantities ordered, cancelled orders left out) and net sales per business day from orders.line_facts; weekly = ' +
          'Monday-to-Sunday weeks (partial ones left out). Model: ridge regression on log1p(units) with trend, weekday, yearly Fourier and ' +
          'Chinese retail holiday terms as the history allows; Croston (SBA) for intermittent series. Backtest: rolling origin over the last ' +
          `origins (default ${DEFAULT_ORIGINS}) horizons, MASE against the seasonal naive (7 days / 52 weeks). See src/modules/insights/README.md.`,
        querystring: z
          .object({
            level: z.enum(FORECAST_LEVELS),
            key: z.string().min(1).max(200).optional().describe('SKU, category path (levels joined by /) or store code; none for total'),
            granularity: z.enum(['day', 'week']).default('day'),
            horizon: z.coerce.number().int().min(1).optional().describe('Periods ahead (default 28 days / 12 weeks; at most 366 / 104)'),
            from: z.iso.date().optional().describe(`History's first business day (default: the first sale, at most ${MAX_HISTORY_DAYS} days before to)`),
            to: z.iso.date().optional().describe("History's last business day (default: the day of the latest order)"),
            backtest: flag.default(false),
            origins: z.coerce.number().int().min(1).max(12).optional(),
            holidays: flag.default(true).describe('Chinese retail holiday regressors'),
            coverage: z.enum(['0.8', '0.9', '0.95']).default('0.8').transform((v) => Number(v) as 0.8 | 0.9 | 0.95).describe('Interval coverage'),
          })
          .strict(),
        response: { 200: Forecast },
      },
    },
    async (req) => forecasts.forecast(req.query),
  );

  app.get(
    '/api/v1/insights/forecasts/series',
    {
      config: { scope: 'insights:read' },
      schema: {
        tags,
        summary: 'The series with the most units at a level (SKUs with their names, categories at a path depth, stores), to pick one to forecast',
        querystring: z
          .object({
            level: z.enum(['sku', 'category', 'store']),
            depth: z.coerce.number().int().min(1).max(10).optional().describe('Category path depth (default 1)'),
            from: z.iso.date().optional().describe('Default: 364 days before to'),
            to: z.iso.date().optional().describe('Default: the day of the latest order'),
            limit: z.coerce.number().int().min(1).max(500).default(20),
          })
          .strict(),
        response: {
          200: z.object({
            level: z.enum(['sku', 'category', 'store']),
            depth: z.number().int().nullable(),
            from: z.string(),
            to: z.string(),
            items: z.array(z.object({ key: z.string(), name: z.string().nullable(), units: z.number(), salesFen: z.number(), days: z.number().int() })),
          }),
        },
      },
    },
    async (req) => forecasts.series(req.query),
  );
}
