import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryOne } from '../../platform/db/database.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';

/**
 * A reopened ticket's resolution clock resumes where it stopped: the business time it spent resolved counts as paused
 * (as pending does), so it is not overdue the moment it reopens. Standard policy, default calendar 09:00–21:00 every
 * day (720 business minutes a day), a medium complaint: resolve within 2,880 business minutes.
 */
let t: TestApp;
let now = new Date('2026-03-02T10:00:00+08:00');
const at = (iso: string) => (now = new Date(iso));

beforeAll(async () => {
  t = await createTestApp({ KEMAI_TIMEZONE: 'Asia/Shanghai' }, { loyalty: false });
  t.kemai.tickets.useClock({ now: () => now });
  t.kemai.sla.useClock({ now: () => now });
  await t.kemai.sla.ensureDefaults();
});
afterAll(async () => t?.close());

const post = (url: string, payload: unknown) => t.app.inject({ method: 'POST', url, headers: t.admin, payload: payload as Record<string, unknown> });
const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);
const row = async (id: string) => {
  const r = (await queryOne<{ status: string; resolve_due_at: Date; paused_at: Date | null; paused_minutes: number; next_due_at: Date | null; reopen_count: number }>(
    t.kemai.database.db,
    sql`select status, resolve_due_at, paused_at, paused_minutes, next_due_at, reopen_count from service.tickets where id = ${id}::uuid`,
  ))!;
  return { ...r, resolve_due_at: iso(r.resolve_due_at), paused_at: iso(r.paused_at), next_due_at: iso(r.next_due_at), paused_minutes: Number(r.paused_minutes), reopen_count: Number(r.reopen_count) };
};

describe('reopening a resolved ticket', () => {
  it('resumes the resolution clock with the time spent resolved paused, by the console action and by an email from the customer', async () => {
    at('2026-03-02T10:00:00+08:00'); // Monday
    const created = await post('/api/v1/service/tickets', { kind: 'complaint', channel: 'staff', subject: '保温杯外壳凹陷', category: 'damaged_product', severity: 'medium', contact: { name: '林霞', email: 'someone@example.com' } });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().ticket.id as string;
    // 10:00 Monday + 2,880: 660 on Monday, 720 Tuesday, Wednesday, Thursday, 60 on Friday → Friday 10:00.
    expect((await row(id)).resolve_due_at).toBe('2026-03-06T02:00:00.000Z');

    at('2026-03-02T11:00:00+08:00');
    expect((await post(`/api/v1/service/tickets/${id}/reply`, { body: '非常抱歉，我们马上为您换货。' })).statusCode).toBe(200);
    at('2026-03-03T10:00:00+08:00');
    const resolved = await post(`/api/v1/service/tickets/${id}/status`, { status: 'resolved', resolution: '已换货', rootCauses: ['warehouse_packing'] });
    expect(resolved.statusCode, resolved.body).toBe(200);
    expect((await row(id)).next_due_at).toBeNull();

    // Reopened Thursday 10:00: resolved for 660 (Tuesday) + 720 (Wednesday) + 60 (Thursday) = 1,440 business minutes,
    // so the due moves from Friday 10:00 by 1,440: 660 on Friday, 720 on Saturday, 60 on Sunday → Sunday 10:00.
    at('2026-03-05T10:00:00+08:00');
    const reopened = await post(`/api/v1/service/tickets/${id}/status`, { status: 'reopen' });
    expect(reopened.statusCode, reopened.body).toBe(200);
    expect(await row(id)).toEqual({
      status: 'open',
      resolve_due_at: '2026-03-08T02:00:00.000Z',
      paused_at: null,
      paused_minutes: 1440,
      next_due_at: '2026-03-08T02:00:00.000Z',
      reopen_count: 1,
    });

    // Resolved again Friday 10:00, then the customer writes back by email on Saturday 09:30: 720 + 30 more paused.
    at('2026-03-06T10:00:00+08:00');
    expect((await post(`/api/v1/service/tickets/${id}/status`, { status: 'resolved', resolution: '已补寄' })).statusCode).toBe(200);
    at('2026-03-07T09:30:00+08:00');
    const number = created.json().ticket.number as number;
    const mail = await post('/api/v1/service/inbound/email', {
      messageId: '<reopen-1@mail.example>',
      from: 'someone@example.com',
      subject: `Re: [T-${number}] 保温杯`,
      text: '补寄的杯子还是坏的。',
      receivedAt: '2026-03-07T09:30:00+08:00',
    });
    expect(mail.statusCode, mail.body).toBeLessThan(300);
    // 1,440 + 660 (Friday 10:00–21:00) + 30 (Saturday 09:00–09:30) = 2,130 paused: the due moves from Sunday 10:00 by
    // 690 more — 660 to 21:00 on Sunday, 30 on Monday → Monday 09:30.
    expect(await row(id)).toMatchObject({ status: 'open', paused_minutes: 2130, paused_at: null, reopen_count: 2, resolve_due_at: '2026-03-09T01:30:00.000Z' });
  });
});
