import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AffectedQuery, AlertCrisisInput, CloseInput, CompensateInput, CrisisInput, CrisisListQuery, PostInput, RefreshAffectedInput, ShareQuery } from '../crises.schemas.js';
import type { CrisesService } from '../crises.service.js';

const actor = (req: FastifyRequest) => `${req.principal!.kind}:${req.principal!.name}`;
const Params = z.object({ id: z.uuid().describe('The crisis id') });
const AlertParams = z.object({ id: z.uuid().describe('The alert id') });

/**
 * /api/v1/listening/crises: the crisis workflow — open (by hand or from an alert), the timeline's posts (statement,
 * updates, notes), affected customers and their compensation, the negative share over time, closing and the
 * post-mortem. Reading needs listening:read, everything else listening:write.
 */
export function registerCrisesRoutes(root: FastifyInstance, crises: CrisesService) {
  const tags = ['listening'];
  const base = '/api/v1/listening/crises';
  root.register(async (scoped) => {
    const app = scoped.withTypeProvider<ZodTypeProvider>();

    app.get(
      base,
      { config: { scope: 'listening:read' }, schema: { tags, summary: 'Crises, newest first (monitoring: responding with the latest 6 h negative share at or below the target)', querystring: CrisisListQuery } },
      async (req) => ({ items: await crises.list(req.query) }),
    );

    app.post(
      base,
      {
        config: { scope: 'listening:write' },
        schema: { tags, summary: 'Open a crisis: owner, scope (sku, batch, keyword, store), a statement due within 60 minutes, updates every 4 hours', body: CrisisInput },
      },
      async (req, reply) => {
        const c = await crises.open(req.body, actor(req));
        reply.status(201);
        return c;
      },
    );

    app.post(
      '/api/v1/listening/alerts/:id/crisis',
      {
        config: { scope: 'listening:write' },
        schema: { tags, summary: "Open the crisis of an alert (its scope; title from the rule, owner the rule's unless given); 409 when it has one", params: AlertParams, body: AlertCrisisInput },
      },
      async (req, reply) => {
        const c = await crises.openFromAlert(req.params.id, req.body, actor(req));
        reply.status(201);
        return c;
      },
    );

    app.get(
      `${base}/:id`,
      { config: { scope: 'listening:read' }, schema: { tags, summary: 'A crisis with its timeline, deadlines (ok, due_soon, overdue, done) and counts', params: Params } },
      async (req) => crises.get(req.params.id),
    );

    app.post(
      `${base}/:id/posts`,
      {
        config: { scope: 'listening:write' },
        schema: { tags, summary: 'Post to the timeline: the statement (first one meets the deadline), a progress update or a note; 409 once closed', params: Params, body: PostInput },
      },
      async (req, reply) => {
        const c = await crises.post(req.params.id, req.body, actor(req));
        reply.status(201);
        return c;
      },
    );

    app.post(
      `${base}/:id/affected/refresh`,
      {
        config: { scope: 'listening:write' },
        schema: { tags, summary: 'Find the affected customers (linked mentions, tickets, orders of the product) and merge them in; counts per reason', params: Params, body: RefreshAffectedInput.optional() },
      },
      async (req) => crises.refreshAffected(req.params.id, req.body ?? {}, actor(req)),
    );

    app.get(
      `${base}/:id/affected`,
      { config: { scope: 'listening:read' }, schema: { tags, summary: 'The affected customers: ids, reasons, compensation', params: Params, querystring: AffectedQuery } },
      async (req) => crises.listAffected(req.params.id, req.query),
    );

    app.post(
      `${base}/:id/compensate`,
      {
        config: { scope: 'listening:write' },
        schema: { tags, summary: 'Compensate the affected customers not yet compensated (or the ones named): a coupon and/or points, exactly once each', params: Params, body: CompensateInput },
      },
      async (req) => crises.compensate(req.params.id, req.body, actor(req)),
    );

    app.get(
      `${base}/:id/negative-share`,
      { config: { scope: 'listening:read' }, schema: { tags, summary: 'The negative share from 24 h before opening to the close (or now), by hour or day; start, peak, latest, target', params: Params, querystring: ShareQuery } },
      async (req) => crises.negativeShare(req.params.id, req.query.bucket),
    );

    app.post(
      `${base}/:id/close`,
      { config: { scope: 'listening:write' }, schema: { tags, summary: 'Close a crisis with a summary (409 without a statement)', params: Params, body: CloseInput } },
      async (req) => crises.close(req.params.id, req.body, actor(req)),
    );

    app.get(
      `${base}/:id/report`,
      { config: { scope: 'listening:read' }, schema: { tags, summary: 'The post-mortem: time to statement, updates on time, peak volume, negative share start → peak → end vs target, affected, compensation, keywords', params: Params } },
      async (req) => crises.report(req.params.id),
    );
  });
}
