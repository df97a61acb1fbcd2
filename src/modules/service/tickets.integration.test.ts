import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query, queryOne } from '../../platform/db/database.js';
import { OrderInput } from '../orders/index.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';

let t: TestApp;
let now = new Date('2026-03-02T10:00:00+08:00');
const at = (iso: string) => (now = new Date(iso));
const db = () => t.kemai.database.db;
let writer: { authorization: string };
let noPii: { authorization: string };

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

beforeAll(async () => {
  t = await createTestApp({ KEMAI_TIMEZONE: 'Asia/Shanghai', KEMAI_BRAND_NAME: '客脉' }, { loyalty: false });
  t.kemai.tickets.useClock({ now: () => now });
  writer = await t.keyWith(['service:read', 'service:write', 'pii:read']);
  noPii = await t.keyWith(['service:read']);
  await query(db(), sql`insert into catalog.stores (id, code, name) values (gen_random_uuid(), 'S1', '静安店'), (gen_random_uuid(), 'S2', '徐汇店')`);
});
afterAll(async () => t?.close());

async function customer(body: Json): Promise<string> {
  const res = await t.app.inject({ method: 'POST', url: '/api/v1/customers', headers: t.admin, payload: body });
  expect(res.statusCode, res.body).toBeLessThan(300);
  return (res.json() as { id: string }).id;
}

let orderNo = 0;
async function order(customerId: string, storeCode: string): Promise<{ id: string; externalId: string }> {
  const externalId = `TK-${++orderNo}`;
  const [r] = await t.kemai.orders.ingestOrders(
    [OrderInput.parse({ channel: 'online', externalId, placedAt: '2026-02-20T12:00:00+08:00', storeCode, customer: { id: customerId }, lines: [{ sku: 'SKU-A', quantity: 1, unitPrice: '99.00' }] })],
    { source: 'api' },
  );
  expect(r!.status).toBe('created');
  return { id: r!.id!, externalId };
}

async function post(url: string, payload: unknown, headers = writer) {
  return t.app.inject({ method: 'POST', url, headers, payload: payload as Json });
}

async function staff(username: string): Promise<{ id: string; auth: { authorization: string } }> {
  const { staff: s, password } = await t.kemai.access.createStaff({ username, role: 'service_agent', password: 'a-long-password-1' });
  const { token } = await t.kemai.access.login(username, password);
  return { id: s.id, auth: { authorization: `Bearer ${token}` } };
}

const ticketRow = (id: string) => queryOne<Json>(db(), sql`select * from service.tickets where id = ${id}::uuid`);
const events = (id: string) => query<Json>(db(), sql`select kind, visibility, actor, body, detail from service.ticket_events where ticket_id = ${id}::uuid order by at, kind`);
const ticketCount = async () => Number((await queryOne<{ n: number }>(db(), sql`select count(*)::int as n from service.tickets`))!.n);
const outbox = (name: string, ticketId: string) => query<Json>(db(), sql`select payload from platform.outbox where name = ${name} and payload->>'ticketId' = ${ticketId}`);

