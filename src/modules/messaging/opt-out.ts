import { sql } from 'drizzle-orm';
import { systemClock, type Clock } from '../../platform/clock.js';
import { queryOne, type Db } from '../../platform/db/database.js';
import { invalid, notFound } from '../../platform/errors.js';
import { normalisePhone, type CustomersService } from '../customers/index.js';
import { verifyUnsubscribeToken } from './domain/unsubscribe-token.js';

/** Channels a customer can unsubscribe from (consent channels); a guide task has none. */
export const OPT_OUT_CHANNELS = ['sms', 'email', 'wechat', 'app_push'] as const;
export type OptOutChannel = (typeof OPT_OUT_CHANNELS)[number];

/** Replies to an SMS that mean "stop" (退订 / TD / T / STOP, any case, surrounding spaces and punctuation ignored). */
export const STOP_KEYWORDS = ['TD', 'T', '退订', 'STOP', 'UNSUBSCRIBE'] as const;

export function isStopKeyword(text: string): boolean {
  const t = text
    .normalize('NFKC')
    .trim()
    .replace(/^[\s\p{P}]+|[\s\p{P}]+$/gu, '')
    .toUpperCase();
  return (STOP_KEYWORDS as readonly string[]).includes(t);
}

export interface UnsubscribeTarget {
  messageId: string;
  channel: OptOutChannel;
  customerId: string;
  /** The customer's marketing consent for the channel is withdrawn already. */
  withdrawn: boolean;
}

/**
 * Opt-out: the signed link in every message (GET shows the page, POST withdraws the channel's marketing consent
 * through the customers module, source `unsubscribe`) and stop keywords replied to an SMS (source `sms_reply`).
 * A token whose signature does not match changes nothing.
 */
export class OptOutService {
  private readonly clock: Clock;

  constructor(
    private readonly db: Db,
    private readonly deps: { customers: CustomersService; secret: string; defaultRegion: string; clock?: Clock },
  ) {
    this.clock = deps.clock ?? systemClock;
  }

  /** The message and channel a token names; a forged, altered or malformed token is a validation error on `token`. */
  async resolve(token: string): Promise<UnsubscribeTarget> {
    const t = verifyUnsubscribeToken(token, this.deps.secret);
    if (!t || !(OPT_OUT_CHANNELS as readonly string[]).includes(t.channel))
      throw invalid('messaging.invalid_token', 'the unsubscribe link is not valid', [{ path: 'token', message: 'not a valid unsubscribe token' }]);
    const row = await queryOne<{ customer_id: string; status: string | null }>(
      this.db,
      sql`select m.customer_id, (
            select c.status from customers.consents c
            where c.customer_id = coalesce(cu.merged_into, m.customer_id) and c.channel in (${t.channel}, 'all') and c.purpose = 'marketing'
            order by c.recorded_at desc, (c.channel = ${t.channel}) desc limit 1) as status
          from messaging.messages m left join customers.customers cu on cu.id = m.customer_id
          where m.id = ${t.messageId}::uuid`,
    );
    if (!row) throw notFound('messaging.message_not_found', 'the message of this link is no longer known');
    return { messageId: t.messageId, channel: t.channel as OptOutChannel, customerId: row.customer_id, withdrawn: row.status === 'withdrawn' };
  }

  /** Withdraws the channel's marketing consent (once: a second click records nothing). */
  async unsubscribe(token: string): Promise<{ channel: OptOutChannel; recorded: boolean }> {
    const target = await this.resolve(token);
    if (target.withdrawn) return { channel: target.channel, recorded: false };
    await this.deps.customers.recordConsents(
      target.customerId,
      [{ channel: target.channel, purpose: 'marketing', status: 'withdrawn', source: 'unsubscribe', recordedAt: this.clock.now().toISOString() }],
      'unsubscribe',
    );
    return { channel: target.channel, recorded: true };
  }

  /** An inbound SMS: a stop keyword from a known phone withdraws that customer's SMS marketing consent. */
  async inbound(input: { channel: 'sms'; from: string; text: string }): Promise<{ action: 'opted_out' | 'ignored'; reason?: string; customerId?: string }> {
    const phone = normalisePhone(input.from, this.deps.defaultRegion);
    if (!phone) throw invalid('messaging.invalid_phone', `from is not a phone number`, [{ path: 'from', message: 'not a phone number' }]);
    if (!isStopKeyword(input.text)) return { action: 'ignored', reason: 'not_a_stop_keyword' };
    const owner = (await this.deps.customers.identifierOwners('phone', [phone])).get(phone);
    if (!owner) return { action: 'ignored', reason: 'unknown_sender' };
    await this.deps.customers.recordConsents(
      owner,
      [{ channel: 'sms', purpose: 'marketing', status: 'withdrawn', source: 'sms_reply', recordedAt: this.clock.now().toISOString() }],
      'sms_reply',
    );
    return { action: 'opted_out', customerId: owner };
  }
}
