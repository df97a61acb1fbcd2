import { sql, type SQL } from 'drizzle-orm';
import type { z } from 'zod';
import { localDate, systemClock, type Clock } from '../../platform/clock.js';
import { query, queryOne, type Db } from '../../platform/db/database.js';
import { pgArray } from '../../platform/db/arrays.js';
import { AppError, conflict, invalid, notFound, zodIssues } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import type { LedgerService } from '../loyalty/index.js';
import type { CouponsService } from '../promotions/index.js';
import {
  AlertCrisisInput,
  CloseInput,
  CompensateInput,
  CrisisInput,
  PostInput,
  RefreshAffectedInput,
  type AffectedQuery,
  type AffectedReason,
  type CrisisListQuery,
  type CrisisSeverity,
  type CrisisStatus,
} from './crises.schemas.js';
import { type Notify } from './listening.schemas.js';
import { crisisFilter, hourOf } from './mentions.service.js';
import type { NotificationsService, StaffNotice } from './notifications.service.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
/** Reminders come this long before a deadline. */
export const REMINDER_MINUTES = 15;
/** An hour's share counts towards the peak only with this many mentions: one negative post alone is not a 100 % peak. */
export const PEAK_MIN_MENTIONS = 5;
/** The "latest" negative share: the hours up to the end (or now), the one in progress included. */
export const LATEST_HOURS = 6;

export interface CrisesDeps {
  db: Db;
  clock?: Clock;
  notifications: Pick<NotificationsService, 'queue'>;
  coupons: Pick<CouponsService, 'issueCompensation'>;
  ledger: Pick<LedgerService, 'adjust'>;
  /** The zone of the negative share's day buckets (default Asia/Shanghai). */
  timeZone?: string;
}

/** A crisis as the API shows it. `status` is `monitoring` while responding with the latest share at or below the target. */
export interface Crisis {
  id: string;
  number: number;
  title: string;
  status: CrisisStatus;
  severity: CrisisSeverity;
  ownerId: string | null;
  alertId: string | null;
  scope: { type: string; key: string } | null;
  sku: string | null;
  batch: string | null;
  keyword: string | null;
  storeCode: string | null;
  openedAt: string;
  statementDueAt: string;
  statementAt: string | null;
  updateEveryMinutes: number;
  nextUpdateDueAt: string | null;
  startNegativeShare: number | null;
  targetNegativeShare: number;
  closedAt: string | null;
  closedBy: string | null;
  summary: string | null;
  createdBy: string;
  updatedAt: string;
}

export interface CrisisEvent {
  id: string;
  kind: string;
  actor: string;
  at: string;
  body: string | null;
  detail: Record<string, unknown>;
}

/** A deadline and where it stands now: done, ok, due within 15 minutes, or overdue. */
export interface Deadline {
  kind: 'statement' | 'update';
  dueAt: string;
  doneAt: string | null;
  state: 'ok' | 'due_soon' | 'overdue' | 'done';
}

export interface CrisisDetail extends Crisis {
  timeline: CrisisEvent[];
  deadlines: Deadline[];
  counts: { mentions: number; affected: number; compensated: number };
  negativeShare: { start: number | null; latest: number | null; target: number };
}

export interface AffectedRefresh {
  /** Customers found by this refresh (each once, whatever the number of reasons). */
  customers: number;
  /** Of them, new to the crisis. */
  added: number;
  byReason: Record<AffectedReason, number>;
}

export interface AffectedCustomer {
  customerId: string;
  reasons: AffectedReason[];
  addedAt: string;
  compensatedAt: string | null;
  compensation: CustomerCompensation | null;
}

/** What one customer was given (recorded once, with the idempotency keys' results). */
export interface CustomerCompensation {
  couponId?: string;
  couponCode?: string;
  templateCode?: string;
  couponFen?: number;
  ledgerEntryId?: string;
  points?: number;
  note?: string;
  by: string;
}

export interface CompensationRun {
  /** Customers this run recorded as compensated. */
  compensated: number;
  /** Customers another run (or an earlier one) had recorded already. */
  alreadyCompensated: number;
  couponFen: number;
  points: number;
  failures: Array<{ customerId: string; code: string; message: string }>;
}

export interface SharePoint {
  /** The bucket: the hour's start (ISO) or the local date (YYYY-MM-DD). */
  at: string;
  mentions: number;
  negatives: number;
  share: number | null;
}

export interface ShareSeries {
  bucket: 'hour' | 'day';
  timeZone: string;
  from: string;
  to: string;
  start: number | null;
  peak: { share: number; at: string } | null;
  latest: number | null;
  target: number;
  series: SharePoint[];
}

export interface CrisisReport {
  crisis: Crisis;
  timeline: CrisisEvent[];
  durationMinutes: number;
  statement: { dueMinutes: number; minutes: number | null; met: boolean | null };
  updates: { count: number; onTime: number; onTimeRate: number | null; missedDeadlines: number };
  peakHour: { at: string; mentions: number } | null;
  negativeShare: { start: number | null; peak: { share: number; at: string } | null; end: number | null; target: number; reachedTarget: boolean };
  affected: { customers: number; byReason: Record<AffectedReason, number> };
  compensation: { customers: number; couponFen: number; points: number };
  mentions: number;
  topKeywords: Array<{ keyword: string; mentions: number }>;
}

interface CrisisRow {
  id: string;
  number: number;
  title: string;
  status: CrisisStatus;
  severity: CrisisSeverity;
  owner_id: string | null;
  alert_id: string | null;
  scope_type: string | null;
  scope_key: string | null;
  sku: string | null;
  batch: string | null;
  keyword: string | null;
  store_code: string | null;
  opened_at: Date;
  statement_due_at: Date;
  statement_at: Date | null;
  update_every_minutes: number;
  next_update_due_at: Date | null;
  start_negative_share: number | null;
  target_negative_share: number;
  closed_at: Date | null;
  closed_by: string | null;
  summary: string | null;
  reminded_at: Record<string, string>;
  created_by: string;
  updated_at: Date;
}

interface HourRow {
  hour: Date;
  mentions: number;
  negatives: number;
}

