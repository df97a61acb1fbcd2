import { z } from 'zod';
import { sql } from 'drizzle-orm';
import { customerScope, inScopeSql } from '../../../platform/customer-scope.js';
import { viewerFor } from '../../../platform/pii-policy.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { actorOf } from '../../../platform/audit.js';
import { invalid } from '../../../platform/errors.js';
import { batchBody, splitValid, summarize } from '../../../platform/http/batch.js';
import { ConsentInput, CustomerUpsertInput } from '../customers.schemas.js';
import type { CustomersService } from '../customers.service.js';
import { customer360View, duplicateView, listedView, summaryView, timelinePage, type Viewer } from './customer.views.js';
import { LIST_SORTS } from '../customer-queries.js';

/** The customer screens serve clienteling: the caller's role decides which fields show in full (platform/pii-policy.ts). */
const viewer = (req: FastifyRequest): Viewer => viewerFor(req.principal, 'clienteling');
/** Who did it, as recorded on merges and decisions: `staff:<username>` or `apikey:<name>`. */
const actor = (req: FastifyRequest) => `${req.principal!.kind}:${req.principal!.name}`;

const idParams = z.object({ id: z.string().describe('Customer id (a merged id answers for its survivor)') });
const pageLimit = z.coerce.number().int().min(1).max(200);
const isoDate = z.iso.date();

