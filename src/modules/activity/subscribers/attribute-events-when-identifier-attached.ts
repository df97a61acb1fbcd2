import type { EventHandler } from '../../../platform/events/event-bus.js';
import type { IdentifierAttached } from '../../customers/index.js';
import type { ActivityService } from '../activity.service.js';

export const ATTRIBUTE_EVENTS_SUBSCRIBER = 'activity.attribute-events-when-identifier-attached';

/**
 * An anonymous or device id now belongs to a profile because an order or a profile upsert named
 * it beside a real identifier: the events stored under that id while nobody held it become the
 * person's. (An event naming them does this in its own transaction; here it is a no-op.)
 */
export function attributeEventsWhenIdentifierAttached(activity: ActivityService): EventHandler<IdentifierAttached> {
  return async (event, tx) => {
    await activity.attributeIdentifiers(tx, [event.payload]);
  };
}
