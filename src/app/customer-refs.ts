import { sql } from 'drizzle-orm';
import type { EntityRef } from '../platform/http/customer-scope-guard.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A lookup by uuid; a value that is no uuid resolves to nothing (the route answers 400 or 404 itself). */
const byUuid = (f: (id: string) => ReturnType<typeof sql>) => (v: string) => (UUID.test(v) ? f(v) : sql`select null::uuid as customer_id where false`);

/**
 * Routes whose path names an entity that belongs to a customer: store-bound callers (guides, store managers) reach it
 * only when its customer is in their scope (platform/http/customer-scope-guard.ts). Paths naming the customer directly
 * (`/customers/:id`, `:customerId`) need no entry. The scope test walks every route in the OpenAPI document as a guide
 * of another store, so a route missing here fails it.
 */
export const CUSTOMER_REFS: EntityRef[] = [
  // A guest order (no customer) is the store's: its staff see it, as in their order list.
  { url: '/api/v1/orders/:id', param: 'id', lookup: byUuid((id) => sql`select case when guest then null else customer_id end as customer_id, store_code from orders.orders where id = ${id}::uuid`) },
  {
    url: '/api/v1/service/tickets/:id*',
    param: 'id',
    lookup: byUuid((id) => sql`select customer_id from service.tickets where id = ${id}::uuid`),
  },
  {
    url: '/api/v1/service/compensations/:id*',
    param: 'id',
    lookup: byUuid((id) => sql`select t.customer_id from service.compensations c join service.tickets t on t.id = c.ticket_id where c.id = ${id}::uuid`),
  },
  {
    url: '/api/v1/messaging/messages/:id*',
    param: 'id',
    lookup: byUuid((id) => sql`select customer_id from messaging.messages where id = ${id}::uuid`),
  },
  {
    url: '/api/v1/messaging/guide-tasks/:id*',
    param: 'id',
    lookup: byUuid((id) => sql`select customer_id from messaging.guide_tasks where id = ${id}::uuid`),
  },
  {
    url: '/api/v1/loyalty/holds/:id*',
    param: 'id',
    lookup: byUuid((id) => sql`select customer_id from loyalty.holds where id = ${id}::uuid`),
  },
  {
    url: '/api/v1/checkout/reservations/:id*',
    param: 'id',
    lookup: byUuid((id) => sql`select customer_id from promotions.reservations where id = ${id}::uuid`),
  },
  {
    url: '/api/v1/coupons/:code*',
    param: 'code',
    // By code through the key table; a pool code (assigned to nobody: a synthetic customer_id) is nobody's.
    lookup: (code) =>
      sql`select case when c.assigned then c.customer_id end as customer_id
          from promotions.coupon_codes k join promotions.coupons c on c.customer_id = k.customer_id and c.id = k.coupon_id
          where k.code = ${code.trim().toUpperCase()}`,
  },
  {
    url: '/api/v1/customers/duplicates/:id*',
    param: 'id',
    lookup: byUuid(
      (id) => sql`select unnest(array[customer_id, other_id]) as customer_id from customers.duplicate_candidates where id = ${id}::uuid`,
    ),
  },
];
