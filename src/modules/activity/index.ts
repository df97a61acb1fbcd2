export { ActivityService, type Event, type EventResult, type RecordContext, type EventsRecorded } from './activity.service.js';
export { EventInput, EventQuery, EVENT_TYPES } from './activity.schemas.js';
export { registerActivityRoutes, eventView } from './http/activity.routes.js';
export {
  attributeEventsWhenIdentifierAttached,
  ATTRIBUTE_EVENTS_SUBSCRIBER,
} from './subscribers/attribute-events-when-identifier-attached.js';
export { scheduleRetentionNightly, RETENTION_NIGHTLY_JOB, RETENTION_NIGHTLY_CRON } from './subscribers/apply-retention-nightly.js';
export { retentionCutoff, type RetentionResult, type RetentionStatus } from './retention.js';
