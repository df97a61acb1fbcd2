import { sql } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.js';
import type { CustomerScope } from '../../platform/customer-scope.js';
import { newId } from '../../platform/ids.js';

/**
 * A guide or store manager who registers a new customer keeps them: the new profile joins the guide's book (a store
 * manager's: the store pool). Without this the person they just signed up would vanish from their view (store
 * scoping). Customers already assigned elsewhere (an existing profile the identifiers resolved to) are left alone.
 */
export async function adoptCreatedCustomers(db: Db, customerIds: readonly string[], scope: CustomerScope, actor: string): Promise<number> {
  if (!customerIds.length || (!scope.storeCode && !scope.staffId)) return 0;
  let n = 0;
  for (const id of customerIds) {
    const r = await db.execute(
      sql`insert into staff.assignments (id, customer_id, staff_id, store_code, reason, actor, note)
          select ${newId()}, ${id}::uuid, ${scope.staffId}::uuid, ${scope.storeCode}, 'manual', ${actor}, 'registered the customer'
          where exists (select 1 from customers.customers where id = ${id}::uuid and status = 'active')
          on conflict (customer_id) where ended_at is null do nothing`,
    );
    n += (r as { rowCount?: number; affectedRows?: number }).rowCount ?? (r as { affectedRows?: number }).affectedRows ?? 0;
  }
  return n;
}
