import { bigint, boolean, index, integer, jsonb, pgSchema, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const ordersSchema = pgSchema('orders');

/**
 * One order per (channel, external_id): the idempotency key of every feed, held by orders.external_keys (ADR 0014).
 * Amounts in fen. A guest order (no identifier, or none resolved) carries the synthetic guestCustomerId(channel,
 * external_id) and guest = true: customer_id is never null, so the table can be distributed by it on Citus.
 */
export const orders = ordersSchema.table(
  'orders',
  {
    id: uuid('id').notNull(),
    customerId: uuid('customer_id').notNull(),
    channel: text('channel').notNull(), // pos | online | miniprogram | app | wechat | marketplace | other
    externalId: text('external_id').notNull(),
    storeCode: text('store_code'),
    staffCode: text('staff_code'),
    placedAt: timestamp('placed_at', { withTimezone: true }).notNull(),
    status: text('status').notNull().default('completed'), // placed | paid | completed | cancelled | partially_returned | returned
    paymentMethod: text('payment_method'),
    fulfillment: text('fulfillment'), // in_store | delivery | pickup
    currency: text('currency').notNull().default('CNY'),
    grossFen: bigint('gross_fen', { mode: 'number' }).notNull(),
    discountFen: bigint('discount_fen', { mode: 'number' }).notNull().default(0),
    paidFen: bigint('paid_fen', { mode: 'number' }).notNull(),
    refundedFen: bigint('refunded_fen', { mode: 'number' }).notNull().default(0),
    lineCount: integer('line_count').notNull(),
    /** md5 of the canonical content: a replay with the same hash changes nothing. */
    contentHash: text('content_hash').notNull(),
    version: integer('version').notNull().default(1),
    source: text('source').notNull().default('api'),
    attributes: jsonb('attributes').notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    /** A guest sale: customer_id is guestCustomerId(channel, external_id), never a row of customers.customers. */
    guest: boolean('guest').notNull().default(false),
  },
  (t) => [
    primaryKey({ columns: [t.customerId, t.id] }),
    index('orders_id_idx').on(t.id),
    // Lookups by the feed's key; uniqueness is orders.external_keys' primary key.
    index('orders_channel_external_idx').on(t.channel, t.externalId),
    index('orders_customer_idx').on(t.customerId, t.placedAt),
    // Covering: the dashboard's period figures (sales, active buyers, channels, stores, trend) are index-only scans
    // of a date range; without the extra columns each read the heap pages of every order in the range.
    index('orders_placed_idx').on(t.placedAt, t.status, t.customerId, t.paidFen, t.channel, t.storeCode, t.guest),
    index('orders_store_idx').on(t.storeCode, t.placedAt),
  ],
);

export const orderLines = ordersSchema.table(
  'order_lines',
  {
    orderId: uuid('order_id').notNull(),
    lineNo: integer('line_no').notNull(),
    /** The order's customer_id (a guest order's synthetic id included). */
    customerId: uuid('customer_id').notNull(),
    sku: text('sku').notNull(),
    quantity: integer('quantity').notNull(),
    unitPriceFen: bigint('unit_price_fen', { mode: 'number' }).notNull(),
    discountFen: bigint('discount_fen', { mode: 'number' }).notNull().default(0),
    paidFen: bigint('paid_fen', { mode: 'number' }).notNull(),
    returnedQuantity: integer('returned_quantity').notNull().default(0),
    refundedFen: bigint('refunded_fen', { mode: 'number' }).notNull().default(0),
  },
  // No index on sku: nothing looks lines up by SKU yet, and on a bulk import it cost as much as the
  // rest of the line's write (see bench/RESULTS.md). The module that needs one adds it.
  (t) => [primaryKey({ columns: [t.customerId, t.orderId, t.lineNo] })],
);

/** A changed replay of an order: what it was before, version by version. */
export const orderVersions = ordersSchema.table(
  'order_versions',
  {
    orderId: uuid('order_id').notNull(),
    /** The order's customer_id. */
    customerId: uuid('customer_id').notNull(),
    version: integer('version').notNull(),
    changedAt: timestamp('changed_at', { withTimezone: true }).notNull().defaultNow(),
    changedFields: text('changed_fields').array().notNull(),
    previous: jsonb('previous').notNull(),
  },
  (t) => [primaryKey({ columns: [t.customerId, t.orderId, t.version] })],
);

/**
 * Returns and refunds, partial by line and quantity; idempotent by (channel, external_id) (orders.external_keys, kind
 * 'return'). customer_id and guest are the order's.
 */
export const returns = ordersSchema.table(
  'returns',
  {
    id: uuid('id').notNull(),
    orderId: uuid('order_id').notNull(),
    customerId: uuid('customer_id').notNull(),
    channel: text('channel').notNull(),
    externalId: text('external_id').notNull(),
    returnedAt: timestamp('returned_at', { withTimezone: true }).notNull(),
    reason: text('reason'),
    refundFen: bigint('refund_fen', { mode: 'number' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    guest: boolean('guest').notNull().default(false),
  },
  (t) => [
    primaryKey({ columns: [t.customerId, t.id] }),
    index('returns_id_idx').on(t.id),
    index('returns_channel_external_idx').on(t.channel, t.externalId),
    index('returns_order_idx').on(t.orderId),
  ],
);

export const returnLines = ordersSchema.table(
  'return_lines',
  {
    returnId: uuid('return_id').notNull(),
    /** The return's customer_id. */
    customerId: uuid('customer_id').notNull(),
    orderLineNo: integer('order_line_no').notNull(),
    quantity: integer('quantity').notNull(),
    refundFen: bigint('refund_fen', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.customerId, t.returnId, t.orderLineNo] })],
);

/**
 * The feeds' idempotency keys (ADR 0014): one row per order (kind 'order') or return (kind 'return') by (channel,
 * external_id) → its customer and id. Inserted with `on conflict do nothing` in the transaction that writes the order or
 * return, so a re-sent one is told from a new one without a unique key on the customer-owned tables. On Citus it is
 * distributed by external_id in a co-location group of its own. customer_id follows the order (attribution, merges).
 */
export const externalKeys = ordersSchema.table(
  'external_keys',
  {
    kind: text('kind').notNull(), // order | return
    channel: text('channel').notNull(),
    externalId: text('external_id').notNull(),
    customerId: uuid('customer_id').notNull(),
    id: uuid('id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.externalId, t.channel, t.kind] })],
);
