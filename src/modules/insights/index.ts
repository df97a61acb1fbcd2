export { InsightsService, type Overview, type OverviewQuery, ACTIVE_DAYS } from './insights.service.js';
export { registerInsightsRoutes } from './http/insights.routes.js';
export { PredictionsService, CHURN_BANDS, type ClvFitInput, type ClvRun, type CustomerPrediction, type ChurnRisk } from './predictions/predictions.service.js';
export { registerPredictionsRoutes } from './http/predictions.routes.js';
export { refitClv, scheduleClvRefit, CLV_REFIT_JOB, CLV_REFIT_CRON } from './predictions/refit-clv-nightly.js';
export { ChurnModelService, CHURN_FEATURES, CHURN_FEATURE_LABELS, type ChurnModelInput, type ChurnModelRun, type ChurnExplanation } from './churn/churn-model.service.js';
export { registerChurnModelRoutes } from './http/churn-model.routes.js';
export { refitChurnModel, scheduleChurnRefit, CHURN_REFIT_JOB, CHURN_REFIT_CRON } from './churn/refit-churn-nightly.js';
export {
  CyclesService,
  RHYTHM_CHANGED,
  RHYTHM_TIMELINE_KIND,
  DEFAULT_STAGES,
  type CycleRun,
  type CycleRunInput,
  type CycleLevel,
  type RhythmKind,
  type RhythmChange,
  type CustomerCycle,
  type CategoryCycle,
} from './cycles/cycles.service.js';
export { registerCyclesRoutes } from './http/cycles.routes.js';
export { runCyclesNightly, scheduleCyclesNightly, CYCLES_NIGHTLY_JOB, CYCLES_NIGHTLY_CRON } from './cycles/cycles-nightly.js';
export { ForecastService, FORECAST_LEVELS, type ForecastLevel, type ForecastQuery, type DbForecast, type SeriesQuery, type SeriesSummary } from './forecast/forecast.service.js';
export { registerForecastRoutes } from './http/forecast.routes.js';
