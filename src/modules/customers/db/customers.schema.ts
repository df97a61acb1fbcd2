import { sql } from 'drizzle-orm';
import {
  boolean,
  date,
  doublePrecision,
  index,
  jsonb,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

export const customersSchema = pgSchema('customers');

/** The golden profile. A merged-away profile stays (status 'merged', merged_into) so a merge can be undone. */
export const customers = customersSchema.table(
  'customers',
  {
    id: uuid('id').primaryKey(),
    status: text('status').notNull().default('active'), // active | merged | erased
    mergedInto: uuid('merged_into'),
    name: text('name'),
    gender: text('gender'), // female | male | other | unknown
    birthday: date('birthday'),
    city: text('city'),
    /** Postal address (personal data: masked by role and purpose, see platform/pii.ts). */
    address: text('address'),
    incomeBand: text('income_band'),
    occupation: text('occupation'),
    familyStage: text('family_stage'),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    attributes: jsonb('attributes').notNull().default({}),
    source: text('source'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    /** Last time any record (order, event, upsert) resolved to this profile. */
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    /**
     * The earliest non-cancelled order, kept by the orders module through CustomersService.recordFirstOrders
     * in the transaction that writes the order. Member since = least(created_at, first_order_at).
     */
    firstOrderAt: timestamp('first_order_at', { withTimezone: true }),
    /** When the person became known: created, or first bought if that was earlier (imported history). */
    memberSince: timestamp('member_since', { withTimezone: true })
      .notNull()
      .generatedAlwaysAs(sql`least(created_at, first_order_at)`),
  },
  (t) => [
    index('customers_merged_into_idx').on(t.mergedInto),
    // Member counts at a date and new members in a period: index-only range counts (a stored column, because an
    // expression index cannot answer index-only).
    index('customers_member_since_idx').on(t.memberSince).where(sql`${t.status} = 'active'`),
    index('customers_first_order_idx').on(t.firstOrderAt).where(sql`${t.status} = 'active'`),
    // text_pattern_ops: name-prefix search (`like '王%'`) uses the index whatever the collation.
    index('customers_name_idx').on(t.name.op('text_pattern_ops')),
    index('customers_dedupe_idx').on(t.name, t.birthday, t.city),
    index('customers_city_idx').on(t.city),
    index('customers_tags_idx').using('gin', t.tags),
  ],
);

/**
 * Identifiers (normalised): phone E.164, email lowercased, member_no, wechat_openid, wechat_unionid,
 * ecom_user_id, pos_card, device_id, anonymous_id. One identifier belongs to one profile: the key table
 * identifier_keys below holds (type, value) unique and is written in the same transaction, which is what makes
 * resolution safe under concurrent writers. This table's keys hold customer_id (distributed by it on Citus, ADR
 * 0014); the plain (type, value) index serves readers by value on one node.
 */
export const identifiers = customersSchema.table(
  'identifiers',
  {
    customerId: uuid('customer_id').notNull(),
    type: text('type').notNull(),
    value: text('value').notNull(),
    isPrimary: boolean('is_primary').notNull().default(false),
    source: text('source').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.customerId, t.type, t.value] }), index('identifiers_type_value_idx').on(t.type, t.value)],
);

/**
 * Which profile holds an identifier: the global key (type, value) → customer_id (ADR 0014, item 3). Inserted with
 * `on conflict do nothing` in the transaction that inserts the identifier (a key held by another profile inserts
 * nothing: that writer lost the race), moved by merges and unmerges, deleted with the identifier (erasure). Identity
 * resolution looks identifiers up here. On Citus a key table distributed by value (one shard per lookup).
 */
export const identifierKeys = customersSchema.table(
  'identifier_keys',
  {
    value: text('value').notNull(),
    type: text('type').notNull(),
    customerId: uuid('customer_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.value, t.type] })],
);

/** Consent history, append-only: the latest row per (channel, purpose) is the current state. */
export const consents = customersSchema.table(
  'consents',
  {
    customerId: uuid('customer_id').notNull(),
    id: uuid('id').notNull(),
    channel: text('channel').notNull(), // sms | email | wechat | app_push | phone | all
    purpose: text('purpose').notNull(), // marketing | service | analytics | profiling
    status: text('status').notNull(), // granted | withdrawn
    source: text('source').notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.customerId, t.id] }), index('consents_current_idx').on(t.customerId, t.channel, t.purpose, t.recordedAt)],
);

/** Every merge, why it happened, who did it, and what moved, so it can be undone. */
export const merges = customersSchema.table(
  'merges',
  {
    survivorId: uuid('survivor_id').notNull(),
    id: uuid('id').notNull(),
    absorbedId: uuid('absorbed_id').notNull(),
    linkType: text('link_type'),
    linkValue: text('link_value'),
    actor: text('actor').notNull(),
    reason: text('reason').notNull(),
    /** Per module, the ids of the records moved from the absorbed to the survivor. */
    moved: jsonb('moved').notNull().default({}),
    /** The absorbed profile's attributes before the merge, restored by unmerge. */
    absorbedSnapshot: jsonb('absorbed_snapshot').notNull().default({}),
    /** Survivor fields the merge filled: `{before, after}`; unmerge reverts those still equal to `after`. */
    survivorSnapshot: jsonb('survivor_snapshot').notNull().default({}),
    mergedAt: timestamp('merged_at', { withTimezone: true }).notNull().defaultNow(),
    undoneAt: timestamp('undone_at', { withTimezone: true }),
    undoneBy: text('undone_by'),
  },
  (t) => [
    primaryKey({ columns: [t.survivorId, t.id] }),
    index('merges_id_idx').on(t.id),
    index('merges_absorbed_idx').on(t.absorbedId),
  ],
);

/** Suspected duplicates (weak evidence) waiting for a person to accept or reject. */
export const duplicateCandidates = customersSchema.table(
  'duplicate_candidates',
  {
    customerId: uuid('customer_id').notNull(),
    id: uuid('id').notNull(),
    otherId: uuid('other_id').notNull(),
    reason: text('reason').notNull(),
    score: doublePrecision('score').notNull(),
    status: text('status').notNull().default('open'), // open | accepted | rejected
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    decidedBy: text('decided_by'),
  },
  (t) => [
    primaryKey({ columns: [t.customerId, t.id] }),
    uniqueIndex('duplicate_pair_uq').on(t.customerId, t.otherId),
    index('duplicate_id_idx').on(t.id),
    index('duplicate_open_idx').on(t.status, t.createdAt),
  ],
);

/** Items later modules put on the 360 timeline through events (points, messages, tickets…). */
export const timelineItems = customersSchema.table(
  'timeline_items',
  {
    customerId: uuid('customer_id').notNull(),
    id: uuid('id').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    kind: text('kind').notNull(),
    refId: text('ref_id'),
    summary: jsonb('summary').notNull().default({}),
  },
  (t) => [primaryKey({ columns: [t.customerId, t.id] }), index('timeline_items_time_idx').on(t.customerId, t.occurredAt)],
);
