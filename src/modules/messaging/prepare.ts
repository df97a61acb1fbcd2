import { sql } from 'drizzle-orm';
import { query, type Db } from '../../platform/db/database.js';
import { maskEmail, maskPhone } from '../../platform/pii.js';
import type { BlockReason, Channel, Locale, OutgoingMessage, QueuedMessage, SendDecision, SendPreparer } from './messaging.contract.js';
import { checkChannel, chooseChannel, type ConsentState, type CustomerFacts } from './domain/channel.js';
import { isTaskKind, phoneOptedOut } from './domain/guide-task.js';
import { ageOn, capWindows, isQuiet, jitterMinutes, localClock, nextUsualHour, quietEnd, usualHourOf, withinCaps, type ContactPolicy } from './domain/policy.js';
import { renderContent } from './domain/render.js';
import { textFor, type TemplateContents } from './domain/template.js';
import { unsubscribeToken } from './domain/unsubscribe-token.js';
import { readPolicy } from './policy.service.js';
import { baseVariables, loadProfiles, VariableRegistry, type CustomerProfile } from './variables.js';

const DAY = 86_400_000;
/** Which identifier type is each channel's address. */
export const ADDRESS_TYPES: Record<Exclude<Channel, 'guide_task'>, string> = { sms: 'phone', email: 'email', wechat: 'wechat_openid', app_push: 'device_id' };
const CHANNEL_OF_TYPE = Object.fromEntries(Object.entries(ADDRESS_TYPES).map(([c, t]) => [t, c])) as Record<string, Channel>;
/** How far back engagement counts towards the channel choice, and orders towards the usual hour. */
export const HISTORY_DAYS = 180;
export const USUAL_HOUR_DAYS = 365;

/** An address as the log shows it: 138****5678, w***@example.com, oAbC***yz for ids; a store code as it is. */
export function maskAddress(channel: Channel, to: string): string {
  if (to === '') return '';
  if (channel === 'sms') return maskPhone(to);
  if (channel === 'email') return maskEmail(to);
  if (channel === 'guide_task') return to;
  const chars = [...to];
  return chars.length <= 6 ? '***' : `${chars.slice(0, 4).join('')}***${chars.slice(-2).join('')}`;
}

export interface PreparerDeps {
  timeZone: string;
  brand: string;
  /** Base of the unsubscribe link (`<publicUrl>/api/v1/messaging/unsubscribe?token=…`). */
  publicUrl: string;
  secret: string;
  variables: VariableRegistry;
}

interface TemplateRow {
  id: string;
  status: string;
  contents: TemplateContents;
  providerIds: Record<string, string>;
}

/** Time facts shared by a batch (one `now`). */
interface BatchClock {
  now: Date;
  quiet: boolean;
  quietEnd: Date;
  usual: Map<number, Date | undefined>;
}

const parse = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));

/**
 * The send-time checks for a claimed batch, set-based: one query per kind of fact for the whole batch (policy,
 * templates, profiles, addresses, consents, cap counts, engagement history, usual hours, home stores, each provider's
 * variables), then per message in send order: customer active → template → expiry → channel (auto: ranking of the
 * template's enabled channels by preference, history, age, policy order; the first with consent and an address) →
 * quiet hours (defer to their end + the customer's jitter) → usual hour (defer to its next occurrence) → caps
 * (marketing, counting what this batch approved before) → send with the text rendered.
 */
export class Preparer implements SendPreparer {
  constructor(private readonly deps: PreparerDeps) {}

  unsubscribeUrl(messageId: string, channel: Channel): string {
    if (channel === 'guide_task') return '';
    return `${this.deps.publicUrl}/api/v1/messaging/unsubscribe?token=${unsubscribeToken(messageId, channel, this.deps.secret)}`;
  }

