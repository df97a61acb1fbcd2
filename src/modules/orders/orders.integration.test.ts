import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../platform/db/database.js';
import { OrderInput } from './index.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';

let t: TestApp;
let writer: { authorization: string };
beforeAll(async () => {
  t = await createTestApp();
  writer = await t.keyWith(['orders:write']);
});
afterAll(async () => t?.close());

const PARTNER_EXAMPLE = {
  channel: 'pos',
  externalId: 'SH01-20251101-0001',
  storeCode: 'SH01',
  placedAt: '2025-11-01T10:00:00+08:00',
  customer: { phone: '13800138000', name: '王芳' },
  lines: [{ sku: 'A100', quantity: 2, unitPrice: '199.00' }],
  paidAmount: '398.00',
  currency: 'CNY',
};

/** Row counts of every table an order write could touch. */
async function tableCounts(): Promise<Record<string, number>> {
  // Deliveries of earlier events would otherwise land between two counts.
  await t.kemai.events.drain();
  const tables = await query<{ s: string; t: string }>(
    t.kemai.database.db,
    sql`select table_schema as s, table_name as t from information_schema.tables
        where table_type = 'BASE TABLE' and table_schema in ('orders', 'customers', 'catalog', 'platform')
        order by 1, 2`,
  );
  const counts: Record<string, number> = {};
  for (const { s, t: name } of tables) {
    const [row] = await query<{ n: number | string }>(t.kemai.database.db, sql.raw(`select count(*) as n from "${s}"."${name}"`));
    counts[`${s}.${name}`] = Number(row!.n);
  }
  return counts;
}

async function one<T = Record<string, unknown>>(statement: ReturnType<typeof sql>): Promise<T> {
  const rows = await query<T>(t.kemai.database.db, statement);
  return rows[0]!;
}

const post = (url: string, payload: unknown, headers = writer) => t.app.inject({ method: 'POST', url, headers, payload: payload as object });
const get = (url: string) => t.app.inject({ method: 'GET', url, headers: t.admin });

function order(externalId: string, extra: Record<string, unknown> = {}) {
  return {
    channel: 'online',
    externalId,
    placedAt: '2025-06-18T20:15:00+08:00',
    lines: [{ sku: 'B200', quantity: 1, unitPrice: '88.00' }],
    ...extra,
  };
}

