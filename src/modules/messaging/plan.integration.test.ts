import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { query, type Database, type Db } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import { openTestDatabase } from '../../../tests/support/test-db.js';
import { MessagingService } from './messaging.service.js';

const NOW = new Date('2026-03-02T02:00:00Z');

describe('MessagingService.plan', () => {
  let database: Database;
  let db: Db;
  let messaging: MessagingService;
  const customers = Array.from({ length: 1000 }, () => newId());

  beforeAll(async () => {
    database = await openTestDatabase();
    db = database.db;
    messaging = new MessagingService(db, { clock: { now: () => NOW } });
    await query(db, sql`insert into customers.customers (id, attributes) select id, case when n % 4 = 0 then '{"locale":"en"}'::jsonb else '{}'::jsonb end
      from unnest(${sql.param(customers)}::uuid[]) with ordinality as t(id, n)`);
    await query(db, sql`insert into messaging.templates (id, code, name, purpose, contents, created_by) values
      (${newId()}, 'welcome', 'Welcome', 'marketing', '{"sms":{"zh-CN":{"body":"欢迎 {{name}}"},"en":{"body":"Welcome {{name}}"}},"email":{"en":{"subject":"Hi","body":"Welcome"}}}', 'test'),
      (${newId()}, 'old', 'Old', 'marketing', '{"sms":{"zh-CN":{"body":"x"}}}', 'test')`);
    await query(db, sql`update messaging.templates set status = 'archived' where code = 'old'`);
  });
  afterAll(async () => database.close());

  it('plans values once per dedupe key: locale from the customer, purpose from the template, validity', async () => {
    const recipients = customers.slice(0, 4).map((c, i) => ({ customerId: c, dedupeKey: `t1:${i}`, variables: { n: i } }));
    const first = await db.transaction((tx) =>
      messaging.plan(tx as unknown as Db, { template: 'welcome', channel: 'sms', sendAt: 'now', source: { kind: 'api' }, recipients, validForHours: 24 }),
    );
    expect(first).toEqual({ planned: 4, duplicates: 0 });
    const again = await messaging.plan(db, { template: 'welcome', channel: 'sms', sendAt: 'now', source: { kind: 'api' }, recipients });
    expect(again).toEqual({ planned: 0, duplicates: 4 });
    const rows = await query<Record<string, unknown>>(db, sql`select dedupe_key, channel, purpose, locale, status, variables, send_after, expires_at
      from messaging.messages where dedupe_key like 't1:%' order by dedupe_key collate "C"`);
    expect(rows.map((r) => [r.dedupe_key, r.channel, r.purpose, r.locale, r.status, r.variables])).toEqual([
      ['t1:0', 'sms', 'marketing', 'zh-CN', 'queued', { n: 0 }],
      ['t1:1', 'sms', 'marketing', 'zh-CN', 'queued', { n: 1 }],
      ['t1:2', 'sms', 'marketing', 'zh-CN', 'queued', { n: 2 }],
      ['t1:3', 'sms', 'marketing', 'en', 'queued', { n: 3 }],
    ]);
    expect(new Date(String(rows[0]!.send_after)).toISOString()).toBe(NOW.toISOString());
    expect(new Date(String(rows[0]!.expires_at)).toISOString()).toBe('2026-03-03T02:00:00.000Z');
  });

  it('usual hour: due now with _sendAt for the send-time checks; a given instant keeps it; default validity 72 h', async () => {
    const at = new Date('2026-03-05T10:00:00Z');
    await messaging.plan(db, { template: 'welcome', channel: 'auto', sendAt: 'usual_hour', source: { kind: 'journey', journeyId: newId(), stepId: 's1' }, recipients: [{ customerId: customers[5]!, dedupeKey: 'u:1' }] });
    await messaging.plan(db, { template: 'welcome', channel: 'auto', sendAt: at, source: { kind: 'campaign', id: newId() }, recipients: [{ customerId: customers[6]!, dedupeKey: 'u:2' }] });
    const rows = await query<Record<string, unknown>>(db, sql`select dedupe_key, variables, send_after, expires_at, source_kind, step_id from messaging.messages where dedupe_key like 'u:%' order by dedupe_key collate "C"`);
    expect(rows[0]!.variables).toEqual({ _sendAt: 'usual_hour' });
    expect(new Date(String(rows[0]!.send_after)).toISOString()).toBe(NOW.toISOString());
    expect([rows[0]!.source_kind, rows[0]!.step_id]).toEqual(['journey', 's1']);
    expect(new Date(String(rows[1]!.send_after)).toISOString()).toBe(at.toISOString());
    expect(new Date(String(rows[1]!.expires_at)).toISOString()).toBe('2026-03-08T10:00:00.000Z');
  });

  it('refuses unknown and archived templates, a channel the template lacks, and bad recipients, planning nothing', async () => {
    const recipients = [{ customerId: customers[7]!, dedupeKey: 'bad:1' }];
    await expect(messaging.plan(db, { template: 'nope', channel: 'sms', sendAt: 'now', source: { kind: 'api' }, recipients })).rejects.toMatchObject({ code: 'messaging.template_not_found' });
    await expect(messaging.plan(db, { template: 'old', channel: 'sms', sendAt: 'now', source: { kind: 'api' }, recipients })).rejects.toMatchObject({ code: 'messaging.template_archived' });
    await expect(messaging.plan(db, { template: 'welcome', channel: 'wechat', sendAt: 'now', source: { kind: 'api' }, recipients })).rejects.toMatchObject({ code: 'messaging.template_channel' });
    await expect(messaging.plan(db, { template: 'welcome', channel: 'sms', sendAt: 'now', source: { kind: 'api' }, recipients: [{ customerId: 'x', dedupeKey: 'k' }] })).rejects.toMatchObject({
      code: 'messaging.invalid_recipient',
      details: { issues: [{ path: 'recipients.0.customerId', message: 'must be a uuid' }] },
    });
    expect(await query(db, sql`select 1 from messaging.messages where dedupe_key like 'bad:%'`)).toEqual([]);
  });

  it('plans 1,000 recipients from a query in one statement, and replays as duplicates', async () => {
    const audience = sql`select id as customer_id, 'q:' || id::text as dedupe_key, null::uuid as enrollment_id, jsonb_build_object('coupon', 'C' || id::text) as variables from customers.customers`;
    expect(await messaging.plan(db, { template: 'welcome', channel: 'auto', sendAt: 'now', source: { kind: 'campaign' }, recipients: audience })).toEqual({ planned: 1000, duplicates: 0 });
    expect(await messaging.plan(db, { template: 'welcome', channel: 'auto', sendAt: 'now', source: { kind: 'campaign' }, recipients: audience })).toEqual({ planned: 0, duplicates: 1000 });
    const [counts] = await query<{ n: number; en: number; ids: number }>(db, sql`select count(*)::int as n, count(*) filter (where locale = 'en')::int as en, count(distinct id)::int as ids from messaging.messages where dedupe_key like 'q:%'`);
    expect(counts).toEqual({ n: 1000, en: 250, ids: 1000 });
  });
});
