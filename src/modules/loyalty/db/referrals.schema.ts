import { sql } from 'drizzle-orm';
import { boolean, bigint, index, integer, jsonb, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { loyaltySchema } from './ledger.schema.js';

/**
 * A referral: the referee named the referrer's code (accounts.referral_code) at sign-up or first
 * order. Rewarded to both sides on the referee's first qualifying purchase, once; rejected with a
 * reason (self-referral through a shared identifier, referrer cap reached, not a new customer).
 */
export const referrals = loyaltySchema.table(
  'referrals',
  {
    refereeId: uuid('referee_id').notNull(),
    id: uuid('id').notNull(),
    referrerId: uuid('referrer_id').notNull(),
    code: text('code').notNull(),
    status: text('status').notNull(), // pending | rewarded | rejected
    reason: text('reason'),
    orderId: uuid('order_id'),
    channel: text('channel'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    settledAt: timestamp('settled_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.refereeId, t.id] }),
    // A person is referred once.
    uniqueIndex('referrals_referee_uq').on(t.refereeId).where(sql`${t.status} <> 'rejected'`),
    index('referrals_referrer_idx').on(t.referrerId, t.status),
  ],
);

/**
 * Referral codes → their member (ADR 0014, item 3): the global key of accounts.referral_code, inserted in the
 * transaction that gives the account its code (a code another member holds fails the insert), read when a referee
 * names a code, deleted when the member is erased. On Citus a key table distributed by code.
 */
export const referralCodes = loyaltySchema.table('referral_codes', {
  code: text('code').primaryKey(),
  customerId: uuid('customer_id').notNull(),
});

/**
 * Badges and challenges: a rule over behaviour (activity events, orders) in a period — e.g. five
 * store check-ins in a calendar month, three shares — awarding a badge and optionally points.
 */
export const badges = loyaltySchema.table('badges', {
  code: text('code').primaryKey(),
  name: text('name').notNull(),
  description: text('description'),
  /** {source: 'activity' | 'orders', eventType?, count, period: 'month' | 'year' | 'ever', filter?} */
  rule: jsonb('rule').notNull(),
  points: integer('points').notNull().default(0),
  repeatable: boolean('repeatable').notNull().default(false),
  active: boolean('active').notNull().default(true),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** A badge earned; `period` is the month/year it was earned for ('ever' for one-off badges). */
export const badgeAwards = loyaltySchema.table(
  'badge_awards',
  {
    customerId: uuid('customer_id').notNull(),
    badgeCode: text('badge_code').notNull(),
    period: text('period').notNull(),
    progress: bigint('progress', { mode: 'number' }).notNull(),
    entryId: uuid('entry_id'),
    detail: jsonb('detail').notNull().default({}),
    awardedAt: timestamp('awarded_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.customerId, t.badgeCode, t.period] }), index('badge_awards_badge_idx').on(t.badgeCode, t.awardedAt)],
);
