import { sql } from 'drizzle-orm';
import { bigint, boolean, check, index, integer, jsonb, pgSchema, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export const promotionsSchema = pgSchema('promotions');

/**
 * A promotion: what it gives (`definition`: the domain's scope, rule, excluded SKUs and cap — validated by the
 * module's zod schema), who and where it applies to (`conditions`: channels, stores, segments, tiers, new or
 * returning customers, birthday month, pick-up, members only), when (window), how it combines with others (priority,
 * group, exclusive) and its limits (budget, total uses, first N customers, uses per customer). A random, stable
 * holdout share of the customers it targets never gets it, so its effect can be measured.
 */
export const promotions = promotionsSchema.table(
  'promotions',
  {
    id: uuid('id').primaryKey(),
    code: text('code').notNull(),
    name: text('name').notNull(),
    description: text('description'),
    status: text('status').notNull().default('draft'), // draft | active | paused | ended
    definition: jsonb('definition').notNull(),
    conditions: jsonb('conditions').notNull().default({}),
    startsAt: timestamp('starts_at', { withTimezone: true }),
    endsAt: timestamp('ends_at', { withTimezone: true }),
    priority: integer('priority').notNull().default(100),
    stackGroup: text('stack_group'),
    exclusive: boolean('exclusive').notNull().default(false),
    budgetFen: bigint('budget_fen', { mode: 'number' }),
    totalQuantity: integer('total_quantity'),
    firstN: integer('first_n'),
    perCustomerLimit: integer('per_customer_limit'),
    holdoutPercent: integer('holdout_percent').notNull().default(0),
    version: integer('version').notNull().default(1),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('promotions_code_uq').on(t.code),
    index('promotions_active_idx').on(t.status, t.startsAt, t.endsAt),
    check('promotions_holdout_ck', sql`${t.holdoutPercent} between 0 and 90`),
  ],
);

/**
 * What a promotion has used of its limits, counted when a checkout reserves it (cancel and expiry give it back):
 * the guarded `update … where uses < total_quantity` on this row is what keeps a first-100 offer at exactly 100 under
 * a rush. One row per promotion, created with it.
 */
export const promotionCounters = promotionsSchema.table(
  'promotion_counters',
  {
    promotionId: uuid('promotion_id').primaryKey(),
    uses: integer('uses').notNull().default(0),
    customers: integer('customers').notNull().default(0),
    discountFen: bigint('discount_fen', { mode: 'number' }).notNull().default(0),
  },
  (t) => [check('promotion_counters_nonneg_ck', sql`${t.uses} >= 0 and ${t.customers} >= 0 and ${t.discountFen} >= 0`)],
);

/** Uses per customer, across every channel (the per-customer limit and first-N customers count these). */
export const customerUses = promotionsSchema.table(
  'customer_uses',
  {
    customerId: uuid('customer_id').notNull(),
    promotionId: uuid('promotion_id').notNull(),
    uses: integer('uses').notNull().default(0),
    discountFen: bigint('discount_fen', { mode: 'number' }).notNull().default(0),
    firstAt: timestamp('first_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.customerId, t.promotionId] }), check('customer_uses_nonneg_ck', sql`${t.uses} >= 0`)],
);

/**
 * A coupon template: the discount a coupon gives (`definition`, as a promotion's), its conditions, validity (a fixed
 * window, or `valid_days` from issue), how it combines (priority, group, exclusive, with promotions or not), limits
 * (per customer, total issued) and what a return does to a redeemed coupon (`return_policy`: keep | restore — given
 * back when the whole order comes back and it is still valid).
 * Purposes: general, new_member (issued when a member joins), compensation (support's), gift.
 */
export const couponTemplates = promotionsSchema.table(
  'coupon_templates',
  {
    id: uuid('id').primaryKey(),
    code: text('code').notNull(),
    name: text('name').notNull(),
    purpose: text('purpose').notNull().default('general'),
    status: text('status').notNull().default('active'), // active | paused | ended
    definition: jsonb('definition').notNull(),
    conditions: jsonb('conditions').notNull().default({}),
    validFrom: timestamp('valid_from', { withTimezone: true }),
    validTo: timestamp('valid_to', { withTimezone: true }),
    validDays: integer('valid_days'),
    priority: integer('priority').notNull().default(200),
    stackGroup: text('stack_group'),
    exclusive: boolean('exclusive').notNull().default(false),
    withPromotions: boolean('with_promotions').notNull().default(true),
    perCustomerLimit: integer('per_customer_limit'),
    totalQuantity: integer('total_quantity'),
    issued: integer('issued').notNull().default(0),
    returnPolicy: text('return_policy').notNull().default('restore'),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('coupon_templates_code_uq').on(t.code), index('coupon_templates_purpose_idx').on(t.purpose, t.status)],
);

/**
 * Coupons, one row per code: in a template's pool (`available`, not assigned: generated or imported), issued to a
 * customer, `reserved` by a checkout, `redeemed`, `void` or `expired`. A code is unique across all templates — held by
 * promotions.coupon_codes, written in the same transaction. `idempotency_key` makes issuing replay-safe (a segment
 * issue run, a compensation for a ticket, a new member): unique per customer; issuing checks it across customers (a key
 * used for another customer is refused).
 *
 * customer_id is never null (Citus distributes by it, ADR 0014): a coupon not yet assigned to anyone (`assigned` false:
 * a pool code, or one reserved and released) carries the synthetic owner guestCustomerId('coupon-pool', <coupon id>),
 * never a row of customers.customers. Assigning it to a customer changes customer_id (an UPDATE here; on Citus a
 * delete + insert, as the distribution column cannot be updated).
 */
export const coupons = promotionsSchema.table(
  'coupons',
  {
    id: uuid('id').notNull(),
    templateId: uuid('template_id').notNull(),
    code: text('code').notNull(),
    customerId: uuid('customer_id').notNull(),
    /** Assigned to a real customer (issued, or bound by a checkout); false: customer_id is the synthetic pool owner. */
    assigned: boolean('assigned').notNull().default(false),
    status: text('status').notNull().default('available'), // available | issued | reserved | redeemed | void | expired
    batch: text('batch'),
    source: text('source').notNull(), // generated | imported | issue | segment | new_member | compensation | gift
    sourceRef: text('source_ref'),
    idempotencyKey: text('idempotency_key'),
    issuedAt: timestamp('issued_at', { withTimezone: true }),
    validFrom: timestamp('valid_from', { withTimezone: true }),
    validTo: timestamp('valid_to', { withTimezone: true }),
    reservationId: uuid('reservation_id'),
    orderId: uuid('order_id'),
    redeemedAt: timestamp('redeemed_at', { withTimezone: true }),
    voidedAt: timestamp('voided_at', { withTimezone: true }),
    voidReason: text('void_reason'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.customerId, t.id] }),
    index('coupons_id_idx').on(t.id),
    // Pool codes have no key: only keyed rows are indexed (a pool of a million codes writes no key index entries).
    uniqueIndex('coupons_customer_idempotency_uq').on(t.customerId, t.idempotencyKey).where(sql`${t.idempotencyKey} is not null`),
    index('coupons_idempotency_idx').on(t.idempotencyKey).where(sql`${t.idempotencyKey} is not null`),
    // (no index on (customer_id, status): the primary key (customer_id, id) serves a customer's coupons)
    index('coupons_template_idx').on(t.templateId, t.status),
    index('coupons_valid_to_idx').on(t.validTo).where(sql`${t.status} = 'issued'`),
  ],
);

/**
 * The coupon codes (a key table, ADR 0014): code → the coupon and the customer_id its row is stored under (the real
 * customer, or the synthetic pool owner). Unique codes are enforced here; a lookup by code reads this first, then the
 * coupon by (customer_id, id). Written in the same transaction as the coupon; kept in step when a coupon's owner
 * changes. On Citus it is distributed by code.
 */
export const couponCodes = promotionsSchema.table('coupon_codes', {
  code: text('code').primaryKey(),
  couponId: uuid('coupon_id').notNull(),
  customerId: uuid('customer_id').notNull(),
});

/** Issuing a template to a segment: who got a coupon and who was held out (stable random share) for measurement. */
export const issueRuns = promotionsSchema.table('issue_runs', {
  id: uuid('id').primaryKey(),
  templateId: uuid('template_id').notNull(),
  segmentId: uuid('segment_id'),
  holdoutPercent: integer('holdout_percent').notNull().default(0),
  issued: integer('issued').notNull().default(0),
  heldOut: integer('held_out').notNull().default(0),
  skipped: integer('skipped').notNull().default(0),
  actor: text('actor').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const issueRecipients = promotionsSchema.table(
  'issue_recipients',
  {
    runId: uuid('run_id').notNull(),
    customerId: uuid('customer_id').notNull(),
    grp: text('grp').notNull(), // treated | holdout | skipped
    couponId: uuid('coupon_id'),
  },
  (t) => [primaryKey({ columns: [t.runId, t.customerId] }), index('issue_recipients_customer_idx').on(t.customerId)],
);

/**
 * A checkout's reservation: the priced cart, the promotions and coupons it uses (their limits counted), the points
 * used as cash (a loyalty hold). Commit places the order with each line's allocated discount; cancel or expiry gives
 * everything back. `idempotency_key` makes a retried checkout answer the same reservation: unique per customer_id —
 * a member's retry finds it under the member, a guest's under the synthetic guestCustomerId('checkout', key) it
 * computes again (keyed (customer_id, id) for Citus, ADR 0014). The same key sent for two customers makes one each.
 */
export const reservations = promotionsSchema.table(
  'reservations',
  {
    id: uuid('id').notNull(),
    customerId: uuid('customer_id').notNull(),
    /** A guest checkout: customer_id is guestCustomerId('checkout', <idempotency key, else the reservation id>). */
    guest: boolean('guest').notNull().default(false),
    channel: text('channel').notNull(),
    storeCode: text('store_code'),
    status: text('status').notNull().default('reserved'), // reserved | committed | cancelled | expired
    idempotencyKey: text('idempotency_key'),
    cart: jsonb('cart').notNull(),
    pricing: jsonb('pricing').notNull(),
    subtotalFen: bigint('subtotal_fen', { mode: 'number' }).notNull(),
    discountFen: bigint('discount_fen', { mode: 'number' }).notNull(),
    pointsUsed: integer('points_used').notNull().default(0),
    pointsFen: bigint('points_fen', { mode: 'number' }).notNull().default(0),
    payableFen: bigint('payable_fen', { mode: 'number' }).notNull(),
    pointsHoldId: uuid('points_hold_id'),
    orderId: uuid('order_id'),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    settledAt: timestamp('settled_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.customerId, t.id] }),
    index('reservations_id_idx').on(t.id),
    uniqueIndex('reservations_customer_idempotency_uq').on(t.customerId, t.idempotencyKey),
    index('reservations_open_idx').on(t.expiresAt).where(sql`${t.status} = 'reserved'`),
    index('reservations_order_idx').on(t.orderId),
    index('reservations_customer_idx').on(t.customerId, t.createdAt),
  ],
);

/**
 * Each promotion or coupon a reservation applied, with its per-line shares (`lines`: [{ lineNo, sku, quantity,
 * amountFen }]) — what a return refunds — and the discount already handed back by returns.
 */
export const redemptions = promotionsSchema.table(
  'redemptions',
  {
    reservationId: uuid('reservation_id').notNull(),
    seq: integer('seq').notNull(),
    promotionId: uuid('promotion_id'),
    couponId: uuid('coupon_id'),
    /** The reservation's customer_id (a guest checkout's synthetic id included) and guest flag. */
    customerId: uuid('customer_id').notNull(),
    guest: boolean('guest').notNull().default(false),
    status: text('status').notNull().default('reserved'), // reserved | committed | released
    discountFen: bigint('discount_fen', { mode: 'number' }).notNull(),
    refundedFen: bigint('refunded_fen', { mode: 'number' }).notNull().default(0),
    lines: jsonb('lines').notNull(),
    orderId: uuid('order_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.customerId, t.reservationId, t.seq] }),
    index('redemptions_reservation_idx').on(t.reservationId),
    index('redemptions_promotion_idx').on(t.promotionId, t.status),
    index('redemptions_coupon_idx').on(t.couponId),
    index('redemptions_order_idx').on(t.orderId),
  ],
);
