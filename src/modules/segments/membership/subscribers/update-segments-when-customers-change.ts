import { sql } from 'drizzle-orm';
import { query, type Db } from '../../../../platform/db/database.js';
import type { DomainEvent } from '../../../../platform/events/event-bus.js';
import type { RuleDependency } from '../../rules/rule.schema.js';
import type { MembershipService } from '../membership.service.js';

/** Subscriber name (recorded per delivered event; never rename). */
export const UPDATE_SEGMENTS_SUBSCRIBER = 'segments.update-membership-when-customers-change';

/**
 * The events that can change who is in a rule segment, and what kind of data each changes: a segment is
 * recomputed for the event's customers only when its rule reads that data (a points change never touches
 * a "bought in 30 days" segment). Merges change everything: the absorbed profile leaves every segment.
 * Profile edits and consents arrive as customers.profiles.changed ({customerIds}).
 */
export const MEMBERSHIP_EVENTS: Record<string, ReadonlyArray<RuleDependency | 'all'>> = {
  'orders.order.placed': ['orders'],
  'orders.order.updated': ['orders'],
  'orders.batch.imported': ['orders'],
  'orders.return.recorded': ['orders'],
  'activity.events.recorded': ['events'],
  'customers.identifier.attached': ['events'],
  'customers.profiles.changed': ['profile', 'consent'],
  'customers.customer.merged': ['all'],
  'customers.customer.unmerged': ['all'],
  'loyalty.tier.changed': ['loyalty'],
  'loyalty.points.earned': ['loyalty'],
  'loyalty.points.redeemed': ['loyalty'],
  'loyalty.points.expired': ['loyalty'],
  'loyalty.points.reversed': ['loyalty'],
  'loyalty.points.adjusted': ['loyalty'],
};

type Payload = {
  customerId?: string | null;
  survivorId?: string;
  absorbedId?: string;
  created?: string[];
  updated?: string[];
  events?: Array<{ customerId?: string | null }>;
  changes?: Array<{ customerId?: string | null }>;
  entries?: Array<{ customerId?: string | null }>;
  customerIds?: string[];
};

/** Every event of a claimed batch (one name) → one set-based update for all the customers they name. */
export function updateSegmentsWhenCustomersChange(membership: MembershipService) {
  return async (events: Array<DomainEvent<Payload>>, tx: Db) => {
    const changed = MEMBERSHIP_EVENTS[events[0]!.name] ?? ['all'];
    const ids = new Set<string>();
    const orders: string[] = [];
    const survivors = new Map<string, string>();
    for (const e of events) {
      const p = e.payload;
      if (p.customerId) ids.add(p.customerId);
      if (p.survivorId) ids.add(p.survivorId);
      if (p.absorbedId) ids.add(p.absorbedId);
      if (e.name === 'customers.customer.merged' && p.absorbedId && p.survivorId) survivors.set(p.absorbedId, p.survivorId);
      for (const list of [p.events, p.changes, p.entries]) for (const x of list ?? []) if (x.customerId) ids.add(x.customerId);
      for (const id of p.customerIds ?? []) ids.add(id);
      orders.push(...(p.created ?? []), ...(p.updated ?? []));
    }
    // An imported batch names orders only: their customers, looked up only when some segment reads orders.
    const customers = async () => {
      for (let i = 0; i < orders.length; i += 20_000) {
        const rows = await query<{ customer_id: string }>(
          tx,
          sql`select distinct customer_id from orders.order_facts where id = any(${sql.param(orders.slice(i, i + 20_000))}::uuid[]) and not guest`,
        );
        for (const r of rows) ids.add(r.customer_id);
      }
      return [...ids];
    };
    await membership.update(tx, customers, changed, { survivors });
  };
}
