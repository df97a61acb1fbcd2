import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';

// Loyalty's subscribers are left out so the ledger holds only what compensation writes (the services stay real).
let t: TestApp;
const AT = new Date('2026-11-24T04:00:00Z'); // 12:00 in Shanghai
let agent: { authorization: string }; // service:write — proposes, approves a minor compensation
let manager: { authorization: string }; // service:approve
let manager2: { authorization: string }; // service:approve, someone else
let policyAdmin: { authorization: string }; // service:admin
let reader: { authorization: string }; // promotions:read, loyalty:read, orders:read

const db = () => t.kemai.database.db;
const rows = <T = Record<string, unknown>>(s: ReturnType<typeof sql>) => query<T>(db(), s);

beforeAll(async () => {
  t = await createTestApp({}, { loyalty: false, poolSize: 10 });
  t.kemai.compensation.useClock({ now: () => AT });
  agent = await t.keyWith(['service:read', 'service:write']);
  manager = await t.keyWith(['service:read', 'service:write', 'service:approve']);
  manager2 = await t.keyWith(['service:read', 'service:approve']);
  policyAdmin = await t.keyWith(['service:read', 'service:admin']);
  reader = await t.keyWith(['promotions:read', 'loyalty:read', 'orders:read']);
});
afterAll(async () => t?.close());

let orderSeq = 0;
/** An order of ¥448.00 (2 × A100 at ¥199.00, 1 × B200 at ¥50.00) by a new customer. */
async function order(): Promise<{ orderId: string; customerId: string }> {
  const n = ++orderSeq;
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/orders',
    headers: t.admin,
    payload: {
      channel: 'online',
      externalId: `O-${n}`,
      placedAt: '2026-11-01T10:00:00+08:00',
      customer: { phone: `1380013${String(8000 + n).padStart(4, '0')}` },
      lines: [
        { sku: 'A100', quantity: 2, unitPrice: '199.00' },
        { sku: 'B200', quantity: 1, unitPrice: '50.00' },
      ],
    },
  });
  expect(res.statusCode).toBe(201);
  return { orderId: res.json().id, customerId: res.json().customerId };
}

/** A ticket straight into service.tickets (the tickets part writes them through its service). */
async function ticket(o: { severity: string | null; category: string | null; customerId?: string | null; orderId?: string | null }): Promise<{ id: string; number: number }> {
  const id = newId();
  const [r] = await rows<{ number: number }>(
    sql`insert into service.tickets (id, kind, channel, subject, category, severity, customer_id, order_id, received_at, created_by)
        values (${id}, 'complaint', 'api', 'test', ${o.category}, ${o.severity}, ${o.customerId ?? null}, ${o.orderId ?? null}, ${AT.toISOString()}::timestamptz, 'test')
        returning number`,
  );
  return { id, number: Number(r!.number) };
}

/** What was paid for a ticket, counted at the source: coupons, ledger entries and returns carrying its keys. */
async function paid(ticketId: string) {
  const [r] = await rows<{ coupons: number; ledger: number; returns: number }>(
    sql`select
          (select count(*)::int from promotions.coupons where idempotency_key like ${`compensation:ticket:${ticketId}:%`}) as coupons,
          (select count(*)::int from loyalty.ledger_entries where idempotency_key like ${`adjust:ticket:${ticketId}:%`}) as ledger,
          (select count(*)::int from orders.returns where external_id like ${`ticket:${ticketId}:%`}) as returns`,
  );
  return r!;
}

const timeline = async (ticketId: string) =>
  (await rows<{ kind: string }>(sql`select kind from service.ticket_events where ticket_id = ${ticketId} order by at, kind`)).map((r) => r.kind);
const executedEvents = async (ticketId: string) =>
  rows<{ payload: unknown }>(sql`select payload from platform.outbox where name = 'service.compensation.executed' and payload->>'ticketId' = ${ticketId}`);

