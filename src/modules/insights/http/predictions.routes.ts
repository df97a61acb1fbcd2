import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { notFound } from '../../../platform/errors.js';
import { summaryView } from '../../customers/index.js';
import { CHURN_BANDS, NEXT_PURCHASE_MAX_DAYS, type PredictionsService } from '../predictions/predictions.service.js';
import { viewerFor } from '../../../platform/pii-policy.js';

const tags = ['insights'];
const actor = (req: FastifyRequest) => `${req.principal!.kind}:${req.principal!.name}`;

const FitInput = z
  .object({
    model: z.enum(['bgnbd', 'pareto']).optional().describe('Purchase-frequency model (default bgnbd)'),
    asOf: z.iso.date().optional().describe('Calibration end, a business date (default: the day of the latest order)'),
    period: z.enum(['week', 'day']).optional().describe('Model period (default week)'),
    horizonDays: z.number().int().min(1).max(3650).optional().describe('Days predicted (default 365)'),
    discountRate: z.number().min(0).max(1).optional().describe('Yearly discount rate for CLV (default 0.1)'),
  })
  .strict()
  .default({});

const Params = z.record(z.string(), z.number());
/** null where the Hessian gave no standard error (a tiny data set). */
const StdErrors = z.record(z.string(), z.number().nullable());
const Run = z.object({
  id: z.uuid(),
  model: z.enum(['bgnbd', 'pareto']),
  asOf: z.string(),
  period: z.enum(['week', 'day']),
  horizonDays: z.number().int(),
  discountRate: z.number(),
  params: z.object({ frequency: Params, spend: Params.nullable() }),
  standardErrors: z.object({ frequency: StdErrors, spend: StdErrors.nullable() }),
  logLik: z.number(),
  spendLogLik: z.number().nullable(),
  customers: z.number().int(),
  repeatBuyers: z.number().int(),
  seconds: z.number().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
});
const Prediction = z.object({
  customerId: z.uuid(),
  runId: z.uuid(),
  frequency: z.number().int().describe('Repeat purchase days by the as-of date'),
  recency: z.number().describe('Last purchase since the first, in periods'),
  age: z.number().describe('As-of date since the first purchase, in periods'),
  pAlive: z.number(),
  expectedPurchases: z.number().describe('In the horizon'),
  expectedAvgValueFen: z.number().int().nullable(),
  clvFen: z.number().int().nullable(),
  expectedDaysToNext: z.number().nullable(),
  churnRisk: z.enum(['high', 'medium', 'low']),
});

