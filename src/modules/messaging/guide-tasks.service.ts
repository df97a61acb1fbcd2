import { sql } from 'drizzle-orm';
import { systemClock, type Clock } from '../../platform/clock.js';
import { query, type Db } from '../../platform/db/database.js';
import { conflict, invalid, notFound } from '../../platform/errors.js';

export interface GuideTask {
  id: string;
  customerId: string;
  messageId: string | null;
  storeCode: string | null;
  assignee: string | null;
  title: string;
  body: string | null;
  dueAt: Date;
  status: 'open' | 'done' | 'cancelled';
  outcome: string | null;
  note: string | null;
  doneAt: Date | null;
  doneBy: string | null;
  createdAt: Date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const d = (v: unknown) => (v == null ? null : new Date(v instanceof Date ? v.getTime() : String(v)));

function toTask(r: Record<string, unknown>): GuideTask {
  return {
    id: String(r.id),
    customerId: String(r.customer_id),
    messageId: (r.message_id as string | null) ?? null,
    storeCode: (r.store_code as string | null) ?? null,
    assignee: (r.assignee as string | null) ?? null,
    title: String(r.title),
    body: (r.body as string | null) ?? null,
    dueAt: d(r.due_at)!,
    status: r.status as GuideTask['status'],
    outcome: (r.outcome as string | null) ?? null,
    note: (r.note as string | null) ?? null,
    doneAt: d(r.done_at),
    doneBy: (r.done_by as string | null) ?? null,
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

/** Guide tasks (the guide_task channel's deliveries): a store's list by due date, and completing one with its outcome. */
export class GuideTasksService {
  private readonly clock: Clock;
  constructor(
    private readonly db: Db,
    deps: { clock?: Clock } = {},
  ) {
    this.clock = deps.clock ?? systemClock;
  }

  async list(q: { store?: string; status?: GuideTask['status']; customerId?: string; cursor?: string; limit?: number }): Promise<{ items: GuideTask[]; nextCursor: string | null }> {
    const limit = q.limit ?? 50;
    const where = [sql`true`];
    if (q.store) where.push(sql`store_code = ${q.store}`);
    if (q.status) where.push(sql`status = ${q.status}`);
    if (q.customerId) where.push(sql`customer_id = ${q.customerId}::uuid`);
    if (q.cursor) {
      const [due, id] = decodeCursor(q.cursor);
      where.push(sql`(due_at, id) > (${due}::timestamptz, ${id}::uuid)`);
    }
    const rows = await query<Record<string, unknown>>(
      this.db,
      sql`select * from messaging.guide_tasks where ${sql.join(where, sql` and `)} order by due_at, id limit ${limit + 1}`,
    );
    const items = rows.slice(0, limit).map(toTask);
    return { items, nextCursor: rows.length > limit ? encodeCursor(items.at(-1)!) : null };
  }

  async get(id: string): Promise<GuideTask> {
    if (!UUID.test(id)) throw notFound('messaging.task_not_found', `no guide task has the id ${id}`);
    const [row] = await query<Record<string, unknown>>(this.db, sql`select * from messaging.guide_tasks where id = ${id}::uuid`);
    if (!row) throw notFound('messaging.task_not_found', `no guide task has the id ${id}`);
    return toTask(row);
  }

  /** Completes an open task with its outcome (reached, no answer, booked a visit…) and a note. */
  async complete(id: string, input: { outcome: string; note?: string | undefined }, actor: string): Promise<GuideTask> {
    const current = await this.get(id);
    const rows = await query<Record<string, unknown>>(
      this.db,
      sql`update messaging.guide_tasks set status = 'done', outcome = ${input.outcome}, note = ${input.note ?? null},
            done_at = ${this.clock.now().toISOString()}::timestamptz, done_by = ${actor}
          where id = ${id}::uuid and status = 'open' returning *`,
    );
    if (rows.length === 0) throw conflict('messaging.task_not_open', `the task is ${current.status}; only an open task can be completed`, { status: current.status });
    return toTask(rows[0]!);
  }
}
