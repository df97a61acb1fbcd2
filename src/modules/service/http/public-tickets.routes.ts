import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { errorBody } from '../../../platform/http/app.js';
import { RateLimiter } from '../intake/web-form.js';
import { PublicTicketInput } from '../tickets.schemas.js';
import type { TicketsService } from '../tickets.service.js';

/**
 * POST /api/v1/public/tickets: the web form, no sign-in. At most `perIp` submissions per IP in `windowMs` (429 with
 * Retry-After beyond); idempotent by submissionId. Answers only the ticket number and status.
 */
export function registerPublicTicketsRoutes(root: FastifyInstance, tickets: TicketsService, opts: { perIp?: number; windowMs?: number } = {}) {
  const limiter = new RateLimiter(opts.perIp ?? 10, opts.windowMs ?? 10 * 60_000);
  root.register(async (scoped) => {
    const app = scoped.withTypeProvider<ZodTypeProvider>();
    app.post(
      '/api/v1/public/tickets',
      {
        config: { auth: 'public' },
        schema: {
          tags: ['service'],
          summary: 'The public feedback / complaint form (no sign-in; rate-limited per IP)',
          description: 'name, phone or email, subject, description, optional order number and store; `t` is the signed parameter of a link sent to a customer.',
          body: PublicTicketInput,
          security: [],
        },
      },
      async (req, reply) => {
        if (!limiter.take(req.ip)) {
          return reply
            .status(429)
            .header('retry-after', String(limiter.retryAfter(req.ip)))
            .send(errorBody('service.rate_limited', 'Too many submissions from this address; try again later', req.id));
        }
        const r = await tickets.submitPublic(req.body);
        reply.status(r.created ? 201 : 200);
        return r;
      },
    );
  });
}