type Row = Record<string, unknown>;
const date = (v: unknown): Date => (v instanceof Date ? v : new Date(String(v)));
const dateOrNull = (v: unknown) => (v == null ? null : date(v));
const isoOrNull = (v: Date | null) => (v ? v.toISOString() : null);
const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;
/** Shares to 4 decimals (the stored ones are `real`). */
const round4 = (x: number) => Math.round(x * 10_000) / 10_000;
const shareOf = (negatives: number, mentions: number) => (mentions > 0 ? round4(negatives / mentions) : null);
const num = (v: unknown) => (v == null ? null : round4(Number(v)));
const addMinutes = (d: Date, m: number) => new Date(d.getTime() + m * MINUTE);
const minutesBetween = (a: Date, b: Date) => Math.round(((b.getTime() - a.getTime()) / MINUTE) * 10) / 10;

function crisisRow(r: Row): CrisisRow {
  return {
    ...(r as unknown as CrisisRow),
    number: Number(r.number),
    update_every_minutes: Number(r.update_every_minutes),
    opened_at: date(r.opened_at),
    statement_due_at: date(r.statement_due_at),
    statement_at: dateOrNull(r.statement_at),
    next_update_due_at: dateOrNull(r.next_update_due_at),
    closed_at: dateOrNull(r.closed_at),
    updated_at: date(r.updated_at),
    start_negative_share: num(r.start_negative_share),
    target_negative_share: num(r.target_negative_share)!,
    reminded_at: json<Record<string, string>>(r.reminded_at) ?? {},
  };
}

function toCrisis(c: CrisisRow, status: CrisisStatus = c.status): Crisis {
  return {
    id: c.id,
    number: c.number,
    title: c.title,
    status,
    severity: c.severity,
    ownerId: c.owner_id,
    alertId: c.alert_id,
    scope: c.scope_type && c.scope_key ? { type: c.scope_type, key: c.scope_key } : null,
    sku: c.sku,
    batch: c.batch,
    keyword: c.keyword,
    storeCode: c.store_code,
    openedAt: c.opened_at.toISOString(),
    statementDueAt: c.statement_due_at.toISOString(),
    statementAt: isoOrNull(c.statement_at),
    updateEveryMinutes: c.update_every_minutes,
    nextUpdateDueAt: isoOrNull(c.next_update_due_at),
    startNegativeShare: c.start_negative_share,
    targetNegativeShare: c.target_negative_share,
    closedAt: isoOrNull(c.closed_at),
    closedBy: c.closed_by,
    summary: c.summary,
    createdBy: c.created_by,
    updatedAt: c.updated_at.toISOString(),
  };
}

function toEvent(r: Row): CrisisEvent {
  return {
    id: String(r.id),
    kind: String(r.kind),
    actor: String(r.actor),
    at: date(r.at).toISOString(),
    body: (r.body as string | null) ?? null,
    detail: json<Record<string, unknown>>(r.detail) ?? {},
  };
}

/** Parses service input with the API's schema: a bad field is a 400 naming it, as through the routes. */
function parse<S extends z.ZodType>(schema: S, input: unknown, code: string): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = zodIssues(parsed.error.issues);
  throw invalid(code, issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
}

/** The crisis column (and the input field) an alert's scope type fills; brand, source and region scopes fill none. */
const ALERT_SCOPE_FIELDS: Partial<Record<string, readonly ['sku' | 'keyword' | 'store_code', string]>> = {
  product: ['sku', 'sku'],
  keyword: ['keyword', 'keyword'],
  store: ['store_code', 'storeCode'],
};

/** The filters of a crisis's scope on mentions `m` (sku, keyword, store; none: every mention of the brand). */
function scopeWhere(c: Pick<CrisisRow, 'sku' | 'keyword' | 'store_code'>): SQL {
  const parts = [sql`true`];
  if (c.sku) parts.push(sql`m.sku = ${c.sku}`);
  if (c.keyword) parts.push(sql`m.keywords @> array[${c.keyword}]::text[]`);
  if (c.store_code) parts.push(sql`m.store_code = ${c.store_code}`);
  return sql.join(parts, sql` and `);
}

/** The hourly stats' scope when the crisis has at most one filter (none: the brand); null when several combine. */
function singleScope(c: Pick<CrisisRow, 'sku' | 'keyword' | 'store_code'>): [string, string] | null {
  const set: Array<[string, string]> = [];
  if (c.sku) set.push(['product', c.sku]);
  if (c.keyword) set.push(['keyword', c.keyword]);
  if (c.store_code) set.push(['store', c.store_code]);
  if (set.length === 0) return ['brand', '*'];
  return set.length === 1 ? set[0]! : null;
}

/**
 * The crisis workflow: a crisis opened by hand or from an alert (owner, scope, the seeds' deadlines: a statement
 * within 60 minutes, then updates every 4 hours), its timeline, reminders and missed deadlines (`scanDeadlines`,
 * every minute), affected customers (linked mentions, tickets, orders of the product), compensation through coupons
 * and points exactly once, the negative share over time, closing and the post-mortem report.
 */
export class CrisesService {
  private readonly db: Db;
  private readonly clock: Clock;
  private readonly timeZone: string;

  constructor(private readonly deps: CrisesDeps) {
    this.db = deps.db;
    this.clock = deps.clock ?? systemClock;
    this.timeZone = deps.timeZone ?? 'Asia/Shanghai';
  }

  // ------------------------------------------------------------------ opening

