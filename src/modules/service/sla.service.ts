import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { systemClock, type Clock } from '../../platform/clock.js';
import { pgArray } from '../../platform/db/arrays.js';
import { query, queryOne, type Db } from '../../platform/db/database.js';
import { conflict, invalid, notFound, zodIssues, type FieldIssue } from '../../platform/errors.js';
import { publish } from '../../platform/events/event-bus.js';
import { newId } from '../../platform/ids.js';
import { addBusinessMinutes, businessMinutesBetween, calendarIssues, type BusinessCalendar, type OpenInterval } from './domain/business-time.js';
import { CalendarInput, CalendarPatch, PolicyInput, PolicyPatch, PreviewInput, type AppliesTo, type ResolveMinutes } from './sla.schemas.js';
import { LIVE_STATUSES, SERVICE_EVENTS, SLA_TARGETS, type SlaPort, type SlaTarget, type TicketEventInput } from './service.contract.js';
import { addTicketEvents } from './timeline.js';

export interface Calendar {
  id: string;
  code: string;
  name: string;
  timeZone: string;
  week: Record<string, Array<[string, string]>>;
  holidays: string[];
  workdays: string[];
  workdayHours: Array<[string, string]> | null;
  createdAt: string;
  updatedAt: string;
}

export interface SlaPolicy {
  id: string;
  code: string;
  name: string;
  status: 'active' | 'archived';
  priority: number;
  appliesTo: AppliesTo;
  calendarId: string | null;
  /** The calendar's code (null: around the clock). */
  calendar: string | null;
  ackMinutes: number;
  firstReplyMinutes: number;
  resolveMinutes: ResolveMinutes;
  warnPercent: number;
  createdAt: string;
  updatedAt: string;
}

/** A policy as the clocks use it: its calendar ready for business-time arithmetic. */
export interface RuntimePolicy {
  id: string;
  code: string;
  status: string;
  priority: number;
  appliesTo: AppliesTo;
  ackMinutes: number;
  firstReplyMinutes: number;
  resolveMinutes: ResolveMinutes;
  warnPercent: number;
  calendar: BusinessCalendar | null;
}

/** The columns of a ticket the clocks derive from. */
export interface SlaTicket {
  id: string;
  kind: string;
  channel: string;
  category: string | null;
  severity: string | null;
  status: string;
  receivedAt: Date;
  ackedAt: Date | null;
  firstRepliedAt: Date | null;
  resolvedAt: Date | null;
  pausedAt: Date | null;
  pausedMinutes: number;
  slaPolicyId: string | null;
  slaWarned: string[];
  slaBreached: string[];
}

export interface TargetClock {
  target: SlaTarget;
  /** Business minutes the target allows (null: the policy sets none, e.g. no resolution target for the severity). */
  minutes: number | null;
  dueAt: Date | null;
  warnAt: Date | null;
  metAt: Date | null;
  /** The clock runs: the ticket is live, the target unmet and (resolution) not paused. */
  running: boolean;
  paused: boolean;
}

export interface SlaState {
  policyId: string | null;
  ackDueAt: Date | null;
  firstReplyDueAt: Date | null;
  resolveDueAt: Date | null;
  pausedAt: Date | null;
  pausedMinutes: number;
  nextDueAt: Date | null;
  nextAlertAt: Date | null;
  targets: TargetClock[];
}

/** A ticket's clocks as the API shows them. */
export interface TicketSla {
  ticketId: string;
  policy: string | null;
  status: string;
  pausedAt: string | null;
  pausedMinutes: number;
  nextDueAt: string | null;
  nextAlertAt: string | null;
  escalationLevel: number;
  targets: Array<{
    target: SlaTarget;
    minutes: number | null;
    dueAt: string | null;
    warnAt: string | null;
    metAt: string | null;
    running: boolean;
    paused: boolean;
    warned: boolean;
    breached: boolean;
    /** Business minutes left until the due instant at the time asked (negative once overdue); null when not running. */
    minutesLeft: number | null;
  }>;
}

export interface ScanResult {
  /** Tickets looked at (their next_alert_at had come). */
  tickets: number;
  warnings: number;
  breaches: number;
  escalations: number;
}

type Row = Record<string, unknown>;
const json = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));
const iso = (v: unknown) => (v == null ? null : (v instanceof Date ? v : new Date(String(v))).toISOString());
const date = (v: unknown) => (v == null ? null : v instanceof Date ? v : new Date(String(v)));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LIVE = new Set<string>(LIVE_STATUSES);
const ACTOR = 'system:sla';
const CHUNK = 200;

/** The default calendar: open 09:00–21:00 every day. */
const LONG_DAY: Array<[string, string]> = [['09:00', '21:00']];

