/**
 * Where every Kemai table goes on a distributed PostgreSQL (Citus; docs/deploy/citus.md, docs/adr/0014-citus-distribution.md).
 *
 * - `distributed`: hash-distributed and co-located with customers.customers (distributed by `id`), so one customer's
 *   rows of every customer-owned table live on the same shard and join locally. `column` is the distribution column.
 * - `reference`: small catalog/configuration tables, copied to every node (joins with any shard stay local).
 * - `local`: stays on the coordinator only (operational or not customer-owned, and small enough for one node).
 * - `key`: a small lookup table holding a global key the caller knows before the customer (an order's external id, an
 *   identifier's value, a coupon code) → the customer. Hash-distributed by that key (`column`) in a co-location group of
 *   its own (`colocate_with => 'none'`), written in the same transaction as the customer's row (ADR 0014).
 *
 * A table whose keys do not yet follow Citus's rules (every primary key and unique index of a distributed table holds
 * the distribution column, which is NOT NULL) carries `pending`: what is wrong and the plan. The distribution SQL
 * leaves pending tables on the coordinator as local tables (commented out, with the reason), and
 * tests/platform/citus-keys.test.ts checks that the violations found in the migrated schema are exactly the pending
 * ones — a new table without a placement, or a new violation, fails it; a fixed one must lose its `pending`.
 *
 * Not listed (never Kemai's): pg-boss's `pgboss` schema and drizzle's migration journal stay local on the coordinator.
 */

export type Placement =
  | { kind: 'distributed'; column: 'customer_id' | 'id'; pending?: string }
  | { kind: 'reference'; pending?: string }
  | { kind: 'local'; reason: string; pending?: string }
  | { kind: 'key'; column: string; reason: string; pending?: string };

/** The table every distributed table is co-located with. */
export const DISTRIBUTION_ANCHOR = 'customers.customers';

const byCustomer: Placement = { kind: 'distributed', column: 'customer_id' };
const reference: Placement = { kind: 'reference' };
const local = (reason: string): Placement => ({ kind: 'local', reason });
/** A key table distributed by its own key column (see `key` above). */
export const keyTable = (column: string, reason: string): Placement => ({ kind: 'key', column, reason });

