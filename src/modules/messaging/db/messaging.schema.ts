import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, jsonb, pgSchema, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export const messagingSchema = pgSchema('messaging');

/**
 * A message template: per channel, one body per locale with `{{variables}}` —
 * `contents`: `{"sms": {"zh-CN": {"body": "…"}, "en": {…}}, "email": {"zh-CN": {"subject": "…", "body": "…"}}, …}` —
 * so a send step can let each customer's channel be chosen and still have the words for it. Channels: sms | email |
 * wechat | app_push | guide_task. Purpose marketing needs the customer's marketing consent for the channel and counts
 * against frequency caps; service messages (a ticket's reply, a survey after a complaint) need no marketing consent
 * and are not capped, but an opt-out of the channel still stops them.
 */
export const templates = messagingSchema.table(
  'templates',
  {
    id: uuid('id').primaryKey(),
    code: text('code').notNull(),
    name: text('name').notNull(),
    purpose: text('purpose').notNull().default('marketing'),
    contents: jsonb('contents').notNull(),
    /** The provider's own template id per channel where it needs one (WeChat template id, SMS template code). */
    providerIds: jsonb('provider_ids').notNull().default({}),
    status: text('status').notNull().default('active'), // active | archived
    version: integer('version').notNull().default(1),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('templates_code_uq').on(t.code)],
);

/**
 * How each channel sends: the adapter (smtp | webhook | wechat | log) and its settings (`config`: SMTP host/port/from,
 * a gateway's URL and signing secret…; secrets are never returned by the API). A disabled channel sends nothing:
 * its messages wait (status queued) until it is enabled or they expire.
 */