/**
 * Public holidays in mainland China (国务院办公厅关于2026年部分节假日安排的通知, 2025-11-04) and their make-up working days.
 * 2027: the statutory days of 全国年节及纪念日放假办法 (元旦 1, 春节 除夕–初三 4, 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3)
 * from the lunar calendar; the State Council's 2027 arrangement (bridging days, 调休) was not published when this was
 * written — add it to the calendar (PATCH /api/v1/service/calendars/default) when it is.
 */
export const CN_HOLIDAYS: Record<number, { holidays: string[]; workdays: string[] }> = {
  2026: {
    holidays: [
      '2026-01-01', '2026-01-02', '2026-01-03',
      '2026-02-15', '2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19', '2026-02-20', '2026-02-21', '2026-02-22', '2026-02-23',
      '2026-04-04', '2026-04-05', '2026-04-06',
      '2026-05-01', '2026-05-02', '2026-05-03', '2026-05-04', '2026-05-05',
      '2026-06-19', '2026-06-20', '2026-06-21',
      '2026-09-25', '2026-09-26', '2026-09-27',
      '2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05', '2026-10-06', '2026-10-07',
    ],
    workdays: ['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10'],
  },
  2027: {
    holidays: ['2027-01-01', '2027-02-05', '2027-02-06', '2027-02-07', '2027-02-08', '2027-04-05', '2027-05-01', '2027-05-02', '2027-06-09', '2027-09-15', '2027-10-01', '2027-10-02', '2027-10-03'],
    workdays: [],
  },
};

/**
 * The seeds' standard policy: received (acknowledged) within 60 business minutes, first reply within 1,440 (24 h of
 * business time), warn at 75 %. Resolution by severity, in business minutes of the default calendar's 12-hour days:
 * severe (loss caused by quality) 720 — one business day, the fastest: refund and compensation are decided, not
 * shipped; minor (late delivery) 1,440 — two days, a coupon or priority shipping; medium (damaged product) 2,880 —
 * four days, an exchange has to travel; default (inquiries, suggestions, return requests) 2,880.
 */
export const STANDARD_POLICY = {
  code: 'standard',
  name: '标准服务时限 Standard SLA',
  priority: 100,
  appliesTo: {},
  ackMinutes: 60,
  firstReplyMinutes: 1440,
  resolveMinutes: { severe: 720, minor: 1440, medium: 2880, default: 2880 },
  warnPercent: 75,
} as const;

function toCalendar(r: Row): Calendar {
  return {
    id: String(r.id),
    code: String(r.code),
    name: String(r.name),
    timeZone: String(r.time_zone),
    week: json<Calendar['week']>(r.week),
    holidays: json<string[]>(r.holidays_json) ?? [],
    workdays: json<string[]>(r.workdays_json) ?? [],
    workdayHours: json<Calendar['workdayHours']>(r.workday_hours) ?? null,
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
  };
}

function toPolicy(r: Row): SlaPolicy {
  return {
    id: String(r.id),
    code: String(r.code),
    name: String(r.name),
    status: r.status as SlaPolicy['status'],
    priority: Number(r.priority),
    appliesTo: json<AppliesTo>(r.applies_to) ?? {},
    calendarId: (r.calendar_id as string | null) ?? null,
    calendar: (r.calendar_code as string | null) ?? null,
    ackMinutes: Number(r.ack_minutes),
    firstReplyMinutes: Number(r.first_reply_minutes),
    resolveMinutes: json<ResolveMinutes>(r.resolve_minutes),
    warnPercent: Number(r.warn_percent),
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
  };
}

function toSlaTicket(r: Row): SlaTicket {
  return {
    id: String(r.id),
    kind: String(r.kind),
    channel: String(r.channel),
    category: (r.category as string | null) ?? null,
    severity: (r.severity as string | null) ?? null,
    status: String(r.status),
    receivedAt: date(r.received_at)!,
    ackedAt: date(r.acked_at),
    firstRepliedAt: date(r.first_replied_at),
    resolvedAt: date(r.resolved_at),
    pausedAt: date(r.paused_at),
    pausedMinutes: Number(r.paused_minutes ?? 0),
    slaPolicyId: (r.sla_policy_id as string | null) ?? null,
    slaWarned: (r.sla_warned as string[] | null) ?? [],
    slaBreached: (r.sla_breached as string[] | null) ?? [],
  };
}

/** Whether a policy's `applies_to` takes a ticket: each list given must contain the ticket's value. */
export function policyMatches(a: AppliesTo, t: Pick<SlaTicket, 'kind' | 'channel' | 'category' | 'severity'>): boolean {
  const has = (list: readonly string[] | undefined, v: string | null) => !list || list.length === 0 || (v !== null && list.includes(v));
  return has(a.kinds, t.kind) && has(a.channels, t.channel) && has(a.categories, t.category) && has(a.severities, t.severity);
}

/** The first active policy (policies come sorted by priority, then code) that takes the ticket. */
export function pickPolicy(policies: readonly RuntimePolicy[], t: SlaTicket): RuntimePolicy | undefined {
  return policies.find((p) => p.status === 'active' && policyMatches(p.appliesTo, t));
}

