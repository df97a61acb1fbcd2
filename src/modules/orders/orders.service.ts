import { sql, type SQL } from 'drizzle-orm';
import { parseInstant } from '../../platform/clock.js';
import { pgCode, query, queryOne, type Db } from '../../platform/db/database.js';
import { moveCustomerRows } from '../../platform/db/move-rows.js';
import { invalid, notFound, type ErrorKind, type FieldIssue } from '../../platform/errors.js';
import { guestCustomerId, newId } from '../../platform/ids.js';
import { publishAll } from '../../platform/events/event-bus.js';
import { countOrdersIngested, writtenCount } from '../../platform/metrics.js';
import type { CatalogService } from '../catalog/index.js';
import { validateCustomerRef, type CustomerRefInput, type CustomersService } from '../customers/index.js';
import {
  appendLines,
  changedFields,
  orderKey,
  prepareOrder,
  snapshotOf,
  type OrderSnapshot,
  type PreparedLine,
  type PreparedOrder,
} from './domain/order-content.js';
import { copyClient, copyRows } from './db/copy-rows.js';
import { ordersExportParticipant } from './privacy-export.js';
import { planReturn, type LineState, type ReturnPart } from './domain/return-plan.js';
import type { OrderInput, ReturnInput } from './orders.schemas.js';

export interface ItemError {
  kind: ErrorKind;
  code: string;
  message: string;
  issues?: FieldIssue[];
}

export type OrderResult =
  | { status: 'created' | 'updated' | 'unchanged'; id: string; customerId: string | null }
  | { status: 'error'; id: null; customerId: null; error: ItemError };

export type ReturnResult =
  | { status: 'created' | 'unchanged'; id: string; orderId: string; customerId: string | null; refundFen: number }
  | { status: 'error'; id: null; orderId: null; customerId: null; error: ItemError };

export interface IngestContext {
  /** Where the orders came from: 'api', 'import', 'demo', … (kept on the order, passed to identity resolution). */
  source: string;
}

/**
 * A file import writing orders in its own transactions (see `importOrders`). `runTag` is the
 * source stored on the orders this run creates, so the run can tell them from anyone else's.
 */
export interface ImportBatchOptions {
  source: string;
  runTag: string;
  /**
   * stream: the file is being read; an order that already exists with other content is not
   * written but `deferred` (it may be the first part of an order scattered over the file).
   * merge: the deferred rows, regrouped; an order this run created gets these lines appended,
   * any other is written as usual (unchanged, or updated with a version).
   */
  phase: 'stream' | 'merge';
  /**
   * Merge phase: orders whose earlier rows in the file matched the stored order (reported
   * unchanged in the stream phase); the stored lines are the file's first part of the order.
   */
  continues?: (channel: string, externalId: string) => boolean;
}

export type ImportOrderResult =
  | OrderResult
  | { status: 'deferred'; id: null; customerId: null }
  /** Merge phase: the rest of an order this run created was added to it. */
  | { status: 'appended'; id: string; customerId: string | null };

/** Event of a bulk import: one per committed batch instead of one per order. */
export const ORDERS_BATCH_IMPORTED = 'orders.batch.imported';

export interface OrderFilter {
  customerId?: string | undefined;
  channel?: string | undefined;
  storeCode?: string | undefined;
  /** A date or date-time; without an offset it is read in the business zone. */
  from?: string | undefined;
  /** A date-time (exclusive) or a date (through its end). */
  to?: string | undefined;
  /** A condition on the order row `o` limiting the list to the caller's customers (store scoping). */
  within?: SQL | undefined;
}

export interface OrderQuery extends OrderFilter {
  limit: number;
  cursor?: string | undefined;
}

export const ORDER_SORTS = ['placedAt', 'paid', 'channel', 'store'] as const;
type OrderSortKey = (typeof ORDER_SORTS)[number];
export type OrderSort = OrderSortKey | `-${OrderSortKey}`;

export interface OrderPageQuery extends OrderFilter {
  sort: OrderSort;
  page: number;
  pageSize: number;
}

/** Sort keys → SQL; text collates by code point so PGlite and PostgreSQL agree. */
const ORDER_SORT_SQL: Record<OrderSortKey, string> = {
  placedAt: 'o.placed_at',
  paid: 'o.paid_fen',
  channel: 'o.channel collate "C"',
  store: 'o.store_code collate "C"',
};

interface ExistingOrder {
  id: string;
  /** The member, or null for a guest order. */
  customerId: string | null;
  /** The stored customer_id: the member's id, or the guest order's guestCustomerId. */
  rowCustomerId: string;
  hash: string;
  version: number;
  source: string;
}

type Deps = { customers: CustomersService; catalog: CatalogService; timeZone: string; defaultRegion: string };

const RETRYABLE = new Set(['23505', '40P01', '40001']);
const ATTEMPTS = 4;
/** Catalog codes this process has seen committed; past this many the memo starts over. */
const KNOWN_CODES_MAX = 200_000;

/** Someone else wrote one of our orders between our read and our write: run the whole call again. */
class ConcurrentWrite extends Error {
  readonly code = '40001';
}

/**
 * Orders, lines and returns. `ingestOrders` is the one write path for the REST API, the file
 * importer and the demo generator: every statement works on the whole batch, so a call costs
 * the same handful of round trips for 1 order or 5,000.
 */
