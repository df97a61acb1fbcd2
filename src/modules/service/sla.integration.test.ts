import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgArray } from '../../platform/db/arrays.js';
import { query, queryOne } from '../../platform/db/database.js';
import { newId } from '../../platform/ids.js';
import { createTestApp, type TestApp } from '../../../tests/support/test-app.js';

let t: TestApp;
const now = new Date('2026-03-01T10:00:00+08:00');
const db = () => t.kemai.database.db;
const sla = () => t.kemai.sla;
const at = (text: string) => new Date(text);
const z = (text: string) => at(text).toISOString();

const managerId = newId();
const agentId = newId();
let queueId: string;

beforeAll(async () => {
  t = await createTestApp({ KEMAI_TIMEZONE: 'Asia/Shanghai' }, { loyalty: false });
  sla().useClock({ now: () => now });
  await sla().ensureDefaults();
  queueId = newId();
  await query(db(), sql`insert into service.queues (id, code, name, member_ids, manager_id) values (${queueId}::uuid, 'sla_q', 'SLA queue', ${`{${agentId}}`}::uuid[], ${managerId}::uuid)`);
});
afterAll(async () => t?.close());

interface TicketRow {
  status: string;
  sla_policy_id: string | null;
  ack_due_at: Date | null;
  first_reply_due_at: Date | null;
  resolve_due_at: Date | null;
  paused_at: Date | null;
  paused_minutes: number;
  next_due_at: Date | null;
  next_alert_at: Date | null;
  sla_warned: string[];
  sla_breached: string[];
  escalation_level: number;
  escalated_at: Date | null;
  assignee_id: string | null;
}

const row = async (id: string) => (await queryOne<TicketRow>(db(), sql`select * from service.tickets where id = ${id}::uuid`))!;
const isoOf = (d: Date | null) => (d == null ? null : new Date(d).toISOString());

/** A ticket written directly (the tickets service is another part), then its clocks refreshed as tickets would. */
async function ticket(receivedAt: string, extra: { severity?: string; kind?: string; assigneeId?: string | null; queue?: boolean } = {}): Promise<string> {
  const id = newId();
  await query(
    db(),
    sql`insert into service.tickets (id, kind, channel, status, subject, severity, received_at, queue_id, assignee_id, created_by)
        values (${id}::uuid, ${extra.kind ?? 'complaint'}, 'api', 'new', 'test', ${extra.severity ?? null}, ${receivedAt}::timestamptz,
                ${extra.queue === false ? null : queueId}::uuid, ${extra.assigneeId === undefined ? agentId : extra.assigneeId}::uuid, 'test')`,
  );
  await refresh(id, receivedAt);
  return id;
}

async function refresh(id: string, instant: string) {
  await db().transaction((tx) => sla().refresh(tx, [id], at(instant)));
}

/** A change tickets would make (status, milestones), then the refresh in the same transaction. */
async function change(id: string, instant: string, set: ReturnType<typeof sql>) {
  await db().transaction(async (tx) => {
    await tx.execute(sql`update service.tickets set ${set} where id = ${id}::uuid`);
    await sla().refresh(tx, [id], at(instant));
  });
}

const events = (id: string) =>
  query<{ kind: string; at: Date; detail: Record<string, unknown> }>(db(), sql`select kind, at, detail from service.ticket_events where ticket_id = ${id}::uuid order by at, kind`);

