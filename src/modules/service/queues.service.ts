import { sql } from 'drizzle-orm';
import { systemClock, type Clock } from '../../platform/clock.js';
import { query, queryOne, type Db } from '../../platform/db/database.js';
import { conflict, invalid, notFound, zodIssues, type FieldIssue } from '../../platform/errors.js';
import { newId } from '../../platform/ids.js';
import { QueueInput, QueuePatch, type QueueRoutes } from './tickets.schemas.js';

export interface Queue {
  id: string;
  code: string;
  name: string;
  status: 'active' | 'archived';
  priority: number;
  routes: QueueRoutes;
  assignment: 'manual' | 'round_robin' | 'least_open';
  memberIds: string[];
  managerId: string | null;
  lastAssigneeId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** What routing looks at in a new ticket. */
export interface RoutableTicket {
  kind: string;
  category: string | null;
  channel: string;
  severity: string | null;
  storeCode: string | null;
}

type Row = Record<string, unknown>;
const json = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));
const iso = (v: unknown) => (v instanceof Date ? v : new Date(String(v))).toISOString();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function toQueue(r: Row): Queue {
  return {
    id: String(r.id),
    code: String(r.code),
    name: String(r.name),
    status: r.status as Queue['status'],
    priority: Number(r.priority),
    routes: json<QueueRoutes>(r.routes) ?? {},
    assignment: r.assignment as Queue['assignment'],
    memberIds: (r.member_ids as string[] | null) ?? [],
    managerId: (r.manager_id as string | null) ?? null,
    lastAssigneeId: (r.last_assignee_id as string | null) ?? null,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

/** Whether a queue's routes take a ticket: every list given must contain the ticket's value. */
export function routesMatch(routes: QueueRoutes, t: RoutableTicket): boolean {
  const has = (list: readonly string[] | undefined, v: string | null) => !list || list.length === 0 || (v !== null && list.includes(v));
  return has(routes.kinds, t.kind) && has(routes.categories, t.category) && has(routes.channels, t.channel) && has(routes.severities, t.severity) && has(routes.storeCodes, t.storeCode);
}

const fail = (issues: FieldIssue[]) => invalid('service.invalid_queue', `${issues[0]!.path}: ${issues[0]!.message}`, issues);

/**
 * Queues: where tickets wait. A new ticket goes to the first active queue (lowest priority, then code) whose routes
 * match; the queue's assignment picks its assignee: manual (nobody), round_robin (the member after the last one given a
 * ticket), least_open (the member with the fewest live tickets, the earlier member on a tie).
 */
export class QueuesService {
  private clock: Clock = systemClock;

  constructor(private readonly db: Db) {}

  useClock(clock: Clock): void {
    this.clock = clock;
  }

  async list(q: { status?: 'active' | 'archived' | undefined } = {}): Promise<Queue[]> {
    const rows = await query<Row>(this.db, sql`select * from service.queues where true ${q.status ? sql`and status = ${q.status}` : sql``} order by priority, code collate "C"`);
    return rows.map(toQueue);
  }

  async get(idOrCode: string, db: Db = this.db): Promise<Queue> {
    const r = UUID.test(idOrCode)
      ? await queryOne<Row>(db, sql`select * from service.queues where id = ${idOrCode}::uuid`)
      : await queryOne<Row>(db, sql`select * from service.queues where code = ${idOrCode}`);
    if (!r) throw notFound('service.queue_not_found', `no queue ${idOrCode}`);
    return toQueue(r);
  }

  private async checkStaff(db: Db, memberIds: readonly string[] | undefined, managerId: string | null | undefined): Promise<void> {
    const ids = [...(memberIds ?? []), ...(managerId ? [managerId] : [])];
    if (ids.length === 0) return;
    const rows = await query<{ id: string }>(db, sql`select id from access.staff where id = any(${sql.param(ids)}::uuid[]) and disabled_at is null`);
    const known = new Set(rows.map((r) => r.id));
    const issues: FieldIssue[] = [];
    (memberIds ?? []).forEach((m, i) => {
      if (!known.has(m)) issues.push({ path: `memberIds.${i}`, message: `no active staff member ${m}` });
    });
    if (managerId && !known.has(managerId)) issues.push({ path: 'managerId', message: `no active staff member ${managerId}` });
    if (issues.length > 0) throw fail(issues);
  }

  async create(input: unknown): Promise<Queue> {
    const r = QueueInput.safeParse(input);
    if (!r.success) throw fail(zodIssues(r.error.issues));
    const q = r.data;
    await this.checkStaff(this.db, q.memberIds, q.managerId);
    const now = this.clock.now().toISOString();
    const row = await queryOne<Row>(
      this.db,
      sql`insert into service.queues (id, code, name, status, priority, routes, assignment, member_ids, manager_id, created_at, updated_at)
          values (${newId()}, ${q.code}, ${q.name}, 'active', ${q.priority}, ${JSON.stringify(q.routes)}::jsonb, ${q.assignment},
                  ${sql.param([...new Set(q.memberIds)])}::uuid[], ${q.managerId ?? null}, ${now}, ${now})
          on conflict (code) do nothing returning *`,
    );
    if (!row) throw conflict('service.queue_exists', `a queue has the code ${q.code}`);
    return toQueue(row);
  }

  async update(idOrCode: string, input: unknown): Promise<Queue> {
    const r = QueuePatch.safeParse(input);
    if (!r.success) throw fail(zodIssues(r.error.issues));
    const p = r.data;
    const current = await this.get(idOrCode);
    await this.checkStaff(this.db, p.memberIds, p.managerId);
    const row = await queryOne<Row>(
      this.db,
      sql`update service.queues set
            name = ${p.name ?? current.name}, status = ${p.status ?? current.status}, priority = ${p.priority ?? current.priority},
            routes = ${JSON.stringify(p.routes ?? current.routes)}::jsonb, assignment = ${p.assignment ?? current.assignment},
            member_ids = ${sql.param(p.memberIds ? [...new Set(p.memberIds)] : current.memberIds)}::uuid[],
            manager_id = ${p.managerId === undefined ? current.managerId : p.managerId},
            updated_at = ${this.clock.now().toISOString()}
          where id = ${current.id} returning *`,
    );
    return toQueue(row!);
  }

  /** Archives a queue: it takes no new tickets; its tickets stay where they are. */
  async archive(idOrCode: string): Promise<Queue> {
    return this.update(idOrCode, { status: 'archived' });
  }

  /** The seeds: `general` (takes anything, last) and `complaints` (complaints first). Existing codes are left as they are. */
  async ensureDefaults(db: Db = this.db): Promise<void> {
    const now = this.clock.now().toISOString();
    await db.execute(
      sql`insert into service.queues (id, code, name, priority, routes, assignment, created_at, updated_at) values
            (${newId()}, 'complaints', 'Complaints', 100, ${JSON.stringify({ kinds: ['complaint'] })}::jsonb, 'least_open', ${now}, ${now}),
            (${newId()}, 'general', 'General', 1000, '{}'::jsonb, 'least_open', ${now}, ${now})
          on conflict (code) do nothing`,
    );
  }

  /** The first active queue whose routes match the ticket, or null when none does. */
  async route(tx: Db, t: RoutableTicket): Promise<Queue | null> {
    const rows = await query<Row>(tx, sql`select * from service.queues where status = 'active' order by priority, code collate "C"`);
    for (const r of rows) {
      const q = toQueue(r);
      if (routesMatch(q.routes, t)) return q;
    }
    return null;
  }

  /**
   * The assignee the queue's assignment gives a new ticket (null for manual or a queue without members). Takes the
   * queue's row lock, so concurrent tickets of a round-robin queue go to successive members.
   */
  async pickAssignee(tx: Db, queueId: string): Promise<string | null> {
    const row = await queryOne<Row>(tx, sql`select * from service.queues where id = ${queueId}::uuid for update`);
    if (!row) return null;
    const q = toQueue(row);
    if (q.assignment === 'manual' || q.memberIds.length === 0) return null;
    const active = await query<{ id: string }>(tx, sql`select id from access.staff where id = any(${sql.param(q.memberIds)}::uuid[]) and disabled_at is null`);
    const live = new Set(active.map((r) => r.id));
    const members = q.memberIds.filter((m) => live.has(m));
    if (members.length === 0) return null;
    let pick: string;
    if (q.assignment === 'round_robin') {
      const last = q.lastAssigneeId ? members.indexOf(q.lastAssigneeId) : -1;
      pick = members[(last + 1) % members.length]!;
    } else {
      const counts = await query<{ id: string; n: number }>(
        tx,
        sql`select m.id, (select count(*)::int from service.tickets t where t.assignee_id = m.id and t.status in ('new', 'open', 'pending')) as n
            from unnest(${sql.param(members)}::uuid[]) with ordinality as m(id, ord) order by n, m.ord`,
      );
      pick = counts[0]!.id;
    }
    await tx.execute(sql`update service.queues set last_assignee_id = ${pick}::uuid where id = ${queueId}::uuid`);
    return pick;
  }
}
