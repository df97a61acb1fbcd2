import { sql } from 'drizzle-orm';
import { bigint, bigserial, check, date, index, integer, jsonb, pgSchema, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export const serviceSchema = pgSchema('service');

/**
 * Business hours and holidays for SLA clocks. `week` maps an ISO weekday (1 = Monday … 7 = Sunday) to its open
 * intervals as "HH:MM" pairs in `time_zone`; `holidays` are closed dates, `workdays` are make-up working days (调休)
 * that open with `workday_hours` even when they fall on a weekend.
 */
export const calendars = serviceSchema.table('calendars', {
  id: uuid('id').primaryKey(),
  code: text('code').notNull().unique(),
  name: text('name').notNull(),
  timeZone: text('time_zone').notNull(),
  week: jsonb('week').notNull(),
  holidays: date('holidays', { mode: 'string' }).array().notNull().default(sql`'{}'::date[]`),
  workdays: date('workdays', { mode: 'string' }).array().notNull().default(sql`'{}'::date[]`),
  workdayHours: jsonb('workday_hours'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * SLA targets. The first active policy (lowest `priority`) whose `applies_to` ({kinds?, categories?, severities?,
 * channels?}) matches a ticket sets its clocks: acknowledge within `ack_minutes`, first reply within
 * `first_reply_minutes`, resolve within `resolve_minutes[severity]` ({minor, medium, severe, default}). Minutes are
 * business minutes of `calendar_id` (null: around the clock). A warning fires when `warn_percent` of a target's time
 * is used; a breach escalates to the queue's manager.
 */
export const slaPolicies = serviceSchema.table('sla_policies', {
  id: uuid('id').primaryKey(),
  code: text('code').notNull().unique(),
  name: text('name').notNull(),
  status: text('status').notNull().default('active'), // active | archived
  priority: integer('priority').notNull().default(100),
  appliesTo: jsonb('applies_to').notNull().default(sql`'{}'::jsonb`),
  calendarId: uuid('calendar_id'),
  ackMinutes: integer('ack_minutes').notNull(),
  firstReplyMinutes: integer('first_reply_minutes').notNull(),
  resolveMinutes: jsonb('resolve_minutes').notNull(),
  warnPercent: integer('warn_percent').notNull().default(75),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Where tickets wait. `routes` ({kinds?, categories?, channels?, storeCodes?}) picks the queue of a new ticket (lowest
 * `priority` first); `assignment` is manual | round_robin | least_open over `member_ids` (staff). A breach escalates
 * to `manager_id`.
 */
export const queues = serviceSchema.table('queues', {
  id: uuid('id').primaryKey(),
  code: text('code').notNull().unique(),
  name: text('name').notNull(),
  status: text('status').notNull().default('active'),
  priority: integer('priority').notNull().default(100),
  routes: jsonb('routes').notNull().default(sql`'{}'::jsonb`),
  assignment: text('assignment').notNull().default('least_open'),
  memberIds: uuid('member_ids').array().notNull().default(sql`'{}'::uuid[]`),
  managerId: uuid('manager_id'),
  /** The last member given a ticket (round robin). */
  lastAssigneeId: uuid('last_assignee_id'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * A service ticket: complaint | inquiry | return_request | suggestion, from api | web_form | email | staff | phone |
 * wechat | app. Statuses: new → open → pending (waiting on the customer; the resolution clock stops) → resolved →
 * closed; a resolved ticket can reopen. SLA: each target has a due instant and the instant it was met; `next_due_at`
 * is the earliest unmet one (null when none is running), which the inbox sorts by; `next_alert_at` is what the SLA job
 * scans (the next warning or breach not yet raised).
 * `sla_warned` / `sla_breached` hold the targets (ack, first_reply, resolve) already warned / breached, so each
 * alert fires once. `contact` holds a non-member's name, phone and email (personal data: masked without pii:read).
 */
export const tickets = serviceSchema.table(
  'tickets',
  {
    id: uuid('id').primaryKey(),
    number: bigserial('number', { mode: 'number' }).notNull(),
    kind: text('kind').notNull(),
    channel: text('channel').notNull(),
    status: text('status').notNull().default('new'),
    subject: text('subject').notNull(),
    description: text('description'),
    category: text('category'),
    severity: text('severity'), // minor | medium | severe (complaints); null otherwise
    customerId: uuid('customer_id'),
    contact: jsonb('contact'),
    orderId: uuid('order_id'),
    sku: text('sku'),
    storeCode: text('store_code'),
    guideId: uuid('guide_id'),
    queueId: uuid('queue_id'),
    assigneeId: uuid('assignee_id'),
    slaPolicyId: uuid('sla_policy_id'),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
    ackDueAt: timestamp('ack_due_at', { withTimezone: true }),
    firstReplyDueAt: timestamp('first_reply_due_at', { withTimezone: true }),
    resolveDueAt: timestamp('resolve_due_at', { withTimezone: true }),
    ackedAt: timestamp('acked_at', { withTimezone: true }),
    firstRepliedAt: timestamp('first_replied_at', { withTimezone: true }),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    pausedAt: timestamp('paused_at', { withTimezone: true }),
    /** Business minutes spent pending (waiting on the customer) before `paused_at`: the resolution clock's pause. */
    pausedMinutes: integer('paused_minutes').notNull().default(0),
    nextDueAt: timestamp('next_due_at', { withTimezone: true }),
    /** The next instant the SLA job has something to say: the earliest warning not yet given or breach not yet raised. */
    nextAlertAt: timestamp('next_alert_at', { withTimezone: true }),
    slaWarned: text('sla_warned').array().notNull().default(sql`'{}'::text[]`),
    slaBreached: text('sla_breached').array().notNull().default(sql`'{}'::text[]`),
    escalationLevel: integer('escalation_level').notNull().default(0),
    escalatedAt: timestamp('escalated_at', { withTimezone: true }),
    rootCauses: text('root_causes').array().notNull().default(sql`'{}'::text[]`),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    reopenCount: integer('reopen_count').notNull().default(0),
    /** The channel's own id (an email's Message-ID, a form submission id): intake is idempotent by (channel, external_ref). */
    externalRef: text('external_ref'),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('tickets_number_uq').on(t.number),
    uniqueIndex('tickets_external_uq').on(t.channel, t.externalRef),
    // The inbox: a queue's or an assignee's live tickets, most urgent first; the SLA job's scan of running clocks.
    index('tickets_queue_idx').on(t.queueId, t.status, t.nextDueAt),
    index('tickets_assignee_idx').on(t.assigneeId, t.status, t.nextDueAt),
    // The whole inbox (every queue's live tickets, most urgent first): the page is the index's first rows.
    index('tickets_live_due_idx').on(t.nextDueAt, t.createdAt, t.id).where(sql`${t.status} in ('new', 'open', 'pending')`),
    // A queue's and an agent's ("mine") live tickets in the same order.
    index('tickets_live_queue_idx').on(t.queueId, t.nextDueAt, t.createdAt, t.id).where(sql`${t.status} in ('new', 'open', 'pending')`),
    index('tickets_live_assignee_idx').on(t.assigneeId, t.nextDueAt, t.createdAt, t.id).where(sql`${t.status} in ('new', 'open', 'pending')`),
    index('tickets_alert_idx').on(t.nextAlertAt).where(sql`${t.nextAlertAt} is not null`),
    index('tickets_status_idx').on(t.status, t.createdAt),
    index('tickets_customer_idx').on(t.customerId, t.createdAt),
    index('tickets_order_idx').on(t.orderId),
    index('tickets_created_idx').on(t.createdAt),
    check('tickets_kind_ck', sql`${t.kind} in ('complaint', 'inquiry', 'return_request', 'suggestion')`),
    check('tickets_status_ck', sql`${t.status} in ('new', 'open', 'pending', 'resolved', 'closed')`),
    check('tickets_severity_ck', sql`${t.severity} is null or ${t.severity} in ('minor', 'medium', 'severe')`),
  ],
);

/**
 * A ticket's timeline: created, assigned, status, reply (public, to the customer), note (internal), sla_warning,
 * sla_breach, escalated, compensation_* and survey events. `visibility` public | internal | system.
 */
export const ticketEvents = serviceSchema.table(
  'ticket_events',
  {
    id: uuid('id').primaryKey(),
    ticketId: uuid('ticket_id').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    kind: text('kind').notNull(),
    visibility: text('visibility').notNull().default('system'),
    actor: text('actor').notNull(),
    body: text('body'),
    detail: jsonb('detail').notNull().default(sql`'{}'::jsonb`),
  },
  (t) => [index('ticket_events_ticket_idx').on(t.ticketId, t.at)],
);

/** Categories and root causes, with zh-CN and English labels: `kind` category | root_cause. */
export const taxonomy = serviceSchema.table(
  'taxonomy',
  {
    kind: text('kind').notNull(),
    code: text('code').notNull(),
    labels: jsonb('labels').notNull(),
    status: text('status').notNull().default('active'),
    sort: integer('sort').notNull().default(100),
  },
  (t) => [uniqueIndex('taxonomy_uq').on(t.kind, t.code)],
);

/** Empathy reply scripts: `body` with {{variables}} (customerName, ticketNumber, agentName…), per locale. */
export const replyTemplates = serviceSchema.table(
  'reply_templates',
  {
    id: uuid('id').primaryKey(),
    code: text('code').notNull(),
    locale: text('locale').notNull(),
    title: text('title').notNull(),
    body: text('body').notNull(),
    kinds: text('kinds').array().notNull().default(sql`'{}'::text[]`),
    categories: text('categories').array().notNull().default(sql`'{}'::text[]`),
    status: text('status').notNull().default('active'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('reply_templates_uq').on(t.code, t.locale)],
);

/**
 * Compensation by severity: each policy offers options (minor: a ¥5 coupon OR priority shipping), each option a list
 * of actions — coupon {amountFen | templateCode}, points {points}, refund {scope: full | lines}, exchange, priority_shipping,
 * cash {amountFen} (the last three are carried out by staff and recorded). `approval_scope` is the scope that may
 * approve (service:write lets the agent approve a minor one; service:approve for the rest); `max_total_fen` caps the
 * money value of one compensation.
 */
export const compensationPolicies = serviceSchema.table('compensation_policies', {
  id: uuid('id').primaryKey(),
  code: text('code').notNull().unique(),
  name: text('name').notNull(),
  severity: text('severity').notNull(),
  categories: text('categories').array().notNull().default(sql`'{}'::text[]`),
  options: jsonb('options').notNull(),
  approvalScope: text('approval_scope').notNull().default('service:approve'),
  maxTotalFen: bigint('max_total_fen', { mode: 'number' }),
  status: text('status').notNull().default('active'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * A compensation proposed on a ticket: proposed → approved | rejected; approved → executed | failed; failed → retried
 * (executed | failed) or cancelled. Execution runs
 * each action with an idempotency key `ticket:<ticket>:comp:<id>:<n>` (coupons, points, the refund's return), so a
 * retry after a crash never pays twice; `results` records what each action produced (coupon id, ledger entry, return).
 * One open (proposed, approved or failed) compensation per ticket.
 */
export const compensations = serviceSchema.table(
  'compensations',
  {
    id: uuid('id').primaryKey(),
    ticketId: uuid('ticket_id').notNull(),
    policyId: uuid('policy_id'),
    optionCode: text('option_code'),
    actions: jsonb('actions').notNull(),
    totalFen: bigint('total_fen', { mode: 'number' }).notNull().default(0),
    status: text('status').notNull().default('proposed'),
    note: text('note'),
    proposedBy: text('proposed_by').notNull(),
    proposedAt: timestamp('proposed_at', { withTimezone: true }).notNull(),
    decidedBy: text('decided_by'),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    decisionNote: text('decision_note'),
    executedAt: timestamp('executed_at', { withTimezone: true }),
    results: jsonb('results').notNull().default(sql`'[]'::jsonb`),
    error: text('error'),
  },
  (t) => [
    index('compensations_ticket_idx').on(t.ticketId),
    uniqueIndex('compensations_open_uq').on(t.ticketId).where(sql`${t.status} in ('proposed', 'approved', 'failed')`),
    check('compensations_status_ck', sql`${t.status} in ('proposed', 'approved', 'rejected', 'executed', 'failed', 'cancelled')`),
  ],
);