describe('defaults', () => {
  it('ensureDefaults is idempotent: the default calendar with the 2026 holidays and make-up days, the standard policy', async () => {
    await sla().ensureDefaults();
    const [c] = await query<{ n: number }>(db(), sql`select count(*)::int as n from service.calendars where code = 'default'`);
    const [p] = await query<{ n: number }>(db(), sql`select count(*)::int as n from service.sla_policies where code = 'standard'`);
    expect([c!.n, p!.n]).toEqual([1, 1]);
    const cal = await t.app.inject({ method: 'GET', url: '/api/v1/service/calendars/default', headers: t.admin });
    expect(cal.statusCode, cal.body).toBe(200);
    const body = cal.json() as { timeZone: string; week: Record<string, unknown>; holidays: string[]; workdays: string[] };
    expect(body.timeZone).toBe('Asia/Shanghai');
    expect(body.week['6']).toEqual([['09:00', '21:00']]);
    expect(body.holidays.filter((d) => d.startsWith('2026-10'))).toEqual(['2026-10-01', '2026-10-02', '2026-10-03', '2026-10-04', '2026-10-05', '2026-10-06', '2026-10-07']);
    expect(body.holidays.filter((d) => d.startsWith('2026-02'))).toEqual(['2026-02-15', '2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19', '2026-02-20', '2026-02-21', '2026-02-22', '2026-02-23']);
    expect(body.holidays.filter((d) => d.startsWith('2027-02'))).toEqual(['2027-02-05', '2027-02-06', '2027-02-07', '2027-02-08']);
    expect(body.workdays).toEqual(['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10']);
    const pol = await t.app.inject({ method: 'GET', url: '/api/v1/service/sla-policies/standard', headers: t.admin });
    expect(pol.json()).toMatchObject({ code: 'standard', status: 'active', calendar: 'default', ackMinutes: 60, firstReplyMinutes: 1440, warnPercent: 75, resolveMinutes: { minor: 1440, medium: 2880, severe: 720, default: 2880 } });
  });
});

