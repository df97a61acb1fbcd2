import type { Db } from '../../../platform/db/database.js';
import type { DomainEvent } from '../../../platform/events/event-bus.js';
import type { TiersService } from '../tiers.service.js';

/** Subscriber names (recorded for events that will be retried; never rename). Growth from orders: accrue-when-orders-placed-or-imported. */
export const GROWTH_BACK_FROM_RETURNS_SUBSCRIBER = 'loyalty.growth-back-when-returns-recorded';
export const GROWTH_FROM_ACTIVITY_SUBSCRIBER = 'loyalty.growth-and-tiers-when-members-interact';

type ReturnRecorded = { returnId: string };
type EventsRecorded = { events: Array<{ id: string; customerId: string | null; type: string; occurredAt: string }> };

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
