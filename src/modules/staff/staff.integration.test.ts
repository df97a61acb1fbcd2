import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import { OrderInput } from '../orders/index.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import type { Assignment } from './staff.service.js';

let t: TestApp;
let keyId: string;
let key: { authorization: string };
const db = () => t.kemai.database.db;
const staffIds: Record<string, string> = {};

beforeAll(async () => {
  t = await createTestApp({}, { loyalty: false });
  const created = await t.kemai.access.createApiKey({ name: 'staff-admin', scopes: ['staff:admin', 'customers:read'] });
  key = { authorization: `Bearer ${created.key}` };
  keyId = created.apiKey.id;
  // Store SA: one named guide. SB: two guides (b.two created first) and a disabled one. SC: none. A marketer in SA.
  for (const [username, role, storeCode] of [
    ['a.guide', 'guide', 'SA'],
    ['b.two', 'guide', 'SB'],
    ['b.one', 'guide', 'SB'],
    ['b.aaa', 'guide', 'SB'],
    ['a.market', 'marketer', 'SA'],
  ] as const) {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/staff', headers: t.admin, payload: { username, displayName: username, role, storeCode, password: 'a-long-password-1' } });
    expect(res.statusCode, res.body).toBe(201);
    staffIds[username] = res.json().staff.id;
  }
  const off = await t.app.inject({ method: 'PATCH', url: '/api/v1/staff/b.aaa', headers: t.admin, payload: { disabled: true } });
  expect(off.statusCode, off.body).toBe(200);
});
afterAll(async () => t?.close());

async function customers(n: number): Promise<string[]> {
  const ids = Array.from({ length: n }, () => newId());
  await query(db(), sql`insert into customers.customers (id, created_at) select unnest(${sql.param(ids)}::uuid[]), '2025-01-01T00:00:00Z'::timestamptz`);
  return ids;
}

let orderNo = 0;
const orderOf = (customerId: string, storeCode: string, staffCode?: string) =>
  OrderInput.parse({
    channel: 'pos',
    externalId: `ST-${++orderNo}`,
    placedAt: `2026-06-10T${String(10 + (orderNo % 10)).padStart(2, '0')}:00:00+08:00`,
    storeCode,
    ...(staffCode ? { staffCode } : {}),
    customer: { id: customerId },
    lines: [{ sku: 'SKU-A', quantity: 1, unitPrice: '50.00' }],
  });

async function place(...orders: ReturnType<typeof orderOf>[]) {
  await t.kemai.orders.ingestOrders(orders, { source: 'api' });
  await t.kemai.events.drain();
}

const history = async (id: string, headers = key) => {
  const res = await t.app.inject({ url: `/api/v1/customers/${id}/assignments`, headers });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().items as Assignment[];
};
const brief = (a: Assignment) => [a.staffUsername, a.storeCode, a.reason, a.endedAt === null ? 'open' : 'closed'];
const assign = (id: string, payload: unknown, headers = key) => t.app.inject({ method: 'POST', url: `/api/v1/customers/${id}/assignment`, headers, payload: payload as object });

describe('first purchase', () => {
  it('assigns to the guide named by the order’s staff code, and a second order does not reassign', async () => {
    const [c] = await customers(1);
    await place(orderOf(c!, 'SA', 'a.guide'));
    const h = await history(c!);
    expect(h.map(brief)).toEqual([['a.guide', 'SA', 'first_purchase', 'open']]);
    expect(h[0]!.staffId).toBe(staffIds['a.guide']);
    expect(h[0]!.actor).toBe('system:first-purchase');

    await place(orderOf(c!, 'SB', 'b.one'));
    expect((await history(c!)).map(brief)).toEqual([['a.guide', 'SA', 'first_purchase', 'open']]);
  });

  it('without a usable staff code picks the store’s least-loaded active guide (ties by username), never a disabled one', async () => {
    const [c1, c2, c3, c4] = await customers(4);
    // One batch: c1 → b.one (0/0, username), c2 → b.two (1/0), c3 → b.one (1/1); a marketer's code and a disabled guide's fall back.
    await place(orderOf(c1!, 'SB'), orderOf(c2!, 'SB', 'a.market'), orderOf(c3!, 'SB', 'b.aaa'));
    expect((await history(c1!)).map(brief)).toEqual([['b.one', 'SB', 'first_purchase', 'open']]);
    expect((await history(c2!)).map(brief)).toEqual([['b.two', 'SB', 'first_purchase', 'open']]);
    expect((await history(c3!)).map(brief)).toEqual([['b.one', 'SB', 'first_purchase', 'open']]);
    // Now b.one 2, b.two 1: the next goes to b.two.
    await place(orderOf(c4!, 'SB'));
    expect((await history(c4!)).map(brief)).toEqual([['b.two', 'SB', 'first_purchase', 'open']]);

    const book = await t.app.inject({ url: `/api/v1/staff/${staffIds['b.one']}/customers?limit=1`, headers: key });
    expect(book.statusCode, book.body).toBe(200);
    expect(book.json().total).toBe(2);
    expect(book.json().items.map((e: { customerId: string }) => e.customerId)).toEqual([c1]);
    const next = await t.app.inject({ url: `/api/v1/staff/${staffIds['b.one']}/customers?limit=1&cursor=${book.json().nextCursor}`, headers: key });
    expect(next.json().items.map((e: { customerId: string }) => e.customerId)).toEqual([c3]);
    expect(next.json().nextCursor).toBeNull();
    const two = await t.app.inject({ url: `/api/v1/staff/${staffIds['b.two']}/customers`, headers: key });
    expect(two.json().items.map((e: { customerId: string }) => e.customerId)).toEqual([c2, c4]);
  });

  it('a store without guides puts the customer in the store’s pool', async () => {
    const [c] = await customers(1);
    await place(orderOf(c!, 'SC', 'nobody'));
    const h = await history(c!);
    expect(h.map((a) => [a.staffId, a.storeCode, a.reason, a.endedAt])).toEqual([[null, 'SC', 'first_purchase', null]]);
  });
});

