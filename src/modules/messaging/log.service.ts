import { sql, type SQL } from 'drizzle-orm';
import { parseInstant } from '../../platform/clock.js';
import { query, queryOne, type Db } from '../../platform/db/database.js';
import { invalid, notFound } from '../../platform/errors.js';
import type { TimelineSource } from '../customers/index.js';
import type { MessageLogQuery } from './messaging.schemas.js';
import { toMessage, type Message } from './messaging.service.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface LoggedMessage extends Message {
  templateCode: string | null;
  templateName: string | null;
  customerName: string | null;
}

export interface DeliveryEvent {
  id: string;
  status: string;
  detail: Record<string, unknown>;
  occurredAt: Date;
}

type Row = Record<string, unknown>;

/** Keyset cursor: the last row's created_at in microseconds since the epoch and its id. */
function encodeCursor(r: Row): string {
  return Buffer.from(`${String(r.created_us)}.${String(r.id)}`).toString('base64url');
}

function decodeCursor(cursor: string): { us: string; id: string } {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const m = /^(\d{1,18})\.([0-9a-f-]{36})$/i.exec(text);
  if (!m || !UUID.test(m[2]!)) throw invalid('validation_failed', 'cursor: not a cursor of this list', [{ path: 'cursor', message: 'not a cursor of this list' }]);
  return { us: m[1]!, id: m[2]! };
}

const toLogged = (r: Row): LoggedMessage => ({
  ...toMessage(r),
  templateCode: (r.template_code as string | null) ?? null,
  templateName: (r.template_name as string | null) ?? null,
  customerName: (r.customer_name as string | null) ?? null,
});
const JOINS = sql`left join messaging.templates t on t.id = m.template_id left join customers.customers cu on cu.id = m.customer_id`;
const EXTRA = sql`t.code as template_code, t.name as template_name, cu.name as customer_name`;

/**
 * The message log: every planned message with its status, the address masked (the body is the API's to hide from
 * callers without pii:read), newest first with a keyset cursor; one message with its delivery events; a customer's
 * messages (the profiles merged into them included); the 360 timeline's entries for sent and delivered messages.
 */
export class LogService {
  constructor(
    private readonly db: Db,
    private readonly deps: { timeZone: string },
  ) {}

  private instant(text: string | undefined, field: string): Date | undefined {
    if (text === undefined) return undefined;
    const d = parseInstant(text, this.deps.timeZone);
    if (!d) throw invalid('validation_failed', `${field}: not a date or date-time`, [{ path: field, message: 'not a date or date-time' }]);
    return d;
  }

  async list(q: Partial<MessageLogQuery> & { customerIds?: string[] }): Promise<{ items: LoggedMessage[]; nextCursor: string | null }> {
    const limit = q.limit ?? 50;
    const from = this.instant(q.from, 'from');
    const to = this.instant(q.to, 'to');
    const where: SQL[] = [];
    if (q.customerIds) where.push(sql`m.customer_id = any(${sql.param(q.customerIds)}::uuid[])`);
    else if (q.customerId) where.push(sql`m.customer_id = ${q.customerId}::uuid`);
    if (q.status) where.push(sql`m.status = ${q.status}`);
    if (q.channel) where.push(sql`m.channel = ${q.channel}`);
    if (q.journeyId) where.push(sql`m.journey_id = ${q.journeyId}::uuid`);
    if (q.sourceKind) where.push(sql`m.source_kind = ${q.sourceKind}`);
    if (from) where.push(sql`m.created_at >= ${from.toISOString()}::timestamptz`);
    if (to) where.push(sql`m.created_at < ${to.toISOString()}::timestamptz`);
    if (q.cursor) {
      const c = decodeCursor(q.cursor);
      where.push(sql`(m.created_at, m.id) < (timestamptz 'epoch' + ${c.us}::bigint * interval '1 microsecond', ${c.id}::uuid)`);
    }
    const rows = await query<Row>(
      this.db,
      sql`select m.*, ${EXTRA}, (extract(epoch from m.created_at) * 1000000)::bigint as created_us
          from messaging.messages m ${JOINS}
          ${where.length > 0 ? sql`where ${sql.join(where, sql` and `)}` : sql``}
          order by m.created_at desc, m.id desc limit ${limit + 1}`,
    );
    const page = rows.slice(0, limit);
    return { items: page.map(toLogged), nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]!) : null };
  }

  async get(id: string): Promise<LoggedMessage & { events: DeliveryEvent[] }> {
    if (!UUID.test(id)) throw notFound('messaging.message_not_found', `no message has the id ${id}`);
    const row = await queryOne<Row>(
      this.db,
      sql`select m.*, ${EXTRA} from messaging.messages m ${JOINS} where m.id = ${id}::uuid`,
    );
    if (!row) throw notFound('messaging.message_not_found', `no message has the id ${id}`);
    const events = await query<{ id: string; status: string; detail: unknown; occurred_at: string | Date }>(
      this.db,
      sql`select id, status, detail, occurred_at from messaging.delivery_events where customer_id = ${String(row.customer_id)}::uuid and message_id = ${id}::uuid order by occurred_at, id`,
    );
    return {
      ...toLogged(row),
      events: events.map((e) => ({
        id: e.id,
        status: e.status,
        detail: (typeof e.detail === 'string' ? JSON.parse(e.detail) : e.detail) as Record<string, unknown>,
        occurredAt: new Date(e.occurred_at),
      })),
    };
  }

  /** A customer's messages, those of profiles merged into them too. */
  async forCustomer(customerId: string, q: Partial<MessageLogQuery>): Promise<{ items: LoggedMessage[]; nextCursor: string | null }> {
    const rows = await query<{ id: string }>(
      this.db,
      sql`select id from customers.customers where id = ${customerId}::uuid or merged_into = ${customerId}::uuid`,
    );
    if (!rows.some((r) => r.id === customerId)) throw notFound('customers.not_found', `no customer has the id ${customerId}`);
    return this.list({ ...q, customerId: undefined, customerIds: rows.map((r) => r.id) });
  }

  /** Sent and delivered messages on the customer's 360 timeline (kind messaging.message_sent), read from the log (profiles merged into the customer's too). */
  timelineSource(): TimelineSource {
    return {
      name: 'messaging-messages',
      rows: (customerId, before, limit) =>
        sql`select m.id, m.sent_at as at,
                   jsonb_build_object('kind', 'messaging.message_sent', 'ref_id', m.id::text,
                     'summary', jsonb_build_object('channel', m.channel, 'status', m.status, 'purpose', m.purpose, 'template', t.code,
                                                   'to', m.to_masked, 'journeyId', m.journey_id, 'deliveredAt', m.delivered_at)) as item
            from messaging.messages m left join messaging.templates t on t.id = m.template_id
            where m.customer_id in (select c.id from customers.customers c where c.id = ${customerId} or c.merged_into = ${customerId}) and m.sent_at is not null and m.status in ('sent', 'delivered') ${before(sql`m.sent_at`, sql`m.id`)}
            order by m.sent_at desc, m.id desc limit ${limit}`,
    };
  }
}
