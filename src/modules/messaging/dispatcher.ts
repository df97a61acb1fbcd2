import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../../platform/clock.js';
import { query, type Db } from '../../platform/db/database.js';
import type { AdapterRegistry } from './adapters/index.js';
import type { ChannelsService, ChannelSettings } from './channels.service.js';
import type { Channel, Locale, OutgoingMessage, Purpose, QueuedMessage, SendDecision, SendOutcome, SendPreparer } from './messaging.contract.js';
import { SQL_UUID_V7 } from './messaging.service.js';

const MINUTE = 60_000;
/** Waits before the 2nd … 6th attempt. */
export const BACKOFF_MS = [1 * MINUTE, 5 * MINUTE, 30 * MINUTE, 120 * MINUTE, 360 * MINUTE] as const;
export const MAX_ATTEMPTS = 6;

export interface DispatcherOptions {
  /** Messages claimed per batch (one short transaction). Default 500. */
  batchSize?: number;
  /** How long a claim holds its messages; after a crash they are sent again (same id) once it runs out. Default 5 min. */
  leaseMs?: number;
  /** How often the worker looks for due messages when not poked. Default 1 s. */
  pollMs?: number;
  /** Batches in flight at once (each claims its own rows). Default 1 on PGlite, 2 on PostgreSQL. */
  concurrency?: number;
}

export interface DispatchResult {
  claimed: number;
  sent: number;
  retried: number;
  failed: number;
  blocked: number;
  deferred: number;
  expired: number;
  /** Claimed but left queued: their channel is off, or the checks gave no decision. */
  released: number;
}

interface ClaimedRow {
  id: string;
  customer_id: string;
  channel: string;
  purpose: string;
  template_id: string | null;
  locale: string;
  variables: Record<string, unknown> | string;
  send_after: Date | string;
  expires_at: Date | string | null;
  attempts: number;
}

interface Outcome {
  id: string;
  status: 'sent' | 'queued' | 'failed';
  event: 'sent' | 'retry' | 'failed';
  attempts: number;
  channel: Channel;
  to_masked: string;
  subject: string | null;
  body: string;
  provider_message_id: string | null;
  error: string | null;
  send_after: string | null;
  adapter: string;
}

const iso = (d: Date) => d.toISOString();

/** Spreads sends of a channel to its rate: each caller reserves its slots and waits for them (shared by all batches in flight). */
class RateLimiter {
  private readonly next = new Map<string, number>();
  async take(channel: string, count: number, perSecond: number | null): Promise<void> {
    if (!perSecond) return;
    const now = Date.now();
    const start = Math.max(now, this.next.get(channel) ?? 0);
    this.next.set(channel, start + (count / perSecond) * 1000);
    if (start > now) await new Promise((r) => setTimeout(r, start - now));
  }
}

/**
 * Delivery: claims due messages (FOR UPDATE SKIP LOCKED, one short transaction: status sending, a lease, attempts + 1),
 * runs the send-time checks (SendPreparer) on the batch, writes blocks and deferrals set-based, sends each channel's
 * messages through its adapter in rate-limited chunks with the message id as the provider's idempotency key, and
 * records the outcomes set-based (sent; retry with backoff 1 min, 5 min, 30 min, 2 h, 6 h; failed after 6 attempts)
 * with a delivery event each. A crash leaves rows sending; once their lease runs out they are claimed again and sent
 * with the same id, which the gateway (or the guide-task table's unique key) deduplicates.
 */
