import { sql } from 'drizzle-orm';
import { date, index, integer, jsonb, pgSchema, primaryKey, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';

export const activitySchema = pgSchema('activity');

/**
 * Behaviour events of identified customers (distributed by customer_id on Citus, ADR 0014). An event naming only an
 * anonymous or device id nobody holds is stored in `anonymous_events` instead, and moved here (with the earlier events
 * of that id) once the person is identified.
 */
export const events = activitySchema.table(
  'events',
  {
    id: uuid('id').notNull(),
    customerId: uuid('customer_id').notNull(),
    anonymousId: text('anonymous_id'),
    deviceId: text('device_id'),
    type: text('type').notNull(), // view | add_to_cart | favorite | store_visit | try_on | share | review | survey | login | …
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    channel: text('channel'),
    storeCode: text('store_code'),
    sku: text('sku'),
    properties: jsonb('properties').notNull().default({}),
    /** Optional idempotency key from the sender: (source, external_id) is stored once, through `event_keys`. */
    source: text('source').notNull().default('api'),
    externalId: text('external_id'),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.customerId, t.id] }),
    index('events_id_idx').on(t.id),
    index('events_customer_idx').on(t.customerId, t.occurredAt),
    index('events_type_time_idx').on(t.type, t.occurredAt),
  ],
);

/**
 * Events of visitors nobody has identified yet (only an anonymous or device id known): local on the coordinator, small
 * (the anonymous backlog). Same columns as `events` without customer_id; moved to `events` when the id is identified.
 */
export const anonymousEvents = activitySchema.table(
  'anonymous_events',
  {
    id: uuid('id').primaryKey(),
    anonymousId: text('anonymous_id'),
    deviceId: text('device_id'),
    type: text('type').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    channel: text('channel'),
    storeCode: text('store_code'),
    sku: text('sku'),
    properties: jsonb('properties').notNull().default({}),
    source: text('source').notNull().default('api'),
    externalId: text('external_id'),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('anonymous_events_anonymous_idx').on(t.anonymousId).where(sql`anonymous_id is not null`),
    index('anonymous_events_device_idx').on(t.deviceId).where(sql`device_id is not null`),
    index('anonymous_events_time_idx').on(t.occurredAt),
  ],
);

/**
 * The senders' idempotency keys: (source, external_id) → the event, for identified and anonymous events alike. Inserted
 * with `on conflict do nothing` in the statement that stores the event, so a re-sent event is recognised; distributed
 * by external_id on Citus (a key table, ADR 0014). customer_id follows the event (null while it is anonymous).
 */
export const eventKeys = activitySchema.table(
  'event_keys',
  {
    source: text('source').notNull(),
    externalId: text('external_id').notNull(),
    customerId: uuid('customer_id'),
    eventId: uuid('event_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.externalId, t.source] })],
);

/**
 * Monthly counts of the identified events the retention policy deleted (ActivityService.applyRetention): one row per
 * customer, business-zone month, type, channel and store. Events are added here and deleted from `events` in one
 * transaction, so each event is counted exactly once; the key (nulls equal) makes a later batch of the same month add
 * to the row instead of making another. Anonymous events are counted in `anonymous_event_rollups`.
 */
export const eventRollups = activitySchema.table(
  'event_rollups',
  {
    id: uuid('id').notNull().default(sql`gen_random_uuid()`),
    /** The first day of the month in the business time zone. */
    month: date('month', { mode: 'string' }).notNull(),
    customerId: uuid('customer_id').notNull(),
    type: text('type').notNull(),
    channel: text('channel'),
    storeCode: text('store_code'),
    events: integer('events').notNull(),
    firstAt: timestamp('first_at', { withTimezone: true }).notNull(),
    lastAt: timestamp('last_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.customerId, t.id] }),
    index('event_rollups_id_idx').on(t.id),
    unique('event_rollups_key_uq').on(t.customerId, t.month, t.type, t.channel, t.storeCode).nullsNotDistinct(),
  ],
);

/** Monthly counts of the anonymous events the retention policy deleted: as `event_rollups`, without a customer. */
export const anonymousEventRollups = activitySchema.table(
  'anonymous_event_rollups',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    month: date('month', { mode: 'string' }).notNull(),
    type: text('type').notNull(),
    channel: text('channel'),
    storeCode: text('store_code'),
    events: integer('events').notNull(),
    firstAt: timestamp('first_at', { withTimezone: true }).notNull(),
    lastAt: timestamp('last_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [unique('anonymous_event_rollups_key_uq').on(t.month, t.type, t.channel, t.storeCode).nullsNotDistinct()],
);
