import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, pgSchema, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

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

/**
 * The tamper-evident audit log (src/platform/audit.ts, ADR 0012): one row per sensitive action, each row's `hash`
 * chaining it to the one before. `seq` is assigned by appendAudit under an advisory lock as last + 1, not by a
 * sequence: a sequence skips numbers when a transaction rolls back, and a gap must mean a deleted row.
 * `details` holds ids, counts and field names only — never a person's values.
 */
export const auditLog = platform.table(
  'audit_log',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    /** `staff:<id>`, `key:<id>`, `system`, or the label of an internal caller (`cli:<os user>`, `system:<job>`). */
    actor: text('actor').notNull(),
    /** Dotted: `customers.merge`, `loyalty.adjust`, `access.role_change`, `export.segment`, … */
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id').notNull(),
    details: jsonb('details').notNull(),
    /** The previous row's hash; 64 zeros for the first row. */
    prevHash: text('prev_hash').notNull(),
    /** sha256 hex of prev_hash + the canonical JSON of seq, at, actor, action, targetType, targetId, details. */
    hash: text('hash').notNull(),
  },
  (t) => [
    index('audit_log_action_idx').on(t.action, t.seq),
    index('audit_log_actor_idx').on(t.actor, t.seq),
    index('audit_log_target_idx').on(t.targetType, t.targetId, t.seq),
    index('audit_log_at_idx').on(t.at),
  ],
);
