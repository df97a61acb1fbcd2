import type { Db } from '../../../platform/db/database.js';
import type { DomainEvent } from '../../../platform/events/event-bus.js';
import type { TiersService } from '../tiers.service.js';

/** Subscriber names (recorded per delivered event; never rename). */
export const GROWTH_FROM_ORDERS_SUBSCRIBER = 'loyalty.growth-and-tiers-when-orders-change';
export const GROWTH_BACK_FROM_RETURNS_SUBSCRIBER = 'loyalty.growth-back-when-returns-recorded';
export const GROWTH_FROM_ACTIVITY_SUBSCRIBER = 'loyalty.growth-and-tiers-when-members-interact';

type OrderChanged = { orderId: string };
type BatchImported = { created: string[]; updated: string[] };
type ReturnRecorded = { returnId: string };
type EventsRecorded = { events: Array<{ id: string; customerId: string | null; type: string; occurredAt: string }> };

/**
 * orders.order.placed / orders.order.updated / orders.batch.imported → growth from spend, then an
 * upgrade for members who now reach a higher tier. All orders of a claimed batch in one pass.
 */
export function growthAndTiersWhenOrdersChange(tiers: TiersService) {
  return async (events: Array<DomainEvent<OrderChanged | BatchImported>>, tx: Db) => {
    const orders: Array<{ orderId: string; eventId: string }> = [];
    for (const e of events) {
      const p = e.payload as Partial<OrderChanged & BatchImported>;
      if (p.orderId) orders.push({ orderId: p.orderId, eventId: e.id });
      for (const id of [...(p.created ?? []), ...(p.updated ?? [])]) orders.push({ orderId: id, eventId: e.id });
    }
    const members = await tiers.growFromOrders(tx, orders);
    await tiers.qualify(tx, members);
  };
}

/** orders.return.recorded → the refund's growth is taken back (a downgrade waits for the yearly review). */
export function growthBackWhenReturnsRecorded(tiers: TiersService) {
  return async (events: Array<DomainEvent<ReturnRecorded>>, tx: Db) => {
    await tiers.takeBackForReturns(tx, events.map((e) => e.payload.returnId));
  };
}

/** activity.events.recorded → growth for the interaction types the active set rewards, then upgrades. */
export function growthAndTiersWhenMembersInteract(tiers: TiersService) {
  return async (events: Array<DomainEvent<EventsRecorded>>, tx: Db) => {
    const members = await tiers.growFromInteractions(tx, events.flatMap((e) => e.payload.events));
    await tiers.qualify(tx, members);
  };
}
