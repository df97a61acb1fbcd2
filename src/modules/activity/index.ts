export { ActivityService } from './activity.service.js';
export { EventInput, EVENT_TYPES } from './activity.schemas.js';
export { registerActivityRoutes } from './http/activity.routes.js';
