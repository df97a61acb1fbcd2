import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { can } from '../../../platform/http/auth.js';
import { forbidden, invalid } from '../../../platform/errors.js';
import { CouponTemplateInput } from '../promotions.schemas.js';
import type { CouponsService } from '../coupons.service.js';

const actor = (req: FastifyRequest) => `${req.principal!.kind}:${req.principal!.name}`;

const TemplateParams = z.object({ id: z.string().trim().min(1).max(64).describe('The template id (or its code)') });
const CodeParams = z.object({ code: z.string().trim().min(1).max(64) });
const CustomerParams = z.object({ id: z.uuid() });
const STATUSES = ['available', 'issued', 'reserved', 'redeemed', 'void', 'expired'] as const;
const Key = z.string().trim().min(1).max(200);
const Page = {
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
};

const GenerateInput = z
  .object({
    count: z.number().int().min(1).max(1_000_000),
    prefix: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$/, 'up to 20 letters, digits, _ -')
      .optional()
      .describe('Put before every code (upper-cased)'),
    length: z.number().int().min(6).max(32).default(10).describe('Random symbols after the prefix, from 23456789ABCDEFGHJKLMNPQRSTUVWXYZ'),
    batch: z.string().trim().min(1).max(100).optional().describe('A name for the batch (default gen-<id>)'),
  })
  .strict();

const IssueInput = z
  .object({
    customerId: z.uuid().optional(),
    segmentId: z.uuid().optional(),
    holdoutPercent: z.number().int().min(0).max(90).default(0).describe('Segment issue: a stable random share held out (recorded, not issued) to measure the effect'),
    idempotencyKey: Key.optional().describe('A replay with the same key answers the first coupon or run'),
  })
  .strict()
  .refine((b) => !!b.customerId !== !!b.segmentId, { message: 'give customerId or segmentId (one of them)', path: ['customerId'] });

const CompensationInput = z
  .object({
    customerId: z.uuid(),
    templateCode: z.string().trim().min(1).max(64).optional().describe('A compensation template (default the latest active one)'),
    amountFen: z.number().int().positive().max(100_000_00).optional().describe('A no-threshold coupon of this amount instead of the template’s discount'),
    reason: z.string().trim().min(1).max(500),
    reference: Key.describe('The support ticket: a replay with the same reference answers the first coupon'),
  })
  .strict();

/**
 * /api/v1/coupon-templates (templates, code pools, issuing), /api/v1/coupons (look-up, void, compensation) and a
 * customer's wallet. Templates, pools and segment issues need promotions:admin; issuing to a person and voiding
 * promotions:write; reading promotions:read.
 */
