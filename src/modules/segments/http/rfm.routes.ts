import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { RFM_SEGMENTS, RfmThresholds, VALUE_CLASSES, VALUE_QUADRANTS } from '../domain/rfm.js';
import type { SegmentsService } from '../segments.service.js';

const actor = (req: FastifyRequest) => `${req.principal!.kind}:${req.principal!.name}`;

export const RfmRunInput = z
  .object({
    asOf: z.iso.date().optional().describe('Business date the scores are as of (default today in the business time zone)'),
    windowDays: z.number().int().min(1).max(36_500).nullable().optional().describe('Only the last N days up to as-of; default all history'),
    method: z.enum(['quintiles', 'thresholds']).optional().describe('quintiles (default; ties never split) or fixed thresholds'),
    thresholds: RfmThresholds.optional().describe(
      'Four ascending cut points each: recencyDays (R = 5 if ≤ the first … 1 above the last), frequency and monetaryFen (score = 1 + cut points reached)',
    ),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.method === 'thresholds' && !v.thresholds) ctx.addIssue({ code: 'custom', path: ['thresholds'], message: 'required with method thresholds' });
    if (v.method === 'quintiles' && v.thresholds) ctx.addIssue({ code: 'custom', path: ['thresholds'], message: 'only with method thresholds' });
  });

const Run = z.object({
  id: z.uuid(),
  asOf: z.string(),
  windowDays: z.number().int().nullable(),
  method: z.enum(['quintiles', 'thresholds']),
  thresholds: z.unknown().describe('Quintiles: per score the lowest and highest value it holds; thresholds: the cut points'),
  customers: z.number().int(),
  seconds: z.number().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
});

const RunWithMembers = Run.extend({
  members: z
    .discriminatedUnion('status', [
      z.object({ status: z.literal('queued'), jobId: z.string().nullable() }),
      z.object({ status: z.literal('done'), segments: z.number().int(), entered: z.number().int(), exited: z.number().int() }),
    ])
    .describe('The members of the segments that read RFM scores: refreshed by a job on the server (queued), or at once without a job queue (done)'),
});

const Treatment = z.object({ key: z.string(), channels: z.array(z.string()), actions: z.array(z.string()) });
const group = <K extends readonly [string, ...string[]]>(keys: K) =>
  z.object({
    key: z.enum(keys),
    code: z.string().describe('The system segment kept by each run'),
    customers: z.number().int(),
    share: z.number(),
    monetaryFen: z.number().int(),
    avgRecencyDays: z.number().nullable(),
    avgFrequency: z.number().nullable(),
    avgMonetaryFen: z.number().int().nullable(),
  });

/** RFM runs, the R×F grid, class and segment summaries with treatments, a customer's scores, the value matrix. */
export function registerRfmRoutes(root: FastifyInstance, segments: SegmentsService): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['segments'];

  app.post(
    '/api/v1/segments/rfm/runs',
    {
      config: { scope: 'segments:admin' },
      schema: {
        tags,
        summary: 'Score every customer by RFM as of a date (replaces the previous scores; keeps the RFM and value system segments)',
        description:
          'Computed in one SQL pass over orders.order_facts: not cancelled, with a customer, net paid (paid − refunded), ' +
          'business dates in the configured time zone. See src/modules/segments/README.md for the tie rule, classes and segments.',
        body: RfmRunInput,
        response: { 201: RunWithMembers },
      },
    },
    async (req, reply) => {
      const run = await segments.runRfm(req.body, actor(req));
      reply.status(201);
      return run;
    },
  );

  app.get(
    '/api/v1/segments/rfm/runs/latest',
    { config: { scope: 'segments:read' }, schema: { tags, summary: 'The latest RFM run: parameters and cut points', response: { 200: Run } } },
    async () => (await segments.rfm.summary()).run,
  );

  app.get(
    '/api/v1/segments/rfm/grid',
    {
      config: { scope: 'segments:read' },
      schema: {
        tags,
        summary: 'The R×F grid of the latest run: customers and monetary value in each of the 25 cells (R 5 → 1, F 1 → 5)',
        response: {
          200: z.object({ run: Run, cells: z.array(z.object({ r: z.number().int(), f: z.number().int(), customers: z.number().int(), monetaryFen: z.number().int() })) }),
        },
      },
    },
    async () => segments.rfm.grid(),
  );

  app.get(
    '/api/v1/segments/rfm/summary',
    {
      config: { scope: 'segments:read' },
      schema: {
        tags,
        summary: 'The four value classes with their treatments and the 11 named RFM segments, from the latest run',
        response: {
          200: z.object({
            run: Run,
            classes: z.array(group(VALUE_CLASSES).extend({ treatment: Treatment })),
            segments: z.array(group(RFM_SEGMENTS)),
          }),
        },
      },
    },
    async () => segments.rfm.summary(),
  );

  app.get(
    '/api/v1/segments/rfm/customers/:customerId',
    {
      config: { scope: 'segments:read' },
      schema: {
        tags,
        summary: "A customer's RFM figures, scores, class (with its treatment), segment and value quadrant",
        params: z.object({ customerId: z.uuid() }),
        response: {
          200: z.object({
            customerId: z.uuid(),
            asOf: z.string(),
            recencyDays: z.number().int(),
            frequency: z.number().int(),
            monetaryFen: z.number().int(),
            r: z.number().int(),
            f: z.number().int(),
            m: z.number().int(),
            valueClass: z.enum(VALUE_CLASSES),
            segment: z.enum(RFM_SEGMENTS),
            currentValueFen: z.number().int().nullable(),
            potentialValueFen: z.number().int().nullable(),
            valueQuadrant: z.enum(VALUE_QUADRANTS).nullable(),
            treatment: Treatment,
          }),
        },
      },
    },
    async (req) => segments.rfm.customer(req.params.customerId),
  );

  app.get(
    '/api/v1/segments/value-matrix',
    {
      config: { scope: 'segments:read' },
      schema: {
        tags,
        summary: 'Value matrix of the latest run: current value × potential value → strategic, growth, basic, marginal',
        description: 'High = at or above the lower median of the scored customers. Potential is a proxy until predicted CLV exists (README).',
        response: {
          200: z.object({
            run: Run,
            medianCurrentValueFen: z.number().int().nullable(),
            medianPotentialValueFen: z.number().int().nullable(),
            quadrants: z.array(
              z.object({ key: z.enum(VALUE_QUADRANTS), code: z.string(), customers: z.number().int(), currentValueFen: z.number().int(), potentialValueFen: z.number().int() }),
            ),
          }),
        },
      },
    },
    async () => segments.rfm.valueMatrix(),
  );
}
