import { sql, type SQL } from 'drizzle-orm';
import { systemClock, type Clock } from '../../platform/clock.js';
import { query, queryOne, type Db } from '../../platform/db/database.js';
import { conflict, invalid, notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { ChannelsService } from './channels.service.js';
import type { Dispatcher } from './dispatcher.js';
import type { GuideTasksService } from './guide-tasks.service.js';
import type { ReceiptsService } from './receipts.service.js';
import { CHANNELS, type Channel, type ChannelChoice, type MessagePlanner, type MessageStatus, type PlanRequest, type PlanResult, type Purpose } from './messaging.contract.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DEFAULT_VALID_HOURS = 72;

/**
 * A time-ordered id (UUIDv7 layout: 48 bits of milliseconds, version and variant bits, random rest) made in SQL, so
 * an insert … select of a million messages gets index-friendly ids without a row passing through JavaScript.
 */
export const SQL_UUID_V7 = sql.raw(
  `encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) placing substring(int8send((extract(epoch from clock_timestamp()) * 1000)::bigint) from 3) from 1 for 6), 52, 1), 53, 1), 'hex')::uuid`,
);

/** A message as the API answers it (the address only masked; the text once rendered at send time). */
export interface Message {
  id: string;
  customerId: string;
  channel: ChannelChoice;
  purpose: Purpose;
  templateId: string | null;
  locale: string;
  variables: Record<string, unknown>;
  subject: string | null;
  body: string | null;
  toMasked: string | null;
  dedupeKey: string;
  status: MessageStatus;
  reason: string | null;
  sourceKind: string;
  sourceId: string | null;
  journeyId: string | null;
  enrollmentId: string | null;
  stepId: string | null;
  sendAfter: Date;
  expiresAt: Date | null;
  attempts: number;
  lastError: string | null;
  providerMessageId: string | null;
  sentAt: Date | null;
  deliveredAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

type Row = Record<string, unknown>;
const date = (v: unknown) => (v == null ? null : v instanceof Date ? v : new Date(String(v)));

export function toMessage(r: Row): Message {
  return {
    id: String(r.id),
    customerId: String(r.customer_id),
    channel: r.channel as ChannelChoice,
    purpose: r.purpose as Purpose,
    templateId: (r.template_id as string | null) ?? null,
    locale: String(r.locale),
    variables: (typeof r.variables === 'string' ? JSON.parse(r.variables) : r.variables ?? {}) as Record<string, unknown>,
    subject: (r.subject as string | null) ?? null,
    body: (r.body as string | null) ?? null,
    toMasked: (r.to_masked as string | null) ?? null,
    dedupeKey: String(r.dedupe_key),
    status: r.status as MessageStatus,
    reason: (r.reason as string | null) ?? null,
    sourceKind: String(r.source_kind),
    sourceId: (r.source_id as string | null) ?? null,
    journeyId: (r.journey_id as string | null) ?? null,
    enrollmentId: (r.enrollment_id as string | null) ?? null,
    stepId: (r.step_id as string | null) ?? null,
    sendAfter: date(r.send_after)!,
    expiresAt: date(r.expires_at),
    attempts: Number(r.attempts),
    lastError: (r.last_error as string | null) ?? null,
    providerMessageId: (r.provider_message_id as string | null) ?? null,
    sentAt: date(r.sent_at),
    deliveredAt: date(r.delivered_at),
    createdAt: date(r.created_at)!,
    updatedAt: date(r.updated_at)!,
  };
}

export interface SendNowInput {
  customerId: string;
  template: string;
  channel?: ChannelChoice;
  variables?: Record<string, unknown>;
  dedupeKey?: string;
  validForHours?: number;
}

/**
 * Planning: a template sent to recipients turns into queued messages (one insert … select, idempotent by dedupe key);
 * delivery happens later in the Dispatcher. `poke` wakes the dispatcher's worker (set by the composition root).
 */
export class MessagingService implements MessagePlanner {
  private readonly clock: Clock;
  private pokeHook: (() => void) | undefined;
  /** Delivery (set by the composition root with useDelivery): the worker, channel settings, guide tasks, receipts. */
  dispatcher!: Dispatcher;
  channels!: ChannelsService;
  guideTasks!: GuideTasksService;
  receipts!: ReceiptsService;

  constructor(
    private readonly db: Db,
    deps: { clock?: Clock } = {},
  ) {
    this.clock = deps.clock ?? systemClock;
  }

  useDelivery(parts: { dispatcher: Dispatcher; channels: ChannelsService; guideTasks: GuideTasksService; receipts: ReceiptsService }): void {
    this.dispatcher = parts.dispatcher;
    this.channels = parts.channels;
    this.guideTasks = parts.guideTasks;
    this.receipts = parts.receipts;
    this.onPlanned(() => parts.dispatcher.poke());
  }

  /** Called after messages are planned (the dispatcher's worker wakes up; a poke before the caller's commit just finds nothing yet). */
  onPlanned(hook: () => void): void {
    this.pokeHook = hook;
  }

  /** Wakes the dispatcher now (callers of `plan` may call it right after their transaction commits). */
  poke(): void {
    this.pokeHook?.();
  }

  /**
   * Queues one message per recipient, inside the caller's transaction. Recipients are values or a query returning
   * `customer_id, dedupe_key, enrollment_id, variables`; either way one insert … select … on conflict (customer_id,
   * dedupe_key) do nothing, so an audience of a million never passes through JavaScript and replays plan nothing twice.
   * Dedupe keys are unique per customer (docs/adr/0014-citus-distribution.md): planners' keys name the recipient's
   * enrollment or a fresh id, and sendNow refuses a key another customer already has.
   */
  async plan(tx: Db, request: PlanRequest): Promise<PlanResult> {
    const channel = request.channel;
    if (channel !== 'auto' && !(CHANNELS as readonly string[]).includes(channel))
      throw invalid('messaging.invalid_channel', `channel must be auto or one of ${CHANNELS.join(', ')}`, [{ path: 'channel', message: `unknown channel ${String(channel)}` }]);
    const validForHours = request.validForHours ?? DEFAULT_VALID_HOURS;
    if (!Number.isFinite(validForHours) || validForHours <= 0 || validForHours > 24 * 366)
      throw invalid('messaging.invalid_validity', 'validForHours must be between 0 and 8784', [{ path: 'validForHours', message: 'must be > 0 and ≤ 8784' }]);
    const source = request.source;
    for (const [field, v] of [['source.id', source.id], ['source.journeyId', source.journeyId]] as const)
      if (v !== undefined && !UUID.test(v)) throw invalid('messaging.invalid_source', `${field} must be a uuid`, [{ path: field, message: 'must be a uuid' }]);
    if (!['journey', 'campaign', 'api', 'system'].includes(source.kind))
      throw invalid('messaging.invalid_source', 'source.kind must be journey, campaign, api or system', [{ path: 'source.kind', message: 'unknown source kind' }]);

    const template = await queryOne<{ id: string; purpose: string; status: string; channels: string[] }>(
      tx,
      sql`select id, purpose, status, array(select jsonb_object_keys(contents)) as channels from messaging.templates where code = ${request.template}`,
    );
    if (!template) throw notFound('messaging.template_not_found', `no message template has the code ${request.template}`);
    if (template.status !== 'active') throw conflict('messaging.template_archived', `the message template ${request.template} is archived`);
    if (channel !== 'auto' && !template.channels.includes(channel))
      throw invalid('messaging.template_channel', `the template ${request.template} has no text for the ${channel} channel`, [{ path: 'channel', message: `template has no ${channel} text` }]);

    const now = request.at ?? this.clock.now();
    let sendAfter: Date;
    const extra: Record<string, unknown> = {};
    if (request.sendAt === 'now') sendAfter = now;
    else if (request.sendAt === 'usual_hour') {
      sendAfter = now;
      extra._sendAt = 'usual_hour';
    } else if (request.sendAt instanceof Date && !Number.isNaN(request.sendAt.getTime())) sendAfter = request.sendAt;
    else throw invalid('messaging.invalid_send_at', 'sendAt must be now, usual_hour or an instant', [{ path: 'sendAt', message: 'must be now, usual_hour or a date' }]);
    const expiresAt = new Date(sendAfter.getTime() + validForHours * 3_600_000);

    let recipients: SQL;
    if (Array.isArray(request.recipients)) {
      if (request.recipients.length === 0) return { planned: 0, duplicates: 0 };
      const values = request.recipients.map((r, i) => {
        if (!UUID.test(r.customerId)) throw invalid('messaging.invalid_recipient', `recipients.${i}.customerId must be a uuid`, [{ path: `recipients.${i}.customerId`, message: 'must be a uuid' }]);
        if (typeof r.dedupeKey !== 'string' || r.dedupeKey.length === 0 || r.dedupeKey.length > 300)
          throw invalid('messaging.invalid_recipient', `recipients.${i}.dedupeKey must be 1–300 characters`, [{ path: `recipients.${i}.dedupeKey`, message: 'must be 1–300 characters' }]);
        if (r.enrollmentId !== undefined && !UUID.test(r.enrollmentId))
          throw invalid('messaging.invalid_recipient', `recipients.${i}.enrollmentId must be a uuid`, [{ path: `recipients.${i}.enrollmentId`, message: 'must be a uuid' }]);
        return { customer_id: r.customerId, dedupe_key: r.dedupeKey, enrollment_id: r.enrollmentId ?? null, variables: r.variables ?? null };
      });
      recipients = sql`select customer_id, dedupe_key, enrollment_id, variables
        from jsonb_to_recordset(${JSON.stringify(values)}::jsonb) as x(customer_id uuid, dedupe_key text, enrollment_id uuid, variables jsonb)`;
    } else recipients = request.recipients;

    const rows = await query<{ planned: number; total: number }>(
      tx,
      sql`with r as materialized (
            select q.customer_id::uuid as customer_id, q.dedupe_key::text as dedupe_key, q.enrollment_id::uuid as enrollment_id, q.variables::jsonb as variables
            from (${recipients}) q
          ),
          ins as (
            insert into messaging.messages (id, customer_id, channel, purpose, template_id, locale, variables, dedupe_key, status,
              source_kind, source_id, journey_id, enrollment_id, step_id, send_after, expires_at, attempts, created_at, updated_at)
            select ${SQL_UUID_V7}, r.customer_id, ${channel}, ${template.purpose}, ${template.id}::uuid,
              case when c.attributes->>'locale' ilike 'en%' then 'en' else 'zh-CN' end,
              coalesce(r.variables, '{}'::jsonb) || ${JSON.stringify(extra)}::jsonb,
              r.dedupe_key, 'queued', ${source.kind}, ${source.id ?? null}::uuid, ${source.journeyId ?? null}::uuid, r.enrollment_id,
              ${source.stepId ?? null}, ${sendAfter.toISOString()}::timestamptz, ${expiresAt.toISOString()}::timestamptz, 0,
              ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz
            from r left join customers.customers c on c.id = r.customer_id
            on conflict (customer_id, dedupe_key) do nothing
            returning 1
          )
          select (select count(*) from ins)::int as planned, (select count(*) from r)::int as total`,
    );
    const planned = Number(rows[0]?.planned ?? 0);
    const total = Number(rows[0]?.total ?? 0);
    if (planned > 0) setTimeout(() => this.poke(), 50).unref?.();
    return { planned, duplicates: total - planned };
  }

  /** One template to one customer now (POST /messaging/messages); a replay with the same dedupe key answers the first message. */
  async sendNow(input: SendNowInput): Promise<{ message: Message; duplicate: boolean }> {
    const customer = await queryOne<{ id: string }>(this.db, sql`select id from customers.customers where id = ${input.customerId}::uuid`);
    if (!customer) throw notFound('messaging.customer_not_found', `no customer has the id ${input.customerId}`);
    const dedupeKey = input.dedupeKey ?? `api:${newId()}`;
    const result = await this.db.transaction(async (tx) => {
      // Keys are unique per customer in the table; a caller's key stays one message across customers: the key is
      // locked for the transaction, and one already used for another customer is refused.
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`messaging.dedupe:${dedupeKey}`}, 0))`);
      const taken = await queryOne<{ customer_id: string }>(
        tx as unknown as Db,
        sql`select customer_id from messaging.messages where dedupe_key = ${dedupeKey} and customer_id <> ${input.customerId}::uuid limit 1`,
      );
      if (taken) throw conflict('messaging.dedupe_key_taken', 'the dedupeKey was used for another customer');
      return this.plan(tx as unknown as Db, {
        template: input.template,
        channel: input.channel ?? 'auto',
        sendAt: 'now',
        source: { kind: 'api' },
        recipients: [{ customerId: input.customerId, dedupeKey, variables: input.variables ?? {} }],
        validForHours: input.validForHours,
      });
    });
    const message = await this.byDedupeKey(input.customerId, dedupeKey);
    if (!message) throw notFound('messaging.message_not_found', 'the message was not planned');
    return { message, duplicate: result.planned === 0 };
  }

  async get(id: string): Promise<Message> {
    if (!UUID.test(id)) throw notFound('messaging.message_not_found', `no message has the id ${id}`);
    const row = await queryOne<Row>(this.db, sql`select * from messaging.messages where id = ${id}::uuid`);
    if (!row) throw notFound('messaging.message_not_found', `no message has the id ${id}`);
    return toMessage(row);
  }

  /** The customer's message planned with the key (keys are unique per customer). */
  async byDedupeKey(customerId: string, key: string): Promise<Message | undefined> {
    const row = await queryOne<Row>(this.db, sql`select * from messaging.messages where customer_id = ${customerId}::uuid and dedupe_key = ${key}`);
    return row ? toMessage(row) : undefined;
  }

  /** Cancels a message still queued (one being sent, or already sent, cannot be called back). */
  async cancel(id: string, actor: string): Promise<Message> {
    const current = await this.get(id);
    const now = this.clock.now();
    const rows = await query<Row>(
      this.db,
      sql`update messaging.messages set status = 'cancelled', reason = 'cancelled', lease_until = null, updated_at = ${now.toISOString()}::timestamptz
          where id = ${id}::uuid and status = 'queued' returning *`,
    );
    if (rows.length === 0) throw conflict('messaging.not_queued', `the message is ${current.status}; only a queued message can be cancelled`, { status: current.status });
    await this.db.execute(
      sql`insert into messaging.delivery_events (customer_id, message_id, id, status, detail, occurred_at)
          values (${String(rows[0]!.customer_id)}::uuid, ${id}::uuid, ${newId()}::uuid, 'cancelled', ${JSON.stringify({ by: actor })}::jsonb, ${now.toISOString()}::timestamptz)`,
    );
    return toMessage(rows[0]!);
  }
}

export type { Channel };
