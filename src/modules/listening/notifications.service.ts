import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../../platform/clock.js';
import { query, type Db } from '../../platform/db/database.js';
import { pgArray } from '../../platform/db/arrays.js';
import { notFound } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { sign, type ChannelsService, type SmtpAdapter } from '../messaging/index.js';
import type { Notify } from './listening.schemas.js';

/** What staff are told: a spike, a crisis opened, a deadline near or missed. */
export interface StaffNotice {
  kind: 'spike' | 'crisis' | 'deadline';
  alertId?: string | null;
  crisisId?: string | null;
  subject: string;
  body: string;
  payload?: Record<string, unknown>;
}

export interface ConsoleNotification {
  id: string;
  kind: string;
  alertId: string | null;
  crisisId: string | null;
  subject: string;
  body: string;
  payload: Record<string, unknown>;
  createdAt: string;
  readAt: string | null;
}

export interface NotificationsDeps {
  db: Db;
  channels: Pick<ChannelsService, 'get'>;
  smtp: Pick<SmtpAdapter, 'send'>;
  clock?: Clock;
  log?: Logger;
  /** fetch for webhooks (tests may pass one that records). */
  fetch?: typeof fetch;
}

const MAX_ATTEMPTS = 5;
const iso = (v: unknown) => (v == null ? null : v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString());

/**
 * Staff notifications of listening: one row per notice and channel (the console, each email address, each webhook),
 * queued in the caller's transaction and delivered by `deliverPending` (the job after each scan): email through the
 * messaging email channel's SMTP settings, webhooks as a signed JSON POST (X-Kemai-Timestamp, X-Kemai-Signature, the
 * messaging gateways' scheme), retried up to 5 times. Console notices are "sent" at once and read in the console.
 */
export class NotificationsService {
  private readonly clock: Clock;
  constructor(private readonly deps: NotificationsDeps) {
    this.clock = deps.clock ?? systemClock;
  }

  /** Queues a notice to everyone `notify` names, in `tx`. Returns how many deliveries were queued. */
  async queue(tx: Db, notify: Notify, notice: StaffNotice): Promise<number> {
    const now = this.clock.now().toISOString();
    const targets: Array<{ channel: string; target: string }> = [];
    if (notify.console) targets.push({ channel: 'console', target: 'console' });
    for (const e of notify.emails) targets.push({ channel: 'email', target: e });
    for (const w of notify.webhooks) targets.push({ channel: 'webhook', target: JSON.stringify(w) });
    if (targets.length === 0) return 0;
    await tx.execute(
      sql`insert into listening.notifications (id, alert_id, crisis_id, kind, channel, target, subject, body, payload, status, created_at, sent_at)
          select x.id, ${notice.alertId ?? null}::uuid, ${notice.crisisId ?? null}::uuid, ${notice.kind}, x.channel, x.target, ${notice.subject}, ${notice.body},
                 ${JSON.stringify(notice.payload ?? {})}::jsonb, case when x.channel = 'console' then 'sent' else 'pending' end, ${now}::timestamptz,
                 case when x.channel = 'console' then ${now}::timestamptz end
          from unnest(${pgArray(targets.map(() => newId()), 'uuid')}, ${pgArray(targets.map((t) => t.channel), 'text')}, ${pgArray(targets.map((t) => t.target), 'text')}) as x(id, channel, target)`,
    );
    return targets.length;
  }

