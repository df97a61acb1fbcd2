import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { actorOf } from '../../../platform/audit.js';
import { REPORT_DIMENSIONS, REPORT_GROUPINGS } from '../rfm/reports.service.js';
import type { SegmentsService } from '../segments.service.js';

const CODE = /^[a-z][a-z0-9_]{0,63}$/;

/** Customers and revenue by segment × store / channel, segment comparison, CSV export. */
export function registerReportsRoutes(root: FastifyInstance, segments: SegmentsService): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['segments'];

  app.get(
    '/api/v1/segments/reports/breakdown',
    {
      config: { scope: 'segments:read' },
      schema: {
        tags,
        summary: 'Customers, orders and net revenue by RFM segment, class or value quadrant × store or channel (latest run, its window)',
        querystring: z.object({ by: z.enum(REPORT_GROUPINGS).default('segment'), dimension: z.enum(REPORT_DIMENSIONS).default('store') }).strict(),
        response: {
          200: z.object({
            by: z.enum(REPORT_GROUPINGS),
            dimension: z.enum(REPORT_DIMENSIONS),
            rows: z.array(
              z.object({
                key: z.string(),
                store: z.string().nullable().optional(),
                channel: z.string().optional(),
                customers: z.number().int(),
                orders: z.number().int(),
                revenueFen: z.number().int(),
              }),
            ),
          }),
        },
      },
    },
    async (req) => segments.reports.breakdown(req.query.by, req.query.dimension),
  );

  app.get(
    '/api/v1/segments/reports/compare',
    {
      config: { scope: 'segments:read' },
      schema: {
        tags,
        summary: 'Compare segments side by side: size, share, revenue and average RFM figures',
        querystring: z
          .object({
            codes: z
              .string()
              .transform((s) => s.split(',').map((c) => c.trim()).filter(Boolean))
              .pipe(z.array(z.string().regex(CODE, 'segment codes are lower_snake_case')).min(1).max(20))
              .describe('Comma-separated segment codes, e.g. rfm_champions,rfm_at_risk'),
          })
          .strict(),
        response: {
          200: z.object({
            segments: z.array(
              z.object({
                code: z.string(),
                name: z.string(),
                kind: z.string(),
                customers: z.number().int(),
                scoredCustomers: z.number().int(),
                shareOfScored: z.number(),
                monetaryFen: z.number().int(),
                shareOfMonetary: z.number(),
                avgRecencyDays: z.number().nullable(),
                avgFrequency: z.number().nullable(),
                avgMonetaryFen: z.number().int().nullable(),
                avgR: z.number().nullable(),
                avgF: z.number().nullable(),
                avgM: z.number().nullable(),
              }),
            ),
          }),
        },
      },
    },
    async (req) => segments.reports.compare(req.query.codes),
  );

  app.get(
    '/api/v1/segments/:code/export.csv',
    {
      config: { scope: 'segments:write' },
      schema: {
        tags,
        summary: "CSV of a segment's members with their latest RFM scores (customer ids and figures, no personal data)",
        params: z.object({ code: z.string().regex(CODE, 'segment codes are lower_snake_case') }),
      },
    },
    async (req, reply) => {
      const csv = await segments.reports.exportCsv(req.params.code, actorOf(req.principal));
      reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${req.params.code}.csv"`);
      return csv;
    },
  );
}
