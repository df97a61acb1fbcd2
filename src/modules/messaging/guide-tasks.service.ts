import { sql, type SQL } from 'drizzle-orm';
import { appendAudit } from '../../platform/audit.js';
import { systemClock, type Clock } from '../../platform/clock.js';
import { inScopeSql, type CustomerScope } from '../../platform/customer-scope.js';
import { query, queryOne, type Db } from '../../platform/db/database.js';
import { conflict, invalid, notFound } from '../../platform/errors.js';
import type { DomainEvent } from '../../platform/events/event-bus.js';
import { newId } from '../../platform/ids.js';
import { CONSENT_WITHDRAWN, TASK_KINDS, type TaskKind, type TaskOutcome, type TaskStatus } from './domain/guide-task.js';

export interface GuideTask {
  id: string;
  customerId: string;
  messageId: string | null;
  kind: TaskKind;
  storeCode: string | null;
  /** The assigned staff member (access.staff.id); null = the store's task, nobody assigned. */
  assigneeStaffId: string | null;
  /** The assignee's username (kept on the row when assigned). */
  assignee: string | null;
  title: string;
  body: string | null;
  dueAt: Date;
  status: TaskStatus;
  outcome: string | null;
  note: string | null;
  doneAt: Date | null;
  doneBy: string | null;
  cancelledAt: Date | null;
  cancelledBy: string | null;
  cancelReason: string | null;
  createdBy: string | null;
  createdAt: Date;
}

/** Who acts: `actor` is written on the row (`staff:li.na`), `auditActor` in the audit log, `scope` limits the customers. */
export interface TaskCaller {
  actor: string;
  auditActor?: string;
  scope?: CustomerScope | undefined;
  /** The caller's staff id when a staff member (what `assignee=me` means). */
  staffId?: string | null;
}

export interface TaskListQuery {
  status?: TaskStatus | undefined;
  kind?: TaskKind | undefined;
  /** A staff id, `me` (the caller) or `none` (the store's unassigned tasks). */
  assignee?: string | undefined;
  store?: string | undefined;
  customerId?: string | undefined;
  dueBefore?: Date | string | undefined;
  dueAfter?: Date | string | undefined;
  /** Open tasks whose due time has passed. */
  overdue?: boolean | undefined;
  cursor?: string | undefined;
  limit?: number | undefined;
}