export class OrdersService {
  // Placeholders are never deleted, so a code once committed needs no catalog round trip again.
  private readonly knownStores = new Set<string>();
  private readonly knownSkus = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly deps: Deps,
  ) {
    deps.customers.registerMergeParticipant({
      name: 'orders',
      moveRecords: (tx, fromId, toId) => this.moveRecords(tx, fromId, toId),
      restoreRecords: (tx, ids, toId) => this.restoreRecords(tx, ids, toId),
    });
    deps.customers.registerExportParticipant(ordersExportParticipant);
  }

  /**
   * Validate, resolve customers and write a batch of orders in one transaction. Results are in
   * input order. An invalid item is reported and not written; the valid ones are. Within one
   * call the last occurrence of a (channel, externalId) is the one written and the earlier ones
   * report its result.
   */
  async ingestOrders(items: OrderInput[], ctx: IngestContext): Promise<OrderResult[]> {
    const results: Array<OrderResult | undefined> = new Array(items.length);
    const prepared = new Map<string, { order: PreparedOrder; indexes: number[] }>();
    items.forEach((item, index) => {
      const order = this.prepare(item);
      if ('error' in order) {
        results[index] = order;
        return;
      }
      const key = orderKey(order.channel, order.externalId);
      const seen = prepared.get(key);
      prepared.set(key, { order, indexes: [...(seen?.indexes ?? []), index] });
    });
    if (prepared.size > 0) {
      const ensured: EnsuredCodes = { stores: [], skus: [] };
      const orders = [...prepared.values()].map((p) => p.order);
      const written = await this.retrying(() => this.db.transaction((tx) => this.writeOrders(tx, orders, ctx, ensured)));
      countOrdersIngested(ctx.source, writtenCount(written.values()));
      remember(this.knownStores, ensured.stores);
      remember(this.knownSkus, ensured.skus);
      for (const [key, { indexes }] of prepared) for (const i of indexes) results[i] = written.get(key) as OrderResult;
    }
    return results as OrderResult[];
  }

  /**
   * The file importer's write path: the orders of one chunk of a file, written in the caller's
   * transaction (which also commits the import's checkpoint, so a resumed import never writes a
   * chunk twice). Orders are validated already; each occurs once. Instead of an event per order
   * the batch publishes one `orders.batch.imported` event naming the orders it created and
   * updated. Results are in input order.
   */
  async importOrders(tx: Db, items: OrderInput[], opts: ImportBatchOptions): Promise<ImportOrderResult[]> {
    const results: ImportOrderResult[] = new Array(items.length);
    const orders: PreparedOrder[] = [];
    const at: number[] = [];
    items.forEach((item, index) => {
      const order = this.prepare(item);
      if ('error' in order) {
        results[index] = order;
        return;
      }
      orders.push(order);
      at.push(index);
    });
    if (orders.length > 0) {
      const written = await this.writeOrders(tx, orders, { source: opts.source }, { stores: [], skus: [] }, opts);
      orders.forEach((o, i) => (results[at[i]!] = written.get(orderKey(o.channel, o.externalId))!));
    }
    return results;
  }

  /** Amounts and hash of a valid order, or the error result naming what is wrong with it. */
  private prepare(item: OrderInput): PreparedOrder | Extract<OrderResult, { status: 'error' }> {
    const { order, issues } = prepareOrder(item, this.deps.timeZone);
    if (item.customer) issues.push(...validateCustomerRef(item.customer, this.deps.defaultRegion));
    if (!order || issues.length > 0) return errorResult({ kind: 'validation', code: 'validation_failed', message: describe(issues), issues });
    return order;
  }

  private async writeOrders(
    tx: Db,
    orders: PreparedOrder[],
    ctx: IngestContext,
    ensured: EnsuredCodes,
    batch?: ImportBatchOptions,
  ): Promise<Map<string, ImportOrderResult>> {
    const out = new Map<string, ImportOrderResult>();
    const existing = await this.findExisting(tx, orders);
    const fresh: PreparedOrder[] = [];
    const changed: Array<{ order: PreparedOrder; before: ExistingOrder }> = [];
    const appended: Array<{ order: PreparedOrder; before: ExistingOrder }> = [];
    const continued: Array<{ order: PreparedOrder; before: ExistingOrder }> = [];
    for (const order of orders) {
      const key = orderKey(order.channel, order.externalId);
      const before = existing.get(key);
      if (!before) fresh.push(order);
      else if (batch && before.source === batch.runTag) {
        // More rows of an order this run created from an earlier part of the file.
        if (batch.phase === 'stream') out.set(key, { status: 'deferred', id: null, customerId: null });
        else appended.push({ order, before });
      } else if (batch?.phase === 'merge' && batch.continues?.(order.channel, order.externalId)) continued.push({ order, before });
      else if (before.hash === order.hash) out.set(key, { status: 'unchanged', id: before.id, customerId: before.customerId });
      else if (batch?.phase === 'stream') out.set(key, { status: 'deferred', id: null, customerId: null });
      else changed.push({ order, before });
    }
    if (appended.length > 0 || continued.length > 0) {
      const stored = await this.snapshots(tx, [...appended, ...continued].map((a) => a.before.id));
      for (const a of [...appended, ...continued]) a.order = appendLines(stored.get(a.before.id)!, a.order);
      for (const c of continued) {
        if (c.before.hash === c.order.hash)
          out.set(orderKey(c.order.channel, c.order.externalId), { status: 'unchanged', id: c.before.id, customerId: c.before.customerId });
        else changed.push(c);
      }
    }
    if (fresh.length === 0 && changed.length === 0 && appended.length === 0) return out;

    const storedLines = await this.linesOf(tx, changed.map((c) => c.before.id));
    const updates: Array<{ order: PreparedOrder; before: ExistingOrder; lines: LineState[] }> = [];
    for (const c of changed) {
      const lines = storedLines.get(c.before.id) ?? [];
      const issues = conflictsWithReturns(c.order.lines, lines);
      if (issues.length > 0) {
        out.set(orderKey(c.order.channel, c.order.externalId), errorResult({
          kind: 'conflict',
          code: 'orders.conflicts_with_returns',
          message: describe(issues),
          issues,
        }));
      } else updates.push({ ...c, lines });
    }

    const toWrite = [...fresh, ...updates.map((u) => u.order), ...appended.map((a) => a.order)];
    const customerIds = await this.resolveCustomers(tx, toWrite, ctx);
    await this.ensureCatalog(tx, toWrite, ensured);

    // Inserting in key order keeps two overlapping batches from deadlocking on the unique index.
    fresh.sort((a, b) => cmp(orderKey(a.channel, a.externalId), orderKey(b.channel, b.externalId)));
    const events: Array<{ name: string; payload: unknown }> = [];
    const created: string[] = [];
    const updated: string[] = [];
    if (fresh.length > 0) {
      const rows = fresh.map((o) => ({ o, id: newId(), customerId: customerIds.get(o) ?? null }));
      await this.insertOrders(tx, rows, batch?.runTag ?? ctx.source);
      for (const { o, id, customerId } of rows) {
        out.set(orderKey(o.channel, o.externalId), { status: 'created', id, customerId });
        if (batch) created.push(id);
        else events.push({ name: 'orders.order.placed', payload: eventPayload(id, customerId, o) });
      }
    }
    if (updates.length > 0) {
      const rows = updates.map((u) => ({ ...u, customerId: customerIds.get(u.order) ?? null }));
      await this.updateOrders(tx, rows, batch?.runTag ?? ctx.source);
      for (const { order, before, customerId } of rows) {
        out.set(orderKey(order.channel, order.externalId), { status: 'updated', id: before.id, customerId });
        if (batch) updated.push(before.id);
        else events.push({ name: 'orders.order.updated', payload: eventPayload(before.id, customerId, order) });
      }
    }
    if (appended.length > 0) {
      const rows = appended.map((a) => ({ ...a, customerId: customerIds.get(a.order) ?? null }));
      await this.rewriteOrders(tx, rows);
      for (const { order, before, customerId } of rows) {
        out.set(orderKey(order.channel, order.externalId), { status: 'appended', id: before.id, customerId });
        updated.push(before.id);
      }
    }
    await this.keepFirstOrders(tx, [
      ...fresh.map((o) => ({ order: o, customerId: customerIds.get(o) ?? null, before: null })),
      ...updates.map((u) => ({ order: u.order, customerId: customerIds.get(u.order) ?? null, before: u.before, redated: true })),
      ...appended.map((a) => ({ order: a.order, customerId: customerIds.get(a.order) ?? null, before: a.before })),
    ]);
    if (batch && (created.length > 0 || updated.length > 0))
      events.push({ name: ORDERS_BATCH_IMPORTED, payload: { source: batch.runTag, created, updated } });
    await publishAll(tx, events);
    return out;
  }

  /**
   * Tell the customers module when the written orders' customers first bought. New orders can only
   * make that earlier; a changed order (status, date or customer may differ) and the customer an
   * order left are recomputed from the stored orders.
   */
  private async keepFirstOrders(
    tx: Db,
    written: Array<{ order: PreparedOrder; customerId: string | null; before: ExistingOrder | null; redated?: boolean }>,
  ): Promise<void> {
    const earliest = new Map<string, Date>();
    const recompute = new Set<string>();
    for (const { order, customerId, before, redated } of written) {
      if (before?.customerId && before.customerId !== customerId) recompute.add(before.customerId);
      if (!customerId) continue;
      if (redated) recompute.add(customerId);
      else if (order.status !== 'cancelled') {
        const t = earliest.get(customerId);
        if (!t || order.placedAt < t) earliest.set(customerId, order.placedAt);
      }
    }
    await this.deps.customers.recordFirstOrders(tx, [...earliest].map(([customerId, at]) => ({ customerId, at: at.toISOString() })), 'earliest');
    await this.recomputeFirstOrders(tx, [...recompute]);
  }

  private async recomputeFirstOrders(tx: Db, customerIds: string[]): Promise<void> {
    if (customerIds.length === 0) return;
    const rows = await query<{ customer_id: string; first_at: string | Date }>(
      tx,
      sql`select customer_id, min(placed_at) as first_at from orders.orders
          where customer_id = any(${uuidArray(customerIds)}) and status <> 'cancelled' group by customer_id`,
    );
    const found = new Map(rows.map((r) => [r.customer_id, new Date(r.first_at).toISOString()]));
    await this.deps.customers.recordFirstOrders(tx, customerIds.map((id) => ({ customerId: id, at: found.get(id) ?? null })), 'exact');
  }

  /**
   * An order this import run created from the first part of a scattered file, with the rest of
   * its lines: the same order, completed, so no version is recorded.
   */
  private async rewriteOrders(tx: Db, rows: Array<{ order: PreparedOrder; before: ExistingOrder; customerId: string | null }>): Promise<void> {
    await this.moveOrders(tx, rows.map(({ order, before, customerId }) => orderMove(before, order, customerId)));
    const data = rows.map(({ order, before, customerId }) => ({
      id: before.id,
      customer_id: rowCustomerId(order, customerId),
      gross_fen: order.grossFen,
      discount_fen: order.discountFen,
      paid_fen: order.paidFen,
      line_count: order.lines.length,
      content_hash: order.hash,
    }));
    await tx.execute(
      sql`update orders.orders o set gross_fen = x.gross_fen, discount_fen = x.discount_fen,
            paid_fen = x.paid_fen, line_count = x.line_count, content_hash = x.content_hash, updated_at = now()
          from json_to_recordset(${json(data)})
            as x(id uuid, customer_id uuid, gross_fen bigint, discount_fen bigint, paid_fen bigint, line_count int, content_hash text)
          where o.customer_id = x.customer_id and o.id = x.id`,
    );
    await tx.execute(
      sql`delete from orders.order_lines l using json_to_recordset(${json(data)}) as x(id uuid, customer_id uuid)
          where l.customer_id = x.customer_id and l.order_id = x.id`,
    );
    await insertLines(
      tx,
      rows.flatMap(({ order, before, customerId }) => order.lines.map((l, i) => lineRow(before.id, i + 1, rowCustomerId(order, customerId), l))),
    );
  }

  private async findExisting(tx: Db, orders: PreparedOrder[]): Promise<Map<string, ExistingOrder>> {
    const keys = orders.map((o) => ({ channel: o.channel, external_id: o.externalId }));
    const rows = await query<{
      id: string;
      channel: string;
      external_id: string;
      customer_id: string;
      guest: boolean;
      content_hash: string;
      version: number;
      source: string;
    }>(
      tx,
      sql`select o.id, o.channel, o.external_id, o.customer_id, o.guest, o.content_hash, o.version, o.source
          from json_to_recordset(${json(keys)}) as k(channel text, external_id text)
          join orders.orders o on o.channel = k.channel and o.external_id = k.external_id`,
    );
    return new Map(
      rows.map((r) => [
        orderKey(r.channel, r.external_id),
        {
          id: r.id,
          customerId: r.guest ? null : r.customer_id,
          rowCustomerId: r.customer_id,
          hash: r.content_hash,
          version: Number(r.version),
          source: r.source,
        },
      ]),
    );
  }

  private async linesOf(tx: Db, orderIds: string[]): Promise<Map<string, LineState[]>> {
    const byOrder = new Map<string, LineState[]>();
    if (orderIds.length === 0) return byOrder;
    const rows = await query<{
      order_id: string;
      line_no: number;
      sku: string;
      quantity: number;
      paid_fen: number | string;
      returned_quantity: number;
      refunded_fen: number | string;
    }>(
      tx,
      sql`select l.order_id, l.line_no, l.sku, l.quantity, l.paid_fen, l.returned_quantity, l.refunded_fen
          from orders.orders o join orders.order_lines l on l.customer_id = o.customer_id and l.order_id = o.id
          where o.id = any(${uuidArray(orderIds)}) order by l.order_id, l.line_no`,
    );
    for (const r of rows) {
      const list = byOrder.get(r.order_id) ?? [];
      list.push({
        lineNo: Number(r.line_no),
        sku: r.sku,
        quantity: Number(r.quantity),
        paidFen: Number(r.paid_fen),
        returnedQuantity: Number(r.returned_quantity),
        refundedFen: Number(r.refunded_fen),
      });
      byOrder.set(r.order_id, list);
    }
    return byOrder;
  }

  /**
   * One identity-resolution call for the whole batch: the member of each order with a customer ref. Orders without one
   * (or whose ref resolves to no one) are guests: stored under guestCustomerId(channel, externalId) with guest = true.
   */
  private async resolveCustomers(tx: Db, orders: PreparedOrder[], ctx: IngestContext): Promise<Map<PreparedOrder, string | null>> {
    const withRef = orders.filter((o): o is PreparedOrder & { customer: CustomerRefInput } => o.customer !== undefined);
    const ids = new Map<PreparedOrder, string | null>();
    if (withRef.length === 0) return ids;
    const resolved = await this.deps.customers.resolveCustomers(
      tx,
      withRef.map((o) => o.customer),
      { source: ctx.source },
    );
    withRef.forEach((o, i) => ids.set(o, resolved[i]?.customerId ?? null));
    return ids;
  }

  /** Unknown stores and SKUs become catalog placeholders, so every line joins to a product row. */
  private async ensureCatalog(tx: Db, orders: PreparedOrder[], ensured: EnsuredCodes): Promise<void> {
    const stores = new Set<string>();
    const skus = new Set<string>();
    for (const o of orders) {
      if (o.storeCode && !this.knownStores.has(o.storeCode)) stores.add(o.storeCode);
      for (const l of o.lines) if (!this.knownSkus.has(l.sku)) skus.add(l.sku);
    }
    // Sorted, so two batches creating the same new codes lock them in the same order.
    ensured.stores = [...stores].sort(cmp);
    ensured.skus = [...skus].sort(cmp);
    if (ensured.stores.length > 0) await this.deps.catalog.ensureStores(tx, ensured.stores);
    if (ensured.skus.length > 0) await this.deps.catalog.ensureProducts(tx, ensured.skus);
  }

  private async insertOrders(
    tx: Db,
    rows: Array<{ o: PreparedOrder; id: string; customerId: string | null }>,
    source: string,
  ): Promise<void> {
    const orderRows = rows.map(({ o, id, customerId }) => ({ ...orderRow(id, customerId, o, o.status), source }));
    const lineRows = rows.flatMap(({ o, id, customerId }) => o.lines.map((l, i) => lineRow(id, i + 1, rowCustomerId(o, customerId), l)));
    // The idempotency keys first, in one statement: a concurrent call that created one of these orders after our
    // lookup holds its key, so fewer rows go in; the whole call is retried and then sees that order as existing.
    await insertKeys(tx, 'order', orderRows.map((r) => ({ channel: r.channel, external_id: r.external_id, customer_id: r.customer_id, id: r.id })));
    const client = copyClient(tx);
    if (client) {
      await copyRows(client, 'orders.orders', ORDER_COPY_COLUMNS, orderRows.map((r) => ORDER_COPY_COLUMNS.map((c) => r[c as keyof typeof r])));
      await copyRows(client, 'orders.order_lines', LINE_COLUMNS, lineRows.map((r) => LINE_COLUMNS.map((c) => r[c as keyof typeof r])));
      return;
    }
    await tx.execute(
      sql`insert into orders.orders (id, customer_id, guest, channel, external_id, store_code, staff_code, placed_at, status,
            payment_method, fulfillment, currency, gross_fen, discount_fen, paid_fen, line_count, content_hash, source, attributes)
          select x.id, x.customer_id, x.guest, x.channel, x.external_id, x.store_code, x.staff_code, x.placed_at, x.status,
            x.payment_method, x.fulfillment, x.currency, x.gross_fen, x.discount_fen, x.paid_fen, x.line_count, x.content_hash,
            x.source, x.attributes::jsonb
          from json_to_recordset(${json(orderRows)})
            as x(id uuid, customer_id uuid, guest boolean, channel text, external_id text, store_code text, staff_code text,
                 placed_at timestamptz, status text, payment_method text, fulfillment text, currency text, gross_fen bigint,
                 discount_fen bigint, paid_fen bigint, line_count int, content_hash text, source text, attributes json)`,
    );
    await insertLines(tx, lineRows);
  }

  /** A changed replay: the previous state goes to order_versions, the order and lines take the new content. */
  private async updateOrders(
    tx: Db,
    rows: Array<{ order: PreparedOrder; before: ExistingOrder; lines: LineState[]; customerId: string | null }>,
    source: string,
  ): Promise<void> {
    const previous = await this.snapshots(tx, rows.map((r) => r.before.id));
    // A guest order attributed to a member (or a member's order re-sent without one) moves with its lines, versions,
    // returns and keys to the new customer_id first (moveCustomerRows: delete + insert, ADR 0014).
    await this.moveOrders(tx, rows.map(({ order, before, customerId }) => orderMove(before, order, customerId)));
    const versions = rows.map(({ order, before, lines, customerId }) => {
      const status = statusAfterReplay(order, lines);
      const was = previous.get(before.id)!;
      return {
        order_id: before.id,
        customer_id: rowCustomerId(order, customerId),
        version: before.version,
        changed_fields: changedFields(was, snapshotOf(order, customerId, status)),
        previous: was,
        row: { ...orderRow(before.id, customerId, order, status), version: before.version },
      };
    });
    await tx.execute(
      sql`insert into orders.order_versions (order_id, customer_id, version, changed_fields, previous)
          select x.order_id, x.customer_id, x.version, x.changed_fields, x.previous::jsonb
          from json_to_recordset(${json(versions.map(({ row: _row, ...v }) => v))})
            as x(order_id uuid, customer_id uuid, version int, changed_fields text[], previous json)`,
    );
    const updated = await query<{ id: string }>(
      tx,
      sql`update orders.orders o set
            store_code = x.store_code, staff_code = x.staff_code, placed_at = x.placed_at,
            status = x.status, payment_method = x.payment_method, fulfillment = x.fulfillment, currency = x.currency,
            gross_fen = x.gross_fen, discount_fen = x.discount_fen, paid_fen = x.paid_fen, line_count = x.line_count,
            content_hash = x.content_hash, attributes = x.attributes::jsonb, source = ${source},
            version = o.version + 1, updated_at = now()
          from json_to_recordset(${json(versions.map((v) => v.row))})
            as x(id uuid, customer_id uuid, store_code text, staff_code text, placed_at timestamptz, status text,
                 payment_method text, fulfillment text, currency text, gross_fen bigint, discount_fen bigint, paid_fen bigint,
                 line_count int, content_hash text, attributes json, version int)
          where o.customer_id = x.customer_id and o.id = x.id and o.version = x.version
          returning o.id`,
    );
    if (updated.length !== rows.length) throw new ConcurrentWrite('order updated concurrently');

    const ids = rows.map((r) => ({ id: r.before.id, line_count: r.order.lines.length, customer_id: rowCustomerId(r.order, r.customerId) }));
    await tx.execute(
      sql`delete from orders.order_lines l using json_to_recordset(${json(ids)}) as x(id uuid, line_count int, customer_id uuid)
          where l.customer_id = x.customer_id and l.order_id = x.id and l.line_no > x.line_count`,
    );
    await insertLines(
      tx,
      rows.flatMap(({ order, before, customerId }) => order.lines.map((l, i) => lineRow(before.id, i + 1, rowCustomerId(order, customerId), l))),
      true,
    );
  }

  /**
   * Give orders another customer_id (a guest order attributed to a member, a member's order re-sent as a guest, a
   * merge or unmerge), with everything keyed by it: lines, versions, returns, return lines and the idempotency keys.
   * customer_id is the distribution column on Citus (ADR 0014), so the rows move with moveCustomerRows (delete + insert
   * in one statement), one call per table and (old owner, new owner) pair: a merge moves all its orders in one, a batch
   * of guest orders claimed by members takes one per order (each guest sale has its own owner). Tables an order has no
   * rows in (versions, returns) are skipped. Only the guest flag changing (same owner) is an update in place.
   * Returns the ids of the returns that moved.
   */
  private async moveOrders(tx: Db, moves: OrderMove[]): Promise<string[]> {
    const todo = moves.filter((m) => m.from !== m.to || m.guestBefore !== m.guest);
    if (todo.length === 0) return [];
    const flagged = todo.filter((m) => m.from === m.to);
    if (flagged.length > 0) {
      const f = sql`json_to_recordset(${json(flagged)}) as x(id uuid, "from" uuid, guest boolean)`;
      await tx.execute(sql`update orders.orders o set guest = x.guest, updated_at = now() from ${f} where o.customer_id = x."from" and o.id = x.id`);
      await tx.execute(sql`update orders.returns r set guest = x.guest from ${f} where r.customer_id = x."from" and r.order_id = x.id`);
    }
    const moved = todo.filter((m) => m.from !== m.to);
    if (moved.length === 0) return [];
    const y = sql`json_to_recordset(${json(moved)}) as x(id uuid, "from" uuid, "to" uuid, guest boolean)`;
    const present = await query<{ kind: 'version' | 'return'; order_id: string }>(
      tx,
      sql`select distinct 'version' as kind, v.order_id from orders.order_versions v join ${y} on v.customer_id = x."from" and v.order_id = x.id
          union all
          select distinct 'return' as kind, r.order_id from orders.returns r join ${y} on r.customer_id = x."from" and r.order_id = x.id`,
    );
    const withVersions = new Set(present.filter((p) => p.kind === 'version').map((p) => p.order_id));
    const withReturns = new Set(present.filter((p) => p.kind === 'return').map((p) => p.order_id));
    const groups = new Map<string, { from: string; to: string; guest: boolean; ids: string[] }>();
    for (const m of moved) {
      const key = `${m.from} ${m.to} ${m.guest}`;
      const g = groups.get(key) ?? { from: m.from, to: m.to, guest: m.guest, ids: [] };
      g.ids.push(m.id);
      groups.set(key, g);
    }
    const returnIds: string[] = [];
    for (const { from, to, guest, ids } of groups.values()) {
      const guestFlag = sql`${guest}::boolean`;
      await moveCustomerRows(tx, 'orders.orders', from, to, { where: sql`t.id = any(${uuidArray(ids)})`, set: { guest: guestFlag, updated_at: sql`now()` } });
      await moveCustomerRows(tx, 'orders.order_lines', from, to, { where: sql`t.order_id = any(${uuidArray(ids)})` });
      const versioned = ids.filter((id) => withVersions.has(id));
      if (versioned.length > 0) await moveCustomerRows(tx, 'orders.order_versions', from, to, { where: sql`t.order_id = any(${uuidArray(versioned)})` });
      const returned = ids.filter((id) => withReturns.has(id));
      if (returned.length === 0) continue;
      const returns = await moveCustomerRows<{ id: string }>(tx, 'orders.returns', from, to, {
        where: sql`t.order_id = any(${uuidArray(returned)})`,
        set: { guest: guestFlag },
        returning: ['id'],
      });
      if (returns.length === 0) continue;
      await moveCustomerRows(tx, 'orders.return_lines', from, to, { where: sql`t.return_id = any(${uuidArray(returns.map((r) => r.id))})` });
      returnIds.push(...returns.map((r) => r.id));
    }
    // orders.external_keys is a key table (distributed by external_id): its customer_id follows the order in place.
    await tx.execute(
      sql`update orders.external_keys k set customer_id = x."to"
          from ${y} join orders.orders o on o.customer_id = x."to" and o.id = x.id
          where k.external_id = o.external_id and k.channel = o.channel and k.kind = 'order'`,
    );
    if (returnIds.length > 0) {
      await tx.execute(
        sql`update orders.external_keys k set customer_id = x."to"
            from ${y} join orders.returns r on r.customer_id = x."to" and r.order_id = x.id
            where k.external_id = r.external_id and k.channel = r.channel and k.kind = 'return'`,
      );
    }
    return returnIds;
  }

  private async snapshots(tx: Db, orderIds: string[]): Promise<Map<string, OrderSnapshot>> {
    const rows = await query<{
      id: string;
      customer_id: string | null;
      store_code: string | null;
      staff_code: string | null;
      placed_at: Date | string;
      status: string;
      payment_method: string | null;
      fulfillment: string | null;
      currency: string;
      gross_fen: number | string;
      discount_fen: number | string;
      paid_fen: number | string;
      attributes: Record<string, unknown>;
      lines: Array<{ sku: string; quantity: number; unit_price_fen: number; discount_fen: number; paid_fen: number }>;
    }>(
      tx,
      sql`select o.id, case when o.guest then null else o.customer_id end as customer_id, o.store_code, o.staff_code,
            o.placed_at, o.status, o.payment_method, o.fulfillment, o.currency, o.gross_fen, o.discount_fen, o.paid_fen,
            o.attributes,
            (select json_agg(json_build_object('sku', l.sku, 'quantity', l.quantity, 'unit_price_fen', l.unit_price_fen,
                    'discount_fen', l.discount_fen, 'paid_fen', l.paid_fen) order by l.line_no)
             from orders.order_lines l where l.customer_id = o.customer_id and l.order_id = o.id) as lines
          from orders.orders o where o.id = any(${uuidArray(orderIds)})`,
    );
    return new Map(
      rows.map((r) => [
        r.id,
        {
          customerId: r.customer_id,
          storeCode: r.store_code,
          staffCode: r.staff_code,
          placedAt: new Date(r.placed_at).toISOString(),
          status: r.status,
          paymentMethod: r.payment_method,
          fulfillment: r.fulfillment,
          currency: r.currency,
          grossFen: Number(r.gross_fen),
          discountFen: Number(r.discount_fen),
          paidFen: Number(r.paid_fen),
          attributes: r.attributes,
          lines: (r.lines ?? []).map((l) => ({
            sku: l.sku,
            quantity: Number(l.quantity),
            unitPriceFen: Number(l.unit_price_fen),
            discountFen: Number(l.discount_fen),
            paidFen: Number(l.paid_fen),
          })),
        },
      ]),
    );
  }

  /**
   * Record returns and refunds in one transaction. A return names its order by (channel,
   * externalId) and lines by number or SKU; a replay of the same return is reported unchanged.
   */
  async recordReturns(items: ReturnInput[], ctx: IngestContext = { source: 'api' }): Promise<ReturnResult[]> {
    const results: Array<ReturnResult | undefined> = new Array(items.length);
    const valid: Array<{ index: number; input: ReturnInput; returnedAt: Date }> = [];
    items.forEach((input, index) => {
      const returnedAt = parseInstant(input.returnedAt, this.deps.timeZone);
      if (!returnedAt) {
        const issues = [{ path: 'returnedAt', message: 'is not a valid date-time' }];
        results[index] = returnError({ kind: 'validation', code: 'validation_failed', message: describe(issues), issues });
      } else valid.push({ index, input, returnedAt });
    });
    if (valid.length > 0) {
      const written = await this.retrying(() => this.db.transaction((tx) => this.writeReturns(tx, valid, ctx)));
      for (const [index, r] of written) results[index] = r;
    }
    return results as ReturnResult[];
  }

  private async writeReturns(
    tx: Db,
    items: Array<{ index: number; input: ReturnInput; returnedAt: Date }>,
    ctx: IngestContext,
  ): Promise<Map<number, ReturnResult>> {
    const out = new Map<number, ReturnResult>();
    const orderKeys = [...new Map(items.map(({ input: { order } }) => [orderKey(order.channel, order.externalId), order])).values()];
    // Row locks on the orders serialise concurrent returns against the same order.
    const orders = await query<{
      id: string;
      channel: string;
      external_id: string;
      customer_id: string;
      guest: boolean;
      status: string;
      placed_at: Date | string;
    }>(
      tx,
      sql`select o.id, o.channel, o.external_id, o.customer_id, o.guest, o.status, o.placed_at
          from orders.orders o
          join json_to_recordset(${json(orderKeys.map((k) => ({ channel: k.channel, external_id: k.externalId })))})
            as k(channel text, external_id text) on o.channel = k.channel and o.external_id = k.external_id
          order by o.id for update of o`,
    );
    const orderByKey = new Map(orders.map((o) => [orderKey(o.channel, o.external_id), o]));
    const lines = await this.linesOf(tx, orders.map((o) => o.id));
    const prior = await query<{
      id: string;
      channel: string;
      external_id: string;
      order_id: string;
      refund_fen: number | string;
      parts: Array<{ line_no: number; quantity: number }>;
    }>(
      tx,
      sql`select r.id, r.channel, r.external_id, r.order_id, r.refund_fen,
            (select json_agg(json_build_object('line_no', rl.order_line_no, 'quantity', rl.quantity))
             from orders.return_lines rl where rl.customer_id = r.customer_id and rl.return_id = r.id) as parts
          from orders.returns r
          join json_to_recordset(${json(items.map(({ input }) => ({ channel: input.channel, external_id: input.externalId })))})
            as k(channel text, external_id text) on r.channel = k.channel and r.external_id = k.external_id`,
    );
    const recorded = new Map<string, RecordedReturn>(
      prior.map((p) => [
        orderKey(p.channel, p.external_id),
        {
          id: p.id,
          orderId: p.order_id,
          refundFen: Number(p.refund_fen),
          parts: (p.parts ?? []).map((x) => ({ lineNo: Number(x.line_no), quantity: Number(x.quantity) })),
        },
      ]),
    );

    const created: Array<{
      id: string;
      orderId: string;
      /** The member, or null for a guest order's return. */
      customerId: string | null;
      rowCustomerId: string;
      guest: boolean;
      input: ReturnInput;
      returnedAt: Date;
      parts: ReturnPart[];
    }> = [];
    for (const { index, input, returnedAt } of items) {
      const order = orderByKey.get(orderKey(input.order.channel, input.order.externalId));
      if (!order) {
        out.set(index, returnError({
          kind: 'not_found',
          code: 'orders.order_not_found',
          message: `order: no ${input.order.channel} order ${input.order.externalId}`,
          issues: [{ path: 'order', message: `no ${input.order.channel} order ${input.order.externalId}` }],
        }));
        continue;
      }
      const key = orderKey(input.channel, input.externalId);
      const same = recorded.get(key);
      if (same) {
        out.set(index, replayedReturn(same, { id: order.id, customer_id: order.guest ? null : order.customer_id }, input, lines.get(order.id) ?? []));
        continue;
      }
      if (returnedAt.getTime() < new Date(order.placed_at).getTime()) {
        const issues = [{ path: 'returnedAt', message: `is before the order was placed (${new Date(order.placed_at).toISOString()})` }];
        out.set(index, returnError({ kind: 'validation', code: 'validation_failed', message: describe(issues), issues }));
        continue;
      }
      const state = lines.get(order.id) ?? [];
      const plan = planReturn(state, input.lines);
      if (plan.issues.length > 0) {
        out.set(index, returnError({ kind: 'validation', code: 'orders.return_invalid', message: describe(plan.issues), issues: plan.issues }));
        continue;
      }
      lines.set(order.id, plan.after);
      const id = newId();
      const refundFen = plan.parts.reduce((s, p) => s + p.refundFen, 0);
      const customerId = order.guest ? null : order.customer_id;
      created.push({ id, orderId: order.id, customerId, rowCustomerId: order.customer_id, guest: order.guest, input, returnedAt, parts: plan.parts });
      recorded.set(key, { id, orderId: order.id, refundFen, parts: plan.parts });
      out.set(index, { status: 'created', id, orderId: order.id, customerId, refundFen });
    }
    if (created.length === 0) return out;

    // The idempotency keys in the same transaction (sorted, so overlapping batches lock them in the same order); a
    // concurrent call that recorded one of these returns first leaves fewer rows, and the whole call is retried.
    await insertKeys(
      tx,
      'return',
      created
        .map((c) => ({ channel: c.input.channel, external_id: c.input.externalId, customer_id: c.rowCustomerId, id: c.id }))
        .sort((a, b) => cmp(orderKey(a.channel, a.external_id), orderKey(b.channel, b.external_id))),
    );
    await tx.execute(
      sql`insert into orders.returns (id, order_id, customer_id, guest, channel, external_id, returned_at, reason, refund_fen)
          select x.id, x.order_id, x.customer_id, x.guest, x.channel, x.external_id, x.returned_at, x.reason, x.refund_fen
          from json_to_recordset(${json(
            created.map((c) => ({
              id: c.id,
              order_id: c.orderId,
              customer_id: c.rowCustomerId,
              guest: c.guest,
              channel: c.input.channel,
              external_id: c.input.externalId,
              returned_at: c.returnedAt.toISOString(),
              reason: c.input.reason ?? null,
              refund_fen: c.parts.reduce((s, p) => s + p.refundFen, 0),
            })),
          )}) as x(id uuid, order_id uuid, customer_id uuid, guest boolean, channel text, external_id text,
                   returned_at timestamptz, reason text, refund_fen bigint)`,
    );
    await tx.execute(
      sql`insert into orders.return_lines (return_id, customer_id, order_line_no, quantity, refund_fen)
          select x.return_id, x.customer_id, x.line_no, x.quantity, x.refund_fen
          from json_to_recordset(${json(
            created.flatMap((c) =>
              c.parts.map((p) => ({ return_id: c.id, customer_id: c.rowCustomerId, line_no: p.lineNo, quantity: p.quantity, refund_fen: p.refundFen })),
            ),
          )}) as x(return_id uuid, customer_id uuid, line_no int, quantity int, refund_fen bigint)`,
    );
    const touched = [...new Set(created.map((c) => c.orderId))];
    const rowCustomerOf = new Map(orders.map((o) => [o.id, o.customer_id]));
    await tx.execute(
      sql`update orders.order_lines l set returned_quantity = x.returned_quantity, refunded_fen = x.refunded_fen
          from json_to_recordset(${json(
            touched.flatMap((orderId) =>
              lines.get(orderId)!.map((l) => ({
                order_id: orderId,
                customer_id: rowCustomerOf.get(orderId),
                line_no: l.lineNo,
                returned_quantity: l.returnedQuantity,
                refunded_fen: l.refundedFen,
              })),
            ),
          )}) as x(order_id uuid, customer_id uuid, line_no int, returned_quantity int, refunded_fen bigint)
          where l.customer_id = x.customer_id and l.order_id = x.order_id and l.line_no = x.line_no
            and (l.returned_quantity, l.refunded_fen) is distinct from (x.returned_quantity, x.refunded_fen)`,
    );
    await tx.execute(
      sql`update orders.orders o set refunded_fen = x.refunded_fen, status = x.status, updated_at = now()
          from json_to_recordset(${json(
            touched.map((orderId) => {
              const ls = lines.get(orderId)!;
              const status = orders.find((o) => o.id === orderId)!.status;
              return { id: orderId, customer_id: rowCustomerOf.get(orderId), refunded_fen: ls.reduce((s, l) => s + l.refundedFen, 0), status: returnStatus(ls, status) };
            }),
          )}) as x(id uuid, customer_id uuid, refunded_fen bigint, status text)
          where o.customer_id = x.customer_id and o.id = x.id`,
    );
    await publishAll(
      tx,
      created.map((c) => ({
        name: 'orders.return.recorded',
        payload: {
          returnId: c.id,
          orderId: c.orderId,
          customerId: c.customerId,
          channel: c.input.channel,
          externalId: c.input.externalId,
          returnedAt: c.returnedAt.toISOString(),
          refundFen: c.parts.reduce((s, p) => s + p.refundFen, 0),
          source: ctx.source,
        },
      })),
    );
    return out;
  }

  /**
   * Move every order and return of `fromId` to `toId`, with their lines, versions and idempotency keys; the moved ids
   * let an unmerge move exactly those back. The rows move with moveCustomerRows (delete + insert, ADR 0014).
   */
  async moveRecords(tx: Db, fromId: string, toId: string): Promise<string[]> {
    const orders = await query<{ id: string }>(tx, sql`select id from orders.orders where customer_id = ${fromId} order by id`);
    const orderIds = orders.map((o) => o.id);
    const returnIds = await this.moveOrders(tx, orderIds.map((id) => ({ id, from: fromId, to: toId, guest: false, guestBefore: false })));
    return [...orderIds, ...returnIds];
  }

  async restoreRecords(tx: Db, ids: string[], toId: string): Promise<void> {
    if (ids.length === 0) return;
    const list = uuidArray(ids);
    const orders = await query<{ id: string; customer_id: string; guest: boolean }>(
      tx,
      sql`select id, customer_id, guest from orders.orders where id = any(${list}) order by id`,
    );
    await this.moveOrders(tx, orders.map((o) => ({ id: o.id, from: o.customer_id, to: toId, guest: false, guestBefore: o.guest })));
    const from = orders.filter((o) => !o.guest).map((o) => o.customer_id);
    await this.recomputeFirstOrders(tx, [...new Set([toId, ...from])]);
  }

  async getOrder(id: string) {
    const order = await queryOne<OrderRow>(this.db, sql`select ${ORDER_COLUMNS} from orders.orders o where o.id = ${id}`);
    if (!order) throw notFound('orders.order_not_found', `No order with id ${id}`);
    const [lines, returns, versions] = await Promise.all([
      query<{
        line_no: number;
        sku: string;
        product_name: string | null;
        quantity: number;
        unit_price_fen: number | string;
        discount_fen: number | string;
        paid_fen: number | string;
        returned_quantity: number;
        refunded_fen: number | string;
      }>(
        this.db,
        sql`select l.line_no, l.sku, p.name as product_name, l.quantity, l.unit_price_fen, l.discount_fen, l.paid_fen,
              l.returned_quantity, l.refunded_fen
            from orders.order_lines l left join catalog.products p on p.sku = l.sku
            where l.customer_id = ${order.customer_id} and l.order_id = ${id} order by l.line_no`,
      ),
      query<{
        id: string;
        channel: string;
        external_id: string;
        returned_at: Date | string;
        reason: string | null;
        refund_fen: number | string;
        lines: Array<{ line_no: number; quantity: number; refund_fen: number }>;
      }>(
        this.db,
        sql`select r.id, r.channel, r.external_id, r.returned_at, r.reason, r.refund_fen,
              (select json_agg(json_build_object('line_no', rl.order_line_no, 'quantity', rl.quantity, 'refund_fen', rl.refund_fen)
                       order by rl.order_line_no)
               from orders.return_lines rl where rl.customer_id = r.customer_id and rl.return_id = r.id) as lines
            from orders.returns r where r.customer_id = ${order.customer_id} and r.order_id = ${id} order by r.returned_at, r.id`,
      ),
      query<{ version: number; changed_at: Date | string; changed_fields: string[]; previous: OrderSnapshot }>(
        this.db,
        sql`select version, changed_at, changed_fields, previous from orders.order_versions
            where customer_id = ${order.customer_id} and order_id = ${id} order by version`,
      ),
    ]);
    return {
      ...orderView(order),
      lines: lines.map((l) => ({
        lineNo: Number(l.line_no),
        sku: l.sku,
        productName: l.product_name,
        quantity: Number(l.quantity),
        unitPriceFen: Number(l.unit_price_fen),
        discountFen: Number(l.discount_fen),
        paidFen: Number(l.paid_fen),
        returnedQuantity: Number(l.returned_quantity),
        refundedFen: Number(l.refunded_fen),
      })),
      returns: returns.map((r) => ({
        id: r.id,
        channel: r.channel,
        externalId: r.external_id,
        returnedAt: new Date(r.returned_at).toISOString(),
        reason: r.reason,
        refundFen: Number(r.refund_fen),
        lines: (r.lines ?? []).map((l) => ({ lineNo: Number(l.line_no), quantity: Number(l.quantity), refundFen: Number(l.refund_fen) })),
      })),
      versions: versions.map((v) => ({
        version: Number(v.version),
        changedAt: new Date(v.changed_at).toISOString(),
        changedFields: v.changed_fields,
        previous: v.previous,
      })),
    };
  }

  /** Newest first, keyset-paginated on (placed_at, id) so deep pages cost the same as the first. */
  async listOrders(q: OrderQuery) {
    const where = this.orderFilters(q);
    if (q.cursor) {
      const after = decodeCursor(q.cursor);
      where.push(sql`(o.placed_at, o.id) < (${after.placedAt}::timestamptz, ${after.id}::uuid)`);
    }
    const rows = await query<OrderRow>(
      this.db,
      sql`select ${ORDER_COLUMNS} from orders.orders o
          ${where.length > 0 ? sql`where ${sql.join(where, sql` and `)}` : sql``}
          order by o.placed_at desc, o.id desc limit ${q.limit + 1}`,
    );
    const page = rows.slice(0, q.limit).map(orderView);
    const last = page.at(-1);
    return {
      items: page,
      nextCursor: rows.length > q.limit && last ? encodeCursor(last.placedAt, last.id) : null,
    };
  }

  /** The console's order list: the same filters, a whitelisted sort, a page number and the number of matches. */
  async listOrdersPage(q: OrderPageQuery): Promise<{ items: Array<ReturnType<typeof orderView> & { storeName: string | null }>; total: number }> {
    const where = this.orderFilters(q);
    const filter = where.length > 0 ? sql`where ${sql.join(where, sql` and `)}` : sql``;
    const desc = q.sort.startsWith('-');
    const key = ORDER_SORT_SQL[(desc ? q.sort.slice(1) : q.sort) as OrderSortKey];
    const dir = desc ? 'desc nulls last' : 'asc nulls first';
    const [rows, counted] = await Promise.all([
      query<OrderRow & { store_name: string | null }>(
        this.db,
        sql`select ${ORDER_COLUMNS}, s.name as store_name from orders.orders o
            left join catalog.store_facts s on s.code = o.store_code
            ${filter}
            order by ${sql.raw(`${key} ${dir}, o.id ${desc ? 'desc' : 'asc'}`)}
            limit ${q.pageSize} offset ${(q.page - 1) * q.pageSize}`,
      ),
      query<{ n: number }>(this.db, sql`select count(*)::int as n from orders.orders o ${filter}`),
    ]);
    return { items: rows.map((r) => ({ ...orderView(r), storeName: r.store_name })), total: Number(counted[0]!.n) };
  }

  private orderFilters(q: OrderFilter): SQL[] {
    const where: SQL[] = [];
    if (q.within) where.push(q.within);
    if (q.customerId) where.push(sql`o.customer_id = ${q.customerId}`);
    if (q.channel) where.push(sql`o.channel = ${q.channel}`);
    if (q.storeCode) where.push(sql`o.store_code = ${q.storeCode}`);
    if (q.from) where.push(sql`o.placed_at >= ${this.instantParam('from', q.from)}`);
    if (q.to) {
      const end = /^\d{4}-\d{2}-\d{2}$/.test(q.to.trim()) ? nextDay(q.to.trim()) : q.to;
      where.push(sql`o.placed_at < ${this.instantParam('to', end)}`);
    }
    return where;
  }

  private instantParam(field: string, text: string): string {
    const at = parseInstant(text, this.deps.timeZone);
    if (!at) throw invalid('validation_failed', `${field}: is not a date or date-time`, [{ path: field, message: 'is not a date or date-time' }]);
    return at.toISOString();
  }

  private async retrying<T>(run: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (err) {
        if (attempt >= ATTEMPTS || !RETRYABLE.has(pgCode(err) ?? '')) throw err;
      }
    }
  }
}

