import { z } from 'zod';
import { TASK_KINDS, TASK_OUTCOMES, TASK_STATUSES } from './domain/guide-task.js';

const instant = z.iso.datetime({ offset: true });
const bool = z.enum(['true', 'false']).transform((v) => v === 'true');

export const GuideTaskListQuery = z.object({
  status: z.enum(TASK_STATUSES).optional(),
  kind: z.enum(TASK_KINDS).optional(),
  assignee: z.string().trim().min(1).max(64).optional().describe('A staff id, `me` (the signed-in staff member) or `none` (the store’s unassigned tasks)'),
  store: z.string().trim().min(1).max(64).optional(),
  customerId: z.uuid().optional(),
  dueBefore: instant.optional().describe('Due strictly before this instant'),
  dueAfter: instant.optional().describe('Due at or after this instant'),
  overdue: bool.optional().describe('true: open tasks past their due time; false: the others'),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

export const NewGuideTaskInput = z
  .object({
    customerId: z.uuid(),
    kind: z.enum(TASK_KINDS),
    title: z.string().trim().min(1).max(200),
    body: z.string().trim().max(4000).optional(),
    dueAt: instant,
  })
  .strict();

export const CompleteGuideTaskInput = z
  .object({
    outcome: z.enum(TASK_OUTCOMES),
    note: z.string().trim().max(2000).optional(),
  })
  .strict();

export const CancelGuideTaskInput = z.object({ reason: z.string().trim().min(1).max(500) }).strict();
export const ReassignGuideTaskInput = z.object({ staffId: z.uuid() }).strict();