export class Dispatcher {
  private readonly clock: Clock;
  private readonly log: Logger | undefined;
  readonly batchSize: number;
  readonly leaseMs: number;
  readonly pollMs: number;
  readonly concurrency: number;
  private readonly limiter = new RateLimiter();
  private running = false;
  private loops: Promise<void>[] = [];
  private wakers: Array<() => void> = [];
  private lastExpiry = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly db: Db,
    private readonly deps: { preparer?: SendPreparer; channels: ChannelsService; adapters: AdapterRegistry; clock?: Clock; log?: Logger },
    opts: DispatcherOptions & { postgres?: boolean } = {},
  ) {
    this.clock = deps.clock ?? systemClock;
    this.log = deps.log;
    this.batchSize = opts.batchSize ?? 500;
    this.leaseMs = opts.leaseMs ?? 5 * MINUTE;
    this.pollMs = opts.pollMs ?? 1000;
    this.concurrency = opts.concurrency ?? (opts.postgres ? 2 : 1);
  }

  /** The send-time checks (consent, caps, quiet hours, channel choice, rendering): the templates side's SendPreparer. */
  usePreparer(preparer: SendPreparer): void {
    this.deps.preparer = preparer;
  }

  /** One batch: claim, check, send, record. Answers what happened to the claimed messages. */
  async dispatchOnce(now: Date = this.clock.now()): Promise<DispatchResult> {
    const result: DispatchResult = { claimed: 0, sent: 0, retried: 0, failed: 0, blocked: 0, deferred: 0, expired: 0, released: 0 };
    const preparer = this.deps.preparer;
    if (!preparer) throw new Error('the dispatcher has no send-time checks (usePreparer)');
    const settings = await this.deps.channels.settings(this.db);
    const byChannel = new Map(settings.map((s) => [s.channel, s]));
    const enabled = new Set(settings.filter((s) => s.enabled && this.deps.adapters.has(s.adapter)).map((s) => s.channel));
    const claimable = [...enabled, ...(enabled.size > 0 ? ['auto'] : [])];

    await this.expireWhileDisabled(now, enabled);
    const claimed = await this.claim(now, claimable);
    result.claimed = claimed.length;
    if (claimed.length === 0) return result;

    const batch: QueuedMessage[] = [];
    const expired: string[] = [];
    for (const r of claimed) {
      const expiresAt = r.expires_at == null ? null : new Date(r.expires_at);
      if (expiresAt && expiresAt.getTime() <= now.getTime()) {
        expired.push(r.id);
        continue;
      }
      batch.push({
        id: r.id,
        customerId: r.customer_id,
        channel: r.channel as QueuedMessage['channel'],
        purpose: r.purpose as Purpose,
        templateId: r.template_id,
        locale: r.locale as Locale,
        variables: (typeof r.variables === 'string' ? JSON.parse(r.variables) : r.variables ?? {}) as Record<string, unknown>,
        sendAfter: new Date(r.send_after),
        expiresAt,
        attempts: Number(r.attempts),
      });
    }
    if (expired.length > 0) {
      await this.settle(expired.map((id) => ({ id, action: 'block', reason: 'expired' })), now);
      result.expired += expired.length;
    }
    if (batch.length === 0) return result;

    let decisions: SendDecision[];
    try {
      decisions = await preparer.prepare(this.db, batch, now, enabled);
    } catch (err) {
      // The checks could not run (a database hiccup): give the batch back as it was, try again at the next poll.
      await this.release(batch.map((m) => m.id), now);
      throw err;
    }
    const decided = new Map(decisions.map((d) => [d.id, d]));
    const undecided = batch.filter((m) => !decided.has(m.id)).map((m) => m.id);
    const sends: Array<Extract<SendDecision, { action: 'send' }>> = [];
    const settled: SendDecision[] = [];
    for (const d of decided.values()) {
      if (d.action === 'send') {
        if (enabled.has(d.channel)) sends.push(d);
        else undecided.push(d.id);
      } else settled.push(d);
    }
    if (settled.length > 0) {
      const counts = await this.settle(settled, now);
      result.blocked += counts.blocked;
      result.expired += counts.expired;
      result.deferred += counts.deferred;
    }
    if (undecided.length > 0) {
      await this.release(undecided, now);
      result.released += undecided.length;
    }

    const attemptsOf = new Map(batch.map((m) => [m.id, m.attempts]));
    const perChannel = new Map<Channel, typeof sends>();
    for (const s of sends) perChannel.set(s.channel, [...(perChannel.get(s.channel) ?? []), s]);
    const outcomes: Outcome[] = [];
    await Promise.all(
      [...perChannel].map(async ([channel, list]) => {
        const s = byChannel.get(channel)!;
        for (const o of await this.sendChannel(s, list, attemptsOf, now)) outcomes.push(o);
      }),
    );
    await this.record(outcomes, now);
    for (const o of outcomes) {
      if (o.status === 'sent') result.sent++;
      else if (o.status === 'queued') result.retried++;
      else result.failed++;
    }
    return result;
  }

  /** Claims up to a batch: leases that ran out first (a crashed sender's messages), then due queued ones by send_after. */
  private async claim(now: Date, channels: string[]): Promise<ClaimedRow[]> {
    if (channels.length === 0) return [];
    const lease = new Date(now.getTime() + this.leaseMs);
    const chans = sql.param(channels);
    return this.db.transaction(async (tx) => {
      const t = tx as unknown as Db;
      const set = sql`status = 'sending', lease_until = ${iso(lease)}::timestamptz, attempts = m.attempts + 1, updated_at = ${iso(now)}::timestamptz`;
      const cols = sql`m.id, m.customer_id, m.channel, m.purpose, m.template_id, m.locale, m.variables, m.send_after, m.expires_at, m.attempts`;
      const stale = await query<ClaimedRow>(
        t,
        sql`with due as (
              select id from messaging.messages where status = 'sending' and lease_until < ${iso(now)}::timestamptz and channel = any(${chans}::text[])
              order by lease_until limit ${this.batchSize} for update skip locked)
            update messaging.messages m set ${set} from due where m.id = due.id returning ${cols}`,
      );
      const room = this.batchSize - stale.length;
      if (room <= 0) return stale;
      const fresh = await query<ClaimedRow>(
        t,
        sql`with due as (
              select id from messaging.messages where status = 'queued' and send_after <= ${iso(now)}::timestamptz and channel = any(${chans}::text[])
              order by send_after limit ${room} for update skip locked)
            update messaging.messages m set ${set} from due where m.id = due.id returning ${cols}`,
      );
      return [...stale, ...fresh];
    });
  }

  /** Messages whose channel stays off past their expiry: expired (channel_disabled), in one statement. */
  private async expireWhileDisabled(now: Date, enabled: ReadonlySet<Channel>): Promise<void> {
    const off = (['sms', 'email', 'wechat', 'app_push', 'guide_task'] as const).filter((c) => !enabled.has(c));
    if (off.length === 0) return;
    // It reads every due queued row: once a minute is enough (expiry is counted in hours).
    if (Math.abs(now.getTime() - this.lastExpiry) < MINUTE) return;
    this.lastExpiry = now.getTime();
    await this.db.execute(sql`with x as (
        update messaging.messages set status = 'expired', reason = 'channel_disabled', updated_at = ${iso(now)}::timestamptz
        where status = 'queued' and send_after <= ${iso(now)}::timestamptz and expires_at <= ${iso(now)}::timestamptz and channel = any(${sql.param([...off, ...(enabled.size === 0 ? ['auto'] : [])])}::text[])
        returning customer_id, id)
      insert into messaging.delivery_events (customer_id, message_id, id, status, detail, occurred_at)
      select customer_id, id, ${SQL_UUID_V7}, 'expired', '{"reason":"channel_disabled"}'::jsonb, ${iso(now)}::timestamptz from x`);
  }

  /** Gives claimed messages back untouched (queued, the claim's attempt not counted). */
  private async release(ids: string[], now: Date): Promise<void> {
    await this.db.execute(sql`update messaging.messages set status = 'queued', lease_until = null, attempts = greatest(attempts - 1, 0), updated_at = ${iso(now)}::timestamptz
      where id = any(${sql.param(ids)}::uuid[]) and status = 'sending'`);
  }

  /** Blocks (blocked / expired) and deferrals (queued again until a later instant, the attempt not counted), set-based. */
  private async settle(decisions: SendDecision[], now: Date): Promise<{ blocked: number; expired: number; deferred: number }> {
    const rows = decisions.map((d) =>
      d.action === 'block'
        ? { id: d.id, status: d.reason === 'expired' || d.reason === 'channel_disabled' ? 'expired' : 'blocked', reason: d.reason, channel: d.channel ?? null, until: null, drop_send_at: false }
        : d.action === 'defer'
          ? { id: d.id, status: 'queued', reason: d.reason, channel: null, until: iso(d.until), drop_send_at: d.reason === 'usual_hour' }
          : null,
    ).filter((r) => r !== null);
    if (rows.length === 0) return { blocked: 0, expired: 0, deferred: 0 };
    await this.db.execute(sql`with r as (
        select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(id uuid, status text, reason text, channel text, until timestamptz, drop_send_at boolean)),
      u as (
        update messaging.messages m set
          status = r.status,
          reason = case when r.status = 'queued' then null else r.reason end,
          channel = coalesce(r.channel, m.channel),
          send_after = coalesce(r.until, m.send_after),
          -- the usual hour, once found, is the send time: the next claim sends rather than defers again
          variables = case when r.drop_send_at then m.variables - '_sendAt' else m.variables end,
          attempts = case when r.status = 'queued' then greatest(m.attempts - 1, 0) else m.attempts end,
          lease_until = null,
          updated_at = ${iso(now)}::timestamptz
        from r where m.id = r.id and m.status = 'sending'
        returning m.customer_id, m.id, r.status, r.reason, r.until)
      insert into messaging.delivery_events (customer_id, message_id, id, status, detail, occurred_at)
      select u.customer_id, u.id, ${SQL_UUID_V7}, case when u.status = 'queued' then 'deferred' else u.status end,
        jsonb_strip_nulls(jsonb_build_object('reason', u.reason, 'until', u.until)), ${iso(now)}::timestamptz
      from u`);
    return {
      blocked: rows.filter((r) => r.status === 'blocked').length,
      expired: rows.filter((r) => r.status === 'expired').length,
      deferred: rows.filter((r) => r.status === 'queued').length,
    };
  }

  /** One channel's sends through its adapter, in chunks of its rate (one second's worth) when it has one. */
  private async sendChannel(
    s: ChannelSettings,
    list: Array<Extract<SendDecision, { action: 'send' }>>,
    attemptsOf: ReadonlyMap<string, number>,
    now: Date,
  ): Promise<Outcome[]> {
    const adapter = this.deps.adapters.get(s.adapter)!;
    const chunk = s.ratePerSecond ? Math.max(1, Math.min(s.ratePerSecond, list.length)) : list.length;
    const outcomes: Outcome[] = [];
    for (let i = 0; i < list.length; i += chunk) {
      const part = list.slice(i, i + chunk);
      await this.limiter.take(s.channel, part.length, s.ratePerSecond);
      const messages: OutgoingMessage[] = part.map((d) => d.message);
      let sent: SendOutcome[];
      try {
        sent = await adapter.send(messages, s.config, this.db);
      } catch (err) {
        const e = err as { message?: string };
        this.log?.warn({ channel: s.channel, adapter: s.adapter, count: part.length, err: e?.message }, 'adapter failed; the batch will be retried');
        sent = part.map((d) => ({ id: d.id, status: 'retry', error: `adapter: ${String(e?.message ?? err).slice(0, 200)}` }));
      }
      const byId = new Map(sent.map((o) => [o.id, o]));
      for (const d of part) {
        const o = byId.get(d.id) ?? { id: d.id, status: 'retry' as const, error: 'the adapter gave no outcome' };
        const attempts = attemptsOf.get(d.id) ?? 1;
        const base = { id: d.id, attempts, channel: d.channel, to_masked: d.toMasked, subject: d.message.subject, body: d.message.body, adapter: s.adapter };
        if (o.status === 'sent') outcomes.push({ ...base, status: 'sent', event: 'sent', provider_message_id: o.providerMessageId ?? null, error: null, send_after: null });
        else if (o.status === 'retry' && attempts < MAX_ATTEMPTS) {
          const wait = BACKOFF_MS[Math.min(attempts, BACKOFF_MS.length) - 1]!;
          outcomes.push({ ...base, status: 'queued', event: 'retry', provider_message_id: null, error: o.error, send_after: iso(new Date(now.getTime() + wait)) });
        } else outcomes.push({ ...base, status: 'failed', event: 'failed', provider_message_id: null, error: o.error, send_after: null });
      }
    }
    return outcomes;
  }

  /** Every outcome of a batch in one statement, guarded so a claim that lost its lease to another sender changes nothing. */
  private async record(outcomes: Outcome[], now: Date): Promise<void> {
    if (outcomes.length === 0) return;
    await this.db.execute(sql`with r as (
        select * from jsonb_to_recordset(${JSON.stringify(outcomes)}::jsonb) as r(id uuid, status text, event text, attempts int, channel text, to_masked text,
          subject text, body text, provider_message_id text, error text, send_after timestamptz, adapter text)),
      u as (
        update messaging.messages m set
          status = r.status,
          reason = case when r.status = 'failed' then 'send_failed' else null end,
          channel = r.channel,
          to_masked = r.to_masked,
          subject = r.subject,
          body = r.body,
          provider_message_id = coalesce(r.provider_message_id, m.provider_message_id),
          last_error = r.error,
          sent_at = case when r.status = 'sent' then ${iso(now)}::timestamptz else m.sent_at end,
          send_after = coalesce(r.send_after, m.send_after),
          lease_until = null,
          updated_at = ${iso(now)}::timestamptz
        from r where m.id = r.id and m.status = 'sending' and m.attempts = r.attempts
        returning m.customer_id, m.id, r.event, r.attempts, r.error, r.provider_message_id, r.send_after, r.adapter)
      insert into messaging.delivery_events (customer_id, message_id, id, status, detail, occurred_at)
      select u.customer_id, u.id, ${SQL_UUID_V7}, u.event,
        jsonb_strip_nulls(jsonb_build_object('attempt', u.attempts, 'adapter', u.adapter, 'error', u.error, 'providerMessageId', u.provider_message_id, 'retryAt', u.send_after)),
        ${iso(now)}::timestamptz
      from u`);
  }

  /** Wakes the worker (after a plan commits). */
  poke(): void {
    const w = this.wakers;
    this.wakers = [];
    for (const f of w) f();
  }

  get started(): boolean {
    return this.running;
  }

  /** Runs `concurrency` loops: each dispatches batches back to back while they come full, then waits for a poke or the poll interval. */
  start(): void {
    if (this.running) return;
    this.running = true;
    for (let i = 0; i < this.concurrency; i++) this.loops.push(this.loop());
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let full = false;
      if (this.deps.preparer) try {
        const r = await this.dispatchOnce(this.clock.now());
        full = r.claimed >= this.batchSize;
      } catch (err) {
        this.log?.error({ err: (err as Error)?.message }, 'message dispatch failed');
      }
      if (!full && this.running) await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.pollMs);
        this.wakers.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Stops after the batches in flight finish (their outcomes recorded), and closes adapters' connections. */
  async stop(): Promise<void> {
    this.running = false;
    this.poke();
    await Promise.all(this.loops);
    this.loops = [];
    for (const a of this.deps.adapters.values()) a.close?.();
  }

  /** The same as dispatchAll. */
  drain(now: Date = this.clock.now()): Promise<DispatchResult> {
    return this.dispatchAll(now);
  }

  /** Sends everything due now, batch after batch, until a batch comes back less than full (the CLI's run-once). */
  async dispatchAll(now: Date = this.clock.now()): Promise<DispatchResult> {
    const total: DispatchResult = { claimed: 0, sent: 0, retried: 0, failed: 0, blocked: 0, deferred: 0, expired: 0, released: 0 };
    for (;;) {
      const r = await this.dispatchOnce(now);
      for (const k of Object.keys(total) as Array<keyof DispatchResult>) total[k] += r[k];
      if (r.claimed < this.batchSize || r.claimed === r.released) return total;
    }
  }
}