interface EnsuredCodes {
  stores: string[];
  skus: string[];
}

function remember(known: Set<string>, codes: string[]): void {
  if (known.size + codes.length > KNOWN_CODES_MAX) known.clear();
  for (const c of codes) known.add(c);
}

const ORDER_COPY_COLUMNS = [
  'id',
  'customer_id',
  'guest',
  'channel',
  'external_id',
  'store_code',
  'staff_code',
  'placed_at',
  'status',
  'payment_method',
  'fulfillment',
  'currency',
  'gross_fen',
  'discount_fen',
  'paid_fen',
  'line_count',
  'content_hash',
  'source',
  'attributes',
];
const LINE_COLUMNS = ['order_id', 'line_no', 'customer_id', 'sku', 'quantity', 'unit_price_fen', 'discount_fen', 'paid_fen'];

type OrderRow = {
  id: string;
  /** The stored customer_id (a guest order's guestCustomerId included). */
  customer_id: string;
  guest: boolean;
  channel: string;
  external_id: string;
  store_code: string | null;
  staff_code: string | null;
  placed_at: Date | string;
  status: string;
  payment_method: string | null;
  fulfillment: string | null;
  currency: string;
  gross_fen: number | string;
  discount_fen: number | string;
  paid_fen: number | string;
  refunded_fen: number | string;
  line_count: number;
  version: number;
  source: string;
  attributes: Record<string, unknown>;
  created_at: Date | string;
  updated_at: Date | string;
};

