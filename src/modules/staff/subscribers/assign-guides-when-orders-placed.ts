import type { BatchEventHandler } from '../../../platform/events/event-bus.js';
import type { StaffService } from '../staff.service.js';

/** Subscriber name (recorded for events that will be retried; never rename). */
export const ASSIGN_GUIDES_SUBSCRIBER = 'staff.assign-guides-when-orders-placed';

type OrderEvent = { orderId?: string; created?: string[] };

/**
 * orders.order.placed ({orderId}) and orders.batch.imported ({created}): a customer without an open assignment is
 * assigned by their earliest order in the claimed events (first purchase); anyone already assigned keeps their guide.
 */
export function assignGuidesWhenOrdersPlaced(staff: StaffService): BatchEventHandler<OrderEvent> {
  return async (events, tx) => {
    const ids = events.flatMap((e) => [...(e.payload.orderId ? [e.payload.orderId] : []), ...(e.payload.created ?? [])]);
    await staff.assignOnFirstPurchase(tx, [...new Set(ids)]);
  };
}
