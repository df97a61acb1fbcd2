import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { parseInstant } from '../../../platform/clock.js';
import { invalid } from '../../../platform/errors.js';
import { instant } from '../../../platform/schemas.js';
import { summaryView, type CustomerSummary } from '../../customers/index.js';
import type { RefreshResult } from '../membership/membership.service.js';
import type { Segment } from '../rules/rule-segments.service.js';
import { RULE_DOC, RULE_VERSION } from '../rules/rule.schema.js';
import type { SegmentsService } from '../segments.service.js';
import { registerRfmRoutes } from './rfm.routes.js';
import { registerReportsRoutes } from './reports.routes.js';
import { registerClustersRoutes } from './clusters.routes.js';
import { viewerFor } from '../../../platform/pii-policy.js';

const tags = ['segments'];
const CODE = /^[a-z][a-z0-9_]{0,63}$/;
const code = z.string().regex(CODE, 'lower_snake_case, e.g. bought_dresses_30d');
const Ref = z.object({ code: z.string().min(1).max(64).describe('Segment code (or id)') });
const rule = z.unknown().describe(RULE_DOC);
const version = z.literal(RULE_VERSION).optional().describe('Rule format version (1)');
const actor = (req: FastifyRequest) => `${req.principal!.kind}:${req.principal!.name}`;
/** Segment members are an audience: shown for marketing (platform/pii-policy.ts). */
const viewer = (req: FastifyRequest) => viewerFor(req.principal, 'marketing');