describe('the partner contract', () => {
  it('answers 201 with ids, then 200 with the same ids on an identical replay and writes nothing', async () => {
    const first = await post('/api/v1/orders', PARTNER_EXAMPLE);
    expect(first.statusCode).toBe(201);
    const created = first.json();
    expect(created).toEqual({ id: expect.any(String), customerId: expect.any(String), status: 'created' });

    const before = await tableCounts();
    const stamp = await one<{ updated_at: unknown; version: number }>(
      sql`select updated_at, version from orders.orders where id = ${created.id}`,
    );
    const again = await post('/api/v1/orders', PARTNER_EXAMPLE);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ id: created.id, customerId: created.customerId, status: 'unchanged' });
    expect(await tableCounts()).toEqual(before);
    expect(await one(sql`select updated_at, version from orders.orders where id = ${created.id}`)).toEqual(stamp);

    const detail = await get(`/api/v1/orders/${created.id}`);
    expect(detail.statusCode).toBe(200);
    expect(detail.json()).toMatchObject({
      id: created.id,
      customerId: created.customerId,
      channel: 'pos',
      externalId: 'SH01-20251101-0001',
      storeCode: 'SH01',
      placedAt: '2025-11-01T02:00:00.000Z',
      status: 'completed',
      currency: 'CNY',
      grossAmount: '398.00',
      discountAmount: '0.00',
      paidAmount: '398.00',
      refundedAmount: '0.00',
      lineCount: 1,
      version: 1,
      lines: [{ lineNo: 1, sku: 'A100', quantity: 2, unitPrice: '199.00', discount: '0.00', paidAmount: '398.00', returnedQuantity: 0 }],
      returns: [],
      versions: [],
    });
    // Unknown store and SKU became catalog placeholders, so line_facts has a product row to join.
    expect(await one(sql`select count(*)::int as n from catalog.stores where code = 'SH01'`)).toEqual({ n: 1 });
    expect(await one(sql`select sku, product_name, quantity, paid_fen::int as paid from orders.line_facts where order_id = ${created.id}`)).toEqual({
      sku: 'A100',
      product_name: 'A100',
      quantity: 2,
      paid: 39800,
    });
  });

  it('records a changed replay as an update with the previous version kept', async () => {
    const body = order('WEB-CHANGE-1', { customer: { phone: '13900139001' }, lines: [{ sku: 'C300', quantity: 1, unitPrice: '50.00' }] });
    const first = (await post('/api/v1/orders', body)).json();
    const changed = await post('/api/v1/orders', { ...body, lines: [{ sku: 'C300', quantity: 3, unitPrice: '50.00' }], paymentMethod: 'alipay' });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toEqual({ id: first.id, customerId: first.customerId, status: 'updated' });

    const detail = (await get(`/api/v1/orders/${first.id}`)).json();
    expect(detail).toMatchObject({ version: 2, paidAmount: '150.00', grossAmount: '150.00', paymentMethod: 'alipay', lineCount: 1 });
    expect(detail.lines).toEqual([
      { lineNo: 1, sku: 'C300', productName: 'C300', quantity: 3, unitPrice: '50.00', discount: '0.00', paidAmount: '150.00', returnedQuantity: 0, refundedAmount: '0.00' },
    ]);
    expect(detail.versions).toHaveLength(1);
    expect(detail.versions[0]).toMatchObject({
      version: 1,
      changedFields: ['grossFen', 'lines', 'paidFen', 'paymentMethod'],
      previous: {
        customerId: first.customerId,
        grossFen: 5000,
        paidFen: 5000,
        paymentMethod: null,
        lines: [{ sku: 'C300', quantity: 1, unitPriceFen: 5000, discountFen: 0, paidFen: 5000 }],
      },
    });

    // The update is itself idempotent.
    const replay = await post('/api/v1/orders', { ...body, lines: [{ sku: 'C300', quantity: 3, unitPrice: '50.00' }], paymentMethod: 'alipay' });
    expect(replay.json().status).toBe('unchanged');
    expect(await one(sql`select count(*)::int as n from orders.order_versions where order_id = ${first.id}`)).toEqual({ n: 1 });
  });

  it('publishes order events to the outbox in the same transaction', async () => {
    const res = (await post('/api/v1/orders', order('WEB-EVENT-1', { storeCode: 'ONLINE', customer: { phone: '13700137000' } }))).json();
    await post('/api/v1/orders', order('WEB-EVENT-1', { storeCode: 'ONLINE', customer: { phone: '13700137000' } }));
    await post('/api/v1/orders', order('WEB-EVENT-1', { storeCode: 'ONLINE', customer: { phone: '13700137000' }, paidAmount: '80.00' }));
    const events = await query<{ name: string; payload: unknown }>(
      t.kemai.database.db,
      sql`select name, payload from platform.outbox where payload->>'orderId' = ${res.id} order by id`,
    );
    const payload = { orderId: res.id, customerId: res.customerId, channel: 'online', storeCode: 'ONLINE', placedAt: '2025-06-18T12:15:00.000Z' };
    expect(events).toEqual([
      { name: 'orders.order.placed', payload: { ...payload, paidFen: 8800 } },
      { name: 'orders.order.updated', payload: { ...payload, paidFen: 8000 } },
    ]);
  });
});

describe('OpenAPI', () => {
  it('documents the partner contract', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    const create = doc.paths['/api/v1/orders'].post;
    const body = create.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(expect.arrayContaining(['channel', 'externalId', 'placedAt', 'lines']));
    expect(Object.keys(body.properties)).toEqual(expect.arrayContaining(['storeCode', 'customer', 'paidAmount', 'currency']));
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['200', '201']));
    for (const path of ['/api/v1/orders/batch', '/api/v1/orders/{id}', '/api/v1/returns', '/api/v1/returns/batch']) {
      expect(doc.paths[path], path).toBeDefined();
    }
  });
});