const ORDER_COLUMNS = sql.raw(
  `o.id, o.customer_id, o.channel, o.external_id, o.store_code, o.staff_code, o.placed_at, o.status, o.payment_method,
   o.fulfillment, o.currency, o.gross_fen, o.discount_fen, o.paid_fen, o.refunded_fen, o.line_count, o.version, o.source,
   o.attributes, o.created_at, o.updated_at, o.guest`,
);

function orderView(o: OrderRow) {
  return {
    id: o.id,
    // A guest order has no customer: its synthetic customer_id is a distribution key, not a member.
    customerId: o.guest ? null : o.customer_id,
    channel: o.channel,
    externalId: o.external_id,
    storeCode: o.store_code,
    staffCode: o.staff_code,
    placedAt: new Date(o.placed_at).toISOString(),
    status: o.status,
    paymentMethod: o.payment_method,
    fulfillment: o.fulfillment,
    currency: o.currency,
    grossFen: Number(o.gross_fen),
    discountFen: Number(o.discount_fen),
    paidFen: Number(o.paid_fen),
    refundedFen: Number(o.refunded_fen),
    lineCount: Number(o.line_count),
    version: Number(o.version),
    source: o.source,
    attributes: o.attributes,
    createdAt: new Date(o.created_at).toISOString(),
    updatedAt: new Date(o.updated_at).toISOString(),
  };
}

