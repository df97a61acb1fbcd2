import { z } from 'zod';
import { instant, money } from '../../platform/schemas.js';
import { CHANNELS } from '../orders/index.js';

/**
 * The promotions contract. Amounts inside a promotion's or template's definition are integer fen (`minFen`, `offFen`,
 * `capFen`, `priceFen`, `valueFen`) — exact, and what the pricing works in; a cart's prices are amounts like an
 * order's ("199.00"). Every schema here is the API's and the CLI's validation and the OpenAPI document's.
 */

const fen = z.number().int().min(0).max(100_000_000_00);
const positiveFen = z.number().int().positive().max(100_000_000_00);
const sku = z.string().trim().min(1).max(64);
const percent = z.number().gt(0).lt(100);

export const ScopeInput = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('order') }),
  z.object({ kind: z.literal('skus'), skus: z.array(sku).min(1).max(5000) }),
  z.object({ kind: z.literal('categories'), paths: z.array(z.string().trim().min(1).max(200)).min(1).max(500) }),
  z.object({ kind: z.literal('brands'), brands: z.array(z.string().trim().min(1).max(100)).min(1).max(500) }),
]);

export const RuleInput = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('threshold'),
    tiers: z
      .array(z.object({ minFen: positiveFen, offFen: positiveFen }))
      .min(1)
      .max(20)
      .refine((ts) => ts.every((t) => t.offFen < t.minFen), { message: 'each tier must take off less than it needs (满300减50)' }),
    repeat: z.boolean().optional(),
  }),
  z.object({ kind: z.literal('percent'), percent }),
  z.object({ kind: z.literal('fixed'), offFen: positiveFen }),
  z.object({ kind: z.literal('quantity'), minUnits: z.number().int().min(1).max(1000), percent }),
  z.object({ kind: z.literal('buyGet'), buy: z.number().int().min(1).max(100), get: z.number().int().min(1).max(100) }),
  z.object({
    kind: z.literal('bundle'),
    items: z.array(z.object({ sku, quantity: z.number().int().min(1).max(100) })).min(2).max(20),
    priceFen: positiveFen,
  }),
  z.object({
    kind: z.literal('gift'),
    minFen: positiveFen,
    gifts: z.array(z.object({ sku, quantity: z.number().int().min(1).max(100), valueFen: fen, name: z.string().trim().max(100).optional() })).min(1).max(10),
    repeat: z.boolean().optional(),
  }),
  z.object({ kind: z.literal('price'), prices: z.array(z.object({ sku, priceFen: fen })).min(1).max(5000) }),
]);

/** What a promotion or coupon gives: a rule on a scope, with excluded SKUs and a cap on the discount. */
export const DefinitionInput = z.object({
  scope: ScopeInput.default({ kind: 'order' }),
  rule: RuleInput,
  excludedSkus: z.array(sku).max(5000).optional(),
  capFen: positiveFen.nullable().optional(),
});
export type DefinitionInput = z.output<typeof DefinitionInput>;

/** See domain/eligibility.ts for what each condition means. */
export const ConditionsInput = z.object({
  channels: z.array(z.enum(CHANNELS)).max(CHANNELS.length).optional(),
  stores: z.array(z.string().trim().min(1).max(64)).max(5000).optional(),
  fulfillment: z.array(z.enum(['in_store', 'delivery', 'pickup'])).max(3).optional(),
  audience: z.enum(['everyone', 'members', 'new', 'returning']).optional(),
  priorOrders: z
    .object({ min: z.number().int().min(0).optional(), max: z.number().int().min(0).optional() })
    .refine((p) => p.min === undefined || p.max === undefined || p.min <= p.max, { message: 'min must not exceed max', path: ['min'] })
    .optional(),
  tiers: z.array(z.string().trim().min(1).max(64)).max(50).optional(),
  segments: z.array(z.uuid()).max(50).optional(),
  birthdayMonth: z.boolean().optional(),
  minSubtotalFen: fen.optional(),
});
export type ConditionsInput = z.output<typeof ConditionsInput>;

