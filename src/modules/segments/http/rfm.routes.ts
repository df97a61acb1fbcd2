import type { FastifyInstance } from 'fastify';
import type { SegmentsService } from '../segments.service.js';

/** RFM runs, the R×F grid, class and segment summaries with treatments, a customer's scores, the value matrix. */
export function registerRfmRoutes(_app: FastifyInstance, _segments: SegmentsService): void {}
