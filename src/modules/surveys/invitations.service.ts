import crypto from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import type { Clock } from '../../platform/clock.js';
import { localDate, parseInstant } from '../../platform/clock.js';
import { query, queryOne, type Db } from '../../platform/db/database.js';
import { publish, type DomainEvent } from '../../platform/events/event-bus.js';
import { AppError, conflict, invalid, notFound, type FieldIssue } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { SQL_UUID_V7, type MessagePlanner, type Recipient } from '../messaging/index.js';
import { addTicketEvents } from '../service/timeline.js';
import type { TicketResolvedPayload } from '../service/service.contract.js';
import { isFivePointAnswer, isNpsAnswer } from './domain/scores.js';
import type { SurveyLinks } from './links.js';
import { clampSentiment, type Sentiment, type SentimentScorer } from './sentiment.js';
import { SendInput, TICKET_WINDOW, type LocalisedText, type Question, type Settings, type SurveyLocale } from './surveys.schemas.js';
import { iso, json, parseOr, readSettings, UUID } from './shared.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;
/** Invitations go out between these local hours (the send lands inside [from, to)). */
export const DAYTIME = { from: 10, to: 20 } as const;

/** Events the module publishes. */
export const SURVEY_EVENTS = {
  /** {responseId, surveyId, surveyCode, invitationId, customerId, ticketId, orderId, storeCode, guideId, nps, csat, verbatim: boolean} */
  responded: 'surveys.response.submitted',
} as const;

/** A number in [0, 1) drawn from a key (sha256's first 4 bytes): the same key, the same draw. */
export function draw(key: string): number {
  return crypto.createHash('sha256').update(key).digest().readUInt32BE(0) / 2 ** 32;
}