export function registerCouponsRoutes(root: FastifyInstance, coupons: CouponsService) {
  const tags = ['coupons'];
  root.register(async (scoped) => {
    scoped.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: 64 * 1024 * 1024 }, (_req, body, done) => done(null, body));
    const app = scoped.withTypeProvider<ZodTypeProvider>();

    app.get(
      '/api/v1/coupon-templates',
      {
        config: { scope: 'promotions:read' },
        schema: {
          tags,
          summary: 'Coupon templates in code order',
          querystring: z.object({ purpose: z.enum(['general', 'new_member', 'compensation', 'gift']).optional(), status: z.enum(['active', 'paused', 'ended']).optional() }),
        },
      },
      async (req) => ({ items: await coupons.listTemplates(req.query) }),
    );

    app.post(
      '/api/v1/coupon-templates',
      { config: { scope: 'promotions:admin' }, schema: { tags, summary: 'Create a coupon template', body: CouponTemplateInput } },
      async (req, reply) => {
        const t = await coupons.createTemplate(req.body, actor(req));
        reply.status(201);
        return t;
      },
    );

    app.get(
      '/api/v1/coupon-templates/:id',
      { config: { scope: 'promotions:read' }, schema: { tags, summary: 'A coupon template, with how many coupons it has issued', params: TemplateParams } },
      async (req) => coupons.getTemplate(req.params.id),
    );

    app.put(
      '/api/v1/coupon-templates/:id',
      {
        config: { scope: 'promotions:admin' },
        schema: { tags, summary: 'Replace a template’s definition (the code stays; coupons already issued keep their windows)', params: TemplateParams, body: CouponTemplateInput },
      },
      async (req) => coupons.updateTemplate(req.params.id, req.body),
    );

    app.post(
      '/api/v1/coupon-templates/:id/status',
      {
        config: { scope: 'promotions:admin' },
        schema: { tags, summary: 'Pause, resume or end a template (an ended one stays ended)', params: TemplateParams, body: z.object({ status: z.enum(['active', 'paused', 'ended']) }).strict() },
      },
      async (req) => coupons.setTemplateStatus(req.params.id, req.body.status),
    );

    app.post(
      '/api/v1/coupon-templates/:id/codes',
      { config: { scope: 'promotions:admin' }, schema: { tags, summary: 'Generate unique codes into the template’s pool (status available)', params: TemplateParams, body: GenerateInput } },
      async (req, reply) => {
        const out = await coupons.generateCodes(req.params.id, req.body);
        reply.status(201);
        return out;
      },
    );

    app.post(
      '/api/v1/coupon-templates/:id/codes/import',
      {
        config: { scope: 'promotions:admin' },
        bodyLimit: 64 * 1024 * 1024,
        schema: {
          tags,
          summary: 'Import codes into the pool from a CSV body (content-type text/csv)',
          description: 'A `code` column (or the first column when there is no header). All or nothing: a bad line is a 400 naming its line number; codes given twice or already in use are named.',
          params: TemplateParams,
          querystring: z.object({ batch: z.string().trim().min(1).max(100).optional() }),
        },
      },
      async (req, reply) => {
        if (typeof req.body !== 'string') throw invalid('promotions.not_csv', 'send the CSV itself as the body, with content-type text/csv', [{ path: '(body)', message: 'a CSV text body' }]);
        const out = await coupons.importCodes(req.params.id, req.body, { batch: req.query.batch });
        reply.status(201);
        return out;
      },
    );

    app.get(
      '/api/v1/coupon-templates/:id/codes',
      {
        config: { scope: 'promotions:admin' },
        schema: { tags, summary: 'The codes of the template’s pool or one batch, in code order', params: TemplateParams, querystring: z.object({ batch: z.string().max(100).optional(), status: z.enum(STATUSES).optional(), ...Page }) },
      },
      async (req) => coupons.listCodes(req.params.id, req.query),
    );

    app.get(
      '/api/v1/coupon-templates/:id/codes/export',
      {
        config: { scope: 'promotions:admin' },
        schema: { tags, summary: 'The codes as CSV (code, status, customer_id, valid_to)', params: TemplateParams, querystring: z.object({ batch: z.string().max(100).optional() }) },
      },
      async (req, reply) => {
        const csv = await coupons.exportCodes(req.params.id, req.query.batch);
        reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', `attachment; filename="coupons-${req.query.batch ?? 'all'}.csv"`);
        return csv;
      },
    );

    app.post(
      '/api/v1/coupon-templates/:id/issue',
      {
        config: { scope: 'promotions:write' },
        schema: {
          tags,
          summary: 'Issue to a customer (promotions:write) or to every member of a segment (promotions:admin)',
          description: 'A segment issue holds out a stable random share (recorded as holdout recipients) and skips customers already holding one; with an idempotency key a replay answers the first run.',
          params: TemplateParams,
          body: IssueInput,
        },
      },
      async (req, reply) => {
        const b = req.body;
        if (b.segmentId) {
          if (!can(req.principal, 'promotions:admin')) throw forbidden('auth.missing_scope', 'Issuing to a segment needs the promotions:admin permission');
          const run = await coupons.issueToSegment(req.params.id, { segmentId: b.segmentId, holdoutPercent: b.holdoutPercent, idempotencyKey: b.idempotencyKey ?? null }, actor(req));
          reply.status(run.replayed ? 200 : 201);
          return { run };
        }
        const out = await coupons.issueToCustomer(req.params.id, { customerId: b.customerId!, idempotencyKey: b.idempotencyKey ?? null });
        reply.status(out.replayed ? 200 : 201);
        return out;
      },
    );

    app.get(
      '/api/v1/coupon-issue-runs/:id',
      { config: { scope: 'promotions:read' }, schema: { tags, summary: 'A segment issue run: issued, held out, skipped', params: z.object({ id: z.uuid() }) } },
      async (req) => coupons.getRun(req.params.id),
    );

    app.get(
      '/api/v1/coupons',
      {
        config: { scope: 'promotions:read' },
        schema: { tags, summary: 'Coupons, newest first', querystring: z.object({ customerId: z.uuid().optional(), templateId: z.uuid().optional(), status: z.enum(STATUSES).optional(), ...Page }) },
      },
      async (req) => coupons.listCoupons(req.query),
    );

    app.post(
      '/api/v1/coupons/compensations',
      { config: { scope: 'promotions:write' }, schema: { tags, summary: 'A compensation coupon for a support ticket (replay-safe per reference)', body: CompensationInput } },
      async (req, reply) => {
        const out = await coupons.issueCompensation(req.body, actor(req));
        reply.status(out.replayed ? 200 : 201);
        return out;
      },
    );

    app.get(
      '/api/v1/coupons/:code',
      { config: { scope: 'promotions:read' }, schema: { tags, summary: 'A coupon by its code', params: CodeParams } },
      async (req) => coupons.getCoupon(req.params.code),
    );

    app.post(
      '/api/v1/coupons/:code/void',
      {
        config: { scope: 'promotions:write' },
        schema: { tags, summary: 'Void a coupon (not a redeemed or reserved one)', params: CodeParams, body: z.object({ reason: z.string().trim().min(1).max(500) }).strict() },
      },
      async (req) => coupons.voidCoupon(req.params.code, req.body.reason),
    );

    app.get(
      '/api/v1/customers/:id/coupons',
      { config: { scope: 'promotions:read' }, schema: { tags, summary: 'A customer’s coupons: usable first (soonest to expire first), then the rest', params: CustomerParams } },
      async (req) => ({ items: await coupons.wallet(req.params.id) }),
    );
  });
}
