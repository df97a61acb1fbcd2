import crypto from 'node:crypto';
import { parseInstant } from '../../../platform/clock.js';
import type { FieldIssue } from '../../../platform/errors.js';
import { REF_IDENTIFIER_FIELDS, type CustomerRefInput } from '../../customers/index.js';
import type { OrderInput } from '../orders.schemas.js';

export interface PreparedLine {
  sku: string;
  quantity: number;
  unitPriceFen: number;
  discountFen: number;
  paidFen: number;
}

/** What an order says, in stored units; `hash` identifies the content for idempotent replays. */
export interface PreparedOrder {
  channel: string;
  externalId: string;
  storeCode: string | null;
  staffCode: string | null;
  placedAt: Date;
  status: string;
  paymentMethod: string | null;
  fulfillment: string | null;
  currency: string;
  attributes: Record<string, unknown>;
  grossFen: number;
  discountFen: number;
  paidFen: number;
  lines: PreparedLine[];
  customer: CustomerRefInput | undefined;
  hash: string;
}

/**
 * The part of an order a version compares: the stored state before and after a changed replay.
 * It carries the customer id, never the ref's personal data.
 */
export interface OrderSnapshot {
  customerId: string | null;
  storeCode: string | null;
  staffCode: string | null;
  placedAt: string;
  status: string;
  paymentMethod: string | null;
  fulfillment: string | null;
  currency: string;
  grossFen: number;
  discountFen: number;
  paidFen: number;
  attributes: Record<string, unknown>;
  lines: PreparedLine[];
}

export const orderKey = (channel: string, externalId: string) => `${channel}\u0000${externalId}`;

/**
 * Checks what the schema cannot (amount arithmetic, time) and derives the stored amounts:
 * a line pays quantity × unitPrice − discount unless it says otherwise; an order-level paidAmount
 * below the lines' sum is an order discount spread over the lines in proportion, so category and
 * product revenue still add up to what was paid.
 */
export function prepareOrder(input: OrderInput, timeZone: string): { order?: PreparedOrder; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const placedAt = parseInstant(input.placedAt, timeZone);
  if (!placedAt) issues.push({ path: 'placedAt', message: 'is not a valid date-time' });

  const lines: PreparedLine[] = input.lines.map((l, i) => {
    const gross = l.quantity * l.unitPrice;
    if (!Number.isSafeInteger(gross)) issues.push({ path: `lines.${i}.quantity`, message: 'quantity × unitPrice is too large' });
    const discount = l.discount ?? 0;
    if (discount > gross) issues.push({ path: `lines.${i}.discount`, message: 'is more than quantity × unitPrice' });
    return { sku: l.sku, quantity: l.quantity, unitPriceFen: l.unitPrice, discountFen: discount, paidFen: l.paidAmount ?? gross - discount };
  });
  const linesPaid = lines.reduce((s, l) => s + l.paidFen, 0);
  const explicitLinePaid = input.lines.some((l) => l.paidAmount !== undefined);
  const paidFen = input.paidAmount ?? linesPaid;
  if (input.paidAmount !== undefined && !explicitLinePaid && paidFen < linesPaid && issues.length === 0) {
    const shares = allocate(paidFen, lines.map((l) => l.paidFen));
    lines.forEach((l, i) => {
      l.paidFen = shares[i]!;
      l.discountFen = l.quantity * l.unitPriceFen - l.paidFen;
    });
  }
  if (issues.length > 0 || !placedAt) return { issues };

  const grossFen = lines.reduce((s, l) => s + l.quantity * l.unitPriceFen, 0);
  const content = {
    storeCode: input.storeCode ?? null,
    staffCode: input.staffCode ?? null,
    placedAt: placedAt.toISOString(),
    status: input.status ?? 'completed',
    paymentMethod: input.paymentMethod ?? null,
    fulfillment: input.fulfillment ?? null,
    currency: input.currency,
    attributes: input.attributes ?? {},
    grossFen,
    discountFen: Math.max(0, grossFen - paidFen),
    paidFen,
    lines,
  };
  const hash = contentHash(content, input.customer);
  return {
    order: {
      channel: input.channel,
      externalId: input.externalId,
      ...content,
      placedAt,
      customer: input.customer,
      hash,
    },
    issues,
  };
}

