import { sql } from 'drizzle-orm';
import { date, index, integer, jsonb, pgSchema, text, timestamp, unique, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export const activitySchema = pgSchema('activity');

/**
 * Behaviour events. customer_id is null while only an anonymous or device id is known; it is
 * filled in (with the earlier events of that id) once the person is identified.
 */
export const events = activitySchema.table(
  'events',
  {
    id: uuid('id').primaryKey(),
    customerId: uuid('customer_id'),
    anonymousId: text('anonymous_id'),
    deviceId: text('device_id'),
    type: text('type').notNull(), // view | add_to_cart | favorite | store_visit | try_on | share | review | survey | login | …
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    channel: text('channel'),
    storeCode: text('store_code'),
    sku: text('sku'),
    properties: jsonb('properties').notNull().default({}),
    /** Optional idempotency key from the sender: (source, external_id) is stored once. */
    source: text('source').notNull().default('api'),
    externalId: text('external_id'),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('events_customer_idx').on(t.customerId, t.occurredAt),
    // Only unattributed events are ever looked up by anonymous/device id (the back-fill), so the
    // indexes stay as small as the anonymous backlog.
    index('events_unattributed_anonymous_idx').on(t.anonymousId).where(sql`customer_id is null and anonymous_id is not null`),
    index('events_unattributed_device_idx').on(t.deviceId).where(sql`customer_id is null and device_id is not null`),
    index('events_type_time_idx').on(t.type, t.occurredAt),
    uniqueIndex('events_source_external_uq').on(t.source, t.externalId),
  ],
);

/**
 * Monthly counts of the events the retention policy deleted (ActivityService.applyRetention): one row per business-zone
 * month, customer (null = never attributed), type, channel and store. Events are added here and deleted from
 * `events` in one transaction, so each event is counted exactly once; the key (nulls equal) makes a later batch of
 * the same month add to the row instead of making another.
 */
export const eventRollups = activitySchema.table(
  'event_rollups',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    /** The first day of the month in the business time zone. */
    month: date('month', { mode: 'string' }).notNull(),
    customerId: uuid('customer_id'),
    type: text('type').notNull(),
    channel: text('channel'),
    storeCode: text('store_code'),
    events: integer('events').notNull(),
    firstAt: timestamp('first_at', { withTimezone: true }).notNull(),
    lastAt: timestamp('last_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique('event_rollups_key_uq').on(t.month, t.customerId, t.type, t.channel, t.storeCode).nullsNotDistinct(),
    index('event_rollups_customer_idx').on(t.customerId, t.month),
  ],
);