const post = (url: string, headers: { authorization: string }, payload?: unknown) =>
  t.app.inject({ method: 'POST', url, headers, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
const propose = (ticketId: string, headers: { authorization: string }, payload: unknown) => post(`/api/v1/service/tickets/${ticketId}/compensations`, headers, payload);

describe('compensation policies', () => {
  it('the defaults are created once, from the seeds; an edited default is left as it is', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/service/compensation-policies', headers: agent });
    expect(res.statusCode).toBe(200);
    const items = res.json().items as Array<Record<string, unknown>>;
    expect(items.map((p) => [p.code, p.severity, p.categories, p.approvalScope, p.maxTotalFen])).toEqual([
      ['minor_late_delivery', 'minor', ['late_delivery'], 'service:write', 500],
      ['medium_damaged_product', 'medium', ['damaged_product'], 'service:approve', 1000],
      ['severe_quality_loss', 'severe', ['quality_issue'], 'service:approve', 500000],
    ]);
    expect(items[0]!.options).toEqual([
      { code: 'A_coupon_5', name: '¥5 优惠券 ¥5 coupon', actions: [{ type: 'coupon', amountFen: 500 }] },
      { code: 'B_priority_shipping', name: '优先发货 Priority shipping', actions: [{ type: 'priority_shipping' }] },
    ]);
    expect(items[2]!.options).toEqual([
      {
        code: 'full_refund_plus',
        name: '全额退款 + ¥50 优惠券 + 500 积分 Full refund + ¥50 coupon + 500 points',
        actions: [{ type: 'refund', scope: 'full' }, { type: 'coupon', amountFen: 5000 }, { type: 'points', points: 500 }],
      },
    ]);
    const patched = await t.app.inject({ method: 'PATCH', url: '/api/v1/service/compensation-policies/minor_late_delivery', headers: policyAdmin, payload: { name: '延迟发货' } });
    expect(patched.statusCode).toBe(200);
    await t.kemai.compensation.ensureDefaults();
    await t.kemai.compensation.ensureDefaults();
    const after = await rows<{ code: string; name: string }>(sql`select code, name from service.compensation_policies order by code`);
    expect(after).toEqual([
      { code: 'medium_damaged_product', name: '中等 · 商品破损 Damaged product' },
      { code: 'minor_late_delivery', name: '延迟发货' },
      { code: 'severe_quality_loss', name: '严重 · 质量问题造成损失 Loss caused by quality' },
    ]);
  });

  it('create, read, change and archive need service:admin to write; bad input is 400 naming the field and changes nothing', async () => {
    const body = {
      code: 'minor_any',
      name: 'Any minor',
      severity: 'minor',
      options: [{ code: 'pts', name: '200 积分', actions: [{ type: 'points', points: 200 }] }],
      approvalScope: 'service:write',
    };
    expect((await post('/api/v1/service/compensation-policies', agent, body)).statusCode).toBe(403);
    const before = await rows(sql`select * from service.compensation_policies order by code`);
    for (const [payload, path] of [
      [{ ...body, severity: 'huge' }, 'severity'],
      [{ ...body, options: [{ code: 'c', name: 'c', actions: [{ type: 'coupon' }] }] }, 'options.0.actions.0.amountFen'],
      [{ ...body, options: [{ code: 'c', name: 'c', actions: [{ type: 'points', points: 0 }] }] }, 'options.0.actions.0.points'],
      [{ ...body, options: [{ code: 'c', name: 'c', actions: [{ type: 'coupon', templateCode: 'NOPE' }] }] }, 'options.0.actions.0.templateCode'],
      [{ ...body, approvalScope: 'service:admin' }, 'approvalScope'],
      [{ ...body, options: [] }, 'options'],
    ] as const) {
      const res = await post('/api/v1/service/compensation-policies', policyAdmin, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.details.issues.map((i: { path: string }) => i.path)).toContain(path);
    }
    expect(await rows(sql`select * from service.compensation_policies order by code`)).toEqual(before);

    const created = await post('/api/v1/service/compensation-policies', policyAdmin, body);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ code: 'minor_any', severity: 'minor', categories: [], approvalScope: 'service:write', maxTotalFen: null, status: 'active' });
    expect((await post('/api/v1/service/compensation-policies', policyAdmin, body)).statusCode).toBe(409);
    const archived = await t.app.inject({ method: 'DELETE', url: '/api/v1/service/compensation-policies/minor_any', headers: policyAdmin });
    expect(archived.json().status).toBe('archived');
    const got = await t.app.inject({ method: 'GET', url: '/api/v1/service/compensation-policies/minor_any', headers: agent });
    expect(got.json().status).toBe('archived');
  });
});

