import { bigint, index, integer, jsonb, pgSchema, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export const ordersSchema = pgSchema('orders');

/**
 * One order per (channel, external_id): the idempotency key of every feed. Amounts in fen.
 * customer_id is null for guest orders that carry no identifier.
 */
export const orders = ordersSchema.table(
  'orders',
  {
    id: uuid('id').primaryKey(),
    customerId: uuid('customer_id'),
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
  },
  (t) => [
    uniqueIndex('orders_channel_external_uq').on(t.channel, t.externalId),
    index('orders_customer_idx').on(t.customerId, t.placedAt),
    // Covering: the dashboard's period figures (sales, active buyers, channels, stores, trend) are index-only scans
    // of a date range; without the extra columns each read the heap pages of every order in the range.
    index('orders_placed_idx').on(t.placedAt, t.status, t.customerId, t.paidFen, t.channel, t.storeCode),
    index('orders_store_idx').on(t.storeCode, t.placedAt),
  ],
);

export const orderLines = ordersSchema.table(
  'order_lines',
  {
    orderId: uuid('order_id').notNull(),
    lineNo: integer('line_no').notNull(),
    customerId: uuid('customer_id'),
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
  (t) => [primaryKey({ columns: [t.orderId, t.lineNo] })],
);

/** A changed replay of an order: what it was before, version by version. */
export const orderVersions = ordersSchema.table(
  'order_versions',
  {
    orderId: uuid('order_id').notNull(),
    version: integer('version').notNull(),
    changedAt: timestamp('changed_at', { withTimezone: true }).notNull().defaultNow(),
    changedFields: text('changed_fields').array().notNull(),
    previous: jsonb('previous').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orderId, t.version] })],
);

/** Returns and refunds, partial by line and quantity; idempotent by (channel, external_id). */
export const returns = ordersSchema.table(
  'returns',
  {
    id: uuid('id').primaryKey(),
    orderId: uuid('order_id').notNull(),
    customerId: uuid('customer_id'),
    channel: text('channel').notNull(),
    externalId: text('external_id').notNull(),
    returnedAt: timestamp('returned_at', { withTimezone: true }).notNull(),
    reason: text('reason'),
    refundFen: bigint('refund_fen', { mode: 'number' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('returns_channel_external_uq').on(t.channel, t.externalId), index('returns_order_idx').on(t.orderId), index('returns_customer_idx').on(t.customerId)],
);

export const returnLines = ordersSchema.table(
  'return_lines',
  {
    returnId: uuid('return_id').notNull(),
    orderLineNo: integer('order_line_no').notNull(),
    quantity: integer('quantity').notNull(),
    refundFen: bigint('refund_fen', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.returnId, t.orderLineNo] })],
);
