import { sql } from 'drizzle-orm';
import { bigint, boolean, check, index, integer, jsonb, pgSchema, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export const loyaltySchema = pgSchema('loyalty');

/**
 * The programme's rules, versioned: the version in force at an instant is the one with the latest
 * effective_from at or before it. A version is never edited after it takes effect; a change is a
 * new version. `rules` is validated by the loyalty module's zod schema (earn rate and rounding,
 * multipliers, event points, caps, exclusions, pending days, expiry policy, clawback policy,
 * points-as-cash rate).
 */
export const programVersions = loyaltySchema.table(
  'program_versions',
  {
    version: integer('version').primaryKey(),
    effectiveFrom: timestamp('effective_from', { withTimezone: true }).notNull(),
    rules: jsonb('rules').notNull(),
    note: text('note'),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('program_versions_effective_uq').on(t.effectiveFrom)],
);

/**
 * One row per member: the balances the ledger adds up to, kept in the transaction that appends
 * entries (the row is locked for every change, which is what makes concurrent redemptions safe).
 * available = sum(entries.points), pending = sum(entries.pending_points); growth = sum(growth_entries.points).
 */
export const accounts = loyaltySchema.table(
  'accounts',
  {
    customerId: uuid('customer_id').primaryKey(),
    available: bigint('available', { mode: 'number' }).notNull().default(0),
    pending: bigint('pending', { mode: 'number' }).notNull().default(0),
    /** Points on active holds (already taken out of available by their redeem entries). */
    held: bigint('held', { mode: 'number' }).notNull().default(0),
    lifetimeEarned: bigint('lifetime_earned', { mode: 'number' }).notNull().default(0),
    growth: bigint('growth', { mode: 'number' }).notNull().default(0),
    tierSet: text('tier_set'),
    tierCode: text('tier_code'),
    tierSince: timestamp('tier_since', { withTimezone: true }),
    /** A manual assignment holds the tier until this instant; null when the tier follows the rules. */
    tierManualUntil: timestamp('tier_manual_until', { withTimezone: true }),
    /** Set at a yearly review that would downgrade: the member keeps the tier until then. */
    tierGraceUntil: timestamp('tier_grace_until', { withTimezone: true }),
    referralCode: text('referral_code'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('accounts_tier_idx').on(t.tierSet, t.tierCode),
    // One member's code: unique in loyalty.referral_codes (the key table, ADR 0014); this index serves readers.
    index('accounts_referral_code_idx').on(t.referralCode),
  ],
);

/**
 * The points ledger, append-only. Each entry moves available and/or pending points:
 * earn (+pending, or +available when there is no pending period), release (pending → available),
 * redeem (−available), expire (−available), reverse (undoes part of an earlier entry: a return's
 * clawback, a cancelled hold), adjust (staff, with a reason). Balance = sum of entries, always.
 */
export const ledgerEntries = loyaltySchema.table(
  'ledger_entries',
  {
    customerId: uuid('customer_id').notNull(),
    id: uuid('id').notNull(),
    kind: text('kind').notNull(), // earn | release | redeem | expire | reverse | adjust
    points: bigint('points', { mode: 'number' }).notNull(),
    pendingPoints: bigint('pending_points', { mode: 'number' }).notNull().default(0),
    /** What produced it: order | return | event | staff | hold | expiry | referral | badge | birthday | merge. */
    sourceType: text('source_type').notNull(),
    sourceId: text('source_id'),
    /** Unique: a replayed order, event or request produces nothing the second time. */
    idempotencyKey: text('idempotency_key').notNull(),
    ruleVersion: integer('rule_version'),
    /** The entry this one reverses or releases. */
    relatesTo: uuid('relates_to'),
    reason: text('reason'),
    actor: text('actor').notNull(),
    /** How the points were worked out (base, multipliers applied, caps), for the statement. */
    detail: jsonb('detail').notNull().default({}),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.customerId, t.id] }),
    // Idempotency keys are per customer: distributable by customer_id on Citus (docs/adr/0014-citus-distribution.md).
    uniqueIndex('ledger_customer_idempotency_uq').on(t.customerId, t.idempotencyKey),
    index('ledger_customer_time_idx').on(t.customerId, t.occurredAt),
    index('ledger_source_idx').on(t.sourceType, t.sourceId),
    check('ledger_kind_ck', sql`${t.kind} in ('earn', 'release', 'redeem', 'expire', 'reverse', 'adjust')`),
  ],
);

/**
 * What is left of each award, for expiry and for spending the oldest-expiring points first.
 * A lot is pending until available_at; remaining falls as it is drawn, expired or clawed back.
 */
export const lots = loyaltySchema.table(
  'lots',
  {
    customerId: uuid('customer_id').notNull(),
    id: uuid('id').notNull(),
    entryId: uuid('entry_id').notNull(),
    points: bigint('points', { mode: 'number' }).notNull(),
    remaining: bigint('remaining', { mode: 'number' }).notNull(),
    availableAt: timestamp('available_at', { withTimezone: true }).notNull(),
    /** Null: never expires. */
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.customerId, t.id] }),
    // The nightly expiry and the pending release scan only lots with points left.
    index('lots_expiry_idx').on(t.expiresAt).where(sql`${t.remaining} > 0`),
    index('lots_release_idx').on(t.availableAt).where(sql`${t.remaining} > 0`),
    check('lots_remaining_ck', sql`${t.remaining} >= 0 and ${t.remaining} <= ${t.points}`),
  ],
);

/** Which lots an entry drew from (redeem, expire, reverse), so a cancel or reversal puts points back where they were. */
export const lotDraws = loyaltySchema.table(
  'lot_draws',
  {
    customerId: uuid('customer_id').notNull(),
    entryId: uuid('entry_id').notNull(),
    lotId: uuid('lot_id').notNull(),
    points: bigint('points', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.customerId, t.entryId, t.lotId] })],
);

/** A checkout's reservation of points: held (redeem entry written), then committed, or cancelled (reversed). */
export const holds = loyaltySchema.table(
  'holds',
  {
    customerId: uuid('customer_id').notNull(),
    id: uuid('id').notNull(),
    points: bigint('points', { mode: 'number' }).notNull(),
    status: text('status').notNull(), // held | committed | cancelled | expired
    /** The checkout, order or reward this hold is for. */
    reference: text('reference'),
    rewardCode: text('reward_code'),
    idempotencyKey: text('idempotency_key').notNull(),
    entryId: uuid('entry_id').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    settledAt: timestamp('settled_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.customerId, t.id] }),
    index('holds_id_idx').on(t.id),
    // Idempotency keys are per customer: distributable by customer_id on Citus (docs/adr/0014-citus-distribution.md).
    uniqueIndex('holds_customer_idempotency_uq').on(t.customerId, t.idempotencyKey),
    index('holds_open_idx').on(t.expiresAt).where(sql`${t.status} = 'held'`),
  ],
);

/** The reward catalogue: goods, coupons (once promotions exist) and points as cash. */
export const rewards = loyaltySchema.table('rewards', {
  code: text('code').primaryKey(),
  kind: text('kind').notNull(), // goods | coupon | cash
  name: text('name').notNull(),
  points: bigint('points', { mode: 'number' }).notNull(),
  /** For cash: the fen one redemption is worth; for goods: the SKU handed over. */
  valueFen: bigint('value_fen', { mode: 'number' }),
  sku: text('sku'),
  stock: integer('stock'),
  active: boolean('active').notNull().default(true),
  attributes: jsonb('attributes').notNull().default({}),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
