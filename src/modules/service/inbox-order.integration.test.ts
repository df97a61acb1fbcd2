import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';

/** The inbox's "all" tab: live tickets first, most urgent first; then the finished ones, newest first; paged alike. */
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
const numbers = async (query: string) => {
  const res = await t.app.inject({ url: `/api/v1/service/tickets?${query}`, headers: t.admin });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json().items as Array<{ ticketNumber: string }>).map((i) => i.ticketNumber);
};

describe('the inbox across live and finished tickets', () => {
  it('lists the live ones by their next due, then the finished ones newest first', async () => {
    const made: string[] = [];
    for (const [i, time] of ['10:00', '10:10', '10:20', '10:30'].entries()) {
      at(`2026-03-02T${time}:00+08:00`);
      const res = await post('/api/v1/service/tickets', { kind: i === 0 ? 'complaint' : 'inquiry', subject: `问题 ${i + 1}` });
      expect(res.statusCode, res.body).toBe(201);
      made.push(res.json().ticket.id);
    }
    at('2026-03-02T10:40:00+08:00');
    expect((await post(`/api/v1/service/tickets/${made[0]}/status`, { status: 'resolved', resolution: '已处理' })).statusCode).toBe(200);
    at('2026-03-02T10:50:00+08:00');
    expect((await post(`/api/v1/service/tickets/${made[2]}/status`, { status: 'resolved', resolution: '已处理' })).statusCode).toBe(200);
    // Live T-2 (acknowledge by 11:10) and T-4 (by 11:30); finished T-3 (received 10:20) and T-1 (10:00).
    expect(await numbers('status=new,open,pending,resolved,closed')).toEqual(['T-2', 'T-4', 'T-3', 'T-1']);
    expect(await numbers('status=new,open,pending,resolved,closed&limit=2&offset=1')).toEqual(['T-4', 'T-3']);
    expect(await numbers('status=resolved,new&limit=3')).toEqual(['T-2', 'T-4', 'T-3']);
    expect(await numbers('status=resolved,closed')).toEqual(['T-3', 'T-1']);
    expect(await numbers('')).toEqual(['T-2', 'T-4']);
  });
});
