import { z } from 'zod';
import { SILHOUETTE_EXACT_LIMIT } from './kmeans.js';
import { CLUSTER_DEFAULTS } from './clusters.service.js';

const K_MAX = 20;

/** A clustering run's parameters (HTTP body and CLI flags). */
export const ClusterRunInput = z
  .object({
    k: z.number().int().min(2).max(K_MAX).optional().describe('The number of clusters; without it k is chosen by silhouette in kRange'),
    kRange: z
      .object({ min: z.number().int().min(2).max(K_MAX), max: z.number().int().min(2).max(K_MAX) })
      .strict()
      .optional()
      .describe(`The k to try when k is not given (default ${CLUSTER_DEFAULTS.kRange.min}..${CLUSTER_DEFAULTS.kRange.max}); the best silhouette wins, ties the smaller k`),
    seed: z.number().int().min(0).max(2 ** 31 - 1).optional().describe(`Seed of every random choice (default ${CLUSTER_DEFAULTS.seed}): same seed, same data → same clusters`),
    asOf: z.iso.date().optional().describe('Business date the features are as of (default today in the business time zone)'),
    sample: z
      .number()
      .int()
      .min(100)
      .max(20_000)
      .optional()
      .describe(`Points the silhouette is computed on: exact up to this many customers, a seeded sample of this many above (default ${SILHOUETTE_EXACT_LIMIT})`),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.k !== undefined && v.kRange) ctx.addIssue({ code: 'custom', path: ['kRange'], message: 'give k or kRange, not both' });
    if (v.kRange && v.kRange.max < v.kRange.min) ctx.addIssue({ code: 'custom', path: ['kRange', 'max'], message: 'must not be below kRange.min' });
  });
