import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { CartLineInput, PromotionInput } from '../promotions.schemas.js';
import { PROMOTION_STATUSES, type PromotionsService } from '../promotions.service.js';

const actor = (req: FastifyRequest) => `${req.principal!.kind}:${req.principal!.name}`;

const IdOrCode = z.object({ idOrCode: z.string().trim().min(1).max(64) });
const Id = z.object({ id: z.string().trim().min(1).max(64).describe('The promotion id (or its code)') });

/** Every field but the code and the status, none defaulted: what the patch leaves out stays as it is. */
const PromotionPatch = z
  .object(
    Object.fromEntries(
      Object.entries(PromotionInput.shape)
        .filter(([k]) => k !== 'code' && k !== 'status')
        .map(([k, v]) => [k, v instanceof z.ZodDefault ? v.unwrap() : v]),
    ) as unknown as Omit<typeof PromotionInput.shape, 'code' | 'status'>,
  )
  .partial()
  .strict()
  .describe('Any fields of a promotion but code and status; merged over the promotion and validated whole');

/** A draft for the builder: a promotion whose code may be left out. */
const Draft = z.preprocess(
  (v) => (v && typeof v === 'object' && !Array.isArray(v) && !('code' in v) ? { ...v, code: 'DRAFT' } : v),
  PromotionInput,
);

const PreviewInput = z
  .object({
    promotion: Draft.describe('A promotion as POST /promotions takes it; code optional. Window, status, conditions and limits are not checked.'),
    cart: z.object({ lines: z.array(CartLineInput).min(1).max(500) }).strict(),
  })
  .strict();

const ListQuery = z.object({
  status: z.enum(PROMOTION_STATUSES).optional(),
  q: z.string().trim().min(1).max(100).optional().describe('Code or name contains (case-insensitive)'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
});

/** /api/v1/promotions: define, list, change and start or stop promotions; preview a draft on a sample cart. */
export function registerPromotionsRoutes(root: FastifyInstance, promotions: PromotionsService) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['promotions'];

  app.get(
    '/api/v1/promotions',
    {
      config: { scope: 'promotions:read' },
      schema: { tags, summary: 'Promotions, newest first, with what each has used of its limits (counters)', querystring: ListQuery },
    },
    async (req) => promotions.list(req.query),
  );

  app.get(
    '/api/v1/promotions/:idOrCode',
    { config: { scope: 'promotions:read' }, schema: { tags, summary: 'One promotion by id or code, with its counters', params: IdOrCode } },
    async (req) => promotions.get(req.params.idOrCode),
  );

  app.post(
    '/api/v1/promotions',
    {
      config: { scope: 'promotions:admin' },
      schema: {
        tags,
        summary: 'Create a promotion (status draft unless given); 409 promotions.code_exists on a taken code',
        description:
          'definition: { scope: order | skus | categories | brands, rule: threshold | percent | fixed | quantity | buyGet | bundle | gift | price, excludedSkus?, capFen? } — amounts in integer fen. conditions: channels, stores, fulfillment, audience, priorOrders, tiers, segments, birthdayMonth, minSubtotalFen. Limits: budgetFen, totalQuantity, firstN, perCustomerLimit.',
        body: PromotionInput,
      },
    },
    async (req, reply) => {
      const p = await promotions.create(req.body, actor(req));
      reply.status(201);
      return p;
    },
  );

  app.post(
    '/api/v1/promotions/preview',
    {
      config: { scope: 'promotions:read' },
      schema: {
        tags,
        summary: "A draft promotion priced alone on a sample cart: subtotal, discount, total, each line's share, gifts, the step it reached",
        description: "Lines without unitPrice, categoryPath or brand take the catalogue's. Nothing is stored.",
        body: PreviewInput,
      },
    },
    async (req) =>
      promotions.preview(
        req.body.promotion,
        req.body.cart.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPriceFen: l.unitPrice, categoryPath: l.categoryPath, brand: l.brand })),
      ),
  );

  app.patch(
    '/api/v1/promotions/:id',
    {
      config: { scope: 'promotions:admin' },
      schema: {
        tags,
        summary: 'Change a promotion (version + 1); a running promotion may change, and the change is recorded as such',
        params: Id,
        body: PromotionPatch,
      },
    },
    async (req) => promotions.update(req.params.id, req.body, actor(req)),
  );

  app.post(
    '/api/v1/promotions/:id/status',
    {
      config: { scope: 'promotions:admin' },
      schema: {
        tags,
        summary: 'Move a promotion: draft → active | ended, active ⇄ paused, → ended (final); 409 promotions.status_transition otherwise',
        params: Id,
        body: z.object({ status: z.enum(PROMOTION_STATUSES) }).strict(),
      },
    },
    async (req) => promotions.setStatus(req.params.id, req.body.status, actor(req)),
  );
}