export function registerCustomersRoutes(root: FastifyInstance, customers: CustomersService) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['customers'];

  app.post(
    '/api/v1/customers',
    {
      config: { scope: 'customers:write' },
      schema: {
        tags,
        summary: 'Create or update a customer profile, found by its identifiers',
        description:
          'Identifiers are normalised (phone to E.164, default region +86; email lowercased; member number and POS card uppercased) and resolved to one golden profile. Attributes given here replace the stored ones; consents are appended to the history.',
        body: CustomerUpsertInput,
      },
    },
    async (req, reply) => {
      const [r] = await customers.upsertCustomers([{ index: 0, value: req.body }], { source: 'api', actor: actor(req), prefix: () => '' });
      if (r!.status === 'error') throw invalid(r!.error.code, r!.error.message, r!.error.issues);
      reply.status(r!.status === 'created' ? 201 : 200);
      return r;
    },
  );

  app.post(
    '/api/v1/customers/batch',
    {
      config: { scope: 'customers:write' },
      schema: { tags, summary: 'Upsert up to 1,000 customer profiles; per-item results', body: batchBody },
    },
    async (req) => {
      const { valid, errors } = splitValid(CustomerUpsertInput, req.body.items);
      const results = await customers.upsertCustomers(valid, { source: 'api', actor: actor(req), prefix: (i) => `items.${i}` });
      return summarize([...errors, ...results]);
    },
  );

  app.get(
    '/api/v1/customers',
    {
      config: { scope: 'customers:read' },
      schema: {
        tags,
        summary: 'Search customers by phone (any format), email, member number or name prefix; filter by city or tag',
        description:
          'Two ways to page. Without `page`: newest first, `limit` rows and a `nextCursor` (feeds, sync). With `page`: ' +
          'the console list — `pageSize` rows of page `page`, sorted by `sort`, each with the person\'s orders, net spend ' +
          'and first/last order, and `total`; `active=90d` keeps people who bought in the 90 days up to `asOf` (default ' +
          'today), `firstOrderFrom`/`firstOrderTo` people whose first order falls in those dates, `sinceFrom`/`sinceTo` people who ' +
          'became members then (created, or first bought if earlier: the dashboard\'s new members); dates in the business time zone. ' +
          '`total` counts every match.',
        querystring: z
          .object({
            q: z.string().max(200).optional(),
            city: z.string().max(100).optional(),
            tag: z.string().max(50).optional(),
            limit: pageLimit.default(50),
            offset: z.coerce.number().int().min(0).max(100_000).optional(),
            cursor: z.string().max(100).optional().describe('nextCursor of the previous page'),
            page: z.coerce.number().int().min(1).max(100_000).optional(),
            pageSize: pageLimit.default(25),
            sort: z.enum([...LIST_SORTS, ...LIST_SORTS.map((s) => `-${s}` as const)]).default('-created'),
            active: z.string().regex(/^\d{1,4}d$/, 'is a number of days like 90d').optional(),
            asOf: isoDate.optional(),
            firstOrderFrom: isoDate.optional(),
            firstOrderTo: isoDate.optional(),
            sinceFrom: isoDate.optional(),
            sinceTo: isoDate.optional(),
          })
          .refine((q) => !q.firstOrderFrom || !q.firstOrderTo || q.firstOrderFrom <= q.firstOrderTo, {
            message: 'is after firstOrderTo',
            path: ['firstOrderFrom'],
          })
          .refine((q) => !q.sinceFrom || !q.sinceTo || q.sinceFrom <= q.sinceTo, { message: 'is after sinceTo', path: ['sinceFrom'] }),
      },
    },
    async (req) => {
      const v = viewer(req);
      const q = req.query;
      // Guides and store managers list their store's customers only; filtered here so pages and totals are right.
      const scope = customerScope(req.principal);
      const within = scope ? inScopeSql(scope, sql`c.id`) : undefined;
      if (q.page !== undefined) {
        const page = await customers.list({
          within,
          q: q.q,
          city: q.city,
          tag: q.tag,
          activeDays: q.active ? Number(q.active.slice(0, -1)) : undefined,
          asOf: q.asOf,
          firstOrderFrom: q.firstOrderFrom,
          firstOrderTo: q.firstOrderTo,
          sinceFrom: q.sinceFrom,
          sinceTo: q.sinceTo,
          sort: q.sort,
          page: q.page,
          pageSize: q.pageSize,
        });
        return { items: page.items.map((c) => listedView(c, v)), total: page.total, nextCursor: null };
      }
      const page = await customers.search({ ...q, within });
      return { items: page.items.map((s) => summaryView(s, v)), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/api/v1/customers/duplicates',
    {
      config: { scope: 'customers:read' },
      schema: {
        tags,
        summary: 'Open suspected duplicates (weak evidence) waiting for review, newest first',
        querystring: z.object({ limit: pageLimit.default(50), offset: z.coerce.number().int().min(0).default(0) }),
      },
    },
    async (req) => {
      const page = await customers.listDuplicates(req.query);
      const v = viewer(req);
      return { items: page.items.map((d) => duplicateView(d, v)), hasMore: page.hasMore };
    },
  );

  app.post(
    '/api/v1/customers/duplicates/:id/accept',
    {
      config: { scope: 'customers:merge' },
      schema: { tags, summary: 'Confirm a suspected duplicate: the younger profile is merged into the older', params: z.object({ id: z.uuid() }) },
    },
    async (req) => customers.acceptDuplicate(req.params.id, actor(req), actorOf(req.principal)),
  );

  app.post(
    '/api/v1/customers/duplicates/:id/reject',
    {
      config: { scope: 'customers:merge' },
      schema: { tags, summary: 'Two different people: close the suspected duplicate; they are not proposed again', params: z.object({ id: z.uuid() }) },
    },
    async (req) => customers.rejectDuplicate(req.params.id, actor(req)),
  );

  app.get(
    '/api/v1/customers/:id',
    {
      config: { scope: 'customers:read' },
      schema: {
        tags,
        summary: 'Customer 360: profile, identifiers, consents, lifetime stats and the timeline (newest first)',
        description:
          'A merged-away id answers 200 with the survivor\'s 360; `id` is the survivor, `requestedId` the id asked for and `mergedInto` is set. Unknown id: 404 customers.not_found.',
        params: idParams,
        querystring: z.object({ timelineLimit: pageLimit.default(50), timelineCursor: z.string().max(200).optional() }),
      },
    },
    async (req) => {
      const v = viewer(req);
      const view = customer360View(await customers.get360(req.params.id, { limit: req.query.timelineLimit, cursor: req.query.timelineCursor }), v);
      // Personal data shown in full is a PII view: audited (who, whose, which fields, why), never the values.
      const fields = (['name', 'phone', 'email', 'address'] as const).filter((f) => v[f] ?? v.pii);
      if (fields.length) await customers.recordPiiView(view.id, { actor: actorOf(req.principal), fields, purpose: 'clienteling' });
      return view;
    },
  );

  app.get(
    '/api/v1/customers/:id/timeline',
    {
      config: { scope: 'customers:read' },
      schema: {
        tags,
        summary: 'More of a customer\'s timeline (newest first)',
        params: idParams,
        querystring: z.object({ limit: pageLimit.default(50), cursor: z.string().max(200).optional() }),
      },
    },
    async (req) => timelinePage(await customers.timeline(req.params.id, req.query), viewer(req)),
  );

  app.post(
    '/api/v1/customers/:id/consents',
    {
      config: { scope: 'customers:write' },
      schema: {
        tags,
        summary: 'Record consent decisions (appended to the history; repeating the current state adds nothing)',
        params: idParams,
        body: z.object({ consents: z.array(ConsentInput).min(1).max(50) }),
      },
    },
    async (req) => customers.recordConsents(req.params.id, req.body.consents, 'api'),
  );

  app.get(
    '/api/v1/customers/:id/export',
    {
      config: { scope: 'privacy:admin' },
      schema: {
        tags,
        summary: "Data subject access export: everything about a customer, unmasked, as one JSON document",
        description:
          'Format `kemai-dsr-export/1`: `{format, generatedAt, customerId, sections}`, one section per module holding ' +
          'records about the person (customers, orders, loyalty, activity, messaging, service, surveys, listening, ' +
          'promotions), sent as an attachment `customer-<id>.json`. A merged-away id answers 404 `customers.merged` ' +
          'with `details.mergedInto` (export that id). Writes a `privacy.export` audit entry with row counts.',
        params: z.object({ id: z.string().describe('Customer id (a merged-away id answers 404 naming its survivor)') }),
      },
    },
    async (req, reply) => {
      const doc = await customers.exportCustomer(req.params.id, actorOf(req.principal));
      reply.header('content-disposition', `attachment; filename="customer-${doc.customerId}.json"`);
      return doc;
    },
  );

  app.post(
    '/api/v1/customers/:id/erase',
    {
      config: { scope: 'privacy:admin' },
      schema: {
        tags,
        summary: "Erase a customer's personal data in every module (right to erasure), keeping financial records and ledger totals",
        description:
          'In one transaction: the profile becomes an `erased` tombstone (no name, contact details, attributes, tags or ' +
          'identifiers, so later data with the same phone makes a new profile); orders, returns and points keep their ' +
          'amounts without personal values; messages, tickets, survey verbatims, mentions and behaviour events lose theirs ' +
          '(see the customers README). Answers the rows scrubbed per module and part. Unknown id 404; a merged-away id 404 ' +
          '`customers.merged` with `details.mergedInto` (erase that id); already erased 409 `customers.already_erased`. ' +
          'Writes a `customers.erase` audit entry with row counts only.',
        params: z.object({ id: z.string().describe('Customer id (a merged-away id answers 404 naming its survivor)') }),
        body: z.object({ reason: z.string().trim().min(1).max(500).describe("Why (the request's reference); kept on the profile's timeline") }).strict(),
        response: {
          200: z.object({
            customerId: z.string(),
            erasedAt: z.string(),
            scrubbed: z.record(z.string(), z.record(z.string(), z.number().int())),
          }),
        },
      },
    },
    async (req) => customers.erase(req.params.id, { reason: req.body.reason, actor: actorOf(req.principal) }),
  );

  app.post(
    '/api/v1/customers/:id/merge',
    {
      config: { scope: 'customers:merge' },
      schema: {
        tags,
        summary: 'Merge another profile into this one (this one survives); undo with /unmerge',
        params: idParams,
        body: z.object({ otherId: z.uuid(), reason: z.string().trim().min(1).max(500).optional() }),
      },
    },
    async (req) =>
      customers.mergeCustomers(req.params.id, req.body.otherId, { actor: actor(req), reason: req.body.reason ?? 'manual merge', auditActor: actorOf(req.principal) }),
  );

  app.post(
    '/api/v1/customers/:id/unmerge',
    {
      config: { scope: 'customers:merge' },
      schema: {
        tags,
        summary: 'Undo a merge of this customer: both profiles and their records come back as they were',
        params: idParams,
        body: z.object({ mergeId: z.uuid() }),
      },
    },
    async (req) => customers.unmergeCustomers(req.body.mergeId, actor(req), req.params.id, undefined, actorOf(req.principal)),
  );
}
