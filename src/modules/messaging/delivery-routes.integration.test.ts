import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { query, type Db } from '../../platform/db/database.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import { seedCustomers, seedTemplate } from '../../../tests/support/messaging-delivery.js';

const SECRET = 'gateway-secret-42';
const signed = (body: unknown, secret = SECRET, ts = Math.floor(Date.now() / 1000)) => {
  const raw = JSON.stringify(body);
  return {
    payload: raw,
    headers: {
      'content-type': 'application/json',
      'x-kemai-timestamp': String(ts),
      'x-kemai-signature': crypto.createHmac('sha256', secret).update(`${ts}.${raw}`).digest('hex'),
    },
  };
};

describe('messaging delivery routes', () => {
  let t: TestApp;
  let db: Db;
  let customers: string[];

  beforeAll(async () => {
    t = await createTestApp({}, { loyalty: false });
    db = t.kemai.database.db;
    customers = await seedCustomers(db, 3);
    await seedTemplate(db, 'thanks', { sms: { 'zh-CN': { body: '谢谢 {{name}}' } }, email: { 'zh-CN': { subject: 's', body: 'b' } } });
  });
  afterAll(async () => t.close());

  it('channels: defaults on with the log adapter (guide tasks as tasks); settings checked per adapter naming the field; secrets masked and kept', async () => {
    const list = await t.app.inject({ method: 'GET', url: '/api/v1/messaging/channels', headers: t.admin });
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((c: Record<string, unknown>) => [c.channel, c.enabled, c.adapter])).toEqual([
      ['sms', true, 'log'],
      ['email', true, 'log'],
      ['wechat', true, 'log'],
      ['app_push', true, 'log'],
      ['guide_task', true, 'guide_task'],
    ]);

    const bad = await t.app.inject({ method: 'PUT', url: '/api/v1/messaging/channels/email', headers: t.admin, payload: { enabled: true, adapter: 'smtp', config: { port: 25, from: 'a@b.example' } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.issues.map((i: { path: string }) => i.path)).toEqual(['config.host']);
    const wrong = await t.app.inject({ method: 'PUT', url: '/api/v1/messaging/channels/sms', headers: t.admin, payload: { enabled: true, adapter: 'smtp', config: {} } });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.details.issues[0].path).toBe('adapter');

    const writer = await t.keyWith(['messaging:read', 'messaging:write']);
    const put = { enabled: true, adapter: 'webhook', config: { url: 'http://127.0.0.1:9/send', secret: SECRET }, ratePerSecond: 50 };
    expect((await t.app.inject({ method: 'PUT', url: '/api/v1/messaging/channels/sms', headers: writer, payload: put })).statusCode).toBe(403);
    const ok = await t.app.inject({ method: 'PUT', url: '/api/v1/messaging/channels/sms', headers: t.admin, payload: put });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ channel: 'sms', adapter: 'webhook', ratePerSecond: 50, config: { url: 'http://127.0.0.1:9/send', secret: '••••', batchSize: 100, timeoutMs: 10000 } });
    expect(JSON.stringify((await t.app.inject({ method: 'GET', url: '/api/v1/messaging/channels', headers: writer })).json())).not.toContain(SECRET);
    // The console sends the mask back: the stored secret stays.
    await t.app.inject({ method: 'PUT', url: '/api/v1/messaging/channels/sms', headers: t.admin, payload: { ...put, config: { ...put.config, secret: '••••' } } });
    const [stored] = await query<{ config: Record<string, unknown> }>(db, sql`select config from messaging.channels where channel = 'sms'`);
    expect(stored!.config.secret).toBe(SECRET);
  });

  it('test send through the channel’s adapter', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/api/v1/messaging/channels/email/test', headers: t.admin, payload: { to: 'ops@brand.example' } });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ status: 'sent', adapter: 'log' });
  });

  it('POST /messaging/messages queues one message (202), a replay answers it, cancel works once', async () => {
    const body = { customerId: customers[0], template: 'thanks', channel: 'sms', variables: { name: '王芳' }, dedupeKey: 'api-1' };
    const first = await t.app.inject({ method: 'POST', url: '/api/v1/messaging/messages', headers: t.admin, payload: body });
    expect(first.statusCode).toBe(202);
    expect(first.json()).toMatchObject({ duplicate: false, message: { customerId: customers[0], channel: 'sms', status: 'queued', dedupeKey: 'api-1', variables: { name: '王芳' }, sourceKind: 'api' } });
    const again = await t.app.inject({ method: 'POST', url: '/api/v1/messaging/messages', headers: t.admin, payload: body });
    expect(again.json()).toMatchObject({ duplicate: true, message: { id: first.json().message.id } });
    const noKey = await t.app.inject({ method: 'POST', url: '/api/v1/messaging/messages', headers: t.admin, payload: { customerId: customers[1], template: 'thanks' } });
    expect(noKey.json().message.dedupeKey).toMatch(/^api:/);
    const unknown = await t.app.inject({ method: 'POST', url: '/api/v1/messaging/messages', headers: t.admin, payload: { customerId: customers[1], template: 'nope' } });
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([404, 'messaging.template_not_found']);
    const reader = await t.keyWith(['messaging:read']);
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/messaging/messages', headers: reader, payload: body })).statusCode).toBe(403);

    const id = first.json().message.id;
    const cancel = await t.app.inject({ method: 'POST', url: `/api/v1/messaging/messages/${id}/cancel`, headers: t.admin });
    expect([cancel.statusCode, cancel.json().status]).toEqual([200, 'cancelled']);
    const twice = await t.app.inject({ method: 'POST', url: `/api/v1/messaging/messages/${id}/cancel`, headers: t.admin });
    expect([twice.statusCode, twice.json().error.code]).toEqual([409, 'messaging.not_queued']);
  });

  it('receipts: signed ones mark delivered / failed with events, a replay changes nothing, a forged or stale signature is 401 and changes nothing', async () => {
    const send = async (key: string, customerId = customers[2]) =>
      (await t.app.inject({ method: 'POST', url: '/api/v1/messaging/messages', headers: t.admin, payload: { customerId, template: 'thanks', channel: 'sms', dedupeKey: key } })).json().message.id as string;
    const a = await send('r-1');
    const b = await send('r-2', customers[1]);
    const c = await send('r-3');
    await query(db, sql`update messaging.messages set status = 'sent', sent_at = now(), provider_message_id = 'gw-' || dedupe_key where id in (${a}::uuid, ${b}::uuid, ${c}::uuid)`);
    const body = {
      receipts: [
        { id: a, status: 'delivered', at: '2026-03-02T10:00:05+08:00' },
        { providerMessageId: 'gw-r-2', status: 'bounced', at: '2026-03-02T10:00:06+08:00', error: 'mailbox full' },
        { id: a, status: 'opened', at: '2026-03-02T10:03:00+08:00' },
        { providerMessageId: 'gw-nope', status: 'delivered', at: '2026-03-02T10:00:06+08:00' },
      ],
    };
    const snapshot = async () => ({
      messages: await query(db, sql`select id, status, delivered_at, last_error from messaging.messages where id in (${a}::uuid, ${b}::uuid, ${c}::uuid) order by id`),
      events: await query(db, sql`select message_id, status, occurred_at from messaging.delivery_events where message_id in (${a}::uuid, ${b}::uuid, ${c}::uuid) order by message_id, occurred_at, status collate "C"`),
    });

    const before = await snapshot();
    const forged = await t.app.inject({ method: 'POST', url: '/api/v1/messaging/receipts/sms', ...signed(body, 'not-the-secret') });
    expect([forged.statusCode, forged.json().error.code]).toEqual([401, 'messaging.bad_signature']);
    const stale = await t.app.inject({ method: 'POST', url: '/api/v1/messaging/receipts/sms', ...signed(body, SECRET, Math.floor(Date.now() / 1000) - 3600) });
    expect(stale.statusCode).toBe(401);
    const s = signed(body);
    const tampered = await t.app.inject({ method: 'POST', url: '/api/v1/messaging/receipts/sms', headers: s.headers, payload: s.payload.replace('bounced', 'delivered') });
    expect(tampered.statusCode).toBe(401);
    expect(await snapshot()).toEqual(before);

    const ok = await t.app.inject({ method: 'POST', url: '/api/v1/messaging/receipts/sms', ...signed(body) });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ accepted: 3, unknown: [3] });
    const after = await snapshot();
    const byId = new Map((after.messages as Array<Record<string, unknown>>).map((m) => [m.id, m]));
    expect(byId.get(a)).toMatchObject({ status: 'delivered', last_error: null });
    expect(new Date(String(byId.get(a)!.delivered_at)).toISOString()).toBe('2026-03-02T02:00:05.000Z');
    expect(byId.get(b)).toMatchObject({ status: 'failed', delivered_at: null, last_error: 'mailbox full' });
    expect(byId.get(c)).toMatchObject({ status: 'sent' });
    expect((after.events as Array<{ status: string }>).map((e) => e.status).sort()).toEqual(['bounced', 'delivered', 'opened']);
    // A receipt's event carries its message's customer (found by Kemai's id or the provider's): its key on Citus (ADR 0014).
    const owners = await query<{ message_id: string; customer_id: string; n: number }>(
      db,
      sql`select message_id, customer_id, count(*)::int as n from messaging.delivery_events
          where message_id in (${a}::uuid, ${b}::uuid) and detail->>'source' = 'receipt' group by 1, 2 order by n`,
    );
    expect(owners).toEqual([
      { message_id: b, customer_id: customers[1], n: 1 },
      { message_id: a, customer_id: customers[2], n: 2 },
    ]);

    const replay = await t.app.inject({ method: 'POST', url: '/api/v1/messaging/receipts/sms', ...signed(body) });
    expect(replay.json()).toEqual({ accepted: 3, unknown: [3] });
    expect(await snapshot()).toEqual(after);
  });

  it('guide tasks: a store’s open tasks by due date in cursor pages; completing an open one once', async () => {
    const due = (d: number) => new Date(Date.UTC(2026, 2, d, 1)).toISOString();
    for (let i = 0; i < 5; i++)
      await query(db, sql`insert into messaging.guide_tasks (id, customer_id, store_code, title, due_at) values (gen_random_uuid(), ${customers[0]}::uuid, ${i < 4 ? 'S001' : 'S002'}, ${`task ${i}`}, ${due(10 - i)}::timestamptz)`);
    const page1 = (await t.app.inject({ method: 'GET', url: '/api/v1/messaging/guide-tasks?store=S001&status=open&limit=3', headers: t.admin })).json();
    expect(page1.items.map((x: { title: string }) => x.title)).toEqual(['task 3', 'task 2', 'task 1']);
    const page2 = (await t.app.inject({ method: 'GET', url: `/api/v1/messaging/guide-tasks?store=S001&status=open&limit=3&cursor=${page1.nextCursor}`, headers: t.admin })).json();
    expect(page2).toMatchObject({ items: [{ title: 'task 0' }], nextCursor: null });
    const bad = await t.app.inject({ method: 'GET', url: '/api/v1/messaging/guide-tasks?cursor=zzz', headers: t.admin });
    expect(bad.json().error.details.issues[0].path).toBe('cursor');

    const id = page1.items[0].id;
    const done = await t.app.inject({ method: 'POST', url: `/api/v1/messaging/guide-tasks/${id}/complete`, headers: t.admin, payload: { outcome: 'reached', note: '周六到店' } });
    expect(done.json()).toMatchObject({ status: 'done', outcome: 'reached', note: '周六到店', doneBy: expect.stringContaining(':') });
    const again = await t.app.inject({ method: 'POST', url: `/api/v1/messaging/guide-tasks/${id}/complete`, headers: t.admin, payload: { outcome: 'reached' } });
    expect([again.statusCode, again.json().error.code]).toEqual([409, 'guide_tasks.task_closed']);
  });
});
