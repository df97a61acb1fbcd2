import { sql } from 'drizzle-orm';
import { systemClock, type Clock } from '../../platform/clock.js';
import { query, type Db } from '../../platform/db/database.js';
import { AppError, invalid, zodIssues } from '../../platform/errors.js';
import { verify } from './adapters/signature.js';
import type { ChannelsService } from './channels.service.js';
import type { Channel } from './messaging.contract.js';
import { ReceiptsInput } from './messaging-delivery.schemas.js';

export interface ReceiptsResult {
  /** Receipts matched to a message of the channel (a replay counts again but changes nothing). */
  accepted: number;
  /** Positions (0-based) of receipts that name no message of the channel. */
  unknown: number[];
}

const unauthenticated = (message: string) => new AppError('unauthenticated', 'messaging.bad_signature', message);

/**
 * Delivery receipts from gateways: signed as Kemai signs its own webhook calls (X-Kemai-Timestamp, X-Kemai-Signature =
 * hex HMAC-SHA256 of `${timestamp}.${rawBody}` with the channel's receiptSecret, else its secret), checked before
 * anything is read. delivered / opened / clicked make a sent message delivered (delivered_at the earliest); failed and
 * bounced make it failed; each receipt is a delivery event with an id derived from (message, status, time), so a replay
 * changes nothing.
 */
export class ReceiptsService {
  private readonly clock: Clock;
  constructor(
    private readonly db: Db,
    private readonly channels: ChannelsService,
    deps: { clock?: Clock } = {},
  ) {
    this.clock = deps.clock ?? systemClock;
  }

  async receive(channel: Channel, headers: { timestamp?: string | undefined; signature?: string | undefined }, rawBody: string): Promise<ReceiptsResult> {
    const settings = await this.channels.get(channel);
    const secret = settings.config.receiptSecret ?? settings.config.secret;
    if (typeof secret !== 'string' || secret.length === 0) throw unauthenticated(`the ${channel} channel has no secret to check receipts with`);
    if (!verify(secret, headers.timestamp, headers.signature, rawBody, this.clock.now())) throw unauthenticated('the receipt signature or timestamp is not valid');
    let json: unknown;
    try {
      json = JSON.parse(rawBody);
    } catch {
      throw invalid('messaging.invalid_receipts', 'the body is not JSON', [{ path: '(root)', message: 'not JSON' }]);
    }
    const parsed = ReceiptsInput.safeParse(json);
    if (!parsed.success) throw invalid('messaging.invalid_receipts', 'the receipts are not valid', zodIssues(parsed.error.issues));
    const rows = parsed.data.receipts.map((r, n) => ({ n, id: r.id ?? null, pid: r.providerMessageId ?? null, status: r.status, at: new Date(r.at).toISOString(), error: r.error ?? null }));
    const now = this.clock.now().toISOString();

    return this.db.transaction(async (tx) => {
      const t = tx as unknown as Db;
      const matched = await query<{ n: number; message_id: string }>(
        t,
        sql`with r as (select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(n int, id uuid, pid text, status text, at timestamptz, error text)),
            m as (
              -- The message (and its customer, the events' key) by Kemai's id, else the provider's latest with that id.
              select r.*, x.id as message_id, x.customer_id
              from r left join lateral (
                select x.id, x.customer_id from messaging.messages x where r.id is not null and x.id = r.id and x.channel = ${channel}
                union all
                (select x.id, x.customer_id from messaging.messages x where r.id is null and x.provider_message_id = r.pid and x.channel = ${channel} order by x.created_at desc limit 1)
                limit 1
              ) x on true),
            ev as (
              insert into messaging.delivery_events (customer_id, message_id, id, status, detail, occurred_at)
              select customer_id, message_id, md5(message_id::text || '|' || status || '|' || (extract(epoch from at) * 1000)::bigint::text)::uuid, status,
                jsonb_strip_nulls(jsonb_build_object('source', 'receipt', 'error', error)), at
              from m where message_id is not null
              on conflict do nothing)
            select n, message_id from m`,
      );
      const ids = matched.filter((m) => m.message_id != null);
      if (ids.length > 0) {
        await t.execute(sql`with r as (select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(n int, id uuid, pid text, status text, at timestamptz, error text)),
            k as (select * from jsonb_to_recordset(${JSON.stringify(ids)}::jsonb) as k(n int, message_id uuid)),
            agg as (
              select k.message_id,
                min(r.at) filter (where r.status in ('delivered', 'opened', 'clicked')) as delivered_at,
                bool_or(r.status in ('failed', 'bounced')) as failed,
                max(r.error) filter (where r.status in ('failed', 'bounced')) as error
              from r join k on k.n = r.n group by k.message_id)
          update messaging.messages m set
            status = case when agg.delivered_at is not null then 'delivered' else 'failed' end,
            delivered_at = case when agg.delivered_at is not null then least(coalesce(m.delivered_at, agg.delivered_at), agg.delivered_at) else m.delivered_at end,
            reason = case when agg.delivered_at is null then 'undelivered' else m.reason end,
            last_error = case when agg.delivered_at is null then coalesce(agg.error, 'undelivered') else m.last_error end,
            lease_until = null,
            updated_at = ${now}::timestamptz
          from agg
          where m.id = agg.message_id and m.status in ('sending', 'sent') and (agg.delivered_at is not null or agg.failed)`);
        // A later receipt moves delivered_at back to the earliest one known for a message already delivered.
        await t.execute(sql`with r as (select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(n int, id uuid, pid text, status text, at timestamptz, error text)),
            k as (select * from jsonb_to_recordset(${JSON.stringify(ids)}::jsonb) as k(n int, message_id uuid))
          update messaging.messages m set delivered_at = x.at
          from (select k.message_id, min(r.at) as at from r join k on k.n = r.n where r.status in ('delivered', 'opened', 'clicked') group by k.message_id) x
          where m.id = x.message_id and m.status = 'delivered' and m.delivered_at > x.at`);
      }
      return { accepted: ids.length, unknown: matched.filter((m) => m.message_id == null).map((m) => Number(m.n)).sort((a, b) => a - b) };
    });
  }
}