/** The customer_id an order is stored under: its member's, or for a guest sale guestCustomerId(channel, externalId). */
function rowCustomerId(o: PreparedOrder, customerId: string | null): string {
  return customerId ?? guestCustomerId(o.channel, o.externalId);
}

interface OrderMove {
  id: string;
  from: string;
  to: string;
  guest: boolean;
  guestBefore: boolean;
}

function orderMove(before: ExistingOrder, order: PreparedOrder, customerId: string | null): OrderMove {
  return { id: before.id, from: before.rowCustomerId, to: rowCustomerId(order, customerId), guest: customerId === null, guestBefore: before.customerId === null };
}

/**
 * Idempotency keys of new orders or returns, one statement for the batch. `on conflict do nothing` tells a key taken
 * since our lookup (a concurrent call) from a new one, as the unique index on (channel, external_id) did; the call is
 * then retried and finds the stored row.
 */
async function insertKeys(
  tx: Db,
  kind: 'order' | 'return',
  rows: Array<{ channel: string; external_id: string; customer_id: string; id: string }>,
): Promise<void> {
  if (rows.length === 0) return;
  const inserted = await query<{ n: number | string }>(
    tx,
    sql`with ins as (
          insert into orders.external_keys (kind, channel, external_id, customer_id, id)
          select ${kind}, x.channel, x.external_id, x.customer_id, x.id
          from json_to_recordset(${json(rows)}) as x(channel text, external_id text, customer_id uuid, id uuid)
          on conflict do nothing
          returning 1)
        select count(*) as n from ins`,
  );
  if (Number(inserted[0]?.n) !== rows.length) throw new ConcurrentWrite(`${kind} created concurrently`);
}

