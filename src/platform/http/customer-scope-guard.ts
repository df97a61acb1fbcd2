import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { SQL } from 'drizzle-orm';
import { customerScope, customersInScope, type CustomerScope } from '../customer-scope.js';
import { query, type Db } from '../db/database.js';
import { AppError } from '../errors.js';
import { errorBody } from './app.js';

/**
 * Store scoping at the HTTP edge, for guides and store managers (see ../customer-scope.ts). Two layers:
 *
 * 1. Before the handler: every customer a request names — a `/customers/:id` path, a `customerId`/`customerIds` in the
 *    path, query or body, or an entity the registry below resolves to its customer (a ticket, an order, a message) —
 *    must be in the caller's scope. Otherwise the answer is 404, as for an id that does not exist, and the handler
 *    never runs, so nothing is read or changed.
 * 2. Before serialisation: the answer is walked for customer references (`customerId`, `customer_id`, `customer.id`,
 *    and the ids of the customers lists). Array elements about a customer out of scope are dropped; an answer that is
 *    itself about such a customer becomes 404. Lists that filter in SQL (customers, tickets, guide tasks) page
 *    correctly; elsewhere this layer guarantees nothing leaks, at the cost of a page holding fewer rows than asked.
 */

/**
 * Resolves a path parameter to the customer id(s) it belongs to (`customer_id`, and optionally `store_code` for an
 * entity without a customer that a store owns). Returns no rows for an unknown id.
 */
export type EntityLookup = (value: string) => SQL;

export interface EntityRef {
  /** The route's URL as Fastify registered it, e.g. `/api/v1/tickets/:id`; a trailing `*` matches every route below. */
  url: string;
  param: string;
  lookup: EntityLookup;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CUSTOMER_PATH = /\/customers\/:(id|customerId)(\/|$)/;
const CUSTOMER_LIST_PATHS = new Set(['/api/v1/customers', '/api/v1/customers/search']);

function matches(pattern: string, url: string): boolean {
  if (pattern.endsWith('*')) return url.startsWith(pattern.slice(0, -1));
  return pattern === url;
}

function notFound(): AppError {
  return new AppError('not_found', 'not_found', 'Not found (or not in your store)');
}

/** Customer ids named directly by the request: path, query and top-level body fields. */
function namedCustomers(req: FastifyRequest, url: string): string[] {
  const out: string[] = [];
  const params = (req.params ?? {}) as Record<string, unknown>;
  if (CUSTOMER_PATH.test(url) && typeof params.id === 'string') out.push(params.id);
  for (const bag of [params, req.query as Record<string, unknown> | undefined, req.body as Record<string, unknown> | undefined]) {
    if (!bag || typeof bag !== 'object' || Array.isArray(bag)) continue;
    for (const key of ['customerId', 'customer_id', 'customer', 'survivorId', 'mergedId', 'otherId', 'referrerId', 'refereeId']) {
      const v = bag[key];
      if (typeof v === 'string' && (key !== 'customer' || UUID.test(v))) out.push(v);
    }
    const many = bag.customerIds;
    if (Array.isArray(many)) for (const v of many) if (typeof v === 'string') out.push(v);
  }
  return out;
}

/** Walks an answer for references to customers; calls `visit` with each id and the chain of containers above it. */
function collectRefs(payload: unknown, listIds: boolean, found: Set<string>): void {
  const walk = (node: unknown, depth: number, underCustomersList: boolean) => {
    if (depth > 12 || node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const x of node) walk(x, depth + 1, underCustomersList);
      return;
    }
    const o = node as Record<string, unknown>;
    for (const [k, v] of Object.entries(o)) {
      if ((k === 'customerId' || k === 'customer_id') && typeof v === 'string' && UUID.test(v)) found.add(v);
      // `customer: {id}`, and the `other` of a pair beside it (a suspected duplicate).
      else if ((k === 'customer' || (k === 'other' && 'customer' in o)) && v && typeof v === 'object' && !Array.isArray(v)) {
        const id = (v as Record<string, unknown>).id;
        if (typeof id === 'string' && UUID.test(id)) found.add(id);
      }
      if (underCustomersList && k === 'id' && typeof v === 'string' && UUID.test(v)) found.add(v);
      if (v && typeof v === 'object') walk(v, depth + 1, listIds && (k === 'items' || k === 'customers'));
    }
  };
  walk(payload, 0, false);
}

/** True when the object itself names a customer out of scope. */
function namesOutside(o: Record<string, unknown>, outside: Set<string>, isCustomerRow: boolean): boolean {
  for (const k of ['customerId', 'customer_id']) {
    const v = o[k];
    if (typeof v === 'string' && outside.has(v)) return true;
  }
  for (const k of ['customer', 'other']) {
    const c = o[k];
    if (k === 'other' && !('customer' in o)) continue;
    if (c && typeof c === 'object' && !Array.isArray(c) && outside.has(String((c as Record<string, unknown>).id))) return true;
  }
  return isCustomerRow && typeof o.id === 'string' && outside.has(o.id);
}

