import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { DefinitionInput, JourneyInput } from '../journeys.schemas.js';
import { JOURNEY_STATUSES, JourneyPatch, type JourneysService } from '../journeys.service.js';

const actor = (req: FastifyRequest) => `${req.principal!.kind}:${req.principal!.name}`;
const Params = z.object({ id: z.string().trim().min(1).max(64).describe('The journey id (or its code)') });

/**
 * /api/v1/journeys: definitions, versions, publish / pause / resume / archive, enrollments and stats against the
 * holdout; /api/v1/customers/{id}/journeys. Reading needs journeys:read, changing journeys:write.
 */
export function registerJourneysRoutes(root: FastifyInstance, journeys: JourneysService) {
  const tags = ['journeys'];
  root.register(async (scoped) => {
    const app = scoped.withTypeProvider<ZodTypeProvider>();

    app.get(
      '/api/v1/journeys',
      {
        config: { scope: 'journeys:read' },
        schema: { tags, summary: 'Journeys in code order, with entered / active / held-out / converted counts', querystring: z.object({ status: z.enum(JOURNEY_STATUSES).optional(), kind: z.enum(['journey', 'campaign']).optional() }) },
      },
      async (req) => ({ items: await journeys.list(req.query) }),
    );

    app.post(
      '/api/v1/journeys',
      { config: { scope: 'journeys:write' }, schema: { tags, summary: 'Create a journey (a draft, version 1)', body: JourneyInput } },
      async (req, reply) => {
        const j = await journeys.create(req.body, actor(req));
        reply.status(201);
        return j;
      },
    );

    app.post(
      '/api/v1/journeys/validate',
      {
        config: { scope: 'journeys:read' },
        schema: { tags, summary: 'Check a definition: its shape, then the templates, coupon templates and segments it names', body: z.unknown() },
      },
      async (req) => {
        const definition = journeys.validate(req.body);
        const issues = await journeys.references(definition);
        return { valid: issues.length === 0, issues, definition };
      },
    );

    app.get('/api/v1/journeys/:id', { config: { scope: 'journeys:read' }, schema: { tags, summary: 'A journey with its versions (newest first)', params: Params } }, async (req) =>
      journeys.get(req.params.id),
    );

    app.patch(
      '/api/v1/journeys/:id',
      { config: { scope: 'journeys:write' }, schema: { tags, summary: 'Change name, description, holdout share, re-entry', params: Params, body: JourneyPatch } },
      async (req) => journeys.update(req.params.id, req.body),
    );

    app.put(
      '/api/v1/journeys/:id/definition',
      {
        config: { scope: 'journeys:write' },
        schema: {
          tags,
          summary: 'A new definition: edits the unpublished version, or opens the next version (a draft until published)',
          params: Params,
          body: DefinitionInput,
          querystring: z.object({ note: z.string().trim().max(500).optional() }),
        },
      },
      async (req) => journeys.saveDefinition(req.params.id, req.body, actor(req), req.query.note),
    );

    app.post(
      '/api/v1/journeys/:id/publish',
      {
        config: { scope: 'journeys:write' },
        schema: {
          tags,
          summary: 'Publish the newest version (the journey becomes active); migrate moves waiting enrollments whose step exists in it',
          params: Params,
          body: z.object({ migrate: z.boolean().default(false) }).strict().optional(),
        },
      },
      async (req) => journeys.publish(req.params.id, { migrate: req.body?.migrate ?? false }),
    );
    for (const action of ['pause', 'resume', 'archive'] as const)
      app.post(
        `/api/v1/journeys/:id/${action}`,
        { config: { scope: 'journeys:write' }, schema: { tags, summary: `${action[0]!.toUpperCase()}${action.slice(1)} the journey`, params: Params } },
        async (req) => journeys[action](req.params.id),
      );

    app.get('/api/v1/journeys/:id/versions', { config: { scope: 'journeys:read' }, schema: { tags, summary: 'Versions, newest first', params: Params } }, async (req) => ({
      items: await journeys.versions(req.params.id),
    }));

    app.get(
      '/api/v1/journeys/:id/stats',
      { config: { scope: 'journeys:read' }, schema: { tags, summary: 'Entered, per step, messages, conversion and revenue per customer treated vs holdout with 95 % intervals', params: Params } },
      async (req) => journeys.stats(req.params.id),
    );

    app.get(
      '/api/v1/journeys/:id/enrollments',
      {
        config: { scope: 'journeys:read' },
        schema: {
          tags,
          summary: 'Enrollments in id order, a page at a time',
          params: Params,
          querystring: z.object({
            status: z.enum(['active', 'held_out', 'completed', 'exited', 'converted', 'failed']).optional(),
            step: z.string().trim().min(1).max(40).optional(),
            cursor: z.uuid().optional(),
            limit: z.coerce.number().int().min(1).max(1000).default(100),
          }),
        },
      },
      async (req) => journeys.enrollments(req.params.id, req.query),
    );

    app.get(
      '/api/v1/customers/:id/journeys',
      { config: { scope: 'journeys:read' }, schema: { tags, summary: 'A customer’s passes through journeys with the steps each ran', params: z.object({ id: z.uuid() }) } },
      async (req) => ({ items: await journeys.forCustomer(req.params.id) }),
    );
  });
}