  /**
   * Opens a crisis in `tx` (or its own transaction): number from the sequence, deadlines from now, the negative share
   * of the scope's last 24 hours, the 'opened' event and a 'crisis' notice (the console, plus the alert rule's notify).
   * From an alert: its scope fills sku / keyword / store and the alert points at the crisis; an alert opens one crisis
   * (409 naming it).
   */
  async open(input: CrisisInput, actor: string, tx?: Db): Promise<CrisisDetail> {
    const v = parse(CrisisInput, input, 'listening.invalid_crisis');
    const run = async (t: Db): Promise<string> => {
      await this.requireOwner(t, v.ownerId);
      const alert = v.alertId ? await this.claimAlert(t, v.alertId) : null;
      const scope = { sku: v.sku ?? null, keyword: v.keyword ?? null, store_code: v.storeCode ?? null };
      if (alert) this.applyAlertScope(scope, alert);
      const now = this.clock.now();
      const id = newId();
      const [seq] = await query<{ n: number }>(t, sql`select nextval('listening.crisis_no_seq') as n`);
      const number = Number(seq!.n);
      const startShare = await this.shareOfHours(t, scope, hourStart(now, -23), hourStart(now, 1));
      const statementDueAt = addMinutes(now, v.statementWithinMinutes);
      await t.execute(
        sql`insert into listening.crises (id, number, title, status, severity, owner_id, alert_id, scope_type, scope_key, sku, batch, keyword, store_code,
              opened_at, statement_due_at, update_every_minutes, start_negative_share, target_negative_share, created_by, updated_at)
            values (${id}, ${number}, ${v.title}, 'open', ${v.severity}, ${v.ownerId}, ${alert?.id ?? null}, ${alert?.scope_type ?? null}, ${alert?.scope_key ?? null},
              ${scope.sku}, ${v.batch ?? null}, ${scope.keyword}, ${scope.store_code}, ${now.toISOString()}::timestamptz, ${statementDueAt.toISOString()}::timestamptz,
              ${v.updateEveryMinutes}, ${startShare}, ${v.targetNegativeShare}, ${actor}, ${now.toISOString()}::timestamptz)`,
      );
      if (alert) await t.execute(sql`update listening.alerts set crisis_id = ${id} where id = ${alert.id}`);
      await this.announceOpened(t, { id, number, title: v.title, severity: v.severity, ownerId: v.ownerId, statementDueAt, startShare, withinMinutes: v.statementWithinMinutes }, alert, actor);
      return id;
    };
    const id = tx ? await run(tx) : await this.db.transaction(run);
    return this.get(id, tx ?? this.db);
  }

  /** The 'opened' event and the 'crisis' notice: the owner's console, plus whom the alert's rule notifies. */
  private async announceOpened(
    tx: Db,
    c: { id: string; number: number; title: string; severity: CrisisSeverity; ownerId: string; statementDueAt: Date; startShare: number | null; withinMinutes: number },
    alert: { id: string; notify: Notify | null } | null,
    actor: string,
  ): Promise<void> {
    const dueAt = c.statementDueAt.toISOString();
    await this.addEvent(tx, c.id, 'opened', actor, null, { number: c.number, severity: c.severity, ownerId: c.ownerId, alertId: alert?.id ?? null, statementDueAt: dueAt, startNegativeShare: c.startShare });
    await this.deps.notifications.queue(tx, mergeNotify(alert?.notify), {
      kind: 'crisis',
      crisisId: c.id,
      alertId: alert?.id ?? null,
      subject: `危机 #${c.number} 已开启 Crisis #${c.number} opened: ${c.title}`,
      body: `声明截止 Statement due ${dueAt} (${c.withinMinutes} min)`,
      payload: { crisisId: c.id, number: c.number, ownerId: c.ownerId, severity: c.severity, statementDueAt: dueAt },
    });
  }

  /** Opens the crisis of an alert: the title defaults to the rule's name and the scope, the owner to the rule's owner. */
  async openFromAlert(alertId: string, input: AlertCrisisInput, actor: string, tx?: Db): Promise<CrisisDetail> {
    const v = parse(AlertCrisisInput, input, 'listening.invalid_crisis');
    const a = await queryOne<{ scope_type: string; scope_key: string; rule_name: string | null; owner_id: string | null }>(
      tx ?? this.db,
      sql`select a.scope_type, a.scope_key, r.name as rule_name, r.owner_id from listening.alerts a left join listening.rules r on r.id = a.rule_id where a.id = ${alertId}::uuid`,
    );
    if (!a) throw notFound('listening.alert_not_found', `no alert ${alertId}`);
    const ownerId = v.ownerId ?? a.owner_id;
    if (!ownerId) throw invalid('listening.owner_required', "ownerId: the alert's rule names no owner; give one", [{ path: 'ownerId', message: 'required' }]);
    const title = v.title ?? `${a.rule_name ?? '舆情预警 Alert'} · ${a.scope_type} ${a.scope_key}`;
    return this.open({ ...v, title, ownerId, alertId }, actor, tx);
  }

  /**
   * The alerts' crisis opener (a rule with opensCrisis): opens the alert's crisis in the scan's transaction, owned by
   * the rule's owner. A rule without an active owner opens none (null): staff open it from the alert, naming one.
   */
  readonly openForAlert = async (tx: Db, alert: { id: string }): Promise<string | null> => {
    const owner = await queryOne(
      tx,
      sql`select 1 from listening.alerts a join listening.rules r on r.id = a.rule_id join access.staff s on s.id = r.owner_id
          where a.id = ${alert.id}::uuid and s.disabled_at is null`,
    );
    return owner ? (await this.openFromAlert(alert.id, {}, 'system:listening', tx)).id : null;
  };

  private async requireOwner(tx: Db, ownerId: string): Promise<void> {
    const s = await queryOne<{ disabled_at: unknown }>(tx, sql`select disabled_at from access.staff where id = ${ownerId}::uuid`);
    if (!s || s.disabled_at) throw invalid('listening.unknown_owner', `ownerId: no active staff user ${ownerId}`, [{ path: 'ownerId', message: 'no active staff user with this id' }]);
  }

  /** The alert, locked: a second opening waits here and then finds the crisis the first one set. */
  private async claimAlert(tx: Db, alertId: string) {
    const a = await queryOne<{ id: string; scope_type: string; scope_key: string; crisis_id: string | null; notify: unknown }>(
      tx,
      sql`select a.id, a.scope_type, a.scope_key, a.crisis_id, r.notify from listening.alerts a left join listening.rules r on r.id = a.rule_id
          where a.id = ${alertId}::uuid for update of a`,
    );
    if (!a) throw notFound('listening.alert_not_found', `no alert ${alertId}`);
    if (a.crisis_id) {
      const c = await queryOne<{ number: number }>(tx, sql`select number from listening.crises where id = ${a.crisis_id}`);
      throw conflict('listening.alert_has_crisis', `the alert already opened crisis #${Number(c?.number)}`, { crisisId: a.crisis_id, number: Number(c?.number) });
    }
    return { ...a, notify: json<Notify | null>(a.notify) };
  }

