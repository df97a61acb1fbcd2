import { z } from 'zod';
import { instant } from '../../platform/schemas.js';
import { CustomerRefInput } from '../customers/index.js';

export const EVENT_TYPES = [
  'view',
  'search',
  'add_to_cart',
  'remove_from_cart',
  'favorite',
  'store_visit',
  'try_on',
  'share',
  'review',
  'survey',
  'login',
  'sign_up',
  'check_in',
  'guide_interaction',
  'coupon_view',
  'message_click',
] as const;

/** A behaviour event; `customer` may carry only an anonymousId until the person is identified. */
export const EventInput = z.object({
  type: z.string().trim().regex(/^[a-z][a-z0-9_]{1,40}$/, 'lower_snake_case event type, e.g. add_to_cart'),
  occurredAt: instant,
  customer: CustomerRefInput,
  channel: z.string().trim().max(40).optional(),
  storeCode: z.string().trim().max(64).optional(),
  sku: z.string().trim().max(64).optional(),
  properties: z.record(z.string(), z.unknown()).optional(),
  source: z.string().trim().max(40).optional(),
  externalId: z.string().trim().max(128).optional(),
});
export type EventInput = z.output<typeof EventInput>;