describe('each severity’s default option, executed', () => {
  it('minor (late delivery): the options with their money values; the agent proposes and approves the ¥5 coupon, which reaches the wallet once', async () => {
    const { customerId } = await order();
    const tk = await ticket({ severity: 'minor', category: 'late_delivery', customerId });
    const options = await t.app.inject({ method: 'GET', url: `/api/v1/service/tickets/${tk.id}/compensation-options`, headers: agent });
    expect(options.json()).toEqual({
      ticketId: tk.id,
      severity: 'minor',
      category: 'late_delivery',
      items: [
        {
          policyCode: 'minor_late_delivery',
          policyName: '延迟发货',
          approvalScope: 'service:write',
          maxTotalFen: 500,
          optionCode: 'A_coupon_5',
          name: '¥5 优惠券 ¥5 coupon',
          actions: [{ action: { type: 'coupon', amountFen: 500 }, valueFen: 500 }],
          totalFen: 500,
          available: true,
          reasons: [],
        },
        {
          policyCode: 'minor_late_delivery',
          policyName: '延迟发货',
          approvalScope: 'service:write',
          maxTotalFen: 500,
          optionCode: 'B_priority_shipping',
          name: '优先发货 Priority shipping',
          actions: [{ action: { type: 'priority_shipping' }, valueFen: 0 }],
          totalFen: 0,
          available: true,
          reasons: [],
        },
      ],
    });

    // The ticket's number names it too.
    const byNumber = await t.app.inject({ method: 'GET', url: `/api/v1/service/tickets/T-${tk.number}/compensation-options`, headers: agent });
    expect(byNumber.json()).toEqual(options.json());

    const proposed = await propose(tk.id, agent, { policyCode: 'minor_late_delivery', optionCode: 'A_coupon_5', note: '快递晚到两天' });
    expect(proposed.statusCode).toBe(201);
    expect(proposed.json()).toMatchObject({ ticketNumber: tk.number, status: 'proposed', totalFen: 500, policyCode: 'minor_late_delivery', optionCode: 'A_coupon_5', approvalScope: 'service:write', results: [] });
    const id = proposed.json().id as string;

    const approved = await post(`/api/v1/service/compensations/${id}/approve`, agent);
    expect(approved.statusCode).toBe(200);
    const c = approved.json();
    expect(c.status).toBe('executed');
    expect(c.decidedBy).toBe(c.proposedBy);
    expect(c.executedAt).toBe(AT.toISOString());
    expect(c.results).toEqual([
      { n: 1, type: 'coupon', key: `ticket:${tk.id}:comp:${id}:1`, status: 'done', at: AT.toISOString(), valueFen: 500, couponId: expect.any(String), couponCode: expect.any(String) },
    ]);

    const wallet = (await t.app.inject({ method: 'GET', url: `/api/v1/customers/${customerId}/coupons`, headers: reader })).json().items;
    expect(wallet.map((w: Record<string, unknown>) => [w.id, w.code, w.templateCode, w.status, w.source, w.sourceRef, w.definition])).toEqual([
      [c.results[0].couponId, c.results[0].couponCode, 'COMP-500', 'issued', 'compensation', `ticket:${tk.id}:comp:${id}:1`, { scope: { kind: 'order' }, rule: { kind: 'fixed', offFen: 500 } }],
    ]);
    // Executing again answers what is recorded and pays nothing.
    const again = await post(`/api/v1/service/compensations/${id}/execute`, agent);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual(c);
    expect(await paid(tk.id)).toEqual({ coupons: 1, ledger: 0, returns: 0 });
    expect(await timeline(tk.id)).toEqual(['compensation_approved', 'compensation_executed', 'compensation_proposed']);
    const events = await executedEvents(tk.id);
    expect(events.map((e) => e.payload)).toEqual([{ ticketId: tk.id, compensationId: id, customerId, totalFen: 500 }]);
  });

  it('minor, option B: priority shipping is carried out by staff and recorded as done with the note', async () => {
    const { customerId } = await order();
    const tk = await ticket({ severity: 'minor', category: 'late_delivery', customerId });
    const id = (await propose(tk.id, agent, { policyCode: 'minor_late_delivery', optionCode: 'B_priority_shipping', note: '顺丰加急' })).json().id;
    const c = (await post(`/api/v1/service/compensations/${id}/approve`, agent)).json();
    expect(c.status).toBe('executed');
    expect(c.totalFen).toBe(0);
    expect(c.results).toEqual([{ n: 1, type: 'priority_shipping', key: `ticket:${tk.id}:comp:${id}:1`, status: 'done', at: AT.toISOString(), valueFen: 0, note: '顺丰加急' }]);
    expect(await paid(tk.id)).toEqual({ coupons: 0, ledger: 0, returns: 0 });
  });

  it('medium (damaged product): service:approve approves, not the agent nor the proposer; exchange recorded + ¥10 coupon', async () => {
    const { customerId } = await order();
    const tk = await ticket({ severity: 'medium', category: 'damaged_product', customerId });
    const proposed = await propose(tk.id, manager, { policyCode: 'medium_damaged_product', optionCode: 'exchange_coupon_10' });
    expect(proposed.json()).toMatchObject({ status: 'proposed', totalFen: 1000, approvalScope: 'service:approve' });
    const id = proposed.json().id;

    const byAgent = await post(`/api/v1/service/compensations/${id}/approve`, agent);
    expect(byAgent.statusCode).toBe(403);
    expect(byAgent.json().error.code).toBe('service.approval_scope');
    const byProposer = await post(`/api/v1/service/compensations/${id}/approve`, manager);
    expect(byProposer.statusCode).toBe(403);
    expect(byProposer.json().error.code).toBe('service.self_approval');
    expect((await post(`/api/v1/service/compensations/${id}/reject`, agent)).statusCode).toBe(403);
    expect((await t.kemai.compensation.get(id)).status).toBe('proposed');
    expect(await paid(tk.id)).toEqual({ coupons: 0, ledger: 0, returns: 0 });

    const approved = await post(`/api/v1/service/compensations/${id}/approve`, manager2, { note: 'ok' });
    expect(approved.statusCode).toBe(200);
    const c = approved.json();
    expect(c).toMatchObject({ status: 'executed', totalFen: 1000, decisionNote: 'ok', error: null });
    expect(c.results.map((r: Record<string, unknown>) => [r.n, r.type, r.valueFen, r.note ?? null])).toEqual([
      [1, 'exchange', 0, 'carried out by staff outside Kemai'],
      [2, 'coupon', 1000, null],
    ]);
    const wallet = (await t.app.inject({ method: 'GET', url: `/api/v1/customers/${customerId}/coupons`, headers: reader })).json().items;
    expect(wallet.map((w: Record<string, unknown>) => [w.id, w.templateCode])).toEqual([[c.results[1].couponId, 'COMP-1000']]);
    expect(await paid(tk.id)).toEqual({ coupons: 1, ledger: 0, returns: 0 });
  });

  it('severe (loss caused by quality): full refund of the order + ¥50 coupon + 500 points, once; points in the statement naming the ticket', async () => {
    const { customerId, orderId } = await order();
    const tk = await ticket({ severity: 'severe', category: 'quality_issue', customerId, orderId });
    const options = (await t.app.inject({ method: 'GET', url: `/api/v1/service/tickets/${tk.id}/compensation-options`, headers: agent })).json();
    expect(options.items.map((o: Record<string, unknown>) => [o.optionCode, o.totalFen, o.available, (o.actions as Array<{ valueFen: number }>).map((a) => a.valueFen)])).toEqual([
      ['full_refund_plus', 50300, true, [44800, 5000, 500]],
    ]);
    const id = (await propose(tk.id, agent, { policyCode: 'severe_quality_loss', optionCode: 'full_refund_plus' })).json().id;
    // The agent may propose but not approve a severe one.
    expect((await post(`/api/v1/service/compensations/${id}/approve`, agent)).statusCode).toBe(403);
    const c = (await post(`/api/v1/service/compensations/${id}/approve`, manager)).json();
    expect(c.status).toBe('executed');
    expect(c.totalFen).toBe(50300);
    expect(c.results.map((r: Record<string, unknown>) => [r.n, r.type, r.valueFen, r.refundFen ?? null, r.points ?? null])).toEqual([
      [1, 'refund', 44800, 44800, null],
      [2, 'coupon', 5000, null, null],
      [3, 'points', 500, null, 500],
    ]);
    const [ret] = await rows<{ id: string; refund_fen: number; channel: string; external_id: string }>(sql`select id, refund_fen, channel, external_id from orders.returns where order_id = ${orderId}`);
    expect({ ...ret, refund_fen: Number(ret!.refund_fen) }).toEqual({ id: c.results[0].returnId, refund_fen: 44800, channel: 'online', external_id: `ticket:${tk.id}:comp:${id}:1` });
    const orderNow = (await t.app.inject({ method: 'GET', url: `/api/v1/orders/${orderId}`, headers: reader })).json();
    expect(orderNow.refundedAmount).toBe('448.00');

    const statement = (await t.app.inject({ method: 'GET', url: `/api/v1/loyalty/members/${customerId}/statement`, headers: reader })).json();
    expect(statement.items.map((e: Record<string, unknown>) => [e.id, e.kind, e.points, e.reason, e.balance])).toEqual([
      [c.results[2].ledgerEntryId, 'adjust', 500, `工单 #${tk.number} 补偿 Compensation for ticket #${tk.number}`, 500],
    ]);
    const wallet = (await t.app.inject({ method: 'GET', url: `/api/v1/customers/${customerId}/coupons`, headers: reader })).json().items;
    expect(wallet.map((w: Record<string, unknown>) => [w.id, w.templateCode])).toEqual([[c.results[1].couponId, 'COMP-5000']]);
    expect(await paid(tk.id)).toEqual({ coupons: 1, ledger: 1, returns: 1 });
    expect((await executedEvents(tk.id)).map((e) => e.payload)).toEqual([{ ticketId: tk.id, compensationId: id, customerId, totalFen: 50300 }]);
  });
});