function resolveMinutesFor(p: RuntimePolicy, severity: string | null): number | null {
  const rm = p.resolveMinutes as Record<string, number | undefined>;
  return (severity ? rm[severity] : undefined) ?? rm.default ?? null;
}

const minDate = (ds: Array<Date | null>) => ds.reduce<Date | null>((m, d) => (d && (!m || d < m) ? d : m), null);

/**
 * A ticket's clocks at `at`, derived from its row and its policy (pure; refresh and the scan both use it):
 * the pause (pending sets `pausedAt`; leaving pending adds the business minutes since to `pausedMinutes`), each target's
 * due and warning instant (`warnPercent` of its minutes, from `received_at` in business minutes, resolution plus the
 * paused minutes), `nextDueAt` (earliest running due) and `nextAlertAt` (earliest warning or breach not yet raised).
 * Acknowledgement counts as met by the first reply too. Nothing runs once the ticket is resolved or closed.
 */
export function deriveSla(t: SlaTicket, policy: RuntimePolicy | undefined, at: Date, raised: { warned: readonly string[]; breached: readonly string[] } = { warned: t.slaWarned, breached: t.slaBreached }): SlaState {
  const live = LIVE.has(t.status);
  let pausedAt = t.pausedAt;
  let pausedMinutes = t.pausedMinutes;
  if (t.status === 'pending' && !pausedAt) pausedAt = at;
  else if (t.status !== 'pending' && pausedAt) {
    const end = at > pausedAt ? at : pausedAt;
    pausedMinutes += Math.floor(businessMinutesBetween(pausedAt, end, policy?.calendar ?? null));
    pausedAt = null;
  }
  if (!policy)
    return { policyId: null, ackDueAt: null, firstReplyDueAt: null, resolveDueAt: null, pausedAt, pausedMinutes, nextDueAt: null, nextAlertAt: null, targets: [] };
  const cal = policy.calendar;
  const clock = (target: SlaTarget, minutes: number | null, extra: number, metAt: Date | null, paused: boolean): TargetClock => {
    if (minutes === null) return { target, minutes, dueAt: null, warnAt: null, metAt, running: false, paused };
    const dueAt = addBusinessMinutes(t.receivedAt, minutes + extra, cal);
    const warnAt = addBusinessMinutes(t.receivedAt, (minutes * policy.warnPercent) / 100 + extra, cal);
    return { target, minutes, dueAt, warnAt, metAt, running: live && !metAt && !paused, paused };
  };
  const resolvedAt = live ? null : (t.resolvedAt ?? null);
  const targets = [
    clock('ack', policy.ackMinutes, 0, minDate([t.ackedAt, t.firstRepliedAt]), false),
    clock('first_reply', policy.firstReplyMinutes, 0, t.firstRepliedAt, false),
    clock('resolve', resolveMinutesFor(policy, t.severity), pausedMinutes, resolvedAt, pausedAt !== null),
  ];
  const running = targets.filter((c) => c.running);
  const nextAlertAt = minDate(
    running.map((c) => {
      if (raised.breached.includes(c.target)) return null;
      if (!raised.warned.includes(c.target) && c.warnAt! < c.dueAt!) return c.warnAt;
      return c.dueAt;
    }),
  );
  return {
    policyId: policy.id,
    ackDueAt: targets[0]!.dueAt,
    firstReplyDueAt: targets[1]!.dueAt,
    resolveDueAt: targets[2]!.dueAt,
    pausedAt,
    pausedMinutes,
    nextDueAt: minDate(running.map((c) => c.dueAt)),
    nextAlertAt,
    targets,
  };
}

const failWith = (code: string) => (issues: FieldIssue[]) => invalid(code, `${issues[0]!.path}: ${issues[0]!.message}`, issues);
const calendarFail = failWith('service.invalid_calendar');
const policyFail = failWith('service.invalid_sla_policy');

function parse<T extends z.ZodType>(schema: T, input: unknown, fail: (issues: FieldIssue[]) => Error): z.output<T> {
  const r = schema.safeParse(input);
  if (!r.success) throw fail(zodIssues(r.error.issues));
  return r.data;
}

/**
 * SLA: service calendars and policies (CRUD), the clocks of tickets (`refresh`, the SlaPort tickets call after every
 * change) and the alerts (`scan`, every minute: warnings, breaches, escalation to the queue's manager).
 */
export class SlaService implements SlaPort {
  private clockImpl: Clock = systemClock;
  private readonly clock: Clock = { now: () => this.clockImpl.now() };
  /** Calendars ready for arithmetic, by id and updated_at (their per-day spans are cached inside). */
  private readonly calendars = new Map<string, BusinessCalendar>();

  constructor(
    private readonly db: Db,
    private readonly opts: { timeZone: string },
  ) {}

