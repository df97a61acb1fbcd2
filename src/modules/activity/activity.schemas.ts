import { z } from 'zod';
import { instant } from '../../platform/schemas.js';
import { CustomerRefInput } from '../customers/index.js';

/** The event types Kemai's own modules understand; senders may add their own lower_snake_case types. */
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
  type: z
    .string()
    .trim()
    .regex(/^[a-z][a-z0-9_]{1,40}$/, 'lower_snake_case event type, e.g. add_to_cart')
    .describe(`Event type: ${EVENT_TYPES.join(', ')}, or a lower_snake_case type of your own`),
  occurredAt: instant.describe('When it happened; without an offset it is read in the business time zone'),
  customer: CustomerRefInput.describe(
    'Who did it: any identifiers known; an anonymousId or deviceId alone is kept unattributed until that id is identified',
  ),
  channel: z.string().trim().max(40).optional().describe('app, miniprogram, web, store, …'),
  storeCode: z.string().trim().max(64).optional(),
  sku: z.string().trim().max(64).optional(),
  properties: z.record(z.string(), z.unknown()).optional(),
  source: z.string().trim().min(1).max(40).optional().describe('The sending system; with externalId it makes a replay harmless'),
  externalId: z.string().trim().min(1).max(128).optional().describe('The sender\'s id of the event, unique per source'),
});
export type EventInput = z.output<typeof EventInput>;

export const EventQuery = z.object({
  customerId: z.uuid().optional(),
  type: z.string().trim().min(1).max(41).optional(),
  from: instant.optional().describe('Inclusive; a date means its start in the business time zone'),
  to: instant.optional().describe('Up to, not including, this instant; a bare date includes that whole day in the business time zone'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional().describe('nextCursor of the previous page'),
});
export type EventQuery = z.output<typeof EventQuery>;
