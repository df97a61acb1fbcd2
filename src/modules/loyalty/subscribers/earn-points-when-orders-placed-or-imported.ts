import type { BatchEventHandler } from '../../../platform/events/event-bus.js';
import type { LedgerService } from '../ledger.service.js';

export const EARN_POINTS_SUBSCRIBER = 'loyalty.earn-points-when-orders-placed-or-imported';

type OrderEvent = { orderId?: string; created?: string[]; updated?: string[] };

/**
 * orders.order.placed / orders.order.updated ({orderId}) and orders.batch.imported ({created,
 * updated}): every order the batch of events names is (re)assessed in one set-based call — a
 * replayed or unchanged order earns nothing more, a changed amount earns or reverses the difference.
 */
export function earnPointsWhenOrdersPlacedOrImported(ledger: LedgerService): BatchEventHandler<OrderEvent> {
  return async (events, tx) => {
    const ids = new Set<string>();
    for (const e of events) {
      if (e.payload.orderId) ids.add(e.payload.orderId);
      for (const id of e.payload.created ?? []) ids.add(id);
      for (const id of e.payload.updated ?? []) ids.add(id);
    }
    // Large imports: bounded statement sizes.
    const all = [...ids];
    for (let i = 0; i < all.length; i += 20_000) await ledger.earnForOrders(tx, all.slice(i, i + 20_000));
  };
}
