import { z } from 'zod';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { sql } from 'drizzle-orm';
import { customerScope, inScopeSql } from '../../../platform/customer-scope.js';
import { AppError } from '../../../platform/errors.js';
import { batchBody, splitValid, summarize, type ItemResult } from '../../../platform/http/batch.js';
import { formatMoney } from '../../../platform/money.js';
import { ORDER_SORTS, type ItemError, type OrderResult, type OrdersService, type ReturnResult } from '../orders.service.js';
import { CHANNELS, OrderInput, ReturnInput } from '../orders.schemas.js';

type OrderDetail = Awaited<ReturnType<OrdersService['getOrder']>>;
type OrderSummary = Awaited<ReturnType<OrdersService['listOrders']>>['items'][number];

const OrderWritten = z.object({
  id: z.uuid(),
  customerId: z.uuid().nullable().describe('The golden profile the order belongs to; null for a guest order'),
  status: z.enum(['created', 'updated', 'unchanged']),
});

const ReturnWritten = z.object({
  id: z.uuid(),
  orderId: z.uuid(),
  customerId: z.uuid().nullable(),
  status: z.enum(['created', 'unchanged']),
  refundAmount: z.string(),
});

export function orderSummaryView(o: OrderSummary) {
  return {
    id: o.id,
    customerId: o.customerId,
    channel: o.channel,
    externalId: o.externalId,
    storeCode: o.storeCode,
    staffCode: o.staffCode,
    placedAt: o.placedAt,
    status: o.status,
    paymentMethod: o.paymentMethod,
    fulfillment: o.fulfillment,
    currency: o.currency,
    grossAmount: formatMoney(o.grossFen),
    discountAmount: formatMoney(o.discountFen),
    paidAmount: formatMoney(o.paidFen),
    refundedAmount: formatMoney(o.refundedFen),
    lineCount: o.lineCount,
    version: o.version,
    source: o.source,
    attributes: o.attributes,
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
  };
}

export function orderDetailView(o: OrderDetail) {
  return {
    ...orderSummaryView(o),
    lines: o.lines.map((l) => ({
      lineNo: l.lineNo,
      sku: l.sku,
      productName: l.productName,
      quantity: l.quantity,
      unitPrice: formatMoney(l.unitPriceFen),
      discount: formatMoney(l.discountFen),
      paidAmount: formatMoney(l.paidFen),
      returnedQuantity: l.returnedQuantity,
      refundedAmount: formatMoney(l.refundedFen),
    })),
    returns: o.returns.map((r) => ({
      id: r.id,
      channel: r.channel,
      externalId: r.externalId,
      returnedAt: r.returnedAt,
      reason: r.reason,
      refundAmount: formatMoney(r.refundFen),
      lines: r.lines.map((l) => ({ lineNo: l.lineNo, quantity: l.quantity, refundAmount: formatMoney(l.refundFen) })),
    })),
    versions: o.versions,
  };
}

function fail(error: ItemError): never {
  throw new AppError(error.kind, error.code, error.message, error.issues ? { issues: error.issues } : undefined);
}

/** Service issues name fields inside one item; in a batch they are prefixed with the item's place. */
function batchError(index: number, error: ItemError): ItemResult {
  const issues = error.issues?.map((i) => ({ ...i, path: `items.${index}.${i.path}` }));
  return {
    index,
    status: 'error',
    error: {
      code: error.code,
      message: issues?.[0] ? `${issues[0].path}: ${issues[0].message}` : error.message,
      ...(issues ? { issues } : {}),
    },
  };
}

function orderItem(index: number, r: OrderResult): ItemResult {
  return r.status === 'error' ? batchError(index, r.error) : { index, status: r.status, id: r.id, customerId: r.customerId };
}

function returnItem(index: number, r: ReturnResult): ItemResult {
  return r.status === 'error'
    ? batchError(index, r.error)
    : { index, status: r.status, id: r.id, orderId: r.orderId, customerId: r.customerId, refundAmount: formatMoney(r.refundFen) };
}