describe('validation', () => {
  it('names the field of every problem and writes nothing', async () => {
    const before = await tableCounts();
    const cases: Array<[unknown, string, string]> = [
      [{ ...PARTNER_EXAMPLE, externalId: 'V1', lines: [] }, 'lines', ''],
      [{ ...PARTNER_EXAMPLE, externalId: 'V2', channel: 'fax' }, 'channel', ''],
      [{ ...PARTNER_EXAMPLE, externalId: 'V3', lines: [{ sku: 'A100', quantity: 2, unitPrice: '199.001' }] }, 'lines.0.unitPrice', 'at most 2 decimals'],
      [{ ...PARTNER_EXAMPLE, externalId: 'V4', paidAmount: 'abc' }, 'paidAmount', 'at most 2 decimals'],
      [{ ...PARTNER_EXAMPLE, externalId: 'V5', paidAmount: '-1.00' }, 'paidAmount', 'must not be negative'],
      [{ ...PARTNER_EXAMPLE, externalId: 'V6', placedAt: 'yesterday' }, 'placedAt', ''],
      [{ ...PARTNER_EXAMPLE, externalId: 'V7', lines: [{ sku: 'A100', quantity: 1.5, unitPrice: '1.00' }] }, 'lines.0.quantity', ''],
      [{ ...PARTNER_EXAMPLE, externalId: 'V8', customer: { phone: '12345' } }, 'customer.phone', 'not a valid phone'],
      [{ ...PARTNER_EXAMPLE, externalId: 'V9', lines: [{ sku: 'A100', quantity: 1, unitPrice: '10.00', discount: '10.01' }] }, 'lines.0.discount', 'more than'],
      [{ ...PARTNER_EXAMPLE, externalId: 'V10', placedAt: '2025-02-30T10:00:00' }, 'placedAt', ''],
    ];
    for (const [body, path, message] of cases) {
      const res = await post('/api/v1/orders', body);
      expect(res.statusCode, path).toBe(400);
      const error = res.json().error;
      expect(error.code, path).toBe('validation_failed');
      expect(error.details.issues[0].path, JSON.stringify(error)).toBe(path);
      expect(error.details.issues[0].message).toContain(message);
    }
    expect(await tableCounts()).toEqual(before);
  });

  it('refuses writes without orders:write and reads without orders:read', async () => {
    const reader = await t.keyWith(['orders:read', 'customers:read']);
    const denied = await post('/api/v1/orders', PARTNER_EXAMPLE, reader);
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error).toMatchObject({ code: 'auth.missing_scope', details: { scope: 'orders:write' } });
    const batchDenied = await post('/api/v1/orders/batch', { items: [PARTNER_EXAMPLE] }, reader);
    expect(batchDenied.statusCode).toBe(403);
    const returnDenied = await post('/api/v1/returns', { channel: 'pos', externalId: 'R', order: { channel: 'pos', externalId: 'X' }, returnedAt: '2025-11-02', lines: [{ lineNo: 1, quantity: 1 }] }, reader);
    expect(returnDenied.statusCode).toBe(403);
    const readDenied = await t.app.inject({ method: 'GET', url: '/api/v1/orders', headers: writer });
    expect(readDenied.statusCode).toBe(403);
    expect(readDenied.json().error.details).toEqual({ scope: 'orders:read' });
    const anon = await t.app.inject({ method: 'POST', url: '/api/v1/orders', payload: PARTNER_EXAMPLE });
    expect(anon.statusCode).toBe(401);
  });
});

