import type { FastifyInstance } from 'fastify';
import type { SegmentsService } from '../segments.service.js';

/** Customers and revenue by segment × store / channel, segment comparison, CSV export. */
export function registerReportsRoutes(_app: FastifyInstance, _segments: SegmentsService): void {}
