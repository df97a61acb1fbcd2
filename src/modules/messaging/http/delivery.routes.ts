import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { MessagingService } from '../messaging.service.js';
import { SendMessageInput } from '../messaging-delivery.schemas.js';

const IdParams = z.object({ id: z.uuid() });

/** POST /api/v1/messaging/messages (a template to one customer now) and its cancel. The log (GET) is the templates side's. */
export function registerDeliveryRoutes(root: FastifyInstance, messaging: MessagingService) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['messaging'];

  app.post(
    '/api/v1/messaging/messages',
    {
      config: { scope: 'messaging:write' },
      schema: {
        tags,
        summary: 'Send a template to one customer now',
        description:
          'Queues the message (202); the dispatcher checks consent, caps and quiet hours at send time and sends it. A replay with the same dedupeKey answers the first message with duplicate: true.',
        body: SendMessageInput,
      },
    },
    async (req, reply) => {
      const out = await messaging.sendNow(req.body);
      reply.status(202);
      return out;
    },
  );

  app.post(
    '/api/v1/messaging/messages/:id/cancel',
    { config: { scope: 'messaging:write' }, schema: { tags, summary: 'Cancel a message still queued', params: IdParams } },
    async (req) => messaging.cancel(req.params.id, `${req.principal!.kind}:${req.principal!.name}`),
  );
}
