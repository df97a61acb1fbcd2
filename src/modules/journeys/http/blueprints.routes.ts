import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { BlueprintsService } from '../blueprints.js';

const actor = (req: FastifyRequest) => `${req.principal!.kind}:${req.principal!.name}`;

const InstallInput = z
  .object({
    code: z.string().trim().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a code is 1–64 of A-Z a-z 0-9 _ -').optional().describe('The journey’s code (default the blueprint’s)'),
    name: z.string().trim().min(1).max(120).optional().describe('The journey’s name (default the blueprint’s)'),
  })
  .strict();

/** The language of names and descriptions: `?locale=`, else the Accept-Language header, else zh-CN. */
function localeOf(req: FastifyRequest, asked: 'zh-CN' | 'en' | undefined): 'zh-CN' | 'en' {
  if (asked) return asked;
  const header = req.headers['accept-language'];
  return typeof header === 'string' && /^\s*en\b/i.test(header) ? 'en' : 'zh-CN';
}

/**
 * /api/v1/journeys/blueprints: the ready-made journeys of the seeds (journeys:read) and installing one as a draft
 * journey with its message and coupon templates (journeys:write; idempotent by journey code).
 */
export function registerBlueprintsRoutes(root: FastifyInstance, blueprints: BlueprintsService) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['journeys'];

  app.get(
    '/api/v1/journeys/blueprints',
    {
      config: { scope: 'journeys:read' },
      schema: {
        tags,
        summary: 'The ready-made journeys: name and description (both languages), trigger, holdout, goal, definition, templates, and whether installed',
        querystring: z.object({ locale: z.enum(['zh-CN', 'en']).optional() }),
      },
    },
    async (req) => ({ items: await blueprints.list(localeOf(req, req.query.locale)) }),
  );

  app.post(
    '/api/v1/journeys/blueprints/:code/install',
    {
      config: { scope: 'journeys:write' },
      schema: {
        tags,
        summary: 'Install a blueprint: its message and coupon templates (existing codes kept) and a draft journey; a second install of the same code answers the first journey (200)',
        params: z.object({ code: z.string().trim().min(1).max(64) }),
        body: InstallInput.default({}),
      },
    },
    async (req, reply) => {
      const result = await blueprints.install(req.params.code, req.body ?? {}, actor(req));
      reply.status(result.created ? 201 : 200);
      return result;
    },
  );
}
