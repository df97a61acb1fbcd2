import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgSchema, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

export const platform = pgSchema('platform');

/** Transactional outbox: written in the same transaction as the change it announces. */
export const outbox = platform.table(
  'outbox',
  {
    id: uuid('id').primaryKey(),
    name: text('name').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    /** Stored uncompressed (STORAGE EXTERNAL, migration 0019): see that migration for why. */
    payload: jsonb('payload').notNull(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    lastError: text('last_error'),
  },
  (t) => [index('outbox_pending_idx').on(t.nextAttemptAt).where(sql`delivered_at is null`)],
);

/** Which subscriber has handled which event: delivery is at-least-once, handling exactly once. */
export const eventDeliveries = platform.table(
  'event_deliveries',
  {
    eventId: uuid('event_id').notNull(),
    subscriber: text('subscriber').notNull(),
    handledAt: timestamp('handled_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.eventId, t.subscriber] })],
);