describe('a complaint at 20:30 on the default calendar (09:00–21:00)', () => {
  it('gets exact due instants, one warning and one breach per target, escalation to the manager, and a paused resolution clock', async () => {
    const id = await ticket('2026-03-02T20:30:00+08:00', { severity: 'medium' });
    let r = await row(id);
    expect(r.sla_policy_id).not.toBeNull();
    expect(isoOf(r.ack_due_at)).toBe(z('2026-03-03T09:30:00+08:00'));
    expect(isoOf(r.first_reply_due_at)).toBe(z('2026-03-04T20:30:00+08:00')); // 30 + 720 + 690
    expect(isoOf(r.resolve_due_at)).toBe(z('2026-03-06T20:30:00+08:00')); // 30 + 3 × 720 + 690
    expect(isoOf(r.next_due_at)).toBe(z('2026-03-03T09:30:00+08:00'));
    expect(isoOf(r.next_alert_at)).toBe(z('2026-03-03T09:15:00+08:00')); // 75 % of 60 minutes

    // Before the warning: nothing. At 09:15 the warning, once.
    expect(await sla().scan(at('2026-03-03T09:14:59+08:00'))).toMatchObject({ warnings: 0, breaches: 0 });
    expect(await sla().scan(at('2026-03-03T09:15:00+08:00'))).toMatchObject({ warnings: 1, breaches: 0 });
    expect(await sla().scan(at('2026-03-03T09:16:00+08:00'))).toMatchObject({ warnings: 0, breaches: 0 });
    r = await row(id);
    expect(r.sla_warned).toEqual(['ack']);
    expect(isoOf(r.next_alert_at)).toBe(z('2026-03-03T09:30:00+08:00'));

    // Two scans at once at the due instant: one breach, one escalation to the queue's manager.
    const [a, b] = await Promise.all([sla().scan(at('2026-03-03T09:30:00+08:00')), sla().scan(at('2026-03-03T09:30:00+08:00'))]);
    expect(a.breaches + b.breaches).toBe(1);
    expect(a.escalations + b.escalations).toBe(1);
    r = await row(id);
    expect(r.sla_breached).toEqual(['ack']);
    expect(r.escalation_level).toBe(1);
    expect(isoOf(r.escalated_at)).toBe(z('2026-03-03T09:30:00+08:00'));
    expect(r.assignee_id).toBe(managerId);
    // The first reply's warning comes next: 75 % of 1,440 = 1,080 business minutes → 03-04 14:30
    expect(isoOf(r.next_alert_at)).toBe(z('2026-03-04T14:30:00+08:00'));
    expect(isoOf(r.next_due_at)).toBe(z('2026-03-03T09:30:00+08:00')); // the ack is still unmet (overdue)
    let ev = await events(id);
    expect(ev.map((e) => e.kind)).toEqual(['sla_warning', 'escalated', 'sla_breach']);
    expect(ev[0]!.detail).toMatchObject({ target: 'ack', dueAt: z('2026-03-03T09:30:00+08:00'), minutesLeft: 15 });
    expect(ev[1]!.detail).toMatchObject({ level: 1, targets: ['ack'], previousAssigneeId: agentId, assigneeId: managerId, managerId });
    expect(ev[2]!.detail).toMatchObject({ target: 'ack', dueAt: z('2026-03-03T09:30:00+08:00') });
    const outbox = await query<{ payload: Record<string, unknown> }>(db(), sql`select payload from platform.outbox where name = 'service.sla.breached' and payload->>'ticketId' = ${id}`);
    expect(outbox.map((o) => o.payload)).toEqual([{ ticketId: id, target: 'ack', dueAt: z('2026-03-03T09:30:00+08:00'), managerId }]);

    // Acknowledged and answered at 10:00: the resolution clock is next (warning at 75 % of 2,880 → 03-05 20:30).
    await change(id, '2026-03-03T10:00:00+08:00', sql`status = 'open', acked_at = '2026-03-03T10:00:00+08:00', first_replied_at = '2026-03-03T10:00:00+08:00'`);
    r = await row(id);
    expect(isoOf(r.next_due_at)).toBe(z('2026-03-06T20:30:00+08:00'));
    expect(isoOf(r.next_alert_at)).toBe(z('2026-03-05T20:30:00+08:00'));
    expect(await sla().scan(at('2026-03-04T20:30:00+08:00'))).toMatchObject({ warnings: 0, breaches: 0 }); // the reply was on time

    // Waiting on the customer from 03-05 10:00: the resolution clock stops.
    await change(id, '2026-03-05T10:00:00+08:00', sql`status = 'pending'`);
    r = await row(id);
    expect(isoOf(r.paused_at)).toBe(z('2026-03-05T10:00:00+08:00'));
    expect([r.next_due_at, r.next_alert_at]).toEqual([null, null]);
    await refresh(id, '2026-03-05T11:00:00+08:00'); // idempotent: the pause still starts at 10:00
    expect(isoOf((await row(id)).paused_at)).toBe(z('2026-03-05T10:00:00+08:00'));
    expect(await sla().scan(at('2026-03-07T12:00:00+08:00'))).toMatchObject({ tickets: 0, warnings: 0, breaches: 0 });

    // The customer answers 03-06 12:00: 660 + 180 = 840 business minutes paused; the due instants move on by them.
    await change(id, '2026-03-06T12:00:00+08:00', sql`status = 'open'`);
    r = await row(id);
    expect([r.paused_at, r.paused_minutes]).toEqual([null, 840]);
    expect(isoOf(r.resolve_due_at)).toBe(z('2026-03-08T10:30:00+08:00')); // 2,880 + 840 = 3,720 = 30 + 5 × 720 + 90
    expect(isoOf(r.next_alert_at)).toBe(z('2026-03-07T10:30:00+08:00')); // 2,160 + 840 = 3,000 = 30 + 4 × 720 + 90
    expect(await sla().scan(at('2026-03-07T10:30:00+08:00'))).toMatchObject({ warnings: 1, breaches: 0 });
    expect(await sla().scan(at('2026-03-08T10:30:00+08:00'))).toMatchObject({ warnings: 0, breaches: 1, escalations: 1 });
    expect(await sla().scan(at('2026-03-09T10:30:00+08:00'))).toMatchObject({ tickets: 0 });
    r = await row(id);
    expect([r.sla_warned, r.sla_breached, r.escalation_level, r.assignee_id, r.next_alert_at]).toEqual([['ack', 'resolve'], ['ack', 'resolve'], 2, managerId, null]);
    ev = await events(id);
    expect(ev.filter((e) => e.kind === 'sla_warning').map((e) => e.detail.target)).toEqual(['ack', 'resolve']);
    expect(ev.filter((e) => e.kind === 'sla_breach').map((e) => e.detail.target)).toEqual(['ack', 'resolve']);
    expect(ev.filter((e) => e.kind === 'escalated').map((e) => e.detail.previousAssigneeId)).toEqual([agentId, managerId]);

    // The clocks as the API shows them.
    const clocks = await t.app.inject({ method: 'GET', url: `/api/v1/service/tickets/${id}/sla`, headers: t.admin });
    expect(clocks.statusCode, clocks.body).toBe(200);
    expect(clocks.json()).toMatchObject({
      policy: 'standard',
      pausedMinutes: 840,
      escalationLevel: 2,
      targets: [
        { target: 'ack', metAt: z('2026-03-03T10:00:00+08:00'), running: false, warned: true, breached: true },
        { target: 'first_reply', metAt: z('2026-03-03T10:00:00+08:00'), running: false, warned: false, breached: false },
        { target: 'resolve', dueAt: z('2026-03-08T10:30:00+08:00'), running: true, breached: true },
      ],
    });

    // Resolved: every clock stops.
    await change(id, '2026-03-08T12:00:00+08:00', sql`status = 'resolved', resolved_at = '2026-03-08T12:00:00+08:00'`);
    r = await row(id);
    expect([r.next_due_at, r.next_alert_at]).toEqual([null, null]);
  });

  it('across 2026 National Day the acknowledgement is due 10-08 09:30; without a queue manager the assignee stays', async () => {
    const id = await ticket('2026-09-30T20:30:00+08:00', { severity: 'minor', queue: false });
    const r = await row(id);
    expect(isoOf(r.ack_due_at)).toBe(z('2026-10-08T09:30:00+08:00'));
    expect(isoOf(r.next_alert_at)).toBe(z('2026-10-08T09:15:00+08:00'));
    expect(await sla().scan(at('2026-10-05T12:00:00+08:00'))).toMatchObject({ tickets: 0 });
    // The scan comes late (after the due): the breach alone, the target counted as warned.
    expect(await sla().scan(at('2026-10-08T09:31:00+08:00'))).toMatchObject({ warnings: 0, breaches: 1, escalations: 1 });
    const after = await row(id);
    expect([after.sla_warned, after.sla_breached, after.assignee_id, after.escalation_level]).toEqual([['ack'], ['ack'], agentId, 1]);
    await query(db(), sql`update service.tickets set status = 'closed', next_alert_at = null where id = ${id}::uuid`); // out of the later scans
  });
});