function orderRow(id: string, customerId: string | null, o: PreparedOrder, status: string) {
  return {
    id,
    customer_id: rowCustomerId(o, customerId),
    guest: customerId === null,
    channel: o.channel,
    external_id: o.externalId,
    store_code: o.storeCode,
    staff_code: o.staffCode,
    placed_at: o.placedAt.toISOString(),
    status,
    payment_method: o.paymentMethod,
    fulfillment: o.fulfillment,
    currency: o.currency,
    gross_fen: o.grossFen,
    discount_fen: o.discountFen,
    paid_fen: o.paidFen,
    line_count: o.lines.length,
    content_hash: o.hash,
    attributes: o.attributes,
  };
}

function lineRow(orderId: string, lineNo: number, customerId: string, l: PreparedLine) {
  return {
    order_id: orderId,
    line_no: lineNo,
    customer_id: customerId,
    sku: l.sku,
    quantity: l.quantity,
    unit_price_fen: l.unitPriceFen,
    discount_fen: l.discountFen,
    paid_fen: l.paidFen,
  };
}

/** Lines of new orders are plain inserts; a changed replay upserts so returned quantities survive. */
async function insertLines(tx: Db, rows: Array<ReturnType<typeof lineRow>>, upsert = false): Promise<void> {
  if (rows.length === 0) return;
  await tx.execute(
    sql`insert into orders.order_lines (order_id, line_no, customer_id, sku, quantity, unit_price_fen, discount_fen, paid_fen)
        select x.order_id, x.line_no, x.customer_id, x.sku, x.quantity, x.unit_price_fen, x.discount_fen, x.paid_fen
        from json_to_recordset(${json(rows)})
          as x(order_id uuid, line_no int, customer_id uuid, sku text, quantity int, unit_price_fen bigint,
               discount_fen bigint, paid_fen bigint)
        ${
          upsert
            ? sql`on conflict (customer_id, order_id, line_no) do update set sku = excluded.sku,
                    quantity = excluded.quantity, unit_price_fen = excluded.unit_price_fen,
                    discount_fen = excluded.discount_fen, paid_fen = excluded.paid_fen`
            : sql``
        }`,
  );
}

