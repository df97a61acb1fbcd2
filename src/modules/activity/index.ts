export { ActivityService, type Event, type EventResult, type RecordContext, type EventsRecorded } from './activity.service.js';
export { EventInput, EventQuery, EVENT_TYPES } from './activity.schemas.js';
export { registerActivityRoutes, eventView } from './http/activity.routes.js';
export {
  attributeEventsWhenIdentifierAttached,
  ATTRIBUTE_EVENTS_SUBSCRIBER,
} from './subscribers/attribute-events-when-identifier-attached.js';