describe('exactly once', () => {
  it('two concurrent executes of an approved compensation pay once and record one result', async () => {
    const { customerId, orderId } = await order();
    const tk = await ticket({ severity: 'severe', category: 'quality_issue', customerId, orderId });
    const id = (await propose(tk.id, agent, { policyCode: 'severe_quality_loss', optionCode: 'full_refund_plus' })).json().id;
    // Approved, its execution not started (as when the process stops right after the approval is written).
    await rows(sql`update service.compensations set status = 'approved', decided_by = 'apikey:approver', decided_at = now() where id = ${id}`);
    const [a, b] = await Promise.all([post(`/api/v1/service/compensations/${id}/execute`, agent), post(`/api/v1/service/compensations/${id}/execute`, manager)]);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect(a.json().status).toBe('executed');
    expect(b.json()).toEqual(a.json());
    expect(await paid(tk.id)).toEqual({ coupons: 1, ledger: 1, returns: 1 });
    expect((await timeline(tk.id)).filter((k) => k === 'compensation_executed')).toHaveLength(1);
    expect(await executedEvents(tk.id)).toHaveLength(1);
    const [o] = await rows<{ refunded_fen: number }>(sql`select refunded_fen from orders.orders where id = ${orderId}`);
    expect(Number(o!.refunded_fen)).toBe(44800);
  });

  it('a failing action leaves the compensation failed with the error; the retry completes only what is missing; a replay after a lost record pays nothing', async () => {
    await t.kemai.coupons.createTemplate(
      { code: 'GIFT-20', name: '补偿礼券 ¥20', purpose: 'compensation', definition: { scope: { kind: 'order' }, rule: { kind: 'fixed', offFen: 2000 } }, validDays: 30 } as never,
      'test',
    );
    const created = await post('/api/v1/service/compensation-policies', policyAdmin, {
      code: 'severe_gift',
      name: 'Severe with a gift coupon',
      severity: 'severe',
      categories: ['quality_issue'],
      options: [{ code: 'refund_gift_points', name: '退款 + 礼券 + 300 积分', actions: [{ type: 'refund', scope: 'full' }, { type: 'coupon', templateCode: 'GIFT-20' }, { type: 'points', points: 300 }] }],
    });
    expect(created.statusCode).toBe(201);
    const { customerId, orderId } = await order();
    const tk = await ticket({ severity: 'severe', category: 'quality_issue', customerId, orderId });
    const proposed = (await propose(tk.id, agent, { policyCode: 'severe_gift', optionCode: 'refund_gift_points' })).json();
    expect(proposed.totalFen).toBe(44800 + 2000 + 300);

    // The coupon's template is paused between the proposal and the approval: action 2 fails.
    await rows(sql`update promotions.coupon_templates set status = 'paused' where code = 'GIFT-20'`);
    const failed = (await post(`/api/v1/service/compensations/${proposed.id}/approve`, manager)).json();
    expect(failed.status).toBe('failed');
    expect(failed.error).toBe('action 2 (coupon): promotions.template_paused: coupon template GIFT-20 is paused');
    expect(failed.results.map((r: Record<string, unknown>) => [r.n, r.type, r.refundFen])).toEqual([[1, 'refund', 44800]]);
    expect(await paid(tk.id)).toEqual({ coupons: 0, ledger: 0, returns: 1 });
    expect((await timeline(tk.id)).filter((k) => k.startsWith('compensation_'))).toEqual(['compensation_approved', 'compensation_failed', 'compensation_proposed']);
    expect(await executedEvents(tk.id)).toHaveLength(0);
    // A failed compensation is still the ticket's open one.
    expect((await propose(tk.id, agent, { policyCode: 'severe_gift', optionCode: 'refund_gift_points' })).statusCode).toBe(409);

    await rows(sql`update promotions.coupon_templates set status = 'active' where code = 'GIFT-20'`);
    const retried = (await post(`/api/v1/service/compensations/${proposed.id}/execute`, agent)).json();
    expect(retried.status).toBe('executed');
    expect(retried.error).toBeNull();
    expect(retried.results[0]).toEqual(failed.results[0]);
    expect(retried.results.map((r: Record<string, unknown>) => [r.n, r.type, r.valueFen])).toEqual([
      [1, 'refund', 44800],
      [2, 'coupon', 2000],
      [3, 'points', 300],
    ]);
    expect(await paid(tk.id)).toEqual({ coupons: 1, ledger: 1, returns: 1 });

    // The process stopped after paying but before recording: the results are lost, the status still failed.
    await rows(sql`update service.compensations set status = 'failed', results = '[]'::jsonb, executed_at = null where id = ${proposed.id}`);
    const replayed = (await post(`/api/v1/service/compensations/${proposed.id}/execute`, agent)).json();
    expect(replayed.status).toBe('executed');
    expect(replayed.results.map((r: Record<string, unknown>) => [r.returnId ?? null, r.couponId ?? null, r.ledgerEntryId ?? null])).toEqual(
      retried.results.map((r: Record<string, unknown>) => [r.returnId ?? null, r.couponId ?? null, r.ledgerEntryId ?? null]),
    );
    expect(await paid(tk.id)).toEqual({ coupons: 1, ledger: 1, returns: 1 });
    const [o] = await rows<{ refunded_fen: number }>(sql`select refunded_fen from orders.orders where id = ${orderId}`);
    expect(Number(o!.refunded_fen)).toBe(44800);
    const points = await rows<{ points: number }>(sql`select points from loyalty.ledger_entries where customer_id = ${customerId}`);
    expect(points.map((p) => Number(p.points))).toEqual([300]);
  });
});

