import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query, type Db } from '../../platform/db/database.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import { seedCustomers, seedTemplate } from '../../../tests/support/messaging-delivery.js';

/**
 * Message dedupe keys are unique per customer — unique (customer_id, dedupe_key) — so messages can be distributed by
 * customer_id (docs/adr/0014-citus-distribution.md). The API still keeps one message per caller key: a key already
 * used for another customer is refused (409), also when two requests race.
 */
describe('message dedupe keys', () => {
  let t: TestApp;
  let db: Db;
  let customers: string[];

  beforeAll(async () => {
    t = await createTestApp({}, { loyalty: false });
    db = t.kemai.database.db;
    customers = await seedCustomers(db, 3);
    await seedTemplate(db, 'thanks', { sms: { 'zh-CN': { body: '谢谢 {{name}}' } } });
  });
  afterAll(async () => t.close());

  const send = (customerId: string, dedupeKey: string) =>
    t.app.inject({ method: 'POST', url: '/api/v1/messaging/messages', headers: t.admin, payload: { customerId, template: 'thanks', channel: 'sms', dedupeKey } });

  it('the API answers a replay for the same customer and refuses the key for another customer', async () => {
    const first = await send(customers[0]!, 'k-1');
    expect(first.statusCode, first.body).toBe(202);
    const again = await send(customers[0]!, 'k-1');
    expect(again.json()).toMatchObject({ duplicate: true, message: { id: first.json().message.id, customerId: customers[0] } });
    const other = await send(customers[1]!, 'k-1');
    expect([other.statusCode, other.json().error.code]).toEqual([409, 'messaging.dedupe_key_taken']);
    const racing = await Promise.all([send(customers[1]!, 'k-2'), send(customers[2]!, 'k-2')]);
    expect(racing.map((r) => r.statusCode).sort()).toEqual([202, 409]);
    const rows = await query<{ customer_id: string; dedupe_key: string }>(db, sql`select customer_id, dedupe_key from messaging.messages where dedupe_key in ('k-1', 'k-2') order by dedupe_key`);
    expect(rows.map((r) => r.dedupe_key)).toEqual(['k-1', 'k-2']);
  });

  it('planners dedupe per customer: the same key for two recipients plans two messages, a replay none', async () => {
    const recipients = [
      { customerId: customers[1]!, dedupeKey: 'campaign-7' },
      { customerId: customers[2]!, dedupeKey: 'campaign-7' },
    ];
    const request = { template: 'thanks', channel: 'sms' as const, sendAt: 'now' as const, source: { kind: 'campaign' as const }, recipients };
    expect(await t.kemai.messaging.plan(db, request)).toEqual({ planned: 2, duplicates: 0 });
    expect(await t.kemai.messaging.plan(db, request)).toEqual({ planned: 0, duplicates: 2 });
  });
});
