import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { query } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';

describe('the message log over HTTP', () => {
  let t: TestApp;
  let reader: { authorization: string };
  const customer = newId();
  const absorbed = newId();
  const stranger = newId();
  const template = newId();
  // Five messages of the customer, one of the profile merged into them, one of someone else; created a minute apart.
  const ids = Array.from({ length: 7 }, () => newId());
  const get = (url: string, headers: Record<string, string> = t.admin) => t.app.inject({ method: 'GET', url, headers });

  beforeAll(async () => {
    t = await createTestApp({}, { loyalty: false });
    reader = await t.keyWith(['messaging:read', 'customers:read']);
    const db = t.kemai.database.db;
    await query(db, sql`insert into customers.customers (id, name) values (${customer}, '王芳'), (${absorbed}, '王芳'), (${stranger}, '李雷')`);
    await query(db, sql`update customers.customers set status = 'merged', merged_into = ${customer} where id = ${absorbed}`);
    await query(db, sql`insert into messaging.templates (id, code, name, contents, created_by) values (${template}, 'spring', '春季上新', '{"sms":{"zh-CN":{"body":"x"}}}', 'test')`);
    const rows = [
      [ids[0], customer, 'sms', 'delivered', 'journey', '2026-03-01T01:00:00Z', '2026-03-01T01:00:05Z', '2026-03-01T01:00:09Z'],
      [ids[1], customer, 'email', 'sent', 'api', '2026-03-01T01:01:00Z', '2026-03-01T01:01:05Z', null],
      [ids[2], customer, 'sms', 'blocked', 'journey', '2026-03-01T01:02:00Z', null, null],
      [ids[3], customer, 'wechat', 'queued', 'campaign', '2026-03-01T01:03:00Z', null, null],
      [ids[4], customer, 'sms', 'failed', 'api', '2026-03-01T01:04:00Z', null, null],
      [ids[5], absorbed, 'sms', 'sent', 'api', '2026-03-01T01:05:00Z', '2026-03-01T01:05:05Z', null],
      [ids[6], stranger, 'sms', 'sent', 'api', '2026-03-01T01:06:00Z', '2026-03-01T01:06:05Z', null],
    ].map(([id, customer_id, channel, status, source_kind, created_at, sent_at, delivered_at]) => ({ id, customer_id, channel, status, source_kind, created_at, sent_at, delivered_at }));
    await query(db, sql`insert into messaging.messages (id, customer_id, channel, purpose, template_id, locale, dedupe_key, status, reason, source_kind, send_after,
        sent_at, delivered_at, subject, body, to_masked, variables, created_at, updated_at)
      select x.id, x.customer_id, x.channel, 'marketing', ${template}::uuid, 'zh-CN', x.id::text, x.status, case when x.status = 'blocked' then 'no_consent' end,
        x.source_kind, x.created_at, x.sent_at, x.delivered_at, null, case when x.sent_at is not null then '王芳，春季上新' end,
        case when x.sent_at is not null then '138****8000' end, '{"coupon":"AB12"}', x.created_at, x.created_at
      from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(id uuid, customer_id uuid, channel text, status text, source_kind text, created_at timestamptz, sent_at timestamptz, delivered_at timestamptz)`);
    await query(db, sql`insert into messaging.delivery_events (customer_id, message_id, id, status, detail, occurred_at) values
      (${customer}, ${ids[0]}, ${newId()}, 'sent', '{"providerMessageId":"p1"}', '2026-03-01T01:00:05Z'),
      (${customer}, ${ids[0]}, ${newId()}, 'delivered', '{}', '2026-03-01T01:00:09Z')`);
  });
  afterAll(async () => t.close());

  it('pages newest first with a keyset cursor and filters', async () => {
    const p1 = (await get('/api/v1/messaging/messages?limit=3')).json();
    expect(p1.items.map((m: { id: string }) => m.id)).toEqual([ids[6], ids[5], ids[4]]);
    const p2 = (await get(`/api/v1/messaging/messages?limit=3&cursor=${p1.nextCursor}`)).json();
    expect(p2.items.map((m: { id: string }) => m.id)).toEqual([ids[3], ids[2], ids[1]]);
    const p3 = (await get(`/api/v1/messaging/messages?limit=3&cursor=${p2.nextCursor}`)).json();
    expect([p3.items.map((m: { id: string }) => m.id), p3.nextCursor]).toEqual([[ids[0]], null]);
    const filtered = (await get(`/api/v1/messaging/messages?customerId=${customer}&channel=sms&status=blocked`)).json();
    expect(filtered.items.map((m: { id: string; reason: string }) => [m.id, m.reason])).toEqual([[ids[2], 'no_consent']]);
    expect((await get('/api/v1/messaging/messages?sourceKind=journey')).json().items.map((m: { id: string }) => m.id)).toEqual([ids[2], ids[0]]);
    // Local times in the business zone: 09:01–09:03 Shanghai.
    expect((await get('/api/v1/messaging/messages?from=2026-03-01T09:01&to=2026-03-01T09:03')).json().items.map((m: { id: string }) => m.id)).toEqual([ids[2], ids[1]]);
    const bad = await get('/api/v1/messaging/messages?cursor=nonsense');
    expect([bad.statusCode, bad.json().error.details.issues[0].path]).toEqual([400, 'cursor']);
    expect((await get('/api/v1/messaging/messages?from=yesterday')).json().error.details.issues[0].path).toBe('from');
  });

  it('shows the address masked always and the text only with pii:read; one message with its delivery events', async () => {
    const full = (await get(`/api/v1/messaging/messages/${ids[0]}`)).json();
    expect(full).toMatchObject({ id: ids[0], status: 'delivered', toMasked: '138****8000', body: '王芳，春季上新', templateCode: 'spring', templateName: '春季上新', customerName: '王芳' });
    expect(full.events.map((e: { status: string; detail: unknown }) => [e.status, e.detail])).toEqual([
      ['sent', { providerMessageId: 'p1' }],
      ['delivered', {}],
    ]);
    const masked = (await get(`/api/v1/messaging/messages/${ids[0]}`, reader)).json();
    expect(masked).toMatchObject({ toMasked: '138****8000', body: null, subject: null, customerName: '王*', variables: { coupon: '***' }, contentHidden: true });
    expect((await get(`/api/v1/messaging/messages/${newId()}`)).statusCode).toBe(404);
  });

  it('a customer’s messages include those of profiles merged into them; sent ones are on the 360 timeline', async () => {
    const mine = (await get(`/api/v1/customers/${customer}/messages`, reader)).json();
    expect(mine.items.map((m: { id: string }) => m.id)).toEqual([ids[5], ids[4], ids[3], ids[2], ids[1], ids[0]]);
    expect((await get(`/api/v1/customers/${newId()}/messages`)).statusCode).toBe(404);
    const timeline = (await get(`/api/v1/customers/${customer}/timeline?limit=10`)).json();
    const items = timeline.items.filter((i: { itemKind: string }) => i.itemKind === 'messaging.message_sent');
    expect(items.map((i: { refId: string; at: string; summary: Record<string, unknown> }) => [i.refId, i.at, i.summary.channel, i.summary.status, i.summary.template, i.summary.to])).toEqual([
      [ids[5], '2026-03-01T01:05:05.000Z', 'sms', 'sent', 'spring', '138****8000'],
      [ids[1], '2026-03-01T01:01:05.000Z', 'email', 'sent', 'spring', '138****8000'],
      [ids[0], '2026-03-01T01:00:05.000Z', 'sms', 'delivered', 'spring', '138****8000'],
    ]);
  });
});