function addDays(ymd: string, n: number): string {
  const [y, m, d] = ymd.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** The daytime stretches (DAYTIME, business time zone) inside [start, end), as instants. */
export function daytimeIntervals(start: Date, end: Date, timeZone: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const last = localDate(end, timeZone);
  for (let day = addDays(localDate(start, timeZone), -1); day <= last; day = addDays(day, 1)) {
    const from = parseInstant(`${day}T${String(DAYTIME.from).padStart(2, '0')}:00`, timeZone)!.getTime();
    const to = parseInstant(`${day}T${String(DAYTIME.to).padStart(2, '0')}:00`, timeZone)!.getTime();
    const a = Math.max(from, start.getTime());
    const b = Math.min(to, end.getTime());
    if (b > a) out.push([a, b]);
  }
  return out;
}

/**
 * A whole minute inside [start, end) at a daytime hour, drawn from `key`: the same key and window, the same instant.
 * With no daytime in the window (shorter than a night), its start.
 */
export function daytimeSlot(start: Date, end: Date, key: string, timeZone: string): Date {
  const s = new Date(Math.ceil(start.getTime() / MINUTE) * MINUTE);
  const intervals = daytimeIntervals(s, end, timeZone).map(([a, b]) => [a, Math.floor((b - a - 1) / MINUTE) + 1] as const);
  const minutes = intervals.reduce((n, [, m]) => n + m, 0);
  if (minutes <= 0) return s;
  let k = Math.floor(draw(key) * minutes);
  for (const [a, m] of intervals) {
    if (k < m) return new Date(a + k * MINUTE);
    k -= m;
  }
  return s;
}

/** The SQL of a daytime minute inside [start, start + hours) drawn per row from `keySql` (for sets: periodic audiences). */
function daytimeSql(start: Date, hours: number, keySql: SQL, timeZone: string): SQL {
  const intervals = daytimeIntervals(start, new Date(start.getTime() + hours * HOUR), timeZone).map(([a, b]) => [a, Math.floor((b - a - 1) / MINUTE) + 1] as const);
  const total = intervals.reduce((n, [, m]) => n + m, 0);
  if (total === 0) return sql`${start.toISOString()}::timestamptz`;
  const k = sql`floor(((('x' || substr(md5(${keySql}), 1, 8))::bit(32)::bigint)::float8 / 4294967296.0) * ${total}::float8)::int`;
  let acc = 0;
  const cases = intervals.map(([a, m]) => {
    const c = sql`when ${k} < ${acc + m}::int then ${new Date(a).toISOString()}::timestamptz + (${k} - ${acc}::int) * interval '1 minute'`;
    acc += m;
    return c;
  });
  return sql`(case ${sql.join(cases, sql` `)} else ${start.toISOString()}::timestamptz end)`;
}

/** The period a periodic survey runs for at an instant: 2026-11 (month) or 2026-Q4 (quarter). */
export function periodOf(at: Date, cadence: 'month' | 'quarter', timeZone: string): string {
  const d = localDate(at, timeZone);
  const [y, m] = [d.slice(0, 4), Number(d.slice(5, 7))];
  return cadence === 'month' ? `${y}-${String(m).padStart(2, '0')}` : `${y}-Q${Math.ceil(m / 3)}`;
}

export interface PublicQuestion {
  id: string;
  type: Question['type'];
  title: string;
  required: boolean;
  /** nps 0–10, csat and rating 1–5. */
  scale?: { min: number; max: number };
  options?: Array<{ value: string; label: string }>;
}

export interface PublicSurvey {
  survey: { code: string; title: string };
  locale: SurveyLocale;
  expiresAt: string;
  questions: PublicQuestion[];
}

export interface SubmittedResponse {
  id: string;
  surveyId: string;
  submittedAt: string;
  nps: number | null;
  csat: number | null;
  message: string;
}

type Row = Record<string, unknown>;
type ActiveSurvey = { id: string; code: string; name: string; settings: Settings };

const localeOf = (v: unknown): SurveyLocale => (typeof v === 'string' && /^en/i.test(v) ? 'en' : 'zh-CN');
const titleIn = (t: LocalisedText | undefined, fallback: string, l: SurveyLocale) => t?.[l] ?? t?.['zh-CN'] ?? fallback;
const THANKS: Record<SurveyLocale, string> = { 'zh-CN': '感谢您的反馈！', en: 'Thank you for your feedback!' };

/** Per question, the answer's problem (null: fine), for a 400 naming `answers.<id>`. */
function answerProblem(q: Question, v: unknown): string | null {
  const empty = v === undefined || v === null || (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && v.length === 0);
  if (empty) return q.required ? 'required' : null;
  const values = new Set((q.options ?? []).map((o) => o.value));
  switch (q.type) {
    case 'nps':
      return isNpsAnswer(v) ? null : 'an integer from 0 to 10';
    case 'csat':
    case 'rating':
      return isFivePointAnswer(v) ? null : 'an integer from 1 to 5';
    case 'single':
      return typeof v === 'string' && values.has(v) ? null : `one of ${[...values].join(', ')}`;
    case 'multi':
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || !values.has(x))) return `a list of ${[...values].join(', ')}`;
      return new Set(v).size === v.length ? null : 'a choice is given twice';
    case 'text':
      if (typeof v !== 'string') return 'text';
      return v.length > 4000 ? 'at most 4000 characters' : null;
  }
}

/**
 * Who is asked when, and their answers: invitations from the triggers (a resolved ticket, a placed order, a period's
 * audience, a manual send), the job that sends due ones through messaging and expires old ones, and the signed link's
 * page and submission (accepted once).
 */
export class InvitationsService {
  constructor(
    private readonly db: Db,
    private readonly deps: {
      clock: Clock;
      timeZone: string;
      links: SurveyLinks;
      planner: () => MessagePlanner;
      scorer: () => SentimentScorer | null;
    },
  ) {}

  private async active(tx: Db, trigger: string): Promise<ActiveSurvey[]> {
    const rows = await query<Row>(tx, sql`select id, code, name, settings from surveys.surveys where status = 'active' and trigger = ${trigger} order by code collate "C"`);
    return rows.map((r) => ({ id: String(r.id), code: String(r.code), name: String(r.name), settings: readSettings(r.settings) }));
  }