export interface NewTask {
  customerId: string;
  kind: TaskKind;
  title: string;
  body?: string | undefined;
  dueAt: Date | string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const GUIDE_ROLES = ['guide', 'store_manager'];
const d = (v: unknown) => (v == null ? null : new Date(v instanceof Date ? v.getTime() : String(v)));
const iso = (v: Date | string) => (v instanceof Date ? v : new Date(v)).toISOString();

function toTask(r: Record<string, unknown>): GuideTask {
  return {
    id: String(r.id),
    customerId: String(r.customer_id),
    messageId: (r.message_id as string | null) ?? null,
    kind: r.kind as TaskKind,
    storeCode: (r.store_code as string | null) ?? null,
    assigneeStaffId: (r.assignee_staff_id as string | null) ?? null,
    assignee: (r.assignee as string | null) ?? null,
    title: String(r.title),
    body: (r.body as string | null) ?? null,
    dueAt: d(r.due_at)!,
    status: r.status as TaskStatus,
    outcome: (r.outcome as string | null) ?? null,
    note: (r.note as string | null) ?? null,
    doneAt: d(r.done_at),
    doneBy: (r.done_by as string | null) ?? null,
    cancelledAt: d(r.cancelled_at),
    cancelledBy: (r.cancelled_by as string | null) ?? null,
    cancelReason: (r.cancel_reason as string | null) ?? null,
    createdBy: (r.created_by as string | null) ?? null,
    createdAt: d(r.created_at)!,
  };
}

/** The cursor of a page: the last task's due time and id (tasks come by due time, then id). */
const encodeCursor = (t: GuideTask) => Buffer.from(JSON.stringify([t.dueAt.toISOString(), t.id])).toString('base64url');
function decodeCursor(cursor: string): [string, string] {
  try {
    const [due, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    if (typeof due !== 'string' || Number.isNaN(Date.parse(due)) || !UUID.test(id)) throw new Error('bad');
    return [due, id];
  } catch {
    throw invalid('messaging.invalid_cursor', 'the cursor is not one this list gave', [{ path: 'cursor', message: 'not a cursor from a previous page' }]);
  }
}

/**
 * True when the customer has opted out of the phone contact a task of this kind means (the SQL twin of
 * domain/guide-task.ts phoneOptedOut): per purpose, the latest decision for `phone` or `all` is a withdrawal.
 */
export function phoneOptedOutSql(customerId: SQL, kind: SQL, now: Date): SQL {
  const withdrawn = (purpose: string) => sql`coalesce((select k.status from customers.consents k
      where k.customer_id = ${customerId} and k.channel in ('phone', 'all') and k.purpose = ${purpose}
        and k.recorded_at <= ${now.toISOString()}::timestamptz
      order by k.recorded_at desc, k.id desc limit 1), '') = 'withdrawn'`;
  return sql`((${kind} in ('callback', 'birthday_call') and ${withdrawn('service')}) or (${kind} = 'birthday_call' and ${withdrawn('marketing')}))`;
}

/** The customer's open guide assignment: who looks after them and at which store (staff_id null = the store pool). */
export function openAssignmentSql(customerId: SQL): SQL {
  return sql`(select sa.staff_id, sa.store_code, s.username from staff.assignments sa left join access.staff s on s.id = sa.staff_id
    where sa.customer_id = ${customerId} and sa.ended_at is null order by sa.started_at desc limit 1)`;
}

/**
 * Guide tasks: made by the guide_task channel (a journey's task step, an API send) or by hand; assigned to the
 * customer's guide (their open assignment) at that moment, else to the store pool; listed by due time with filters;
 * reassigned within the store, cancelled with a reason, completed with an outcome. Callers bound to a store (guides,
 * store managers) see and change only the tasks of customers in their scope: anything else is "not found".
 */
export class GuideTasksService {
  private readonly clock: Clock;
  constructor(
    private readonly db: Db,
    deps: { clock?: Clock } = {},
  ) {
    this.clock = deps.clock ?? systemClock;
  }

  async list(q: TaskListQuery, caller: Pick<TaskCaller, 'scope' | 'staffId'> = {}): Promise<{ items: GuideTask[]; nextCursor: string | null }> {
    const limit = q.limit ?? 50;
    const where = [inScopeSql(caller.scope, sql`t.customer_id`)];
    if (q.store) where.push(sql`t.store_code = ${q.store}`);
    if (q.status) where.push(sql`t.status = ${q.status}`);
    if (q.kind) where.push(sql`t.kind = ${q.kind}`);
    if (q.customerId) where.push(sql`t.customer_id = ${q.customerId}::uuid`);
    if (q.assignee === 'none') where.push(sql`t.assignee_staff_id is null`);
    else if (q.assignee === 'me') {
      if (!caller.staffId) throw invalid('guide_tasks.invalid_assignee', 'assignee=me needs a signed-in staff member', [{ path: 'assignee', message: 'only a staff member has tasks of their own' }]);
      where.push(sql`t.assignee_staff_id = ${caller.staffId}::uuid`);
    } else if (q.assignee) {
      if (!UUID.test(q.assignee)) throw invalid('guide_tasks.invalid_assignee', 'assignee is a staff id, me or none', [{ path: 'assignee', message: 'is not a staff id, me or none' }]);
      where.push(sql`t.assignee_staff_id = ${q.assignee}::uuid`);
    }
    if (q.dueBefore) where.push(sql`t.due_at < ${iso(q.dueBefore)}::timestamptz`);
    if (q.dueAfter) where.push(sql`t.due_at >= ${iso(q.dueAfter)}::timestamptz`);
    if (q.overdue === true) where.push(sql`t.status = 'open' and t.due_at < ${this.clock.now().toISOString()}::timestamptz`);
    if (q.overdue === false) where.push(sql`not (t.status = 'open' and t.due_at < ${this.clock.now().toISOString()}::timestamptz)`);
    if (q.cursor) {
      const [due, id] = decodeCursor(q.cursor);
      where.push(sql`(t.due_at, t.id) > (${due}::timestamptz, ${id}::uuid)`);
    }
    const rows = await query<Record<string, unknown>>(
      this.db,
      sql`select t.* from messaging.guide_tasks t where ${sql.join(where, sql` and `)} order by t.due_at, t.id limit ${limit + 1}`,
    );
    const items = rows.slice(0, limit).map(toTask);
    return { items, nextCursor: rows.length > limit ? encodeCursor(items.at(-1)!) : null };
  }

  /** One task; unknown and out-of-scope ids both answer 404. */
  async get(id: string, scope?: CustomerScope, db: Db = this.db, lock = false): Promise<GuideTask> {
    const missing = () => notFound('guide_tasks.not_found', `no guide task has the id ${id}`);
    if (!UUID.test(id)) throw missing();
    const row = await queryOne<Record<string, unknown>>(
      db,
      sql`select t.* from messaging.guide_tasks t where t.id = ${id}::uuid and ${inScopeSql(scope, sql`t.customer_id`)}${lock ? sql` for update` : sql``}`,
    );
    if (!row) throw missing();
    return toTask(row);
  }

  /**
   * A task made by hand for a customer (in the caller's scope): assigned to the customer's guide and store from their
   * open assignment, or to the store pool. A callback or birthday call for a customer who opted out of phone contact:
   * 409 guide_tasks.no_phone_consent, nothing made.
   */
  async create(input: NewTask, caller: TaskCaller): Promise<GuideTask> {
    const customerMissing = () => notFound('guide_tasks.customer_not_found', `no customer has the id ${input.customerId}`);
    if (!UUID.test(input.customerId)) throw customerMissing();
    if (!(TASK_KINDS as readonly string[]).includes(input.kind))
      throw invalid('guide_tasks.invalid_kind', `kind is one of ${TASK_KINDS.join(', ')}`, [{ path: 'kind', message: `is not one of ${TASK_KINDS.join(', ')}` }]);
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const c = sql`${input.customerId}::uuid`;
      const customer = await queryOne<{ status: string; opted_out: boolean }>(
        tx,
        sql`select cu.status, ${phoneOptedOutSql(c, sql`${input.kind}::text`, now)} as opted_out from customers.customers cu
            where cu.id = ${c} and ${inScopeSql(caller.scope, sql`cu.id`)}`,
      );
      if (!customer || customer.status !== 'active') throw customerMissing();
      if (customer.opted_out)
        throw conflict('guide_tasks.no_phone_consent', `the customer opted out of phone contact; no ${input.kind} task can be made for them`, { kind: input.kind });
      const id = newId();
      const [row] = await query<Record<string, unknown>>(
        tx,
        sql`insert into messaging.guide_tasks (id, customer_id, kind, store_code, assignee_staff_id, assignee, title, body, due_at, status, created_by, created_at)
            select ${id}::uuid, ${c}, ${input.kind}, a.store_code, a.staff_id, a.username, ${input.title}, ${input.body ?? null},
              ${iso(input.dueAt)}::timestamptz, 'open', ${caller.actor}, ${now.toISOString()}::timestamptz
            from (select 1) one left join lateral ${openAssignmentSql(c)} a on true
            returning *`,
      );
      return toTask(row!);
    });
  }