  async prepare(db: Db, batch: readonly QueuedMessage[], now: Date, enabled: ReadonlySet<Channel>): Promise<SendDecision[]> {
    if (batch.length === 0) return [];
    const tz = this.deps.timeZone;
    const customerIds = [...new Set(batch.map((m) => m.customerId))];
    const templateIds = [...new Set(batch.map((m) => m.templateId).filter((t): t is string => t !== null))];
    const usualHourCustomers = [...new Set(batch.filter((m) => m.variables._sendAt === 'usual_hour').map((m) => m.customerId))];
    const ids = sql.param(customerIds);
    const nowIso = now.toISOString();
    const windows = capWindows(now, tz);
    const capStart = new Date(Math.min(windows.week.getTime(), windows.month.getTime()));

    const [policy, templateRows, profiles, identifierRows, consentRows, capRows, historyRows, hourRows] = await Promise.all([
      readPolicy(db),
      templateIds.length === 0
        ? Promise.resolve([])
        : query<{ id: string; status: string; contents: unknown; provider_ids: unknown }>(
            db,
            sql`select id, status, contents, provider_ids from messaging.templates where id = any(${sql.param(templateIds)}::uuid[])`,
          ),
      loadProfiles(db, customerIds),
      query<{ customer_id: string; type: string; value: string }>(
        db,
        sql`select distinct on (customer_id, type) customer_id, type, value from customers.identifiers
            where customer_id = any(${ids}::uuid[]) and type = any(${sql.param(Object.values(ADDRESS_TYPES))}::text[])
            order by customer_id, type, is_primary desc, last_seen_at desc, value`,
      ),
      query<{ customer_id: string; channel: string; purpose: string; status: string; recorded_at: string | Date }>(
        db,
        sql`select distinct on (customer_id, channel, purpose) customer_id, channel, purpose, status, recorded_at from customers.consents
            where customer_id = any(${ids}::uuid[]) and purpose in ('marketing', 'service') and recorded_at <= ${nowIso}::timestamptz
            order by customer_id, channel, purpose, recorded_at desc, id desc`,
      ),
      query<{ customer_id: string; day: number; week: number; month: number }>(
        db,
        sql`select customer_id,
              count(*) filter (where sent_at >= ${windows.day.toISOString()}::timestamptz)::int as day,
              count(*) filter (where sent_at >= ${windows.week.toISOString()}::timestamptz)::int as week,
              count(*) filter (where sent_at >= ${windows.month.toISOString()}::timestamptz)::int as month
            from messaging.messages
            where customer_id = any(${ids}::uuid[]) and purpose = 'marketing' and sent_at is not null
              and sent_at >= ${capStart.toISOString()}::timestamptz and sent_at <= ${nowIso}::timestamptz and channel <> 'guide_task'
              and id <> all(${sql.param(batch.map((m) => m.id))}::uuid[])
            group by customer_id`,
      ),
      // Engagement history only ranks channels for `auto` messages.
      !batch.some((m) => m.channel === 'auto')
        ? Promise.resolve([] as Array<{ customer_id: string; channel: string; at: string | Date }>)
        : query<{ customer_id: string; channel: string; at: string | Date }>(
        db,
        sql`select m.customer_id, m.channel, max(coalesce(m.delivered_at, m.sent_at)) as at from messaging.messages m
            where m.customer_id = any(${ids}::uuid[]) and m.sent_at >= ${new Date(now.getTime() - HISTORY_DAYS * DAY).toISOString()}::timestamptz
              and m.channel <> all(array['auto', 'guide_task'])
              -- A delivered, opened or clicked receipt sets delivered_at (receipts.service.ts): no look into delivery_events,
              -- whose exists () became a scan of the whole table per batch (8.7 of 14.3 s in the bench's profile).
              and m.delivered_at is not null
            group by m.customer_id, m.channel`,
      ),
      usualHourCustomers.length === 0
        ? Promise.resolve([])
        : query<{ customer_id: string; hour: number; n: number }>(
            db,
            sql`select customer_id, extract(hour from placed_at at time zone ${tz})::int as hour, count(*)::int as n from orders.orders
                where customer_id = any(${sql.param(usualHourCustomers)}::uuid[]) and status <> 'cancelled'
                  and placed_at > ${new Date(now.getTime() - USUAL_HOUR_DAYS * DAY).toISOString()}::timestamptz and placed_at <= ${nowIso}::timestamptz
                group by 1, 2`,
          ),
    ]);

    const templates = new Map<string, TemplateRow>(
      templateRows.map((t) => [t.id, { id: t.id, status: t.status, contents: parse<TemplateContents>(t.contents), providerIds: parse<Record<string, string>>(t.provider_ids) ?? {} }]),
    );
    // Home stores only for customers who may get a guide task (a guide_task message, or auto with only that text).
    const guideCustomers = [
      ...new Set(
        batch
          .filter((m) => {
            const chans = Object.keys(templates.get(m.templateId ?? '')?.contents ?? {});
            return m.channel === 'guide_task' || (m.channel === 'auto' && chans.length === 1 && chans[0] === 'guide_task');
          })
          .map((m) => m.customerId),
      ),
    ];
    const homeStores = new Map<string, string>();
    if (guideCustomers.length > 0) {
      const rows = await query<{ customer_id: string; store_code: string }>(
        db,
        sql`select distinct on (customer_id) customer_id, store_code from orders.orders
            where customer_id = any(${sql.param(guideCustomers)}::uuid[]) and status <> 'cancelled' and store_code is not null
            order by customer_id, placed_at, id`,
      );
      for (const r of rows) homeStores.set(r.customer_id, r.store_code);
    }

    const addresses = new Map<string, Partial<Record<Channel, string>>>();
    for (const r of identifierRows) {
      const a = addresses.get(r.customer_id) ?? {};
      a[CHANNEL_OF_TYPE[r.type]!] = r.value;
      addresses.set(r.customer_id, a);
    }
    for (const [c, store] of homeStores) addresses.set(c, { ...(addresses.get(c) ?? {}), guide_task: store });
    const consents = new Map<string, Map<string, ConsentState>>();
    for (const r of consentRows) {
      const m = consents.get(r.customer_id) ?? new Map<string, ConsentState>();
      m.set(`${r.channel}|${r.purpose}`, { status: r.status as ConsentState['status'], at: new Date(r.recorded_at).getTime() });
      consents.set(r.customer_id, m);
    }
    const used = new Map(capRows.map((r) => [r.customer_id, { day: Number(r.day), week: Number(r.week), month: Number(r.month) }]));
    const history = new Map<string, Array<{ channel: Channel; at: number }>>();
    for (const r of historyRows) history.set(r.customer_id, [...(history.get(r.customer_id) ?? []), { channel: r.channel as Channel, at: new Date(r.at).getTime() }]);
    const hours = new Map<string, Array<{ hour: number; count: number }>>();
    for (const r of hourRows) hours.set(r.customer_id, [...(hours.get(r.customer_id) ?? []), { hour: Number(r.hour), count: Number(r.n) }]);
    const today = localClock(now, tz).date;
    // The same instant for the whole batch: the quiet-hours answer and the usual hours' next occurrences are computed once.
    const clock: BatchClock = { now, quiet: isQuiet(now, policy.quietHours, tz), quietEnd: quietEnd(now, policy.quietHours, tz), usual: new Map() };

    const factsOf = (customerId: string, p: CustomerProfile): CustomerFacts => ({
      addresses: addresses.get(customerId) ?? {},
      consents: consents.get(customerId) ?? new Map(),
      preferredChannel: p.preferredChannel ?? undefined,
      history: (history.get(customerId) ?? []).sort((a, b) => b.at - a.at || (a.channel < b.channel ? -1 : 1)).map((h) => h.channel),
      age: p.birthday ? ageOn(p.birthday, today) : undefined,
    });

    const decisions: SendDecision[] = [];
    const sends: Array<{ m: QueuedMessage; channel: Channel; template: TemplateRow; to: string }> = [];
    const ordered = [...batch].sort((a, b) => a.sendAfter.getTime() - b.sendAfter.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const m of ordered) {
      const block = (reason: BlockReason, channel?: Channel) => decisions.push(channel ? { id: m.id, action: 'block', reason, channel } : { id: m.id, action: 'block', reason });
      const p = profiles.get(m.customerId);
      if (!p || p.status !== 'active') {
        block('customer_inactive');
        continue;
      }
      const template = m.templateId ? templates.get(m.templateId) : undefined;
      if (!template || template.status !== 'active') {
        block('template_archived');
        continue;
      }
      if (m.expiresAt && m.expiresAt.getTime() <= now.getTime()) {
        block('expired');
        continue;
      }
      const facts = factsOf(m.customerId, p);
      const templateChannels = Object.keys(template.contents) as Channel[];
      let channel: Channel;
      if (m.channel === 'auto') {
        let candidates = templateChannels.filter((c) => c !== 'guide_task' && enabled.has(c));
        if (templateChannels.length === 1 && templateChannels[0] === 'guide_task' && enabled.has('guide_task')) candidates = ['guide_task'];
        if (candidates.length === 0) continue; // none of its channels is on: it waits (released), or expires while they stay off
        const choice = chooseChannel(candidates, m.purpose, facts, policy);
        if ('reason' in choice) {
          block(choice.reason);
          continue;
        }
        channel = choice.channel;
      } else {
        channel = m.channel;
        if (!enabled.has(channel)) continue;
        if (!templateChannels.includes(channel)) {
          block('template_archived', channel);
          continue;
        }
        const verdict = checkChannel(channel, m.purpose, facts, policy.consent);
        if (verdict !== 'ok') {
          block(verdict, channel);
          continue;
        }
      }
      // A callback or birthday call for a customer who opted out of phone contact (domain/guide-task.ts) is never made.
      if (channel === 'guide_task' && isTaskKind(m.variables.taskKind) && phoneOptedOut(facts.consents, m.variables.taskKind)) {
        block('opted_out', channel);
        continue;
      }
      const deferral = this.deferral(m, channel, policy, hours.get(m.customerId), clock);
      if (deferral) {
        if (m.expiresAt && deferral.until.getTime() >= m.expiresAt.getTime()) block('expired', channel);
        else decisions.push({ id: m.id, action: 'defer', until: deferral.until, reason: deferral.reason });
        continue;
      }
      if (m.purpose === 'marketing' && channel !== 'guide_task') {
        const u = used.get(m.customerId) ?? { day: 0, week: 0, month: 0 };
        if (!withinCaps(u, policy.caps)) {
          block('frequency_cap', channel);
          continue;
        }
        used.set(m.customerId, { day: u.day + 1, week: u.week + 1, month: u.month + 1 });
      }
      sends.push({ m, channel, template, to: channel === 'guide_task' ? (facts.addresses.guide_task ?? '') : facts.addresses[channel]! });
    }

    if (sends.length > 0) {
      const texts = new Map<string, string[]>();
      const chosen = sends.map((s) => {
        const t = textFor(s.template.contents, s.channel, s.m.locale)!;
        texts.set(s.m.customerId, [...(texts.get(s.m.customerId) ?? []), t.text.subject ?? '', t.text.body]);
        return t;
      });
      const locales = new Map(sends.map((s) => [s.m.customerId, s.m.locale]));
      const provided = await this.deps.variables.load(db, texts, (c) => locales.get(c) ?? 'zh-CN');
      sends.forEach((s, i) => {
        const { locale, text } = chosen[i]!;
        const vars = this.variablesFor(s.m, s.channel, locale, profiles.get(s.m.customerId), provided.get(s.m.customerId));
        const r = renderContent(s.channel, text, vars, locale);
        const message: OutgoingMessage = {
          id: s.m.id,
          channel: s.channel,
          customerId: s.m.customerId,
          to: s.to,
          subject: r.subject,
          body: r.body,
          locale,
          providerTemplateId: s.template.providerIds[s.channel] ?? null,
          variables: r.html === null ? vars : { ...vars, _html: r.html },
        };
        decisions.push({ id: s.m.id, action: 'send', channel: s.channel, toMasked: maskAddress(s.channel, s.to), message });
      });
    }
    // In the batch's order (a message left out waits: none of its channels is on).
    const byId = new Map(decisions.map((d) => [d.id, d]));
    return batch.map((m) => byId.get(m.id)).filter((d): d is SendDecision => d !== undefined);
  }