  /** Inserts invitations (on conflict with the same survey and context: nothing), honouring the survey's cooldown. */
  private async insert(
    tx: Db,
    survey: ActiveSurvey,
    kind: string,
    rows: Array<{ customer_id: string; context_id: string; ticket_id?: string | null; order_id?: string | null; store_code?: string | null; guide_id?: string | null; send_at: Date }>,
    now: Date,
  ): Promise<Array<{ id: string; ticket_id: string | null; send_at: unknown }>> {
    if (rows.length === 0) return [];
    const cooldown = survey.settings.cooldownDays;
    if (cooldown > 0) {
      const seen = new Set<string>();
      rows = rows.filter((r) => !seen.has(r.customer_id) && !!seen.add(r.customer_id));
    }
    const values = rows.map((r) => ({
      id: newId(),
      customer_id: r.customer_id,
      context_id: r.context_id,
      ticket_id: r.ticket_id ?? null,
      order_id: r.order_id ?? null,
      store_code: r.store_code ?? null,
      guide_id: r.guide_id ?? null,
      send_at: r.send_at.toISOString(),
      expires_at: new Date(r.send_at.getTime() + survey.settings.validDays * DAY).toISOString(),
    }));
    return query(
      tx,
      sql`insert into surveys.invitations (id, survey_id, customer_id, context_kind, context_id, ticket_id, order_id, store_code, guide_id, status, send_at, expires_at, created_at)
          select x.id, ${survey.id}::uuid, x.customer_id, ${kind}, x.context_id, x.ticket_id, x.order_id, x.store_code, x.guide_id, 'scheduled', x.send_at, x.expires_at, ${now.toISOString()}::timestamptz
          from jsonb_to_recordset(${JSON.stringify(values)}::jsonb)
            as x(id uuid, customer_id uuid, context_id text, ticket_id uuid, order_id uuid, store_code text, guide_id uuid, send_at timestamptz, expires_at timestamptz)
          where ${cooldown > 0 ? sql`not exists (select 1 from surveys.invitations p where p.survey_id = ${survey.id}::uuid and p.customer_id = x.customer_id and p.created_at > ${new Date(now.getTime() - cooldown * DAY).toISOString()}::timestamptz)` : sql`true`}
          on conflict (customer_id, survey_id, context_kind, context_id) do nothing
          returning id, ticket_id, send_at`,
    );
  }

  /**
   * service.ticket.resolved → one invitation per ticket and active after_ticket survey, sent at a daytime minute 3–5
   * days (the survey's window) after the resolution, drawn from the ticket id. Store, guide and order come from the
   * ticket when it is there. The ticket's timeline notes it.
   */
  async ticketsResolved(events: Array<DomainEvent<TicketResolvedPayload>>, tx: Db): Promise<number> {
    const payloads = events.map((e) => ({ ...e.payload, occurredAt: e.occurredAt })).filter((p) => typeof p.ticketId === 'string' && UUID.test(p.ticketId));
    if (payloads.length === 0) return 0;
    const surveys = await this.active(tx, 'after_ticket');
    if (surveys.length === 0) return 0;
    const tickets = new Map(
      (
        await query<Row>(
          tx,
          sql`select id, customer_id, store_code, guide_id, order_id, resolved_at from service.tickets where id = any(${sql.param(payloads.map((p) => p.ticketId))}::uuid[])`,
        )
      ).map((r) => [String(r.id), r]),
    );
    const now = this.deps.clock.now();
    let n = 0;
    for (const survey of surveys) {
      const w = survey.settings.delayWindowDays ?? TICKET_WINDOW;
      const rows = payloads.flatMap((p) => {
        const tk = tickets.get(p.ticketId);
        const customerId = p.customerId ?? (tk?.customer_id as string | null | undefined) ?? null;
        if (!customerId || !UUID.test(customerId)) return [];
        const resolved = new Date(p.resolvedAt ?? iso(tk?.resolved_at) ?? p.occurredAt);
        // A resolution older than the window (history loaded late) asks nobody: the moment has passed.
        if (Number.isNaN(resolved.getTime()) || resolved.getTime() + w.max * DAY < now.getTime()) return [];
        const sendAt = daytimeSlot(new Date(resolved.getTime() + w.min * DAY), new Date(resolved.getTime() + w.max * DAY), p.ticketId, this.deps.timeZone);
        return [
          {
            customer_id: customerId,
            context_id: p.ticketId,
            ticket_id: p.ticketId,
            order_id: (tk?.order_id as string | null) ?? null,
            store_code: (tk?.store_code as string | null) ?? null,
            guide_id: (tk?.guide_id as string | null) ?? null,
            send_at: sendAt,
          },
        ];
      });
      const made = await this.insert(tx, survey, 'ticket', rows, now);
      n += made.length;
      await addTicketEvents(
        tx,
        made
          .filter((m) => m.ticket_id && tickets.has(String(m.ticket_id)))
          .map((m) => ({
            ticketId: String(m.ticket_id),
            kind: 'survey_scheduled',
            visibility: 'system' as const,
            actor: 'system:surveys',
            detail: { survey: survey.code, invitationId: String(m.id), sendAt: iso(m.send_at) },
            at: now,
          })),
      );
    }
    return n;
  }

