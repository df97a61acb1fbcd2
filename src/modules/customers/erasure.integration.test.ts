import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit } from '../../platform/audit.js';
import { publish } from '../../platform/events/event-bus.js';
import { query, queryOne, type Db } from '../../platform/db/database.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import { seedTemplate } from '../../../tests/support/messaging-delivery.js';
import { SurveyLinks } from '../surveys/links.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * Erasure of a data subject (issue 13): a customer with records in every module is erased, then every text, json and
 * text[] column of every table is searched for each of their values; money and points add up as before, and another
 * customer's records are exactly as they were.
 */
let t: TestApp;
let db: Db;
let subject: string;
let absorbed: string;
let other: string;

/** The subject's values, each distinctive: none may be found anywhere after the erasure. */
const V = {
  phone: '13912345678',
  email: 'lin.xiaoyu.erase@example.com',
  oldEmail: 'lxy.old.erase@example.com',
  name: '林晓雨',
  address: '上海市静安区南京西路1788号',
  openid: 'oWX-erase-openid-7781',
  memberNo: 'M-ERASE-55123',
  deviceId: 'dev-erase-A1B2C3',
  anonymousId: 'anon-erase-Z9Y8',
  tag: 'tag-lxy-unique',
  attribute: '小雨点昵称',
  occupation: '晓雨职业设计师',
  deliveryNote: '放在门卫处晓雨',
  returnReason: '尺码偏小晓雨退货',
  adjustReason: '投诉补偿晓雨专属',
  ticketSubject: '鞋子开胶了晓雨',
  ticketDescription: '买了两周鞋底就开胶晓雨描述',
  reply: '晓雨您好我们马上处理',
  note: '内部备注晓雨贵宾',
  verbatim: '店员态度很好晓雨的评价',
  assignNote: '晓雨指定导购备注',
  eventProperty: '晓雨搜索词',
  mergeReason: '同一个人晓雨合并',
  taskBody: '晓雨回访任务说明',
};

const post = (url: string, payload: unknown, headers: { authorization: string } = t.admin) =>
  t.app.inject({ method: 'POST', url, headers, payload: payload as object });
const get = (url: string) => t.app.inject({ method: 'GET', url, headers: t.admin });

async function ok(res: Promise<{ statusCode: number; body: string; json(): Json }>, status?: number): Promise<Json> {
  const r = await res;
  if (status) expect(r.statusCode, r.body).toBe(status);
  else expect(r.statusCode, r.body).toBeLessThan(300);
  return r.json();
}

/** A customer's export sections (what is stored about them, module by module). */
async function exportOf(id: string): Promise<Json> {
  return (await ok(get(`/api/v1/customers/${id}/export`), 200)).sections;
}

/** Money and points, in total and for the subject. */
async function sums(): Promise<Json> {
  return queryOne(
    db,
    sql`select
          (select coalesce(sum(gross_fen), 0)::bigint || '/' || coalesce(sum(paid_fen), 0)::bigint || '/' || coalesce(sum(refunded_fen), 0)::bigint
             from orders.orders) as orders,
          (select coalesce(sum(gross_fen), 0)::bigint || '/' || coalesce(sum(paid_fen), 0)::bigint || '/' || count(*)
             from orders.orders where customer_id = ${subject}) as subject_orders,
          (select coalesce(sum(paid_fen), 0)::bigint || '/' || coalesce(sum(refunded_fen), 0)::bigint from orders.order_lines) as lines,
          (select coalesce(sum(refund_fen), 0)::bigint || '/' || count(*) from orders.returns) as returns,
          (select coalesce(sum(points), 0)::bigint || '/' || coalesce(sum(pending_points), 0)::bigint || '/' || count(*) from loyalty.ledger_entries) as ledger,
          (select coalesce(sum(points), 0)::bigint || '/' || coalesce(sum(pending_points), 0)::bigint || '/' || count(*)
             from loyalty.ledger_entries where customer_id = ${subject}) as subject_ledger,
          (select available || '/' || pending || '/' || held || '/' || lifetime_earned || '/' || growth
             from loyalty.accounts where customer_id = ${subject}) as subject_account,
          (select coalesce(sum(available), 0)::bigint || '/' || coalesce(sum(pending), 0)::bigint from loyalty.accounts) as accounts,
          (select coalesce(sum(remaining), 0)::bigint from loyalty.lots) as lots,
          (select count(*) || '/' || coalesce(sum(discount_fen), 0)::bigint from promotions.redemptions) as redemptions,
          (select count(*) from promotions.coupons where customer_id = ${subject}) as subject_coupons,
          (select count(*) from messaging.messages where customer_id = ${subject}) as subject_messages,
          (select count(*) from service.tickets where customer_id = ${subject}) as subject_tickets,
          (select count(*) || '/' || coalesce(sum(nps), 0) from surveys.responses where customer_id = ${subject}) as subject_responses,
          (select count(*) from activity.events where customer_id = ${subject}) as subject_events`,
  ) as Promise<Json>;
}

