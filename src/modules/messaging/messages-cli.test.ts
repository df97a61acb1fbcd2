import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKemai } from '../../app/kemai.js';
import { loadConfig } from '../../platform/config.js';
import { openDatabase } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import { createLogger } from '../../platform/logger.js';
import { CustomerUpsertInput } from '../customers/index.js';
import { runKemai } from '../../../tests/support/kemai-process.js';

const SECRET = 'cli-test-secret-123';

/**
 * The real `kemai messages send|log|dispatch|channels` in child processes on an embedded database; the sms channel goes
 * through the signed webhook adapter to a local HTTP server standing in for the gateway.
 */
describe('kemai messages', () => {
  let dir: string;
  let customerId: string;
  let server: http.Server;
  const received: Array<{ to: string; body: string; id: string; signed: boolean }> = [];
  const env = () => ({ KEMAI_DATA_DIR: path.join(dir, 'data'), KEMAI_LOG_LEVEL: 'silent', KEMAI_TIMEZONE: 'Asia/Shanghai', KEMAI_JOBS: 'off' });
  const run = (args: string[]) => runKemai(['messages', ...args], env(), dir);

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const ts = String(req.headers['x-kemai-timestamp']);
        const signed = req.headers['x-kemai-signature'] === crypto.createHmac('sha256', SECRET).update(`${ts}.${raw}`).digest('hex');
        const { messages } = JSON.parse(raw) as { messages: Array<{ id: string; to: string; body: string }> };
        for (const m of messages) received.push({ to: m.to, body: m.body, id: m.id, signed });
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ results: messages.map((m) => ({ id: m.id, status: 'accepted', providerMessageId: `gw-${m.id.slice(0, 8)}` })) }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const gateway = `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms`;

    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kemai-messages-cli-'));
    const config = loadConfig(env());
    const database = await openDatabase({ dataDir: config.dataDir });
    const kemai = await createKemai({ config, database, log: createLogger('silent'), loyalty: false });
    try {
      const [c] = await kemai.customers.upsertCustomers(
        [{ index: 0, value: CustomerUpsertInput.parse({ phone: '13800138001', name: '王芳', consents: [{ channel: 'sms', purpose: 'marketing', status: 'granted' }] }) }],
        { source: 'api', actor: 'test', prefix: () => '' },
      );
      customerId = (c as { id: string }).id;
      await kemai.messaging.channels.update('sms', { enabled: true, adapter: 'webhook', config: { url: gateway, secret: SECRET } }, 'test');
      // No quiet hours: the test runs at any hour.
      await database.db.execute(sql`insert into messaging.policies (key, value, updated_by) values ('quiet_hours', '{"start": "00:00", "end": "00:00"}'::jsonb, 'test')
        on conflict (key) do update set value = excluded.value`);
      await database.db.execute(sql`insert into messaging.templates (id, code, name, purpose, contents, created_by)
        values (${newId()}::uuid, 'coupon_note', 'Coupon note', 'marketing',
          ${JSON.stringify({ sms: { 'zh-CN': { body: '{{name}}您好，您的优惠券 {{coupon}} 已到账' }, en: { body: 'Hi {{name}}, coupon {{coupon}} is yours' } } })}::jsonb, 'test')`);
    } finally {
      await kemai.close();
    }
  }, 600_000);

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  // Every step is a real process opening the embedded database: minutes on a busy machine.
  const SLOW = 600_000;

  it('shows the channels with secrets masked', async () => {
    const r = await run(['channels', '--json']);
    expect(r.code, r.err).toBe(0);
    const items = JSON.parse(r.out).items as Array<{ channel: string; enabled: boolean; adapter: string; config: Record<string, unknown> }>;
    expect(items.map((c) => c.channel)).toEqual(['sms', 'email', 'wechat', 'app_push', 'guide_task']);
    expect(items[0]).toMatchObject({ channel: 'sms', enabled: true, adapter: 'webhook', config: { secret: '••••' } });
    expect(r.out).not.toContain(SECRET);
    const text = await run(['channels']);
    expect(text.out.split('\n')[0]).toMatch(/^sms\s+on\s+webhook\s+no limit\s+url=http:\/\/127\.0\.0\.1:\d+\/sms secret=•••• batchSize=100 timeoutMs=10000$/);
  }, SLOW);

  it('sends one message: queued, dispatched once to the gateway (signed), then in the log as sent with the address masked', async () => {
    const sent = await run(['send', '--customer', customerId, '--template', 'coupon_note', '--channel', 'sms', '--var', 'coupon=WELCOME10', '--key', 'cli-1', '--json']);
    expect(sent.code, sent.err).toBe(0);
    const queued = JSON.parse(sent.out) as { message: { id: string; status: string; channel: string }; duplicate: boolean };
    expect(queued).toMatchObject({ duplicate: false, message: { status: 'queued', channel: 'sms', customerId } });
    const again = await run(['send', '--customer', customerId, '--template', 'coupon_note', '--channel', 'sms', '--key', 'cli-1']);
    expect(again.code, again.err).toBe(0);
    expect(again.out.trim()).toBe(`Already queued: message ${queued.message.id} to customer ${customerId} (sms, queued). The dispatcher sends it: the running server, or \`kemai messages dispatch --once\`.`);


    const dispatched = await run(['dispatch', '--once']);
    expect(dispatched.code, dispatched.err).toBe(0);
    expect(dispatched.out.trim()).toBe('1 claimed: 1 sent, 0 blocked, 0 deferred, 0 to retry, 0 failed');
    expect(received).toEqual([{ id: queued.message.id, to: '+8613800138001', body: '王芳您好，您的优惠券 WELCOME10 已到账', signed: true }]);

    const log = await run(['log', '--customer', customerId, '--json']);
    expect(log.code, log.err).toBe(0);
    const items = JSON.parse(log.out).items as Array<Record<string, unknown>>;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ id: queued.message.id, status: 'sent', channel: 'sms', toMasked: '138****8001', sourceKind: 'api', attempts: 1 });
    expect(log.out).not.toContain('13800138001');
    const text = await run(['log', '--status', 'sent']);
    expect(text.out.trim()).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d  sent      sms        138\\*\\*\\*\\*8001\\s+${customerId}  api$`));
  }, SLOW);

  it('bad input exits non-zero naming the option', async () => {
    const badId = await run(['send', '--customer', 'nobody', '--template', 'coupon_note']);
    expect(badId.code).toBe(2);
    expect(badId.err.trim()).toBe('kemai: --customer: not a customer id: nobody');
    const badVar = await run(['send', '--customer', customerId, '--template', 'coupon_note', '--var', 'novalue']);
    expect(badVar.code).toBe(2);
    expect(badVar.err.trim()).toBe('kemai: --var: expected name=value, got "novalue"');
    const badChannel = await run(['send', '--customer', customerId, '--template', 'coupon_note', '--channel', 'fax']);
    expect(badChannel.code).toBe(2);
    expect(badChannel.err).toContain('--channel: must be auto or one of sms, email, wechat, app_push, guide_task (got fax)');
    const noTemplate = await run(['send', '--customer', customerId, '--template', 'nope']);
    expect(noTemplate.code).toBe(1);
    expect(noTemplate.err).toContain('no message template has the code nope');
    const badStatus = await run(['log', '--status', 'lost']);
    expect(badStatus.code).toBe(2);
    expect(badStatus.err).toContain('--status: must be one of queued, sending, sent, delivered, failed, blocked, cancelled, expired (got lost)');
  }, SLOW);

  it('dispatch without --once runs until Ctrl-C', async () => {
    const e: NodeJS.ProcessEnv = { ...process.env, ...env() };
    delete e.DATABASE_URL;
    const child = spawn(process.execPath, [path.resolve('bin/kemai.js'), 'messages', 'dispatch'], { env: e, cwd: dir });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start: ${out}`)), 180_000);
      child.stdout.on('data', () => {
        if (out.includes('Dispatching; Ctrl-C to stop.')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(out.trim().split('\n')).toEqual(['Dispatching; Ctrl-C to stop.', 'Stopped.']);
  }, SLOW);
});