  /**
   * orders.order.placed (live orders; imported history publishes orders.batch.imported and is not surveyed) → an
   * invitation per order and active after_purchase survey with the order's store and guide (the staff member whose
   * username is the order's staff code), `delayDays` after the order at a daytime minute of the following 24 hours.
   * Only a member is asked: a guest sale (no customer, or a synthetic guest customer id with no customer row — ADR
   * 0014) has nobody to send the link to, and an invitation always has its customer (its key on Citus).
   */
  async ordersPlaced(events: Array<DomainEvent<{ orderId: string; customerId: string | null; storeCode?: string | null; placedAt: string }>>, tx: Db): Promise<number> {
    let orders = events.map((e) => e.payload).filter((p) => typeof p.customerId === 'string' && UUID.test(p.customerId) && UUID.test(p.orderId));
    if (orders.length === 0) return 0;
    const surveys = await this.active(tx, 'after_purchase');
    if (surveys.length === 0) return 0;
    const members = new Set(
      (await query<{ id: string }>(tx, sql`select id from customers.customers where id = any(${sql.param([...new Set(orders.map((o) => o.customerId!))])}::uuid[])`)).map((r) => String(r.id)),
    );
    orders = orders.filter((o) => members.has(o.customerId!.toLowerCase()));
    if (orders.length === 0) return 0;
    const guides = new Map(
      (
        await query<{ id: string; guide_id: string | null }>(
          tx,
          sql`select o.id, (select s.id from access.staff s where s.username = o.staff_code) as guide_id
              from orders.orders o where o.id = any(${sql.param(orders.map((o) => o.orderId))}::uuid[]) and o.staff_code is not null`,
        )
      ).map((r) => [String(r.id), r.guide_id]),
    );
    const now = this.deps.clock.now();
    let n = 0;
    for (const survey of surveys) {
      const delay = survey.settings.delayDays ?? 1;
      const rows = orders.flatMap((o) => {
        const placed = new Date(o.placedAt);
        // An order placed more than a week before its survey would go (history posted late) is not surveyed.
        if (Number.isNaN(placed.getTime()) || placed.getTime() + (delay + 7) * DAY < now.getTime()) return [];
        const start = new Date(Math.max(placed.getTime() + delay * DAY, now.getTime()));
        return [{
          customer_id: o.customerId!,
          context_id: o.orderId,
          order_id: o.orderId,
          store_code: o.storeCode ?? null,
          guide_id: guides.get(o.orderId) ?? null,
          send_at: daytimeSlot(start, new Date(start.getTime() + DAY), o.orderId, this.deps.timeZone),
        }];
      });
      n += (await this.insert(tx, survey, 'order', rows, now)).length;
    }
    return n;
  }

  /** The customer's store: that of their latest order (null without orders). */
  private static readonly LAST_STORE = sql`(select o.store_code from orders.orders o where o.customer_id = c.id and o.status <> 'cancelled' order by o.placed_at desc limit 1)`;