  /** An alert of a product, keyword or store scope fills that filter; the input may add the others, not contradict it. */
  private applyAlertScope(scope: { sku: string | null; keyword: string | null; store_code: string | null }, alert: { scope_type: string; scope_key: string }): void {
    const field = ALERT_SCOPE_FIELDS[alert.scope_type];
    if (!field || alert.scope_key === '*') return;
    const [column, path] = field;
    if (scope[column] !== null && scope[column] !== alert.scope_key)
      throw invalid('listening.scope_mismatch', `${path}: the alert is about ${alert.scope_type} ${alert.scope_key}`, [{ path, message: `the alert's scope is ${alert.scope_key}` }]);
    scope[column] = alert.scope_key;
  }

  // ------------------------------------------------------------------ timeline

  /**
   * A post: `statement` (the first sets statement_at, open → responding, and starts the update cadence), `update`
   * (moves the next update's deadline; needs the statement first) or `note`. A closed crisis takes no posts (409).
   */
  async post(id: string, input: PostInput, actor: string): Promise<CrisisDetail> {
    const v = parse(PostInput, input, 'listening.invalid_post');
    await this.db.transaction(async (tx) => {
      const c = await this.locked(tx, id);
      if (c.status === 'closed') throw conflict('listening.crisis_closed', `crisis #${c.number} is closed`);
      if (v.kind === 'update' && !c.statement_at)
        throw conflict('listening.statement_first', `crisis #${c.number} has no statement yet: post one (kind statement) before updates`);
      const cadence = v.kind === 'note' ? {} : await this.advanceCadence(tx, c, v.kind, this.clock.now());
      const detail = { ...(v.channels ? { channels: v.channels } : {}), ...cadence };
      await this.addEvent(tx, id, v.kind, actor, v.body, detail);
    });
    return this.get(id);
  }

  /**
   * A statement or an update sets the next update's deadline; the first statement also records itself (open →
   * responding). Returns the event's detail: whether the deadline it answers was met.
   */
  private async advanceCadence(tx: Db, c: CrisisRow, kind: 'statement' | 'update', now: Date): Promise<Record<string, unknown>> {
    const next = addMinutes(now, c.update_every_minutes);
    const first = kind === 'statement' && !c.statement_at;
    await tx.execute(
      sql`update listening.crises set next_update_due_at = ${next.toISOString()}::timestamptz, updated_at = ${now.toISOString()}::timestamptz
            ${first ? sql`, statement_at = ${now.toISOString()}::timestamptz, status = case when status = 'open' then 'responding' else status end` : sql``}
          where id = ${c.id}`,
    );
    const timing = first
      ? { first: true, dueAt: c.statement_due_at.toISOString(), onTime: now <= c.statement_due_at, minutes: minutesBetween(c.opened_at, now) }
      : kind === 'update'
        ? { dueAt: c.next_update_due_at!.toISOString(), onTime: now <= c.next_update_due_at! }
        : { first: false };
    return { ...timing, nextUpdateDueAt: next.toISOString() };
  }

  /** Closes a crisis: it needs its statement (409 otherwise); the end share is recorded on the 'closed' event. */
  async close(id: string, input: { summary: string }, actor: string): Promise<CrisisDetail> {
    const v = parse(CloseInput, input, 'listening.invalid_close');
    await this.db.transaction(async (tx) => {
      const c = await this.locked(tx, id);
      if (c.status === 'closed') throw conflict('listening.crisis_closed', `crisis #${c.number} is closed already`);
      if (!c.statement_at) throw conflict('listening.statement_required', `crisis #${c.number} cannot be closed without a statement: post one (kind statement) first`);
      const now = this.clock.now();
      const end = await this.shareOfHours(tx, c, hourStart(now, 1 - LATEST_HOURS), hourStart(now, 1));
      await tx.execute(
        sql`update listening.crises set status = 'closed', closed_at = ${now.toISOString()}::timestamptz, closed_by = ${actor}, summary = ${v.summary},
              updated_at = ${now.toISOString()}::timestamptz where id = ${id}`,
      );
      await this.addEvent(tx, id, 'closed', actor, v.summary, { endNegativeShare: end, targetNegativeShare: c.target_negative_share });
    });
    return this.get(id);
  }

  private async addEvent(tx: Db, crisisId: string, kind: string, actor: string, body: string | null, detail: Record<string, unknown>): Promise<void> {
    await tx.execute(
      sql`insert into listening.crisis_events (id, crisis_id, kind, actor, at, body, detail)
          values (${newId()}, ${crisisId}, ${kind}, ${actor}, ${this.clock.now().toISOString()}::timestamptz, ${body}, ${JSON.stringify(detail)}::jsonb)`,
    );
  }

  // ------------------------------------------------------------------ deadlines

  /**
   * The deadline job (every minute): 15 minutes before the statement or an update is due, a reminder; once it is
   * past, a 'deadline_missed' event and a notice. Each is raised once: its key goes into `reminded_at` by a
   * conditional update, so a concurrent or repeated scan finds it taken and says nothing.
   */
  async scanDeadlines(): Promise<{ statementDueSoon: number; statementMissed: number; updateDueSoon: number; updateMissed: number }> {
    const now = this.clock.now();
    const soon = addMinutes(now, REMINDER_MINUTES).toISOString();
    const rows = await query(
      this.db,
      sql`select * from listening.crises where status <> 'closed'
            and ((statement_at is null and statement_due_at <= ${soon}::timestamptz) or next_update_due_at <= ${soon}::timestamptz)
          order by statement_due_at`,
    );
    const out = { statementDueSoon: 0, statementMissed: 0, updateDueSoon: 0, updateMissed: 0 };
    for (const c of rows.map(crisisRow)) {
      const due = c.statement_at ? c.next_update_due_at : c.statement_due_at;
      if (!due) continue;
      const deadline = c.statement_at ? 'update' : 'statement';
      const missed = now >= due;
      const key = `${deadline}_${missed ? 'missed' : 'due_soon'}:${due.toISOString()}`;
      if (c.reminded_at[key]) continue;
      if (await this.raise(c, deadline, due, missed, key, now)) out[`${deadline}${missed ? 'Missed' : 'DueSoon'}`]++;
    }
    return out;
  }

