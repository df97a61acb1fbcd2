import type { SQL } from 'drizzle-orm';
import type { Db } from '../../platform/db/database.js';

/**
 * The messaging module's contract with the rest of Kemai (journeys, service, listening, the console). Written first
 * so the pieces could be built in parallel; the implementation is MessagingService (plan, dispatch, templates,
 * channels, policy) and the adapters.
 */

export const CHANNELS = ['sms', 'email', 'wechat', 'app_push', 'guide_task'] as const;
export type Channel = (typeof CHANNELS)[number];
export type ChannelChoice = Channel | 'auto';
export const PURPOSES = ['marketing', 'service'] as const;
export type Purpose = (typeof PURPOSES)[number];
export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

export const MESSAGE_STATUSES = ['queued', 'sending', 'sent', 'delivered', 'failed', 'blocked', 'cancelled', 'expired'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** Why a message was not sent (messages.reason when status is blocked / expired / failed). */
export const BLOCK_REASONS = [
  'no_consent', // no marketing consent for the channel (or none for any channel when auto)
  'opted_out', // the customer withdrew consent for the channel or for all
  'no_address', // no phone / email / openid / device for the channel
  'frequency_cap', // the customer's marketing caps for the period are used up
  'channel_disabled', // only when the message's expiry passes while its channel stays off
  'customer_inactive', // merged away or erased
  'template_archived',
  'expired', // send_after + the message's validity passed (quiet hours and caps pushed it too far)
] as const;
export type BlockReason = (typeof BLOCK_REASONS)[number];

/** When a planned message may go: now, at the customer's usual hour (from their orders and visits), or at an instant. */
export type SendAt = 'now' | 'usual_hour' | Date;

/** Where a message comes from: a journey's step, a campaign, the API, or the system (service notices). */
export interface MessageSource {
  kind: 'journey' | 'campaign' | 'api' | 'system';
  id?: string;
  journeyId?: string;
  stepId?: string;
}

/** One recipient given as values (small sends: a person, a ticket's customer). */
export interface Recipient {
  customerId: string;
  /** Unique per message across the system: planning the same key twice plans one message. */
  dedupeKey: string;
  enrollmentId?: string;
  /** Extra template variables for this recipient (a coupon code, an order number…). */
  variables?: Record<string, unknown>;
}

export interface PlanRequest {
  /** A template code. */
  template: string;
  channel: ChannelChoice;
  sendAt: SendAt;
  source: MessageSource;
  /**
   * Values, or — for an audience of a million — a query returning the columns
   * `customer_id uuid, dedupe_key text, enrollment_id uuid (may be null), variables jsonb (may be null)`,
   * which planning turns into messages with one insert … select.
   */
  recipients: Recipient[] | SQL;
  /** After this a message still queued (quiet hours, caps, channel off) expires instead of going late. Default 3 days. */
  validForHours?: number;
  /** The instant planning happens (what `now` and `usual_hour` start from): a journey step's run time. Default the clock's now. */
  at?: Date;
}

export interface PlanResult {
  planned: number;
  /** Keys already planned before (idempotent replays). */
  duplicates: number;
}

/**
 * What journeys (and later service and listening) call. `plan` runs inside the caller's transaction, so a journey
 * step's messages and its enrollment's advance commit together; delivery happens after commit, in the dispatcher.
 */
export interface MessagePlanner {
  plan(tx: Db, request: PlanRequest): Promise<PlanResult>;
}

/**
 * Template variables a module provides for a set of customers at render time (recommendations from basket analysis,
 * stores within 3 km, the churn model's favourite category…). Called once per dispatch batch with every customer of
 * the batch whose template uses one of `names`; returns per customer the values (absent = empty string in the text).
 */
export interface VariableProvider {
  /** Variable names it fills, e.g. ['nearbyStores', 'nearestStore']; a template names them as {{nearbyStores}}. */
  names: readonly string[];
  load(db: Db, customerIds: readonly string[], locale: (customerId: string) => Locale): Promise<Map<string, Record<string, unknown>>>;
}

/** What an adapter gets: one rendered message to one address. */
export interface OutgoingMessage {
  /** messages.id: the provider's idempotency key (a gateway deduplicates on it; SMTP puts it in Message-ID). */
  id: string;
  channel: Channel;
  customerId: string;
  to: string;
  subject: string | null;
  body: string;
  locale: Locale;
  providerTemplateId: string | null;
  variables: Record<string, unknown>;
}

export type SendOutcome =
  | { id: string; status: 'sent'; providerMessageId?: string }
  | { id: string; status: 'retry'; error: string }
  | { id: string; status: 'failed'; error: string };

/** A channel's way out (SMTP, a signed webhook to a gateway, WeChat's API, a guide task row, a log). */
export interface ChannelAdapter {
  readonly name: string;
  /** Sends a batch (one channel's messages); one outcome per message, in any order. Throwing means retry them all. */
  send(messages: readonly OutgoingMessage[], config: Record<string, unknown>, db: Db): Promise<SendOutcome[]>;
}

/** A queued message as the dispatcher claimed it, before the send-time checks. */
export interface QueuedMessage {
  id: string;
  customerId: string;
  channel: ChannelChoice;
  purpose: Purpose;
  templateId: string | null;
  locale: Locale;
  variables: Record<string, unknown>;
  sendAfter: Date;
  expiresAt: Date | null;
  attempts: number;
}

/**
 * What the send-time checks decided for one claimed message: send it (channel chosen, address found, consent and caps
 * fine, outside quiet hours, text rendered), block it for good (reason), or put it back until a later instant (quiet
 * hours; the usual hour).
 */
export type SendDecision =
  | { id: string; action: 'send'; channel: Channel; toMasked: string; message: OutgoingMessage }
  | { id: string; action: 'block'; reason: BlockReason; channel?: Channel }
  | { id: string; action: 'defer'; until: Date; reason: 'quiet_hours' | 'usual_hour' };

/**
 * The send-time checks for a claimed batch (one query per kind of fact, never per message): consent and opt-out,
 * channel choice for `auto`, address, frequency caps (counting what this batch already approved), quiet hours,
 * rendering with the variable providers. `enabled` is the channels whose adapters are switched on.
 */
export interface SendPreparer {
  prepare(db: Db, batch: readonly QueuedMessage[], now: Date, enabled: ReadonlySet<Channel>): Promise<SendDecision[]>;
}
