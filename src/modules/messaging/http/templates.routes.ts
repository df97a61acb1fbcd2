import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { PreviewInput, TemplateCode, TemplateCreateInput, TemplateListQuery, TemplateUpdateInput } from '../messaging.schemas.js';
import type { TemplatesService } from '../templates.service.js';
import { viewerFor } from '../../../platform/pii-policy.js';

const actor = (req: FastifyRequest) => `${req.principal!.kind}:${req.principal!.name}`;
const CodeParams = z.object({ code: TemplateCode });

/** /api/v1/messaging/templates: list and read (messaging:read), create, new versions, archive (messaging:write), preview. */
export function registerTemplatesRoutes(root: FastifyInstance, templates: TemplatesService) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['messaging'];

  app.get(
    '/api/v1/messaging/templates',
    { config: { scope: 'messaging:read' }, schema: { tags, summary: 'Message templates in code order', querystring: TemplateListQuery } },
    async (req) => ({ items: await templates.list(req.query) }),
  );

  app.post(
    '/api/v1/messaging/templates',
    {
      config: { scope: 'messaging:write' },
      schema: {
        tags,
        summary: 'Create a message template',
        description:
          'contents: {channel: {locale: {subject?, body}}} with {{name}}, {{coupon.code}}, {{name|fallback}}. zh-CN is required for every channel; an email needs a subject; an SMS is at most 500 characters. Errors name the field (contents.email.zh-CN.subject).',
        body: TemplateCreateInput,
      },
    },
    async (req, reply) => {
      const t = await templates.create(req.body, actor(req));
      reply.status(201);
      return t;
    },
  );

  app.get(
    '/api/v1/messaging/templates/:code',
    { config: { scope: 'messaging:read' }, schema: { tags, summary: 'A message template by code', params: CodeParams } },
    async (req) => templates.get(req.params.code),
  );

  app.put(
    '/api/v1/messaging/templates/:code',
    {
      config: { scope: 'messaging:write' },
      schema: { tags, summary: 'A new version of a template (the fields given replace the stored ones)', params: CodeParams, body: TemplateUpdateInput },
    },
    async (req) => templates.update(req.params.code, req.body, actor(req)),
  );

  app.post(
    '/api/v1/messaging/templates/:code/archive',
    { config: { scope: 'messaging:write' }, schema: { tags, summary: 'Archive a template: no new plans; its queued messages are blocked', params: CodeParams } },
    async (req) => templates.archive(req.params.code),
  );

  app.post(
    '/api/v1/messaging/templates/:code/preview',
    {
      config: { scope: 'messaging:read' },
      schema: {
        tags,
        summary: 'Render a template for a customer (or with sample values)',
        description: 'Names are masked without pii:read. Lists the variables used and those nobody provides; warns of a WeChat template without its provider id.',
        params: CodeParams,
        body: PreviewInput,
      },
    },
    async (req) => templates.preview(req.params.code, req.body, viewerFor(req.principal, 'marketing')),
  );
}