function eventPayload(orderId: string, customerId: string | null, o: PreparedOrder) {
  return {
    orderId,
    customerId,
    channel: o.channel,
    storeCode: o.storeCode,
    placedAt: o.placedAt.toISOString(),
    paidFen: o.paidFen,
  };
}

/** A changed replay may not take back what was already returned. */
function conflictsWithReturns(next: PreparedLine[], stored: LineState[]): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const line of stored) {
    if (line.returnedQuantity === 0) continue;
    const i = line.lineNo - 1;
    const n = next[i];
    if (!n) issues.push({ path: 'lines', message: `line ${line.lineNo} has ${line.returnedQuantity} returned and cannot be removed` });
    else if (n.sku !== line.sku) issues.push({ path: `lines.${i}.sku`, message: `line ${line.lineNo} has returns of SKU ${line.sku}` });
    else if (n.quantity < line.returnedQuantity)
      issues.push({ path: `lines.${i}.quantity`, message: `line ${line.lineNo} has ${line.returnedQuantity} returned already` });
  }
  return issues;
}

function statusAfterReplay(order: PreparedOrder, stored: LineState[]): string {
  if (order.status === 'cancelled') return 'cancelled';
  const lines: LineState[] = order.lines.map((l, i) => ({
    lineNo: i + 1,
    sku: l.sku,
    quantity: l.quantity,
    paidFen: l.paidFen,
    returnedQuantity: stored.find((s) => s.lineNo === i + 1)?.returnedQuantity ?? 0,
    refundedFen: 0,
  }));
  return returnStatus(lines, order.status);
}

