import type { FastifyInstance } from 'fastify';
import type { SegmentsService } from '../segments.service.js';
import { registerRfmRoutes } from './rfm.routes.js';
import { registerReportsRoutes } from './reports.routes.js';
import { registerClustersRoutes } from './clusters.routes.js';

/** Every segments route: RFM and value matrix, reports; rule segments, membership and clusters add theirs here. */
export function registerSegmentsRoutes(app: FastifyInstance, segments: SegmentsService): void {
  registerRfmRoutes(app, segments);
  registerReportsRoutes(app, segments);
  registerClustersRoutes(app, segments);
}
