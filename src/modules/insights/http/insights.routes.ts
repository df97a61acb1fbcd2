import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { MAX_DAYS, periodDays, type InsightsService } from '../insights.service.js';

const day = z.iso.date().describe('A date YYYY-MM-DD in the business time zone');

const OverviewQuery = z
  .object({
    from: day.optional(),
    to: day.optional(),
    days: z.coerce.number().int().min(1).max(MAX_DAYS).optional().describe('Without `from`: the period is this many days ending on `to`'),
    compare: z.enum(['previous', 'year']).default('previous'),
  })
  .superRefine((q, ctx) => {
    // Only two real dates are compared (zod runs this even when one of them was refused).
    const days = q.from && q.to ? periodDays(q.from, q.to) : Number.NaN;
    if (Number.isNaN(days)) return;
    if (days < 1) ctx.addIssue({ code: 'custom', path: ['from'], message: 'must be on or before to' });
    else if (days > MAX_DAYS)
      ctx.addIssue({ code: 'custom', path: ['from'], message: `a period covers at most ${MAX_DAYS} days` });
  });

export function registerInsightsRoutes(root: FastifyInstance, insights: InsightsService) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/v1/insights/overview',
    {
      config: { scope: 'orders:read' },
      schema: {
        tags: ['insights'],
        summary: 'Dashboard figures for a period and its comparison period',
        description:
          'Members, active members (an order in the 90 days up to `to`), new members (first order in the period), buyers, ' +
          'repurchase rate (share of the period\'s buyers with 2 or more orders in it), orders, revenue (paid, in fen), average ' +
          'order value, member share of sales, revenue by channel, the top 10 stores and a trend series (daily; weekly for ' +
          'periods over 92 days) — each for the period and the comparison period (`previous`: the same number of days just ' +
          'before; `year`: the same dates a year earlier). Cancelled orders count nowhere. `to` defaults to the day of the ' +
          'latest order (demo and imported data show figures whatever today is), `from` to `days` (default 30) days ending on `to`.',
        querystring: OverviewQuery,
      },
    },
    async (req) => insights.overview(req.query),
  );
}
