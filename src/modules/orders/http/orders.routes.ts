import type { FastifyInstance } from 'fastify';
import type { OrdersService } from '../orders.service.js';

export function registerOrdersRoutes(_app: FastifyInstance, _orders: OrdersService) {}