  /** Tests: a fake clock for the changes' timestamps (refresh and scan take their instant). */
  useClock(clock: Clock): void {
    this.clockImpl = clock;
  }

  // ------------------------------------------------------------------ calendars

  private calendarSelect(where: ReturnType<typeof sql>) {
    return sql`select c.*, to_jsonb(c.holidays::text[]) as holidays_json, to_jsonb(c.workdays::text[]) as workdays_json from service.calendars c where ${where}`;
  }

  async listCalendars(): Promise<Calendar[]> {
    const rows = await query<Row>(this.db, sql`${this.calendarSelect(sql`true`)} order by c.code collate "C"`);
    return rows.map(toCalendar);
  }

  private async calendarRow(db: Db, idOrCode: string, lock = false): Promise<Calendar> {
    const where = UUID.test(idOrCode) ? sql`c.id = ${idOrCode}::uuid` : sql`c.code = ${idOrCode}`;
    const r = await queryOne<Row>(db, lock ? sql`${this.calendarSelect(where)} for update` : this.calendarSelect(where));
    if (!r) throw notFound('service.calendar_not_found', `no calendar ${idOrCode}`);
    return toCalendar(r);
  }

  async getCalendar(idOrCode: string): Promise<Calendar> {
    return this.calendarRow(this.db, idOrCode);
  }

  async createCalendar(input: unknown): Promise<Calendar> {
    const c = parse(CalendarInput, input, calendarFail);
    const id = newId();
    const now = this.clock.now().toISOString();
    await this.db.transaction(async (tx) => {
      const dup = await queryOne(tx, sql`select 1 from service.calendars where code = ${c.code}`);
      if (dup) throw conflict('service.calendar_code_taken', `a calendar has the code ${c.code}`);
      await this.insertCalendar(tx, id, c, now);
    });
    return this.getCalendar(id);
  }

  private async insertCalendar(tx: Db, id: string, c: CalendarInput, now: string, onConflict = false): Promise<void> {
    await query(
      tx,
      sql`insert into service.calendars (id, code, name, time_zone, week, holidays, workdays, workday_hours, created_at, updated_at)
          values (${id}::uuid, ${c.code}, ${c.name}, ${c.timeZone}, ${JSON.stringify(c.week)}::jsonb, ${pgArray(uniqueSorted(c.holidays), 'text')}::date[],
                  ${pgArray(uniqueSorted(c.workdays), 'text')}::date[], ${c.workdayHours ? JSON.stringify(c.workdayHours) : null}::jsonb, ${now}, ${now})
          ${onConflict ? sql`on conflict (code) do nothing` : sql``}`,
    );
  }

  /** Changes a calendar (checked whole after the change); the live tickets whose policy counts in it get new due instants. */
  async updateCalendar(idOrCode: string, input: unknown): Promise<Calendar> {
    const patch = parse(CalendarPatch, input, calendarFail);
    const now = this.clock.now();
    const id = await this.db.transaction(async (tx) => {
      const cur = await this.calendarRow(tx, idOrCode, true);
      const next = {
        timeZone: patch.timeZone ?? cur.timeZone,
        week: patch.week ?? cur.week,
        holidays: patch.holidays ?? cur.holidays,
        workdays: patch.workdays ?? cur.workdays,
        workdayHours: patch.workdayHours !== undefined ? patch.workdayHours : cur.workdayHours,
      };
      const issues = calendarIssues(next);
      if (issues.length > 0) throw calendarFail(issues);
      await query(
        tx,
        sql`update service.calendars set name = ${patch.name ?? cur.name}, time_zone = ${next.timeZone}, week = ${JSON.stringify(next.week)}::jsonb,
              holidays = ${pgArray(uniqueSorted(next.holidays), 'text')}::date[], workdays = ${pgArray(uniqueSorted(next.workdays), 'text')}::date[],
              workday_hours = ${next.workdayHours ? JSON.stringify(next.workdayHours) : null}::jsonb, updated_at = ${now.toISOString()}
            where id = ${cur.id}::uuid`,
      );
      await this.refreshWhere(tx, sql`sla_policy_id in (select id from service.sla_policies where calendar_id = ${cur.id}::uuid)`, now);
      return cur.id;
    });
    return this.getCalendar(id);
  }

