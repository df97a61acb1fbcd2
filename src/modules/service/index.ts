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
export * from './tickets.schemas.js';
export { TicketsService, ticketView, toTicket, actorLabel, SERVICE_REPLY_TEMPLATE, type Ticket, type InboxTicket, type TicketDetail, type TicketEvent, type TicketActor, type TicketsDeps, type CreateResult, type EmailResult, type Contact } from './tickets.service.js';
export { QueuesService, routesMatch, type Queue, type RoutableTicket } from './queues.service.js';
export { TaxonomyService, DEFAULT_CATEGORIES, DEFAULT_ROOT_CAUSES, type TaxonomyEntry, type TaxonomyKind } from './taxonomy.service.js';
export { ReplyTemplatesService, DEFAULT_REPLY_TEMPLATES, REPLY_VARIABLES, type ReplyTemplate, type RenderedReply } from './reply-templates.service.js';
export { signLink, verifyLink, linkKey, RateLimiter } from './intake/web-form.js';
export { registerTicketsRoutes, ticketActor } from './http/tickets.routes.js';
export { registerPublicTicketsRoutes } from './http/public-tickets.routes.js';
export { registerServiceAdminRoutes } from './http/service-admin.routes.js';
export * from './sla.schemas.js';
export { SlaService, deriveSla, pickPolicy, policyMatches, CN_HOLIDAYS, STANDARD_POLICY, type Calendar, type SlaPolicy, type RuntimePolicy, type SlaTicket, type SlaState, type TargetClock, type TicketSla, type ScanResult } from './sla.service.js';
export { addBusinessMinutes, businessMinutesBetween, businessMsBetween, calendarIssues, isOpen, isTimeZone, type BusinessCalendar, type OpenInterval, type CalendarIssue } from './domain/business-time.js';
export { scheduleSlaScan, SLA_SCAN_JOB } from './sla.jobs.js';
export { registerSlaRoutes } from './http/sla.routes.js';
