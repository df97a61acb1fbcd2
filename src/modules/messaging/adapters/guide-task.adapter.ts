import { sql } from 'drizzle-orm';
import type { Clock } from '../../../platform/clock.js';
import { query, type Db } from '../../../platform/db/database.js';
import type { ChannelAdapter, OutgoingMessage, SendOutcome } from '../messaging.contract.js';
import { isTaskKind } from '../domain/guide-task.js';
import { openAssignmentSql } from '../guide-tasks.service.js';
import { SQL_UUID_V7 } from '../messaging.service.js';

const DAY = 86_400_000;

/**
 * The guide_task channel's delivery: a task row for the customer's guide and store (their open staff assignment; a
 * customer in a store's pool gives the store's unassigned task; without an assignment, the store the send-time checks
 * found), of kind variables.taskKind (a journey task step's kind; default other), due in variables.dueDays days
 * (default the channel's dueDays, 3), titled by the subject or the text's first line. Unique on the message id, so
 * sending the same message again after a crash makes no second task. (Phone tasks for customers who opted out of phone
 * contact never get here: the send-time checks block them as opted_out.)
 */
export class GuideTaskAdapter implements ChannelAdapter {
  readonly name = 'guide_task';
  constructor(private readonly clock: Clock) {}

  async send(messages: readonly OutgoingMessage[], config: Record<string, unknown>, db: Db): Promise<SendOutcome[]> {
    if (messages.length === 0) return [];
    const now = this.clock.now().getTime();
    const defaultDays = Number(config.dueDays ?? 3);
    const rows = messages.map((m) => {
      const days = Number(m.variables.dueDays);
      const due = new Date(now + (Number.isFinite(days) && days >= 0 ? days : defaultDays) * DAY);
      const firstLine = m.body.split('\n').find((l) => l.trim().length > 0) ?? m.body;
      return {
        message_id: m.id,
        customer_id: m.customerId,
        kind: isTaskKind(m.variables.taskKind) ? m.variables.taskKind : 'other',
        store_code: m.to && m.to !== '-' ? m.to : null,
        title: (m.subject?.trim() || firstLine).slice(0, 200) || '—',
        body: m.body,
        due_at: due.toISOString(),
      };
    });
    await db.execute(sql`insert into messaging.guide_tasks (id, customer_id, message_id, kind, store_code, assignee_staff_id, assignee, title, body, due_at, status, created_by, created_at)
      select ${SQL_UUID_V7}, r.customer_id, r.message_id, r.kind, coalesce(a.store_code, r.store_code),
        a.staff_id, a.username, r.title, r.body, r.due_at, 'open', 'system:messaging', ${new Date(now).toISOString()}::timestamptz
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as r(message_id uuid, customer_id uuid, kind text, store_code text, title text, body text, due_at timestamptz)
      left join lateral ${openAssignmentSql(sql`r.customer_id`)} a on true
      on conflict (customer_id, message_id) do nothing`);
    const tasks = await query<{ id: string; message_id: string }>(
      db,
      sql`select id, message_id from messaging.guide_tasks where message_id = any(${sql.param(messages.map((m) => m.id))}::uuid[])`,
    );
    const byMessage = new Map(tasks.map((t) => [t.message_id, t.id]));
    return messages.map((m): SendOutcome => {
      const task = byMessage.get(m.id);
      return task ? { id: m.id, status: 'sent', providerMessageId: task } : { id: m.id, status: 'retry', error: 'task not recorded' };
    });
  }
}
