import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { summaryView } from '../../customers/index.js';
import { DEFAULT_PARAMS, RHYTHM_CHANGED, RHYTHM_KINDS, type CyclesService } from '../cycles/cycles.service.js';
import { viewerFor } from '../../../platform/pii-policy.js';

const tags = ['insights'];
const actor = (req: FastifyRequest) => `${req.principal!.kind}:${req.principal!.name}`;

const RunInput = z
  .object({
    asOf: z.iso.date().optional().describe('A business date (default: the day of the latest order)'),
    level: z.enum(['leaf', 'top']).optional().describe('Category level: leaf = the whole category path (default), top = its first level'),
    slowFactor: z.number().gt(1).max(10).optional().describe(`Slowing: latest gap or days since the last purchase above this × the median (default ${DEFAULT_PARAMS.slowFactor})`),
    slowMinDays: z.number().int().min(0).max(365).optional().describe(`… and at least this many days (default ${DEFAULT_PARAMS.slowMinDays})`),
    stopFactor: z.number().gt(1).max(20).optional().describe(`Stopped: days since the last purchase ≥ this × the median (default ${DEFAULT_PARAMS.stopFactor})`),
    speedFactor: z.number().gt(0).lt(1).optional().describe(`Speeding: the last two gaps below this × the median (default ${DEFAULT_PARAMS.speedFactor})`),
    stageWindowDays: z.number().int().min(1).max(3650).optional().describe(`A stage change counts when the move happened within these days (default ${DEFAULT_PARAMS.stageWindowDays})`),
    stages: z
      .record(z.string().min(1), z.array(z.string().min(1)).min(2))
      .optional()
      .describe('Ordered sibling categories per parent category path, e.g. {"母婴/纸尿裤": ["NB","S","M","L","XL","拉拉裤"]} (default: the demo brand\'s diapers and formula)'),
  })
  .strict()
  .default({});

const Params = z.object({
  slowFactor: z.number(),
  slowMinDays: z.number().int(),
  stopFactor: z.number(),
  speedFactor: z.number(),
  stageWindowDays: z.number().int(),
  stages: z.record(z.string(), z.array(z.string())),
});
const Run = z.object({
  id: z.uuid(),
  asOf: z.string(),
  level: z.enum(['leaf', 'top']),
  params: Params,
  cycles: z.number().int().describe('Customer × category rows with 2 or more purchase days'),
  established: z.number().int().describe('… of which with a cycle (3 or more purchase days)'),
  changesRaised: z.number().int(),
  seconds: z.number().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
});
const Kind = z.enum(RHYTHM_KINDS as ['slowing', 'stopped', 'speeding', 'stage_change']);
const Change = z.object({
  id: z.uuid(),
  customerId: z.uuid(),
  category: z.string().describe('For a stage change, the parent category'),
  kind: Kind,
  anchorDay: z.string().describe('The last purchase day; for a stage change the first day in the new stage'),
  asOf: z.string(),
  medianDays: z.number().nullable(),
  latestGapDays: z.number().int().nullable(),
  daysSinceLast: z.number().int(),
  fromCategory: z.string().nullable(),
  toCategory: z.string().nullable(),
  raisedAt: z.string(),
});
const category = z.string().trim().min(1).max(500).optional().describe('This category and those under it (path with /)');

/** Repurchase cycles: runs, the per-category distribution, a customer's cycles, the rhythm changes raised. */
export function registerCyclesRoutes(root: FastifyInstance, cycles: CyclesService) {
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.post(
    '/api/v1/insights/repurchase-cycles/runs',
    {
      config: { scope: 'insights:admin' },
      schema: {
        tags,
        summary: 'Compute every customer × category repurchase cycle up to a date and raise the new rhythm changes',
        description:
          'A purchase is a business day with a line of the category (cancelled orders and wholly returned lines do not count); the cycle is ' +
          `the median gap between purchase days (3 or more). Replaces the stored cycles; each new change (slowing, stopped, speeding, stage_change) ` +
          `is raised once: ${RHYTHM_CHANGED} through the outbox and a timeline item. See src/modules/insights/README.md.`,
        body: RunInput,
        response: { 201: Run },
      },
    },
    async (req, reply) => {
      const run = await cycles.run(req.body ?? {}, actor(req));
      reply.status(201);
      return run;
    },
  );

  app.get(
    '/api/v1/insights/repurchase-cycles',
    {
      config: { scope: 'insights:read' },
      schema: {
        tags,
        summary: "Each category's typical repurchase cycle: the quartiles of its customers' median days (latest run)",
        querystring: z.object({ category, limit: z.coerce.number().int().min(1).max(500).default(50) }),
        response: {
          200: z.object({
            run: Run,
            items: z.array(
              z.object({
                category: z.string(),
                repeatCustomers: z.number().int(),
                customers: z.number().int(),
                medianDays: z.number().nullable(),
                p25Days: z.number().nullable(),
                p75Days: z.number().nullable(),
                overdue: z.number().int(),
              }),
            ),
          }),
        },
      },
    },
    async (req) => cycles.categories(req.query),
  );

  app.get(
    '/api/v1/insights/customers/:customerId/repurchase-cycles',
    {
      config: { scope: 'insights:read' },
      schema: {
        tags,
        summary: "A customer's repurchase cycles with due dates (latest run) and the rhythm changes raised for them",
        params: z.object({ customerId: z.uuid() }),
        response: {
          200: z.object({
            run: Run,
            cycles: z.array(
              z.object({
                category: z.string(),
                purchases: z.number().int(),
                firstPurchase: z.string(),
                lastPurchase: z.string(),
                medianDays: z.number().nullable().describe('null with fewer than 3 purchase days'),
                latestGapDays: z.number().int(),
                previousGapDays: z.number().int().nullable(),
                expectedNext: z.string().nullable(),
                daysOverdue: z.number().int().nullable(),
                change: z.enum(['slowing', 'stopped', 'speeding']).nullable(),
              }),
            ),
            changes: z.array(Change),
          }),
        },
      },
    },
    async (req) => cycles.customer(req.params.customerId),
  );

  app.get(
    '/api/v1/insights/rhythm-changes',
    {
      config: { scope: 'insights:read' },
      schema: {
        tags,
        summary: 'Rhythm changes raised, the latest first',
        querystring: z.object({
          kind: z
            .string()
            .optional()
            .transform((s) => (s === undefined ? undefined : s.split(',').map((x) => x.trim())))
            .pipe(z.array(Kind).min(1).optional())
            .describe('Comma-separated: slowing, stopped, speeding, stage_change (default all)'),
          category,
          limit: z.coerce.number().int().min(1).max(500).default(50),
          offset: z.coerce.number().int().min(0).default(0),
        }),
        response: {
          200: z.object({
            total: z.number().int(),
            items: z.array(Change.extend({ customer: z.record(z.string(), z.unknown()).nullable().describe('Name, phone … masked without pii:read') })),
          }),
        },
      },
    },
    async (req) => {
      const list = await cycles.changes(req.query);
      const v = viewerFor(req.principal, 'analytics');
      return { ...list, items: list.items.map(({ customer, ...item }) => ({ ...item, customer: customer ? summaryView(customer, v) : null })) };
    },
  );
}
