import type { BatchEventHandler } from '../../../platform/events/event-bus.js';
import type { EventsRecorded } from '../../activity/index.js';
import type { IdentifierAttached } from '../../customers/index.js';
import type { BadgesService } from '../badges.service.js';

export const AWARD_BADGES_SUBSCRIBER = 'loyalty.award-badges-when-activity-or-orders-recorded';

/**
 * Badges are evaluated for the customers an activity call, an order or an identified anonymous id touched, set-based over
 * the published views: activity badges of the event types just recorded, order badges on orders.
 * Awards are unique per (customer, badge, period), so a redelivery or a replay awards nothing.
 */
export function awardBadgesWhenActivityOrOrdersRecorded(badges: BadgesService): {
  activity: BatchEventHandler<EventsRecorded>;
  orderPlaced: BatchEventHandler<{ customerId: string | null }>;
  ordersImported: BatchEventHandler<{ created: string[]; updated: string[] }>;
  identifierAttached: BatchEventHandler<IdentifierAttached>;
} {
  return {
    activity: async (events, tx) => {
      const recorded = events.flatMap((e) => e.payload.events);
      const ids = recorded.map((r) => r.customerId).filter((id): id is string => !!id);
      const types = [...new Set(recorded.filter((r) => r.customerId).map((r) => r.type))];
      await badges.evaluate(tx, ids, { source: 'activity', eventTypes: types });
    },
    orderPlaced: async (events, tx) => {
      const ids = events.map((e) => e.payload.customerId).filter((id): id is string => !!id);
      await badges.evaluate(tx, ids, { source: 'orders' });
    },
    ordersImported: async (events, tx) => {
      await badges.evaluateOrders(tx, events.flatMap((e) => [...e.payload.created, ...e.payload.updated]));
    },
    // An anonymous or device id now names a profile: the activity module has just given it that
    // id's earlier events (its per-event handler runs before batch handlers, in this transaction).
    identifierAttached: async (events, tx) => {
      await badges.evaluate(tx, events.map((e) => e.payload.customerId), { source: 'activity' });
    },
  };
}