  /** One reminder or miss, if this scan is the one that takes its key (and the deadline still stands). */
  private async raise(c: CrisisRow, deadline: 'statement' | 'update', due: Date, missed: boolean, key: string, now: Date): Promise<boolean> {
    const still = deadline === 'statement' ? sql`statement_at is null` : sql`next_update_due_at = ${due.toISOString()}::timestamptz`;
    return this.db.transaction(async (tx) => {
      const taken = await query(
        tx,
        sql`update listening.crises set reminded_at = reminded_at || jsonb_build_object(${key}::text, ${now.toISOString()}::text)
            where id = ${c.id} and status <> 'closed' and reminded_at->>${key}::text is null and ${still} returning id`,
      );
      if (taken.length === 0) return false;
      const what = deadline === 'statement' ? '声明 statement' : '进展更新 progress update';
      if (missed)
        await this.addEvent(tx, c.id, 'deadline_missed', 'system', `${what} overdue`, { deadline, dueAt: due.toISOString(), missed: true, severity: c.severity });
      const minutes = Math.round((due.getTime() - now.getTime()) / MINUTE);
      const notice: StaffNotice = {
        kind: 'deadline',
        crisisId: c.id,
        alertId: c.alert_id,
        subject: missed ? `危机 #${c.number}: ${what} overdue` : `危机 #${c.number}: ${deadline} due in ${minutes} min`,
        body: `${c.title} — ${what} ${missed ? 'was due' : 'is due'} ${due.toISOString()}`,
        payload: { crisisId: c.id, number: c.number, ownerId: c.owner_id, deadline, dueAt: due.toISOString(), missed },
      };
      await this.deps.notifications.queue(tx, await this.notifyOf(tx, c.alert_id), notice);
      return true;
    });
  }

  /** The owner's console, plus whom the alert's rule notifies. */
  private async notifyOf(tx: Db, alertId: string | null): Promise<Notify> {
    if (!alertId) return mergeNotify(null);
    const r = await queryOne<{ notify: unknown }>(tx, sql`select r.notify from listening.alerts a join listening.rules r on r.id = a.rule_id where a.id = ${alertId}`);
    return mergeNotify(r ? json<Notify>(r.notify) : null);
  }

  // ------------------------------------------------------------------ affected customers

  /**
   * Finds the customers the crisis touches and merges them in (idempotent): linked mentions in its scope (since a day
   * before it opened), tickets (about the product — its sku or an order with it —, mentioning the keyword in subject
   * or description, at the store) and buyers of the product (at the store), both within `lookbackDays` before
   * opening. A crisis of the whole brand finds customers through mentions only. Only active profiles are added.
   */
  async refreshAffected(id: string, input: RefreshAffectedInput, actor: string): Promise<AffectedRefresh> {
    const v = parse(RefreshAffectedInput, input, 'listening.invalid_refresh');
    const c = await this.crisis(id);
    const since = new Date(c.opened_at.getTime() - v.lookbackDays * 24 * HOUR).toISOString();
    const now = this.clock.now().toISOString();
    const sources = [sql`select m.customer_id, 'mention' as reason from listening.mentions m where m.customer_id is not null and ${crisisFilter(id)}`];
    if (c.sku || c.keyword || c.store_code) {
      const like = c.keyword ? `%${c.keyword.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%` : null;
      sources.push(sql`select t.customer_id, 'ticket' from service.tickets t
        where t.customer_id is not null and t.received_at >= ${since}::timestamptz
          and (${c.sku}::text is null or t.sku = ${c.sku} or exists (select 1 from orders.orders o join orders.order_lines l on l.customer_id = o.customer_id and l.order_id = o.id
                                                     where o.id = t.order_id and l.sku = ${c.sku}))
          and (${like}::text is null or t.subject ilike ${like} or t.description ilike ${like})
          and (${c.store_code}::text is null or t.store_code = ${c.store_code})`);
    }
    if (c.sku)
      sources.push(sql`select o.customer_id, 'order' from orders.orders o join orders.order_lines l on l.customer_id = o.customer_id and l.order_id = o.id
        where o.placed_at >= ${since}::timestamptz and o.placed_at <= ${now}::timestamptz and o.status <> 'cancelled' and l.sku = ${c.sku}
          and not o.guest and (${c.store_code}::text is null or o.store_code = ${c.store_code})`);
    return this.db.transaction(async (tx) => {
      // One refresh of a crisis at a time: two merging the same customers in different orders could deadlock.
      await this.lock(tx, id);
      const [r] = await query<{ customers: number; added: number; changed: number; mention: number; ticket: number; order: number }>(
      tx,
      sql`with found as (
            select f.customer_id, array_agg(distinct f.reason order by f.reason) as reasons
            from (${sql.join(sources, sql` union all `)}) as f(customer_id, reason)
            where exists (select 1 from customers.customers cu where cu.id = f.customer_id and cu.status = 'active')
            group by f.customer_id),
          up as (
            insert into listening.crisis_affected (crisis_id, customer_id, reasons, added_at)
            select ${id}::uuid, customer_id, reasons, ${now}::timestamptz from found
            on conflict (crisis_id, customer_id) do update
              set reasons = array(select distinct x from unnest(listening.crisis_affected.reasons || excluded.reasons) x order by x)
              where not (listening.crisis_affected.reasons @> excluded.reasons)
            returning (xmax = 0) as inserted)
          select (select count(*) from found)::int as customers, (select count(*) from up where inserted)::int as added,
            (select count(*) from found where 'mention' = any(reasons))::int as mention, (select count(*) from found where 'ticket' = any(reasons))::int as ticket,
            (select count(*) from found where 'order' = any(reasons))::int as "order", (select count(*) from up)::int as changed`,
    );
      const out: AffectedRefresh = { customers: r!.customers, added: r!.added, byReason: { mention: r!.mention, ticket: r!.ticket, order: r!.order } };
      if (r!.changed > 0) await this.addEvent(tx, id, 'affected', actor, null, { ...out, lookbackDays: v.lookbackDays });
      return out;
    });
  }

  /** The affected customers, first added first (ids and reasons; the console links each to the customer's page). */
  async listAffected(id: string, page: AffectedQuery): Promise<{ items: AffectedCustomer[]; total: number; page: number; pageSize: number }> {
    await this.crisis(id);
    const rows = await query(
      this.db,
      sql`select * from listening.crisis_affected where crisis_id = ${id} order by added_at, customer_id limit ${page.pageSize} offset ${(page.page - 1) * page.pageSize}`,
    );
    const [n] = await query<{ n: number }>(this.db, sql`select count(*)::int as n from listening.crisis_affected where crisis_id = ${id}`);
    return {
      items: rows.map((r) => ({
        customerId: String(r.customer_id),
        reasons: r.reasons as AffectedReason[],
        addedAt: date(r.added_at).toISOString(),
        compensatedAt: isoOrNull(dateOrNull(r.compensated_at)),
        compensation: json<CustomerCompensation | null>(r.compensation) ?? null,
      })),
      total: n!.n,
      page: page.page,
      pageSize: page.pageSize,
    };
  }

