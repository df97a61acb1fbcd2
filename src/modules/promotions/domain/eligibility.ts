import crypto from 'node:crypto';

/**
 * Who, where and when a promotion or coupon applies (all optional; an empty condition set applies to every cart):
 * - `channels`, `stores`, `fulfillment` (pick-up-in-store discount: `['pickup']`);
 * - `audience`: `members` (a known customer), `new` (no earlier order: the new-customer offer) or `returning`;
 * - `priorOrders`: how many earlier orders the customer has (`{ min: 1, max: 1 }` is "your second purchase");
 * - `tiers` (tier codes: tier prices), `segments` (segment ids, any of them), `birthdayMonth` (the customer's birthday
 *   falls in the checkout's month, in the business time zone);
 * - `minSubtotalFen`: the whole cart must reach it (a coupon's "满200可用").
 */
export interface Conditions {
  channels?: readonly string[];
  stores?: readonly string[];
  fulfillment?: readonly string[];
  audience?: 'everyone' | 'members' | 'new' | 'returning';
  priorOrders?: { min?: number; max?: number };
  tiers?: readonly string[];
  segments?: readonly string[];
  birthdayMonth?: boolean;
  minSubtotalFen?: number;
}

/** What the checkout knows about the cart and its customer when it decides which promotions apply. */
export interface CheckoutContext {
  channel: string;
  storeCode?: string | null;
  fulfillment?: string | null;
  subtotalFen: number;
  /** Month 1–12 of the checkout instant in the business time zone. */
  month: number;
  customer: null | {
    id: string;
    tierCode: string | null;
    segmentIds: ReadonlySet<string>;
    /** Month 1–12 of the birthday, when known. */
    birthdayMonth: number | null;
    /** Orders before this one (not cancelled). */
    priorOrders: number;
  };
}

export type Ineligibility =
  | 'channel'
  | 'store'
  | 'fulfillment'
  | 'members_only'
  | 'new_customers_only'
  | 'returning_customers_only'
  | 'prior_orders'
  | 'tier'
  | 'segment'
  | 'birthday_month'
  | 'min_subtotal';

/** Null when the conditions hold, else the first one that does not (for the cashier's "why not"). */
export function ineligibility(c: Conditions, ctx: CheckoutContext): Ineligibility | null {
  if (c.channels?.length && !c.channels.includes(ctx.channel)) return 'channel';
  if (c.stores?.length && !(ctx.storeCode && c.stores.includes(ctx.storeCode))) return 'store';
  if (c.fulfillment?.length && !(ctx.fulfillment && c.fulfillment.includes(ctx.fulfillment))) return 'fulfillment';
  if (c.minSubtotalFen !== undefined && ctx.subtotalFen < c.minSubtotalFen) return 'min_subtotal';
  const needsCustomer = (c.audience && c.audience !== 'everyone') || c.priorOrders || c.tiers?.length || c.segments?.length || c.birthdayMonth;
  if (!needsCustomer) return null;
  const who = ctx.customer;
  if (!who) return c.audience === 'new' ? 'new_customers_only' : 'members_only';
  if (c.audience === 'new' && who.priorOrders > 0) return 'new_customers_only';
  if (c.audience === 'returning' && who.priorOrders === 0) return 'returning_customers_only';
  if (c.priorOrders) {
    const { min, max } = c.priorOrders;
    if ((min !== undefined && who.priorOrders < min) || (max !== undefined && who.priorOrders > max)) return 'prior_orders';
  }
  if (c.tiers?.length && !(who.tierCode && c.tiers.includes(who.tierCode))) return 'tier';
  if (c.segments?.length && !c.segments.some((s) => who.segmentIds.has(s))) return 'segment';
  if (c.birthdayMonth && who.birthdayMonth !== ctx.month) return 'birthday_month';
  return null;
}

/**
 * A customer's stable place in or out of a holdout: the first 4 bytes of sha256(salt:customerId) mod 10,000 below
 * percent × 100. The same customer is always in the same group for the same salt (a promotion or issue run id), and
 * different salts draw independent groups.
 */
export function inHoldout(salt: string, customerId: string, percent: number): boolean {
  if (percent <= 0) return false;
  const h = crypto.createHash('sha256').update(`${salt}:${customerId}`).digest();
  return h.readUInt32BE(0) % 10_000 < percent * 100;
}