describe('batch ingest', () => {
  it('stores the good items, reports the bad ones by path and half-writes nothing', async () => {
    const before = await tableCounts();
    const res = await post('/api/v1/orders/batch', {
      items: [
        order('B-1', { customer: { phone: '13600136001' }, lines: [{ sku: 'D1', quantity: 1, unitPrice: '10.00' }, { sku: 'D2', quantity: 2, unitPrice: '5.50' }] }),
        order('B-2', { lines: [{ sku: 'D1', quantity: 1, unitPrice: '10.00' }, { sku: 'D3', quantity: 1, unitPrice: '1.234' }] }),
        order('B-3', { customer: { phone: '13600136003', email: 'not-an-email' }, lines: [{ sku: 'D9', quantity: 1, unitPrice: '10.00' }] }),
        order('B-4', { lines: [{ sku: 'D1', quantity: 4, unitPrice: '10.00' }] }),
      ],
    });
    expect(res.statusCode).toBe(200);
    const json = res.json();
    expect(json.summary).toEqual({ created: 2, updated: 0, unchanged: 0, error: 2 });
    expect(json.results.map((r: { status: string }) => r.status)).toEqual(['created', 'error', 'error', 'created']);
    expect(json.results[1].error.issues).toEqual([{ path: 'items.1.lines.1.unitPrice', message: expect.stringContaining('at most 2 decimals') }]);
    expect(json.results[2].error).toMatchObject({ code: 'validation_failed', message: 'items.2.customer.email: is not a valid email address' });
    expect(json.results[3]).toEqual({ index: 3, status: 'created', id: expect.any(String), customerId: null });

    const after = await tableCounts();
    expect(after['orders.orders']).toBe(before['orders.orders']! + 2);
    expect(after['orders.order_lines']).toBe(before['orders.order_lines']! + 3);
    expect(after['platform.outbox']).toBeGreaterThanOrEqual(before['platform.outbox']! + 2);
    const stored = await query<{ external_id: string; paid_fen: number | string }>(
      t.kemai.database.db,
      sql`select external_id, paid_fen from orders.orders where external_id like 'B-%' order by external_id`,
    );
    expect(stored.map((r) => [r.external_id, Number(r.paid_fen)])).toEqual([['B-1', 2100], ['B-4', 4000]]);
    // Nothing of the bad items reached the catalog or the customers either.
    expect(await one(sql`select count(*)::int as n from catalog.products where sku in ('D3', 'D9')`)).toEqual({ n: 0 });
    expect(await one(sql`select count(*)::int as n from customers.identifiers where value like '%13600136003'`)).toEqual({ n: 0 });
  });

  it('refuses more than 1,000 items and an empty batch', async () => {
    const big = await post('/api/v1/orders/batch', { items: Array.from({ length: 1001 }, (_, i) => order(`BIG-${i}`)) });
    expect(big.statusCode).toBe(400);
    expect(big.json().error.details.issues[0].path).toBe('items');
    const empty = await post('/api/v1/orders/batch', { items: [] });
    expect(empty.statusCode).toBe(400);
  });

  it('stores each order once when overlapping batches race', async () => {
    const a = Array.from({ length: 30 }, (_, i) => order(`RACE-${i}`, { customer: { phone: `1361234${String(5000 + i)}` } }));
    const b = Array.from({ length: 30 }, (_, i) => order(`RACE-${i + 15}`, { customer: { phone: `1361234${String(5015 + i)}` } }));
    const [ra, rb] = await Promise.all([
      t.kemai.orders.ingestOrders(a.map((o) => OrderInput.parse(o)), { source: 'api' }),
      t.kemai.orders.ingestOrders(b.map((o) => OrderInput.parse(o)), { source: 'api' }),
    ]);
    expect([...ra, ...rb].every((r) => r.status === 'created' || r.status === 'unchanged')).toBe(true);
    // The 15 orders in both batches got one id each, whichever call wrote them.
    const idsA = new Map(ra.map((r, i) => [a[i]!.externalId, r.id]));
    rb.forEach((r, i) => {
      if (idsA.has(b[i]!.externalId)) expect(r.id).toBe(idsA.get(b[i]!.externalId));
    });
    expect(await one(sql`select count(*)::int as n, count(distinct external_id)::int as d from orders.orders where external_id like 'RACE-%'`)).toEqual({ n: 45, d: 45 });
    expect(await one(sql`select count(*)::int as n from orders.order_lines l join orders.orders o on o.id = l.order_id where o.external_id like 'RACE-%'`)).toEqual({ n: 45 });
  });

  it('treats a key repeated inside one batch as one order', async () => {
    const res = (await post('/api/v1/orders/batch', { items: [order('DUP-1'), order('DUP-1')] })).json();
    expect(res.results[0].id).toBe(res.results[1].id);
    expect(await one(sql`select count(*)::int as n from orders.orders where external_id = 'DUP-1'`)).toEqual({ n: 1 });
  });
});

