import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgSchema, primaryKey, real, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export const surveysSchema = pgSchema('surveys');

/**
 * A questionnaire. `questions` is a list of {id, type: nps | csat | rating | single | multi | text, title {zh-CN, en},
 * options?, required}. `trigger` manual | after_purchase | after_ticket | periodic, with `settings` (delay in days —
 * after a ticket 3 to 5 —, channel, message template, the link's validity, a periodic cadence and audience).
 * Statuses: draft → active → archived.
 */
export const surveys = surveysSchema.table('surveys', {
  id: uuid('id').primaryKey(),
  code: text('code').notNull().unique(),
  name: text('name').notNull(),
  status: text('status').notNull().default('draft'),
  trigger: text('trigger').notNull().default('manual'),
  settings: jsonb('settings').notNull().default(sql`'{}'::jsonb`),
  questions: jsonb('questions').notNull(),
  createdBy: text('created_by').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * One person asked once: the link carries the invitation id and an HMAC of it (forged links fail), and a response is
 * accepted once (the unique response per invitation). Idempotent by (customer, survey, context_kind, context_id): a
 * ticket or an order invites once (a context has one customer). Every invitation has its customer (nobody else gets
 * the link); keyed by customer first so it is distributable on Citus (docs/adr/0014-citus-distribution.md).
 * Statuses: scheduled → sent → responded | expired.
 */
export const invitations = surveysSchema.table(
  'invitations',
  {
    id: uuid('id').notNull(),
    surveyId: uuid('survey_id').notNull(),
    customerId: uuid('customer_id').notNull(),
    contextKind: text('context_kind').notNull(), // ticket | order | period | manual
    contextId: text('context_id').notNull(),
    ticketId: uuid('ticket_id'),
    orderId: uuid('order_id'),
    storeCode: text('store_code'),
    guideId: uuid('guide_id'),
    status: text('status').notNull().default('scheduled'),
    sendAt: timestamp('send_at', { withTimezone: true }).notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    respondedAt: timestamp('responded_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.customerId, t.id] }),
    index('invitations_id_idx').on(t.id),
    uniqueIndex('invitations_context_uq').on(t.customerId, t.surveyId, t.contextKind, t.contextId),
    index('invitations_survey_idx').on(t.surveyId, t.contextKind, t.contextId),
    index('invitations_due_idx').on(t.sendAt).where(sql`${t.status} = 'scheduled'`),
    // The send job's expiry of invitations nobody answered in time.
    index('invitations_expiry_idx').on(t.expiresAt).where(sql`${t.status} in ('scheduled', 'sent')`),
    check('invitations_status_ck', sql`${t.status} in ('scheduled', 'sent', 'responded', 'expired', 'cancelled')`),
  ],
);

/**
 * A submitted questionnaire. `nps` (0–10) and `csat` (1–5) are copied out of the answers for the reports; `verbatim`
 * is the free text, with `sentiment` (−1…1) and its label when a scorer is present. Store, guide and ticket come from
 * the invitation, so results split by them without joins. Every response comes through an invitation's link and has
 * its customer; keyed by customer first (docs/adr/0014-citus-distribution.md).
 */
export const responses = surveysSchema.table(
  'responses',
  {
    id: uuid('id').notNull(),
    surveyId: uuid('survey_id').notNull(),
    invitationId: uuid('invitation_id'),
    customerId: uuid('customer_id').notNull(),
    storeCode: text('store_code'),
    guideId: uuid('guide_id'),
    ticketId: uuid('ticket_id'),
    orderId: uuid('order_id'),
    answers: jsonb('answers').notNull(),
    nps: integer('nps'),
    csat: integer('csat'),
    verbatim: text('verbatim'),
    sentiment: real('sentiment'),
    sentimentLabel: text('sentiment_label'),
    submittedAt: timestamp('submitted_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.customerId, t.id] }),
    index('responses_id_idx').on(t.id),
    uniqueIndex('responses_invitation_uq').on(t.customerId, t.invitationId),
    index('responses_survey_idx').on(t.surveyId, t.submittedAt),
    index('responses_store_idx').on(t.storeCode, t.submittedAt),
    index('responses_guide_idx').on(t.guideId, t.submittedAt),
    check('responses_nps_ck', sql`${t.nps} is null or ${t.nps} between 0 and 10`),
    check('responses_csat_ck', sql`${t.csat} is null or ${t.csat} between 1 and 5`),
  ],
);