describe('intake: API and staff entry', () => {
  it('creates a complaint linked to the order (its customer and store), routed to complaints, with the created event', async () => {
    at('2026-03-02T10:00:00+08:00');
    const cid = await customer({ name: '王芳', phone: '13800138000' });
    const o = await order(cid, 'S1');
    const res = await post('/api/v1/service/tickets', {
      kind: 'complaint',
      subject: '快递三天还没到',
      description: '订单显示已发货但一直没有更新',
      category: 'late_delivery',
      order: { channel: 'online', externalId: o.externalId },
      externalRef: 'crm-1',
    });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json() as Json;
    expect(body.created).toBe(true);
    const row = (await ticketRow(body.ticket.id))!;
    const complaints = await t.kemai.serviceQueues.get('complaints');
    expect({
      kind: row.kind,
      channel: row.channel,
      status: row.status,
      severity: row.severity,
      category: row.category,
      customer: row.customer_id,
      order: row.order_id,
      store: row.store_code,
      queue: row.queue_id,
      assignee: row.assignee_id,
      acked: row.acked_at,
      ref: row.external_ref,
      createdBy: row.created_by,
      received: new Date(row.received_at).toISOString(),
    }).toEqual({
      kind: 'complaint',
      channel: 'api',
      status: 'new',
      severity: 'minor',
      category: 'late_delivery',
      customer: cid,
      order: o.id,
      store: 'S1',
      queue: complaints.id,
      assignee: null,
      acked: null,
      ref: 'crm-1',
      createdBy: 'apikey:test-service:read+service:write+pii:read',
      received: '2026-03-02T02:00:00.000Z',
    });
    expect(body.ticket.ticketNumber).toBe(`T-${row.number}`);
    expect((await events(row.id)).map((e) => [e.kind, e.visibility, e.detail])).toEqual([['created', 'system', { channel: 'api', queue: 'complaints' }]]);
    expect((await outbox('service.ticket.created', row.id)).map((e) => e.payload)).toEqual([
      { ticketId: row.id, customerId: cid, kind: 'complaint', channel: 'api', severity: 'minor' },
    ]);

    // A replay of the same channel + externalRef: the first ticket, nothing new.
    const n = await ticketCount();
    const again = await post('/api/v1/service/tickets', { kind: 'complaint', subject: 'another text', externalRef: 'crm-1' });
    expect(again.statusCode, again.body).toBe(200);
    expect((again.json() as Json).ticket.id).toBe(row.id);
    expect(await ticketCount()).toBe(n);
    expect(await outbox('service.ticket.created', row.id)).toHaveLength(1);
  });

  it('staff entry by phone is acknowledged at creation; the contact links the customer holding the phone', async () => {
    at('2026-03-02T11:00:00+08:00');
    const cid = await customer({ name: '李雷', phone: '13900139000' });
    const agent = await staff('agent.phone');
    const res = await post('/api/v1/service/tickets', { kind: 'inquiry', channel: 'phone', subject: '积分怎么用', contact: { name: '李雷', phone: '139 0013 9000' } }, agent.auth);
    expect(res.statusCode, res.body).toBe(201);
    const row = (await ticketRow((res.json() as Json).ticket.id))!;
    expect([row.status, new Date(row.acked_at).toISOString(), row.customer_id, row.contact, row.severity, row.created_by]).toEqual([
      'open',
      '2026-03-02T03:00:00.000Z',
      cid,
      { name: '李雷', phone: '+8613900139000', email: null },
      null,
      'staff:agent.phone',
    ]);
    const general = await t.kemai.serviceQueues.get('general');
    expect(row.queue_id).toBe(general.id);
    expect((await events(row.id)).map((e) => [e.kind, e.actor])).toEqual([
      ['acked', 'staff:agent.phone'],
      ['created', 'staff:agent.phone'],
    ]);
  });

  it('bad input is a 400 naming the field and writes nothing', async () => {
    const n = await ticketCount();
    const cases: Array<[Json, string]> = [
      [{ kind: 'praise', subject: 'x' }, 'kind'],
      [{ kind: 'complaint', subject: 'x', category: 'no_such_category' }, 'category'],
      [{ kind: 'inquiry', subject: 'x', severity: 'severe' }, 'severity'],
      [{ kind: 'complaint', subject: 'x', order: { channel: 'online', externalId: 'NOPE' } }, 'order'],
      [{ kind: 'complaint', subject: 'x', storeCode: 'S9' }, 'storeCode'],
      [{ kind: 'complaint', subject: 'x', contact: { phone: '12' } }, 'contact.phone'],
      [{ kind: 'complaint', subject: 'x', assigneeId: '0190c0de-0000-7000-8000-000000000000' }, 'assigneeId'],
    ];
    for (const [payload, path] of cases) {
      const res = await post('/api/v1/service/tickets', payload);
      expect(res.statusCode, res.body).toBe(400);
      expect(((res.json() as Json).error.details.issues as Json[]).map((i) => i.path)).toContain(path);
    }
    expect(await ticketCount()).toBe(n);
  });
});

describe('routing and assignment', () => {
  it('the first matching queue by priority; round robin over its members; least open', async () => {
    const [a, b, c, d] = [await staff('rr.a'), await staff('rr.b'), await staff('lo.c'), await staff('lo.d')];
    let res = await post('/api/v1/service/queues', { code: 'store_s2', name: 'S2 desk', priority: 10, routes: { storeCodes: ['S2'] }, assignment: 'round_robin', memberIds: [a.id, b.id] }, t.admin);
    expect(res.statusCode, res.body).toBe(201);
    res = await post('/api/v1/service/queues', { code: 'returns', name: 'Returns', priority: 20, routes: { kinds: ['return_request'] }, assignment: 'least_open', memberIds: [c.id, d.id] }, t.admin);
    expect(res.statusCode, res.body).toBe(201);
    const bad = await post('/api/v1/service/queues', { code: 'bad', name: 'Bad', memberIds: [a.id, '0190c0de-0000-7000-8000-000000000000'] }, t.admin);
    expect(bad.statusCode).toBe(400);
    expect((bad.json() as Json).error.details.issues[0].path).toBe('memberIds.1');

    const assignees: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await post('/api/v1/service/tickets', { kind: 'complaint', subject: `S2 ${i}`, storeCode: 'S2' });
      expect(r.statusCode, r.body).toBe(201);
      assignees.push((r.json() as Json).ticket.assigneeId);
    }
    expect(assignees).toEqual([a.id, b.id, a.id]);

    // least open: c gets the first; d (none open) the second; then c again (one each, c first among equals).
    const lo: string[] = [];
    for (let i = 0; i < 3; i++) lo.push(((await post('/api/v1/service/tickets', { kind: 'return_request', subject: `return ${i}` })).json() as Json).ticket.assigneeId);
    expect(lo).toEqual([c.id, d.id, c.id]);
    const q = (await t.kemai.serviceQueues.get('returns'))!;
    const rows = await query<Json>(db(), sql`select assignee_id from service.tickets where queue_id = ${q.id}::uuid order by number`);
    expect(rows.map((r) => r.assignee_id)).toEqual([c.id, d.id, c.id]);

    // Manual assignment leaves tickets unassigned; an archived queue takes none.
    const s2 = await t.kemai.serviceQueues.get('store_s2');
    const patched = await t.app.inject({ method: 'PATCH', url: `/api/v1/service/queues/${s2.id}`, headers: t.admin, payload: { assignment: 'manual' } });
    expect([patched.statusCode, (patched.json() as Json).assignment, (patched.json() as Json).memberIds]).toEqual([200, 'manual', [a.id, b.id]]);
    const manual = (await post('/api/v1/service/tickets', { kind: 'complaint', subject: 'S2 manual', storeCode: 'S2' })).json() as Json;
    expect([manual.ticket.queueId, manual.ticket.assigneeId]).toEqual([s2.id, null]);
    expect((await t.app.inject({ method: 'DELETE', url: '/api/v1/service/queues/store_s2', headers: t.admin })).statusCode).toBe(200);
    const after = (await post('/api/v1/service/tickets', { kind: 'complaint', subject: 'S2 archived', storeCode: 'S2' })).json() as Json;
    expect(after.ticket.queueId).toBe((await t.kemai.serviceQueues.get('complaints')).id);
    expect((await t.app.inject({ method: 'PATCH', url: `/api/v1/service/queues/${s2.id}`, headers: writer, payload: { status: 'active' } })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'PATCH', url: `/api/v1/service/queues/${s2.id}`, headers: t.admin, payload: { status: 'active' } })).statusCode).toBe(200);
  });
});

