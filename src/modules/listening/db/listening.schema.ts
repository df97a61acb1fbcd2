import { sql } from 'drizzle-orm';
import { bigint, boolean, check, customType, index, integer, jsonb, pgSchema, primaryKey, real, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export const listeningSchema = pgSchema('listening');

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

/**
 * One thing somebody said about the brand on a platform (Weibo, Xiaohongshu, Douyin, WeChat, Dianping, e-commerce
 * reviews) or through our own surveys and tickets. Deduplicated by (source, external_id): a platform's post id, or a
 * hash of author, time and text when the export has none. `content_hash` (normalised text) groups reposts of one text.
 * Sentiment (label, score −1…1), aspect hints and keywords are computed at ingest; `customer_id` when an identifier
 * in the mention names a profile.
 */
export const mentions = listeningSchema.table(
  'mentions',
  {
    id: uuid('id').primaryKey(),
    source: text('source').notNull(),
    externalId: text('external_id').notNull(),
    contentHash: text('content_hash').notNull(),
    url: text('url'),
    author: text('author'),
    authorId: text('author_id'),
    text: text('text').notNull(),
    lang: text('lang').notNull(),
    postedAt: timestamp('posted_at', { withTimezone: true }).notNull(),
    region: text('region'),
    city: text('city'),
    storeCode: text('store_code'),
    sku: text('sku'),
    likes: integer('likes').notNull().default(0),
    comments: integer('comments').notNull().default(0),
    shares: integer('shares').notNull().default(0),
    views: integer('views').notNull().default(0),
    customerId: uuid('customer_id'),
    sentimentLabel: text('sentiment_label').notNull(),
    sentiment: real('sentiment').notNull(),
    aspects: text('aspects').array().notNull().default(sql`'{}'::text[]`),
    keywords: text('keywords').array().notNull().default(sql`'{}'::text[]`),
    ingestedAt: timestamp('ingested_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('mentions_source_external_uq').on(t.source, t.externalId),
    index('mentions_posted_idx').on(t.postedAt),
    index('mentions_store_idx').on(t.storeCode, t.postedAt).where(sql`${t.storeCode} is not null`),
    index('mentions_sku_idx').on(t.sku, t.postedAt).where(sql`${t.sku} is not null`),
    index('mentions_customer_idx').on(t.customerId).where(sql`${t.customerId} is not null`),
    index('mentions_keywords_idx').using('gin', t.keywords),
    check('mentions_label_ck', sql`${t.sentimentLabel} in ('positive', 'neutral', 'negative')`),
  ],
);

/**
 * Hourly counts per scope, kept at ingest (one upsert per batch): scope brand ('*'), source, region, store, product, aspect
 * (sku) and keyword. Spike detection reads its series here, and trends read their lines.
 */
export const hourlyStats = listeningSchema.table(
  'hourly_stats',
  {
    scopeType: text('scope_type').notNull(),
    scopeKey: text('scope_key').notNull(),
    hour: timestamp('hour', { withTimezone: true }).notNull(),
    mentions: integer('mentions').notNull().default(0),
    negatives: integer('negatives').notNull().default(0),
    positives: integer('positives').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.scopeType, t.scopeKey, t.hour] }), index('hourly_stats_hour_idx').on(t.scopeType, t.hour)],
);

/**
 * A spike rule: a scope (type and key; key '*' = every key of that type with enough volume), a metric (volume or
 * negative share), the window, the increase over the seasonal baseline, the minimum count and the test's alpha.
 * `notify` says who hears of it (in the console, emails, webhooks); `opens_crisis` makes an alert open a crisis owned
 * by `owner_id`.
 */
export const rules = listeningSchema.table(
  'rules',
  {
    id: uuid('id').primaryKey(),
    name: text('name').notNull(),
    scopeType: text('scope_type').notNull(),
    scopeKey: text('scope_key').notNull().default('*'),
    metric: text('metric').notNull(),
    windowMinutes: integer('window_minutes').notNull().default(60),
    increasePct: real('increase_pct').notNull(),
    minCount: integer('min_count').notNull(),
    alpha: real('alpha').notNull().default(0.001),
    minNegativeShare: real('min_negative_share'),
    timeZone: text('time_zone').notNull().default('Asia/Shanghai'),
    notify: jsonb('notify').notNull().default(sql`'{"console": true}'::jsonb`),
    opensCrisis: boolean('opens_crisis').notNull().default(false),
    ownerId: uuid('owner_id'),
    enabled: boolean('enabled').notNull().default(true),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    check('rules_scope_ck', sql`${t.scopeType} in ('brand', 'source', 'region', 'store', 'product', 'keyword')`),
    check('rules_metric_ck', sql`${t.metric} in ('volume', 'negative_share')`),
  ],
);

/**
 * A spike a rule found for one scope key. One open alert per (rule, scope) — the partial unique index is the
 * deduplication while a spike lasts; `state` is the lifecycle's (peak, last seen, quiet evaluations).
 */