  /**
   * Periodic surveys: once per period (month or quarter, business time zone) the members of the survey's segment are
   * invited (context_id `<period>:<customer>`), spread over daytime minutes of the next 48 hours. A period already run
   * is not run again (members who join later wait for the next one).
   */
  async runPeriodic(now: Date = this.deps.clock.now()): Promise<{ surveys: number; invited: number }> {
    const surveys = await this.active(this.db, 'periodic');
    let ran = 0;
    let invited = 0;
    for (const s of surveys) {
      const { cadence, segment, cooldownDays, validDays } = s.settings;
      if (!cadence || !segment) continue;
      const period = periodOf(now, cadence, this.deps.timeZone);
      const n = await this.db.transaction(async (tx) => {
        // One runner per survey at a time; a period once run is done.
        await query(tx, sql`select 1 from surveys.surveys where id = ${s.id}::uuid for update`);
        const done = await queryOne(tx, sql`select 1 from surveys.invitations where survey_id = ${s.id}::uuid and context_kind = 'period' and context_id like ${`${period}:%`} limit 1`);
        if (done) return -1;
        const sendAt = daytimeSql(now, 48, sql`${s.id}::text || c.id::text`, this.deps.timeZone);
        const rows = await query(
          tx,
          sql`insert into surveys.invitations (id, survey_id, customer_id, context_kind, context_id, store_code, status, send_at, expires_at, created_at)
              select ${SQL_UUID_V7}, ${s.id}::uuid, c.id, 'period', ${`${period}:`} || c.id::text, ${InvitationsService.LAST_STORE}, 'scheduled',
                ${sendAt}, ${sendAt} + ${validDays}::int * interval '1 day', ${now.toISOString()}::timestamptz
              from segments.members m join segments.segments g on g.id = m.segment_id and g.code = ${segment}
              join customers.customers c on c.id = m.customer_id and c.status = 'active'
              where ${cooldownDays > 0 ? sql`not exists (select 1 from surveys.invitations p where p.survey_id = ${s.id}::uuid and p.customer_id = c.id and p.created_at > ${new Date(now.getTime() - cooldownDays * DAY).toISOString()}::timestamptz)` : sql`true`}
              on conflict (customer_id, survey_id, context_kind, context_id) do nothing returning 1`,
        );
        return rows.length;
      });
      if (n >= 0) {
        ran++;
        invited += n;
      }
    }
    return { surveys: ran, invited };
  }

  /**
   * A manual send of an active survey to customers (by id) or a segment's members: invitations due now, one per
   * customer and wave (default: today). Unknown customers or segment: 400, nothing invited.
   */
  async send(surveyIdOrCode: string, input: unknown, _actor: string): Promise<{ survey: string; wave: string; invited: number; alreadyInvited: number }> {
    const body = parseOr(SendInput, input, 'surveys.invalid_send');
    const s = await queryOne<Row>(
      this.db,
      UUID.test(surveyIdOrCode) ? sql`select * from surveys.surveys where id = ${surveyIdOrCode}::uuid` : sql`select * from surveys.surveys where code = ${surveyIdOrCode}`,
    );
    if (!s) throw notFound('surveys.not_found', `no survey ${surveyIdOrCode}`);
    if (s.status !== 'active') throw conflict('surveys.not_active', `survey ${String(s.code)} is ${String(s.status)}; only an active survey is sent`);
    const now = this.deps.clock.now();
    const wave = body.wave ?? localDate(now, this.deps.timeZone);
    const settings = readSettings(s.settings);
    let audience: SQL;
    let total: number;
    if (body.customerIds) {
      const ids = [...new Set(body.customerIds.map((x) => x.toLowerCase()))];
      const found = new Set((await query<{ id: string }>(this.db, sql`select id from customers.customers where id = any(${sql.param(ids)}::uuid[]) and status = 'active'`)).map((r) => String(r.id)));
      const issues: FieldIssue[] = body.customerIds.map((id, i) => (found.has(id.toLowerCase()) ? null : { path: `customerIds.${i}`, message: `no active customer ${id}` })).filter((x): x is FieldIssue => !!x);
      if (issues.length) throw invalid('surveys.invalid_send', `${issues[0]!.path}: ${issues[0]!.message}`, issues);
      audience = sql`select c.id from customers.customers c where c.id = any(${sql.param(ids)}::uuid[])`;
      total = ids.length;
    } else {
      const seg = await queryOne<{ id: string }>(this.db, sql`select id from segments.segments where code = ${body.segment!}`);
      if (!seg) throw invalid('surveys.invalid_send', `segment: no segment ${body.segment}`, [{ path: 'segment', message: `no segment ${body.segment}` }]);
      audience = sql`select c.id from segments.members m join customers.customers c on c.id = m.customer_id and c.status = 'active' where m.segment_id = ${seg.id}::uuid`;
      total = Number((await queryOne<{ n: number }>(this.db, sql`select count(*)::int as n from (${audience}) a`))?.n ?? 0);
    }
    const rows = await query(
      this.db,
      sql`insert into surveys.invitations (id, survey_id, customer_id, context_kind, context_id, store_code, status, send_at, expires_at, created_at)
          select ${SQL_UUID_V7}, ${String(s.id)}::uuid, c.id, 'manual', ${`${wave}:`} || c.id::text, ${InvitationsService.LAST_STORE}, 'scheduled',
            ${now.toISOString()}::timestamptz, ${new Date(now.getTime() + settings.validDays * DAY).toISOString()}::timestamptz, ${now.toISOString()}::timestamptz
          from (${audience}) a join customers.customers c on c.id = a.id
          on conflict (customer_id, survey_id, context_kind, context_id) do nothing returning 1`,
    );
    return { survey: String(s.code), wave, invited: rows.length, alreadyInvited: total - rows.length };
  }