  /** Completes an open task with its outcome and a note. A done or cancelled task: 409. */
  async complete(id: string, input: { outcome: TaskOutcome; note?: string | undefined }, caller: TaskCaller): Promise<GuideTask> {
    return this.db.transaction(async (tx) => {
      this.mustBeOpen(await this.get(id, caller.scope, tx, true), 'completed');
      const [row] = await query<Record<string, unknown>>(
        tx,
        sql`update messaging.guide_tasks set status = 'done', outcome = ${input.outcome}, note = ${input.note ?? null},
              done_at = ${this.clock.now().toISOString()}::timestamptz, done_by = ${caller.actor}
            where id = ${id}::uuid returning *`,
      );
      return toTask(row!);
    });
  }

  /** Cancels an open task with the reason. A done or cancelled task: 409. */
  async cancel(id: string, reason: string, caller: TaskCaller): Promise<GuideTask> {
    return this.db.transaction(async (tx) => {
      this.mustBeOpen(await this.get(id, caller.scope, tx, true), 'cancelled');
      const [row] = await query<Record<string, unknown>>(
        tx,
        sql`update messaging.guide_tasks set status = 'cancelled', cancel_reason = ${reason},
              cancelled_at = ${this.clock.now().toISOString()}::timestamptz, cancelled_by = ${caller.actor}
            where id = ${id}::uuid returning *`,
      );
      return toTask(row!);
    });
  }