  /** Delivers pending email and webhook notices (oldest first). A failure is retried on the next run, up to 5 attempts. */
  async deliverPending(limit = 100): Promise<{ sent: number; failed: number; retry: number }> {
    const rows = await query<{ id: string; channel: string; target: string; subject: string; body: string; payload: unknown; kind: string; alert_id: string | null; crisis_id: string | null; attempts: number; created_at: unknown }>(
      this.deps.db,
      sql`select * from listening.notifications where status = 'pending' order by created_at, id limit ${limit}`,
    );
    const out = { sent: 0, failed: 0, retry: 0 };
    for (const r of rows) {
      let error: string | null = null;
      try {
        if (r.channel === 'email') error = await this.email(r.id, r.target, r.subject, r.body);
        else error = await this.webhook(r);
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
      }
      const attempts = r.attempts + 1;
      const status = error === null ? 'sent' : attempts >= MAX_ATTEMPTS ? 'failed' : 'pending';
      out[status === 'sent' ? 'sent' : status === 'failed' ? 'failed' : 'retry']++;
      await this.deps.db.execute(
        sql`update listening.notifications set status = ${status}, attempts = ${attempts}, error = ${error}, sent_at = ${status === 'sent' ? this.clock.now().toISOString() : null}::timestamptz where id = ${r.id}::uuid`,
      );
      if (error) this.deps.log?.warn({ notification: r.id, channel: r.channel, attempts }, 'listening notice not delivered');
    }
    return out;
  }

  private async email(id: string, to: string, subject: string, body: string): Promise<string | null> {
    const channel = await this.deps.channels.get('email');
    if (!channel.enabled || channel.adapter !== 'smtp') return 'the email channel is not set up with SMTP (messaging settings)';
    const [outcome] = await this.deps.smtp.send([{ id, channel: 'email', customerId: '', to, subject, body, locale: 'zh-CN', providerTemplateId: null, variables: {} }], channel.config);
    return !outcome || outcome.status === 'sent' ? null : outcome.error;
  }

  private async webhook(r: { id: string; target: string; kind: string; subject: string; body: string; payload: unknown; alert_id: string | null; crisis_id: string | null; created_at: unknown }): Promise<string | null> {
    const { url, secret } = JSON.parse(r.target) as { url: string; secret: string };
    const raw = JSON.stringify({ id: r.id, kind: r.kind, alertId: r.alert_id, crisisId: r.crisis_id, subject: r.subject, body: r.body, payload: r.payload, createdAt: iso(r.created_at) });
    const ts = String(Math.floor(this.clock.now().getTime() / 1000));
    const res = await (this.deps.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-kemai-timestamp': ts, 'x-kemai-signature': sign(secret, ts, raw), 'idempotency-key': r.id },
      body: raw,
      signal: AbortSignal.timeout(10_000),
    });
    return res.ok ? null : `HTTP ${res.status}`;
  }

  /** The console's notices, newest first. */
  async consoleList(opts: { unread?: boolean; limit: number }): Promise<{ items: ConsoleNotification[]; unread: number }> {
    const rows = await query<Record<string, unknown>>(
      this.deps.db,
      sql`select * from listening.notifications where channel = 'console' ${opts.unread ? sql`and read_at is null` : sql``} order by created_at desc, id desc limit ${opts.limit}`,
    );
    const [c] = await query<{ n: number }>(this.deps.db, sql`select count(*)::int as n from listening.notifications where channel = 'console' and read_at is null`);
    return {
      items: rows.map((r) => ({
        id: String(r.id),
        kind: String(r.kind),
        alertId: (r.alert_id as string | null) ?? null,
        crisisId: (r.crisis_id as string | null) ?? null,
        subject: String(r.subject),
        body: String(r.body),
        payload: (r.payload as Record<string, unknown>) ?? {},
        createdAt: iso(r.created_at)!,
        readAt: iso(r.read_at),
      })),
      unread: c?.n ?? 0,
    };
  }

  /** Marks console notices read (all when `ids` is absent). */
  async markRead(ids?: readonly string[]): Promise<{ read: number }> {
    const now = this.clock.now().toISOString();
    const rows = await query<{ id: string }>(
      this.deps.db,
      sql`update listening.notifications set read_at = ${now}::timestamptz where channel = 'console' and read_at is null
          ${ids ? sql`and id = any(${pgArray([...ids], 'uuid')})` : sql``} returning id`,
    );
    if (ids && ids.length === 1 && rows.length === 0) {
      const [exists] = await query(this.deps.db, sql`select 1 from listening.notifications where id = ${ids[0]}::uuid and channel = 'console'`);
      if (!exists) throw notFound('listening.notification_not_found', 'no such notification');
    }
    return { read: rows.length };
  }
}
