import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { GuideTasksService } from '../guide-tasks.service.js';
import { CompleteTaskInput, GuideTaskQuery } from '../messaging-delivery.schemas.js';

/** Guide tasks: a store's list by due date (cursor pages) and completing an open one. */
export function registerGuideTasksRoutes(root: FastifyInstance, tasks: GuideTasksService) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['messaging'];

  app.get(
    '/api/v1/messaging/guide-tasks',
    { config: { scope: 'messaging:read' }, schema: { tags, summary: 'Guide tasks by due date (filters store, status, customerId; cursor pages)', querystring: GuideTaskQuery } },
    async (req) => tasks.list(req.query),
  );

  app.post(
    '/api/v1/messaging/guide-tasks/:id/complete',
    { config: { scope: 'messaging:write' }, schema: { tags, summary: 'Complete an open task with its outcome and a note', params: z.object({ id: z.uuid() }), body: CompleteTaskInput } },
    async (req) => tasks.complete(req.params.id, req.body, `${req.principal!.kind}:${req.principal!.name}`),
  );
}