  /**
   * The job: expires invitations whose link's time is up, then sends the due ones of active surveys through messaging
   * (template and channel of the survey; variables surveyLink and surveyName in the customer's locale; dedupe key
   * `survey:<invitation>`, so a replay plans nothing twice) and marks them sent — in the claim's transaction, a
   * thousand at a time (FOR UPDATE SKIP LOCKED: concurrent runs take different rows). A survey whose planning fails
   * (its template archived) keeps its invitations scheduled, tried again hourly until they expire.
   */
  async sendDue(now: Date = this.deps.clock.now(), opts: { batch?: number } = {}): Promise<{ sent: number; expired: number; failed: number }> {
    const batch = opts.batch ?? 1000;
    const stamp = now.toISOString();
    const expired = await query(
      this.db,
      sql`update surveys.invitations set status = 'expired' where status in ('scheduled', 'sent') and expires_at <= ${stamp}::timestamptz returning 1`,
    );
    let sent = 0;
    let failed = 0;
    for (let round = 0; round < 100; round++) {
      const out = await this.db.transaction(async (tx) => {
        const rows = await query<Row>(
          tx,
          sql`select i.id, i.survey_id, i.customer_id, i.expires_at, s.code, s.name, s.settings, c.attributes->>'locale' as locale
              from surveys.invitations i
              join surveys.surveys s on s.id = i.survey_id and s.status = 'active'
              left join customers.customers c on c.id = i.customer_id
              where i.status = 'scheduled' and i.send_at <= ${stamp}::timestamptz and i.expires_at > ${stamp}::timestamptz
              order by i.send_at, i.id limit ${batch}
              for update of i skip locked`,
        );
        const bySurvey = new Map<string, Row[]>();
        for (const r of rows) bySurvey.set(String(r.survey_id), [...(bySurvey.get(String(r.survey_id)) ?? []), r]);
        let ok = 0;
        let bad = 0;
        for (const [surveyId, group] of bySurvey) {
          const settings = readSettings(group[0]!.settings);
          const name = String(group[0]!.name);
          const soonest = Math.min(...group.map((r) => new Date(String(r.expires_at instanceof Date ? r.expires_at.toISOString() : r.expires_at)).getTime()));
          const recipients: Recipient[] = group.map((r) => ({
            customerId: String(r.customer_id),
            dedupeKey: `survey:${String(r.id)}`,
            variables: { surveyLink: this.deps.links.url(String(r.id)), surveyName: titleIn(settings.title, name, localeOf(r.locale)) },
          }));
          try {
            await tx.transaction(async (sp) => {
              await this.deps.planner().plan(sp as unknown as Db, {
                template: settings.template,
                channel: settings.channel,
                sendAt: 'now',
                at: now,
                source: { kind: 'system', id: surveyId },
                recipients,
                validForHours: Math.max(1, Math.min(72, Math.floor((soonest - now.getTime()) / HOUR))),
              });
              await query(
                sp as unknown as Db,
                sql`update surveys.invitations set status = 'sent', sent_at = ${stamp}::timestamptz where id = any(${sql.param(group.map((r) => String(r.id)))}::uuid[])`,
              );
            });
            ok += group.length;
          } catch {
            // Planning refused (template archived, channel gone): try again in an hour, so the rest keep their turn.
            await query(
              tx,
              sql`update surveys.invitations set send_at = ${new Date(now.getTime() + HOUR).toISOString()}::timestamptz where id = any(${sql.param(group.map((r) => String(r.id)))}::uuid[])`,
            );
            bad += group.length;
          }
        }
        return { claimed: rows.length, ok, bad };
      });
      sent += out.ok;
      failed += out.bad;
      if (out.claimed < batch) break;
    }
    return { sent, expired: expired.length, failed };
  }

