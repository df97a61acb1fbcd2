import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { parseInstant } from '../../../platform/clock.js';
import { invalid } from '../../../platform/errors.js';
import { instant } from '../../../platform/schemas.js';
import { REVIEW_DIMENSIONS, type ReviewService } from '../review.service.js';
import { TICKET_KINDS } from '../service.contract.js';

const Query = z
  .object({
    from: instant.optional().describe('Tickets received from (inclusive; a date is its midnight in the business time zone). Default 30 days before to'),
    to: instant.optional().describe('Tickets received before (exclusive). Default now'),
    by: z.enum(REVIEW_DIMENSIONS).default('root_cause').describe('Group by root cause, category, SKU, store or month'),
    kind: z.enum(TICKET_KINDS).optional(),
  })
  .strict();

/** GET /api/v1/service/reports/review: the root-cause review report (service:read). */
export function registerReviewRoutes(root: FastifyInstance, review: ReviewService, opts: { timeZone: string }) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const when = (text: string | undefined, path: string) => {
    if (text === undefined) return undefined;
    const d = parseInstant(text, opts.timeZone);
    if (!d) throw invalid('service.invalid_instant', `${path}: not a valid date or instant`, [{ path, message: 'not a valid date or instant' }]);
    return d;
  };
  app.get(
    '/api/v1/service/reports/review',
    {
      config: { scope: 'service:read' },
      schema: {
        tags: ['service'],
        summary:
          'Tickets received in [from, to) by root cause, category, SKU, store or month: share, complaints, median resolution (wall-clock minutes), SLA met rate per target, executed compensation (fen); top causes by product, store and month',
        querystring: Query,
      },
    },
    async (req) => review.report({ from: when(req.query.from, 'from'), to: when(req.query.to, 'to'), by: req.query.by, kind: req.query.kind }),
  );
}