  // ------------------------------------------------------------------ compensation

  /**
   * Compensates the affected customers not yet compensated (or the ones named): a coupon (reference
   * `crisis:<id>:<customer>`) and/or points (key `crisis:<id>:<customer>:points`), then records it. The keys make a
   * concurrent or retried run get the same coupon and ledger entry back, and the record is a conditional update, so
   * each customer is paid and counted once. A customer who cannot take it (no active profile…) is reported in
   * `failures` and left for a later run; the others go on.
   */
  async compensate(id: string, input: CompensateInput, actor: string): Promise<CompensationRun> {
    const v = parse(CompensateInput, input, 'listening.invalid_compensation');
    const c = await this.crisis(id);
    const couponFen = v.couponTemplateCode ? await this.templateValue(v.couponTemplateCode) : (v.couponAmountFen ?? null);
    const targets = await this.compensationTargets(id, c.number, v.customerIds);
    const reason = `舆情危机 #${c.number} 补偿 Compensation for crisis #${c.number}`;
    const at = this.clock.now();
    const given: Array<{ customerId: string; compensation: CustomerCompensation }> = [];
    const failures: CompensationRun['failures'] = [];
    for (const customerId of targets.open) {
      try {
        const comp: CustomerCompensation = { by: actor, ...(v.note ? { note: v.note } : {}) };
        if (couponFen !== null) {
          const { coupon } = await this.deps.coupons.issueCompensation(
            { customerId, ...(v.couponTemplateCode ? { templateCode: v.couponTemplateCode } : { amountFen: v.couponAmountFen! }), reason, reference: `crisis:${id}:${customerId}`, at },
            actor,
          );
          Object.assign(comp, { couponId: coupon.id, couponCode: coupon.code, templateCode: coupon.templateCode, couponFen });
        }
        if (v.points) {
          const entry = await this.deps.ledger.adjust({ customerId, points: v.points, reason, idempotencyKey: `crisis:${id}:${customerId}:points`, actor });
          Object.assign(comp, { ledgerEntryId: entry.entryId, points: v.points });
        }
        given.push({ customerId, compensation: comp });
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        failures.push({ customerId, code: e.code, message: e.message });
      }
    }
    const recorded = await this.recordCompensation(id, given, failures.length, v.note ?? null, actor);
    return { ...recorded, alreadyCompensated: targets.done + given.length - recorded.compensated, failures };
  }

  /** Who a run pays: the named customers (each must be affected) or every one not yet compensated. */
  private async compensationTargets(id: string, number: number, customerIds: readonly string[] | undefined): Promise<{ open: string[]; done: number }> {
    const rows = await query<{ customer_id: string; compensated: boolean }>(
      this.db,
      sql`select customer_id, compensated_at is not null as compensated from listening.crisis_affected
          where crisis_id = ${id} ${customerIds ? sql`and customer_id = any(${pgArray([...customerIds], 'uuid')})` : sql`and compensated_at is null`}
          order by customer_id`,
    );
    if (customerIds) {
      const known = new Set(rows.map((r) => r.customer_id));
      const issues = customerIds.flatMap((cid, i) => (known.has(cid) ? [] : [{ path: `customerIds.${i}`, message: `not an affected customer of crisis #${number}` }]));
      if (issues.length > 0) throw invalid('listening.not_affected', `${issues[0]!.path}: ${issues[0]!.message}`, issues);
    }
    return { open: rows.filter((r) => !r.compensated).map((r) => r.customer_id), done: rows.filter((r) => r.compensated).length };
  }

  /** A compensation template's value in fen (fixed, or the largest threshold tier), checked to be an active compensation template. */
  private async templateValue(code: string): Promise<number> {
    const t = await queryOne<{ purpose: string; status: string; value: unknown }>(
      this.db,
      sql`select purpose, status, case definition->'rule'->>'kind'
            when 'fixed' then (definition->'rule'->>'offFen')::bigint
            when 'threshold' then (select max((x->>'offFen')::bigint) from jsonb_array_elements(definition->'rule'->'tiers') x)
            else 0 end as value
          from promotions.coupon_templates where code = ${code}`,
    );
    const issue = !t ? `no coupon template ${code}` : t.purpose !== 'compensation' ? `${code} is not a compensation template` : t.status !== 'active' ? `${code} is ${t.status}` : null;
    if (issue) throw invalid('listening.invalid_template', `couponTemplateCode: ${issue}`, [{ path: 'couponTemplateCode', message: issue }]);
    return Number(t!.value ?? 0);
  }

  /** Records what was given where nothing is recorded yet (one statement: a concurrent run's rows are skipped), and the timeline's totals. */
  private async recordCompensation(
    id: string,
    given: ReadonlyArray<{ customerId: string; compensation: CustomerCompensation }>,
    failures: number,
    note: string | null,
    actor: string,
  ): Promise<Omit<CompensationRun, 'alreadyCompensated' | 'failures'>> {
    if (given.length === 0) return { compensated: 0, couponFen: 0, points: 0 };
    const now = this.clock.now().toISOString();
    return this.db.transaction(async (tx) => {
      // Runs record one after the other (each customer's row once, no deadlock between two runs' row orders).
      await this.lock(tx, id);
      const rows = await query<{ compensation: unknown }>(
        tx,
        sql`update listening.crisis_affected a set compensated_at = ${now}::timestamptz, compensation = x.comp
            from unnest(${pgArray(given.map((g) => g.customerId), 'uuid')}, ${pgArray(given.map((g) => g.compensation), 'jsonb')}) as x(customer_id, comp)
            where a.crisis_id = ${id} and a.customer_id = x.customer_id and a.compensated_at is null
            returning a.compensation`,
      );
      const comps = rows.map((r) => json<CustomerCompensation>(r.compensation));
      const totals = { compensated: comps.length, couponFen: comps.reduce((s, c) => s + (c.couponFen ?? 0), 0), points: comps.reduce((s, c) => s + (c.points ?? 0), 0) };
      if (totals.compensated > 0) await this.addEvent(tx, id, 'compensation', actor, note, { customers: totals.compensated, couponFen: totals.couponFen, points: totals.points, failures });
      return totals;
    });
  }