export function registerOrdersRoutes(root: FastifyInstance, orders: OrdersService) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = ['orders'];

  app.post(
    '/api/v1/orders',
    {
      config: { scope: 'orders:write' },
      schema: {
        tags,
        summary: 'Record an order (idempotent by channel + externalId)',
        description:
          'The first call answers 201 with the order id and the customer it was matched to. The same body again answers 200 ' +
          'with the same ids and changes nothing; a changed body answers 200 with status "updated" and keeps the previous ' +
          'content in the order\'s versions. Amounts are decimal strings or numbers with at most 2 decimals; a placedAt ' +
          'without offset is read in the business time zone.',
        body: OrderInput,
        response: { 200: OrderWritten, 201: OrderWritten },
      },
    },
    async (req, reply) => {
      const [r] = await orders.ingestOrders([req.body], { source: 'api' });
      if (r!.status === 'error') fail(r!.error);
      reply.status(r!.status === 'created' ? 201 : 200);
      return { id: r!.id, customerId: r!.customerId, status: r!.status };
    },
  );

  app.post(
    '/api/v1/orders/batch',
    {
      config: { scope: 'orders:write' },
      schema: {
        tags,
        summary: 'Record up to 1,000 orders; per-item results',
        description: 'Each item is an order as for POST /api/v1/orders. A bad item is reported with its field paths and nothing of it is written; the others are.',
        body: batchBody,
      },
    },
    async (req) => {
      const { valid, errors } = splitValid(OrderInput, req.body.items);
      const written = await orders.ingestOrders(valid.map((v) => v.value), { source: 'api' });
      return summarize([...errors, ...written.map((r, i) => orderItem(valid[i]!.index, r))]);
    },
  );

  app.get(
    '/api/v1/orders',
    {
      config: { scope: 'orders:read' },
      schema: {
        tags,
        summary: 'List orders: newest first with a cursor, or by page with a sort and the total',
        description:
          'Without `page`: newest first, `limit` per call and `nextCursor` for the next one. With `page`: `pageSize` (≤ 200) ' +
          'orders sorted by `sort` (placedAt, paid, channel, store; `-` for descending, default -placedAt), answered as ' +
          '`{items, total}` with each order\'s `storeName`.',
        querystring: z.object({
          customerId: z.uuid().optional(),
          channel: z.enum(CHANNELS).optional(),
          storeCode: z.string().optional(),
          from: z.string().optional().describe('Placed at or after (date or date-time; without offset in the business zone)'),
          to: z.string().optional().describe('Placed before this date-time, or through the end of this date'),
          limit: z.coerce.number().int().min(1).max(500).default(50),
          cursor: z.string().optional().describe('nextCursor of the previous page'),
          page: z.coerce.number().int().min(1).optional().describe('Page number (1-based): paged mode'),
          pageSize: z.coerce.number().int().min(1).max(200).default(25),
          sort: z.enum(ORDER_SORTS.flatMap((k) => [k, `-${k}`] as const)).default('-placedAt'),
        }),
      },
    },
    async (req) => {
      const { page: pageNo, pageSize, sort, limit, cursor, ...rest } = req.query;
      // Guides and store managers list their store's customers' orders (and their store's guest sales), exact in SQL.
      const scope = customerScope(req.principal);
      const filter = scope
        ? { ...rest, within: sql`(${inScopeSql(scope, sql`o.customer_id`)} or (o.guest and o.store_code = ${scope.storeCode}))` }
        : rest;
      if (pageNo !== undefined) {
        const paged = await orders.listOrdersPage({ ...filter, page: pageNo, pageSize, sort });
        return { items: paged.items.map((o) => ({ ...orderSummaryView(o), storeName: o.storeName })), total: paged.total };
      }
      const page = await orders.listOrders({ ...filter, limit, cursor });
      return { items: page.items.map(orderSummaryView), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/api/v1/orders/:id',
    {
      config: { scope: 'orders:read' },
      schema: { tags, summary: 'One order with its lines, returns and versions', params: z.object({ id: z.uuid() }) },
    },
    async (req) => orderDetailView(await orders.getOrder(req.params.id)),
  );

  app.post(
    '/api/v1/returns',
    {
      config: { scope: 'orders:write' },
      schema: {
        tags,
        summary: 'Record a return or refund (idempotent by channel + externalId)',
        description:
          'Lines are named by lineNo (1-based) or SKU with a quantity; a line cannot take back more than was bought minus what ' +
          'was returned already. The refund defaults to the line\'s paid amount × quantity / line quantity, rounded to the fen.',
        body: ReturnInput,
        response: { 200: ReturnWritten, 201: ReturnWritten },
      },
    },
    async (req, reply) => {
      const [r] = await orders.recordReturns([req.body], { source: 'api' });
      if (r!.status === 'error') fail(r!.error);
      reply.status(r!.status === 'created' ? 201 : 200);
      return { id: r!.id, orderId: r!.orderId, customerId: r!.customerId, status: r!.status, refundAmount: formatMoney(r!.refundFen) };
    },
  );

  app.post(
    '/api/v1/returns/batch',
    {
      config: { scope: 'orders:write' },
      schema: { tags, summary: 'Record up to 1,000 returns; per-item results', body: batchBody },
    },
    async (req) => {
      const { valid, errors } = splitValid(ReturnInput, req.body.items);
      const written = await orders.recordReturns(valid.map((v) => v.value), { source: 'api' });
      return summarize([...errors, ...written.map((r, i) => returnItem(valid[i]!.index, r))]);
    },
  );
}
