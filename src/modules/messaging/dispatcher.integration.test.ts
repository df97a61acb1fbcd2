import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { SMTPServer } from 'smtp-server';
import { query, type Db } from '../../platform/db/database.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import { AddressPreparer, seedCustomers, seedTemplate, startSink, type Sink } from '../../../tests/support/messaging-delivery.js';
import { createAdapters } from './adapters/index.js';
import { ChannelsService } from './channels.service.js';
import { Dispatcher } from './dispatcher.js';
import { MessagingService } from './messaging.service.js';

const T0 = new Date('2026-03-02T02:00:00Z');
const MIN = 60_000;

describe('Dispatcher', () => {
  let t: TestApp;
  let db: Db;
  let now = T0;
  const clock = { now: () => now };
  let messaging: MessagingService;
  let channels: ChannelsService;
  let dispatcher: Dispatcher;
  let customers: string[];
  let seq = 0;

  const plan = async (channel: string, to: string, extra: Record<string, unknown> = {}) => {
    const key = `k${++seq}`;
    await messaging.plan(db, {
      template: 'hello',
      channel: channel as 'sms',
      sendAt: 'now',
      source: { kind: 'api' },
      recipients: [{ customerId: customers[seq % customers.length]!, dedupeKey: key, variables: { _to: to, name: `N${seq}`, ...extra } }],
    });
    return (await query<{ id: string }>(db, sql`select id from messaging.messages where dedupe_key = ${key}`))[0]!.id;
  };
  const row = async (id: string) => (await query<Record<string, unknown>>(db, sql`select * from messaging.messages where id = ${id}::uuid`))[0]!;
  const events = async (id: string) =>
    (await query<{ status: string; detail: Record<string, unknown> }>(db, sql`select status, detail from messaging.delivery_events where message_id = ${id}::uuid order by occurred_at, id`)).map((e) => e.status);

  beforeAll(async () => {
    t = await createTestApp({}, { loyalty: false });
    db = t.kemai.database.db;
    messaging = new MessagingService(db, { clock });
    const adapters = createAdapters({ clock });
    channels = new ChannelsService(db, adapters, { clock });
    dispatcher = new Dispatcher(db, { preparer: new AddressPreparer(), channels, adapters, clock }, { leaseMs: 5 * MIN });
    customers = await seedCustomers(db, 5);
    await seedTemplate(
      db,
      'hello',
      {
        email: { 'zh-CN': { subject: '你好 {{name}}', body: '亲爱的 {{name}}：\n欢迎回来。' } },
        sms: { 'zh-CN': { body: '【客脉】{{name}} 欢迎回来' } },
        app_push: { 'zh-CN': { body: 'push {{name}}' } },
        wechat: { 'zh-CN': { body: '微信 {{name}}' } },
        guide_task: { 'zh-CN': { subject: '回访 {{name}}', body: '请致电 {{name}}' } },
      },
      { wechat: 'TPL-1' },
    );
  });
  afterAll(async () => {
    await dispatcher.stop();
    await t.close();
  });
  beforeEach(() => {
    now = T0;
  });

  it('sends email through SMTP: a local server receives subject, text and Message-ID <id@kemai>', async () => {
    const mails: string[] = [];
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, _session, done) {
        let data = '';
        stream.on('data', (c: Buffer) => (data += c.toString('utf8')));
        stream.on('end', () => {
          mails.push(data);
          done();
        });
      },
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.server.address() as AddressInfo).port;
    try {
      await channels.update('email', { enabled: true, adapter: 'smtp', config: { host: '127.0.0.1', port, from: 'Kemai <care@brand.example>', ignoreTLS: true } }, 'test');
      const id = await plan('email', 'wang.fang@example.com');
      const r = await dispatcher.dispatchOnce(now);
      expect(r).toMatchObject({ claimed: 1, sent: 1, retried: 0, failed: 0 });
      expect(mails).toHaveLength(1);
      const mail = mails[0]!;
      expect(mail).toContain(`Message-ID: <${id}@kemai>`);
      expect(mail).toMatch(/^Subject: =\?UTF-8\?/m); // 你好 N… encoded
      expect(mail).toContain('To: wang.fang@example.com');
      expect(mail).toContain('Content-Type: text/plain');
      expect(mail).toContain('Content-Type: text/html');
      const m = await row(id);
      expect([m.status, m.channel, m.subject, m.body, m.to_masked, m.provider_message_id, m.attempts]).toEqual(['sent', 'email', `你好 N${seq}`, `亲爱的 N${seq}：\n欢迎回来。`, 'w***', `<${id}@kemai>`, 1]);
      expect(new Date(String(m.sent_at)).toISOString()).toBe(T0.toISOString());
      expect(await events(id)).toEqual(['sent']);
    } finally {
      await dispatcher.stop();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('posts a signed batch to a webhook gateway with the message id as idempotency key', async () => {
    const sink = await startSink();
    try {
      await channels.update('sms', { enabled: true, adapter: 'webhook', config: { url: sink.url, secret: sink.secret } }, 'test');
      const ids = [await plan('sms', '+8613800138000'), await plan('sms', '+8613900139000')];
      expect(await dispatcher.dispatchOnce(now)).toMatchObject({ claimed: 2, sent: 2 });
      expect(sink.badSignatures).toBe(0);
      expect([...sink.accepted].sort()).toEqual([...ids].sort());
      for (const id of ids) expect(await row(id)).toMatchObject({ status: 'sent', provider_message_id: `gw-${id}`, to_masked: '+***' });
    } finally {
      await sink.close();
    }
  });

  it('retries with backoff (1 min, then 5 min) on 5xx, then sends', async () => {
    const sink = await startSink({ status: (call) => (call <= 2 ? 503 : 200) });
    try {
      await channels.update('sms', { enabled: true, adapter: 'webhook', config: { url: sink.url, secret: sink.secret } }, 'test');
      const id = await plan('sms', '+8613800138001');
      expect(await dispatcher.dispatchOnce(now)).toMatchObject({ claimed: 1, retried: 1 });
      expect(new Date(String((await row(id)).send_after)).toISOString()).toBe(new Date(T0.getTime() + MIN).toISOString());
      now = new Date(T0.getTime() + 59_000);
      expect((await dispatcher.dispatchOnce(now)).claimed).toBe(0);
      now = new Date(T0.getTime() + MIN);
      expect(await dispatcher.dispatchOnce(now)).toMatchObject({ claimed: 1, retried: 1 });
      expect(new Date(String((await row(id)).send_after)).toISOString()).toBe(new Date(T0.getTime() + 6 * MIN).toISOString());
      now = new Date(T0.getTime() + 6 * MIN);
      expect(await dispatcher.dispatchOnce(now)).toMatchObject({ claimed: 1, sent: 1 });
      expect(await row(id)).toMatchObject({ status: 'sent', attempts: 3, last_error: null });
      expect(await events(id)).toEqual(['retry', 'retry', 'sent']);
      expect(sink.received).toEqual([id]);
    } finally {
      await sink.close();
    }
  });

  it('fails a message after 6 attempts (waits 1 min, 5 min, 30 min, 2 h, 6 h)', async () => {
    const sink = await startSink({ status: () => 500 });
    try {
      await channels.update('sms', { enabled: true, adapter: 'webhook', config: { url: sink.url, secret: sink.secret } }, 'test');
      const id = await plan('sms', '+8613800138002');
      const waits = [0, 1, 5, 30, 120, 360];
      let at = T0.getTime();
      for (const w of waits) {
        at += w * MIN;
        now = new Date(at);
        expect((await dispatcher.dispatchOnce(now)).claimed).toBe(1);
      }
      expect(await row(id)).toMatchObject({ status: 'failed', attempts: 6, reason: 'send_failed', last_error: 'gateway answered 500' });
      expect(await events(id)).toEqual(['retry', 'retry', 'retry', 'retry', 'retry', 'failed']);
      now = new Date(at + 24 * 60 * MIN);
      expect((await dispatcher.dispatchOnce(now)).claimed).toBe(0);
    } finally {
      await sink.close();
    }
  });

  it('a refusal (4xx) or a failed result fails at once; a disabled channel leaves its messages queued', async () => {
    const sink = await startSink({ answer: () => 'failed' });
    try {
      await channels.update('app_push', { enabled: true, adapter: 'webhook', config: { url: sink.url, secret: sink.secret } }, 'test');
      const id = await plan('app_push', 'device-1');
      expect(await dispatcher.dispatchOnce(now)).toMatchObject({ claimed: 1, failed: 1 });
      expect(await row(id)).toMatchObject({ status: 'failed', attempts: 1, last_error: 'sink said failed' });

      await channels.update('app_push', { enabled: false, adapter: 'webhook', config: { url: sink.url, secret: sink.secret } }, 'test');
      const waiting = await plan('app_push', 'device-2');
      expect((await dispatcher.dispatchOnce(now)).claimed).toBe(0);
      expect(await row(waiting)).toMatchObject({ status: 'queued', attempts: 0 });
      // Past its validity (72 h) while the channel stays off: expired, channel_disabled.
      now = new Date(T0.getTime() + 73 * 60 * MIN);
      await dispatcher.dispatchOnce(now);
      expect(await row(waiting)).toMatchObject({ status: 'expired', reason: 'channel_disabled' });
    } finally {
      await sink.close();
    }
  });

  it('WeChat: the access token is fetched once and cached; errcode 43004 fails, -1 retries', async () => {
    const calls: string[] = [];
    const sent: Array<Record<string, unknown>> = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const url = new URL(req.url!, 'http://x');
        calls.push(url.pathname);
        res.setHeader('content-type', 'application/json');
        if (url.pathname === '/cgi-bin/token') return res.end(JSON.stringify({ access_token: 'TOKEN-1', expires_in: 7200 }));
        const msg = JSON.parse(body) as Record<string, unknown>;
        sent.push({ ...msg, token: url.searchParams.get('access_token') });
        const errcode = msg.touser === 'openid-unsubscribed' ? 43004 : msg.touser === 'openid-busy' ? -1 : 0;
        res.end(JSON.stringify({ errcode, errmsg: errcode ? 'x' : 'ok', msgid: 777 }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      await channels.update('wechat', { enabled: true, adapter: 'wechat', config: { appId: 'wx1', appSecret: 'app-secret-1', baseUrl: `http://127.0.0.1:${port}` } }, 'test');
      const ok = await plan('wechat', 'openid-1');
      const gone = await plan('wechat', 'openid-unsubscribed');
      const busy = await plan('wechat', 'openid-busy');
      await dispatcher.dispatchOnce(now);
      now = new Date(T0.getTime() + MIN);
      await dispatcher.dispatchOnce(now);
      expect(calls.filter((c) => c === '/cgi-bin/token')).toHaveLength(1);
      expect(await row(ok)).toMatchObject({ status: 'sent', provider_message_id: '777' });
      expect(await row(gone)).toMatchObject({ status: 'failed', last_error: 'wechat errcode 43004' });
      expect(await row(busy)).toMatchObject({ status: 'queued', attempts: 2, last_error: 'wechat errcode -1' });
      const first = sent.find((s) => s.touser === 'openid-1')!;
      expect(first).toMatchObject({ template_id: 'TPL-1', token: 'TOKEN-1', client_msg_id: ok });
      expect((first.data as Record<string, unknown>).name).toEqual({ value: expect.stringMatching(/^N\d+$/) });
      expect((first.data as Record<string, unknown>)._to).toBeUndefined();
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('guide tasks: one task per message even when sent again, due in dueDays', async () => {
    const id = await plan('guide_task', 'S001', { dueDays: 5 });
    expect(await dispatcher.dispatchOnce(now)).toMatchObject({ sent: 1 });
    const adapter = createAdapters({ clock }).get('guide_task')!;
    const again = await adapter.send(
      // Sent again as the dispatcher would: for the message's own customer (guide tasks are unique per (customer_id, message_id)).
      [{ id, channel: 'guide_task', customerId: String((await row(id)).customer_id), to: 'S001', subject: 'x', body: 'y', locale: 'zh-CN', providerTemplateId: null, variables: {} }],
      {},
      db,
    );
    const tasks = await query<Record<string, unknown>>(db, sql`select id, store_code, title, body, due_at, status from messaging.guide_tasks where message_id = ${id}::uuid`);
    expect(tasks).toHaveLength(1);
    expect(again).toEqual([{ id, status: 'sent', providerMessageId: tasks[0]!.id }]);
    expect(tasks[0]).toMatchObject({ store_code: 'S001', title: `回访 N${seq}`, body: `请致电 N${seq}`, status: 'open' });
    expect(new Date(String(tasks[0]!.due_at)).toISOString()).toBe(new Date(T0.getTime() + 5 * 24 * 60 * MIN).toISOString());
    expect(await row(id)).toMatchObject({ status: 'sent', provider_message_id: tasks[0]!.id });
  });

  it('spreads a channel’s sends to its rate (5 a second: 12 messages in chunks of 5, ≥ 2 s)', async () => {
    const sink = await startSink();
    try {
      await channels.update('sms', { enabled: true, adapter: 'webhook', config: { url: sink.url, secret: sink.secret }, ratePerSecond: 5 }, 'test');
      for (let i = 0; i < 12; i++) await plan('sms', `+86138001390${String(i).padStart(2, '0')}`);
      const started = Date.now();
      expect(await dispatcher.dispatchOnce(now)).toMatchObject({ claimed: 12, sent: 12 });
      expect(sink.requests.map((r) => r.size)).toEqual([5, 5, 2]);
      expect(sink.requests[2]!.at - started).toBeGreaterThanOrEqual(1900);
    } finally {
      await channels.update('sms', { enabled: true, adapter: 'log', config: {} }, 'test');
      await sink.close();
    }
  });

  it('the worker wakes when messages are planned (poke), not at its next poll, and stops cleanly', async () => {
    await channels.update('sms', { enabled: true, adapter: 'log', config: {} }, 'test');
    const worker = new Dispatcher(db, { preparer: new AddressPreparer(), channels, adapters: createAdapters({ clock }), clock }, { pollMs: 600_000 });
    const planner = new MessagingService(db, { clock });
    planner.onPlanned(() => worker.poke());
    worker.start();
    try {
      await new Promise((r) => setTimeout(r, 200)); // its first pass found nothing; now it waits (10 min poll)
      await planner.plan(db, { template: 'hello', channel: 'sms', sendAt: 'now', source: { kind: 'api' }, recipients: [{ customerId: customers[0]!, dedupeKey: 'poke-1', variables: { _to: '+8613800000001' } }] });
      const until = Date.now() + 10_000;
      let status = '';
      while (Date.now() < until && status !== 'sent') {
        status = String((await query<{ status: string }>(db, sql`select status from messaging.messages where dedupe_key = 'poke-1'`))[0]?.status);
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(status).toBe('sent');
    } finally {
      await worker.stop();
    }
    expect(worker.started).toBe(false);
  });

  it('a claim whose lease ran out is sent again with the same id; the gateway deduplicates it', async () => {
    const sink: Sink = await startSink();
    try {
      await channels.update('sms', { enabled: true, adapter: 'webhook', config: { url: sink.url, secret: sink.secret } }, 'test');
      const id = await plan('sms', '+8613800138009');
      // A sender claimed it and died before recording (status sending, lease running).
      await query(db, sql`update messaging.messages set status = 'sending', attempts = 1, lease_until = ${new Date(T0.getTime() + 5 * MIN).toISOString()}::timestamptz where id = ${id}::uuid`);
      expect((await dispatcher.dispatchOnce(now)).claimed).toBe(0);
      now = new Date(T0.getTime() + 5 * MIN + 1000);
      expect(await dispatcher.dispatchOnce(now)).toMatchObject({ claimed: 1, sent: 1 });
      expect(await row(id)).toMatchObject({ status: 'sent', attempts: 2 });
      expect(sink.received).toEqual([id]);
    } finally {
      await sink.close();
    }
  });
});
