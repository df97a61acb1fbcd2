import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { parseInstant } from '../../../platform/clock.js';
import { invalid } from '../../../platform/errors.js';
import { instant } from '../../../platform/schemas.js';
import type { PromoResultsService } from '../results.service.js';

const Id = z.object({ id: z.string().trim().min(1).max(64).describe('The promotion id (or its code)') });
const RunId = z.object({ id: z.uuid() });

const Window = z
  .object({
    from: instant.optional().describe('Start (inclusive; a date is its midnight in the business time zone). Default the promotion start'),
    to: instant.optional().describe('End (exclusive). Default the promotion end or now, whichever is earlier'),
  })
  .strict();

const RunWindow = z.object({ to: instant.optional().describe('End of the period after issue (exclusive); default now') }).strict();

const RunsQuery = z
  .object({
    templateId: z.uuid().optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict();

/** GET /promotions/{id}/results, /coupon-issue-runs and /coupon-issue-runs/{id}/results: measurement against holdouts. */
export function registerPromoResultsRoutes(root: FastifyInstance, results: PromoResultsService, opts: { timeZone: string }) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['promotions'];
  const when = (text: string | undefined, path: string) => {
    if (text === undefined) return undefined;
    const d = parseInstant(text, opts.timeZone);
    if (!d) throw invalid('promotions.invalid_instant', `${path}: not a valid date or instant`, [{ path, message: 'not a valid date or instant' }]);
    return d;
  };

  app.get(
    '/api/v1/promotions/:id/results',
    {
      config: { scope: 'promotions:read' },
      schema: {
        tags,
        summary:
          'A promotion’s results in a window: uses, customers, discount cost, revenue of the orders using it, average order with and without it; with a holdout, treated vs holdout conversion and revenue per customer with 95 % intervals and the incremental revenue',
        params: Id,
        querystring: Window,
      },
    },
    async (req) => results.promotion(req.params.id, { from: when(req.query.from, 'from'), to: when(req.query.to, 'to') }),
  );

  app.get(
    '/api/v1/coupon-issue-runs',
    { config: { scope: 'promotions:read' }, schema: { tags, summary: 'Coupon issue runs to segments, the latest first', querystring: RunsQuery } },
    async (req) => ({ items: await results.runs(req.query) }),
  );

  app.get(
    '/api/v1/coupon-issue-runs/:id/results',
    {
      config: { scope: 'promotions:read' },
      schema: {
        tags,
        summary:
          'An issue run’s results: issued, redeemed, redemption rate, revenue of the redeeming orders, discount cost; treated vs holdout conversion and revenue per customer after issue with 95 % intervals and the incremental revenue',
        params: RunId,
        querystring: RunWindow,
      },
    },
    async (req) => results.runResults(req.params.id, { to: when(req.query.to, 'to') }),
  );
}