describe('approval by role, decisions and bad input', () => {
  it('custom actions need service:approve to propose; reject closes the proposal and it cannot be executed; cancel', async () => {
    const { customerId } = await order();
    const tk = await ticket({ severity: 'medium', category: 'other', customerId });
    const custom = { actions: [{ type: 'points', points: 1000 }, { type: 'cash', amountFen: 800, note: '门店现金补偿' }], note: 'special case' };
    const byAgent = await propose(tk.id, agent, custom);
    expect(byAgent.statusCode).toBe(403);
    expect(byAgent.json().error.code).toBe('service.custom_needs_approve');
    const proposed = await propose(tk.id, manager, custom);
    expect(proposed.statusCode).toBe(201);
    expect(proposed.json()).toMatchObject({ policyId: null, policyCode: null, optionCode: null, approvalScope: 'service:approve', totalFen: 1800 });
    const rejected = await post(`/api/v1/service/compensations/${proposed.json().id}/reject`, manager2, { note: 'too much' });
    expect(rejected.json()).toMatchObject({ status: 'rejected', decisionNote: 'too much' });
    const exec = await post(`/api/v1/service/compensations/${proposed.json().id}/execute`, manager);
    expect(exec.statusCode).toBe(409);
    expect(exec.json().error.code).toBe('service.compensation_not_approved');
    expect(await paid(tk.id)).toEqual({ coupons: 0, ledger: 0, returns: 0 });

    const second = await propose(tk.id, manager, custom);
    expect(second.statusCode).toBe(201);
    const cancelled = await post(`/api/v1/service/compensations/${second.json().id}/cancel`, agent);
    expect(cancelled.json().status).toBe('cancelled');
    expect((await post(`/api/v1/service/compensations/${second.json().id}/approve`, manager2)).statusCode).toBe(409);
    const list = (await t.app.inject({ method: 'GET', url: `/api/v1/service/tickets/${tk.id}/compensations`, headers: agent })).json().items;
    expect(list.map((c: Record<string, unknown>) => c.status)).toEqual(['rejected', 'cancelled']);
    expect(await timeline(tk.id)).toEqual(['compensation_cancelled', 'compensation_proposed', 'compensation_proposed', 'compensation_rejected']);
  });

  it('bad proposals are 400 naming the field (a ticket without customer or order too) and change nothing', async () => {
    const { customerId } = await order();
    const minor = await ticket({ severity: 'minor', category: 'late_delivery', customerId });
    const anonymous = await ticket({ severity: 'minor', category: 'late_delivery' });
    const noOrder = await ticket({ severity: 'severe', category: 'quality_issue', customerId });
    const snapshot = async () => ({
      compensations: await rows(sql`select * from service.compensations order by id`),
      events: await rows(sql`select * from service.ticket_events order by id`),
      coupons: await rows(sql`select id from promotions.coupons order by id`),
    });
    const before = await snapshot();
    const cases: Array<[string, { authorization: string }, unknown, string]> = [
      [minor.id, agent, { policyCode: 'nope', optionCode: 'A_coupon_5' }, 'policyCode'],
      [minor.id, agent, { policyCode: 'minor_late_delivery', optionCode: 'Z' }, 'optionCode'],
      [minor.id, agent, { policyCode: 'severe_quality_loss', optionCode: 'full_refund_plus' }, 'policyCode'],
      [minor.id, agent, { policyCode: 'minor_late_delivery' }, 'optionCode'],
      [minor.id, agent, { note: 'nothing' }, 'policyCode'],
      [minor.id, agent, { policyCode: 'minor_late_delivery', optionCode: 'A_coupon_5', extra: 1 }, '(root)'],
      [minor.id, manager, { actions: [{ type: 'points', points: -5 }] }, 'actions.0.points'],
      [minor.id, manager, { actions: [{ type: 'refund', scope: 'lines' }] }, 'actions.0.scope'],
      [minor.id, manager, { actions: [{ type: 'teleport' }] }, 'actions.0.type'],
      [minor.id, manager, { actions: [{ type: 'coupon', templateCode: 'NOPE' }] }, 'actions.0.templateCode'],
      [anonymous.id, agent, { policyCode: 'minor_late_delivery', optionCode: 'A_coupon_5' }, 'customerId'],
      [noOrder.id, agent, { policyCode: 'severe_quality_loss', optionCode: 'full_refund_plus' }, 'orderId'],
    ];
    for (const [ticketId, headers, payload, path] of cases) {
      const res = await propose(ticketId, headers, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.details.issues.map((i: { path: string }) => i.path), JSON.stringify(payload)).toContain(path);
    }
    const anonOptions = (await t.app.inject({ method: 'GET', url: `/api/v1/service/tickets/${anonymous.id}/compensation-options`, headers: agent })).json();
    expect(anonOptions.items.map((o: Record<string, unknown>) => [o.optionCode, o.available, o.reasons])).toEqual([
      ['A_coupon_5', false, ['the ticket has no customer: action 1 (coupon) cannot be given']],
      ['B_priority_shipping', true, []],
    ]);
    expect((await propose(newId(), agent, { policyCode: 'minor_late_delivery', optionCode: 'A_coupon_5' })).statusCode).toBe(404);
    expect((await post(`/api/v1/service/compensations/${newId()}/approve`, manager)).statusCode).toBe(404);
    expect(await snapshot()).toEqual(before);
  });
});