/** The points liability report, without its as-of instant. */
async function liability(): Promise<Json> {
  const { asOf: _, ...rest } = await ok(get('/api/v1/loyalty/liability'), 200);
  return rest;
}

/** Every text, varchar, json, jsonb and text[] column of every table outside the system schemas. */
async function textColumns(): Promise<Array<{ table_schema: string; table_name: string; column_name: string }>> {
  return query(
    db,
    sql`select c.table_schema, c.table_name, c.column_name
        from information_schema.columns c
        join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name and t.table_type = 'BASE TABLE'
        where c.table_schema not in ('pg_catalog', 'information_schema') and c.table_schema not like 'pg\\_%'
          and (c.data_type in ('text', 'character varying', 'character', 'json', 'jsonb')
               or (c.data_type = 'ARRAY' and c.udt_name in ('_text', '_varchar')))
        order by 1, 2, 3`,
  );
}

/** Where (schema.table.column) each value is found. */
async function scan(values: string[]): Promise<string[]> {
  const found: string[] = [];
  const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
  for (const c of await textColumns()) {
    const col = `${ident(c.table_schema)}.${ident(c.table_name)}`;
    const rows = await query<{ v: string }>(
      db,
      sql`select v from unnest(${sql.param(values)}::text[]) as v
          where exists (select 1 from ${sql.raw(col)} x where position(v in x.${sql.raw(ident(c.column_name))}::text) > 0)`,
    );
    for (const r of rows) found.push(`${c.table_schema}.${c.table_name}.${c.column_name}: ${r.v}`);
  }
  return found;
}

