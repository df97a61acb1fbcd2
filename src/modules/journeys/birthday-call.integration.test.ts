import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';
import { ChannelsService, Dispatcher, Preparer, VariableRegistry, createAdapters } from '../messaging/index.js';

/**
 * The birthday_call blueprint end to end with a fake clock: installed, published, its date trigger three days before
 * the birthday at 10:00, the task step planning a guide_task message, the real send-time checks and the guide_task
 * adapter making a birthday_call task for the customer's guide — or nothing for a customer who opted out of phone calls
 * (the message blocked as opted_out in the message log).
 */
let t: TestApp;
let now = new Date('2026-05-07T09:00:00+08:00');
const clock = { now: () => now };
const db = () => t.kemai.database.db;
const DAY = 86_400_000;

beforeAll(async () => {
  t = await createTestApp({ KEMAI_TIMEZONE: 'Asia/Shanghai' }, { loyalty: false });
  t.kemai.journeys.useClock(clock);
});
afterAll(async () => t?.close());

describe('birthday call blueprint', () => {
  it('makes a birthday_call task for the assigned guide 3 days before the birthday, none for a phone opt-out', async () => {
    const { staff: guide } = await t.kemai.access.createStaff({ username: 'g.li', displayName: '李导购', role: 'guide', storeCode: 'S01' });
    const [guided, pooled, optedOut, later] = Array.from({ length: 4 }, () => newId());
    await query(
      db(),
      sql`insert into customers.customers (id, created_at, birthday) values
        (${guided}::uuid, '2025-01-01T00:00:00Z', '1990-05-10'), (${pooled}::uuid, '2025-01-01T00:00:00Z', '1985-05-10'),
        (${optedOut}::uuid, '2025-01-01T00:00:00Z', '1992-05-10'), (${later}::uuid, '2025-01-01T00:00:00Z', '1990-06-10')`,
    );
    await t.kemai.staff.assign(guided!, { staffId: guide.id }, 'test');
    await t.kemai.staff.assign(pooled!, { staffId: null, storeCode: 'S02' }, 'test');
    await t.kemai.staff.assign(optedOut!, { staffId: guide.id }, 'test');
    await t.kemai.customers.recordConsents(optedOut!, [{ channel: 'phone', purpose: 'marketing', status: 'withdrawn', recordedAt: '2026-01-01T10:00:00+08:00' } as never], 'api');

    const installed = await t.kemai.blueprints.install('birthday_call', {}, 'user:test');
    const journeyId = installed.journey.id;
    const patch = await t.app.inject({ method: 'PATCH', url: `/api/v1/journeys/${journeyId}`, headers: t.admin, payload: { holdoutPercent: 0 } });
    expect(patch.statusCode, patch.body).toBe(200);
    const publish = await t.app.inject({ method: 'POST', url: `/api/v1/journeys/${journeyId}/publish`, headers: t.admin, payload: {} });
    expect(publish.statusCode, publish.body).toBe(200);

    const adapters = createAdapters({ clock });
    const channels = new ChannelsService(db(), adapters, { clock });
    await channels.update('guide_task', { enabled: true, adapter: 'guide_task', config: {}, ratePerSecond: null }, 'test');
    const preparer = new Preparer({ timeZone: 'Asia/Shanghai', brand: '客脉', publicUrl: 'http://localhost', secret: 's'.repeat(32), variables: new VariableRegistry() });
    const dispatcher = new Dispatcher(db(), { preparer, channels, adapters, clock });
    const tasks = () =>
      query<{ customer_id: string; kind: string; store_code: string | null; assignee_staff_id: string | null; title: string; due_at: Date | string; created_by: string }>(
        db(),
        sql`select customer_id, kind, store_code, assignee_staff_id, title, due_at, created_by from messaging.guide_tasks order by store_code`,
      );

    // 09:00 three days before: not yet (the trigger is at 10:00).
    await t.kemai.journeys.scanTriggers(now);
    await t.kemai.journeys.runDue(now);
    await dispatcher.dispatchOnce(now);
    expect(await tasks()).toEqual([]);

    now = new Date('2026-05-07T10:05:00+08:00');
    await t.kemai.journeys.scanTriggers(now);
    await t.kemai.journeys.runDue(now);
    await dispatcher.dispatchOnce(now);
    const made = await tasks();
    expect(made.map((x) => [x.customer_id, x.kind, x.store_code, x.assignee_staff_id, x.title, new Date(x.due_at).toISOString(), x.created_by])).toEqual([
      [guided, 'birthday_call', 'S01', guide.id, '生日电话：会员', new Date(now.getTime() + 3 * DAY).toISOString(), 'system:messaging'],
      [pooled, 'birthday_call', 'S02', null, '生日电话：会员', new Date(now.getTime() + 3 * DAY).toISOString(), 'system:messaging'],
    ]);
    const messages = await query<{ customer_id: string; channel: string; status: string; reason: string | null }>(
      db(),
      sql`select customer_id, channel, status, reason from messaging.messages order by status, customer_id`,
    );
    expect(messages.filter((m) => m.customer_id === optedOut)).toEqual([{ customer_id: optedOut, channel: 'guide_task', status: 'blocked', reason: 'opted_out' }]);
    expect(messages.filter((m) => m.status === 'sent').map((m) => m.customer_id).sort()).toEqual([guided, pooled].sort());
    expect(messages.some((m) => m.customer_id === later)).toBe(false);

    // Running again the same day makes nothing new.
    await t.kemai.journeys.scanTriggers(now);
    await t.kemai.journeys.runDue(now);
    await dispatcher.dispatchOnce(now);
    expect(await tasks()).toHaveLength(2);
  });
});
