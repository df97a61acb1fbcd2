import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../../../platform/audit.js';
import { batchBody, splitValid, summarize } from '../../../platform/http/batch.js';
import type { ActivityService, Event } from '../activity.service.js';
import { EventInput, EventQuery } from '../activity.schemas.js';

export function eventView(e: Event) {
  return {
    id: e.id,
    customerId: e.customerId,
    anonymousId: e.anonymousId,
    deviceId: e.deviceId,
    type: e.type,
    occurredAt: e.occurredAt.toISOString(),
    channel: e.channel,
    storeCode: e.storeCode,
    sku: e.sku,
    properties: e.properties,
    source: e.source,
    externalId: e.externalId,
    receivedAt: e.receivedAt.toISOString(),
  };
}

export function registerActivityRoutes(root: FastifyInstance, activity: ActivityService) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['activity'];

  app.post(
    '/api/v1/events',
    {
      config: { scope: 'events:write' },
      schema: {
        tags,
        summary: 'Record one behaviour event',
        description:
          'Answers 201 when stored, 200 when (source, externalId) was already stored (unchanged, or updated when it differs). ' +
          'An event naming only an anonymousId or deviceId is kept without a customer until that id is identified.',
        body: EventInput,
      },
    },
    async (req, reply) => {
      const r = await activity.recordEvent(req.body);
      reply.status(r.status === 'created' ? 201 : 200);
      return r;
    },
  );

  app.post(
    '/api/v1/events/batch',
    {
      config: { scope: 'events:write' },
      schema: {
        tags,
        summary: 'Record up to 1,000 behaviour events; per-item results',
        description: 'Items with errors are reported with the field path (`items.3.occurredAt`) and not stored; the others are.',
        body: batchBody,
      },
    },
    async (req) => {
      const { valid, errors } = splitValid(EventInput, req.body.items);
      const recorded = await activity.recordEvents(
        valid.map((v) => v.value),
        { indexes: valid.map((v) => v.index) },
      );
      return summarize([...errors, ...recorded]);
    },
  );

  app.get(
    '/api/v1/events',
    {
      config: { scope: 'events:read' },
      schema: { tags, summary: 'Behaviour events, newest first, by customer, type and time', querystring: EventQuery },
    },
    async (req) => {
      const page = await activity.listEvents(req.query);
      return { items: page.items.map(eventView), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/api/v1/events/monthly',
    {
      config: { scope: 'events:read' },
      schema: {
        tags,
        summary: "A customer's events per month and type, the months the retention policy rolled up included",
        description: 'Months are calendar months in the business time zone, newest first. A merged-away id answers for its survivor.',
        querystring: z.object({ customerId: z.uuid() }),
      },
    },
    async (req) => ({ items: await activity.monthlyCounts(req.query.customerId) }),
  );

  app.get(
    '/api/v1/activity/retention',
    {
      config: { scope: 'events:read' },
      schema: {
        tags,
        summary: 'The events retention policy, the oldest kept event and what the rollup holds',
        description:
          'months: events are kept from the start of the month this many months back (KEMAI_RETENTION_EVENTS_MONTHS; 0 = forever); ' +
          'older ones are counted per month, customer, type, channel and store, then deleted, nightly.',
      },
    },
    async () => activity.retentionStatus(),
  );

  app.post(
    '/api/v1/activity/retention/run',
    {
      config: { scope: 'privacy:admin' },
      schema: {
        tags,
        summary: 'Apply the events retention policy now (or count what it would do)',
        description: 'months defaults to the configured policy. Audited (activity.retention) when events were deleted.',
        body: z.object({ months: z.number().optional(), dryRun: z.boolean().optional() }).optional(),
      },
    },
    async (req) => {
      const months = req.body?.months ?? activity.retentionMonths;
      return activity.applyRetention({ months, dryRun: req.body?.dryRun ?? false, actor: actorOf(req.principal) });
    },
  );
}
