import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { instant } from '../../../platform/schemas.js';
import { CartInput } from '../promotions.schemas.js';
import type { CheckoutService } from '../checkout.service.js';

const Id = z.object({ id: z.uuid().describe('The reservation id') });

const ReserveInput = CartInput.extend({
  idempotencyKey: z.string().trim().min(1).max(200).optional().describe('The same key answers the same reservation (a retried request reserves nothing twice)'),
  ttlSeconds: z.number().int().min(10).max(86_400).default(900).describe('Seconds until an uncommitted reservation expires and gives its limits, coupons and points back'),
});

const CommitInput = z
  .object({
    order: z
      .object({
        externalId: z.string().trim().min(1).max(128).describe("The order's id in the selling channel (idempotent with the channel)"),
        placedAt: instant.optional().describe('Default now'),
        paymentMethod: z.string().trim().max(40).optional(),
        staffCode: z.string().trim().max(64).optional(),
      })
      .strict(),
  })
  .strict();

/** /api/v1/checkout: price a cart, reserve it, commit (place the order) or cancel. */
export function registerCheckoutRoutes(root: FastifyInstance, checkout: CheckoutService) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['checkout'];

  app.post(
    '/api/v1/checkout/price',
    {
      config: { scope: 'promotions:read' },
      schema: {
        tags,
        summary: 'Price a cart: the best valid combination of promotions and coupons, per-line allocations, points usable as cash, an explanation',
        description:
          'Writes nothing. Lines take list price, category path and brand from the catalogue when not given (400 naming lines.i.sku for an unknown SKU without a price). notApplied says why each other promotion or coupon did not apply.',
        body: CartInput,
      },
    },
    async (req) => checkout.price(req.body),
  );

  app.post(
    '/api/v1/checkout/reservations',
    {
      config: { scope: 'promotions:write' },
      schema: {
        tags,
        summary: 'Price and reserve a cart: limits counted, coupons reserved, points held, until commit, cancel or expiry',
        description:
          'A promotion whose limit (budget, total quantity, first N customers, per customer) is reached is left out and the cart priced without it (notApplied: limit_reached). 201 when created, 200 when the idempotencyKey answers an earlier reservation.',
        body: ReserveInput,
      },
    },
    async (req, reply) => {
      const { idempotencyKey, ttlSeconds, ...cart } = req.body;
      const r = await checkout.reserve(cart, { idempotencyKey, ttlSeconds });
      reply.status(r.created ? 201 : 200);
      return { ...r.reservation, created: r.created };
    },
  );

  app.get(
    '/api/v1/checkout/reservations/:id',
    { config: { scope: 'promotions:write' }, schema: { tags, summary: 'One reservation with its pricing', params: Id } },
    async (req) => checkout.get(req.params.id),
  );

  app.post(
    '/api/v1/checkout/reservations/:id/commit',
    {
      config: { scope: 'promotions:write' },
      schema: {
        tags,
        summary: 'Place the order: each line discounted by its allocations, gift lines at their value, coupons redeemed, points spent',
        description: 'A second commit answers the committed reservation; a cancelled or expired one is 409.',
        params: Id,
        body: CommitInput,
      },
    },
    async (req) => checkout.commit(req.params.id, req.body),
  );

  app.post(
    '/api/v1/checkout/reservations/:id/cancel',
    {
      config: { scope: 'promotions:write' },
      schema: { tags, summary: 'Abandon the checkout: limits, coupons and points given back (a second cancel answers the same)', params: Id },
    },
    async (req) => checkout.cancel(req.params.id),
  );
}
