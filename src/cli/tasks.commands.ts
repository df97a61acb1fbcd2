import os from 'node:os';
import type { Command } from 'commander';
import type { z } from 'zod';
import { TASK_KINDS, TASK_OUTCOMES, TASK_STATUSES, type GuideTask } from '../modules/messaging/index.js';
import { CancelGuideTaskInput, CompleteGuideTaskInput, GuideTaskListQuery, NewGuideTaskInput } from '../modules/messaging/guide-tasks.schemas.js';
import { CliError, withBackend } from './context.js';

const cliActor = () => ({ actor: `cli:${os.userInfo().username || 'operator'}` });
const when = (v: Date | string | null) => (v ? new Date(v).toISOString().slice(0, 16).replace('T', ' ') : '—');
const print = (json: boolean, value: unknown, text: string) => console.log(json ? JSON.stringify(value, null, 2) : text);

/** Checks the values as the API does; a bad one exits 2 naming the option. */
function parse<S extends z.ZodType>(schema: S, value: unknown, flags: Record<string, string> = {}): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = String(issue.path[0] ?? '');
  throw new CliError(`${flags[field] ?? `--${field}`}: ${issue.message}`, 2);
}

const line = (t: GuideTask) =>
  `${t.id}  ${t.status.padEnd(9)} ${t.kind.padEnd(13)} due ${when(t.dueAt)}  ${(t.storeCode ?? '—').padEnd(8)} ${(t.assignee ?? '—').padEnd(12)} ${t.title}`;

/** `kemai tasks list|create|cancel|done`: guide tasks (callbacks, follow-ups, birthday calls) from the command line. */
export function registerTasksCommands(program: Command): void {
  const tasks = program.command('tasks').description('Guide tasks: callbacks, follow-ups, birthday calls — list, create, cancel, done');

  tasks
    .command('list')
    .description('Tasks by due time (open ones unless --status says otherwise)')
    .option('--status <status>', TASK_STATUSES.join(', '), 'open')
    .option('--kind <kind>', TASK_KINDS.join(', '))
    .option('--assignee <who>', 'a staff id or none')
    .option('--store <code>', 'one store')
    .option('--customer <id>', 'one customer')
    .option('--due-before <instant>', 'due before this instant (ISO 8601 with its offset)')
    .option('--due-after <instant>', 'due at or after this instant')
    .option('--overdue', 'open tasks past their due time')
    .option('--limit <n>', 'at most this many (1–500)', '50')
    .option('--json', 'machine-readable output')
    .action(async (o: { status: string; kind?: string; assignee?: string; store?: string; customer?: string; dueBefore?: string; dueAfter?: string; overdue?: boolean; limit: string; json?: boolean }) => {
      const raw: Record<string, string> = { status: o.status, limit: o.limit };
      for (const [k, v] of Object.entries({ kind: o.kind, assignee: o.assignee, store: o.store, customerId: o.customer, dueBefore: o.dueBefore, dueAfter: o.dueAfter }))
        if (v !== undefined) raw[k] = v;
      if (o.overdue) raw.overdue = 'true';
      const q = parse(GuideTaskListQuery, raw, { customerId: '--customer', dueBefore: '--due-before', dueAfter: '--due-after' });
      const page = await withBackend(async (b) =>
        b.mode === 'remote'
          ? b.api.call<{ items: GuideTask[]; nextCursor: string | null }>('GET', `/api/v1/guide-tasks?${new URLSearchParams(raw).toString()}`)
          : b.kemai.messaging.guideTasks.list(q),
      );
      print(!!o.json, page, page.items.length === 0 ? 'No tasks.' : [...page.items.map(line), `${page.items.length} ${page.items.length === 1 ? 'task' : 'tasks'}${page.nextCursor ? ' (more)' : ''}`].join('\n'));
    });

  tasks
    .command('create')
    .description('A task for the customer’s guide (assigned from their open assignment; callbacks and birthday calls need phone consent)')
    .requiredOption('--customer <id>', 'the customer id')
    .requiredOption('--kind <kind>', TASK_KINDS.join(', '))
    .requiredOption('--title <text>', 'what to do')
    .requiredOption('--due <instant>', 'when it is due (ISO 8601 with its offset, e.g. 2026-12-01T18:00:00+08:00)')
    .option('--body <text>', 'details')
    .option('--json', 'machine-readable output')
    .action(async (o: { customer: string; kind: string; title: string; due: string; body?: string; json?: boolean }) => {
      const input = parse(NewGuideTaskInput, { customerId: o.customer, kind: o.kind, title: o.title, dueAt: o.due, ...(o.body ? { body: o.body } : {}) }, { customerId: '--customer', dueAt: '--due' });
      const task = await withBackend(async (b) =>
        b.mode === 'remote' ? b.api.call<GuideTask>('POST', '/api/v1/guide-tasks', input) : b.kemai.messaging.guideTasks.create(input, cliActor()),
      );
      print(!!o.json, task, `task ${task.id} (${task.kind}) for ${task.assignee ?? (task.storeCode ? `store ${task.storeCode}` : 'nobody yet')}, due ${when(task.dueAt)}`);
    });

  tasks
    .command('cancel <id>')
    .description('Cancel an open task')
    .requiredOption('--reason <text>', 'why')
    .option('--json', 'machine-readable output')
    .action(async (id: string, o: { reason: string; json?: boolean }) => {
      const { reason } = parse(CancelGuideTaskInput, { reason: o.reason });
      const task = await withBackend(async (b) =>
        b.mode === 'remote' ? b.api.call<GuideTask>('POST', `/api/v1/guide-tasks/${encodeURIComponent(id)}/cancel`, { reason }) : b.kemai.messaging.guideTasks.cancel(id, reason, cliActor()),
      );
      print(!!o.json, task, `task ${task.id} cancelled: ${task.cancelReason}`);
    });

  tasks
    .command('done <id>')
    .description('Complete an open task with its outcome')
    .requiredOption('--outcome <outcome>', TASK_OUTCOMES.join(', '))
    .option('--note <text>', 'how it went')
    .option('--json', 'machine-readable output')
    .action(async (id: string, o: { outcome: string; note?: string; json?: boolean }) => {
      const input = parse(CompleteGuideTaskInput, { outcome: o.outcome, ...(o.note ? { note: o.note } : {}) });
      const task = await withBackend(async (b) =>
        b.mode === 'remote' ? b.api.call<GuideTask>('POST', `/api/v1/guide-tasks/${encodeURIComponent(id)}/complete`, input) : b.kemai.messaging.guideTasks.complete(id, input, cliActor()),
      );
      print(!!o.json, task, `task ${task.id} done: ${task.outcome}${task.note ? ` (${task.note})` : ''}`);
    });
}