describe('email in', () => {
  it('creates an inquiry from the sender’s address, idempotent by messageId; a reply naming [T-n] appends and reopens a resolved ticket', async () => {
    at('2026-03-03T09:00:00+08:00');
    const cid = await customer({ name: 'Wang Fang', email: 'wang.fang@example.com' });
    const mail = { messageId: '<m1@mail.example.com>', from: 'Wang Fang <Wang.Fang@Example.com>', subject: 'Where is my parcel?', text: 'Ordered last week.', receivedAt: '2026-03-03T08:55:00+08:00' };
    const res = await post('/api/v1/service/inbound/email', mail);
    expect(res.statusCode, res.body).toBe(201);
    const first = (res.json() as Json).ticket;
    const row = (await ticketRow(first.id))!;
    expect([row.kind, row.channel, row.status, row.customer_id, row.contact, row.external_ref, row.subject, row.description, new Date(row.received_at).toISOString()]).toEqual([
      'inquiry',
      'email',
      'new',
      cid,
      { name: 'Wang Fang', phone: null, email: 'wang.fang@example.com' },
      'm1@mail.example.com',
      'Where is my parcel?',
      'Ordered last week.',
      '2026-03-03T00:55:00.000Z',
    ]);
    const n = await ticketCount();
    const dup = await post('/api/v1/service/inbound/email', mail);
    expect([dup.statusCode, (dup.json() as Json).action, (dup.json() as Json).ticket.id]).toEqual([200, 'duplicate', first.id]);
    expect(await ticketCount()).toBe(n);

    // Resolve it, then the customer writes back with [T-n] in the subject: a customer message, reopened.
    const resolved = await post(`/api/v1/service/tickets/${first.id}/status`, { status: 'resolved', resolution: 'Parcel delivered today' });
    expect(resolved.statusCode, resolved.body).toBe(200);
    at('2026-03-04T09:00:00+08:00');
    const back = { messageId: 'm2@mail.example.com', from: 'wang.fang@example.com', subject: `Re: [${first.ticketNumber}] Where is my parcel?`, text: 'Still not here!', receivedAt: '2026-03-04T08:58:00+08:00' };
    const r2 = await post('/api/v1/service/inbound/email', back);
    expect([r2.statusCode, (r2.json() as Json).action]).toEqual([200, 'appended']);
    const after = (await ticketRow(first.id))!;
    expect([after.status, after.resolved_at, after.reopen_count]).toEqual(['open', null, 1]);
    expect(await ticketCount()).toBe(n);
    // The same message again: nothing more.
    const r3 = await post('/api/v1/service/inbound/email', back);
    expect((r3.json() as Json).action).toBe('duplicate');
    const msgs = (await events(first.id)).filter((e) => e.kind === 'customer_message');
    expect(msgs.map((e) => [e.visibility, e.actor, e.body, e.detail.messageId])).toEqual([['public', 'customer', 'Still not here!', 'm2@mail.example.com']]);
    expect((await events(first.id)).filter((e) => e.kind === 'reopened')).toHaveLength(1);

    // Someone else naming the ticket's number gets a ticket of their own.
    const stranger = await post('/api/v1/service/inbound/email', { messageId: 'm-stranger@x.cn', from: 'someone@else.cn', subject: `[${first.ticketNumber}] hello`, text: 'spam', receivedAt: '2026-03-04T09:10:00+08:00' });
    expect([stranger.statusCode, (stranger.json() as Json).action]).toEqual([201, 'created']);
    expect((stranger.json() as Json).ticket.id).not.toBe(first.id);
    expect((await events((stranger.json() as Json).ticket.id))[0]!.detail).toEqual({ channel: 'email', queue: 'general', mentionedTicket: first.ticketNumber });
    expect((await events(first.id)).filter((e) => e.kind === 'customer_message')).toHaveLength(1);

    // The answer goes by email, its subject naming the ticket.
    const rep = await post(`/api/v1/service/tickets/${first.id}/reply`, { body: 'It is on its way.' });
    expect(rep.statusCode, rep.body).toBe(200);
    const m = (await queryOne<Json>(db(), sql`select m.channel, m.variables, tp.contents from messaging.messages m join messaging.templates tp on tp.id = m.template_id where m.dedupe_key like ${`service:ticket:${first.id}:reply:%`}`))!;
    expect([m.channel, m.variables.ticketNumber, m.contents.email.en.subject]).toEqual(['email', first.ticketNumber, '[{{ticketNumber}}] About your request']);

    // In-Reply-To the first message finds the ticket too.
    const r4 = await post('/api/v1/service/inbound/email', { messageId: 'm3@mail.example.com', from: 'wang.fang@example.com', subject: 'one more thing', text: 'Call me.', receivedAt: '2026-03-04T09:30:00+08:00', inReplyTo: '<m1@mail.example.com>' });
    expect([(r4.json() as Json).action, (r4.json() as Json).ticket.id]).toEqual(['appended', first.id]);
  });

  it('a sender without an address is a 400 naming from', async () => {
    const n = await ticketCount();
    const res = await post('/api/v1/service/inbound/email', { messageId: 'x1', from: 'nobody', subject: 's', text: 't', receivedAt: '2026-03-03T08:55:00+08:00' });
    expect(res.statusCode).toBe(400);
    expect((res.json() as Json).error.details.issues[0].path).toBe('from');
    expect(await ticketCount()).toBe(n);
  });
});

