export { InsightsService, type Overview, type OverviewQuery, ACTIVE_DAYS } from './insights.service.js';
export { registerInsightsRoutes } from './http/insights.routes.js';