/** Predictions: CLV runs, a customer's prediction, the churn-risk list, the distribution for the console. */
export function registerPredictionsRoutes(root: FastifyInstance, predictions: PredictionsService) {
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.post(
    '/api/v1/insights/clv/runs',
    {
      config: { scope: 'insights:admin' },
      schema: {
        tags,
        summary: 'Fit BG/NBD (or Pareto/NBD) and Gamma-Gamma on the orders up to a date and predict every customer (replaces the previous predictions)',
        description:
          'A purchase is a business day with orders (net paid: paid − refunded); x = repeat purchase days, t_x and T from the first ' +
          `purchase. Stored per customer: P(alive), expected purchases and CLV over the horizon (monthly steps discounted at the yearly rate), ` +
          `expected value per purchase, days to the next purchase (null beyond ${NEXT_PURCHASE_MAX_DAYS} days) and the churn risk ` +
          `(high: P(alive) < ${CHURN_BANDS.high}, medium: < ${CHURN_BANDS.medium}). See src/modules/insights/README.md.`,
        body: FitInput,
        response: { 201: Run },
      },
    },
    async (req, reply) => {
      const run = await predictions.fit(req.body ?? {}, actor(req));
      reply.status(201);
      return run;
    },
  );

  app.get(
    '/api/v1/insights/clv/runs/latest',
    { config: { scope: 'insights:read' }, schema: { tags, summary: 'The latest CLV run: parameters, standard errors, log-likelihoods', response: { 200: Run } } },
    async () => {
      const run = await predictions.latestRun();
      if (!run) throw notFound('insights.no_clv_run', 'No CLV run yet: run POST /api/v1/insights/clv/runs first');
      return run;
    },
  );

  app.get(
    '/api/v1/insights/customers/:customerId/prediction',
    {
      config: { scope: 'insights:read' },
      schema: {
        tags,
        summary: "A customer's prediction from the latest run",
        params: z.object({ customerId: z.uuid() }),
        response: { 200: Prediction.extend({ asOf: z.string(), period: z.enum(['week', 'day']), horizonDays: z.number().int() }) },
      },
    },
    async (req) => predictions.customer(req.params.customerId),
  );

  app.get(
    '/api/v1/insights/churn-risk',
    {
      config: { scope: 'insights:read' },
      schema: {
        tags,
        summary: 'Customers at risk of churning, the most valuable (all-time net spend) first',
        querystring: z.object({
          risk: z
            .string()
            .default('high')
            .transform((s) => s.split(',').map((x) => x.trim()))
            .pipe(z.array(z.enum(['high', 'medium', 'low'])).min(1))
            .describe('Comma-separated bands (default high)'),
          minFrequency: z.coerce.number().int().min(0).optional().describe('At least this many repeat purchases'),
          limit: z.coerce.number().int().min(1).max(500).default(50),
          offset: z.coerce.number().int().min(0).default(0),
        }),
        response: {
          200: z.object({
            run: Run,
            total: z.number().int(),
            items: z.array(Prediction.extend({ spendFen: z.number().int(), customer: z.record(z.string(), z.unknown()).nullable().describe('Name, phone … masked without pii:read') })),
          }),
        },
      },
    },
    async (req) => {
      const list = await predictions.churnRisk(req.query);
      const v = viewerFor(req.principal, 'analytics');
      return { ...list, items: list.items.map(({ customer, ...item }) => ({ ...item, customer: customer ? summaryView(customer, v) : null })) };
    },
  );

  app.post(
    '/api/v1/insights/clv/validation',
    {
      config: { scope: 'insights:read' },
      schema: {
        tags,
        summary: 'Calibration vs holdout from the orders: the model fitted up to calibrationEnd against what its customers bought up to holdoutEnd (writes nothing)',
        body: z
          .object({
            calibrationEnd: z.iso.date(),
            holdoutEnd: z.iso.date(),
            model: z.enum(['bgnbd', 'pareto']).optional(),
            period: z.enum(['week', 'day']).optional(),
          })
          .strict(),
        response: {
          200: z.object({
            model: z.enum(['bgnbd', 'pareto']),
            period: z.enum(['week', 'day']),
            calibrationEnd: z.string(),
            holdoutEnd: z.string(),
            holdoutPeriods: z.number(),
            customers: z.number().int(),
            params: Params,
            standardErrors: StdErrors,
            logLik: z.number(),
            byFrequency: z.array(z.object({ frequency: z.string(), customers: z.number().int(), actual: z.number(), predicted: z.number() })),
            totals: z.object({ actual: z.number(), predicted: z.number() }),
            mae: z.number(),
            bucketMae: z.number(),
            tracking: z.array(z.object({ week: z.number().int(), actual: z.number(), predicted: z.number() })),
            trackingMae: z.number(),
          }),
        },
      },
    },
    async (req) => predictions.validation(req.body),
  );

  app.get(
    '/api/v1/insights/clv/distribution',
    {
      config: { scope: 'insights:read' },
      schema: {
        tags,
        summary: 'Customers and CLV per churn band, and CLV deciles',
        response: {
          200: z.object({
            run: Run,
            churn: z.array(z.object({ risk: z.enum(['high', 'medium', 'low']), customers: z.number().int(), clvFen: z.number(), expectedPurchases: z.number() })),
            clvDeciles: z.array(z.object({ decile: z.number().int(), customers: z.number().int(), minFen: z.number(), maxFen: z.number(), sumFen: z.number() })),
          }),
        },
      },
    },
    async () => predictions.distribution(),
  );
}
