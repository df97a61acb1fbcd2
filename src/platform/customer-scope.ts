import { sql, type SQL } from 'drizzle-orm';
import { query, type Db } from './db/database.js';
import type { Principal } from './http/auth.js';

/**
 * Store scoping: guides and store managers (of a store) see only the customers of their store (a customer belongs to the store of
 * their open assignment in staff.assignments) and, for a guide, their own book (customers assigned to them, whatever
 * the store). Everyone else (admins, marketers, analysts, service agents, integration keys given scopes one by one)
 * sees every customer.
 */
export interface CustomerScope {
  /** The caller's store; null = a store-bound role without a store, who sees only their own book (or nothing). */
  storeCode: string | null;
  /** A guide's staff id: customers assigned to them are in scope even when assigned at another store. */
  staffId: string | null;
}

export const STORE_BOUND_ROLES: ReadonlySet<string> = new Set(['guide', 'store_manager']);

/** The caller's customer scope, or undefined when the caller sees every customer. */
export function customerScope(principal: Principal | undefined): CustomerScope | undefined {
  if (!principal || !principal.role || !STORE_BOUND_ROLES.has(principal.role)) return undefined;
  // A store manager account without a store is an area manager: every store's customers. (A guide without a store
  // keeps only their own book; an API key with either role always has a store.)
  if (principal.role === 'store_manager' && !principal.storeCode) return undefined;
  return {
    storeCode: principal.storeCode ?? null,
    staffId: principal.kind === 'staff' && principal.role === 'guide' ? principal.id : null,
  };
}

/**
 * A SQL condition true when the customer id expression is in scope (use in WHERE clauses of customer-bearing lists).
 * With no scope it is `true`.
 */
export function inScopeSql(scope: CustomerScope | undefined, customerId: SQL): SQL {
  if (!scope) return sql`true`;
  return sql`exists (select 1 from staff.assignments sa where sa.customer_id = ${customerId} and sa.ended_at is null
    and (${scope.storeCode === null ? sql`false` : sql`sa.store_code = ${scope.storeCode}`}
      or ${scope.staffId === null ? sql`false` : sql`sa.staff_id = ${scope.staffId}::uuid`}))`;
}

/** Which of these customer ids are in scope (all of them when unscoped). */
export async function customersInScope(db: Db, scope: CustomerScope | undefined, ids: readonly string[]): Promise<Set<string>> {
  if (!scope) return new Set(ids);
  const uuids = [...new Set(ids)].filter((id) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id));
  if (!uuids.length) return new Set();
  const rows = await query<{ id: string }>(
    db,
    sql`select c.id::text as id from unnest(${`{${uuids.join(',')}}`}::uuid[]) as c(id) where ${inScopeSql(scope, sql`c.id`)}`,
  );
  return new Set(rows.map((r) => r.id));
}