  // ------------------------------------------------------------------ the link

  /** The invitation a token names, with its survey; a forged, altered or unknown token is a 404. */
  private async resolve(db: Db, token: string): Promise<Row> {
    const id = this.deps.links.verify(token);
    const row = id
      ? await queryOne<Row>(
          db,
          sql`select i.*, s.code, s.name, s.status as survey_status, s.settings, s.questions, c.attributes->>'locale' as locale
              from surveys.invitations i join surveys.surveys s on s.id = i.survey_id left join customers.customers c on c.id = i.customer_id
              where i.id = ${id}::uuid`,
        )
      : undefined;
    if (!row) throw notFound('surveys.link_not_found', 'this survey link is not valid');
    return row;
  }

  /** 410 (expired, closed) and 409 (answered) as errors; the routes answer 410 for surveys.link_expired / link_closed. */
  private checkOpen(r: Row, now: Date): void {
    if (r.status === 'responded') throw conflict('surveys.already_answered', 'this survey was answered already; thank you');
    if (r.survey_status === 'archived' || r.status === 'cancelled') throw new AppError('conflict', 'surveys.link_closed', 'this survey is closed');
    if (r.status === 'expired' || new Date(iso(r.expires_at)!).getTime() <= now.getTime()) throw new AppError('conflict', 'surveys.link_expired', 'this survey link has expired');
  }

  /** The questionnaire a link opens, in the customer's locale (or the one asked for). */
  async open(token: string, locale?: SurveyLocale): Promise<PublicSurvey> {
    const r = await this.resolve(this.db, token);
    this.checkOpen(r, this.deps.clock.now());
    const l = locale ?? localeOf(r.locale);
    const settings = readSettings(r.settings);
    const questions = json<Question[]>(r.questions);
    return {
      survey: { code: String(r.code), title: titleIn(settings.title, String(r.name), l) },
      locale: l,
      expiresAt: iso(r.expires_at)!,
      questions: questions.map((q) => ({
        id: q.id,
        type: q.type,
        title: q.title[l],
        required: q.required,
        ...(q.type === 'nps' ? { scale: { min: 0, max: 10 } } : q.type === 'csat' || q.type === 'rating' ? { scale: { min: 1, max: 5 } } : {}),
        ...(q.options ? { options: q.options.map((o) => ({ value: o.value, label: o.label[l] })) } : {}),
      })),
    };
  }

