import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { PolicyInput } from '../messaging.schemas.js';
import type { PolicyService } from '../policy.service.js';

const actor = (req: FastifyRequest) => `${req.principal!.kind}:${req.principal!.name}`;

/** GET (messaging:read) / PUT (messaging:admin) /api/v1/messaging/policy: caps, quiet hours, consent model, channel order, default hour. */
export function registerPolicyRoutes(root: FastifyInstance, policy: PolicyService) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['messaging'];

  app.get(
    '/api/v1/messaging/policy',
    { config: { scope: 'messaging:read' }, schema: { tags, summary: 'The contact policy' } },
    async () => policy.get(),
  );

  app.put(
    '/api/v1/messaging/policy',
    {
      config: { scope: 'messaging:admin' },
      schema: {
        tags,
        summary: 'Change the contact policy (the parts given; the rest stays)',
        description:
          'caps: marketing messages per customer across channels per local day, ISO week, month (default 1/3/8); quietHours in the business time zone (default 21:00–09:00, service messages exempt); consent opt_in (default) or opt_out; channelOrder (default wechat, app_push, sms, email); defaultHour (10).',
        body: PolicyInput,
      },
    },
    async (req) => policy.update(req.body, actor(req)),
  );
}
