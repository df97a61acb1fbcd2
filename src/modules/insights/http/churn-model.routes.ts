import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { notFound } from '../../../platform/errors.js';
import { CHURN_FEATURES, type ChurnModelService } from '../churn/churn-model.service.js';

const tags = ['insights'];
const actor = (req: FastifyRequest) => `${req.principal!.kind}:${req.principal!.name}`;

const Feature = z.enum(CHURN_FEATURES);
const Bin = z.object({ from: z.number(), to: z.number(), customers: z.number().int(), predicted: z.number().nullable(), observed: z.number().nullable() });
const Evaluation = z.object({
  customers: z.number().int(),
  churners: z.number().int(),
  auc: z.number().nullable().describe('Mann-Whitney: P(a churner scores above a non-churner), ties ½'),
  brier: z.number(),
  calibration: z.array(Bin).describe('Ten equal-width bins of the predicted probability'),
});
const Model = z.object({
  intercept: z.number(),
  features: z.array(z.object({ feature: Feature, coefficient: z.number().describe('Log-odds per standard deviation'), mean: z.number(), sd: z.number(), impute: z.number().nullable() })),
});
const Run = z.object({
  id: z.uuid(),
  asOf: z.string(),
  horizonDays: z.number().int(),
  lambda: z.number(),
  model: Model,
  evaluation: z.object({
    trainCutoff: z.string(),
    testCutoff: z.string(),
    train: z.object({ customers: z.number().int(), churners: z.number().int() }),
    model: Evaluation.extend({ coefficients: Model }),
    baseline: Evaluation.extend({ params: z.record(z.string(), z.number()) }).nullable().describe('BG/NBD as of testCutoff, scored 1 − P(alive)'),
  }),
  customers: z.number().int(),
  seconds: z.number().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
});

/** The supervised churn model: a training run, the latest run's evaluation, a customer's explanation. */
export function registerChurnModelRoutes(root: FastifyInstance, churn: ChurnModelService) {
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.post(
    '/api/v1/insights/churn-model/runs',
    {
      config: { scope: 'insights:admin' },
      schema: {
        tags,
        summary: 'Train the churn model, evaluate it out of time against BG/NBD, and score every customer (replaces the previous scores)',
        description:
          'Churn = no order in horizonDays after a cutoff. Trains a logistic regression at asOf − 2·horizon and tests it at asOf − horizon ' +
          '(AUC, Brier, calibration; BG/NBD 1 − P(alive) on the same customers), then re-trains at asOf − horizon and scores everyone with ' +
          'an order by asOf, with the three features pushing each score up the most. See src/modules/insights/README.md.',
        body: z
          .object({
            asOf: z.iso.date().optional().describe('Scoring date, a business date (default: the day of the latest order)'),
            horizonDays: z.number().int().min(7).max(365).optional().describe('Churn = no order in this many days (default 90)'),
          })
          .strict()
          .default({}),
        response: { 201: Run },
      },
    },
    async (req, reply) => {
      const run = await churn.train(req.body ?? {}, actor(req));
      reply.status(201);
      return run;
    },
  );

  app.get(
    '/api/v1/insights/churn-model/latest',
    { config: { scope: 'insights:read' }, schema: { tags, summary: 'The latest churn model run: coefficients, and AUC, Brier and calibration of the model and of BG/NBD', response: { 200: Run } } },
    async () => {
      const run = await churn.latestRun();
      if (!run) throw notFound('insights.no_churn_model_run', 'No churn model yet: run POST /api/v1/insights/churn-model/runs first');
      return run;
    },
  );

  app.get(
    '/api/v1/insights/customers/:customerId/churn-explanation',
    {
      config: { scope: 'insights:read' },
      schema: {
        tags,
        summary: "A customer's churn probability from the latest run and the (up to) three features that push it up the most",
        params: z.object({ customerId: z.uuid() }),
        response: {
          200: z.object({
            customerId: z.uuid(),
            runId: z.uuid(),
            asOf: z.string(),
            horizonDays: z.number().int(),
            probability: z.number(),
            factors: z.array(
              z.object({
                feature: Feature,
                value: z.number(),
                contribution: z.number().describe('Coefficient × standardised value: log-odds above an average customer'),
                label: z.object({ en: z.string(), 'zh-CN': z.string() }),
              }),
            ),
          }),
        },
      },
    },
    async (req) => churn.explanation(req.params.customerId),
  );
}