describe('policies', () => {
  it('the first active policy by priority applies; changing it moves the due instants of the live tickets on it', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/service/sla-policies',
      headers: t.admin,
      payload: { code: 'severe_fast', name: 'Severe', priority: 10, appliesTo: { severities: ['severe'] }, calendar: null, ackMinutes: 30, firstReplyMinutes: 120, resolveMinutes: { severe: 480 } },
    });
    expect(res.statusCode, res.body).toBe(201);
    const severe = await ticket('2026-03-02T23:00:00+08:00', { severity: 'severe' });
    const minor = await ticket('2026-03-02T23:00:00+08:00', { severity: 'minor' });
    expect(isoOf((await row(severe)).ack_due_at)).toBe(z('2026-03-02T23:30:00+08:00')); // around the clock
    expect(isoOf((await row(minor)).ack_due_at)).toBe(z('2026-03-03T10:00:00+08:00')); // standard: opens 09:00
    const patch = await t.app.inject({ method: 'PATCH', url: '/api/v1/service/sla-policies/severe_fast', headers: t.admin, payload: { ackMinutes: 20 } });
    expect(patch.statusCode, patch.body).toBe(200);
    const r = await row(severe);
    expect(isoOf(r.ack_due_at)).toBe(z('2026-03-02T23:20:00+08:00'));
    expect(isoOf(r.next_alert_at)).toBe(z('2026-03-02T23:15:00+08:00'));
    await t.app.inject({ method: 'PATCH', url: '/api/v1/service/sla-policies/severe_fast', headers: t.admin, payload: { status: 'archived' } });
    const later = await ticket('2026-03-02T23:00:00+08:00', { severity: 'severe' });
    expect(isoOf((await row(later)).ack_due_at)).toBe(z('2026-03-03T10:00:00+08:00'));
    // Done with these: out of the other tests' scans.
    await query(db(), sql`update service.tickets set status = 'closed', next_alert_at = null where id in (${severe}::uuid, ${minor}::uuid, ${later}::uuid)`);
  });

  it('previews a due instant in a calendar', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/v1/service/calendars/default/preview', headers: t.admin, payload: { from: '2026-09-30T20:30:00+08:00', minutes: 60 } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ calendar: 'default', from: z('2026-09-30T20:30:00+08:00'), minutes: 60, dueAt: z('2026-10-08T09:30:00+08:00') });
  });
});