describe('public web form', () => {
  const form = (extra: Json = {}) => ({ submissionId: 'sub-0001-aaaa', name: '张伟', phone: '13700137000', subject: '衣服有破洞', description: '收到的衬衫袖口有破洞', ...extra });

  it('files a ticket without sign-in, linked by phone, idempotent by submissionId', async () => {
    at('2026-03-05T10:00:00+08:00');
    const cid = await customer({ name: '张伟', phone: '13700137000' });
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/public/tickets', payload: form({ storeCode: 'S1', orderNumber: 'UNKNOWN-1' }), remoteAddress: '10.0.0.1' });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json() as Json;
    expect(Object.keys(body).sort()).toEqual(['created', 'status', 'ticketNumber']);
    const row = (await queryOne<Json>(db(), sql`select * from service.tickets where channel = 'web_form' and external_ref = 'sub-0001-aaaa'`))!;
    expect([row.kind, row.status, row.customer_id, row.contact, row.store_code, row.order_id, row.created_by, `T-${row.number}`]).toEqual([
      'complaint',
      'new',
      cid,
      { name: '张伟', phone: '+8613700137000', email: null },
      'S1',
      null,
      'customer',
      body.ticketNumber,
    ]);
    expect((await events(row.id))[0]!.detail).toEqual({ channel: 'web_form', queue: 'complaints', orderNumber: 'UNKNOWN-1', orderNumberMatched: false });
    const n = await ticketCount();
    const again = await t.app.inject({ method: 'POST', url: '/api/v1/public/tickets', payload: form(), remoteAddress: '10.0.0.1' });
    expect([again.statusCode, (again.json() as Json).ticketNumber, (again.json() as Json).created]).toEqual([200, body.ticketNumber, false]);
    expect(await ticketCount()).toBe(n);
  });

  it('a signed link files the ticket for its customer and order; a forged one is a 400 naming t', async () => {
    const cid = await customer({ name: '赵敏', phone: '13600136000' });
    const o = await order(cid, 'S2');
    const link = await post('/api/v1/service/ticket-links', { customerId: cid, orderId: o.id });
    expect(link.statusCode, link.body).toBe(200);
    const { t: token, url } = link.json() as Json;
    expect(url).toContain('/feedback?t=');
    const n = await ticketCount();
    const forged = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
    const bad = await t.app.inject({ method: 'POST', url: '/api/v1/public/tickets', payload: form({ submissionId: 'sub-forged-01', phone: '13500135000', t: forged }), remoteAddress: '10.0.0.2' });
    expect(bad.statusCode).toBe(400);
    expect((bad.json() as Json).error.details.issues[0].path).toBe('t');
    expect(await ticketCount()).toBe(n);
    const ok = await t.app.inject({ method: 'POST', url: '/api/v1/public/tickets', payload: form({ submissionId: 'sub-signed-01', phone: '13500135000', t: token }), remoteAddress: '10.0.0.2' });
    expect(ok.statusCode, ok.body).toBe(201);
    const row = (await queryOne<Json>(db(), sql`select * from service.tickets where channel = 'web_form' and external_ref = 'sub-signed-01'`))!;
    expect([row.customer_id, row.order_id, row.store_code]).toEqual([cid, o.id, 'S2']);
  });

  it('needs a phone or an email; limits submissions per IP', async () => {
    const none = await t.app.inject({ method: 'POST', url: '/api/v1/public/tickets', payload: { submissionId: 'sub-nophone-1', name: 'x', subject: 's', description: 'd' }, remoteAddress: '10.0.0.3' });
    expect(none.statusCode).toBe(400);
    expect((none.json() as Json).error.details.issues[0].path).toBe('phone');
    const codes: number[] = [];
    for (let i = 0; i < 10; i++) codes.push((await t.app.inject({ method: 'POST', url: '/api/v1/public/tickets', payload: form({ submissionId: `sub-rate-${i}-xx` }), remoteAddress: '10.0.0.4' })).statusCode);
    expect(codes).toEqual(Array(10).fill(201));
    const limited = await t.app.inject({ method: 'POST', url: '/api/v1/public/tickets', payload: form({ submissionId: 'sub-rate-10-xx' }), remoteAddress: '10.0.0.4' });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/public/tickets', payload: form({ submissionId: 'sub-rate-other' }), remoteAddress: '10.0.0.5' })).statusCode).toBe(201);
  });
});