describe('manual reassignment', () => {
  it('closes the open assignment, opens a manual one, keeps the history in order and audits from/to ids', async () => {
    const [c] = await customers(1);
    await place(orderOf(c!, 'SA', 'a.guide'));
    const res = await assign(c!, { staffId: staffIds['b.two'], note: 'moved to the new store' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ customerId: c, staffId: staffIds['b.two'], staffUsername: 'b.two', storeCode: 'SB', reason: 'manual', endedAt: null, actor: `key:${keyId}`, note: 'moved to the new store' });

    const h = await history(c!);
    expect(h.map(brief)).toEqual([
      ['a.guide', 'SA', 'first_purchase', 'closed'],
      ['b.two', 'SB', 'manual', 'open'],
    ]);
    expect(h[0]!.endedAt).toBe(h[1]!.startedAt);

    const audit = await query<{ actor: string; target_type: string; details: unknown }>(
      db(),
      sql`select actor, target_type, details from platform.audit_log where action = 'staff.assign' and target_id = ${c!}`,
    );
    expect(audit).toEqual([{ actor: `key:${keyId}`, target_type: 'customer', details: { from: staffIds['a.guide'], to: staffIds['b.two'] } }]);

    // To the store pool, then back to a guide.
    const pool = await assign(c!, { staffId: null, storeCode: 'SC' });
    expect(pool.statusCode, pool.body).toBe(200);
    expect(pool.json()).toMatchObject({ staffId: null, storeCode: 'SC', reason: 'manual' });
    expect((await history(c!)).map(brief)).toEqual([
      ['a.guide', 'SA', 'first_purchase', 'closed'],
      ['b.two', 'SB', 'manual', 'closed'],
      [null, 'SC', 'manual', 'open'],
    ]);
  });

  it('refuses unknown, disabled and non-guide staff, the same guide again, bad input and a key without staff:admin', async () => {
    const [c] = await customers(1);
    await place(orderOf(c!, 'SA', 'a.guide'));
    const unknownId = newId();
    const unknown = await assign(c!, { staffId: unknownId });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error).toMatchObject({ code: 'staff.staff_not_found', message: `Staff ${unknownId} not found` });

    const disabled = await assign(c!, { staffId: staffIds['b.aaa'] });
    expect(disabled.statusCode).toBe(409);
    expect(disabled.json().error).toMatchObject({ code: 'staff.staff_disabled', message: 'Staff b.aaa is disabled' });

    const marketer = await assign(c!, { staffId: staffIds['a.market'] });
    expect(marketer.statusCode).toBe(409);
    expect(marketer.json().error.code).toBe('staff.not_a_guide');

    const same = await assign(c!, { staffId: staffIds['a.guide'] });
    expect(same.statusCode).toBe(409);
    expect(same.json().error).toMatchObject({ code: 'staff.already_assigned', message: `Customer ${c} is already assigned to a.guide` });

    const bad = await assign(c!, { staffId: 'guide-7' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.issues[0].path).toBe('staffId');

    // The pool of the customer's current store when the store is left out; a customer never assigned needs it.
    const [fresh] = await customers(1);
    const noStore = await assign(fresh!, { staffId: null });
    expect(noStore.statusCode).toBe(400);
    expect(noStore.json().error.details.issues).toEqual([{ path: 'storeCode', message: 'is required when staffId is null' }]);

    const noCustomer = await assign(newId(), { staffId: staffIds['b.one'] });
    expect(noCustomer.statusCode).toBe(404);
    expect(noCustomer.json().error.code).toBe('staff.customer_not_found');

    const reader = await t.keyWith(['customers:read']);
    expect((await assign(c!, { staffId: staffIds['b.one'] }, reader)).statusCode).toBe(403);
    expect((await history(c!, reader)).map(brief)).toEqual([['a.guide', 'SA', 'first_purchase', 'open']]);

    const noBook = await t.app.inject({ url: `/api/v1/staff/${unknownId}/customers`, headers: key });
    expect(noBook.statusCode).toBe(404);
  });
});