/** Placement of every table of every Kemai schema, `schema.table` → placement. */
export const PLACEMENTS: Readonly<Record<string, Placement>> = {
  // access: staff accounts, sessions and API keys — tiny, written on every login (lockout counters, session touch).
  'access.api_keys': local('API keys: a few dozen rows, checked on every request by the coordinator that serves it'),
  'access.sessions': local('console sessions: one per signed-in staff member, touched on every request'),
  'access.staff': local('staff accounts (thousands at most); login lockout counters change on every failed login, which a reference table would replicate to every node'),

  // activity
  'activity.anonymous_event_rollups': local('monthly counts of rolled-up anonymous events: one row per month, type, channel and store'),
  'activity.anonymous_events': local('events of visitors not yet identified (no customer): the anonymous backlog, moved to activity.events when the id is identified, rolled up by retention'),
  'activity.event_keys': keyTable('external_id', 'senders\' idempotency keys (source, external_id) of events, known before the customer; inserted with the event'),
  'activity.event_rollups': byCustomer,
  'activity.events': byCustomer,

  // catalog
  'catalog.products': reference,
  'catalog.stores': reference,

  // customers
  'customers.consents': byCustomer,
  'customers.customers': { kind: 'distributed', column: 'id' },
  'customers.duplicate_candidates': byCustomer,
  'customers.identifier_keys': keyTable('value', 'identity lookup (type, value) → customer_id: unique per identifier, written in the transaction that inserts the identifier, moved by merges, deleted by erasure'),
  'customers.identifiers': byCustomer,
  'customers.merges': local('one row per merge (a few % of customers at most); keyed by survivor_id, read by merge history and erasure'),
  'customers.timeline_items': byCustomer,

  // ingest: import bookkeeping, emptied or bounded per run.
  'ingest.import_errors': local('errors of import runs: bounded per run, pruned with the run'),
  'ingest.import_runs': local('one row per import file'),
  'ingest.staged_rows': local('staging of the file being imported: emptied when the run ends'),

  // insights
  'insights.churn_model_runs': local('one row per model run'),
  'insights.churn_scores': byCustomer,
  'insights.clv_runs': local('one row per model run'),
  'insights.customer_predictions': byCustomer,
  'insights.cycle_runs': local('one row per run'),
  'insights.repurchase_cycles': byCustomer,
  'insights.rhythm_changes': byCustomer,

  // journeys
  'journeys.enrollments': byCustomer,
  'journeys.journeys': reference,
  'journeys.step_runs': byCustomer,
  'journeys.trigger_state': local('one row per journey, updated by every trigger run (a reference table would write to every node)'),
  'journeys.versions': reference,

  // listening: social listening is keyed by source and topic, not by member; volume follows the feeds, not the members.
  'listening.alerts': local('alerts raised by rules: small'),
  'listening.crises': local('a handful per year'),
  'listening.crisis_affected': byCustomer,
  'listening.crisis_events': local('timeline of the crises: small'),
  'listening.feeds': local('configured feeds: a few rows'),
  'listening.hourly_stats': local('one row per scope and hour: grows with topics × hours, not with members'),
  'listening.mentions': local('social mentions: most have no customer (customer_id null); volume follows the listened feeds, partition by time on the coordinator if it grows; the identified ones are joined to customers by id'),
  'listening.models': local('sentiment model versions: a few rows'),
  'listening.notifications': local('notifications of alerts: small'),
  'listening.rules': local('alert rules: a few rows'),

  // loyalty
  'loyalty.accounts': byCustomer,
  'loyalty.badge_awards': byCustomer,
  'loyalty.badges': reference,
  'loyalty.growth_entries': byCustomer,
  'loyalty.holds': byCustomer,
  'loyalty.ledger_entries': byCustomer,
  'loyalty.lot_draws': byCustomer,
  'loyalty.lots': byCustomer,
  'loyalty.program_versions': reference,
  'loyalty.referral_codes': keyTable('code', 'referral code → its member: unique across members, inserted when the account gets its code, read when a referee names it, deleted by erasure'),
  'loyalty.referrals': local('one row per referral (a small share of members), keyed by referee_id; read by the referral flow only'),
  'loyalty.rewards': reference,
  'loyalty.tier_changes': byCustomer,
  'loyalty.tier_sets': reference,

  // messaging
  'messaging.channels': reference,
  'messaging.delivery_events': byCustomer,
  'messaging.guide_tasks': byCustomer,
  'messaging.messages': byCustomer,
  'messaging.policies': reference,
  'messaging.templates': reference,

  // orders
  'orders.external_keys': keyTable('external_id', 'the feeds\' idempotency key (kind, channel, external_id) → the order or return and its customer; known before the customer is resolved (ADR 0014)'),
  'orders.order_lines': byCustomer,
  'orders.order_versions': byCustomer,
  'orders.orders': byCustomer,
  'orders.return_lines': byCustomer,
  'orders.returns': byCustomer,

  // platform
  'platform.audit_log': local('append-only; volume follows staff and API-key actions, not members; archived by time (ADR 0012)'),
  'platform.event_deliveries': local('operational: which subscriber handled which outbox event; pruned'),
  'platform.outbox': local('operational: transactional outbox, drained by the relay and pruned'),

  // promotions
  'promotions.coupon_templates': reference,
  'promotions.coupon_codes': keyTable('code', 'coupon codes are unique across templates and looked up before the coupon (a checkout\'s code → coupon id and the customer_id it is stored under); written with the coupon'),
  'promotions.coupons': byCustomer,
  'promotions.customer_uses': byCustomer,
  'promotions.issue_recipients': byCustomer,
  'promotions.issue_runs': local('one row per issue run'),
  'promotions.promotion_counters': local('one row per promotion, incremented by every checkout that uses it: a hot row a reference table would write on every node'),
  'promotions.promotions': reference,
  'promotions.redemptions': byCustomer,
  'promotions.reservations': byCustomer,

  // segments
  'segments.cluster_assignments': byCustomer,
  'segments.cluster_runs': local('one row per clustering run'),
  'segments.members': byCustomer,
  'segments.membership_log': byCustomer,
  'segments.rfm_runs': local('one row per RFM run'),
  'segments.rfm_scores': byCustomer,
  'segments.segments': reference,
  'segments.size_history': local('one row per segment and day'),

  // service: tickets follow contacts (a few % of members a year), not members; one node holds tens of millions of rows.
  'service.calendars': reference,
  'service.compensation_policies': reference,
  'service.compensations': local('compensations of tickets: a fraction of the tickets'),
  'service.queues': reference,
  'service.reply_templates': reference,
  'service.sla_policies': reference,
  'service.taxonomy': reference,
  'service.ticket_events': local('history of tickets: grows with contacts (a few % of members a year); archive closed tickets by time'),
  'service.tickets': local(
    'tickets grow with contacts, not members; numbers (unique (number)) and channel references (unique (channel, external_ref)) are global, and tickets may have no customer; joined to customers by id',
  ),

  // staff
  'staff.assignments': byCustomer,
  'staff.reports': local('one row per week'),
  'staff.reward_rules': reference,
  'staff.rewards': local('one row per rule, staff member and period'),

  // surveys
  'surveys.invitations': byCustomer,
  'surveys.responses': byCustomer,
  'surveys.surveys': reference,
};