describe('working a ticket', () => {
  it('ack, reply and resolve set their milestones once; the reply goes through messaging; resolved is published exactly once', async () => {
    at('2026-03-06T09:00:00+08:00');
    const cid = await customer({ name: '陈静', phone: '13300133000' });
    const agent = await staff('agent.work');
    const id = ((await post('/api/v1/service/tickets', { kind: 'complaint', subject: '鞋子开胶', customerId: cid, category: 'quality_issue' })).json() as Json).ticket.id as string;

    at('2026-03-06T09:20:00+08:00');
    let res = await post(`/api/v1/service/tickets/${id}/ack`, undefined, agent.auth);
    expect(res.statusCode, res.body).toBe(200);
    at('2026-03-06T09:30:00+08:00');
    await post(`/api/v1/service/tickets/${id}/ack`, undefined, agent.auth);
    let row = (await ticketRow(id))!;
    expect([row.status, new Date(row.acked_at).toISOString()]).toEqual(['open', '2026-03-06T01:20:00.000Z']);

    at('2026-03-06T10:00:00+08:00');
    res = await post(`/api/v1/service/tickets/${id}/reply`, { body: '非常抱歉，我们马上为您换货。', template: 'apology_damaged' }, agent.auth);
    expect(res.statusCode, res.body).toBe(200);
    at('2026-03-06T11:00:00+08:00');
    await post(`/api/v1/service/tickets/${id}/reply`, { body: '换货已寄出。' }, agent.auth);
    at('2026-03-06T11:30:00+08:00');
    await post(`/api/v1/service/tickets/${id}/note`, { body: '仓库确认批次问题' }, agent.auth);
    row = (await ticketRow(id))!;
    expect(new Date(row.first_replied_at).toISOString()).toBe('2026-03-06T02:00:00.000Z');
    const messages = await query<Json>(
      db(),
      sql`select m.customer_id, m.channel, m.purpose, m.variables, m.source_kind, m.source_id, tp.code from messaging.messages m join messaging.templates tp on tp.id = m.template_id
          where m.dedupe_key like ${`service:ticket:${id}:reply:%`} order by m.created_at, m.send_after`,
    );
    expect(messages.map((m) => [m.customer_id, m.channel, m.purpose, m.code, m.variables.replyText, m.source_kind, m.source_id])).toEqual([
      [cid, 'auto', 'service', 'service_reply', '非常抱歉，我们马上为您换货。', 'system', id],
      [cid, 'auto', 'service', 'service_reply', '换货已寄出。', 'system', id],
    ]);

    // Resolving needs a resolution: 400 naming it, nothing changes.
    const before = (await ticketRow(id))!;
    res = await post(`/api/v1/service/tickets/${id}/status`, { status: 'resolved' }, agent.auth);
    expect(res.statusCode).toBe(400);
    expect((res.json() as Json).error.details.issues[0].path).toBe('resolution');
    res = await post(`/api/v1/service/tickets/${id}/status`, { status: 'resolved', resolution: '已换货', rootCauses: ['supplier_quality', 'nope'] }, agent.auth);
    expect(res.statusCode).toBe(400);
    expect((res.json() as Json).error.details.issues[0].path).toBe('rootCauses.1');
    expect(await ticketRow(id)).toEqual(before);

    at('2026-03-06T15:00:00+08:00');
    res = await post(`/api/v1/service/tickets/${id}/status`, { status: 'resolved', resolution: '已换货', rootCauses: ['supplier_quality'] }, agent.auth);
    expect(res.statusCode, res.body).toBe(200);
    row = (await ticketRow(id))!;
    expect([row.status, new Date(row.resolved_at).toISOString(), row.root_causes]).toEqual(['resolved', '2026-03-06T07:00:00.000Z', ['supplier_quality']]);
    res = await post(`/api/v1/service/tickets/${id}/status`, { status: 'resolved', resolution: 'again' }, agent.auth);
    expect(res.statusCode).toBe(409);
    expect((res.json() as Json).error.message).toContain('resolved');
    expect((await outbox('service.ticket.resolved', id)).map((e) => e.payload)).toEqual([{ ticketId: id, customerId: cid, resolvedAt: '2026-03-06T07:00:00.000Z' }]);
    expect((await events(id)).map((e) => [e.kind, e.visibility])).toEqual([
      ['created', 'system'],
      ['acked', 'system'],
      ['reply', 'public'],
      ['reply', 'public'],
      ['note', 'internal'],
      ['status', 'internal'],
    ]);

    // Close, then reopen.
    res = await post(`/api/v1/service/tickets/${id}/status`, { status: 'closed' }, agent.auth);
    expect(res.statusCode, res.body).toBe(200);
    res = await post(`/api/v1/service/tickets/${id}/reply`, { body: 'x' }, agent.auth);
    expect(res.statusCode).toBe(409);
    res = await post(`/api/v1/service/tickets/${id}/status`, { status: 'reopen' }, agent.auth);
    row = (await ticketRow(id))!;
    expect([row.status, row.resolved_at, row.closed_at, row.reopen_count]).toEqual(['open', null, null, 1]);
  });

  it('the ticket page masks the contact and the customer without pii:read', async () => {
    const cid = await customer({ name: '周杰', phone: '13200132000', email: 'zhou.jie@example.com' });
    const id = ((await post('/api/v1/service/tickets', { kind: 'inquiry', subject: '会员卡', contact: { name: '周杰', phone: '13200132000', email: 'zhou.jie@example.com' } })).json() as Json).ticket.id;
    const masked = (await t.app.inject({ method: 'GET', url: `/api/v1/service/tickets/${id}`, headers: noPii })).json() as Json;
    expect(masked.ticket.contact).toEqual({ name: '周*', phone: '132****2000', email: 'z***@example.com' });
    expect([masked.customer.id, masked.customer.name, masked.customer.phone, masked.ticket.customerName]).toEqual([cid, '周*', '132****2000', '周*']);
    const full = (await t.app.inject({ method: 'GET', url: `/api/v1/service/tickets/${id}`, headers: writer })).json() as Json;
    expect(full.ticket.contact).toEqual({ name: '周杰', phone: '+8613200132000', email: 'zhou.jie@example.com' });
    expect(full.customer.phone).toBe('+8613200132000');
    const list = (await t.app.inject({ method: 'GET', url: `/api/v1/service/tickets?customer=${cid}`, headers: noPii })).json() as Json;
    expect(list.items.map((i: Json) => i.contact.phone)).toEqual(['132****2000']);
  });

  it('the inbox: filters, the next due first, a capped total', async () => {
    const a = await staff('inbox.a');
    const mk = async (subject: string, extra: Json = {}) => ((await post('/api/v1/service/tickets', { kind: 'suggestion', subject, tags: ['inbox'], ...extra })).json() as Json).ticket as Json;
    const t1 = await mk('inbox one');
    const t2 = await mk('inbox two', { assigneeId: a.id });
    const t3 = await mk('inbox three');
    await query(db(), sql`update service.tickets set next_due_at = '2026-03-10T00:00:00Z' where id = ${t1.id}::uuid`);
    await query(db(), sql`update service.tickets set next_due_at = '2026-03-09T00:00:00Z' where id = ${t3.id}::uuid`);
    const get = async (qs: string, headers = writer) => {
      const r = await t.app.inject({ method: 'GET', url: `/api/v1/service/tickets?${qs}`, headers });
      expect(r.statusCode, r.body).toBe(200);
      return r.json() as Json;
    };
    let page = await get('kind=suggestion');
    expect(page.items.map((i: Json) => i.subject)).toEqual(['inbox three', 'inbox one', 'inbox two']);
    expect([page.total, page.totalCapped]).toEqual([3, false]);
    await post(`/api/v1/service/tickets/${t1.id}/status`, { status: 'pending' });
    page = await get('kind=suggestion&queue=general&status=new,open,pending');
    expect(page.items.map((i: Json) => [i.subject, i.status])).toEqual([['inbox three', 'new'], ['inbox one', 'pending'], ['inbox two', 'new']]);
    page = await get('kind=suggestion&queue=general&status=new&limit=1&offset=1');
    expect([page.items.map((i: Json) => i.subject), page.total]).toEqual([['inbox two'], 2]);
    page = await get('kind=suggestion&assignee=none');
    expect(page.items.map((i: Json) => i.subject)).toEqual(['inbox three', 'inbox one']);
    page = await get('kind=suggestion&assignee=me', a.auth);
    expect(page.items.map((i: Json) => [i.subject, i.assigneeName])).toEqual([['inbox two', 'inbox.a']]);
    page = await get(`q=${t2.ticketNumber}`);
    expect(page.items.map((i: Json) => i.id)).toEqual([t2.id]);
    page = await get('q=inbox%20t&kind=suggestion');
    expect(page.items.map((i: Json) => i.subject)).toEqual(['inbox three', 'inbox two']);
    page = await get('kind=suggestion&limit=1&offset=1');
    expect([page.items.map((i: Json) => i.subject), page.total]).toEqual([['inbox one'], 3]);
    // SLA states (now = 2026-03-07 09:00 +08:00): t3 breached (a breach raised), t1 warned, t2 due within 2 hours.
    at('2026-03-08T09:00:00+08:00');
    await query(db(), sql`update service.tickets set sla_breached = '{ack}', sla_warned = '{ack}' where id = ${t3.id}::uuid`);
    await query(db(), sql`update service.tickets set sla_warned = '{first_reply}', status = 'open' where id = ${t1.id}::uuid`);
    await query(db(), sql`update service.tickets set next_due_at = '2026-03-08T02:30:00Z' where id = ${t2.id}::uuid`);
    const sla = async (state: string) => (await get(`kind=suggestion&sla=${state}`)).items.map((i: Json) => [i.subject, i.slaState]);
    expect(await sla('breached')).toEqual([['inbox three', 'breached']]);
    expect(await sla('warning')).toEqual([['inbox one', 'warning']]);
    expect(await sla('due_soon')).toEqual([['inbox two', 'ok']]);
    expect((await get('kind=suggestion&sla=breached&status=closed')).items).toEqual([]);
    const bad = await t.app.inject({ method: 'GET', url: '/api/v1/service/tickets?status=open,nope', headers: writer });
    expect(bad.statusCode).toBe(400);
    expect((bad.json() as Json).error.details.issues[0].path).toContain('status');
  });
});