beforeAll(async () => {
  t = await createTestApp({ KEMAI_PUBLIC_URL: 'https://kemai.example' });
  db = t.kemai.database.db;

  const profile = await ok(
    post('/api/v1/customers', {
      phone: V.phone,
      email: V.email,
      memberNo: V.memberNo,
      wechatOpenid: V.openid,
      name: V.name,
      gender: 'female',
      birthday: '1991-04-17',
      city: '苏州',
      occupation: V.occupation,
      tags: [V.tag],
      attributes: { nickname: V.attribute, shoeSize: 37 },
      consents: [{ channel: 'sms', purpose: 'marketing', status: 'granted', recordedAt: '2025-01-01T10:00:00+08:00' }],
    }),
    201,
  );
  subject = profile.id;
  // The postal address has no API field yet: set as the console's profile editor will.
  await query(db, sql`update customers.customers set address = ${V.address} where id = ${subject}`);
  // An older profile of the same person, merged in: its values live on in the merge's snapshot.
  absorbed = (await ok(post('/api/v1/customers', { email: V.oldEmail, name: V.name, city: '苏州' }), 201)).id;
  await ok(post(`/api/v1/customers/${subject}/merge`, { otherId: absorbed, reason: V.mergeReason }), 200);

  const order = (externalId: string, customer: Json, paid: string, extra: Json = {}) =>
    ok(
      post('/api/v1/orders', {
        channel: 'pos',
        externalId,
        storeCode: 'SH01',
        staffCode: 'G007',
        placedAt: '2025-11-01T10:00:00+08:00',
        customer,
        lines: [
          { sku: 'A100', quantity: 2, unitPrice: '199.00' },
          { sku: 'B200', quantity: 1, unitPrice: '59.00' },
        ],
        paidAmount: paid,
        currency: 'CNY',
        ...extra,
      }),
    );
  await order('SH01-ERASE-1', { phone: V.phone, deviceId: V.deviceId }, '457.00', { attributes: { deliveryNote: V.deliveryNote } });
  await order('SH01-ERASE-2', { email: V.email }, '400.00');
  await ok(
    post('/api/v1/returns', {
      channel: 'pos',
      externalId: 'SH01-ERASE-R1',
      order: { channel: 'pos', externalId: 'SH01-ERASE-1' },
      returnedAt: '2025-11-03T10:00:00+08:00',
      reason: V.returnReason,
      lines: [{ lineNo: 2, quantity: 1 }],
    }),
  );
  await ok(post('/api/v1/events', { type: 'view', occurredAt: '2025-11-02T09:00:00+08:00', customer: { phone: V.phone, anonymousId: V.anonymousId, deviceId: V.deviceId }, properties: { q: V.eventProperty } }), 201);

  await ok(post(`/api/v1/loyalty/members/${subject}/adjustments`, { points: 120, reason: V.adjustReason, idempotencyKey: 'erase-adj-1' }), 201);
  const hold = await ok(post('/api/v1/loyalty/holds', { customerId: subject, points: 15, idempotencyKey: 'erase-hold-1' }));
  await ok(post(`/api/v1/loyalty/holds/${hold.id ?? hold.hold?.id}/commit`, {}));

  await ok(post('/api/v1/coupon-templates', { code: 'ERASE5', name: '五元券', purpose: 'general', definition: { rule: { kind: 'fixed', offFen: 500 } }, validDays: 30 }), 201);
  await ok(post('/api/v1/coupon-templates/ERASE5/issue', { customerId: subject, idempotencyKey: 'erase-coupon-1' }), 201);

  const ticket = await ok(
    post('/api/v1/service/tickets', {
      kind: 'complaint',
      subject: V.ticketSubject,
      description: V.ticketDescription,
      customerId: subject,
      contact: { name: V.name, phone: V.phone, email: V.email },
    }),
    201,
  );
  const ticketId = ticket.ticket.id;
  await ok(post(`/api/v1/service/tickets/${ticketId}/reply`, { body: V.reply }), 200);
  await ok(post(`/api/v1/service/tickets/${ticketId}/note`, { body: V.note }), 200);

  await seedTemplate(db, 'erase_hello', { sms: { 'zh-CN': { body: '亲爱的 {{name}}，感谢光临' } } });
  await ok(post('/api/v1/messaging/messages', { customerId: subject, template: 'erase_hello', channel: 'sms', variables: { name: V.name }, dedupeKey: 'erase-msg-1' }), 202);
  await seedTemplate(db, 'erase_task', { guide_task: { 'zh-CN': { subject: '回访 {{name}}', body: '请致电 {{name}}：{{note}}' } } });
  await ok(post('/api/v1/messaging/messages', { customerId: subject, template: 'erase_task', channel: 'guide_task', variables: { note: V.taskBody }, dedupeKey: 'erase-task-1' }), 202);

  await ok(post('/api/v1/surveys/defaults', {}), 200);
  const q = (id: string, type: string) => ({ id, type, title: { 'zh-CN': `问题 ${id}`, en: `Question ${id}` } });
  await ok(post('/api/v1/surveys', { code: 'erase_visit', name: '到店体验', trigger: 'manual', questions: [q('nps', 'nps'), q('why', 'text')] }), 201);
  await t.app.inject({ method: 'PATCH', url: '/api/v1/surveys/erase_visit', headers: t.admin, payload: { settings: { template: 'survey_invite', channel: 'sms' } } });
  await ok(post('/api/v1/surveys/erase_visit/activate', {}), 200);
  await ok(post('/api/v1/surveys/erase_visit/send', { customerIds: [subject] }), 202);

  await ok(post(`/api/v1/customers/${subject}/assignment`, { staffId: null, storeCode: 'SH02', note: V.assignNote }));

  // Another customer, with records in the same modules: left exactly as they were.
  other = (await ok(post('/api/v1/customers', { phone: '13800000001', name: '赵敏', city: '北京', tags: ['vip'] }), 201)).id;
  await order('BJ01-OTHER-1', { phone: '13800000001' }, '457.00', { attributes: { deliveryNote: '赵敏的备注' } });
  await ok(post(`/api/v1/loyalty/members/${other}/adjustments`, { points: 50, reason: '赵敏补偿', idempotencyKey: 'other-adj-1' }), 201);
  await ok(post('/api/v1/service/tickets', { kind: 'complaint', subject: '赵敏的投诉', customerId: other }), 201);

  await t.kemai.events.drain();
  await t.kemai.messaging.dispatcher.dispatchAll(new Date(Date.now() + 120_000));
  const inv = await queryOne<{ id: string }>(db, sql`select id from surveys.invitations where customer_id = ${subject}`);
  const links = new SurveyLinks({ publicUrl: 'https://kemai.example', secret: t.kemai.config.messagingSecret });
  await ok(post(`/api/v1/public/surveys/${links.token(inv!.id)}`, { answers: { nps: 9, why: V.verbatim } }, {} as never), 201);
  await t.kemai.events.drain();
  await t.kemai.messaging.dispatcher.dispatchAll(new Date(Date.now() + 120_000));
  await t.kemai.events.drain();
}, 120_000);
afterAll(async () => t?.close());