function returnStatus(lines: LineState[], current: string): string {
  const returned = lines.reduce((s, l) => s + l.returnedQuantity, 0);
  if (returned === 0) return current;
  return lines.every((l) => l.returnedQuantity >= l.quantity) ? 'returned' : 'partially_returned';
}

interface RecordedReturn {
  id: string;
  orderId: string;
  refundFen: number;
  parts: Array<{ lineNo: number; quantity: number }>;
}

/** A replayed return is unchanged when it takes back the same quantities per SKU; anything else is a conflict. */
function replayedReturn(
  prior: RecordedReturn,
  order: { id: string; customer_id: string | null },
  input: ReturnInput,
  lines: LineState[],
): ReturnResult {
  const skuOf = (lineNo: number) => lines.find((l) => l.lineNo === lineNo)?.sku ?? `#${lineNo}`;
  const bySku = (parts: Array<{ sku: string; quantity: number }>) => {
    const m = new Map<string, number>();
    for (const p of parts) m.set(p.sku, (m.get(p.sku) ?? 0) + p.quantity);
    return [...m].sort(([a], [b]) => cmp(a, b)).join(';');
  };
  const stored = prior.parts.map((p) => ({ sku: skuOf(p.lineNo), quantity: p.quantity }));
  const asked = input.lines.map((l) => ({ sku: l.lineNo !== undefined ? skuOf(l.lineNo) : l.sku!, quantity: l.quantity }));
  if (prior.orderId !== order.id || bySku(stored) !== bySku(asked)) {
    const message = `return ${input.channel} ${input.externalId} was already recorded with other lines; a recorded return cannot change`;
    return returnError({ kind: 'conflict', code: 'orders.return_conflict', message, issues: [{ path: 'externalId', message }] });
  }
  return { status: 'unchanged', id: prior.id, orderId: prior.orderId, customerId: order.customer_id, refundFen: prior.refundFen };
}

function errorResult(error: ItemError): Extract<OrderResult, { status: 'error' }> {
  return { status: 'error', id: null, customerId: null, error };
}

function returnError(error: ItemError): ReturnResult {
  return { status: 'error', id: null, orderId: null, customerId: null, error };
}

function describe(issues: FieldIssue[]): string {
  const first = issues[0];
  if (!first) return 'invalid';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return `${first.path}: ${first.message}${more}`;
}

/** A whole batch travels as one JSON parameter: one round trip, the same SQL on PGlite and Postgres. */
function json(rows: unknown): SQL {
  return sql`${JSON.stringify(rows)}::json`;
}

function uuidArray(ids: string[]): SQL {
  return sql`${`{${ids.join(',')}}`}::uuid[]`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return date;
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

function encodeCursor(placedAt: string, id: string): string {
  return Buffer.from(JSON.stringify([placedAt, id])).toString('base64url');
}

function decodeCursor(cursor: string): { placedAt: string; id: string } {
  try {
    const [placedAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    if (Number.isNaN(Date.parse(placedAt)) || !/^[0-9a-f-]{36}$/i.test(id)) throw new Error('bad cursor');
    return { placedAt, id };
  } catch {
    throw invalid('validation_failed', 'cursor: is not a cursor this API returned', [
      { path: 'cursor', message: 'is not a cursor this API returned' },
    ]);
  }
}
