import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { CalendarInput, CalendarPatch, PolicyInput, PolicyPatch, PreviewInput } from '../sla.schemas.js';
import type { SlaService } from '../sla.service.js';

const Params = z.object({ id: z.string().trim().min(1).max(64).describe('The id or the code') });

/**
 * /api/v1/service/calendars and /api/v1/service/sla-policies: business hours, holidays and make-up days; SLA targets
 * (acknowledge, first reply, resolve by severity, warning share). Reading needs service:read, changing service:admin.
 * /api/v1/service/tickets/{id}/sla: a ticket's clocks (service:read).
 */
export function registerSlaRoutes(root: FastifyInstance, sla: SlaService) {
  const tags = ['service'];
  root.register(async (scoped) => {
    const app = scoped.withTypeProvider<ZodTypeProvider>();

    app.get('/api/v1/service/calendars', { config: { scope: 'service:read' }, schema: { tags, summary: 'Service calendars in code order' } }, async () => ({
      items: await sla.listCalendars(),
    }));

    app.get('/api/v1/service/calendars/:id', { config: { scope: 'service:read' }, schema: { tags, summary: 'A service calendar', params: Params } }, async (req) =>
      sla.getCalendar(req.params.id),
    );

    app.post(
      '/api/v1/service/calendars',
      {
        config: { scope: 'service:admin' },
        schema: { tags, summary: 'Create a calendar: weekly open intervals in its time zone, holidays, make-up working days (调休) and their hours', body: CalendarInput },
      },
      async (req, reply) => {
        const c = await sla.createCalendar(req.body);
        reply.status(201);
        return c;
      },
    );

    app.patch(
      '/api/v1/service/calendars/:id',
      {
        config: { scope: 'service:admin' },
        schema: { tags, summary: 'Change a calendar (checked whole); the live tickets whose policy counts in it get new due instants', params: Params, body: CalendarPatch },
      },
      async (req) => sla.updateCalendar(req.params.id, req.body),
    );

    app.delete(
      '/api/v1/service/calendars/:id',
      { config: { scope: 'service:admin' }, schema: { tags, summary: 'Delete a calendar no SLA policy uses (409 otherwise)', params: Params } },
      async (req, reply) => {
        await sla.deleteCalendar(req.params.id);
        reply.status(204);
      },
    );

    app.post(
      '/api/v1/service/calendars/:id/preview',
      { config: { scope: 'service:read' }, schema: { tags, summary: 'The instant a number of business minutes after a start, in this calendar', params: Params, body: PreviewInput } },
      async (req) => sla.preview(req.params.id, req.body),
    );

    app.get(
      '/api/v1/service/sla-policies',
      {
        config: { scope: 'service:read' },
        schema: { tags, summary: 'SLA policies in the order they are tried (priority, then code)', querystring: z.object({ status: z.enum(['active', 'archived']).optional() }) },
      },
      async (req) => ({ items: await sla.listPolicies(req.query) }),
    );

    app.get('/api/v1/service/sla-policies/:id', { config: { scope: 'service:read' }, schema: { tags, summary: 'An SLA policy', params: Params } }, async (req) =>
      sla.getPolicy(req.params.id),
    );

    app.post(
      '/api/v1/service/sla-policies',
      {
        config: { scope: 'service:admin' },
        schema: {
          tags,
          summary: 'Create an SLA policy: which tickets (appliesTo), the calendar, ack / first-reply / resolve-by-severity minutes, the warning share',
          body: PolicyInput,
        },
      },
      async (req, reply) => {
        const p = await sla.createPolicy(req.body);
        reply.status(201);
        return p;
      },
    );

    app.patch(
      '/api/v1/service/sla-policies/:id',
      {
        config: { scope: 'service:admin' },
        schema: { tags, summary: 'Change an SLA policy (archive with status archived); the live tickets on it get new due instants', params: Params, body: PolicyPatch },
      },
      async (req) => sla.updatePolicy(req.params.id, req.body),
    );

    app.get(
      '/api/v1/service/tickets/:id/sla',
      {
        config: { scope: 'service:read' },
        schema: { tags, summary: "A ticket's SLA clocks: each target's due, warning and met instants, business minutes left, warned / breached", params: z.object({ id: z.string().trim().min(1).max(64) }) },
      },
      async (req) => sla.ticketSla(req.params.id),
    );
  });
}