describe('POST /api/v1/customers/:id/erase', () => {
  let before: Json;
  let otherBefore: Json;
  let result: Json;
  let pending: string;

  it('the seed put the values everywhere the scan looks', async () => {
    const found = await scan(Object.values(V));
    const tables = new Set(found.map((f) => f.split('.').slice(0, 2).join('.')));
    for (const table of [
      'customers.customers',
      'customers.identifiers',
      'customers.merges',
      'orders.orders',
      'orders.returns',
      'activity.events',
      'loyalty.ledger_entries',
      'service.tickets',
      'service.ticket_events',
      'messaging.messages',
      'surveys.responses',
      'listening.mentions',
      'staff.assignments',
      'messaging.guide_tasks',
    ])
      expect([...tables], table).toContain(table);
    before = { ...(await sums()), liability: await liability() };
    expect(before.subject_orders).toBe('91400/85700/2');
    otherBefore = await exportOf(other);
  });

  it('needs privacy:admin and a reason of 1 to 500 characters; a bad request changes nothing', async () => {
    const reader = await t.keyWith(['customers:read', 'customers:write', 'pii:read']);
    const denied = await post(`/api/v1/customers/${subject}/erase`, { reason: 'DSR-1' }, reader);
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error).toMatchObject({ code: 'auth.missing_scope', details: { scope: 'privacy:admin' } });
    for (const [body, path] of [
      [{}, 'reason'],
      [{ reason: '  ' }, 'reason'],
      [{ reason: 'x'.repeat(501) }, 'reason'],
    ] as const) {
      const bad = await post(`/api/v1/customers/${subject}/erase`, body);
      expect(bad.statusCode, bad.body).toBe(400);
      expect(bad.json().error.details.issues.map((i: Json) => i.path)).toEqual([path]);
    }
    expect(await queryOne(db, sql`select status, name from customers.customers where id = ${subject}`)).toEqual({ status: 'active', name: V.name });
  });

  it('answers 404 for an unknown id and names the survivor for a merged-away id', async () => {
    const unknown = await post('/api/v1/customers/00000000-0000-4000-8000-000000000000/erase', { reason: 'DSR-1' });
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([404, 'customers.not_found']);
    expect((await post('/api/v1/customers/not-a-uuid/erase', { reason: 'DSR-1' })).statusCode).toBe(404);
    const merged = await post(`/api/v1/customers/${absorbed}/erase`, { reason: 'DSR-1' });
    expect(merged.statusCode).toBe(404);
    expect(merged.json().error).toMatchObject({ code: 'customers.merged', details: { mergedInto: subject } });
    expect(merged.json().error.message).toBe(`Customer ${absorbed} was merged into ${subject}; erase ${subject}`);
  });

  it('erases: the answer counts what each module scrubbed', async () => {
    // An event still waiting for delivery, about the subject and (a batch) another customer.
    pending = await publish(db, 'test.erasure.pending', { entries: [{ customerId: subject, phone: V.phone, name: V.name }, { customerId: other, name: '赵敏' }] });
    result = await ok(post(`/api/v1/customers/${subject}/erase`, { reason: 'DSR-2026-001' }), 200);
    expect(result.customerId).toBe(subject);
    expect(Date.now() - Date.parse(result.erasedAt)).toBeLessThan(60_000);
    expect(Object.keys(result.scrubbed)).toEqual([
      'customers',
      'orders',
      'activity',
      'loyalty',
      'promotions',
      'messaging',
      'surveys',
      'service',
      'listening',
      'staff',
      'insights',
      'journeys',
      'segments',
      'events',
    ]);
    expect(result.scrubbed.customers).toEqual({ profiles: 2, identifiers: 7, merges: 1, duplicates: 0, timeline: 0 });
    expect(result.scrubbed.orders).toEqual({ orders: 2, versions: 0, returns: 1 });
    expect(result.scrubbed.activity).toEqual({ events: 1 });
    expect(result.scrubbed.service).toMatchObject({ tickets: 1 });
    expect(result.scrubbed.surveys).toEqual({ responses: 1 });
    expect(result.scrubbed.listening.mentions).toBe(2);
    expect(result.scrubbed.staff).toEqual({ assignments: 2 });
    // The welcome message, the guide's callback task and the survey's invitation.
    expect(result.scrubbed.messaging).toEqual({ deliveryEvents: 3, messages: 3, guideTasks: 1 });
    expect(result.scrubbed.loyalty).toEqual({ account: 2, ledger: 1, growth: 0, tierChanges: 0, referrals: 0 });
    expect(result.scrubbed.events.outbox).toBeGreaterThan(10);
  });

  it('leaves none of the values in any text, json or array column of any table', async () => {
    expect(await scan(Object.values(V))).toEqual([]);
    // Dates are personal too: the birthday is gone from both profiles.
    expect(await query(db, sql`select id, status, birthday, gender, tags, attributes from customers.customers where id in (${subject}, ${absorbed}) order by status`)).toEqual([
      { id: subject, status: 'erased', birthday: null, gender: null, tags: [], attributes: {} },
      { id: absorbed, status: 'merged', birthday: null, gender: null, tags: [], attributes: {} },
    ]);
  });

  it('an event waiting for delivery keeps going, without the values; delivered ones about the person are emptied', async () => {
    // (Delivered to its subscribers since, with the values replaced.)
    const row = await queryOne<{ payload: Json }>(db, sql`select payload from platform.outbox where id = ${pending}`);
    expect(row).toEqual({ payload: { entries: [{ customerId: subject, phone: '[erased]', name: '[erased]' }, { customerId: other, name: '赵敏' }] } });
    const merged = await query<{ payload: Json }>(db, sql`select payload from platform.outbox where name = 'customers.customer.merged'`);
    expect(merged).toEqual([{ payload: { erased: true } }]);
  });

  it('keeps orders, returns and points: every sum as before, the records still under the erased id', async () => {
    expect({ ...(await sums()), liability: await liability() }).toEqual(before);
  });

  it("leaves another customer's records exactly as they were", async () => {
    expect(await exportOf(other)).toEqual(otherBefore);
  });

  it('writes one customers.erase audit entry with row counts only; the reason stays on the timeline', async () => {
    const [entry] = (await listAudit(db, { action: 'customers.erase', limit: 5 })).items;
    expect(entry).toMatchObject({ action: 'customers.erase', targetType: 'customer', targetId: subject, details: { scrubbed: result.scrubbed } });
    expect(JSON.stringify(entry!.details)).not.toContain('DSR-2026-001');
    const items = await query<{ kind: string; summary: Json }>(db, sql`select kind, summary from customers.timeline_items where customer_id = ${subject} and kind = 'customers.erased'`);
    expect(items).toEqual([{ kind: 'customers.erased', summary: { actor: entry!.actor, reason: 'DSR-2026-001' } }]);
  });

  it('answers 409 when the customer is already erased', async () => {
    const again = await post(`/api/v1/customers/${subject}/erase`, { reason: 'DSR-2026-001' });
    expect([again.statusCode, again.json().error.code]).toEqual([409, 'customers.already_erased']);
    const [merge] = await query<{ id: string }>(db, sql`select id from customers.merges where survivor_id = ${subject}`);
    const unmerge = await post(`/api/v1/customers/${subject}/unmerge`, { mergeId: merge!.id });
    expect([unmerge.statusCode, unmerge.json().error.code]).toEqual([409, 'customers.erased']);
    // The tombstone still answers (its orders and points are there), with nothing personal in it.
    const view = await get(`/api/v1/customers/${subject}`);
    expect(view.statusCode, view.body).toBe(200);
    for (const value of [V.name, V.phone, V.email, V.address]) expect(view.body).not.toContain(value);
  });

  it('later data with the same phone or device makes a new profile: nothing ties it back', async () => {
    const order = await ok(
      post('/api/v1/orders', {
        channel: 'pos',
        externalId: 'SH01-AFTER-1',
        storeCode: 'SH01',
        placedAt: '2026-01-01T10:00:00+08:00',
        customer: { phone: V.phone, email: V.email, deviceId: V.deviceId },
        lines: [{ sku: 'A100', quantity: 1, unitPrice: '199.00' }],
        paidAmount: '199.00',
        currency: 'CNY',
      }),
    );
    const placed = await queryOne<{ customer_id: string }>(db, sql`select customer_id from orders.orders where id = ${order.id}`);
    expect(placed!.customer_id).not.toBe(subject);
    expect(placed!.customer_id).not.toBe(absorbed);
    const fresh = await query<{ type: string; value: string }>(db, sql`select type, value from customers.identifiers where customer_id = ${placed!.customer_id} order by type`);
    expect(fresh).toEqual([
      { type: 'device_id', value: V.deviceId },
      { type: 'email', value: V.email },
      { type: 'phone', value: `+86${V.phone}` },
    ]);
    expect(await query(db, sql`select count(*)::int as n from customers.identifiers where customer_id in (${subject}, ${absorbed})`)).toEqual([{ n: 0 }]);
    // A record naming the erased id itself is refused.
    const byId = await post('/api/v1/events', { type: 'view', occurredAt: '2026-01-02T10:00:00+08:00', customer: { id: subject } });
    expect(byId.statusCode).toBe(400);
  });

  it('rolls everything back when one participant fails', async () => {
    let fail = true;
    t.kemai.customers.registerErasureParticipant({
      name: 'failing-test-participant',
      async erase() {
        if (fail) throw new Error('participant failed on purpose');
        return {};
      },
    });
    try {
      const audits = (await listAudit(db, { action: 'customers.erase', limit: 100 })).items.length;
      const exportBefore = await exportOf(other);
      const res = await post(`/api/v1/customers/${other}/erase`, { reason: 'DSR-2026-002' });
      expect(res.statusCode).toBe(500);
      expect(await queryOne(db, sql`select status, name from customers.customers where id = ${other}`)).toEqual({ status: 'active', name: '赵敏' });
      expect(await exportOf(other)).toEqual(exportBefore);
      expect((await listAudit(db, { action: 'customers.erase', limit: 100 })).items.length).toBe(audits);
      expect(await scan(['赵敏', '13800000001', '赵敏的备注', '赵敏补偿', '赵敏的投诉'])).not.toEqual([]);
    } finally {
      fail = false;
    }
    const erased = await ok(post(`/api/v1/customers/${other}/erase`, { reason: 'DSR-2026-002' }), 200);
    expect(erased.scrubbed['failing-test-participant']).toEqual({});
    expect(await scan(['赵敏', '13800000001', '赵敏的备注', '赵敏补偿', '赵敏的投诉'])).toEqual([]);
  });
});