describe('assign, tags, root causes, transitions; concurrent replays', () => {
  it('assigns and unassigns; bad fields are 400s that change nothing; a status the action cannot start from is a 409 naming it', async () => {
    at('2026-03-07T09:00:00+08:00');
    const a = await staff('assign.a');
    const id = ((await post('/api/v1/service/tickets', { kind: 'inquiry', subject: '发票' })).json() as Json).ticket.id as string;
    let res = await post(`/api/v1/service/tickets/${id}/assign`, { assigneeId: a.id, queue: 'complaints' });
    expect(res.statusCode, res.body).toBe(200);
    const complaints = await t.kemai.serviceQueues.get('complaints');
    let row = (await ticketRow(id))!;
    expect([row.assignee_id, row.queue_id, row.status, new Date(row.acked_at).toISOString()]).toEqual([a.id, complaints.id, 'open', '2026-03-07T01:00:00.000Z']);
    const before = row;
    for (const [payload, path] of [
      [{ assigneeId: '0190c0de-0000-7000-8000-000000000000' }, 'assigneeId'],
      [{ assigneeId: null, queue: 'nope' }, 'queue'],
    ] as const) {
      res = await post(`/api/v1/service/tickets/${id}/assign`, payload);
      expect(res.statusCode).toBe(400);
      expect((res.json() as Json).error.details.issues[0].path).toBe(path);
    }
    res = await post(`/api/v1/service/tickets/${id}/root-causes`, { rootCauses: ['courier_delay', 'made_up'] });
    expect([res.statusCode, (res.json() as Json).error.details.issues[0].path]).toEqual([400, 'rootCauses.1']);
    expect(await ticketRow(id)).toEqual(before);

    res = await post(`/api/v1/service/tickets/${id}/assign`, { assigneeId: null });
    res = await post(`/api/v1/service/tickets/${id}/tags`, { tags: ['vip', 'vip', '发票'] });
    res = await post(`/api/v1/service/tickets/${id}/root-causes`, { rootCauses: ['policy_gap'] });
    row = (await ticketRow(id))!;
    expect([row.assignee_id, row.tags, row.root_causes]).toEqual([null, ['vip', '发票'], ['policy_gap']]);

    res = await post(`/api/v1/service/tickets/${id}/status`, { status: 'open' });
    expect(res.statusCode).toBe(409);
    expect((res.json() as Json).error).toMatchObject({ code: 'service.invalid_transition', message: 'the ticket is open: it cannot be set open', details: { status: 'open' } });
    expect((await post(`/api/v1/service/tickets/${id}/status`, { status: 'pending' })).statusCode).toBe(200);
    expect((await post(`/api/v1/service/tickets/${id}/status`, { status: 'reopen' })).statusCode).toBe(409);
    expect((await post(`/api/v1/service/tickets/${id}/status`, { status: 'open' })).statusCode).toBe(200);
    expect((await ticketRow(id))!.status).toBe('open');
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/service/tickets?status=new,open,pending&q=%E5%8F%91%E7%A5%A8', headers: writer });
    expect(list.statusCode, list.body).toBe(200);
    expect((list.json() as Json).items.map((i: Json) => i.id)).toEqual([id]);
  });

  it('the same externalRef sent four times at once makes one ticket', async () => {
    const n = await ticketCount();
    const results = await Promise.all([1, 2, 3, 4].map(() => post('/api/v1/service/tickets', { kind: 'inquiry', subject: 'race', externalRef: 'race-1' })));
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 200, 200, 201]);
    expect(new Set(results.map((r) => (r.json() as Json).ticket.id)).size).toBe(1);
    expect(await ticketCount()).toBe(n + 1);
    const mails = await Promise.all([1, 2, 3].map(() => post('/api/v1/service/inbound/email', { messageId: 'race-mail@x', from: 'a@b.cn', subject: 'hi', text: 't', receivedAt: '2026-03-07T09:00:00+08:00' })));
    expect(mails.map((r) => (r.json() as Json).action).sort()).toEqual(['created', 'duplicate', 'duplicate']);
    expect(await ticketCount()).toBe(n + 2);
  });
});