describe('amounts and time', () => {
  it('keeps amounts exact in fen', async () => {
    const res = (await post('/api/v1/orders', order('AMT-1', { lines: [{ sku: 'E1', quantity: 1, unitPrice: '0.10' }, { sku: 'E2', quantity: 1, unitPrice: 0.2 }] }))).json();
    const detail = (await get(`/api/v1/orders/${res.id}`)).json();
    expect(detail).toMatchObject({ grossAmount: '0.30', paidAmount: '0.30' });
    expect(await one(sql`select gross_fen::int as g, paid_fen::int as p from orders.orders where id = ${res.id}`)).toEqual({ g: 30, p: 30 });

    // 0.1 × 3 in floating point is 0.30000000000000004; in fen it is 30.
    const triple = (await post('/api/v1/orders', order('AMT-2', { lines: [{ sku: 'E1', quantity: 3, unitPrice: '0.10' }] }))).json();
    expect((await get(`/api/v1/orders/${triple.id}`)).json().paidAmount).toBe('0.30');
  });

  it('stores text with tabs, newlines and backslashes exactly (the COPY path escapes them)', async () => {
    const odd = 'A\\B\tC\nD\\N';
    const res = (await post('/api/v1/orders', order(`ESC-${odd}`, {
      staffCode: odd,
      attributes: { note: odd, nested: { n: 1 } },
      lines: [{ sku: `SKU-${odd}`, quantity: 1, unitPrice: '1.00' }],
    }))).json();
    const detail = (await get(`/api/v1/orders/${res.id}`)).json();
    expect(detail).toMatchObject({ externalId: `ESC-${odd}`, staffCode: odd, attributes: { note: odd, nested: { n: 1 } } });
    expect(detail.lines[0].sku).toBe(`SKU-${odd}`);
    const replay = await post('/api/v1/orders', order(`ESC-${odd}`, {
      staffCode: odd,
      attributes: { nested: { n: 1 }, note: odd },
      lines: [{ sku: `SKU-${odd}`, quantity: 1, unitPrice: '1.00' }],
    }));
    expect(replay.json().status).toBe('unchanged');
  });

  it('spreads an order-level discount over the lines so they add up to what was paid', async () => {
    const res = (await post('/api/v1/orders', order('AMT-3', {
      lines: [{ sku: 'F1', quantity: 1, unitPrice: '100.00' }, { sku: 'F2', quantity: 1, unitPrice: '50.00' }],
      paidAmount: '100.00',
    }))).json();
    const detail = (await get(`/api/v1/orders/${res.id}`)).json();
    expect(detail).toMatchObject({ grossAmount: '150.00', discountAmount: '50.00', paidAmount: '100.00' });
    expect(detail.lines.map((l: { paidAmount: string; discount: string }) => [l.paidAmount, l.discount])).toEqual([
      ['66.67', '33.33'],
      ['33.33', '16.67'],
    ]);
  });

  it('reads a local date-time and a date in the business time zone', async () => {
    const local = (await post('/api/v1/orders', order('TZ-1', { placedAt: '2025-11-01T00:30:00' }))).json();
    const day = (await post('/api/v1/orders', order('TZ-2', { placedAt: '2025-11-02' }))).json();
    const utc = (await post('/api/v1/orders', order('TZ-3', { placedAt: '2025-10-31T15:59:59Z' }))).json();
    expect((await get(`/api/v1/orders/${local.id}`)).json().placedAt).toBe('2025-10-31T16:30:00.000Z');
    expect((await get(`/api/v1/orders/${day.id}`)).json().placedAt).toBe('2025-11-01T16:00:00.000Z');

    // 1 November in Shanghai: TZ-1 (00:30 local) is in, TZ-3 (23:59:59 on 31 October local) and TZ-2 are out.
    const list = (await get('/api/v1/orders?channel=online&from=2025-11-01&to=2025-11-01')).json();
    const ids = list.items.map((o: { id: string }) => o.id);
    expect(ids).toContain(local.id);
    expect(ids).not.toContain(utc.id);
    expect(ids).not.toContain(day.id);
  });
});