/** Drops array elements about customers out of scope; returns false when the node itself is about one. */
function prune(node: unknown, outside: Set<string>, depth: number, customerRows: boolean): boolean {
  if (depth > 12 || node === null || typeof node !== 'object') return true;
  if (Array.isArray(node)) {
    for (let i = node.length - 1; i >= 0; i--) if (!prune(node[i], outside, depth + 1, customerRows)) node.splice(i, 1);
    return true;
  }
  const o = node as Record<string, unknown>;
  if (namesOutside(o, outside, customerRows)) return false;
  for (const [k, v] of Object.entries(o)) {
    if (v && typeof v === 'object') {
      const rows = customerRows && (k === 'items' || k === 'customers');
      if (!prune(v, outside, depth + 1, rows) && !Array.isArray(v)) o[k] = null;
    }
  }
  return true;
}

/** Where store-bound callers create customers; the ones created are handed to `adopt` before the answer is checked. */
const CREATING = new Set(['POST /api/v1/customers', 'POST /api/v1/customers/batch']);

/** The per-item results of a customer upsert (`{ index, status, id }`), alone or as a batch's items. */
function upsertResults(payload: unknown): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  const one = (x: unknown) => {
    if (x && typeof x === 'object' && typeof (x as { id?: unknown }).id === 'string' && typeof (x as { status?: unknown }).status === 'string')
      out.push(x as Record<string, unknown>);
  };
  one(payload);
  const items = (payload as { items?: unknown } | null)?.items;
  if (Array.isArray(items)) items.forEach(one);
  return out;
}

export function installCustomerScopeGuard(
  app: FastifyInstance,
  db: Db,
  refs: readonly EntityRef[],
  adopt?: (customerIds: string[], scope: CustomerScope, actor: string) => Promise<unknown>,
): void {
  const scopeOf = (req: FastifyRequest): CustomerScope | undefined =>
    (req.routeOptions.url ?? '').startsWith('/api/') ? customerScope(req.principal) : undefined;

  app.addHook('preHandler', async (req) => {
    const scope = scopeOf(req);
    if (!scope) return;
    const url = req.routeOptions.url ?? '';
    const ids = namedCustomers(req, url);
    const params = (req.params ?? {}) as Record<string, unknown>;
    for (const ref of refs) {
      if (!matches(ref.url, url)) continue;
      const value = params[ref.param];
      if (typeof value !== 'string') continue;
      const rows = await query<{ customer_id: string | null; store_code?: string | null }>(db, ref.lookup(value));
      for (const r of rows) if (r.customer_id) ids.push(r.customer_id);
      // An entity about nobody in particular (a guest's ticket, an unattributed order) is the store's when the lookup
      // names the caller's store (a guest sale at their till); otherwise it belongs to no store's book.
      if (rows.length && rows.every((r) => !r.customer_id) && !rows.some((r) => scope.storeCode !== null && r.store_code === scope.storeCode))
        throw notFound();
    }
    if (!ids.length) return;
    const malformed = ids.filter((id) => !UUID.test(id));
    if (malformed.length) return; // validation answers these with 400 naming the field
    const inScope = await customersInScope(db, scope, ids);
    if (ids.some((id) => !inScope.has(id))) throw notFound();
  });

  app.addHook('preSerialization', async (req, reply, payload: unknown) => {
    const scope = scopeOf(req);
    if (!scope || !payload || typeof payload !== 'object' || reply.statusCode >= 400) return payload;
    const url = req.routeOptions.url ?? '';
    if (CREATING.has(`${req.method} ${url}`)) {
      // A new profile joins the caller's book. Identifiers that resolved to an existing customer of another store
      // update that golden profile (one person, one profile), but the answer does not say who it is.
      const results = upsertResults(payload);
      const created = results.filter((r) => r.status === 'created').map((r) => r.id as string);
      if (adopt && created.length) await adopt(created, scope, `${req.principal!.kind === 'staff' ? 'staff' : 'key'}:${req.principal!.id}`);
      const inScope = await customersInScope(db, scope, results.map((r) => r.id as string));
      for (const r of results) {
        if (!inScope.has(r.id as string)) {
          r.id = null;
          r.otherStore = true;
        }
      }
    }
    const listIds = CUSTOMER_LIST_PATHS.has(url);
    const found = new Set<string>();
    collectRefs(payload, listIds, found);
    if (listIds) {
      const items = (payload as Record<string, unknown>).items;
      if (Array.isArray(items)) for (const x of items) if (x && typeof (x as { id?: unknown }).id === 'string') found.add((x as { id: string }).id);
    }
    if (!found.size) return payload;
    const inScope = await customersInScope(db, scope, [...found]);
    const outside = new Set([...found].filter((id) => !inScope.has(id)));
    if (!outside.size) return payload;
    if (!prune(payload, outside, 0, listIds)) {
      reply.status(404);
      const e = notFound();
      return errorBody(e.code, e.message, req.id);
    }
    return payload;
  });
}
