import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { query, type Db } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import { startSink, type Sink } from '../../../tests/support/messaging-delivery.js';

/** The whole way as the server runs it: the API queues, the dispatcher runs the real send-time checks and the webhook adapter. */
describe('messaging end to end (API → send-time checks → webhook gateway)', () => {
  let t: TestApp;
  let db: Db;
  let sink: Sink;
  const granted = newId();
  const none = newId();

  beforeAll(async () => {
    t = await createTestApp({ KEMAI_TIMEZONE: 'Asia/Shanghai' }, { loyalty: false });
    db = t.kemai.database.db;
    sink = await startSink();
    await query(db, sql`insert into customers.customers (id, name) values (${granted}::uuid, '王芳'), (${none}::uuid, '李雷')`);
    await query(db, sql`insert into customers.identifiers (customer_id, type, value, source) values
      (${granted}::uuid, 'phone', '+8613800138000', 'test'), (${none}::uuid, 'phone', '+8613900139000', 'test')`);
    await query(db, sql`insert into customers.consents (customer_id, id, channel, purpose, status, source, recorded_at)
      values (${granted}::uuid, gen_random_uuid(), 'sms', 'marketing', 'granted', 'test', '2020-01-01T00:00:00Z')`);
    await query(db, sql`insert into messaging.templates (id, code, name, purpose, contents, created_by)
      values (${newId()}, 'spring', 'Spring', 'marketing', ${JSON.stringify({ sms: { 'zh-CN': { body: '{{name}}，春季上新' } } })}::jsonb, 'test')`);
    const put = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/messaging/channels/sms',
      headers: t.admin,
      payload: { enabled: true, adapter: 'webhook', config: { url: sink.url, secret: sink.secret } },
    });
    expect(put.statusCode).toBe(200);
  });
  afterAll(async () => {
    await sink.close();
    await t.close();
  });

  it('sends to the customer with consent (text rendered, address masked) and blocks the one without', async () => {
    const send = async (customerId: string) =>
      (await t.app.inject({ method: 'POST', url: '/api/v1/messaging/messages', headers: t.admin, payload: { customerId, template: 'spring', channel: 'sms' } })).json().message.id as string;
    const ok = await send(granted);
    const blocked = await send(none);
    // 11:00 in Shanghai tomorrow: outside quiet hours, after both were queued.
    const day = new Date(Date.now() + 86_400_000);
    const now = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), 3));
    const totals = await t.kemai.messaging.dispatcher.dispatchAll(now);
    expect(totals).toMatchObject({ claimed: 2, sent: 1, blocked: 1 });
    expect([...sink.accepted]).toEqual([ok]);
    const rows = await query<Record<string, unknown>>(db, sql`select id, status, reason, body, to_masked from messaging.messages where id in (${ok}::uuid, ${blocked}::uuid)`);
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(ok)).toMatchObject({ status: 'sent', body: expect.stringContaining('王芳，春季上新'), to_masked: '138****8000' });
    expect(byId.get(blocked)).toMatchObject({ status: 'blocked', reason: 'no_consent' });
  });
});