export const alerts = listeningSchema.table(
  'alerts',
  {
    id: uuid('id').primaryKey(),
    ruleId: uuid('rule_id').notNull(),
    scopeType: text('scope_type').notNull(),
    scopeKey: text('scope_key').notNull(),
    status: text('status').notNull().default('open'),
    openedAt: timestamp('opened_at', { withTimezone: true }).notNull(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull(),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    finding: jsonb('finding').notNull(),
    peak: jsonb('peak').notNull(),
    state: jsonb('state').notNull(),
    crisisId: uuid('crisis_id'),
    acknowledgedBy: text('acknowledged_by'),
    acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('alerts_open_uq').on(t.ruleId, t.scopeType, t.scopeKey).where(sql`${t.status} = 'open'`),
    index('alerts_opened_idx').on(t.openedAt),
    check('alerts_status_ck', sql`${t.status} in ('open', 'closed')`),
  ],
);

/** One delivery of an alert or a crisis deadline to staff: in the console, by email or by webhook, retried until sent. */
export const notifications = listeningSchema.table(
  'notifications',
  {
    id: uuid('id').primaryKey(),
    alertId: uuid('alert_id'),
    crisisId: uuid('crisis_id'),
    kind: text('kind').notNull(), // spike | deadline | crisis
    channel: text('channel').notNull(), // console | email | webhook
    target: text('target').notNull(),
    subject: text('subject').notNull(),
    body: text('body').notNull(),
    payload: jsonb('payload').notNull().default(sql`'{}'::jsonb`),
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    error: text('error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    readAt: timestamp('read_at', { withTimezone: true }),
  },
  (t) => [
    index('notifications_pending_idx').on(t.createdAt).where(sql`${t.status} = 'pending'`),
    index('notifications_console_idx').on(t.createdAt).where(sql`${t.channel} = 'console'`),
    check('notifications_status_ck', sql`${t.status} in ('pending', 'sent', 'failed')`),
  ],
);

export const crisisNumbers = listeningSchema.sequence('crisis_no_seq');

/**
 * A crisis: opened from an alert or by hand, with an owner, the scope it is about (product/batch, keyword, store),
 * deadlines from the seeds (a statement within 60 minutes, progress updates every `update_every_minutes`), the
 * negative share at the start and the target (e.g. 40 % → 5 %). Statuses: open → responding (statement issued) →
 * monitoring → closed.
 */
export const crises = listeningSchema.table(
  'crises',
  {
    id: uuid('id').primaryKey(),
    number: bigint('number', { mode: 'number' }).notNull().unique(),
    title: text('title').notNull(),
    status: text('status').notNull().default('open'),
    severity: text('severity').notNull().default('high'),
    ownerId: uuid('owner_id'),
    alertId: uuid('alert_id'),
    scopeType: text('scope_type'),
    scopeKey: text('scope_key'),
    sku: text('sku'),
    batch: text('batch'),
    keyword: text('keyword'),
    storeCode: text('store_code'),
    openedAt: timestamp('opened_at', { withTimezone: true }).notNull(),
    statementDueAt: timestamp('statement_due_at', { withTimezone: true }).notNull(),
    statementAt: timestamp('statement_at', { withTimezone: true }),
    updateEveryMinutes: integer('update_every_minutes').notNull().default(240),
    nextUpdateDueAt: timestamp('next_update_due_at', { withTimezone: true }),
    startNegativeShare: real('start_negative_share'),
    targetNegativeShare: real('target_negative_share').notNull().default(0.05),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    closedBy: text('closed_by'),
    summary: text('summary'),
    remindedAt: jsonb('reminded_at').notNull().default(sql`'{}'::jsonb`),
    createdBy: text('created_by').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('crises_live_idx').on(t.statementDueAt).where(sql`${t.status} <> 'closed'`),
    check('crises_status_ck', sql`${t.status} in ('open', 'responding', 'monitoring', 'closed')`),
    check('crises_severity_ck', sql`${t.severity} in ('low', 'medium', 'high', 'critical')`),
  ],
);

/** A crisis's timeline: opened, statement, update, note, affected customers added, compensation, owner changes, deadline missed, closed. */
export const crisisEvents = listeningSchema.table(
  'crisis_events',
  {
    id: uuid('id').primaryKey(),
    crisisId: uuid('crisis_id').notNull(),
    kind: text('kind').notNull(),
    actor: text('actor').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    body: text('body'),
    detail: jsonb('detail').notNull().default(sql`'{}'::jsonb`),
  },
  (t) => [index('crisis_events_crisis_idx').on(t.crisisId, t.at)],
);

/**
 * A customer a crisis touches, found through a linked mention, a ticket or an order of the product (and batch). One
 * row per customer and crisis; `compensation` records what was given (coupon, points) once, by idempotency key.
 */
export const crisisAffected = listeningSchema.table(
  'crisis_affected',
  {
    crisisId: uuid('crisis_id').notNull(),
    customerId: uuid('customer_id').notNull(),
    reasons: text('reasons').array().notNull(),
    addedAt: timestamp('added_at', { withTimezone: true }).notNull(),
    compensatedAt: timestamp('compensated_at', { withTimezone: true }),
    compensation: jsonb('compensation'),
  },
  (t) => [primaryKey({ columns: [t.crisisId, t.customerId] })],
);

/** An RSS/Atom or JSON feed polled on a schedule; items become mentions of `source`. `mapping` names JSON fields. */
export const feeds = listeningSchema.table('feeds', {
  id: uuid('id').primaryKey(),
  name: text('name').notNull(),
  kind: text('kind').notNull(), // rss | json
  url: text('url').notNull(),
  source: text('source').notNull(),
  mapping: jsonb('mapping').notNull().default(sql`'{}'::jsonb`),
  everyMinutes: integer('every_minutes').notNull().default(15),
  enabled: boolean('enabled').notNull().default(true),
  lastPolledAt: timestamp('last_polled_at', { withTimezone: true }),
  lastStatus: text('last_status'),
  lastCount: integer('last_count'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** A trained model the brand uploaded (`kemai listening train`): every process loads the newest; none → the shipped one. */
export const models = listeningSchema.table('models', {
  id: uuid('id').primaryKey(),
  kind: text('kind').notNull(), // sentiment
  data: bytea('data').notNull(),
  info: jsonb('info').notNull(),
  trainedBy: text('trained_by').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});