const SegmentView = z.object({
  id: z.uuid(),
  code: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  kind: z.string().describe('rule | static | rfm | value | cluster'),
  definition: z.unknown().describe('rule: {version, rule}; static: {source, lines, customers}; rfm: {class} or {segment}; value: {quadrant}; cluster: {runId, cluster}'),
  treatment: z.unknown().nullable(),
  active: z.boolean().describe('An inactive segment keeps its members but is neither refreshed nor updated'),
  size: z.number().int(),
  refreshedAt: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const RefreshView = z.object({ segmentId: z.uuid(), code: z.string(), size: z.number().int(), entered: z.number().int(), exited: z.number().int() });

function segmentView(s: Segment) {
  return {
    ...s,
    treatment: s.treatment ?? null,
    refreshedAt: s.refreshedAt?.toISOString() ?? null,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}

/** Every segments route: rule and static segments with their membership, RFM and value matrix, reports, clusters. */
export function registerSegmentsRoutes(root: FastifyInstance, segments: SegmentsService): void {
  registerRfmRoutes(root, segments);
  registerReportsRoutes(root, segments);
  registerClustersRoutes(root, segments);

  const app = root.withTypeProvider<ZodTypeProvider>();
  const when = (text: string | undefined, path: string) => {
    if (text === undefined) return undefined;
    const d = parseInstant(text, segments.timeZone);
    if (!d) throw invalid('segments.invalid_instant', `${path} is not a valid date or instant`, [{ path, message: 'not a valid date or instant' }]);
    return d;
  };
  /** Customer summaries in the caller's view: names, phones and emails masked without pii:read. */
  const people = async (req: FastifyRequest, ids: string[]) => {
    const found: Map<string, CustomerSummary> = segments.deps.customers ? await segments.deps.customers.summaries(ids) : new Map();
    const v = viewer(req);
    return ids.map((id) => {
      const s = found.get(id);
      return s ? summaryView(s, v) : { id };
    });
  };

  app.get(
    '/api/v1/segments',
    {
      config: { scope: 'segments:read' },
      schema: {
        tags,
        summary: 'Every segment with its size',
        querystring: z.object({ kind: z.enum(['rule', 'static', 'rfm', 'value', 'cluster']).optional(), active: z.enum(['true', 'false']).optional() }),
        response: { 200: z.object({ items: z.array(SegmentView) }) },
      },
    },
    async (req) => ({
      items: (await segments.lists.list({ kind: req.query.kind, active: req.query.active === undefined ? undefined : req.query.active === 'true' })).map(segmentView),
    }),
  );

  app.post(
    '/api/v1/segments/preview',
    {
      config: { scope: 'segments:read' },
      schema: {
        tags,
        summary: 'Live count and a sample (first 20 by id) of a rule while it is edited',
        description: 'Nothing is saved. Personal data in the sample is masked without pii:read. A bad rule answers 400 naming the path, e.g. `rule.all[2].days must be ≥ 1`.',
        body: z.object({ version, rule, asOf: instant.optional().describe('Count as of this instant (default now); a date is its midnight in the business time zone') }).strict(),
      },
    },
    async (req) => {
      const r = await segments.lists.preview(req.body, { asOf: when(req.body.asOf, 'asOf') });
      return { count: r.count, asOf: r.asOf.toISOString(), sample: await people(req, r.sample) };
    },
  );

  app.post(
    '/api/v1/segments',
    {
      config: { scope: 'segments:write' },
      schema: {
        tags,
        summary: 'Create a rule segment; its members are computed at once',
        body: z
          .object({
            code,
            name: z.string().trim().min(1).max(200),
            description: z.string().trim().max(2000).optional(),
            version,
            rule,
            treatment: z.record(z.string(), z.unknown()).optional().describe('Recommended care: {key, channels, actions}'),
          })
          .strict(),
        response: { 201: z.object({ segment: SegmentView, refresh: RefreshView }) },
      },
    },
    async (req, reply) => {
      const r = await segments.lists.create(req.body, actor(req));
      reply.status(201);
      return { segment: segmentView(r.segment), refresh: r.refresh };
    },
  );

  app.post(
    '/api/v1/segments/static',
    {
      config: { scope: 'segments:write' },
      schema: {
        tags,
        summary: 'Create a static segment from a file of customer ids or phones (all or nothing)',
        description:
          '`content` is the file: one customer id or phone per line (blank lines, `#` comments and a header line are skipped). Phones are normalised as the ' +
          'customers module does (+86 by default). If any line names nobody, the answer is 400 listing every such line (`line 7: no customer has this phone`) and nothing is created.',
        body: z
          .object({
            code,
            name: z.string().trim().min(1).max(200),
            description: z.string().trim().max(2000).optional(),
            of: z.enum(['id', 'phone']).describe('What each line holds'),
            content: z.string().min(1).describe('The file text'),
          })
          .strict(),
        response: { 201: z.object({ segment: SegmentView, lines: z.number().int(), matched: z.number().int(), duplicates: z.number().int() }) },
      },
    },
    async (req, reply) => {
      const r = await segments.lists.createStatic(req.body, actor(req));
      reply.status(201);
      return { ...r, segment: segmentView(r.segment) };
    },
  );

  app.post(
    '/api/v1/segments/refresh',
    {
      config: { scope: 'segments:admin' },
      schema: {
        tags,
        summary: 'Refresh every active computed segment now (as the nightly job does)',
        body: z.object({ asOf: instant.optional() }).strict().optional(),
        response: { 200: z.object({ items: z.array(RefreshView) }) },
      },
    },
    async (req) => ({ items: await segments.membership.refreshAll({ asOf: when(req.body?.asOf, 'asOf') }) }),
  );

  app.get(
    '/api/v1/segments/:code',
    { config: { scope: 'segments:read' }, schema: { tags, summary: 'A segment: definition, size, last refresh', params: Ref, response: { 200: SegmentView } } },
    async (req) => segmentView(await segments.lists.get(req.params.code)),
  );

  app.patch(
    '/api/v1/segments/:code',
    {
      config: { scope: 'segments:write' },
      schema: {
        tags,
        summary: "Edit a segment's name, description, treatment or rule (members recomputed), or pause / resume it",
        params: Ref,
        body: z
          .object({
            name: z.string().trim().min(1).max(200).optional(),
            description: z.string().trim().max(2000).nullable().optional(),
            version,
            rule: rule.optional(),
            treatment: z.record(z.string(), z.unknown()).optional(),
            active: z.boolean().optional(),
          })
          .strict(),
        response: { 200: z.object({ segment: SegmentView, refresh: RefreshView.nullable() }) },
      },
    },
    async (req) => {
      const r = await segments.lists.update(req.params.code, req.body);
      return { segment: segmentView(r.segment), refresh: r.refresh ?? null };
    },
  );

  app.delete(
    '/api/v1/segments/:code',
    {
      config: { scope: 'segments:write' },
      schema: { tags, summary: 'Delete a segment with its members, log and size history', params: Ref, response: { 200: z.object({ id: z.uuid(), code: z.string() }) } },
    },
    async (req) => segments.lists.remove(req.params.code),
  );

  app.get(
    '/api/v1/segments/:code/count',
    {
      config: { scope: 'segments:read' },
      schema: {
        tags,
        summary: "Live count of a segment's rule now (or as of an instant), next to its stored size",
        params: Ref,
        querystring: z.object({ asOf: instant.optional() }),
        response: { 200: z.object({ code: z.string(), count: z.number().int(), stored: z.number().int() }) },
      },
    },
    async (req) => {
      const r = await segments.lists.count(req.params.code, when(req.query.asOf, 'asOf'));
      return { code: r.segment.code, count: r.count, stored: r.stored };
    },
  );

  app.get(
    '/api/v1/segments/:code/members',
    {
      config: { scope: 'segments:read' },
      schema: {
        tags,
        summary: 'Current members, earliest entry first, paged; personal data masked without pii:read',
        params: Ref,
        querystring: z.object({ page: z.coerce.number().int().min(1).default(1), pageSize: z.coerce.number().int().min(1).max(200).default(50) }),
      },
    },
    async (req) => {
      const r = await segments.lists.members(req.params.code, req.query);
      const shown = await people(req, r.items.map((i) => i.customerId));
      return {
        code: r.segment.code,
        page: req.query.page,
        pageSize: req.query.pageSize,
        total: r.total,
        items: r.items.map((i, k) => ({ enteredAt: i.enteredAt.toISOString(), customer: shown[k] })),
      };
    },
  );

  app.get(
    '/api/v1/segments/:code/history',
    {
      config: { scope: 'segments:read' },
      schema: {
        tags,
        summary: 'Size after each refresh, with the entries and exits it made',
        params: Ref,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(90) }),
      },
    },
    async (req) => {
      const r = await segments.lists.history(req.params.code, req.query);
      return { code: r.segment.code, items: r.items.map((i) => ({ ...i, at: i.at.toISOString() })) };
    },
  );

  app.post(
    '/api/v1/segments/:code/refresh',
    {
      config: { scope: 'segments:admin' },
      schema: { tags, summary: 'Recompute one segment now', params: Ref, body: z.object({ asOf: instant.optional() }).strict().optional(), response: { 200: RefreshView } },
    },
    async (req) => {
      const seg = await segments.lists.get(req.params.code);
      const r: RefreshResult | undefined = await segments.membership.refresh(seg.id, { asOf: when(req.body?.asOf, 'asOf') });
      return r!;
    },
  );

  app.get(
    '/api/v1/segments/customers/:customerId',
    {
      config: { scope: 'segments:read' },
      schema: { tags, summary: "A customer's stays in segments, current (exitedAt null) and past", params: z.object({ customerId: z.uuid() }) },
    },
    async (req) => ({
      items: (await segments.lists.customerSegments(req.params.customerId)).map((s) => ({
        ...s,
        enteredAt: s.enteredAt.toISOString(),
        exitedAt: s.exitedAt?.toISOString() ?? null,
      })),
    }),
  );
}
