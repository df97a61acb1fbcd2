import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { query } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import { unsubscribeToken } from './domain/unsubscribe-token.js';
import { isStopKeyword } from './opt-out.js';
import { Preparer } from './prepare.js';
import { VariableRegistry } from './variables.js';
import type { QueuedMessage } from './messaging.contract.js';

describe('opt-out: unsubscribe links and SMS stop keywords', () => {
  let t: TestApp;
  const customerId = newId();
  const other = newId();
  const messageId = newId();
  const consents = (id: string) =>
    query<{ channel: string; purpose: string; status: string; source: string }>(
      t.kemai.database.db,
      sql`select channel, purpose, status, source from customers.consents where customer_id = ${id} order by recorded_at, id`,
    );

  beforeAll(async () => {
    t = await createTestApp();
    const db = t.kemai.database.db;
    await query(db, sql`insert into customers.customers (id, name) values (${customerId}, '王芳'), (${other}, '李雷')`);
    await query(db, sql`insert into customers.identifiers (customer_id, type, value, source) values (${customerId}, 'phone', '+8613800138000', 'test'), (${customerId}, 'email', 'wang.fang@example.com', 'test'), (${other}, 'phone', '+8613900139000', 'test')`);
    await query(db, sql`insert into customers.consents (customer_id, id, channel, purpose, status, source, recorded_at)
      values (${customerId}, ${newId()}, 'all', 'marketing', 'granted', 'pos', '2026-01-01T00:00:00Z')`);
    await query(db, sql`insert into messaging.messages (id, customer_id, channel, purpose, locale, dedupe_key, status, source_kind, send_after, sent_at)
      values (${messageId}, ${customerId}, 'email', 'marketing', 'zh-CN', 'u1', 'sent', 'api', now(), now())`);
  });
  afterAll(async () => t.close());

  it('recognises stop keywords', () => {
    expect(['TD', 'td', ' T ', '退订', 'stop!', 'Unsubscribe。'].map(isStopKeyword)).toEqual([true, true, true, true, true, true]);
    expect(['TDX', 'stop it', '好的', ''].map(isStopKeyword)).toEqual([false, false, false, false]);
  });

  it('a forged or altered token answers 400 and changes nothing', async () => {
    const good = unsubscribeToken(messageId, 'email', t.kemai.config.messagingSecret);
    const sig = good.split('.')[2]!;
    const forged = [
      unsubscribeToken(messageId, 'email', 'some-other-secret-of-ours'),
      `${messageId}.email.${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`,
      `${messageId}.sms.${sig}`,
      `${newId()}.email.${sig}`,
      'nonsense',
    ];
    for (const token of forged) {
      const page = await t.app.inject({ method: 'GET', url: `/api/v1/messaging/unsubscribe?token=${encodeURIComponent(token)}` });
      expect(page.statusCode).toBe(400);
      expect(page.body).toContain('链接无效');
      const post = await t.app.inject({ method: 'POST', url: '/api/v1/messaging/unsubscribe', payload: { token } });
      expect(post.statusCode).toBe(400);
      expect(post.json().error.details.issues).toEqual([{ path: 'token', message: 'not a valid unsubscribe token' }]);
    }
    expect(await consents(customerId)).toEqual([{ channel: 'all', purpose: 'marketing', status: 'granted', source: 'pos' }]);
  });

  it('the page asks (zh-CN / en) without credentials; POST withdraws the channel’s marketing consent once', async () => {
    const token = unsubscribeToken(messageId, 'email', t.kemai.config.messagingSecret);
    const zh = await t.app.inject({ method: 'GET', url: `/api/v1/messaging/unsubscribe?token=${token}` });
    expect(zh.statusCode).toBe(200);
    expect(zh.headers['content-type']).toContain('text/html');
    expect(zh.body).toContain('不再接收我们的营销邮件？');
    expect(zh.body).toContain('<form method="post"');
    const en = await t.app.inject({ method: 'GET', url: `/api/v1/messaging/unsubscribe?token=${token}`, headers: { 'accept-language': 'en-GB,en;q=0.9' } });
    expect(en.body).toContain('Stop receiving marketing emails from us?');

    const done = await t.app.inject({ method: 'POST', url: `/api/v1/messaging/unsubscribe?token=${token}&lang=zh-CN`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '' });
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('您将不再收到我们的营销邮件。');
    expect(await consents(customerId)).toEqual([
      { channel: 'all', purpose: 'marketing', status: 'granted', source: 'pos' },
      { channel: 'email', purpose: 'marketing', status: 'withdrawn', source: 'unsubscribe' },
    ]);
    const again = await t.app.inject({ method: 'POST', url: '/api/v1/messaging/unsubscribe', payload: { token } });
    expect(again.json()).toEqual({ channel: 'email', purpose: 'marketing', status: 'withdrawn', recorded: false });
    expect(await consents(customerId)).toHaveLength(2);
    expect((await t.app.inject({ method: 'GET', url: `/api/v1/messaging/unsubscribe?token=${token}` })).body).toContain('已退订');

    // The send-time checks honour it: marketing email blocked (opted_out), SMS still covered by the 'all' grant.
    const c = t.kemai.config;
    const preparer = new Preparer({ timeZone: c.timeZone, brand: c.brandName, publicUrl: c.publicUrl, secret: c.messagingSecret, variables: new VariableRegistry() });
    const templateId = newId();
    await query(t.kemai.database.db, sql`insert into messaging.templates (id, code, name, contents, created_by)
      values (${templateId}, 'oo', 'OO', '{"sms":{"zh-CN":{"body":"hi"}},"email":{"zh-CN":{"subject":"s","body":"hi"}}}', 'test')`);
    const at = new Date();
    const m = (channel: QueuedMessage['channel']): QueuedMessage => ({
      id: newId(), customerId, channel, purpose: 'marketing', templateId, locale: 'zh-CN', variables: {}, sendAfter: at, expiresAt: null, attempts: 1,
    });
    const decisions = await preparer.prepare(t.kemai.database.db, [m('email'), m('sms')], new Date(Date.now()), new Set(['sms', 'email']));
    expect(decisions[0]).toEqual({ id: decisions[0]!.id, action: 'block', reason: 'opted_out', channel: 'email' });
    // (now is the real clock, as the withdrawal's: SMS goes, waits for the end of quiet hours, or — in the day, after
    // the message this test sent earlier — meets the daily cap; never the opt-out)
    expect([['send', undefined], ['defer', 'quiet_hours'], ['defer', 'usual_hour'], ['block', 'frequency_cap']].map(String), JSON.stringify(decisions[1])).toContain(
      String([decisions[1]!.action, (decisions[1] as { reason?: string }).reason]),
    );
  });

  it('an inbound TD withdraws the sender’s SMS marketing consent; other text and unknown senders change nothing', async () => {
    const writer = await t.keyWith(['messaging:write']);
    const reader = await t.keyWith(['messaging:read']);
    const post = (payload: unknown, headers = writer) => t.app.inject({ method: 'POST', url: '/api/v1/messaging/inbound', payload: payload as never, headers });
    expect((await post({ channel: 'sms', from: '13900139000', text: 'TD' }, reader)).statusCode).toBe(403);
    expect((await post({ channel: 'sms', from: '13900139000', text: '谢谢' })).json()).toEqual({ action: 'ignored', reason: 'not_a_stop_keyword' });
    expect((await post({ channel: 'sms', from: '13700137000', text: 'TD' })).json()).toEqual({ action: 'ignored', reason: 'unknown_sender' });
    const bad = await post({ channel: 'sms', from: 'abc', text: 'TD' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.issues).toEqual([{ path: 'from', message: 'not a phone number' }]);
    expect(await consents(other)).toEqual([]);
    expect((await post({ channel: 'sms', from: '+86 139 0013 9000', text: ' td ' })).json()).toEqual({ action: 'opted_out', customerId: other });
    expect(await consents(other)).toEqual([{ channel: 'sms', purpose: 'marketing', status: 'withdrawn', source: 'sms_reply' }]);
  });
});