describe('listing', () => {
  it('pages newest first with a cursor and filters by customer', async () => {
    const phone = '13500135000';
    const made: string[] = [];
    for (let d = 1; d <= 5; d++) {
      made.push((await post('/api/v1/orders', order(`LIST-${d}`, { placedAt: `2024-03-0${d}T12:00:00+08:00`, customer: { phone } }))).json().id);
    }
    const customerId = (await one<{ customer_id: string }>(sql`select customer_id from orders.orders where id = ${made[0]}`)).customer_id;
    const page1 = (await get(`/api/v1/orders?customerId=${customerId}&limit=2`)).json();
    expect(page1.items.map((o: { externalId: string }) => o.externalId)).toEqual(['LIST-5', 'LIST-4']);
    const page2 = (await get(`/api/v1/orders?customerId=${customerId}&limit=2&cursor=${page1.nextCursor}`)).json();
    expect(page2.items.map((o: { externalId: string }) => o.externalId)).toEqual(['LIST-3', 'LIST-2']);
    const page3 = (await get(`/api/v1/orders?customerId=${customerId}&limit=2&cursor=${page2.nextCursor}`)).json();
    expect(page3.items.map((o: { externalId: string }) => o.externalId)).toEqual(['LIST-1']);
    expect(page3.nextCursor).toBeNull();
    const bad = await get('/api/v1/orders?cursor=nonsense');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.issues[0].path).toBe('cursor');
    const missing = await get('/api/v1/orders/0190a0a0-0000-7000-8000-000000000000');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('orders.order_not_found');
  });
});

