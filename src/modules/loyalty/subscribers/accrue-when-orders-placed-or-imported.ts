import type { BatchEventHandler } from '../../../platform/events/event-bus.js';
import type { LedgerService } from '../ledger.service.js';
import type { TiersService } from '../tiers.service.js';

/** Subscriber name (recorded for events that will be retried; never rename). */
export const ACCRUE_SUBSCRIBER = 'loyalty.accrue-when-orders-placed-or-imported';

type OrderEvent = { orderId?: string; created?: string[]; updated?: string[] };

/**
 * orders.order.placed / orders.order.updated ({orderId}) and orders.batch.imported ({created,
 * updated}): everything an order brings a member, for every order a claimed batch names, in one
 * set-based pass with the members' accounts locked once:
 * 1. growth value from spend (idempotent per order and event), then upgrades for members who now
 *    reach a higher tier — first, so an order that lifts a member earns at the new tier's multiplier;
 * 2. points: each order (re)assessed — a replayed or unchanged order earns nothing more, a changed
 *    amount earns or reverses the difference.
 * One subscriber rather than two: the second would lock and update the same account rows again.
 */
export function accrueWhenOrdersPlacedOrImported(ledger: LedgerService, tiers: TiersService): BatchEventHandler<OrderEvent> {
  return async (events, tx) => {
    const orders: Array<{ orderId: string; eventId: string }> = [];
    for (const e of events) {
      if (e.payload.orderId) orders.push({ orderId: e.payload.orderId, eventId: e.id });
      for (const id of [...(e.payload.created ?? []), ...(e.payload.updated ?? [])]) orders.push({ orderId: id, eventId: e.id });
    }
    if (orders.length === 0) return;
    const set = await tiers.activeSet(tx);
    // Large imports: bounded statement sizes.
    for (let i = 0; i < orders.length; i += 20_000) {
      const part = orders.slice(i, i + 20_000);
      const { members, toQualify } = await tiers.growFromOrdersWithState(tx, part, set);
      await tiers.qualify(tx, toQualify, new Date(), set);
      await ledger.earnForOrders(tx, [...new Set(part.map((o) => o.orderId))], { locked: members });
    }
  };
}