describe('backfill', () => {
  it('assigns customers without an open assignment by their first order, and a second run assigns 0', async () => {
    const [c1, c2] = await customers(2);
    await place(orderOf(c1!, 'SA', 'a.guide'), orderOf(c2!, 'SC'));
    await place(orderOf(c1!, 'SB'));
    // As if they bought before the staff module existed.
    await query(db(), sql`delete from staff.assignments where customer_id = any(${sql.param([c1!, c2!])}::uuid[])`);

    const first = await t.app.inject({ method: 'POST', url: '/api/v1/staff/assignments/backfill', headers: key });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toEqual({ assigned: 2 });
    expect((await history(c1!)).map(brief)).toEqual([['a.guide', 'SA', 'first_purchase', 'open']]);
    expect((await history(c2!)).map((a) => [a.staffId, a.storeCode, a.actor])).toEqual([[null, 'SC', `key:${keyId}`]]);

    const again = await t.app.inject({ method: 'POST', url: '/api/v1/staff/assignments/backfill', headers: key });
    expect(again.json()).toEqual({ assigned: 0 });
  });
});

describe('merges and the export', () => {
  it('the survivor keeps its open assignment; the absorbed one’s history moves over, closed; unmerge moves it back', async () => {
    const [survivor, absorbed] = await customers(2);
    await place(orderOf(survivor!, 'SA', 'a.guide'), orderOf(absorbed!, 'SB', 'b.one'));
    expect((await assign(absorbed!, { staffId: staffIds['b.two'] })).statusCode).toBe(200);

    const merge = await t.kemai.customers.mergeCustomers(survivor!, absorbed!, { actor: 'test', reason: 'same person' });
    expect(await history(absorbed!)).toEqual([]);
    const h = await history(survivor!);
    expect(h.map(brief)).toEqual([
      ['a.guide', 'SA', 'first_purchase', 'open'],
      ['b.one', 'SB', 'first_purchase', 'closed'],
      ['b.two', 'SB', 'manual', 'closed'],
    ]);
    const twoBook = await t.app.inject({ url: `/api/v1/staff/${staffIds['b.two']}/customers`, headers: key });
    expect(twoBook.json().items.map((e: { customerId: string }) => e.customerId)).not.toContain(absorbed);

    await t.kemai.customers.unmergeCustomers(merge.mergeId, 'test');
    expect((await history(absorbed!)).map(brief)).toEqual([
      ['b.one', 'SB', 'first_purchase', 'closed'],
      ['b.two', 'SB', 'manual', 'open'],
    ]);
    expect((await history(survivor!)).map(brief)).toEqual([['a.guide', 'SA', 'first_purchase', 'open']]);
  });

  it('a survivor without a guide takes over the absorbed one’s guide (reason merge); the export lists the history', async () => {
    const [survivor, absorbed] = await customers(2);
    await place(orderOf(absorbed!, 'SA', 'a.guide'));
    await t.kemai.customers.mergeCustomers(survivor!, absorbed!, { actor: 'test', reason: 'same person' });
    expect((await history(survivor!)).map(brief)).toEqual([
      ['a.guide', 'SA', 'first_purchase', 'closed'],
      ['a.guide', 'SA', 'merge', 'open'],
    ]);

    const res = await t.app.inject({ url: `/api/v1/customers/${survivor}/export`, headers: t.admin });
    expect(res.statusCode, res.body).toBe(200);
    const rows = res.json().sections.staff.assignments as Array<Record<string, unknown>>;
    expect(rows.map((r) => [r.staff_id, r.store_code, r.reason, r.actor])).toEqual([
      [staffIds['a.guide'], 'SA', 'first_purchase', 'system:first-purchase'],
      [staffIds['a.guide'], 'SA', 'merge', 'system:merge'],
    ]);
  });
});
