import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { actorOf } from '../../../platform/audit.js';
import { cursorQuery } from '../../../platform/schemas.js';
import type { StaffService } from '../staff.service.js';
import { registerKpiRoutes } from './kpis.routes.js';

export const AssignBody = z.object({
  /** The guide or store manager; null puts the customer in the store's pool. */
  staffId: z.uuid().nullable(),
  storeCode: z.string().trim().min(1).max(64).optional(),
  note: z.string().trim().max(500).optional(),
});

const BookQuery = cursorQuery.extend({ cursor: z.uuid().optional() });

/** Customers' guides: a customer's assignment history, manual (re)assignment, a guide's book, the backfill. */
export function registerStaffRoutes(root: FastifyInstance, staff: StaffService) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['staff'];

  app.get(
    '/api/v1/customers/:id/assignments',
    { config: { scope: 'customers:read' }, schema: { tags, summary: 'A customer’s guide assignments, oldest first (the open one has endedAt null)', params: z.object({ id: z.uuid() }) } },
    async (req) => ({ items: await staff.history(req.params.id) }),
  );

  app.post(
    '/api/v1/customers/:id/assignment',
    {
      config: { scope: 'staff:admin' },
      schema: { tags, summary: 'Assign the customer to a guide (or the store pool): closes the open assignment, opens a manual one, audited', params: z.object({ id: z.uuid() }), body: AssignBody },
    },
    async (req) => staff.assign(req.params.id, req.body, actorOf(req.principal)),
  );

  app.get(
    '/api/v1/staff/:id/customers',
    { config: { scope: 'customers:read' }, schema: { tags, summary: 'A guide’s book: the customers assigned to them now (cursor pages)', params: z.object({ id: z.uuid() }), querystring: BookQuery } },
    async (req) => staff.book(req.params.id, req.query),
  );

  app.post(
    '/api/v1/staff/assignments/backfill',
    { config: { scope: 'staff:admin' }, schema: { tags, summary: 'Assign every customer without a guide by their first order (idempotent)' } },
    async (req) => staff.backfill(actorOf(req.principal)),
  );

  registerKpiRoutes(root, staff.kpis);
}