export interface DistributionOptions {
  /** Shards per distributed table (citus.shard_count); default 64. */
  shardCount?: number;
}

const quoteTable = (name: string): string => `'${name}'`;

/**
 * The SQL that distributes Kemai's tables on a Citus coordinator where Kemai's migrations have run: reference tables
 * first, then customers.customers, then every customer-owned table co-located with it. Pending tables are listed as
 * comments (they stay local until their keys are fixed); local tables need no statement.
 */
export function distributionSql(opts: DistributionOptions = {}): string {
  const shardCount = opts.shardCount ?? 64;
  if (!Number.isInteger(shardCount) || shardCount < 1 || shardCount > 64000) throw new Error('shardCount must be an integer between 1 and 64000');
  const names = Object.keys(PLACEMENTS).sort();
  const lines: string[] = [
    '-- Kemai: distribute the tables on Citus (generated by src/platform/db/distribution.ts; docs/deploy/citus.md).',
    '-- Run on the coordinator after Kemai\'s migrations, with psql -v ON_ERROR_STOP=1.',
    '',
    '-- 1. Reference tables: copied to every node.',
  ];
  for (const n of names) {
    const p = PLACEMENTS[n]!;
    if (p.kind !== 'reference') continue;
    lines.push(p.pending ? `-- pending, stays local: ${n} — ${p.pending}` : `select create_reference_table(${quoteTable(n)});`);
  }
  const anchor = PLACEMENTS[DISTRIBUTION_ANCHOR]!;
  if (anchor.kind !== 'distributed') throw new Error(`${DISTRIBUTION_ANCHOR} must be distributed`);
  lines.push(
    '',
    '-- 2. The anchor of the co-location group: customers by id.',
    `select create_distributed_table(${quoteTable(DISTRIBUTION_ANCHOR)}, '${anchor.column}', shard_count => ${shardCount});`,
    '',
    `-- 3. Customer-owned tables, co-located with ${DISTRIBUTION_ANCHOR}.`,
  );
  const pending: string[] = [];
  for (const n of names) {
    const p = PLACEMENTS[n]!;
    if (p.kind !== 'distributed' || n === DISTRIBUTION_ANCHOR) continue;
    if (p.pending) pending.push(`--   ${n} (${p.column}): ${p.pending}`);
    else lines.push(`select create_distributed_table(${quoteTable(n)}, '${p.column}', colocate_with => ${quoteTable(DISTRIBUTION_ANCHOR)});`);
  }
  lines.push('', '-- 4. Key tables: a global key (external id, identifier, code) → its customer, each distributed by its key.');
  for (const n of names) {
    const p = PLACEMENTS[n]!;
    if (p.kind !== 'key') continue;
    lines.push(p.pending ? `-- pending, stays local: ${n} — ${p.pending}` : `select create_distributed_table(${quoteTable(n)}, '${p.column}', colocate_with => 'none');`);
  }
  lines.push('', '-- 5. Pending: customer-owned tables whose keys do not yet hold customer_id; they stay local on the coordinator.');
  lines.push(...pending);
  lines.push('', '-- 6. Local on the coordinator (no statement needed), and pg-boss\'s pgboss schema, drizzle\'s journal:');
  for (const n of names) {
    const p = PLACEMENTS[n]!;
    if (p.kind === 'local') lines.push(`--   ${n}: ${p.reason}`);
  }
  return `${lines.join('\n')}\n`;
}