  // ------------------------------------------------------------------ negative share

  /** The negative share over time, from 24 h before opening to the close (or now), by hour or local day; start, peak, latest and target. */
  async negativeShare(id: string, bucket: 'hour' | 'day' = 'hour'): Promise<ShareSeries> {
    const c = await this.crisis(id);
    const { from, to, hours } = await this.hours(c);
    const series: SharePoint[] = [];
    const byKey = new Map<string, SharePoint>();
    for (const h of hours) {
      const at = bucket === 'hour' ? h.hour.toISOString() : localDate(h.hour, this.timeZone);
      let p = byKey.get(at);
      if (!p) {
        byKey.set(at, (p = { at, mentions: 0, negatives: 0, share: null }));
        series.push(p);
      }
      p.mentions += h.mentions;
      p.negatives += h.negatives;
    }
    for (const p of series) p.share = shareOf(p.negatives, p.mentions);
    return {
      bucket,
      timeZone: this.timeZone,
      from: from.toISOString(),
      to: to.toISOString(),
      start: c.start_negative_share,
      peak: peakShare(hours),
      latest: latestShare(hours),
      target: c.target_negative_share,
      series,
    };
  }

  /** Every hour from 24 h before opening to the hour of the close (or now), empty ones as zeros. */
  private async hours(c: CrisisRow): Promise<{ from: Date; to: Date; hours: HourRow[] }> {
    const end = c.closed_at ?? this.clock.now();
    const from = hourStart(c.opened_at, -24);
    const to = hourStart(end, 1);
    const rows = await this.hourRows(this.db, c, from, to);
    const found = new Map(rows.map((r) => [r.hour.getTime(), r]));
    const hours: HourRow[] = [];
    for (let t = from.getTime(); t < to.getTime(); t += HOUR) hours.push(found.get(t) ?? { hour: new Date(t), mentions: 0, negatives: 0 });
    return { from, to, hours };
  }

  /** The scope's hourly counts in [from, to): the hourly stats for a single scope, the mentions when filters combine. */
  private async hourRows(db: Db, c: Pick<CrisisRow, 'sku' | 'keyword' | 'store_code'>, from: Date, to: Date): Promise<HourRow[]> {
    const single = singleScope(c);
    const range = { from: from.toISOString(), to: to.toISOString() };
    const rows = await query<{ hour: unknown; mentions: number; negatives: number }>(
      db,
      single
        ? sql`select hour, mentions, negatives from listening.hourly_stats
              where scope_type = ${single[0]} and scope_key = ${single[1]} and hour >= ${range.from}::timestamptz and hour < ${range.to}::timestamptz`
        : sql`select date_trunc('hour', m.posted_at at time zone 'UTC') at time zone 'UTC' as hour, count(*)::int as mentions,
                count(*) filter (where m.sentiment_label = 'negative')::int as negatives
              from listening.mentions m where m.posted_at >= ${range.from}::timestamptz and m.posted_at < ${range.to}::timestamptz and ${scopeWhere(c)}
              group by 1`,
    );
    return rows.map((r) => ({ hour: date(r.hour), mentions: Number(r.mentions), negatives: Number(r.negatives) }));
  }

  /** The negative share of the scope's mentions in [from, to), or null without mentions. */
  private async shareOfHours(db: Db, c: Pick<CrisisRow, 'sku' | 'keyword' | 'store_code'>, from: Date, to: Date): Promise<number | null> {
    const rows = await this.hourRows(db, c, from, to);
    return shareOf(
      rows.reduce((s, r) => s + r.negatives, 0),
      rows.reduce((s, r) => s + r.mentions, 0),
    );
  }

  // ------------------------------------------------------------------ reading

  /** The crises, newest first, optionally of one status (`monitoring` as computed at read time). */
  async list(q: CrisisListQuery = {}): Promise<Crisis[]> {
    const stored = q.status === 'monitoring' ? 'responding' : q.status;
    const rows = await query(this.db, sql`select * from listening.crises ${stored ? sql`where status = ${stored}` : sql``} order by opened_at desc, id desc limit 500`);
    const out: Crisis[] = [];
    for (const c of rows.map(crisisRow)) {
      const crisis = toCrisis(c, await this.effectiveStatus(c));
      if (!q.status || crisis.status === q.status) out.push(crisis);
    }
    return out;
  }

  /** A crisis with its timeline, deadlines (ok, due soon, overdue, done), counts and the negative share now. */
  async get(id: string, db: Db = this.db): Promise<CrisisDetail> {
    const c = await this.crisis(id, db);
    const now = this.clock.now();
    const events = (await query(db, sql`select * from listening.crisis_events where crisis_id = ${id} order by at, id`)).map(toEvent);
    const [n] = await query<{ mentions: number; affected: number; compensated: number }>(
      db,
      sql`select (select count(*) from listening.mentions m where ${crisisFilter(id)})::int as mentions,
            (select count(*) from listening.crisis_affected where crisis_id = ${id})::int as affected,
            (select count(*) from listening.crisis_affected where crisis_id = ${id} and compensated_at is not null)::int as compensated`,
    );
    const latest = await this.latest(db, c);
    return {
      ...toCrisis(c, statusWith(c, latest)),
      timeline: events,
      deadlines: deadlinesOf(c, now),
      counts: n!,
      negativeShare: { start: c.start_negative_share, latest, target: c.target_negative_share },
    };
  }

