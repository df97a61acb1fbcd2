import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { notFound } from '../../../platform/errors.js';
import { SELECTION_ROWS } from '../clusters/clusters.service.js';
import { ClusterRunInput } from '../clusters/clusters.schemas.js';
import type { SegmentsService } from '../segments.service.js';

const actor = (req: FastifyRequest) => `${req.principal!.kind}:${req.principal!.name}`;
const FeatureValue = z.object({ z: z.number(), value: z.number().describe('In the feature unit') });

const Profile = z.object({
  cluster: z.number().int().describe('0 … k − 1, largest cluster first'),
  name: z.string().describe('Unique in the run: the persona, with _2, _3 … when clusters share one'),
  label: z.string(),
  persona: z.string().describe('loyal_high_value, price_sensitive, quality_seeking, social, lapsed, new_one_time, low_value, store_shopper, online_shopper, miniprogram_shopper or mainstream'),
  score: z.number().nullable().describe("The persona's score for the centroid (z units); null for mainstream"),
  segmentCode: z.string().describe("The segment (kind 'cluster') holding the cluster's customers while this is the latest run"),
  size: z.number().int(),
  share: z.number(),
  silhouette: z.number().nullable().describe("Mean silhouette of the cluster's scored points"),
  centroid: z.record(z.string(), FeatureValue).describe('Per feature: z-score of the centroid and its value in original units'),
  distinguishing: z
    .array(z.object({ feature: z.string(), label: z.string(), z: z.number(), value: z.number(), direction: z.enum(['high', 'low']) }))
    .describe('The features with the largest |z|'),
});

const Run = z.object({
  id: z.uuid(),
  asOf: z.string(),
  k: z.number().int(),
  seed: z.number().int(),
  chosenBy: z.enum(['given', 'silhouette']),
  kRange: z.object({ min: z.number().int(), max: z.number().int() }).nullable(),
  silhouetteByK: z.array(z.object({ k: z.number().int(), silhouette: z.number().nullable() })).describe(`On a seeded sample of at most ${SELECTION_ROWS} customers`),
  customers: z.number().int(),
  silhouette: z.number().nullable(),
  silhouetteExact: z.boolean(),
  silhouetteScored: z.number().int(),
  restarts: z.number().int(),
  iterations: z.number().int(),
  converged: z.boolean(),
  inertia: z.number(),
  features: z.array(
    z.object({
      key: z.string(),
      label: z.string(),
      unit: z.string(),
      transform: z.enum(['none', 'log1p', 'log']),
      mean: z.number().describe('Of the transformed feature'),
      sd: z.number().describe('Population sd of the transformed feature; 0 = constant (all z 0)'),
      group: z.enum(['channel', 'category']).optional(),
      weight: z.number().describe("Weight of the feature's z-score in the distance: 1/√g for one of a group of g features (a mix counts as one feature)"),
    }),
  ),
  clusters: z.array(Profile),
  seconds: z.object({ features: z.number(), clustering: z.number(), total: z.number() }),
  createdBy: z.string(),
  createdAt: z.string(),
});

const CustomerCluster = z.object({
  customerId: z.uuid(),
  runId: z.uuid(),
  asOf: z.string(),
  cluster: z.number().int(),
  name: z.string(),
  label: z.string(),
  segmentCode: z.string(),
  features: z.record(z.string(), z.object({ value: z.number(), z: z.number() })),
});

/** Clustering runs, the latest run's cluster profiles, a customer's cluster. */
export function registerClustersRoutes(root: FastifyInstance, segments: SegmentsService): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['segments'];

  app.post(
    '/api/v1/segments/clusters/runs',
    {
      config: { scope: 'segments:admin' },
      schema: {
        tags,
        summary: 'Cluster customers by behaviour (k-means on standardised features) and name the clusters; refreshes the cluster segments',
        description:
          'Features per customer with an order up to as-of: recency, orders, net spend, discount share, unit price vs category median, ' +
          "share of spend in the brand's top categories, store / online / mini-program order shares, shares, referrals. " +
          'Counts and amounts are log-transformed, everything z-scored. Same seed and data, same result. Takes seconds for 100,000 customers.',
        body: ClusterRunInput,
        response: { 201: Run },
      },
    },
    async (req, reply) => reply.code(201).send(await segments.clusters.run(req.body, actor(req))),
  );

  app.get(
    '/api/v1/segments/clusters/latest',
    {
      config: { scope: 'segments:read' },
      schema: { tags, summary: 'The latest clustering run with its cluster profiles', response: { 200: Run } },
    },
    async () => {
      const run = await segments.clusters.latest();
      if (!run) throw notFound('segments.no_cluster_run', 'No clustering has been run yet');
      return run;
    },
  );

  app.get(
    '/api/v1/segments/clusters/runs/:runId',
    {
      config: { scope: 'segments:read' },
      schema: { tags, summary: 'A clustering run with its cluster profiles', params: z.object({ runId: z.uuid() }), response: { 200: Run } },
    },
    async (req) => {
      const run = await segments.clusters.getRun(req.params.runId);
      if (!run) throw notFound('segments.cluster_run_not_found', `No clustering run ${req.params.runId}`);
      return run;
    },
  );

  app.get(
    '/api/v1/segments/clusters/customers/:customerId',
    {
      config: { scope: 'segments:read' },
      schema: {
        tags,
        summary: "A customer's cluster in the latest run, with their features (original units and z-scores)",
        params: z.object({ customerId: z.uuid() }),
        response: { 200: CustomerCluster },
      },
    },
    async (req) => segments.clusters.customerCluster(req.params.customerId),
  );
}
