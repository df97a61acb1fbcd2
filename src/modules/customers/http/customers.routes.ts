import type { FastifyInstance } from 'fastify';
import type { CustomersService } from '../customers.service.js';

export function registerCustomersRoutes(_app: FastifyInstance, _customers: CustomersService) {}
