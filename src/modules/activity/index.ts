export {
  ActivityService,
  type Event,
  type EventResult,
  type RecordContext,
  type EventsRecorded,
  type IdentifierAttached,
} from './activity.service.js';
export { EventInput, EventQuery, EVENT_TYPES } from './activity.schemas.js';
export { registerActivityRoutes, eventView } from './http/activity.routes.js';
