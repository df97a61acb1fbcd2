import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { loyaltySchema } from './ledger.schema.js';

/**
 * Growth value (成长值), separate from points: from spend and interactions (surveys, events,
 * shares). Append-only like the points ledger; accounts.growth = sum(points).
 */
export const growthEntries = loyaltySchema.table(
  'growth_entries',
  {
    customerId: uuid('customer_id').notNull(),
    id: uuid('id').notNull(),
    points: bigint('points', { mode: 'number' }).notNull(),
    sourceType: text('source_type').notNull(), // order | return | event | staff | merge
    sourceId: text('source_id'),
    idempotencyKey: text('idempotency_key').notNull(),
    reason: text('reason'),
    actor: text('actor').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.customerId, t.id] }),
    // Idempotency keys are per customer: distributable by customer_id on Citus (docs/adr/0014-citus-distribution.md).
    uniqueIndex('growth_customer_idempotency_uq').on(t.customerId, t.idempotencyKey),
    index('growth_customer_time_idx').on(t.customerId, t.occurredAt),
  ],
);

/**
 * A tier set (explorer/follower/advocate, silver/gold/diamond, …), versioned like the programme.
 * `definition`: the measure (yearly spend, growth value, …), the tiers in order with thresholds and
 * benefits, the review schedule and grace period; validated by the loyalty module's zod schema.
 * One set is the active one (accounts.tier_set names it).
 */
export const tierSets = loyaltySchema.table(
  'tier_sets',
  {
    code: text('code').notNull(),
    version: integer('version').notNull(),
    name: text('name').notNull(),
    definition: jsonb('definition').notNull(),
    /** One active set at a time. */
    active: boolean('active').notNull().default(false),
    effectiveFrom: timestamp('effective_from', { withTimezone: true }).notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.code, t.version] }), uniqueIndex('tier_sets_one_active_uq').on(t.active).where(sql`${t.active}`)],
);

/** Every tier change and why: qualified, review (downgrade), manual (with an end), grace, expiry of a manual assignment. */
export const tierChanges = loyaltySchema.table(
  'tier_changes',
  {
    customerId: uuid('customer_id').notNull(),
    id: uuid('id').notNull(),
    tierSet: text('tier_set').notNull(),
    fromCode: text('from_code'),
    toCode: text('to_code'),
    reason: text('reason').notNull(), // qualified | review | manual | manual_ended | grace
    actor: text('actor').notNull(),
    note: text('note'),
    /** The measure's value that decided it (e.g. yearly spend in fen, growth value). */
    measure: bigint('measure', { mode: 'number' }),
    detail: jsonb('detail').notNull().default({}),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.customerId, t.id] }), index('tier_changes_time_idx').on(t.occurredAt)],
);
