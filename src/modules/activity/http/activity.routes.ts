import type { FastifyInstance } from 'fastify';
import type { ActivityService } from '../activity.service.js';

export function registerActivityRoutes(_app: FastifyInstance, _activity: ActivityService) {}
