import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { LoggedMessage, LogService } from '../log.service.js';
import { MessageLogQuery } from '../messaging.schemas.js';
import { maskName } from '../templates.service.js';
import { viewerFor } from '../../../platform/pii-policy.js';

const IdParams = z.object({ id: z.uuid() });

/** A logged message as the API shows it: the address masked always; subject, body and variables only with pii:read. */
export function messageView(m: LoggedMessage, pii: boolean) {
  const { dedupeKey, ...rest } = m;
  return {
    ...rest,
    dedupeKey,
    customerName: pii || m.customerName === null ? m.customerName : maskName(m.customerName),
    subject: pii ? m.subject : null,
    body: pii ? m.body : null,
    variables: pii ? m.variables : Object.fromEntries(Object.keys(m.variables).map((k) => [k, '***'])),
    contentHidden: !pii && (m.body !== null || m.subject !== null),
  };
}

/** The message log: GET /api/v1/messaging/messages, /messaging/messages/{id} (with delivery events), /customers/{id}/messages. */
export function registerLogRoutes(root: FastifyInstance, log: LogService) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['messaging'];

  app.get(
    '/api/v1/messaging/messages',
    {
      config: { scope: 'messaging:read' },
      schema: { tags, summary: 'The message log, newest first (keyset cursor)', description: 'Addresses are masked; the text needs pii:read.', querystring: MessageLogQuery },
    },
    async (req) => {
      const pii = viewerFor(req.principal, 'marketing').pii;
      const page = await log.list(req.query);
      return { items: page.items.map((m) => messageView(m, pii)), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/api/v1/messaging/messages/:id',
    { config: { scope: 'messaging:read' }, schema: { tags, summary: 'One message with its delivery events', params: IdParams } },
    async (req) => {
      const m = await log.get(req.params.id);
      return { ...messageView(m, viewerFor(req.principal, 'marketing').pii), events: m.events };
    },
  );

  app.get(
    '/api/v1/customers/:id/messages',
    {
      config: { scope: 'messaging:read' },
      schema: { tags: ['messaging', 'customers'], summary: 'A customer’s messages, newest first', params: IdParams, querystring: MessageLogQuery.omit({ customerId: true }) },
    },
    async (req) => {
      // One customer's messages, read while looking after them (clienteling); the whole log is a campaign view.
      const pii = viewerFor(req.principal, 'clienteling').pii;
      const page = await log.forCustomer(req.params.id, req.query);
      return { items: page.items.map((m) => messageView(m, pii)), nextCursor: page.nextCursor };
    },
  );
}