  /**
   * Gives an open task to another staff member: an active (not disabled) guide or store manager of the task's store
   * (any store when the task has none; the task then takes that store). Anyone else: 400 naming staffId. Audited as
   * `guide_tasks.reassign` with the from/to staff ids.
   */
  async reassign(id: string, staffId: string, caller: TaskCaller): Promise<GuideTask> {
    return this.db.transaction(async (tx) => {
      const task = await this.get(id, caller.scope, tx, true);
      this.mustBeOpen(task, 'reassigned');
      const bad = (message: string) => invalid('guide_tasks.invalid_assignee', `staffId: ${message}`, [{ path: 'staffId', message }]);
      if (!UUID.test(staffId)) throw bad('is not a staff id');
      const staff = await queryOne<{ id: string; username: string; role: string; store_code: string | null; disabled_at: unknown }>(
        tx,
        sql`select id, username, role, store_code, disabled_at from access.staff where id = ${staffId}::uuid`,
      );
      if (!staff) throw bad(`no staff member has the id ${staffId}`);
      if (staff.disabled_at !== null) throw bad(`${staff.username} is disabled`);
      if (!GUIDE_ROLES.includes(staff.role)) throw bad(`${staff.username} is a ${staff.role}; tasks go to guides and store managers`);
      if (task.storeCode !== null && staff.store_code !== task.storeCode) throw bad(`${staff.username} is not staff of store ${task.storeCode}`);
      if (task.assigneeStaffId === staff.id) throw conflict('guide_tasks.already_assigned', `the task is already assigned to ${staff.username}`);
      const [row] = await query<Record<string, unknown>>(
        tx,
        sql`update messaging.guide_tasks set assignee_staff_id = ${staff.id}::uuid, assignee = ${staff.username},
              store_code = coalesce(store_code, ${staff.store_code})
            where id = ${id}::uuid returning *`,
      );
      await appendAudit(tx, {
        actor: caller.auditActor ?? caller.actor,
        action: 'guide_tasks.reassign',
        targetType: 'guide_task',
        targetId: id,
        details: { from: task.assigneeStaffId, to: staff.id },
      });
      return toTask(row!);
    });
  }

  /**
   * Cancels the open callbacks and birthday calls of these customers who opted out of phone contact (reason
   * consent_withdrawn, by system:consent). Returns how many.
   */
  async cancelForWithdrawnConsent(db: Db, customerIds: readonly string[]): Promise<number> {
    const ids = [...new Set(customerIds)].filter((c) => UUID.test(c));
    if (ids.length === 0) return 0;
    const now = this.clock.now();
    const rows = await query<{ id: string }>(
      db,
      sql`update messaging.guide_tasks t set status = 'cancelled', cancel_reason = ${CONSENT_WITHDRAWN},
            cancelled_at = ${now.toISOString()}::timestamptz, cancelled_by = 'system:consent'
          where t.customer_id = any(${sql.param(ids)}::uuid[]) and t.status = 'open' and t.kind in ('callback', 'birthday_call')
            and ${phoneOptedOutSql(sql`t.customer_id`, sql`t.kind`, now)}
          returning t.id`,
    );
    return rows.length;
  }

  private mustBeOpen(task: GuideTask, what: string): void {
    if (task.status !== 'open')
      throw conflict('guide_tasks.task_closed', `the task is ${task.status}; only an open task can be ${what}`, { status: task.status });
  }
}

/** The subscriber of customers.profiles.changed (consents recorded): open phone tasks of those who opted out are cancelled. */
export const CANCEL_PHONE_TASKS_SUBSCRIBER = 'messaging.cancel-phone-tasks';

export function cancelPhoneTasksWhenConsentsChange(tasks: GuideTasksService) {
  return async (events: Array<DomainEvent<{ customerIds?: string[] }>>, db: Db): Promise<void> => {
    await tasks.cancelForWithdrawnConsent(db, events.flatMap((e) => e.payload.customerIds ?? []));
  };
}
