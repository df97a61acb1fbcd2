import { sql } from 'drizzle-orm';
import { check, index, pgSchema, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export const staffSchema = pgSchema('staff');

/** Why an assignment was opened. */
export const ASSIGNMENT_REASONS = ['first_purchase', 'rule', 'manual', 'merge'] as const;
export type AssignmentReason = (typeof ASSIGNMENT_REASONS)[number];

/**
 * Which guide looks after a customer, over time: one open row (ended_at null) per customer, closed rows are the history.
 * `staff_id` null = the store's pool (no guide). `staff_id` names access.staff.id (read through SQL, no foreign key across
 * modules).
 */
export const assignments = staffSchema.table(
  'assignments',
  {
    id: uuid('id').primaryKey(),
    customerId: uuid('customer_id').notNull(),
    staffId: uuid('staff_id'),
    storeCode: text('store_code'),
    reason: text('reason').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    /** `system:first-purchase`, `staff:<id>`, `key:<id>`, `cli:<user>`. */
    actor: text('actor').notNull(),
    /** Why, in the assigner's words (manual reassignments); never shown outside the customer's history. */
    note: text('note'),
  },
  (t) => [
    uniqueIndex('assignments_open_uq').on(t.customerId).where(sql`${t.endedAt} is null`),
    index('assignments_customer_idx').on(t.customerId, t.startedAt),
    index('assignments_staff_open_idx').on(t.staffId).where(sql`${t.endedAt} is null`),
    check('assignments_reason_ck', sql`${t.reason} in ('first_purchase', 'rule', 'manual', 'merge')`),
  ],
);