type Content = Omit<PreparedOrder, 'channel' | 'externalId' | 'placedAt' | 'customer' | 'hash'> & { placedAt: string };

/**
 * Identifiers decide who the order belongs to, so a corrected phone is a change; profile hints
 * (name, birthday) are not part of the order. A fixed field order keeps the text canonical
 * without sorting keys on the hot path; only free-form attributes need a stable form.
 */
function contentHash(content: Content, customer: CustomerRefInput | undefined): string {
  const canonical = JSON.stringify([
    content.storeCode,
    content.staffCode,
    content.placedAt,
    content.status,
    content.paymentMethod,
    content.fulfillment,
    content.currency,
    stableJson(content.attributes),
    content.grossFen,
    content.discountFen,
    content.paidFen,
    content.lines.map((l) => [l.sku, l.quantity, l.unitPriceFen, l.discountFen, l.paidFen]),
    customer ? refIdentity(customer) : null,
  ]);
  return crypto.createHash('md5').update(canonical).digest('hex');
}

/**
 * An order whose rows are scattered over an imported file: the stored first part (its order
 * fields came from the order's first row) with `more`'s lines after its own. The hash is the
 * one the whole order would have had, read in one piece.
 */
export function appendLines(stored: OrderSnapshot, more: PreparedOrder): PreparedOrder {
  const lines = [...stored.lines.map((l) => ({ ...l })), ...more.lines];
  const grossFen = lines.reduce((s, l) => s + l.quantity * l.unitPriceFen, 0);
  const paidFen = lines.reduce((s, l) => s + l.paidFen, 0);
  const content: Content = {
    storeCode: stored.storeCode,
    staffCode: stored.staffCode,
    placedAt: stored.placedAt,
    status: stored.status,
    paymentMethod: stored.paymentMethod,
    fulfillment: stored.fulfillment,
    currency: stored.currency,
    attributes: stored.attributes,
    grossFen,
    discountFen: Math.max(0, grossFen - paidFen),
    paidFen,
    lines,
  };
  return { ...content, channel: more.channel, externalId: more.externalId, placedAt: new Date(stored.placedAt), customer: more.customer, hash: contentHash(content, more.customer) };
}

export function snapshotOf(order: PreparedOrder, customerId: string | null, status: string): OrderSnapshot {
  return {
    customerId,
    storeCode: order.storeCode,
    staffCode: order.staffCode,
    placedAt: order.placedAt.toISOString(),
    status,
    paymentMethod: order.paymentMethod,
    fulfillment: order.fulfillment,
    currency: order.currency,
    grossFen: order.grossFen,
    discountFen: order.discountFen,
    paidFen: order.paidFen,
    attributes: order.attributes,
    lines: order.lines,
  };
}

/** Top-level fields that differ; a changed hash with equal snapshots means the customer ref changed. */
export function changedFields(before: OrderSnapshot, after: OrderSnapshot): string[] {
  const fields = (Object.keys(after) as Array<keyof OrderSnapshot>)
    .filter((k) => stableJson(before[k]) !== stableJson(after[k]))
    .sort();
  return fields.length > 0 ? fields : ['customer'];
}

const REF_FIELDS = Object.keys(REF_IDENTIFIER_FIELDS) as Array<keyof typeof REF_IDENTIFIER_FIELDS>;

function refIdentity(ref: CustomerRefInput): Array<string | null> {
  return [ref.id ?? null, ...REF_FIELDS.map((field) => ref[field]?.trim() || null)];
}

/** Split `total` over `weights` in proportion, by largest remainder, so the parts sum exactly. */
export function allocate(total: number, weights: number[]): number[] {
  const sum = weights.reduce((s, w) => s + w, 0);
  if (sum === 0) return weights.map((_, i) => (i === 0 ? total : 0));
  const raw = weights.map((w) => (total * w) / sum);
  const parts = raw.map(Math.floor);
  let rest = total - parts.reduce((s, p) => s + p, 0);
  const order = raw.map((r, i) => ({ i, frac: r - Math.floor(r) })).sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (const { i } of order) {
    if (rest <= 0) break;
    parts[i]! += 1;
    rest -= 1;
  }
  return parts;
}

/** JSON with object keys sorted at every level: equal content, equal text. */
export function stableJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