  /**
   * A response through the link: answers checked per question (400 naming `answers.<id>`), then accepted once — the
   * invitation moves to responded in the same transaction as the response's insert, so of two concurrent submissions
   * one is stored (201) and the other finds it answered (409). NPS, CSAT and the verbatim are copied out; store, guide,
   * ticket and order come from the invitation.
   */
  async respond(token: string, input: { answers: Record<string, unknown>; locale?: SurveyLocale }): Promise<SubmittedResponse> {
    const first = await this.resolve(this.db, token);
    const now = this.deps.clock.now();
    this.checkOpen(first, now);
    const questions = json<Question[]>(first.questions);
    const byId = new Map(questions.map((q) => [q.id, q]));
    const answers = input.answers ?? {};
    const issues: FieldIssue[] = [];
    for (const k of Object.keys(answers)) if (!byId.has(k)) issues.push({ path: `answers.${k}`, message: 'no such question' });
    for (const q of questions) {
      const p = answerProblem(q, answers[q.id]);
      if (p) issues.push({ path: `answers.${q.id}`, message: p });
    }
    if (issues.length) throw invalid('surveys.invalid_answers', `${issues[0]!.path}: ${issues[0]!.message}`, issues);

    const kept: Record<string, unknown> = {};
    for (const q of questions) {
      const v = answers[q.id];
      if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && v.length === 0)) continue;
      kept[q.id] = typeof v === 'string' ? v.trim() : v;
    }
    const firstOf = (type: Question['type']) => {
      const q = questions.find((x) => x.type === type && kept[x.id] !== undefined);
      return q ? (kept[q.id] as number) : null;
    };
    const nps = firstOf('nps');
    const csat = firstOf('csat');
    const texts = questions.filter((q) => q.type === 'text' && typeof kept[q.id] === 'string').map((q) => kept[q.id] as string);
    const verbatim = texts.length ? texts.join('\n') : null;
    const locale = input.locale ?? localeOf(first.locale);
    let sentiment: Sentiment | null = null;
    const scorer = this.deps.scorer();
    if (verbatim && scorer) sentiment = await scorer.score([verbatim], locale).then((s) => clampSentiment(s[0]), () => null);

    const id = newId();
    await this.db.transaction(async (tx) => {
      const claimed = await query(
        tx,
        sql`update surveys.invitations set status = 'responded', responded_at = ${now.toISOString()}::timestamptz
            where customer_id = ${String(first.customer_id)}::uuid and id = ${String(first.id)}::uuid and status in ('scheduled', 'sent') and expires_at > ${now.toISOString()}::timestamptz
              and exists (select 1 from surveys.surveys s where s.id = survey_id and s.status <> 'archived')
            returning 1`,
      );
      if (claimed.length === 0) this.checkOpen(await this.resolve(tx, token), now);
      if (claimed.length === 0) throw conflict('surveys.already_answered', 'this survey was answered already; thank you');
      await query(
        tx,
        sql`insert into surveys.responses (id, survey_id, invitation_id, customer_id, store_code, guide_id, ticket_id, order_id, answers, nps, csat, verbatim, sentiment, sentiment_label, submitted_at)
            values (${id}::uuid, ${String(first.survey_id)}::uuid, ${String(first.id)}::uuid, ${String(first.customer_id)}::uuid, ${(first.store_code as string | null) ?? null},
                    ${(first.guide_id as string | null) ?? null}::uuid, ${(first.ticket_id as string | null) ?? null}::uuid, ${(first.order_id as string | null) ?? null}::uuid,
                    ${JSON.stringify(kept)}::jsonb, ${nps}, ${csat}, ${verbatim}, ${sentiment?.score ?? null}, ${sentiment?.label ?? null}, ${now.toISOString()}::timestamptz)`,
      );
      const ticketId = (first.ticket_id as string | null) ?? null;
      if (ticketId && (await queryOne(tx, sql`select 1 from service.tickets where id = ${ticketId}::uuid`)))
        await addTicketEvents(tx, [
          { ticketId, kind: 'survey_answered', visibility: 'internal', actor: 'system:surveys', detail: { survey: String(first.code), responseId: id, nps, csat }, at: now },
        ]);
      await publish(
        tx,
        SURVEY_EVENTS.responded,
        {
          responseId: id,
          surveyId: String(first.survey_id),
          surveyCode: String(first.code),
          invitationId: String(first.id),
          customerId: String(first.customer_id),
          ticketId,
          orderId: (first.order_id as string | null) ?? null,
          storeCode: (first.store_code as string | null) ?? null,
          guideId: (first.guide_id as string | null) ?? null,
          nps,
          csat,
          verbatim: verbatim !== null,
        },
        now,
      );
    });
    return { id, surveyId: String(first.survey_id), submittedAt: now.toISOString(), nps, csat, message: THANKS[locale] };
  }
}
