export * from './journeys.schemas.js';
export { JourneysService, JourneyPatch, JOURNEY_STATUSES, parseDefinition, type Journey, type JourneyStatus, type JourneyVersion, type JourneyStats, type StepStats, type Enrollment } from './journeys.service.js';
export { JourneyRunner, conditionSql, type RunSummary, type RunnerDeps, type CouponIssuer, type PointsAwarder } from './runner.js';
export { EntryTriggers, enter, holdoutSql, latestOccurrence, type LiveJourney } from './entry.js';
export { uplift, type ArmTotals, type ArmResult, type Uplift } from './stats.js';
export { scheduleJourneys, JOURNEYS_RUN_JOB, JOURNEYS_SCAN_JOB, JOURNEYS_ENTRY_SUBSCRIBER, JOURNEYS_GOAL_SUBSCRIBER } from './journeys.jobs.js';
export { registerJourneysRoutes } from './http/journeys.routes.js';
export { registerBlueprintsRoutes } from './http/blueprints.routes.js';
