import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AssignInput, InboundEmailInput, NoteInput, ReplyInput, RootCausesInput, StatusInput, TagsInput, TicketCreateInput, TicketLinkInput, TicketListQuery } from '../tickets.schemas.js';
import { ticketView, type TicketActor, type TicketsService } from '../tickets.service.js';
import { viewerFor } from '../../../platform/pii-policy.js';
import type { SQL } from 'drizzle-orm';
import { customerScope, inScopeSql } from '../../../platform/customer-scope.js';

export const ticketActor = (req: FastifyRequest): TicketActor => ({ kind: req.principal!.kind, id: req.principal!.id, name: req.principal!.name });
/** Tickets are read to answer them: the service purpose (platform/pii-policy.ts). */
const viewer = (req: FastifyRequest) => viewerFor(req.principal, 'service');
const Params = z.object({ id: z.string().trim().min(1).max(64).describe('The ticket id or number (T-123 or 123)') });

/**
 * /api/v1/service/tickets: intake (API, staff entry), the inbox, the ticket page and working a ticket;
 * /api/v1/service/inbound/email (a mail gateway); /api/v1/service/ticket-links (signed web form links).
 * Reading needs service:read, changing service:write. Contacts are masked without pii:read.
 */
export function registerTicketsRoutes(root: FastifyInstance, tickets: TicketsService) {
  const tags = ['service'];
  root.register(async (scoped) => {
    const app = scoped.withTypeProvider<ZodTypeProvider>();

    app.post(
      '/api/v1/service/tickets',
      {
        config: { scope: 'service:write' },
        schema: {
          tags,
          summary: 'Create a ticket (API or staff entry; staff, phone and wechat are acknowledged at creation)',
          description: 'Routed to the first queue whose routes match and assigned by its assignment. A replay with the same channel and externalRef answers 200 with the first ticket.',
          body: TicketCreateInput,
        },
      },
      async (req, reply) => {
        const r = await tickets.create(req.body, ticketActor(req));
        reply.status(r.created ? 201 : 200);
        return { ticket: ticketView(r.ticket, viewer(req)), created: r.created };
      },
    );

    app.get(
      '/api/v1/service/tickets',
      {
        config: { scope: 'service:read' },
        schema: { tags, summary: 'The inbox: live tickets by default, the next SLA due first; filters; paged; total counted up to 10,000', querystring: TicketListQuery },
      },
      async (req) => {
        // Guides and store managers see their store's customers' tickets, filtered here so pages and totals are exact.
        const scope = customerScope(req.principal);
        const page = await tickets.list(req.query, {
          id: req.principal!.kind === 'staff' ? req.principal!.id : null,
          ...(scope ? { within: (c: SQL) => inScopeSql(scope, c) } : {}),
        });
        const v = viewer(req);
        return { ...page, items: page.items.map((t) => ticketView(t, v)) };
      },
    );

    app.get(
      '/api/v1/service/tickets/:id',
      { config: { scope: 'service:read' }, schema: { tags, summary: 'A ticket with its timeline, compensations, the customer’s summary and the order', params: Params } },
      async (req) => tickets.detail(req.params.id, viewer(req)),
    );

    const action = <B extends z.ZodType>(path: string, summary: string, body: B | undefined, run: (id: string, body: unknown, actor: TicketActor) => Promise<Parameters<typeof ticketView>[0]>) =>
      app.post(
        `/api/v1/service/tickets/:id/${path}`,
        { config: { scope: 'service:write' }, schema: { tags, summary, params: Params, ...(body ? { body } : {}) } },
        async (req) => ({ ticket: ticketView(await run(req.params.id, req.body, ticketActor(req)), viewer(req)) }),
      );
    action('ack', 'Acknowledge (received): acked_at; new → open', undefined, (id, _b, a) => tickets.ack(id, a));
    action('assign', 'Assign to a staff member (null: unassign), optionally moving queue', AssignInput, (id, b, a) => tickets.assign(id, b, a));
    action('reply', 'A public reply: on the timeline and to the customer through messaging (template service_reply)', ReplyInput, (id, b, a) => tickets.reply(id, b, a));
    action('note', 'An internal note', NoteInput, (id, b, a) => tickets.note(id, b, a));
    action('status', 'open | pending | resolved (resolution, root causes) | closed | reopen; 409 naming the status when it cannot', StatusInput, (id, b, a) => tickets.setStatus(id, b, a));
    action('root-causes', 'Replace the root causes', RootCausesInput, (id, b, a) => tickets.setRootCauses(id, b, a));
    action('tags', 'Replace the tags', TagsInput, (id, b, a) => tickets.setTags(id, b, a));

    app.post(
      '/api/v1/service/inbound/email',
      {
        config: { scope: 'service:write' },
        schema: {
          tags,
          summary: 'Email in (a mail gateway): a new ticket, or a customer message on the ticket its subject [T-123] or In-Reply-To names',
          description: 'Idempotent by messageId (action duplicate). A resolved ticket reopens; a closed one gets a new ticket.',
          body: InboundEmailInput,
        },
      },
      async (req, reply) => {
        const r = await tickets.receiveEmail(req.body, ticketActor(req));
        reply.status(r.action === 'created' ? 201 : 200);
        return { action: r.action, ticket: ticketView(r.ticket, viewer(req)) };
      },
    );

    app.post(
      '/api/v1/service/ticket-links',
      { config: { scope: 'service:write' }, schema: { tags, summary: 'A signed web form link for a customer (and an order): the ticket it files is linked to them', body: TicketLinkInput } },
      async (req) => tickets.createLink(req.body),
    );
  });
}
