import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { QueuesService } from '../queues.service.js';
import type { ReplyTemplatesService } from '../reply-templates.service.js';
import type { TaxonomyService } from '../taxonomy.service.js';
import { QueueInput, QueuePatch, RenderInput, REPLY_LOCALES, ReplyTemplateInput, ReplyTemplatePatch, TAXONOMY_KINDS, TaxonomyInput } from '../tickets.schemas.js';
import { TICKET_KINDS } from '../service.contract.js';
import type { TicketsService } from '../tickets.service.js';
import { viewerFor } from '../../../platform/pii-policy.js';

const Id = z.object({ id: z.string().trim().min(1).max(64).describe('The id (or code)') });

/**
 * Service settings: queues (routes and assignment), categories and root causes, empathy reply templates and their
 * rendering for a ticket; POST /api/v1/service/setup installs the seeds. Reading needs service:read, changing service:admin.
 */
export function registerServiceAdminRoutes(
  root: FastifyInstance,
  deps: {
    tickets: TicketsService;
    queues: QueuesService;
    taxonomy: TaxonomyService;
    replyTemplates: ReplyTemplatesService;
    /** The other parts' seeds (the SLA calendar and policy, compensation policies), installed by setup too. */
    others?: ReadonlyArray<{ ensureDefaults(): Promise<unknown> }>;
  },
) {
  const tags = ['service'];
  const { queues, taxonomy, replyTemplates } = deps;
  root.register(async (scoped) => {
    const app = scoped.withTypeProvider<ZodTypeProvider>();

    app.post(
      '/api/v1/service/setup',
      { config: { scope: 'service:admin' }, schema: { tags, summary: 'Install the seeds (queues general and complaints, categories, root causes, reply templates, the service_reply message template, the SLA calendar and standard policy, compensation policies); existing codes stay' } },
      async () => {
        await deps.tickets.ensureDefaults();
        for (const part of deps.others ?? []) await part.ensureDefaults();
        return { queues: await queues.list(), taxonomy: await taxonomy.list(), replyTemplates: await replyTemplates.list() };
      },
    );

    app.get(
      '/api/v1/service/queues',
      { config: { scope: 'service:read' }, schema: { tags, summary: 'Queues in routing order', querystring: z.object({ status: z.enum(['active', 'archived']).optional() }) } },
      async (req) => ({ items: await queues.list(req.query) }),
    );
    app.post('/api/v1/service/queues', { config: { scope: 'service:admin' }, schema: { tags, summary: 'Create a queue', body: QueueInput } }, async (req, reply) => {
      const q = await queues.create(req.body);
      reply.status(201);
      return q;
    });
    app.get('/api/v1/service/queues/:id', { config: { scope: 'service:read' }, schema: { tags, summary: 'A queue', params: Id } }, async (req) => queues.get(req.params.id));
    app.patch('/api/v1/service/queues/:id', { config: { scope: 'service:admin' }, schema: { tags, summary: 'Change a queue', params: Id, body: QueuePatch } }, async (req) =>
      queues.update(req.params.id, req.body),
    );
    app.delete('/api/v1/service/queues/:id', { config: { scope: 'service:admin' }, schema: { tags, summary: 'Archive a queue (it takes no new tickets)', params: Id } }, async (req) =>
      queues.archive(req.params.id),
    );

    app.get(
      '/api/v1/service/taxonomy',
      {
        config: { scope: 'service:read' },
        schema: { tags, summary: 'Categories and root causes with zh-CN and English labels', querystring: z.object({ kind: z.enum(TAXONOMY_KINDS).optional(), status: z.enum(['active', 'archived']).optional() }) },
      },
      async (req) => ({ items: await taxonomy.list(req.query) }),
    );
    app.put(
      '/api/v1/service/taxonomy/:kind/:code',
      {
        config: { scope: 'service:admin' },
        schema: { tags, summary: 'Create or replace a category or root cause', params: z.object({ kind: z.enum(TAXONOMY_KINDS), code: z.string().trim().min(1).max(64) }), body: TaxonomyInput },
      },
      async (req) => taxonomy.put(req.params.kind, req.params.code, req.body),
    );

    app.get(
      '/api/v1/service/reply-templates',
      {
        config: { scope: 'service:read' },
        schema: {
          tags,
          summary: 'Reply templates (those for a kind or category include the general ones)',
          querystring: z.object({ locale: z.enum(REPLY_LOCALES).optional(), kind: z.enum(TICKET_KINDS).optional(), category: z.string().trim().max(64).optional(), status: z.enum(['active', 'archived']).optional() }),
        },
      },
      async (req) => ({ items: await replyTemplates.list(req.query) }),
    );
    app.post('/api/v1/service/reply-templates', { config: { scope: 'service:admin' }, schema: { tags, summary: 'Create a reply template (code + locale)', body: ReplyTemplateInput } }, async (req, reply) => {
      const t = await replyTemplates.create(req.body);
      reply.status(201);
      return t;
    });
    app.patch(
      '/api/v1/service/reply-templates/:id',
      { config: { scope: 'service:admin' }, schema: { tags, summary: 'Change a reply template', params: z.object({ id: z.uuid() }), body: ReplyTemplatePatch } },
      async (req) => replyTemplates.update(req.params.id, req.body),
    );
    app.delete(
      '/api/v1/service/reply-templates/:id',
      { config: { scope: 'service:admin' }, schema: { tags, summary: 'Archive a reply template', params: z.object({ id: z.uuid() }) } },
      async (req) => replyTemplates.archive(req.params.id),
    );
    app.post(
      '/api/v1/service/reply-templates/:code/render',
      {
        config: { scope: 'service:read' },
        schema: { tags, summary: 'Render a reply template for a ticket (customerName masked without pii:read)', params: z.object({ code: z.string().trim().min(1).max(64) }), body: RenderInput },
      },
      async (req: FastifyRequest<{ Params: { code: string }; Body: unknown }>) =>
        replyTemplates.render(req.params.code, req.body, { id: req.principal!.id, name: req.principal!.name }, viewerFor(req.principal, 'service')),
    );
  });
}