describe('returns', () => {
  const base = { channel: 'pos', order: { channel: 'pos', externalId: 'RET-ORDER-1' }, returnedAt: '2025-11-03T15:00:00+08:00' };

  it('records partial returns by SKU and line, refuses an over-return and changes nothing then', async () => {
    const placed = (await post('/api/v1/orders', {
      channel: 'pos',
      externalId: 'RET-ORDER-1',
      storeCode: 'SH01',
      placedAt: '2025-11-01T10:00:00+08:00',
      customer: { phone: '13800138111' },
      lines: [
        { sku: 'G1', quantity: 3, unitPrice: '40.00', paidAmount: '100.00' },
        { sku: 'G2', quantity: 1, unitPrice: '50.00', discount: '10.00' },
      ],
    })).json();

    const r1 = await post('/api/v1/returns', { ...base, externalId: 'RET-1', reason: 'size', lines: [{ sku: 'G1', quantity: 1 }] });
    expect(r1.statusCode).toBe(201);
    expect(r1.json()).toEqual({ id: expect.any(String), orderId: placed.id, customerId: placed.customerId, status: 'created', refundAmount: '33.33' });
    const r2 = await post('/api/v1/returns', { ...base, externalId: 'RET-2', lines: [{ lineNo: 1, quantity: 1 }] });
    expect(r2.json()).toMatchObject({ status: 'created', refundAmount: '33.33' });

    const before = await tableCounts();
    const over = await post('/api/v1/returns', { ...base, externalId: 'RET-3', lines: [{ lineNo: 2, quantity: 1 }, { lineNo: 1, quantity: 2 }] });
    expect(over.statusCode).toBe(400);
    expect(over.json().error).toMatchObject({
      code: 'orders.return_invalid',
      details: { issues: [{ path: 'lines.1.quantity', message: 'line 1 (SKU G1): bought 3, already returned 2; cannot return 2 more' }] },
    });
    expect(await tableCounts()).toEqual(before);

    let detail = (await get(`/api/v1/orders/${placed.id}`)).json();
    expect(detail).toMatchObject({ status: 'partially_returned', refundedAmount: '66.66' });
    expect(detail.lines[0]).toMatchObject({ returnedQuantity: 2, refundedAmount: '66.66' });
    expect(detail.lines[1]).toMatchObject({ returnedQuantity: 0, refundedAmount: '0.00' });

    // The return that completes a line refunds what is left of it: 100.00 in all for line 1, not 99.99.
    const r4 = await post('/api/v1/returns', { ...base, externalId: 'RET-4', lines: [{ lineNo: 1, quantity: 1 }, { sku: 'G2', quantity: 1 }] });
    expect(r4.json()).toMatchObject({ status: 'created', refundAmount: '73.34' });
    detail = (await get(`/api/v1/orders/${placed.id}`)).json();
    expect(detail).toMatchObject({ status: 'returned', refundedAmount: '140.00', paidAmount: '140.00' });
    expect(detail.returns.map((r: { externalId: string; refundAmount: string; reason: string | null }) => [r.externalId, r.refundAmount, r.reason])).toEqual([
      ['RET-1', '33.33', 'size'],
      ['RET-2', '33.33', null],
      ['RET-4', '73.34', null],
    ]);
    expect(detail.returns[2].lines).toEqual([
      { lineNo: 1, quantity: 1, refundAmount: '33.34' },
      { lineNo: 2, quantity: 1, refundAmount: '40.00' },
    ]);
    expect(await one(sql`select refund_fen::int as refund, customer_id from orders.return_facts where external_id = 'RET-1'`)).toEqual({
      refund: 3333,
      customer_id: placed.customerId,
    });
    const event = await one<{ payload: Record<string, unknown> }>(
      sql`select payload from platform.outbox where name = 'orders.return.recorded' and payload->>'externalId' = 'RET-4'`,
    );
    expect(event.payload).toMatchObject({ orderId: placed.id, customerId: placed.customerId, refundFen: 7334, returnedAt: '2025-11-03T07:00:00.000Z' });
  });

  it('is idempotent by (channel, externalId) and refuses a changed replay', async () => {
    const before = await tableCounts();
    const replay = await post('/api/v1/returns', { ...base, externalId: 'RET-1', reason: 'size', lines: [{ sku: 'G1', quantity: 1 }] });
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toMatchObject({ status: 'unchanged', refundAmount: '33.33' });
    const changed = await post('/api/v1/returns', { ...base, externalId: 'RET-1', lines: [{ sku: 'G1', quantity: 2 }] });
    expect(changed.statusCode).toBe(409);
    expect(changed.json().error.code).toBe('orders.return_conflict');
    expect(await tableCounts()).toEqual(before);
  });

  it('reports unknown orders and lines per item in a batch', async () => {
    await post('/api/v1/orders', order('RET-ORDER-2', { lines: [{ sku: 'H1', quantity: 2, unitPrice: '9.99' }] }));
    const target = { channel: 'online', externalId: 'RET-ORDER-2' };
    const res = (await post('/api/v1/returns/batch', {
      items: [
        { channel: 'online', externalId: 'RB-1', order: target, returnedAt: '2025-07-01', lines: [{ sku: 'H1', quantity: 1 }] },
        { channel: 'online', externalId: 'RB-2', order: { channel: 'online', externalId: 'NOPE' }, returnedAt: '2025-07-01', lines: [{ lineNo: 1, quantity: 1 }] },
        { channel: 'online', externalId: 'RB-3', order: target, returnedAt: '2025-07-01', lines: [{ lineNo: 7, quantity: 1 }] },
        { channel: 'online', externalId: 'RB-4', order: target, returnedAt: '2025-07-01', lines: [{ quantity: 1 }] },
        { channel: 'online', externalId: 'RB-5', order: target, returnedAt: '2025-07-01', lines: [{ sku: 'H1', quantity: 1, refundAmount: '5.00' }] },
        { channel: 'online', externalId: 'RB-6', order: target, returnedAt: '2025-06-18T20:00:00', lines: [{ sku: 'H1', quantity: 1 }] },
      ],
    })).json();
    expect(res.summary).toEqual({ created: 2, updated: 0, unchanged: 0, error: 4 });
    expect(res.results[0]).toMatchObject({ status: 'created', refundAmount: '9.99' });
    expect(res.results[1].error).toMatchObject({ code: 'orders.order_not_found', issues: [{ path: 'items.1.order' }] });
    expect(res.results[2].error.issues).toEqual([{ path: 'items.2.lines.0.lineNo', message: 'the order has no line 7 (it has lines 1–1)' }]);
    expect(res.results[3].error.issues[0].path).toBe('items.3.lines.0.lineNo');
    expect(res.results[4]).toMatchObject({ status: 'created', refundAmount: '5.00' });
    expect(res.results[5].error.issues).toEqual([
      { path: 'items.5.returnedAt', message: 'is before the order was placed (2025-06-18T12:15:00.000Z)' },
    ]);
  });

  it('refuses a changed order replay that would take back returned quantities', async () => {
    const res = await post('/api/v1/orders', {
      channel: 'pos',
      externalId: 'RET-ORDER-1',
      storeCode: 'SH01',
      placedAt: '2025-11-01T10:00:00+08:00',
      customer: { phone: '13800138111' },
      lines: [{ sku: 'G1', quantity: 1, unitPrice: '40.00' }],
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({ code: 'orders.conflicts_with_returns' });
    expect(res.json().error.details.issues.map((i: { path: string }) => i.path)).toEqual(['lines.0.quantity', 'lines']);
  });
});

describe('merge participant', () => {
  it('moves orders and returns to the survivor and back on unmerge', async () => {
    const a = (await post('/api/v1/orders', order('M-A', { customer: { phone: '13100131000' } }))).json();
    const b = (await post('/api/v1/orders', order('M-B', { customer: { email: 'merge-b@example.com' } }))).json();
    await post('/api/v1/returns', { channel: 'online', externalId: 'M-B-R', order: { channel: 'online', externalId: 'M-B' }, returnedAt: '2025-06-20', lines: [{ lineNo: 1, quantity: 1 }] });
    expect(a.customerId).not.toBe(b.customerId);

    const merged = await t.kemai.customers.mergeCustomers(a.customerId, b.customerId, { actor: 'staff:test', reason: 'same person' });
    const owner = async (id: string) =>
      query<{ o: string; l: string; r: string | null }>(
        t.kemai.database.db,
        sql`select o.customer_id as o, l.customer_id as l, (select customer_id from orders.returns where order_id = o.id) as r
            from orders.orders o join orders.order_lines l on l.order_id = o.id where o.id = ${id}`,
      );
    expect(await owner(b.id)).toEqual([{ o: a.customerId, l: a.customerId, r: a.customerId }]);
    expect(await owner(a.id)).toEqual([{ o: a.customerId, l: a.customerId, r: null }]);
    const facts = await query<{ id: string }>(t.kemai.database.db, sql`select id from orders.order_facts where customer_id = ${a.customerId} order by id`);
    expect(facts.map((f) => f.id).sort()).toEqual([a.id, b.id].sort());

    await t.kemai.customers.unmergeCustomers(merged.mergeId, 'staff:test');
    expect(await owner(b.id)).toEqual([{ o: b.customerId, l: b.customerId, r: b.customerId }]);
    expect(await owner(a.id)).toEqual([{ o: a.customerId, l: a.customerId, r: null }]);
  });
});