  /** The post-mortem: timeline, time to statement against its deadline, updates on time, volume and share from start to end, affected customers, compensation, keywords. */
  async report(id: string): Promise<CrisisReport> {
    const detail = await this.get(id);
    const c = await this.crisis(id);
    const end = c.closed_at ?? this.clock.now();
    const { hours } = await this.hours(c);
    const updates = detail.timeline.filter((e) => e.kind === 'update');
    const onTime = updates.filter((e) => e.detail.onTime === true).length;
    const peakHour = hours.reduce<HourRow | null>((best, h) => (h.mentions > 0 && (!best || h.mentions > best.mentions) ? h : best), null);
    const [a] = await query<{ customers: number; mention: number; ticket: number; order: number; compensated: number; coupon_fen: number; points: number }>(
      this.db,
      sql`select count(*)::int as customers,
            count(*) filter (where 'mention' = any(reasons))::int as mention, count(*) filter (where 'ticket' = any(reasons))::int as ticket,
            count(*) filter (where 'order' = any(reasons))::int as "order", count(*) filter (where compensated_at is not null)::int as compensated,
            coalesce(sum((compensation->>'couponFen')::bigint), 0)::bigint as coupon_fen, coalesce(sum((compensation->>'points')::bigint), 0)::bigint as points
          from listening.crisis_affected where crisis_id = ${id}`,
    );
    const keywords = await query<{ keyword: string; mentions: number }>(
      this.db,
      sql`select k as keyword, count(*)::int as mentions from listening.mentions m, unnest(m.keywords) k where ${crisisFilter(id)}
          group by k order by count(*) desc, k limit 10`,
    );
    const endShare = latestShare(hours);
    return {
      crisis: toCrisis(c, detail.status),
      timeline: detail.timeline,
      durationMinutes: minutesBetween(c.opened_at, end),
      statement: {
        dueMinutes: minutesBetween(c.opened_at, c.statement_due_at),
        minutes: c.statement_at ? minutesBetween(c.opened_at, c.statement_at) : null,
        met: c.statement_at ? c.statement_at <= c.statement_due_at : end >= c.statement_due_at ? false : null,
      },
      updates: {
        count: updates.length,
        onTime,
        onTimeRate: updates.length > 0 ? round4(onTime / updates.length) : null,
        missedDeadlines: detail.timeline.filter((e) => e.kind === 'deadline_missed').length,
      },
      peakHour: peakHour ? { at: peakHour.hour.toISOString(), mentions: peakHour.mentions } : null,
      negativeShare: {
        start: c.start_negative_share,
        peak: peakShare(hours),
        end: endShare,
        target: c.target_negative_share,
        reachedTarget: endShare !== null && endShare <= c.target_negative_share,
      },
      affected: { customers: a!.customers, byReason: { mention: a!.mention, ticket: a!.ticket, order: a!.order } },
      compensation: { customers: a!.compensated, couponFen: Number(a!.coupon_fen), points: Number(a!.points) },
      mentions: detail.counts.mentions,
      topKeywords: keywords.map((k) => ({ keyword: k.keyword, mentions: Number(k.mentions) })),
    };
  }

  /** The share of the last 6 hours up to the close (or now). */
  private async latest(db: Db, c: CrisisRow): Promise<number | null> {
    const end = c.closed_at ?? this.clock.now();
    return this.shareOfHours(db, c, hourStart(end, 1 - LATEST_HOURS), hourStart(end, 1));
  }

  private async effectiveStatus(c: CrisisRow): Promise<CrisisStatus> {
    return c.status === 'responding' ? statusWith(c, await this.latest(this.db, c)) : c.status;
  }

  private async crisis(id: string, db: Db = this.db): Promise<CrisisRow> {
    const r = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id) ? await queryOne(db, sql`select * from listening.crises where id = ${id}::uuid`) : undefined;
    if (!r) throw notFound('listening.crisis_not_found', `no crisis ${id}`);
    return crisisRow(r);
  }

  /** The crisis, its row locked for the rest of `tx` (404 when there is none). */
  private async locked(tx: Db, id: string): Promise<CrisisRow> {
    await this.crisis(id, tx);
    return crisisRow((await queryOne(tx, sql`select * from listening.crises where id = ${id}::uuid for update`))!);
  }

  private async lock(tx: Db, id: string): Promise<void> {
    await tx.execute(sql`select 1 from listening.crises where id = ${id}::uuid for update`);
  }
}

/** The start of the UTC hour of `d`, moved by `hours`. */
function hourStart(d: Date, hours: number): Date {
  return new Date(Date.parse(hourOf(d)) + hours * HOUR);
}

/** The console (the owner's notices) and whom the rule notifies, if any. */
function mergeNotify(rule: Notify | null | undefined): Notify {
  return { console: true, emails: [...new Set(rule?.emails ?? [])], webhooks: rule?.webhooks ?? [] };
}

/** The highest hourly share among hours with at least PEAK_MIN_MENTIONS mentions. */
function peakShare(hours: readonly HourRow[]): { share: number; at: string } | null {
  let best: { share: number; at: string } | null = null;
  for (const h of hours) {
    if (h.mentions < PEAK_MIN_MENTIONS) continue;
    const share = h.negatives / h.mentions;
    if (!best || share > best.share) best = { share, at: h.hour.toISOString() };
  }
  return best ? { share: round4(best.share), at: best.at } : null;
}

/** The share of the last LATEST_HOURS hours of a series. */
function latestShare(hours: readonly HourRow[]): number | null {
  const tail = hours.slice(-LATEST_HOURS);
  return shareOf(
    tail.reduce((s, h) => s + h.negatives, 0),
    tail.reduce((s, h) => s + h.mentions, 0),
  );
}

/** Responding with the latest share at or below the target reads as monitoring. */
function statusWith(c: CrisisRow, latest: number | null): CrisisStatus {
  return c.status === 'responding' && latest !== null && latest <= c.target_negative_share ? 'monitoring' : c.status;
}

function deadlineState(due: Date, done: Date | null, now: Date): Deadline['state'] {
  if (done) return 'done';
  if (now >= due) return 'overdue';
  return now >= addMinutes(due, -REMINDER_MINUTES) ? 'due_soon' : 'ok';
}

/** The statement's deadline, then (while the crisis runs) the next update's. */
function deadlinesOf(c: CrisisRow, now: Date): Deadline[] {
  const out: Deadline[] = [
    { kind: 'statement', dueAt: c.statement_due_at.toISOString(), doneAt: isoOrNull(c.statement_at), state: deadlineState(c.statement_due_at, c.statement_at, now) },
  ];
  if (c.status !== 'closed' && c.next_update_due_at)
    out.push({ kind: 'update', dueAt: c.next_update_due_at.toISOString(), doneAt: null, state: deadlineState(c.next_update_due_at, null, now) });
  return out;
}
