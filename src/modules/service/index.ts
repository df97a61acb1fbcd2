export * from './service.contract.js';
export { addTicketEvents } from './timeline.js';
export * from './compensation.schemas.js';
export {
  CompensationService,
  DEFAULT_COMPENSATION_POLICIES,
  actionKey,
  type ActionResult,
  type Caller,
  type Compensation,
  type CompensationDeps,
  type CompensationOptionView,
  type CompensationPolicy,
  type CompensationStatus,
  type PricedAction,
} from './compensation.service.js';
export { registerCompensationRoutes } from './http/compensation.routes.js';
export { ReviewService, REVIEW_DIMENSIONS, type ReviewDimension, type ReviewFigures, type ReviewGroup, type ReviewReport, type SlaFigure, type TopCauses } from './review.service.js';
export { registerReviewRoutes } from './http/review.routes.js';
export * from './sla.schemas.js';
export { SlaService, deriveSla, pickPolicy, policyMatches, CN_HOLIDAYS, STANDARD_POLICY, type Calendar, type SlaPolicy, type RuntimePolicy, type SlaTicket, type SlaState, type TargetClock, type TicketSla, type ScanResult } from './sla.service.js';
export { addBusinessMinutes, businessMinutesBetween, businessMsBetween, calendarIssues, isOpen, isTimeZone, type BusinessCalendar, type OpenInterval, type CalendarIssue } from './domain/business-time.js';
export { scheduleSlaScan, SLA_SCAN_JOB } from './sla.jobs.js';
export { registerSlaRoutes } from './http/sla.routes.js';