export const channels = messagingSchema.table('channels', {
  channel: text('channel').primaryKey(),
  enabled: boolean('enabled').notNull().default(false),
  adapter: text('adapter').notNull(),
  config: jsonb('config').notNull().default({}),
  /** Messages per second this channel's provider accepts (null: no limit). */
  ratePerSecond: integer('rate_per_second'),
  updatedBy: text('updated_by'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Contact policy, one row per key: `caps` (marketing messages per customer per day / week / month, across channels),
 * `quiet_hours` ({start: "21:00", end: "09:00"} in the business time zone), `consent` (what no consent record means),
 * `channel_order` (the default preference when the customer states none).
 */
export const policies = messagingSchema.table('policies', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedBy: text('updated_by'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Every message, from planning to delivery. `dedupe_key` makes planning idempotent (a journey's enrollment+step, a
 * campaign's run+customer, an API caller's key): planning the same thing twice gives the same row. The dispatcher
 * claims due rows (status queued, send_after ≤ now) with SKIP LOCKED, marks them sending with a lease, checks consent,
 * caps and quiet hours at that moment, and hands them to the channel's adapter with the message id as the provider's
 * idempotency key: a crash mid-send leaves the row sending; once the lease runs out it is retried with the same key,
 * which the gateway deduplicates, so nothing is lost and nothing is delivered twice.
 * Statuses: queued → sending → sent → delivered | failed; blocked (consent, cap, no address, opt-out), cancelled, expired.
 */
export const messages = messagingSchema.table(
  'messages',
  {
    id: uuid('id').notNull(),
    customerId: uuid('customer_id').notNull(),
    /** The channel it goes through; `auto` until the dispatcher chooses one for the customer (consent, preference, history, address). */
    channel: text('channel').notNull(),
    purpose: text('purpose').notNull(),
    templateId: uuid('template_id'),
    locale: text('locale').notNull(),
    /** Variables given by the planner; rendering happens at send time with the customer's current data. */
    variables: jsonb('variables').notNull().default({}),
    subject: text('subject'),
    body: text('body'),
    /** The address as sent, masked (138****5678, w***@example.com): the log shows where it went without the personal data. */
    toMasked: text('to_masked'),
    dedupeKey: text('dedupe_key').notNull(),
    status: text('status').notNull().default('queued'),
    reason: text('reason'),
    /** journey | campaign | api | system */
    sourceKind: text('source_kind').notNull(),
    sourceId: uuid('source_id'),
    journeyId: uuid('journey_id'),
    enrollmentId: uuid('enrollment_id'),
    stepId: text('step_id'),
    sendAfter: timestamptz('send_after').notNull(),
    expiresAt: timestamptz('expires_at'),
    attempts: integer('attempts').notNull().default(0),
    leaseUntil: timestamptz('lease_until'),
    lastError: text('last_error'),
    providerMessageId: text('provider_message_id'),
    sentAt: timestamptz('sent_at'),
    deliveredAt: timestamptz('delivered_at'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Keyed by customer first: distributable by customer_id on Citus (docs/adr/0014-citus-distribution.md).
    primaryKey({ columns: [t.customerId, t.id] }),
    index('messages_id_idx').on(t.id),
    // Dedupe keys are unique per customer (ADR 0014); sendNow refuses an API key already used for another customer.
    uniqueIndex('messages_customer_dedupe_uq').on(t.customerId, t.dedupeKey),
    index('messages_dedupe_idx').on(t.dedupeKey),
    index('messages_due_idx').on(t.sendAfter).where(sql`${t.status} = 'queued'`),
    index('messages_lease_idx').on(t.leaseUntil).where(sql`${t.status} = 'sending'`),
    index('messages_customer_idx').on(t.customerId, t.createdAt),
    // Frequency caps count a customer's marketing messages sent in a window.
    index('messages_caps_idx').on(t.customerId, t.sentAt).where(sql`${t.purpose} = 'marketing' and ${t.sentAt} is not null`),
    index('messages_source_idx').on(t.sourceId, t.status),
    index('messages_provider_idx').on(t.providerMessageId),
    check('messages_attempts_ck', sql`${t.attempts} >= 0`),
  ],
);

/**
 * Delivery history of a message (sent, delivered, failed, opened, clicked, bounced…) from adapters and receipts.
 * `customer_id` is the message's (written with every row; a receipt finds its message first), so the events live with
 * their customer on Citus (docs/adr/0014-citus-distribution.md).
 */
export const deliveryEvents = messagingSchema.table(
  'delivery_events',
  {
    customerId: uuid('customer_id').notNull(),
    messageId: uuid('message_id').notNull(),
    id: uuid('id').notNull(),
    status: text('status').notNull(),
    detail: jsonb('detail').notNull().default({}),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    // Keyed by customer first: distributable by customer_id on Citus (docs/adr/0014-citus-distribution.md).
    primaryKey({ columns: [t.customerId, t.messageId, t.id] }),
    index('delivery_events_message_idx').on(t.messageId),
    index('delivery_events_time_idx').on(t.occurredAt),
  ],
);

/**
 * Tasks for guides (a callback, a birthday call, a follow-up): the guide_task channel's "delivery", or made by hand.
 * The assignee is the customer's guide (their open staff.assignments row when the task is made) and the store is that
 * assignment's store; a customer in the store's pool gives a task for the store with nobody assigned. `assignee` is
 * the display text of the old store-only tasks; `assignee_staff_id` is the staff member (access.staff.id).
 */
export const guideTasks = messagingSchema.table(
  'guide_tasks',
  {
    id: uuid('id').notNull(),
    customerId: uuid('customer_id').notNull(),
    messageId: uuid('message_id'),
    storeCode: text('store_code'),
    assignee: text('assignee'),
    /** callback | follow_up | birthday_call | other (callbacks and birthday calls are phone contact). */
    kind: text('kind').notNull().default('other'),
    assigneeStaffId: uuid('assignee_staff_id'),
    title: text('title').notNull(),
    body: text('body'),
    dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
    status: text('status').notNull().default('open'), // open | done | cancelled
    outcome: text('outcome'),
    note: text('note'),
    doneAt: timestamp('done_at', { withTimezone: true }),
    doneBy: text('done_by'),
    cancelledAt: timestamp('cancelled_at', { withTimezone: true }),
    cancelledBy: text('cancelled_by'),
    /** Why it was cancelled: the caller's words, or consent_withdrawn when the customer opted out of phone calls. */
    cancelReason: text('cancel_reason'),
    /** Who made it: `journey` / `api` for the guide_task channel's deliveries, else `staff:name` / `key:name`. */
    createdBy: text('created_by'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // Keyed by customer first: distributable by customer_id on Citus (docs/adr/0014-citus-distribution.md).
    primaryKey({ columns: [t.customerId, t.id] }),
    index('guide_tasks_id_idx').on(t.id),
    uniqueIndex('guide_tasks_customer_message_uq').on(t.customerId, t.messageId),
    index('guide_tasks_message_idx').on(t.messageId),
    index('guide_tasks_assignee_open_idx').on(t.assigneeStaffId, t.dueAt).where(sql`${t.status} = 'open'`),
    check('guide_tasks_kind_ck', sql`${t.kind} in ('callback', 'follow_up', 'birthday_call', 'other')`),
    index('guide_tasks_open_idx').on(t.storeCode, t.dueAt).where(sql`${t.status} = 'open'`),
    index('guide_tasks_customer_idx').on(t.customerId),
  ],
);

function timestamptz(name: string) {
  return timestamp(name, { withTimezone: true });
}
