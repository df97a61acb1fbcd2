import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import { listAudit } from '../../platform/audit.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The data subject access export over HTTP: every module's section, unmasked, admin only, audited with counts. */
let t: TestApp;
let customerId: string;
let orderId: string;
let ticketId: string;
beforeAll(async () => {
  // Without loyalty's subscribers the order earns no points: the ledger holds exactly the adjustment below.
  t = await createTestApp({}, { loyalty: false });
  const up = await post('/api/v1/customers', {
    phone: '138 0013 8000',
    name: '王芳',
    city: '上海',
    tags: ['vip'],
    attributes: { shoeSize: 37 },
    consents: [{ channel: 'sms', purpose: 'marketing', status: 'granted', recordedAt: '2025-01-01T10:00:00+08:00' }],
  });
  expect(up.statusCode, up.body).toBe(201);
  customerId = up.json().id;
  const withdrawn = await post(`/api/v1/customers/${customerId}/consents`, {
    consents: [{ channel: 'sms', purpose: 'marketing', status: 'withdrawn', recordedAt: '2025-06-01T10:00:00+08:00' }],
  });
  expect(withdrawn.statusCode, withdrawn.body).toBe(200);
  const order = await post('/api/v1/orders', {
    channel: 'pos',
    externalId: 'SH01-20251101-0001',
    storeCode: 'SH01',
    placedAt: '2025-11-01T10:00:00+08:00',
    customer: { phone: '13800138000' },
    lines: [
      { sku: 'A100', quantity: 2, unitPrice: '199.00' },
      { sku: 'B200', quantity: 1, unitPrice: '59.00' },
    ],
    paidAmount: '457.00',
    currency: 'CNY',
  });
  expect(order.statusCode, order.body).toBeLessThan(300);
  orderId = order.json().id;
  const adj = await post(`/api/v1/loyalty/members/${customerId}/adjustments`, { points: 120, reason: '客诉补偿', idempotencyKey: 'dsr-1' });
  expect(adj.statusCode, adj.body).toBe(201);
  const ticket = await post('/api/v1/service/tickets', { kind: 'complaint', subject: '快递三天还没到', description: '订单显示已发货', customerId });
  expect(ticket.statusCode, ticket.body).toBe(201);
  ticketId = ticket.json().ticket.id;
  await t.kemai.events.drain();
});
afterAll(async () => t?.close());

function post(url: string, payload: unknown, headers: { authorization: string } = t.admin) {
  return t.app.inject({ method: 'POST', url, headers, payload: payload as object });
}
const get = (url: string, headers: { authorization: string } = t.admin) => t.app.inject({ method: 'GET', url, headers });