describe('customers merging', () => {
  it('a merged-away profile’s tickets follow the survivor, and go back on unmerge', async () => {
    const survivor = await customer({ name: '合并甲', phone: '13011112222' });
    const absorbed = await customer({ name: '合并乙', phone: '13011113333' });
    const id = ((await post('/api/v1/service/tickets', { kind: 'inquiry', subject: 'merge me', customerId: absorbed })).json() as Json).ticket.id as string;
    const m = await t.app.inject({ method: 'POST', url: `/api/v1/customers/${survivor}/merge`, headers: t.admin, payload: { otherId: absorbed } });
    expect(m.statusCode, m.body).toBe(200);
    expect((await ticketRow(id))!.customer_id).toBe(survivor);
    const u = await t.app.inject({ method: 'POST', url: `/api/v1/customers/${survivor}/unmerge`, headers: t.admin, payload: { mergeId: (m.json() as Json).mergeId } });
    expect(u.statusCode, u.body).toBe(200);
    expect((await ticketRow(id))!.customer_id).toBe(absorbed);
  });
});

describe('reply templates', () => {
  it('renders an empathy template for a ticket with the customer, number, agent and brand', async () => {
    const cid = await customer({ name: '刘洋', phone: '13100131000' });
    const agent = await staff('agent.render');
    const id = ((await post('/api/v1/service/tickets', { kind: 'complaint', subject: '迟到', customerId: cid })).json() as Json).ticket;
    await post('/api/v1/service/setup', {}, t.admin);
    const res = await post('/api/v1/service/reply-templates/acknowledge/render', { ticketId: id.id, locale: 'zh-CN' }, agent.auth);
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json() as Json;
    expect(r.body).toBe(`刘洋您好，我是客脉的客服agent.render。您的反馈（工单 ${id.ticketNumber}）我们已经收到，非常理解您的心情，我会尽快为您处理并及时告知进展。`);
    expect(r.missing).toEqual([]);
    const en = (await post('/api/v1/service/reply-templates/resolved/render', { ticketId: id.ticketNumber, locale: 'en' }, noPii)).json() as Json;
    expect(en.body.startsWith('Dear 刘*, your request')).toBe(true);
    const list = (await t.app.inject({ method: 'GET', url: '/api/v1/service/reply-templates?locale=en', headers: writer })).json() as Json;
    expect(list.items.map((i: Json) => i.code)).toEqual(['acknowledge', 'apology_damaged', 'apology_late_delivery', 'follow_up', 'resolved']);
    // Create, change, archive; a writer without service:admin may not.
    const created = await post('/api/v1/service/reply-templates', { code: 'gift_card', locale: 'en', title: 'Gift card', body: 'Dear {{customerName}}, a gift card is on its way ({{ticketNumber}}).', categories: ['pricing'] }, t.admin);
    expect(created.statusCode, created.body).toBe(201);
    const tpl = created.json() as Json;
    expect([tpl.variables, tpl.categories, tpl.status]).toEqual([['customerName', 'ticketNumber'], ['pricing'], 'active']);
    expect((await post('/api/v1/service/reply-templates', { code: 'gift_card', locale: 'en', title: 'x', body: 'y' }, t.admin)).statusCode).toBe(409);
    expect((await post('/api/v1/service/reply-templates', { code: 'gift_card2', locale: 'en', title: 'x', body: 'y' }, writer)).statusCode).toBe(403);
    const patched = await t.app.inject({ method: 'PATCH', url: `/api/v1/service/reply-templates/${tpl.id}`, headers: t.admin, payload: { title: 'Gift card sent' } });
    expect([patched.statusCode, (patched.json() as Json).title]).toEqual([200, 'Gift card sent']);
    const archived = await t.app.inject({ method: 'DELETE', url: `/api/v1/service/reply-templates/${tpl.id}`, headers: t.admin });
    expect((archived.json() as Json).status).toBe('archived');
    expect((await post('/api/v1/service/reply-templates/gift_card/render', { ticketId: id.id, locale: 'en' }, writer)).statusCode).toBe(409);
    const cats = (await t.app.inject({ method: 'GET', url: '/api/v1/service/reply-templates?locale=en&category=pricing&status=active', headers: writer })).json() as Json;
    expect(cats.items.map((i: Json) => i.code)).toEqual(['acknowledge', 'follow_up', 'resolved']);

    // Taxonomy: labels in both languages; a new category becomes usable on tickets.
    const put = await t.app.inject({ method: 'PUT', url: '/api/v1/service/taxonomy/category/gift', headers: t.admin, payload: { labels: { 'zh-CN': '礼品', en: 'Gifts' } } });
    expect([put.statusCode, (put.json() as Json).labels]).toEqual([200, { 'zh-CN': '礼品', en: 'Gifts' }]);
    expect((await t.app.inject({ method: 'PUT', url: '/api/v1/service/taxonomy/category/gift2', headers: t.admin, payload: { labels: { 'zh-CN': '礼品' } } })).statusCode).toBe(400);
    expect((await post('/api/v1/service/tickets', { kind: 'inquiry', subject: 'gift', category: 'gift' })).statusCode).toBe(201);
    const tax = (await t.app.inject({ method: 'GET', url: '/api/v1/service/taxonomy?kind=root_cause', headers: writer })).json() as Json;
    expect(tax.items.map((i: Json) => i.code)).toEqual(['courier_delay', 'warehouse_packing', 'supplier_quality', 'store_staff', 'system_error', 'policy_gap', 'customer_misunderstanding', 'other']);

    const badTpl = await post('/api/v1/service/reply-templates', { code: 'x1', locale: 'en', title: 'x', body: 'Hi {{nope}}' }, t.admin);
    expect(badTpl.statusCode).toBe(400);
    expect((badTpl.json() as Json).error.details.issues[0].path).toBe('body');
  });
});