  /** Deletes a calendar no policy counts in (409 otherwise). */
  async deleteCalendar(idOrCode: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const cur = await this.calendarRow(tx, idOrCode, true);
      const used = await query<{ code: string }>(tx, sql`select code from service.sla_policies where calendar_id = ${cur.id}::uuid order by code`);
      if (used.length > 0) throw conflict('service.calendar_in_use', `the calendar ${cur.code} is used by the SLA policies ${used.map((u) => u.code).join(', ')}`);
      await query(tx, sql`delete from service.calendars where id = ${cur.id}::uuid`);
    });
  }

  /** The due instant `minutes` business minutes after `from` in a calendar, and the business minutes between (the console's preview). */
  async preview(idOrCode: string, input: unknown): Promise<{ calendar: string; from: string; minutes: number; dueAt: string }> {
    const p = parse(PreviewInput, input, calendarFail);
    const cal = await this.getCalendar(idOrCode);
    const dueAt = addBusinessMinutes(new Date(p.from), p.minutes, this.runtimeCalendar(cal.id, cal.updatedAt, cal));
    return { calendar: cal.code, from: new Date(p.from).toISOString(), minutes: p.minutes, dueAt: dueAt.toISOString() };
  }

  private runtimeCalendar(id: string, updatedAt: string, c: Pick<Calendar, 'timeZone' | 'week' | 'holidays' | 'workdays' | 'workdayHours'>): BusinessCalendar {
    const key = `${id}|${updatedAt}`;
    let cal = this.calendars.get(key);
    if (!cal) {
      cal = { timeZone: c.timeZone, week: c.week as Record<string, OpenInterval[]>, holidays: c.holidays, workdays: c.workdays, workdayHours: c.workdayHours };
      if (this.calendars.size > 100) this.calendars.clear();
      this.calendars.set(key, cal);
    }
    return cal;
  }

  // ------------------------------------------------------------------ policies

  private policySelect(where: ReturnType<typeof sql>) {
    return sql`select p.*, c.code as calendar_code from service.sla_policies p left join service.calendars c on c.id = p.calendar_id where ${where}`;
  }

  async listPolicies(filter: { status?: 'active' | 'archived' } = {}): Promise<SlaPolicy[]> {
    const where = filter.status ? sql`p.status = ${filter.status}` : sql`true`;
    const rows = await query<Row>(this.db, sql`${this.policySelect(where)} order by p.priority, p.code collate "C"`);
    return rows.map(toPolicy);
  }

  private async policyRow(db: Db, idOrCode: string, lock = false): Promise<SlaPolicy> {
    const where = UUID.test(idOrCode) ? sql`p.id = ${idOrCode}::uuid` : sql`p.code = ${idOrCode}`;
    const r = await queryOne<Row>(db, lock ? sql`${this.policySelect(where)} for update of p` : this.policySelect(where));
    if (!r) throw notFound('service.sla_policy_not_found', `no SLA policy ${idOrCode}`);
    return toPolicy(r);
  }

  async getPolicy(idOrCode: string): Promise<SlaPolicy> {
    return this.policyRow(this.db, idOrCode);
  }

  private async calendarIdOf(tx: Db, code: string | null): Promise<string | null> {
    if (code === null) return null;
    const r = await queryOne<{ id: string }>(tx, sql`select id from service.calendars where code = ${code}`);
    if (!r) throw policyFail([{ path: 'calendar', message: `no calendar ${code}` }]);
    return r.id;
  }

  async createPolicy(input: unknown): Promise<SlaPolicy> {
    const p = parse(PolicyInput, input, policyFail);
    const id = newId();
    const now = this.clock.now().toISOString();
    await this.db.transaction(async (tx) => {
      const dup = await queryOne(tx, sql`select 1 from service.sla_policies where code = ${p.code}`);
      if (dup) throw conflict('service.sla_policy_code_taken', `an SLA policy has the code ${p.code}`);
      const calendarId = await this.calendarIdOf(tx, p.calendar);
      await query(
        tx,
        sql`insert into service.sla_policies (id, code, name, status, priority, applies_to, calendar_id, ack_minutes, first_reply_minutes, resolve_minutes, warn_percent, created_at, updated_at)
            values (${id}::uuid, ${p.code}, ${p.name}, ${p.status}, ${p.priority}, ${JSON.stringify(p.appliesTo)}::jsonb, ${calendarId}::uuid, ${p.ackMinutes},
                    ${p.firstReplyMinutes}, ${JSON.stringify(p.resolveMinutes)}::jsonb, ${p.warnPercent}, ${now}, ${now})`,
      );
    });
    return this.getPolicy(id);
  }

  /**
   * Changes a policy. The live tickets already on it get their due instants again from the new targets (alerts
   * already raised stay raised); a new priority or applies_to concerns the tickets that come in from now on.
   */
  async updatePolicy(idOrCode: string, input: unknown): Promise<SlaPolicy> {
    const patch = parse(PolicyPatch, input, policyFail);
    const now = this.clock.now();
    const id = await this.db.transaction(async (tx) => {
      const cur = await this.policyRow(tx, idOrCode, true);
      const calendarId = patch.calendar !== undefined ? await this.calendarIdOf(tx, patch.calendar) : cur.calendarId;
      await query(
        tx,
        sql`update service.sla_policies set name = ${patch.name ?? cur.name}, status = ${patch.status ?? cur.status}, priority = ${patch.priority ?? cur.priority},
              applies_to = ${JSON.stringify(patch.appliesTo ?? cur.appliesTo)}::jsonb, calendar_id = ${calendarId}::uuid,
              ack_minutes = ${patch.ackMinutes ?? cur.ackMinutes}, first_reply_minutes = ${patch.firstReplyMinutes ?? cur.firstReplyMinutes},
              resolve_minutes = ${JSON.stringify(patch.resolveMinutes ?? cur.resolveMinutes)}::jsonb, warn_percent = ${patch.warnPercent ?? cur.warnPercent},
              updated_at = ${now.toISOString()}
            where id = ${cur.id}::uuid`,
      );
      await this.refreshWhere(tx, sql`sla_policy_id = ${cur.id}::uuid`, now);
      return cur.id;
    });
    return this.getPolicy(id);
  }

  /**
   * The seeds, once: the calendar `default` (the business zone, 09:00–21:00 every day, China's 2026 and 2027 public
   * holidays and make-up days) and the policy `standard` (STANDARD_POLICY). Existing codes are left as they are.
   */
  async ensureDefaults(): Promise<{ calendar: string; policy: string }> {
    const now = this.clock.now().toISOString();
    await this.db.transaction(async (tx) => {
      const years = Object.values(CN_HOLIDAYS);
      await this.insertCalendar(
        tx,
        newId(),
        {
          code: 'default',
          name: '默认营业时间 Default business hours',
          timeZone: this.opts.timeZone,
          week: Object.fromEntries([1, 2, 3, 4, 5, 6, 7].map((d) => [String(d), LONG_DAY])),
          holidays: years.flatMap((y) => y.holidays),
          workdays: years.flatMap((y) => y.workdays),
          workdayHours: null,
        },
        now,
        true,
      );
      const cal = await queryOne<{ id: string }>(tx, sql`select id from service.calendars where code = 'default'`);
      const s = STANDARD_POLICY;
      await query(
        tx,
        sql`insert into service.sla_policies (id, code, name, status, priority, applies_to, calendar_id, ack_minutes, first_reply_minutes, resolve_minutes, warn_percent, created_at, updated_at)
            values (${newId()}::uuid, ${s.code}, ${s.name}, 'active', ${s.priority}, ${JSON.stringify(s.appliesTo)}::jsonb, ${cal!.id}::uuid, ${s.ackMinutes},
                    ${s.firstReplyMinutes}, ${JSON.stringify(s.resolveMinutes)}::jsonb, ${s.warnPercent}, ${now}, ${now})
            on conflict (code) do nothing`,
      );
    });
    return { calendar: 'default', policy: 'standard' };
  }

  /** Every policy (active and archived, sorted by priority then code) with its calendar ready for arithmetic. */
  async runtimePolicies(db: Db = this.db): Promise<RuntimePolicy[]> {
    const rows = await query<Row>(
      db,
      sql`select p.*, c.time_zone, c.week, to_jsonb(c.holidays::text[]) as holidays_json, to_jsonb(c.workdays::text[]) as workdays_json, c.workday_hours, c.updated_at as calendar_updated_at
          from service.sla_policies p left join service.calendars c on c.id = p.calendar_id
          order by p.priority, p.code collate "C"`,
    );
    return rows.map((r) => ({
      id: String(r.id),
      code: String(r.code),
      status: String(r.status),
      priority: Number(r.priority),
      appliesTo: json<AppliesTo>(r.applies_to) ?? {},
      ackMinutes: Number(r.ack_minutes),
      firstReplyMinutes: Number(r.first_reply_minutes),
      resolveMinutes: json<ResolveMinutes>(r.resolve_minutes),
      warnPercent: Number(r.warn_percent),
      calendar:
        r.calendar_id == null
          ? null
          : this.runtimeCalendar(String(r.calendar_id), iso(r.calendar_updated_at)!, {
              timeZone: String(r.time_zone),
              week: json<Calendar['week']>(r.week),
              holidays: json<string[]>(r.holidays_json) ?? [],
              workdays: json<string[]>(r.workdays_json) ?? [],
              workdayHours: json<Calendar['workdayHours']>(r.workday_hours) ?? null,
            }),
    }));
  }

  // ------------------------------------------------------------------ clocks

  /**
   * The SlaPort: derives the clocks of the tickets from their rows, in the caller's transaction (see
   * service.contract.ts). Idempotent; one read and one write for the whole set.
   */
  async refresh(tx: Db, ticketIds: readonly string[], at: Date): Promise<void> {
    const ids = [...new Set(ticketIds)];
    if (ids.length === 0) return;
    const policies = await this.runtimePolicies(tx);
    for (let i = 0; i < ids.length; i += 1000) {
      const rows = await query<Row>(tx, sql`select * from service.tickets where id = any(${pgArray(ids.slice(i, i + 1000), 'uuid')}) order by id for update`);
      const states = rows.map((r) => {
        const t = toSlaTicket(r);
        const policy = t.slaPolicyId ? policies.find((p) => p.id === t.slaPolicyId) : pickPolicy(policies, t);
        return { t, s: deriveSla(t, policy, at) };
      });
      await this.writeStates(tx, states);
    }
  }

  /** Refreshes the live tickets a condition selects (after a policy or calendar changed), in chunks. */
  private async refreshWhere(tx: Db, where: ReturnType<typeof sql>, at: Date): Promise<void> {
    const rows = await query<{ id: string }>(tx, sql`select id from service.tickets where status in ('new', 'open', 'pending') and ${where}`);
    await this.refresh(
      tx,
      rows.map((r) => r.id),
      at,
    );
  }

  private async writeStates(tx: Db, states: Array<{ t: SlaTicket; s: SlaState; warned?: string[]; breached?: string[] }>): Promise<void> {
    if (states.length === 0) return;
    const col = <T>(f: (x: (typeof states)[number]) => T) => states.map(f);
    await query(
      tx,
      sql`update service.tickets t set sla_policy_id = x.policy, ack_due_at = x.ack, first_reply_due_at = x.fr, resolve_due_at = x.res, paused_at = x.paused_at,
            paused_minutes = x.paused_minutes, next_due_at = x.next_due, next_alert_at = x.next_alert,
            sla_warned = string_to_array(x.warned, ','), sla_breached = string_to_array(x.breached, ',')
          from unnest(${pgArray(
            col((x) => x.t.id),
            'uuid',
          )}, ${pgArray(
            col((x) => x.s.policyId),
            'uuid',
          )}, ${pgArray(
            col((x) => x.s.ackDueAt),
            'timestamptz',
          )}, ${pgArray(
            col((x) => x.s.firstReplyDueAt),
            'timestamptz',
          )}, ${pgArray(
            col((x) => x.s.resolveDueAt),
            'timestamptz',
          )}, ${pgArray(
            col((x) => x.s.pausedAt),
            'timestamptz',
          )}, ${pgArray(
            col((x) => x.s.pausedMinutes),
            'int',
          )}, ${pgArray(
            col((x) => x.s.nextDueAt),
            'timestamptz',
          )}, ${pgArray(
            col((x) => x.s.nextAlertAt),
            'timestamptz',
          )}, ${pgArray(
            col((x) => (x.warned ?? x.t.slaWarned).join(',')),
            'text',
          )}, ${pgArray(
            col((x) => (x.breached ?? x.t.slaBreached).join(',')),
            'text',
          )}) as x(id, policy, ack, fr, res, paused_at, paused_minutes, next_due, next_alert, warned, breached)
          where t.id = x.id`,
    );
  }

  /**
   * Raises the alerts that have come by `at`: tickets whose `next_alert_at` ≤ `at`, claimed in chunks with FOR UPDATE
   * SKIP LOCKED (two scans at once never take the same ticket; `sla_warned` / `sla_breached` are read under the lock,
   * so each alert fires once). A warning (`sla_warning`) when `warnPercent` of a target's business time is used; a
   * breach (`sla_breach`) when an unmet due instant arrives, which escalates the ticket once per scan: level + 1,
   * `escalated_at`, the assignee becomes the queue's manager when it has one (`escalated`, with the previous assignee),
   * and `service.sla.breached` per target. A breach marks the target warned too (no warning after its due).
   */
  async scan(at: Date): Promise<ScanResult> {
    const out: ScanResult = { tickets: 0, warnings: 0, breaches: 0, escalations: 0 };
    const policies = await this.runtimePolicies();
    const seen = new Set<string>();
    for (;;) {
      const claimed = await this.db.transaction(async (tx) => {
        const rows = await query<Row>(
          tx,
          sql`select t.*, q.manager_id as queue_manager_id from service.tickets t left join service.queues q on q.id = t.queue_id
              where t.next_alert_at <= ${at.toISOString()}::timestamptz
              order by t.next_alert_at, t.id limit ${CHUNK}
              for update of t skip locked`,
        );
        const fresh = rows.filter((r) => !seen.has(String(r.id)));
        for (const r of rows) seen.add(String(r.id));
        await this.raise(tx, fresh, policies, at, out);
        return { rows: rows.length, fresh: fresh.length };
      });
      // A full chunk of only tickets seen before means their alerts cannot move past `at` (a broken policy): stop.
      if (claimed.rows < CHUNK || claimed.fresh === 0) break;
    }
    return out;
  }

  private async raise(tx: Db, rows: Row[], policies: RuntimePolicy[], at: Date, out: ScanResult): Promise<void> {
    if (rows.length === 0) return;
    const events: TicketEventInput[] = [];
    const states: Array<{ t: SlaTicket; s: SlaState; warned: string[]; breached: string[] }> = [];
    const escalations: Array<{ id: string; from: string | null; to: string | null; level: number; targets: SlaTarget[] }> = [];
    for (const r of rows) {
      const t = toSlaTicket(r);
      const policy = t.slaPolicyId ? policies.find((p) => p.id === t.slaPolicyId) : pickPolicy(policies, t);
      const before = deriveSla(t, policy, at);
      const warned = new Set(t.slaWarned);
      const breached = new Set(t.slaBreached);
      const newBreaches: TargetClock[] = [];
      for (const c of before.targets) {
        if (!c.running || breached.has(c.target)) continue;
        if (c.dueAt! <= at) {
          breached.add(c.target);
          warned.add(c.target);
          newBreaches.push(c);
          events.push({ ticketId: t.id, kind: 'sla_breach', actor: ACTOR, at, detail: { target: c.target, dueAt: c.dueAt!.toISOString(), minutes: c.minutes, policy: policy!.code } });
          out.breaches++;
        } else if (!warned.has(c.target) && c.warnAt! <= at && c.warnAt! < c.dueAt!) {
          warned.add(c.target);
          events.push({
            ticketId: t.id,
            kind: 'sla_warning',
            actor: ACTOR,
            at,
            detail: { target: c.target, dueAt: c.dueAt!.toISOString(), warnAt: c.warnAt!.toISOString(), percent: policy!.warnPercent, minutesLeft: Math.round(businessMinutesBetween(at, c.dueAt!, policy!.calendar)), policy: policy!.code },
          });
          out.warnings++;
        }
      }
      const raised = { warned: SLA_TARGETS.filter((x) => warned.has(x)), breached: SLA_TARGETS.filter((x) => breached.has(x)) };
      const s = deriveSla(t, policy, at, raised);
      states.push({ t, s, warned: raised.warned, breached: raised.breached });
      if (newBreaches.length > 0) {
        const from = (r.assignee_id as string | null) ?? null;
        const manager = (r.queue_manager_id as string | null) ?? null;
        const to = manager ?? from;
        const level = Number(r.escalation_level ?? 0) + 1;
        const targets = newBreaches.map((c) => c.target);
        escalations.push({ id: t.id, from, to, level, targets });
        events.push({ ticketId: t.id, kind: 'escalated', actor: ACTOR, at, detail: { level, targets, previousAssigneeId: from, assigneeId: to, managerId: manager } });
        for (const c of newBreaches) await publish(tx, SERVICE_EVENTS.breached, { ticketId: t.id, target: c.target, dueAt: c.dueAt!.toISOString(), managerId: manager }, at);
        out.escalations++;
      }
    }
    out.tickets += rows.length;
    await this.writeStates(tx, states);
    if (escalations.length > 0)
      await query(
        tx,
        sql`update service.tickets t set escalation_level = x.level, escalated_at = ${at.toISOString()}::timestamptz, assignee_id = x.assignee, updated_at = ${at.toISOString()}::timestamptz
            from unnest(${pgArray(
              escalations.map((e) => e.id),
              'uuid',
            )}, ${pgArray(
              escalations.map((e) => e.level),
              'int',
            )}, ${pgArray(
              escalations.map((e) => e.to),
              'uuid',
            )}) as x(id, level, assignee)
            where t.id = x.id`,
      );
    await addTicketEvents(tx, events);
  }

  /** A ticket's clocks at `at` (default now): each target's due, warning and met instants, and the business minutes left. */
  async ticketSla(ticketId: string, at: Date = this.clock.now()): Promise<TicketSla> {
    if (!UUID.test(ticketId)) throw notFound('service.ticket_not_found', `no ticket ${ticketId}`);
    const r = await queryOne<Row>(this.db, sql`select * from service.tickets where id = ${ticketId}::uuid`);
    if (!r) throw notFound('service.ticket_not_found', `no ticket ${ticketId}`);
    const t = toSlaTicket(r);
    const policies = await this.runtimePolicies();
    const policy = t.slaPolicyId ? policies.find((p) => p.id === t.slaPolicyId) : undefined;
    const s = deriveSla(t, policy, at);
    return {
      ticketId: t.id,
      policy: policy?.code ?? null,
      status: t.status,
      pausedAt: iso(s.pausedAt),
      pausedMinutes: s.pausedMinutes,
      nextDueAt: iso(s.nextDueAt),
      nextAlertAt: iso(r.next_alert_at),
      escalationLevel: Number(r.escalation_level ?? 0),
      targets: s.targets.map((c) => ({
        target: c.target,
        minutes: c.minutes,
        dueAt: iso(c.dueAt),
        warnAt: iso(c.warnAt),
        metAt: iso(c.metAt),
        running: c.running,
        paused: c.paused,
        warned: t.slaWarned.includes(c.target),
        breached: t.slaBreached.includes(c.target),
        minutesLeft: c.running && c.dueAt ? Math.round(businessMinutesBetween(at, c.dueAt, policy!.calendar)) : null,
      })),
    };
  }
}

function uniqueSorted(dates: readonly string[]): string[] {
  return [...new Set(dates)].sort();
}