describe('GET /api/v1/customers/:id/export', () => {
  it('exports every section unmasked, as an attachment', async () => {
    const res = await get(`/api/v1/customers/${customerId}/export`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="customer-${customerId}.json"`);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const doc = res.json() as Json;
    expect(doc.format).toBe('kemai-dsr-export/1');
    expect(doc.customerId).toBe(customerId);
    expect(Date.now() - Date.parse(doc.generatedAt)).toBeLessThan(60_000);
    expect(Object.keys(doc.sections)).toEqual(['customers', 'orders', 'activity', 'loyalty', 'promotions', 'messaging', 'surveys', 'service', 'listening', 'staff']);

    const c = doc.sections.customers;
    expect(c.profile).toMatchObject({ id: customerId, status: 'active', name: '王芳', city: '上海', tags: ['vip'], attributes: { shoeSize: 37 } });
    expect(c.identifiers.map((i: Json) => [i.type, i.value, i.is_primary])).toEqual([['phone', '+8613800138000', true]]);
    expect(c.consents.map((x: Json) => [x.channel, x.purpose, x.status, x.recorded_at])).toEqual([
      ['sms', 'marketing', 'granted', '2025-01-01T02:00:00+00:00'],
      ['sms', 'marketing', 'withdrawn', '2025-06-01T02:00:00+00:00'],
    ]);
    expect(c.merges).toEqual([]);

    const o = doc.sections.orders;
    expect(o.orders.map((x: Json) => [x.id, x.external_id, x.store_code, x.paid_fen])).toEqual([[orderId, 'SH01-20251101-0001', 'SH01', 45700]]);
    expect(o.lines.map((l: Json) => [l.line_no, l.sku, l.quantity])).toEqual([
      [1, 'A100', 2],
      [2, 'B200', 1],
    ]);
    expect([o.returns, o.returnLines]).toEqual([[], []]);

    const l = doc.sections.loyalty;
    expect(l.account).toMatchObject({ customer_id: customerId, available: 120 });
    expect(l.ledger.map((e: Json) => [e.kind, e.points])).toEqual([['adjust', 120]]);
    expect([l.tierChanges, l.referrals, l.badges]).toEqual([[], [], []]);

    const s = doc.sections.service;
    expect(s.tickets.map((x: Json) => [x.id, x.kind, x.subject, x.description])).toEqual([[ticketId, 'complaint', '快递三天还没到', '订单显示已发货']]);
    expect(s.ticketEvents.map((e: Json) => [e.ticket_id, e.kind])).toEqual([[ticketId, 'created']]);
    expect(s.compensations).toEqual([]);

    expect(doc.sections.activity).toEqual({ events: [], rollups: [] });
    expect(doc.sections.surveys).toEqual({ invitations: [], responses: [] });
    // A complaint ticket is also a mention of the brand's own service channel, linked to the person.
    const m = doc.sections.listening;
    expect(m.mentions.map((x: Json) => [x.source, x.customer_id, x.text])).toEqual([['ticket', customerId, '快递三天还没到 — 订单显示已发货']]);
    expect(m.crisesAffected).toEqual([]);
  });

  it('writes a privacy.export audit entry with section row counts and no values', async () => {
    const key = await t.keyWith(['privacy:admin']);
    const res = await get(`/api/v1/customers/${customerId}/export`, key);
    expect(res.statusCode, res.body).toBe(200);
    const [entry] = (await listAudit(t.kemai.database.db, { action: 'privacy.export', limit: 1 })).items;
    expect(entry).toMatchObject({ action: 'privacy.export', targetType: 'customer', targetId: customerId, actor: expect.stringMatching(/^key:/) });
    expect(entry!.details.sections).toMatchObject({
      customers: { profile: 1, identifiers: 1, consents: 2, merges: 0 },
      orders: { orders: 1, lines: 2, returns: 0, returnLines: 0 },
      loyalty: { account: 1, ledger: 1, tierChanges: 0, referrals: 0, badges: 0 },
      service: { tickets: 1, ticketEvents: 1, compensations: 0 },
      listening: { mentions: 1, crisesAffected: 0 },
      activity: { events: 0 },
    });
    const text = JSON.stringify(entry!.details);
    for (const value of ['王芳', '13800138000', '快递', '上海']) expect(text).not.toContain(value);
  });

  it('needs privacy:admin, which only the admin role has', async () => {
    const res = await get(`/api/v1/customers/${customerId}/export`, await t.keyWith(['customers:read', 'pii:read']));
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toMatchObject({ code: 'auth.missing_scope', details: { scope: 'privacy:admin' } });
    const { ROLES, ROLE_SCOPES } = await import('../access/domain/roles.js');
    expect(ROLES.filter((r) => ROLE_SCOPES[r].has('privacy:admin'))).toEqual(['admin']);
  });

  it('answers 404 for an unknown id and names the survivor for a merged-away id', async () => {
    const unknown = await get('/api/v1/customers/00000000-0000-4000-8000-000000000000/export');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('customers.not_found');
    expect((await get('/api/v1/customers/not-a-uuid/export')).statusCode).toBe(404);

    const other = await post('/api/v1/customers', { phone: '13900139000', name: '王芳' });
    const otherId = other.json().id as string;
    const merged = await post(`/api/v1/customers/${customerId}/merge`, { otherId, reason: 'same person' });
    expect(merged.statusCode, merged.body).toBe(200);
    const gone = await get(`/api/v1/customers/${otherId}/export`);
    expect(gone.statusCode).toBe(404);
    expect(gone.json().error).toMatchObject({ code: 'customers.merged', details: { mergedInto: customerId } });
    expect(gone.json().error.message).toBe(`Customer ${otherId} was merged into ${customerId}; export ${customerId}`);

    const survivor = (await get(`/api/v1/customers/${customerId}/export`)).json() as Json;
    expect(survivor.sections.customers.identifiers.map((i: Json) => i.value)).toEqual(['+8613800138000', '+8613900139000']);
    expect(survivor.sections.customers.merges.map((m: Json) => [m.survivor_id, m.absorbed_id, m.reason])).toEqual([[customerId, otherId, 'same person']]);
  });
});