  /** The variables a text is rendered with: base, then the providers', then the planner's (internal `_` keys left out). */
  variablesFor(m: Pick<QueuedMessage, 'id' | 'variables'>, channel: Channel, locale: Locale, profile: CustomerProfile | undefined, provided: Record<string, unknown> | undefined) {
    const own = Object.fromEntries(Object.entries(m.variables).filter(([k]) => !k.startsWith('_')));
    return { ...baseVariables(profile, locale, this.deps.brand, this.unsubscribeUrl(m.id, channel)), ...(provided ?? {}), ...own };
  }

  /** Quiet hours (marketing, and service when the policy says so; never guide tasks), then the usual hour. */
  private deferral(
    m: QueuedMessage,
    channel: Channel,
    policy: ContactPolicy,
    orderHours: Array<{ hour: number; count: number }> | undefined,
    clock: BatchClock,
  ): { until: Date; reason: 'quiet_hours' | 'usual_hour' } | undefined {
    if (channel !== 'guide_task' && (m.purpose === 'marketing' || policy.quietHours.service) && clock.quiet)
      return { until: new Date(clock.quietEnd.getTime() + jitterMinutes(m.customerId) * 60_000), reason: 'quiet_hours' };
    if (m.variables._sendAt === 'usual_hour') {
      const hour = usualHourOf(orderHours ?? []) ?? policy.defaultHour;
      if (!clock.usual.has(hour)) clock.usual.set(hour, nextUsualHour(clock.now, hour, policy.quietHours, this.deps.timeZone));
      const next = clock.usual.get(hour);
      if (next) return { until: next, reason: 'usual_hour' };
    }
    return undefined;
  }
}
