import { z } from 'zod';
import { instant, money } from '../../platform/schemas.js';
import { CustomerRefInput } from '../customers/index.js';

export const CHANNELS = ['pos', 'online', 'miniprogram', 'app', 'wechat', 'marketplace', 'phone', 'other'] as const;

/** An amount that cannot be negative: prices, discounts, payments, refunds. */
const amount = money.refine((fen) => fen >= 0, 'must not be negative');

export const OrderLineInput = z.object({
  sku: z.string().trim().min(1).max(64),
  quantity: z.number().int().positive().max(1_000_000),
  unitPrice: amount,
  /** Discount on the whole line (not per unit). */
  discount: amount.optional(),
  /** What the customer paid for the line; default quantity × unitPrice − discount. */
  paidAmount: amount.optional(),
});

/**
 * The partner contract: POST /api/v1/orders. Idempotent by (channel, externalId): the same body
 * again changes nothing; a changed body is an update recorded in the order's history.
 */
export const OrderInput = z.object({
  channel: z.enum(CHANNELS),
  externalId: z.string().trim().min(1).max(128),
  storeCode: z.string().trim().max(64).optional(),
  staffCode: z.string().trim().max(64).optional(),
  placedAt: instant,
  status: z.enum(['placed', 'paid', 'completed', 'cancelled']).optional(),
  customer: CustomerRefInput.optional(),
  lines: z.array(OrderLineInput).min(1).max(500),
  /** What the customer paid for the order; default the sum of the lines' paid amounts. */
  paidAmount: amount.optional(),
  currency: z.string().length(3).toUpperCase().default('CNY'),
  paymentMethod: z.string().trim().max(40).optional(),
  fulfillment: z.enum(['in_store', 'delivery', 'pickup']).optional(),
  attributes: z.record(z.string(), z.unknown()).optional(),
});
export type OrderInput = z.output<typeof OrderInput>;

/** A return or refund of part of an order, by line number (1-based, as stored) or SKU. */
export const ReturnInput = z.object({
  channel: z.enum(CHANNELS),
  externalId: z.string().trim().min(1).max(128),
  order: z.object({ channel: z.enum(CHANNELS), externalId: z.string().trim().min(1).max(128) }),
  returnedAt: instant,
  reason: z.string().trim().max(500).optional(),
  lines: z
    .array(
      z.object({
        lineNo: z.number().int().positive().optional(),
        sku: z.string().trim().min(1).max(64).optional(),
        quantity: z.number().int().positive().max(1_000_000),
        /** Default: the line's paid amount × quantity / line quantity, rounded to the fen. */
        refundAmount: amount.optional(),
      }).refine((l) => l.lineNo !== undefined || l.sku !== undefined, { message: 'give lineNo or sku', path: ['lineNo'] }),
    )
    .min(1)
    .max(500),
});
export type ReturnInput = z.output<typeof ReturnInput>;
