import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { actorOf } from '../../../platform/audit.js';
import { customerScope } from '../../../platform/customer-scope.js';
import type { GuideTasksService, TaskCaller } from '../guide-tasks.service.js';
import { CancelGuideTaskInput, CompleteGuideTaskInput, GuideTaskListQuery, NewGuideTaskInput, ReassignGuideTaskInput } from '../guide-tasks.schemas.js';

/** Who calls: the row's actor text, the audit actor, the customer scope (guides and store managers) and a staff id. */
function callerOf(req: FastifyRequest): TaskCaller {
  const p = req.principal!;
  return { actor: `${p.kind}:${p.name}`, auditActor: actorOf(p), scope: customerScope(p), staffId: p.kind === 'staff' ? p.id : null };
}

/**
 * Guide tasks (/api/v1/guide-tasks): the list by due time with filters (cursor pages), one task, made by hand,
 * completed with an outcome, cancelled with a reason, reassigned within the store. Guides and store managers see and
 * change only tasks of customers in their scope (others: 404). The first routes under /api/v1/messaging/guide-tasks
 * stay as aliases of the list and the completion.
 */
export function registerGuideTasksRoutes(root: FastifyInstance, tasks: GuideTasksService) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['guide-tasks'];
  const params = z.object({ id: z.uuid() });

  for (const url of ['/api/v1/guide-tasks', '/api/v1/messaging/guide-tasks']) {
    app.get(
      url,
      {
        config: { scope: 'messaging:read' },
        schema: { tags, summary: 'Guide tasks by due time (filters status, kind, assignee, store, customer, due before/after, overdue; cursor pages)', querystring: GuideTaskListQuery },
      },
      async (req) => tasks.list(req.query, callerOf(req)),
    );
    app.post(
      `${url}/:id/complete`,
      { config: { scope: 'messaging:write' }, schema: { tags, summary: 'Complete an open task with its outcome (reached, no_answer, declined, wrong_number, done) and a note', params, body: CompleteGuideTaskInput } },
      async (req) => tasks.complete(req.params.id, req.body, callerOf(req)),
    );
  }

  app.get(
    '/api/v1/guide-tasks/:id',
    { config: { scope: 'messaging:read' }, schema: { tags, summary: 'One guide task', params } },
    async (req) => tasks.get(req.params.id, customerScope(req.principal)),
  );

  app.post(
    '/api/v1/guide-tasks',
    {
      config: { scope: 'messaging:write' },
      schema: { tags, summary: 'Make a task for the customer’s guide (assigned from their open assignment; phone tasks need phone consent)', body: NewGuideTaskInput },
    },
    async (req, reply) => {
      const task = await tasks.create(req.body, callerOf(req));
      reply.status(201);
      return task;
    },
  );

  app.post(
    '/api/v1/guide-tasks/:id/cancel',
    { config: { scope: 'messaging:write' }, schema: { tags, summary: 'Cancel an open task with a reason', params, body: CancelGuideTaskInput } },
    async (req) => tasks.cancel(req.params.id, req.body.reason, callerOf(req)),
  );

  app.post(
    '/api/v1/guide-tasks/:id/reassign',
    { config: { scope: 'messaging:write' }, schema: { tags, summary: 'Give an open task to another active guide or store manager of its store (audited)', params, body: ReassignGuideTaskInput } },
    async (req) => tasks.reassign(req.params.id, req.body.staffId, callerOf(req)),
  );
}