describe('many tickets, three scans at once', () => {
  it('refreshes a set in one call and raises each alert exactly once across chunks', async () => {
    const ids = Array.from({ length: 450 }, () => newId());
    await query(
      db(),
      sql`insert into service.tickets (id, kind, channel, status, subject, received_at, created_by)
          select x, 'inquiry', 'api', 'new', 'bulk', '2026-11-02T20:30:00+08:00'::timestamptz, 'test' from unnest(${pgArray(ids, 'uuid')}) as x`,
    );
    await db().transaction((tx) => sla().refresh(tx, ids, at('2026-11-02T20:30:00+08:00')));
    const dues = await query<{ due: Date; n: number }>(db(), sql`select ack_due_at as due, count(*)::int as n from service.tickets where id = any(${pgArray(ids, 'uuid')}) group by 1`);
    expect(dues.map((d) => [isoOf(d.due), d.n])).toEqual([[z('2026-11-03T09:30:00+08:00'), 450]]);
    const outs = await Promise.all([1, 2, 3].map(() => sla().scan(at('2026-11-03T09:30:00+08:00'))));
    expect(outs.reduce((n, o) => n + o.breaches, 0)).toBe(450);
    expect(outs.reduce((n, o) => n + o.escalations, 0)).toBe(450);
    expect(outs.reduce((n, o) => n + o.warnings, 0)).toBe(0);
    const [ev] = await query<{ n: number; tickets: number }>(
      db(),
      sql`select count(*)::int as n, count(distinct ticket_id)::int as tickets from service.ticket_events where kind = 'sla_breach' and ticket_id = any(${pgArray(ids, 'uuid')})`,
    );
    expect([ev!.n, ev!.tickets]).toEqual([450, 450]);
    expect(await sla().scan(at('2026-11-03T09:31:00+08:00'))).toMatchObject({ tickets: 0 });
    await query(db(), sql`update service.tickets set status = 'closed', next_alert_at = null where id = any(${pgArray(ids, 'uuid')})`);
  });
});