const code = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, _ . - (starting with a letter or digit)');

const window = {
  startsAt: instant.nullable().optional(),
  endsAt: instant.nullable().optional(),
};

export const PromotionInput = z
  .object({
    code,
    name: z.string().trim().min(1).max(200),
    description: z.string().trim().max(2000).optional(),
    status: z.enum(['draft', 'active', 'paused', 'ended']).default('draft'),
    definition: DefinitionInput,
    conditions: ConditionsInput.default({}),
    ...window,
    priority: z.number().int().min(0).max(10_000).default(100),
    stackGroup: z.string().trim().min(1).max(64).nullable().optional(),
    exclusive: z.boolean().default(false),
    budgetFen: positiveFen.nullable().optional(),
    totalQuantity: z.number().int().positive().nullable().optional(),
    firstN: z.number().int().positive().nullable().optional(),
    perCustomerLimit: z.number().int().positive().nullable().optional(),
    holdoutPercent: z.number().int().min(0).max(90).default(0),
  })
  .refine((p) => !p.startsAt || !p.endsAt || p.startsAt < p.endsAt, { message: 'must be after startsAt', path: ['endsAt'] });
export type PromotionInput = z.output<typeof PromotionInput>;

export const CouponTemplateInput = z
  .object({
    code,
    name: z.string().trim().min(1).max(200),
    purpose: z.enum(['general', 'new_member', 'compensation', 'gift']).default('general'),
    status: z.enum(['active', 'paused', 'ended']).default('active'),
    definition: DefinitionInput,
    conditions: ConditionsInput.default({}),
    /** A fixed validity window … */
    validFrom: instant.nullable().optional(),
    validTo: instant.nullable().optional(),
    /** … or valid for this many days from issue. */
    validDays: z.number().int().min(1).max(3650).nullable().optional(),
    priority: z.number().int().min(0).max(10_000).default(200),
    stackGroup: z.string().trim().min(1).max(64).nullable().optional(),
    exclusive: z.boolean().default(false),
    withPromotions: z.boolean().default(true),
    perCustomerLimit: z.number().int().positive().nullable().optional(),
    totalQuantity: z.number().int().positive().nullable().optional(),
    returnPolicy: z.enum(['keep', 'restore']).default('restore'),
  })
  .refine((t) => !!t.validTo || !!t.validDays, { message: 'give validTo or validDays', path: ['validDays'] });
export type CouponTemplateInput = z.output<typeof CouponTemplateInput>;

export const CartLineInput = z.object({
  sku,
  quantity: z.number().int().positive().max(100_000),
  /** Unit price before promotions; default the catalogue's list price. */
  unitPrice: money.refine((f) => f >= 0, 'must not be negative').optional(),
  /** Default the catalogue's category path and brand. */
  categoryPath: z.array(z.string().trim().min(1).max(100)).max(10).optional(),
  brand: z.string().trim().max(100).optional(),
});

/** A cart to price (POST /checkout/price) or reserve (POST /checkout/reservations). */
export const CartInput = z.object({
  customerId: z.uuid().optional(),
  channel: z.enum(CHANNELS),
  storeCode: z.string().trim().min(1).max(64).optional(),
  fulfillment: z.enum(['in_store', 'delivery', 'pickup']).optional(),
  /** Default now; pricing at another instant is for simulation and tests. */
  at: instant.optional(),
  lines: z.array(CartLineInput).min(1).max(500),
  couponCodes: z.array(z.string().trim().min(1).max(64)).max(10).default([]),
  /** Points to use as cash (at the programme's rate), at most what the customer has and what the cart costs. */
  points: z.number().int().min(0).max(100_000_000).default(0),
});
export type CartInput = z.output<typeof CartInput>;