describe('bad input', () => {
  const count = async (table: 'calendars' | 'sla_policies') => (await queryOne<{ n: number }>(db(), sql`select count(*)::int as n from ${sql.raw(`service.${table}`)}`))!.n;
  const issue = (body: string) => (JSON.parse(body) as { error: { details: { issues: Array<{ path: string }> } } }).error.details.issues[0]!.path;

  it('refuses bad calendars naming the field, and changes nothing', async () => {
    const before = await count('calendars');
    const good = { code: 'office', name: 'Office', timeZone: 'Asia/Shanghai', week: { 1: [['09:00', '12:00'], ['13:00', '18:00']] } };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...good, week: { 1: [['09:00', '12:00'], ['11:00', '18:00']] } }, 'week.1.1'],
      [{ ...good, week: { 1: [['9:00', '12:00']] } }, 'week.1.0.0'],
      [{ ...good, week: { 2: [['18:00', '09:00']] } }, 'week.2.0'],
      [{ ...good, timeZone: 'Asia/Beijing' }, 'timeZone'],
      [{ ...good, holidays: ['2026-10-01', '2026-13-01'] }, 'holidays.1'],
      [{ ...good, holidays: ['2026-10-10'], workdays: ['2026-10-10'] }, 'workdays.0'],
      [{ ...good, week: {} }, 'week'],
      [{ ...good, code: 'Bad Code' }, 'code'],
    ];
    for (const [payload, path] of cases) {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/service/calendars', headers: t.admin, payload });
      expect(res.statusCode, res.body).toBe(400);
      expect(issue(res.body)).toBe(path);
    }
    expect(await count('calendars')).toBe(before);
    const ok = await t.app.inject({ method: 'POST', url: '/api/v1/service/calendars', headers: t.admin, payload: good });
    expect(ok.statusCode, ok.body).toBe(201);
    const dup = await t.app.inject({ method: 'POST', url: '/api/v1/service/calendars', headers: t.admin, payload: good });
    expect(dup.statusCode).toBe(409);

    // A change is checked whole: a make-up day that is one of the kept holidays is refused, nothing changes.
    const cal = (await t.app.inject({ method: 'GET', url: '/api/v1/service/calendars/default', headers: t.admin })).json() as Record<string, unknown>;
    const bad = await t.app.inject({ method: 'PATCH', url: '/api/v1/service/calendars/default', headers: t.admin, payload: { workdays: ['2026-10-01'] } });
    expect(bad.statusCode, bad.body).toBe(400);
    expect(issue(bad.body)).toBe('workdays.0');
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/service/calendars/default', headers: t.admin })).json()).toEqual(cal);
    // In use: not deleted.
    expect((await t.app.inject({ method: 'DELETE', url: '/api/v1/service/calendars/default', headers: t.admin })).statusCode).toBe(409);
    expect((await t.app.inject({ method: 'DELETE', url: '/api/v1/service/calendars/office', headers: t.admin })).statusCode).toBe(204);
  });

  it('refuses bad policies naming the field, and changes nothing', async () => {
    const before = await count('sla_policies');
    const good = { code: 'p1', name: 'P1', ackMinutes: 60, firstReplyMinutes: 1440, resolveMinutes: { default: 2880 } };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...good, ackMinutes: 0 }, 'ackMinutes'],
      [{ ...good, firstReplyMinutes: 1.5 }, 'firstReplyMinutes'],
      [{ ...good, resolveMinutes: {} }, 'resolveMinutes'],
      [{ ...good, resolveMinutes: { critical: 60 } }, 'resolveMinutes'],
      [{ ...good, warnPercent: 100 }, 'warnPercent'],
      [{ ...good, appliesTo: { kinds: ['praise'] } }, 'appliesTo.kinds.0'],
      [{ ...good, calendar: 'nope' }, 'calendar'],
    ];
    for (const [payload, path] of cases) {
      const res = await t.app.inject({ method: 'POST', url: '/api/v1/service/sla-policies', headers: t.admin, payload });
      expect(res.statusCode, res.body).toBe(400);
      expect(issue(res.body)).toBe(path);
    }
    const std = (await t.app.inject({ method: 'GET', url: '/api/v1/service/sla-policies/standard', headers: t.admin })).json() as Record<string, unknown>;
    const bad = await t.app.inject({ method: 'PATCH', url: '/api/v1/service/sla-policies/standard', headers: t.admin, payload: { calendar: 'nope' } });
    expect(bad.statusCode).toBe(400);
    expect(issue(bad.body)).toBe('calendar');
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/service/sla-policies/standard', headers: t.admin })).json()).toEqual(std);
    expect(await count('sla_policies')).toBe(before);
  });

  it('service:read reads, only service:admin changes', async () => {
    const reader = await t.keyWith(['service:read']);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/service/sla-policies', headers: reader })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/service/calendars', headers: reader })).statusCode).toBe(200);
    const res = await t.app.inject({ method: 'PATCH', url: '/api/v1/service/sla-policies/standard', headers: reader, payload: { ackMinutes: 5 } });
    expect(res.statusCode).toBe(403);
    const none = await t.keyWith(['customers:read']);
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/service/calendars', headers: none })).statusCode).toBe(403);
  });
});

